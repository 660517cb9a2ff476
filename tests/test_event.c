/* Tests of the event module: canonical header names, redaction, query
 * decoding, the envelope's exact text and key order, and that the envelope
 * re-parses and flattens as SPEC section 5 shows. */
#include "event.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flatten.h"
#include "json.h"

static const char seed_body[] =
    "{ \"customer_email\": \"example@example.com\", \"order_number\": \"111111111\", "
    "\"type\": \"email\", \"language\": \"eng\", \"products\": [ { \"name\": \"Earwax\", "
    "\"category\": \"Hygiene\", \"id\": \"abcdefgh\", \"image_url\": "
    "\"http://exampleimage.url\", \"product_url\": \"http://exampleproduct.url\", "
    "\"group_id\": \"groupid\" } ] }";

/* Builds the envelope of body/query/envp with the default config (and
 * business_profile_id 611) into out; returns the body offset. */
static size_t build(const char *body, const char *query, char *const *envp,
                    const struct config *cfg_in, struct buf *out)
{
    struct config cfg;
    struct event_input in = {0};
    size_t off = 0;

    if (cfg_in != NULL) {
        cfg = *cfg_in;
    } else {
        config_defaults(&cfg);
        cfg.business_profile_id = 611;
    }
    in.method = "POST";
    in.query_string = query;
    in.envp = envp;
    in.body = body;
    in.body_len = strlen(body);
    in.event_id = "2f1c0000-0000-4000-8000-000000000001";
    in.endpoint_id = "9a3e0000-0000-4000-8000-000000000002";
    in.time_ms = 1583206296408LL;
    buf_init(out, 1 << 20);
    CU_ASSERT_EQUAL(event_build_envelope(&in, &cfg, out, &off), BUF_OK);
    return off;
}

/* The "query" or "headers" member of an envelope, printed compactly. */
static char *member(const struct buf *env, const char *name)
{
    struct json_error err;
    cJSON *root = NULL;
    char *s;
    if (json_parse(env->data, env->len, 65, &root, &err) != 0) {
        fprintf(stderr, "\n%s\n%s\n", err.message, env->data);
        CU_FAIL("envelope does not parse");
        return strdup("");
    }
    s = json_to_string(json_get(root, name));
    cJSON_Delete(root);
    return s;
}

