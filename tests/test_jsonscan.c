/* Tests of the jsonscan module: the tokens of JSON text in order with their
 * depth, the same acceptance as json_parse, bounded nesting, stopping on
 * the callback's word, and decoding of string tokens. */
#include "jsonscan.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* Tokens as "T:text@depth" joined by spaces. */
struct trace {
    struct buf out;
    int stop_after; /* stop (return 7) at this token, 0: never */
    int seen;
};

static int trace_cb(void *arg, const struct jsonscan_event *ev)
{
    static const char *names[] = {"{", "}", "[", "]", "N", "S", "#", "T", "F", "0"};
    struct trace *t = arg;

    buf_printf(&t->out, "%s%s:%.*s@%d", t->out.len ? " " : "", names[ev->token], (int)ev->len,
               ev->text, ev->depth);
    return ++t->seen == t->stop_after ? 7 : 0;
}

static int scan(const char *text, int max_depth, struct trace *t)
{
    buf_init(&t->out, 1 << 20);
    return jsonscan(text, strlen(text), max_depth, trace_cb, t);
}

static void jsonscan_should_report_tokens_in_document_order_with_depth(void)
{
    struct trace t = {0};

    CU_ASSERT_EQUAL(scan(" {\"a\" : [1, \"x\\n\", true, null, {}], \"b\": false} ", 64, &t),
                    JSONSCAN_OK);
    CU_ASSERT_STRING_EQUAL(buf_str(&t.out), "{:{@0 N:\"a\"@1 [:[@1 #:1@2 S:\"x\\n\"@2 T:true@2 "
                                            "0:null@2 {:{@2 }:}@2 ]:]@1 N:\"b\"@1 F:false@1 }:}@0");
    buf_free(&t.out);
    t.seen = 0;
    CU_ASSERT_EQUAL(scan("-1.5e+3", 64, &t), JSONSCAN_OK);
    CU_ASSERT_STRING_EQUAL(buf_str(&t.out), "#:-1.5e+3@0");
    buf_free(&t.out);
}

static const char *const valid[] = {
    "{}",
    "[]",
    "0",
    "-0.0",
    "1e400",
    "\"\"",
    "[[[]]]",
    "true",
    "false",
    "null",
    "\"\\u00e9\\/\"",
    "\"\\ud83d\\ude00\"",
    "{\"a\":{\"a\":1}}",
    " [1] ",
    "\"é\"",
    "[1,[2,{\"x\":[]}],3]",
    "{\"dup\":1,\"dup\":2}",
};

static const char *const invalid[] = {
    "",
    " ",
    "[",
    "]",
    "{\"a\"}",
    "{\"a\":}",
    "{\"a\":1,}",
    "[1,]",
    "[1 2]",
    "01",
    "1.",
    "-",
    "1e",
    ".5",
    "tru",
    "nul",
    "\"abc",
    "\"\\x\"",
    "\"\\u12\"",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "\"\\udc00\"",
    "\"\x01\"",
    "\"\xc3\"",
    "\"\xc0\xaf\"",
    "[1]x",
    "{} {}",
    "[}",
    "{]",
    "{1:2}",
    "\"\xed\xa0\x80\"",
};

static int never(void *arg, const struct jsonscan_event *ev)
{
    (void)arg;
    (void)ev;
    return 0;
}

static void jsonscan_should_accept_exactly_what_json_parse_accepts(void)
{
    for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
        cJSON *root = NULL;
        CU_ASSERT_EQUAL(json_parse(valid[i], strlen(valid[i]), 64, &root, NULL), 0);
        cJSON_Delete(root);
        if (jsonscan(valid[i], strlen(valid[i]), 64, never, NULL) != JSONSCAN_OK) {
            fprintf(stderr, "\n  refused: %s\n", valid[i]);
            CU_FAIL("valid text refused");
        }
    }
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        cJSON *root = NULL;
        struct json_error err;
        CU_ASSERT_EQUAL(json_parse(invalid[i], strlen(invalid[i]), 64, &root, &err), -1);
        if (jsonscan(invalid[i], strlen(invalid[i]), 64, never, NULL) != JSONSCAN_INVALID) {
            fprintf(stderr, "\n  accepted: %s\n", invalid[i]);
            CU_FAIL("invalid text accepted");
        }
    }
}

static void jsonscan_should_refuse_nesting_deeper_than_max_depth(void)
{
    char deep[2 * (JSONSCAN_DEPTH_CAP + 2) + 1];
    size_t n = JSONSCAN_DEPTH_CAP + 1;

    CU_ASSERT_EQUAL(jsonscan("[1]", 3, 1, never, NULL), JSONSCAN_OK);
    CU_ASSERT_EQUAL(jsonscan("[[1]]", 5, 1, never, NULL), JSONSCAN_INVALID);
    CU_ASSERT_EQUAL(jsonscan("{\"a\":{}}", 8, 1, never, NULL), JSONSCAN_INVALID);
    /* Past the cap whatever max_depth says: the stack is a fixed array. */
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    CU_ASSERT_EQUAL(jsonscan(deep, 2 * n, 1 << 20, never, NULL), JSONSCAN_INVALID);
    CU_ASSERT_EQUAL(jsonscan(deep + 1, 2 * n - 2, 1 << 20, never, NULL), JSONSCAN_OK);
}

static void jsonscan_should_stop_with_the_callbacks_return(void)
{
    struct trace t = {0};

    t.stop_after = 3;
    CU_ASSERT_EQUAL(scan("[1, 2, 3, 4]", 64, &t), 7);
    CU_ASSERT_STRING_EQUAL(buf_str(&t.out), "[:[@0 #:1@1 #:2@1");
    buf_free(&t.out);
}

static void decode_should_give(const char *tok, const char *want)
{
    struct buf b;

    buf_init(&b, 1024);
    CU_ASSERT_EQUAL(jsonscan_decode_string(tok, strlen(tok), &b), BUF_OK);
    CU_ASSERT_STRING_EQUAL(buf_str(&b), want);
    buf_free(&b);
}

static void jsonscan_decode_string_should_undo_every_escape(void)
{
    decode_should_give("\"\"", "");
    decode_should_give("\"plain\"", "plain");
    decode_should_give("\"a\\\"b\\\\c\\/d\"", "a\"b\\c/d");
    decode_should_give("\"\\b\\f\\n\\r\\t\"", "\b\f\n\r\t");
    decode_should_give("\"caf\\u00e9 \\u20AC\"", "caf\xc3\xa9 \xe2\x82\xac");
    decode_should_give("\"\\ud83d\\ude00!\"", "\xf0\x9f\x98\x80!");
    decode_should_give("\"\xc3\xa9\"", "\xc3\xa9");
}

int main(void)
{
    CU_pSuite s;
    unsigned failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("jsonscan", NULL, NULL);
    CU_add_test(s, "tokens in document order with depth",
                jsonscan_should_report_tokens_in_document_order_with_depth);
    CU_add_test(s, "accepts exactly what json_parse accepts",
                jsonscan_should_accept_exactly_what_json_parse_accepts);
    CU_add_test(s, "refuses nesting deeper than max_depth",
                jsonscan_should_refuse_nesting_deeper_than_max_depth);
    CU_add_test(s, "stops with the callback's return",
                jsonscan_should_stop_with_the_callbacks_return);
    CU_add_test(s, "decode undoes every escape", jsonscan_decode_string_should_undo_every_escape);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
