/* Tests of the redact module: which headers are credentials and how a URL's
 * userinfo is hidden in the run log (issue 11 item 5). */
#include "redact.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

static char out[512];

static const char *url(const char *u)
{
    struct buf b;

    buf_init(&b, 4096);
    CU_ASSERT_EQUAL(redact_url(u, &b), BUF_OK);
    snprintf(out, sizeof(out), "%s", buf_str(&b));
    buf_free(&b);
    return out;
}

static void redact_header_should_cover_the_fixed_credential_headers_in_any_case(void)
{
    CU_ASSERT_TRUE(redact_header(NULL, "Authorization"));
    CU_ASSERT_TRUE(redact_header(NULL, "authorization"));
    CU_ASSERT_TRUE(redact_header(NULL, "PROXY-AUTHORIZATION"));
    CU_ASSERT_TRUE(redact_header(NULL, "Cookie"));
    CU_ASSERT_FALSE(redact_header(NULL, "Content-Type"));
    CU_ASSERT_FALSE(redact_header(NULL, "X-Api-Key"));
}

static void redact_header_should_add_the_configured_names_and_keep_the_fixed_ones(void)
{
    struct config cfg;

    config_defaults(&cfg);
    /* An operator's list that leaves the defaults out still redacts them. */
    cfg.redact_count = 1;
    snprintf(cfg.redact_headers[0], sizeof(cfg.redact_headers[0]), "X-Api-Key");
    CU_ASSERT_TRUE(redact_header(&cfg, "x-api-key"));
    CU_ASSERT_TRUE(redact_header(&cfg, "Authorization"));
    CU_ASSERT_TRUE(redact_header(&cfg, "Cookie"));
    CU_ASSERT_FALSE(redact_header(&cfg, "X-Request-Id"));
}

static void redact_url_should_replace_the_userinfo(void)
{
    CU_ASSERT_STRING_EQUAL(url("http://user:pw@example.com/p?q=1"),
                           "http://[redacted]@example.com/p?q=1");
    CU_ASSERT_STRING_EQUAL(url("https://token@example.com"), "https://[redacted]@example.com");
    CU_ASSERT_STRING_EQUAL(url("HTTP://u:p@h:8080"), "HTTP://[redacted]@h:8080");
    CU_ASSERT_STRING_EQUAL(url("http://:@h/"), "http://[redacted]@h/");
}

static void redact_url_should_use_the_last_at_of_the_authority_only(void)
{
    /* libcurl takes the last '@' before the path as the end of userinfo. */
    CU_ASSERT_STRING_EQUAL(url("http://u:p@ss@host/x"), "http://[redacted]@host/x");
    CU_ASSERT_STRING_EQUAL(url("http://host/a@b?c=d@e#f@g"), "http://host/a@b?c=d@e#f@g");
    CU_ASSERT_STRING_EQUAL(url("http://host?mail=a@b"), "http://host?mail=a@b");
    CU_ASSERT_STRING_EQUAL(url("http://host#a@b"), "http://host#a@b");
}

static void redact_url_should_handle_urls_without_a_scheme_or_userinfo(void)
{
    CU_ASSERT_STRING_EQUAL(url("u:pw@host/p"), "[redacted]@host/p");
    CU_ASSERT_STRING_EQUAL(url("//u:pw@host/p"), "//[redacted]@host/p");
    CU_ASSERT_STRING_EQUAL(url("http://example.com/p"), "http://example.com/p");
    CU_ASSERT_STRING_EQUAL(url(""), "");
    CU_ASSERT_STRING_EQUAL(url("not a url"), "not a url");
}

int main(void)
{
    CU_pSuite s;
    unsigned fails;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("redact", NULL, NULL);
    CU_ADD_TEST(s, redact_header_should_cover_the_fixed_credential_headers_in_any_case);
    CU_ADD_TEST(s, redact_header_should_add_the_configured_names_and_keep_the_fixed_ones);
    CU_ADD_TEST(s, redact_url_should_replace_the_userinfo);
    CU_ADD_TEST(s, redact_url_should_use_the_last_at_of_the_authority_only);
    CU_ADD_TEST(s, redact_url_should_handle_urls_without_a_scheme_or_userinfo);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    fails = CU_get_number_of_failures();
    CU_cleanup_registry();
    return fails == 0 ? 0 : 1;
}
