/* Tests of the target module: the outgoing_allow_hosts list, and the look
 * ahead at a workflow's URL template that warns about runs the SSRF rules
 * would refuse. Only literal addresses and "localhost" are resolved. */
#include "target.h"

#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

static const char *parsed(const char *text)
{
    static char out[TARGET_ALLOW_TEXT];
    char exp[200];
    return target_allow_parse(text, out, sizeof(out), exp, sizeof(exp)) == 0 ? out : NULL;
}

static struct sockaddr_storage v4(const char *a)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    ss.ss_family = AF_INET;
    inet_pton(AF_INET, a, &((struct sockaddr_in *)&ss)->sin_addr);
    return ss;
}

static struct sockaddr_storage v6(const char *a)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    ss.ss_family = AF_INET6;
    inet_pton(AF_INET6, a, &((struct sockaddr_in6 *)&ss)->sin6_addr);
    return ss;
}

static void allow_list_should_normalise_names_addresses_and_blocks(void)
{
    CU_ASSERT_STRING_EQUAL(parsed(""), "");
    CU_ASSERT_STRING_EQUAL(parsed("Intranet.Example, 10.1.2.3 192.168.0.0/16,,[::1]"),
                           "intranet.example, 10.1.2.3/32, 192.168.0.0/16, ::1/128");
    CU_ASSERT_STRING_EQUAL(parsed("fd00::/8"), "fd00::/8");
}

static void allow_list_should_refuse_malformed_entries(void)
{
    CU_ASSERT_PTR_NULL(parsed("10.0.0.0/33"));
    CU_ASSERT_PTR_NULL(parsed("fd00::/129"));
    CU_ASSERT_PTR_NULL(parsed("host/8"));
    CU_ASSERT_PTR_NULL(parsed("under_score.example"));
    CU_ASSERT_PTR_NULL(parsed("http://host"));
    CU_ASSERT_PTR_NULL(parsed(".leading.dot"));
    CU_ASSERT_PTR_NULL(
        parsed("a b c d e f g h i j k l m n o p q r s t u v w x y z aa bb cc dd ee ff "
               "gg"));
}

static void allow_list_should_match_addresses_in_its_blocks(void)
{
    const char *allow = parsed("10.0.0.0/8, 192.168.1.7, fd00::/8");
    struct sockaddr_storage a;

    a = v4("10.200.3.4");
    CU_ASSERT_TRUE(target_allow_addr(allow, (struct sockaddr *)&a));
    a = v4("11.0.0.1");
    CU_ASSERT_FALSE(target_allow_addr(allow, (struct sockaddr *)&a));
    a = v4("192.168.1.7");
    CU_ASSERT_TRUE(target_allow_addr(allow, (struct sockaddr *)&a));
    a = v4("192.168.1.8");
    CU_ASSERT_FALSE(target_allow_addr(allow, (struct sockaddr *)&a));
    a = v6("::ffff:10.1.1.1"); /* IPv4-mapped: compared as IPv4 */
    CU_ASSERT_TRUE(target_allow_addr(allow, (struct sockaddr *)&a));
    a = v6("fd12::1");
    CU_ASSERT_TRUE(target_allow_addr(allow, (struct sockaddr *)&a));
    a = v6("fe80::1");
    CU_ASSERT_FALSE(target_allow_addr(allow, (struct sockaddr *)&a));
    CU_ASSERT_FALSE(target_allow_addr(NULL, (struct sockaddr *)&a));
}

static void allow_list_should_match_host_names_exactly(void)
{
    const char *allow = parsed("intranet.example, 127.0.0.0/8");

    CU_ASSERT_TRUE(target_allow_host(allow, "INTRANET.example"));
    CU_ASSERT_FALSE(target_allow_host(allow, "evil.intranet.example"));
    CU_ASSERT_FALSE(target_allow_host(allow, "intranet.example.evil"));
    CU_ASSERT_TRUE(target_allow_host(allow, "127.9.9.9"));
    CU_ASSERT_FALSE(target_allow_host(allow, "[::1]"));
    CU_ASSERT_TRUE(target_url_host_allowed("http://intranet.example:81/x", allow));
    CU_ASSERT_FALSE(target_url_host_allowed("http://other.example/x", allow));
}

