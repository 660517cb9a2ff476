/* Tests of the origin module: the one spelling of an origin that
 * same-origin checks compare, from URLs, Origin headers and Host headers. */
#include "origin.h"

#include <CUnit/Basic.h>
#include <string.h>

static const char *of_url(const char *url)
{
    static char out[ORIGIN_MAX];
    return origin_of_url(url, out, sizeof(out)) == 0 ? out : NULL;
}

static const char *of_host(const char *scheme, const char *host)
{
    static char out[ORIGIN_MAX];
    return origin_of_host(scheme, host, out, sizeof(out)) == 0 ? out : NULL;
}

static void origin_should_spell_out_the_default_port_and_lower_case(void)
{
    CU_ASSERT_STRING_EQUAL(of_url("http://Example.COM"), "http://example.com:80");
    CU_ASSERT_STRING_EQUAL(of_url("HTTPS://example.com/"), "https://example.com:443");
    CU_ASSERT_STRING_EQUAL(of_url("https://example.com:443"), "https://example.com:443");
    CU_ASSERT_STRING_EQUAL(of_url("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
    CU_ASSERT_STRING_EQUAL(of_url("http://[::1]:8080"), "http://[::1]:8080");
    CU_ASSERT_STRING_EQUAL(of_url("http://[FE80::A]"), "http://[fe80::a]:80");
    CU_ASSERT_STRING_EQUAL(of_url("http://host:"), "http://host:80");
}

static void origin_should_drop_userinfo_path_query_and_fragment(void)
{
    CU_ASSERT_STRING_EQUAL(of_url("http://user:pw@host:81/a/b?c=d#e"), "http://host:81");
    CU_ASSERT_STRING_EQUAL(of_url("https://hooks.example.com/base/path"),
                           "https://hooks.example.com:443");
    CU_ASSERT_STRING_EQUAL(of_url("http://host?x=1"), "http://host:80");
    CU_ASSERT_STRING_EQUAL(of_url("http://host#frag"), "http://host:80");
}

static void origin_should_refuse_other_schemes_null_and_malformed_hosts(void)
{
    CU_ASSERT_PTR_NULL(of_url("null"));
    CU_ASSERT_PTR_NULL(of_url("ftp://host"));
    CU_ASSERT_PTR_NULL(of_url("file:///etc/passwd"));
    CU_ASSERT_PTR_NULL(of_url("http://"));
    CU_ASSERT_PTR_NULL(of_url("http://:80"));
    CU_ASSERT_PTR_NULL(of_url("http://host:0"));
    CU_ASSERT_PTR_NULL(of_url("http://host:65536"));
    CU_ASSERT_PTR_NULL(of_url("http://host:-1"));
    CU_ASSERT_PTR_NULL(of_url("http://host:8o"));
    CU_ASSERT_PTR_NULL(of_url("http://ho st"));
    CU_ASSERT_PTR_NULL(of_url("http://host\r\nX: y"));
    CU_ASSERT_PTR_NULL(of_url("http://[::1"));
    CU_ASSERT_PTR_NULL(of_url("http://[::1]x"));
    CU_ASSERT_PTR_NULL(of_url("http://[]"));
    CU_ASSERT_PTR_NULL(of_url(NULL));
}

static void origin_should_build_the_origin_a_host_header_names(void)
{
    CU_ASSERT_STRING_EQUAL(of_host("http", "127.0.0.1:8080"), "http://127.0.0.1:8080");
    CU_ASSERT_STRING_EQUAL(of_host("https", "Hooks.Example.com"), "https://hooks.example.com:443");
    CU_ASSERT_STRING_EQUAL(of_host("http", "[::1]"), "http://[::1]:80");
    CU_ASSERT_PTR_NULL(of_host("http", "evil.example/x"));
    CU_ASSERT_PTR_NULL(of_host("http", "user@host"));
    CU_ASSERT_PTR_NULL(of_host("http", ""));
    CU_ASSERT_PTR_NULL(of_host(NULL, "host"));
}

static void origin_should_never_write_past_the_output(void)
{
    char small[16];
    char long_host[400];

    CU_ASSERT_EQUAL(origin_of_url("http://example.com", small, sizeof(small)), -1);
    CU_ASSERT_EQUAL(origin_of_url("http://a", small, sizeof(small)), 0);
    CU_ASSERT_STRING_EQUAL(small, "http://a:80");
    memset(long_host, 'a', sizeof(long_host) - 1);
    long_host[sizeof(long_host) - 1] = '\0';
    CU_ASSERT_PTR_NULL(of_host("http", long_host));
}

int main(void)
{
    CU_pSuite s;
    unsigned fails;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("origin", NULL, NULL);
    CU_ADD_TEST(s, origin_should_spell_out_the_default_port_and_lower_case);
    CU_ADD_TEST(s, origin_should_drop_userinfo_path_query_and_fragment);
    CU_ADD_TEST(s, origin_should_refuse_other_schemes_null_and_malformed_hosts);
    CU_ADD_TEST(s, origin_should_build_the_origin_a_host_header_names);
    CU_ADD_TEST(s, origin_should_never_write_past_the_output);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    fails = CU_get_number_of_failures();
    CU_cleanup_registry();
    return fails == 0 ? 0 : 1;
}