static void event_should_map_cgi_variables_to_canonical_header_names(void)
{
    char out[64];
    const char *v;

    v = "HTTP_X_REQUEST_ID";
    CU_ASSERT_EQUAL(event_header_from_cgi(v, strlen(v), out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(out, "X-Request-Id");
    v = "CONTENT_TYPE";
    CU_ASSERT_EQUAL(event_header_from_cgi(v, strlen(v), out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(out, "Content-Type");
    v = "CONTENT_LENGTH=12"; /* varlen stops before '=' */
    CU_ASSERT_EQUAL(event_header_from_cgi(v, 14, out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(out, "Content-Length");
    v = "HTTP_HOST";
    CU_ASSERT_EQUAL(event_header_from_cgi(v, strlen(v), out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(out, "Host");
    v = "HTTP_WEBHOOK_ID";
    CU_ASSERT_EQUAL(event_header_from_cgi(v, strlen(v), out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(out, "Webhook-Id");
    CU_ASSERT_EQUAL(event_header_from_cgi("REQUEST_METHOD", 14, out, sizeof(out)), -1);
    CU_ASSERT_EQUAL(event_header_from_cgi("HTTP_", 5, out, sizeof(out)), -1);
    CU_ASSERT_EQUAL(event_header_from_cgi("HTTPS", 5, out, sizeof(out)), -1);
    CU_ASSERT_EQUAL(event_header_from_cgi("HTTP_X_A", 8, out, 3), -1); /* too small */
    CU_ASSERT_EQUAL(event_header_from_cgi("HTTP_X_A", 8, out, 4), 0);
    CU_ASSERT_EQUAL(event_header_from_cgi("HTTP_X\xC3\xA9", 8, out, sizeof(out)), -1);

    CU_ASSERT_EQUAL(event_canonical_header_name("x-request-ID", out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(out, "X-Request-Id");
    CU_ASSERT_EQUAL(event_canonical_header_name("ETAG", out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(out, "Etag");
    CU_ASSERT_EQUAL(event_canonical_header_name("content-md5", out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(out, "Content-Md5");
    CU_ASSERT_EQUAL(event_canonical_header_name("a b", out, sizeof(out)), -1);
    CU_ASSERT_EQUAL(event_canonical_header_name("", out, sizeof(out)), -1);
}

static void event_should_write_the_envelope_in_key_order_with_the_body_byte_exact(void)
{
    char *envp[] = {"HTTP_X_REQUEST_ID=abc",
                    "CONTENT_TYPE=application/json",
                    "REQUEST_METHOD=POST",
                    "HTTP_AUTHORIZATION=Bearer secret",
                    "HTTP_X_FORWARDED_HOST=example host",
                    "QUERY_STRING=a=1",
                    NULL};
    const char *body = "{ \"n\" : 1e400,\"x\":[1, 2.50],\"big\":9007199254740993 }";
    struct buf env;
    size_t off = build(body, "a=1", envp, NULL, &env);
    char want[1024];

    snprintf(want, sizeof(want),
             "{\"body\":%s,\"businessProfileId\":611,"
             "\"endpointId\":\"9a3e0000-0000-4000-8000-000000000002\","
             "\"eventId\":\"2f1c0000-0000-4000-8000-000000000001\","
             "\"headers\":{\"X-Request-Id\":\"abc\",\"Content-Type\":\"application/json\","
             "\"X-Forwarded-Host\":\"example host\"},"
             "\"query\":{\"a\":\"1\"},\"method\":\"POST\",\"time\":1583206296408}",
             body);
    CU_ASSERT_STRING_EQUAL(env.data, want);
    CU_ASSERT_EQUAL(off, strlen("{\"body\":"));
    CU_ASSERT_EQUAL(memcmp(env.data + off, body, strlen(body)), 0);
    buf_free(&env);
}

static void event_should_drop_redacted_headers_in_any_case(void)
{
    char *envp[] = {"HTTP_AUTHORIZATION=Bearer x",
                    "HTTP_COOKIE=s=1",
                    "HTTP_PROXY_AUTHORIZATION=Basic y",
                    "HTTP_X_SECRET=z",
                    "HTTP_X_KEEP=k",
                    NULL};
    struct config cfg;
    char err[256];
    struct buf env;
    char *h;

    build("{}", NULL, envp, NULL, &env);
    h = member(&env, "headers");
    CU_ASSERT_STRING_EQUAL(h, "{\"X-Secret\":\"z\",\"X-Keep\":\"k\"}");
    free(h);
    buf_free(&env);

    config_defaults(&cfg);
    strcpy(cfg.redact_headers[0], "x-SECRET");
    cfg.redact_count = 1;
    (void)err;
    build("{}", "", envp, &cfg, &env);
    h = member(&env, "headers");
    CU_ASSERT_STRING_EQUAL(h, "{\"Authorization\":\"Bearer x\",\"Cookie\":\"s=1\","
                              "\"Proxy-Authorization\":\"Basic y\",\"X-Keep\":\"k\"}");
    free(h);
    buf_free(&env);
}

static void event_should_decode_the_query_string(void)
{
    struct buf env;
    char *q;

    build("{}", "a=1&b=%2B&c=a+b%20c&d=%zz&e=%4&f&a=2&=v&&g=%C3%A9&h=%c3%a9&i=x=y&j%5B%5D=1", NULL,
          NULL, &env);
    q = member(&env, "query");
    CU_ASSERT_STRING_EQUAL(q, "{\"a\":\"2\",\"b\":\"+\",\"c\":\"a b c\",\"d\":\"%zz\","
                              "\"e\":\"%4\",\"f\":\"\",\"\":\"v\",\"g\":\"\xC3\xA9\","
                              "\"h\":\"\xC3\xA9\",\"i\":\"x=y\",\"j[]\":\"1\"}");
    free(q);
    buf_free(&env);
    build("{}", NULL, NULL, NULL, &env);
    q = member(&env, "query");
    CU_ASSERT_STRING_EQUAL(q, "{}");
    free(q);
    buf_free(&env);
}

static void event_should_replace_invalid_utf8_and_nul_in_headers_and_query(void)
{
    char *envp[] = {"HTTP_X_BAD=a\xFF"
                    "b\xC0\xAF",
                    "HTTP_X_OK=caf\xC3\xA9", NULL};
    struct buf env;
    char *s;

    build("[]", "k=%FF&z=a%00b&%FE=1&%FD=2&\xE2\x82=3", envp, NULL, &env);
    CU_ASSERT_TRUE(json_utf8_valid(env.data, env.len));
    s = member(&env, "headers");
    CU_ASSERT_STRING_EQUAL(s, "{\"X-Bad\":\"a\xEF\xBF\xBD"
                              "b\xEF\xBF\xBD\xEF\xBF\xBD\","
                              "\"X-Ok\":\"caf\xC3\xA9\"}");
    free(s);
    s = member(&env, "query");
    /* %FE and %FD both become U+FFFD: one member, the last value. */
    CU_ASSERT_STRING_EQUAL(s, "{\"k\":\"\xEF\xBF\xBD\",\"z\":\"a\xEF\xBF\xBD"
                              "b\","
                              "\"\xEF\xBF\xBD\":\"2\",\"\xEF\xBF\xBD\xEF\xBF\xBD\":\"3\"}");
    free(s);
    buf_free(&env);
}

static void event_should_keep_one_member_per_header_name(void)
{
    char *envp[] = {"CONTENT_TYPE=application/json", "HTTP_CONTENT_TYPE=text/plain", NULL};
    struct buf env;
    char *s;

    build("{}", NULL, envp, NULL, &env);
    s = member(&env, "headers");
    CU_ASSERT_STRING_EQUAL(s, "{\"Content-Type\":\"text/plain\"}");
    free(s);
    buf_free(&env);
}

static void event_should_fail_cleanly_when_the_buffer_limit_is_hit(void)
{
    struct config cfg;
    struct event_input in = {0};
    struct buf out;

    config_defaults(&cfg);
    in.method = "POST";
    in.body = "{\"a\":\"0123456789\"}";
    in.body_len = strlen(in.body);
    buf_init(&out, 24);
    CU_ASSERT_EQUAL(event_build_envelope(&in, &cfg, &out, NULL), BUF_TOOBIG);
    buf_free(&out);
}

static void event_envelope_should_reparse_and_flatten_like_the_seed_example(void)
{
    char *envp[] = {"HTTP_X_REQUEST_ID=XXXXXXXXXXXXXXXXXXX", "HTTP_X_FORWARDED_HOST=example host",
                    NULL};
    struct json_error err;
    struct flat_list l;
    struct buf env;
    cJSON *root = NULL;
    const struct flat_item *it;
    const char *want_keys[] = {"body.customer_email",
                               "body.products[0].name",
                               "businessProfileId",
                               "endpointId",
                               "eventId",
                               "headers[\"X-Request-Id\"]",
                               "headers[\"X-Forwarded-Host\"]",
                               "method",
                               "time"};
    size_t next = 0;

    build(seed_body, "", envp, NULL, &env);
    CU_ASSERT_EQUAL_FATAL(json_parse(env.data, env.len, 65, &root, &err), 0);
    CU_ASSERT_EQUAL_FATAL(flatten(root, &l), 0);
    /* Every expected key is there, in this order (others in between). */
    for (size_t i = 0; i < l.count && next < 9; i++)
        if (strcmp(l.items[i].key, want_keys[next]) == 0)
            next++;
    CU_ASSERT_EQUAL(next, 9);
    CU_ASSERT_STRING_EQUAL(l.items[0].key, "body.customer_email");
    CU_ASSERT_STRING_EQUAL(l.items[l.count - 1].key, "time");
    CU_ASSERT_STRING_EQUAL(l.items[l.count - 1].value, "1583206296408");
    it = flatten_find(&l, "headers[\"X-Request-ID\"]");
    CU_ASSERT_PTR_NOT_NULL_FATAL(it);
    CU_ASSERT_STRING_EQUAL(it->value, "\"XXXXXXXXXXXXXXXXXXX\"");
    it = flatten_find(&l, "body.products[0].name");
    CU_ASSERT_PTR_NOT_NULL_FATAL(it);
    CU_ASSERT_STRING_EQUAL(it->value, "\"Earwax\"");
    it = flatten_find(&l, "method");
    CU_ASSERT_PTR_NOT_NULL_FATAL(it);
    CU_ASSERT_STRING_EQUAL(it->value, "\"POST\"");
    flat_list_free(&l);
    cJSON_Delete(root);
    buf_free(&env);
}

int main(void)
{
    CU_pSuite s;
    unsigned failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("event", NULL, NULL);
    CU_add_test(s, "canonical header names",
                event_should_map_cgi_variables_to_canonical_header_names);
    CU_add_test(s, "envelope key order, body byte-exact",
                event_should_write_the_envelope_in_key_order_with_the_body_byte_exact);
    CU_add_test(s, "drops redacted headers in any case",
                event_should_drop_redacted_headers_in_any_case);
    CU_add_test(s, "decodes the query string", event_should_decode_the_query_string);
    CU_add_test(s, "replaces invalid UTF-8 and NUL",
                event_should_replace_invalid_utf8_and_nul_in_headers_and_query);
    CU_add_test(s, "one member per header name", event_should_keep_one_member_per_header_name);
    CU_add_test(s, "fails cleanly at the buffer limit",
                event_should_fail_cleanly_when_the_buffer_limit_is_hit);
    CU_add_test(s, "envelope re-parses and flattens",
                event_envelope_should_reparse_and_flatten_like_the_seed_example);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