static struct config cfg_with(const char *allow, int allow_private)
{
    struct config c;
    config_defaults(&c);
    snprintf(c.public_base_url, sizeof(c.public_base_url), "http://127.0.0.1:8080");
    snprintf(c.outgoing_allow_hosts, sizeof(c.outgoing_allow_hosts), "%s", parsed(allow));
    c.outgoing_allow_private = allow_private;
    return c;
}

static void check_url_should_warn_about_internal_hosts_naming_the_keys(void)
{
    struct config c = cfg_with("", 0);
    char why[700];

    CU_ASSERT_EQUAL(target_check_url(&c, "http://127.0.0.1:9000/hook", why, sizeof(why)), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "127.0.0.1 is a loopback"));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "outgoing_allow_hosts = 127.0.0.1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "outgoing_allow_private = yes"));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "(http://127.0.0.1:8080)"));
    CU_ASSERT_EQUAL(target_check_url(&c, "http://10.0.0.5/{{ request.body.p }}", why, sizeof(why)),
                    1);
    CU_ASSERT_EQUAL(target_check_url(&c, "http://[::1]:9/", why, sizeof(why)), 1);
    CU_ASSERT_EQUAL(target_check_url(&c, "http://localhost:9/", why, sizeof(why)), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "localhost ("));
}

static void check_url_should_not_warn_when_allowed_or_unknown(void)
{
    struct config c = cfg_with("10.0.0.0/8, localhost", 0);
    struct config lax = cfg_with("", 1);
    char why[700];

    /* This server's own origin, however the path goes on. */
    CU_ASSERT_EQUAL(
        target_check_url(&c, "http://127.0.0.1:8080/v4/events/custom", why, sizeof(why)), 0);
    CU_ASSERT_EQUAL(target_check_url(&c, "HTTP://127.0.0.1:8080?a={{ x }}", why, sizeof(why)), 0);
    CU_ASSERT_EQUAL(target_check_url(&c, "http://10.1.2.3/x", why, sizeof(why)), 0);
    CU_ASSERT_EQUAL(target_check_url(&c, "http://localhost:9/", why, sizeof(why)), 0);
    CU_ASSERT_EQUAL(target_check_url(&lax, "http://127.0.0.1:9/", why, sizeof(why)), 0);
    /* Templated scheme, host or port: nothing can be told. */
    CU_ASSERT_EQUAL(target_check_url(&c, "{{ request.body.url }}", why, sizeof(why)), 0);
    CU_ASSERT_EQUAL(target_check_url(&c, "http://{{ h }}/x", why, sizeof(why)), 0);
    CU_ASSERT_EQUAL(target_check_url(&c, "http://127.0.0.1:{{ p }}/x", why, sizeof(why)), 0);
    CU_ASSERT_EQUAL(target_check_url(&c, "http://192.0.2.1/x", why, sizeof(why)), 0);
    CU_ASSERT_EQUAL(target_check_url(&c, "not a url", why, sizeof(why)), 0);
}

int main(void)
{
    CU_pSuite s;
    unsigned fails;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("target", NULL, NULL);
    CU_ADD_TEST(s, allow_list_should_normalise_names_addresses_and_blocks);
    CU_ADD_TEST(s, allow_list_should_refuse_malformed_entries);
    CU_ADD_TEST(s, allow_list_should_match_addresses_in_its_blocks);
    CU_ADD_TEST(s, allow_list_should_match_host_names_exactly);
    CU_ADD_TEST(s, check_url_should_warn_about_internal_hosts_naming_the_keys);
    CU_ADD_TEST(s, check_url_should_not_warn_when_allowed_or_unknown);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    fails = CU_get_number_of_failures();
    CU_cleanup_registry();
    return fails == 0 ? 0 : 1;
}
