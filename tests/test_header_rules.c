/* Tests of the header_rules module: which header names an outgoing request
 * may carry and which values hold a control character (issue 11 item 6). */
#include "header_rules.h"

#include <CUnit/Basic.h>
#include <string.h>

static long find(const char *v, unsigned *cp)
{
    return header_rules_find_control(v, strlen(v), cp);
}

static void header_rules_should_accept_rfc9110_token_names(void)
{
    char longest[HEADER_RULES_NAME_MAX + 1];

    CU_ASSERT_TRUE(header_rules_name_valid("Content-Type"));
    CU_ASSERT_TRUE(header_rules_name_valid("X-Api-Key"));
    CU_ASSERT_TRUE(header_rules_name_valid("x_weird.name!#$%&'*+^`|~9"));
    memset(longest, 'a', HEADER_RULES_NAME_MAX);
    longest[HEADER_RULES_NAME_MAX] = '\0';
    CU_ASSERT_TRUE(header_rules_name_valid(longest));
}

static void header_rules_should_refuse_templates_separators_and_empty_names(void)
{
    char toolong[HEADER_RULES_NAME_MAX + 2];
    char err[400];

    CU_ASSERT_FALSE(header_rules_name_valid(""));
    CU_ASSERT_FALSE(header_rules_name_valid(NULL));
    CU_ASSERT_FALSE(header_rules_name_valid("X-{{ request.body.name }}"));
    CU_ASSERT_FALSE(header_rules_name_valid("X-{% if a %}b{% endif %}"));
    CU_ASSERT_FALSE(header_rules_name_valid("X Name"));
    CU_ASSERT_FALSE(header_rules_name_valid("X-Name:"));
    CU_ASSERT_FALSE(header_rules_name_valid("X-Name\r\nX-Injected"));
    CU_ASSERT_FALSE(header_rules_name_valid("X-\x01"));
    CU_ASSERT_FALSE(header_rules_name_valid("X-\xc3\xa9"));
    CU_ASSERT_FALSE(header_rules_name_valid("\"quoted\""));
    CU_ASSERT_FALSE(header_rules_name_valid("a/b"));
    memset(toolong, 'a', HEADER_RULES_NAME_MAX + 1);
    toolong[HEADER_RULES_NAME_MAX + 1] = '\0';
    CU_ASSERT_FALSE(header_rules_name_valid(toolong));
    CU_ASSERT_EQUAL(header_rules_check_name("X-{{ a }}", err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no template"));
}

static void header_rules_should_refuse_hop_by_hop_and_framing_headers_in_any_case(void)
{
    static const char *const names[] = {
        "Host",    "content-length", "TRANSFER-ENCODING", "Connection", "keep-alive",    "TE",
        "Trailer", "Upgrade",        "Proxy-Connection",  "Expect",     "HTTP2-Settings"};
    char err[400];

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        CU_ASSERT_TRUE(header_rules_name_reserved(names[i]));
        CU_ASSERT_EQUAL(header_rules_check_name(names[i], err, sizeof(err)), -1);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, names[i]));
        CU_ASSERT_PTR_NOT_NULL(strstr(err, "hop-by-hop or framing"));
    }
    CU_ASSERT_FALSE(header_rules_name_reserved("Content-Type"));
    CU_ASSERT_FALSE(header_rules_name_reserved("Authorization"));
    CU_ASSERT_FALSE(header_rules_name_reserved("Hosts"));
    CU_ASSERT_EQUAL(header_rules_check_name("Content-Type", err, sizeof(err)), 0);
}

