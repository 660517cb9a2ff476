/* Tests of the outgoing module's last guard: a header line that could
 * break the request's framing is refused before libcurl connects anywhere
 * (issue 11 item 6), whoever built the line. The target is a loopback
 * address with private addresses refused, so a request that got past the
 * guard would fail with the private-address error instead. */
#include "outgoing.h"

#include <CUnit/Basic.h>
#include <curl/curl.h>
#include <string.h>

static struct outgoing_response resp;

static int send_with(const char *const *headers)
{
    struct outgoing_request req;
    int rc;

    memset(&req, 0, sizeof(req));
    req.method = "POST";
    req.url = "http://127.0.0.1:9/";
    req.headers = headers;
    req.body = "{}";
    req.body_len = 2;
    req.timeout_ms = 1000;
    req.allow_private = 0;
    outgoing_response_free(&resp);
    rc = outgoing_send(&req, &resp);
    return rc;
}

static void outgoing_should_refuse_framing_headers_before_connecting(void)
{
    const char *const cl[] = {"Content-Type: application/json", "Content-Length: 5", NULL};
    const char *const te[] = {"transfer-encoding: chunked", NULL};
    const char *const host[] = {"Host: example.com", NULL};

    CU_ASSERT_EQUAL(send_with(cl), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(resp.error, "refused: header 2: Content-Length is a hop-by-hop"));
    CU_ASSERT_EQUAL(resp.retryable, 0);
    CU_ASSERT_EQUAL(send_with(te), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(resp.error, "refused: header 1: transfer-encoding"));
    CU_ASSERT_EQUAL(send_with(host), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(resp.error, "Host"));
}

static void outgoing_should_refuse_control_characters_and_bad_names(void)
{
    const char *const ctl[] = {"X-A: ok", "X-B: a\x01z", NULL};
    const char *const sep[] = {"X-B: a\xe2\x80\xa8z", NULL};
    const char *const name[] = {"X {{ a }}: v", NULL};
    const char *const noline[] = {"no colon", NULL};

    CU_ASSERT_EQUAL(send_with(ctl), -1);
    CU_ASSERT_STRING_EQUAL(resp.error,
                           "refused: header 2: holds a control character (U+0001) at byte 1");
    CU_ASSERT_EQUAL(send_with(sep), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(resp.error, "U+2028"));
    CU_ASSERT_EQUAL(send_with(name), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(resp.error, "refused: header 1: a header name is fixed text"));
    CU_ASSERT_EQUAL(send_with(noline), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(resp.error, "not a \"Name: value\" line"));
}

static void outgoing_should_let_good_headers_reach_the_address_check(void)
{
    const char *const ok[] = {"Content-Type: application/json", "X-Tab: a\tb",
                              "Authorization: Bearer x", NULL};

    CU_ASSERT_EQUAL(send_with(ok), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(resp.error, "loopback, private or link-local"));
}

int main(void)
{
    CU_pSuite s;
    unsigned fails;

    if (outgoing_global_init() != 0)
        return 1;
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("outgoing", NULL, NULL);
    CU_ADD_TEST(s, outgoing_should_refuse_framing_headers_before_connecting);
    CU_ADD_TEST(s, outgoing_should_refuse_control_characters_and_bad_names);
    CU_ADD_TEST(s, outgoing_should_let_good_headers_reach_the_address_check);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    fails = CU_get_number_of_failures();
    CU_cleanup_registry();
    outgoing_response_free(&resp);
    curl_global_cleanup();
    return fails == 0 ? 0 : 1;
}