static void header_rules_should_find_c0_controls_and_del_but_not_htab(void)
{
    unsigned cp = 0;
    char one[2] = {0, 0};

    CU_ASSERT_EQUAL(find("a\tb", &cp), -1);
    for (int c = 1; c < 0x20; c++) {
        if (c == '\t')
            continue;
        one[0] = (char)c;
        CU_ASSERT_EQUAL(find(one, &cp), 0);
        CU_ASSERT_EQUAL(cp, (unsigned)c);
    }
    CU_ASSERT_EQUAL(find("abc\x7f", &cp), 3);
    CU_ASSERT_EQUAL(cp, 0x7f);
    CU_ASSERT_EQUAL(find("ab\r\n", &cp), 2);
    CU_ASSERT_EQUAL(cp, '\r');
    /* A NUL inside the value counts: it is measured by length. */
    CU_ASSERT_EQUAL(header_rules_find_control("ab\0cd", 5, &cp), 2);
    CU_ASSERT_EQUAL(cp, 0);
}

static void header_rules_should_find_c1_controls_and_unicode_separators(void)
{
    unsigned cp = 0;

    CU_ASSERT_EQUAL(find("x\xc2\x85y", &cp), 1); /* U+0085 NEL */
    CU_ASSERT_EQUAL(cp, 0x85);
    CU_ASSERT_EQUAL(find("\xc2\x80", &cp), 0);
    CU_ASSERT_EQUAL(cp, 0x80);
    CU_ASSERT_EQUAL(find("\xc2\x9f", &cp), 0);
    CU_ASSERT_EQUAL(cp, 0x9f);
    CU_ASSERT_EQUAL(find("ab\xe2\x80\xa8", &cp), 2); /* U+2028 */
    CU_ASSERT_EQUAL(cp, 0x2028);
    CU_ASSERT_EQUAL(find("\xe2\x80\xa9", &cp), 0); /* U+2029 */
    CU_ASSERT_EQUAL(cp, 0x2029);
    CU_ASSERT_EQUAL(find("a\xc2\x85", NULL), 1);
}

static void header_rules_should_pass_printable_text_and_other_utf8(void)
{
    CU_ASSERT_EQUAL(find("Bearer abc.DEF-123_~+/=", NULL), -1);
    CU_ASSERT_EQUAL(find("za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87 \xc2\xa0", NULL), -1); /* U+00A0 */
    CU_ASSERT_EQUAL(find("\xe2\x80\xa7\xe2\x80\xaa", NULL), -1); /* U+2027, U+202A */
    CU_ASSERT_EQUAL(find("\xc2", NULL), -1);                     /* truncated: obs-text */
    CU_ASSERT_EQUAL(find("\xe2\x80", NULL), -1);
    CU_ASSERT_EQUAL(find("", NULL), -1);
}

static void header_rules_check_value_should_name_the_code_point_never_the_value(void)
{
    char err[400];

    CU_ASSERT_EQUAL(header_rules_check_value("s3cret\x01", 7, err, sizeof(err)), -1);
    CU_ASSERT_STRING_EQUAL(err, "holds a control character (U+0001) at byte 6");
    CU_ASSERT_PTR_NULL(strstr(err, "s3cret"));
    CU_ASSERT_EQUAL(header_rules_check_value("a\xe2\x80\xa8", 4, err, sizeof(err)), -1);
    CU_ASSERT_STRING_EQUAL(err, "holds a control character (U+2028) at byte 1");
    CU_ASSERT_EQUAL(header_rules_check_value("fine", 4, err, sizeof(err)), 0);
}

int main(void)
{
    CU_pSuite s;
    unsigned fails;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("header_rules", NULL, NULL);
    CU_ADD_TEST(s, header_rules_should_accept_rfc9110_token_names);
    CU_ADD_TEST(s, header_rules_should_refuse_templates_separators_and_empty_names);
    CU_ADD_TEST(s, header_rules_should_refuse_hop_by_hop_and_framing_headers_in_any_case);
    CU_ADD_TEST(s, header_rules_should_find_c0_controls_and_del_but_not_htab);
    CU_ADD_TEST(s, header_rules_should_find_c1_controls_and_unicode_separators);
    CU_ADD_TEST(s, header_rules_should_pass_printable_text_and_other_utf8);
    CU_ADD_TEST(s, header_rules_check_value_should_name_the_code_point_never_the_value);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    fails = CU_get_number_of_failures();
    CU_cleanup_registry();
    return fails == 0 ? 0 : 1;
}
