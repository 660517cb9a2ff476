/* Tests of the json module: strict parsing with line/column errors, exact
 * numbers, strings and UTF-8, depth limit, duplicate keys, printing. */
#include "json.h"

#include <CUnit/Basic.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The seed's example (seed/incoming-integration.txt), with its missing comma
 * after "body" and its trailing comma in "headers" fixed. */
static const char seed_example[] =
    "{ \"body\": { \"customer_email\": \"example@example.com\", \"order_number\": "
    "\"111111111\", \"type\": \"email\", \"language\": \"eng\", \"products\": [ { \"name\": "
    "\"Earwax\", \"category\": \"Hygiene\", \"id\": \"abcdefgh\", \"image_url\": "
    "\"http://exampleimage.url\", \"product_url\": \"http://exampleproduct.url\", "
    "\"group_id\": \"groupid\" } ] }, \"businessProfileId\": 611, \"endpointId\": "
    "\"XXXX-XXXX-XXXX-XXXX-XXXXXXXXXX\", \"eventId\": \"XXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX\", "
    "\"headers\": { \"X-Request-ID\": \"XXXXXXXXXXXXXXXXXXX\", \"X-Forwarded-Host\": "
    "\"example host\" }, \"method\": \"POST\", \"time\": 1583206296408 }";

static cJSON *parse_n(const char *text, size_t len, int depth, struct json_error *err)
{
    cJSON *root = NULL;
    if (json_parse(text, len, depth, &root, err) != 0) {
        CU_ASSERT_PTR_NULL(root);
        return NULL;
    }
    return root;
}

/* Asserts text parses; returns its compact printing (caller frees). */
static char *reprint(const char *text)
{
    struct json_error err;
    cJSON *root = parse_n(text, strlen(text), 64, &err);
    char *s;
    if (root == NULL) {
        fprintf(stderr, "\nunexpected error for %s: %s\n", text, err.message);
        CU_FAIL("parse failed");
        return strdup("");
    }
    s = json_to_string(root);
    cJSON_Delete(root);
    return s;
}

static void assert_reprint(const char *text, const char *want)
{
    char *got = reprint(text);
    CU_ASSERT_STRING_EQUAL(got, want);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "\n  got  %s\n  want %s\n", got, want);
    free(got);
}

/* Asserts the len bytes of text are refused with exactly message want. */
static void assert_refused_n(const char *text, size_t len, const char *want)
{
    struct json_error err;
    cJSON *root = parse_n(text, len, 64, &err);
    CU_ASSERT_PTR_NULL(root);
    cJSON_Delete(root);
    CU_ASSERT_STRING_EQUAL(err.message, want);
    if (strcmp(err.message, want) != 0)
        fprintf(stderr, "\n  input %.*s\n  got   %s\n  want  %s\n", (int)len, text, err.message,
                want);
}

static void assert_refused(const char *text, const char *want)
{
    assert_refused_n(text, strlen(text), want);
}

static void json_should_parse_and_print_the_seed_example(void)
{
    struct json_error err;
    cJSON *root = parse_n(seed_example, strlen(seed_example), 64, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(root);
    CU_ASSERT_EQUAL(json_get_ll(root, "businessProfileId", 0), 611);
    CU_ASSERT_EQUAL(json_get_ll(root, "time", 0), 1583206296408LL);
    CU_ASSERT_STRING_EQUAL(json_get_string(json_get(root, "body"), "customer_email"),
                           "example@example.com");
    cJSON_Delete(root);
}

static void json_should_report_line_and_column_of_the_unexpected_byte(void)
{
    assert_refused("{\"a\": 1, \"b\": 2,}", "unexpected '}' at line 1, column 17");
    assert_refused("{\n  \"a\": 1,\n  \"b\" 2\n}", "unexpected '2' at line 3, column 7");
    assert_refused("[1 2]", "unexpected '2' at line 1, column 4");
    assert_refused("{1:2}", "unexpected '1' at line 1, column 2");
    assert_refused("[1,]", "unexpected ']' at line 1, column 4");
    assert_refused("[,1]", "unexpected ',' at line 1, column 2");
    assert_refused("{\"a\"}", "unexpected '}' at line 1, column 5");
    assert_refused("trux", "unexpected 'x' at line 1, column 4");
    assert_refused("[nul]", "unexpected ']' at line 1, column 5");
    assert_refused("\xEF\xBB\xBF{}", "unexpected character U+FEFF at line 1, column 1");
    assert_refused_n("[1,\0]", 5, "unexpected byte 0x00 at line 1, column 4");
    assert_refused("{'a':1}", "unexpected ''' at line 1, column 2");
}

static void json_should_report_the_end_of_input(void)
{
    assert_refused("{\"a\": [1, 2", "unexpected end of input at line 1, column 12");
    assert_refused("{\"a\":", "unexpected end of input at line 1, column 6");
    assert_refused("[\n", "unexpected end of input at line 2, column 1");
    assert_refused("\"abc", "unexpected end of input at line 1, column 5");
    assert_refused("\"ab\\", "unexpected end of input at line 1, column 5");
    assert_refused("\"\\u12", "unexpected end of input at line 1, column 6");
    assert_refused("tru", "unexpected end of input at line 1, column 4");
}

static void json_should_refuse_empty_and_whitespace_only_bodies(void)
{
    assert_refused_n("", 0, "empty body at line 1, column 1");
    assert_refused(" \r\n\t ", "empty body at line 2, column 3");
    assert_refused_n(NULL, 0, "empty body at line 1, column 1");
}

static void json_should_refuse_trailing_bytes(void)
{
    assert_refused("{} x", "trailing characters at line 1, column 4");
    assert_refused("{}{}", "trailing characters at line 1, column 3");
    assert_refused("1 2", "trailing characters at line 1, column 3");
    assert_refused("true false", "trailing characters at line 1, column 6");
    assert_refused_n("{}\0", 3, "trailing characters at line 1, column 3");
    assert_refused("[1]\n]", "trailing characters at line 2, column 1");
    assert_reprint(" \n{}\r\n\t ", "{}");
}

static void json_should_keep_numbers_exactly(void)
{
    struct json_error err;
    cJSON *root;
    const char *text =
        "[9007199254740993,0.1,1e400,-0.0,1E+2,-12.5e-03,0,-0,123456789012345678901234567890]";

    assert_reprint(text, text);
    root = parse_n(text, strlen(text), 64, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(root);
    CU_ASSERT_STRING_EQUAL(cJSON_GetArrayItem(root, 0)->valuestring, "9007199254740993");
    CU_ASSERT_TRUE(cJSON_IsNumber(cJSON_GetArrayItem(root, 0)));
    CU_ASSERT_DOUBLE_EQUAL(cJSON_GetArrayItem(root, 1)->valuedouble, 0.1, 1e-12);
    CU_ASSERT_TRUE(isinf(cJSON_GetArrayItem(root, 2)->valuedouble));
    CU_ASSERT_STRING_EQUAL(cJSON_GetArrayItem(root, 3)->valuestring, "-0.0");
    cJSON_Delete(root);
    assert_reprint("1e400", "1e400");
    assert_reprint(" -0.0 ", "-0.0");
}

static void json_should_refuse_invalid_numbers(void)
{
    assert_refused("01", "invalid number at line 1, column 1");
    assert_refused("1.", "invalid number at line 1, column 1");
    assert_refused(".5", "invalid number at line 1, column 1");
    assert_refused("-", "invalid number at line 1, column 1");
    assert_refused("1e", "invalid number at line 1, column 1");
    assert_refused("1e+", "invalid number at line 1, column 1");
    assert_refused("+1", "invalid number at line 1, column 1");
    assert_refused("-01", "invalid number at line 1, column 1");
    assert_refused("[1, 00]", "invalid number at line 1, column 5");
    assert_refused("1.e5", "invalid number at line 1, column 1");
    assert_refused("-a", "invalid number at line 1, column 1");
    assert_refused("0x10", "trailing characters at line 1, column 2");
    assert_refused("[NaN]", "unexpected 'N' at line 1, column 2");
    assert_refused("[Infinity]", "unexpected 'I' at line 1, column 2");
}

static void json_should_decode_escapes_and_unicode(void)
{
    assert_reprint("\"\\u00e9\"", "\"\xC3\xA9\"");
    assert_reprint("\"\\ud83d\\ude00\"", "\"\xF0\x9F\x98\x80\"");
    assert_reprint("\"\\uD83D\\uDE00 caf\xC3\xA9 \xE2\x82\xAC\"",
                   "\"\xF0\x9F\x98\x80 caf\xC3\xA9 \xE2\x82\xAC\"");
    assert_reprint("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0001 \\u001f \\u007f\"",
                   "\"\\\" \\\\ / \\b \\f \\n \\r \\t \\u0001 \\u001f \x7f\"");
    assert_reprint("{\"\\u0041\":\"\\uFFFF\"}", "{\"A\":\"\xEF\xBF\xBF\"}");
}

static void json_should_refuse_bad_escapes(void)
{
    assert_refused("\"\\ud800\"", "unpaired surrogate \\uD800 at line 1, column 2");
    assert_refused("\"\\udc00\"", "unpaired surrogate \\uDC00 at line 1, column 2");
    assert_refused("\"a\\ud83d\\u0041\"", "unpaired surrogate \\uD83D at line 1, column 3");
    assert_refused("\"\\ud83d\\ud83d\"", "unpaired surrogate \\uD83D at line 1, column 2");
    assert_refused("\"\\ud83d\"", "unpaired surrogate \\uD83D at line 1, column 2");
    assert_refused("\"ab\\u0000cd\"",
                   "\\u0000 (NUL) is not allowed in strings at line 1, column 4");
    assert_refused("{\"\\u0000\":1}",
                   "\\u0000 (NUL) is not allowed in strings at line 1, column 3");
    assert_refused("\"\\x\"", "invalid escape in string at line 1, column 2");
    assert_refused("\"\\u12g4\"", "invalid \\u escape at line 1, column 2");
    assert_refused("\"a\nb\"", "unescaped control character 0x0A in string at line 1, column 3");
    assert_refused("\"a\tb\"", "unescaped control character 0x09 in string at line 1, column 3");
}

static void json_should_refuse_invalid_utf8_with_line_and_column(void)
{
    assert_refused("\"\xC0\xAF\"", "invalid UTF-8 at line 1, column 2");     /* overlong */
    assert_refused("\"\xE0\x80\xAF\"", "invalid UTF-8 at line 1, column 2"); /* overlong */
    assert_refused("\"\xF0\x80\x80\xAF\"", "invalid UTF-8 at line 1, column 2");
    assert_refused("\"ab\xC0\"", "invalid UTF-8 at line 1, column 4");
    assert_refused("\"\xF5\x80\x80\x80\"", "invalid UTF-8 at line 1, column 2");
    assert_refused("\"\xF4\x90\x80\x80\"", "invalid UTF-8 at line 1, column 2"); /* > U+10FFFF */
    assert_refused("\"\xED\xA0\x80\"", "invalid UTF-8 at line 1, column 2");     /* surrogate */
    assert_refused("\"\xE2\x82\"", "invalid UTF-8 at line 1, column 2");         /* truncated */
    assert_refused("\"\xE2\x82", "invalid UTF-8 at line 1, column 2");
    assert_refused("\"\x80\"", "invalid UTF-8 at line 1, column 2");
    assert_refused("[\n\"ok\",\"\xFF\"]", "invalid UTF-8 at line 2, column 7");
    assert_refused("{\"k\xF5\":1}", "invalid UTF-8 at line 1, column 4");
    assert_refused("[\xC3]", "invalid UTF-8 at line 1, column 2");
    CU_ASSERT_TRUE(json_utf8_valid("caf\xC3\xA9 \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF", 15));
    CU_ASSERT_FALSE(json_utf8_valid("\xC0\x80", 2));
    CU_ASSERT_FALSE(json_utf8_valid("\xF0\x9F\x98", 3));
    CU_ASSERT_TRUE(json_utf8_valid("", 0));
}

/* n nested arrays around 0: [[...[0]...]]. Caller frees. */
static char *nested(int n, char open, char close)
{
    char *s = malloc((size_t)n * 6 + 8), *p = s;
    for (int i = 0; i < n; i++) {
        if (open == '{') {
            memcpy(p, "{\"a\":", 5);
            p += 5;
        } else {
            *p++ = open;
        }
    }
    *p++ = '0';
    for (int i = 0; i < n; i++)
        *p++ = close;
    *p = '\0';
    return s;
}

static void json_should_enforce_the_depth_limit_at_the_exact_boundary(void)
{
    struct json_error err;
    char *ok = nested(64, '[', ']'), *deep = nested(65, '[', ']');
    char *ok_obj = nested(64, '{', '}'), *deep_obj = nested(65, '{', '}');
    cJSON *root = parse_n(ok, strlen(ok), 64, &err);

    CU_ASSERT_PTR_NOT_NULL(root);
    cJSON_Delete(root);
    root = parse_n(ok_obj, strlen(ok_obj), 64, &err);
    CU_ASSERT_PTR_NOT_NULL(root);
    cJSON_Delete(root);
    assert_refused(deep, "nesting deeper than 64 at line 1, column 65");
    assert_refused(deep_obj, "nesting deeper than 64 at line 1, column 321");
    CU_ASSERT_PTR_NULL(parse_n("[[1]]", 5, 1, &err));
    CU_ASSERT_STRING_EQUAL(err.message, "nesting deeper than 1 at line 1, column 2");
    root = parse_n("[1]", 3, 1, &err);
    CU_ASSERT_PTR_NOT_NULL(root);
    cJSON_Delete(root);
    root = parse_n("\"s\"", 3, 0, &err);
    CU_ASSERT_PTR_NOT_NULL(root);
    cJSON_Delete(root);
    free(ok);
    free(deep);
    free(ok_obj);
    free(deep_obj);
    deep = nested(100000, '[', ']');
    CU_ASSERT_PTR_NULL(parse_n(deep, strlen(deep), 100000, &err)); /* capped, no overflow */
    CU_ASSERT_STRING_EQUAL(err.message, "nesting deeper than 1024 at line 1, column 1025");
    free(deep);
}

static void json_should_let_the_last_duplicate_key_win_in_place(void)
{
    struct buf b;
    cJSON *root;
    struct json_error err;

    assert_reprint("{\"a\":1,\"b\":2,\"a\":3}", "{\"a\":3,\"b\":2}");
    assert_reprint("{\"a\":{\"x\":1},\"b\":2,\"a\":[2],\"a\":\"s\",\"c\":true}",
                   "{\"a\":\"s\",\"b\":2,\"c\":true}");
    assert_reprint("{\"a\":1,\"A\":2}", "{\"a\":1,\"A\":2}");
    /* More members than the pairwise check handles: the hash table path. */
    buf_init(&b, 1 << 20);
    buf_putc(&b, '{');
    for (int i = 0; i < 40; i++)
        buf_printf(&b, "\"k%d\":%d,", i, i);
    buf_puts(&b, "\"k5\":\"five\",\"k39\":null,\"k0\":[0]}");
    root = parse_n(b.data, b.len, 64, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(root);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(root), 40);
    CU_ASSERT_STRING_EQUAL(cJSON_GetArrayItem(root, 5)->string, "k5");
    CU_ASSERT_STRING_EQUAL(cJSON_GetArrayItem(root, 5)->valuestring, "five");
    CU_ASSERT_TRUE(cJSON_IsNull(cJSON_GetArrayItem(root, 39)));
    CU_ASSERT_TRUE(cJSON_IsArray(cJSON_GetArrayItem(root, 0)));
    /* The list stays a valid cJSON list: appending goes after the last. */
    cJSON_AddNumberToObject(root, "z", 1);
    CU_ASSERT_STRING_EQUAL(cJSON_GetArrayItem(root, 40)->string, "z");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(root), 41);
    cJSON_Delete(root);
    buf_free(&b);
}

static void json_print_string_should_escape_and_replace_invalid_utf8(void)
{
    struct buf b;
    buf_init(&b, 1024);
    CU_ASSERT_EQUAL(json_print_string("a\"b\\c\n\x01\xFF\xC3\xA9", 10, &b), BUF_OK);
    CU_ASSERT_STRING_EQUAL(b.data, "\"a\\\"b\\\\c\\n\\u0001\xEF\xBF\xBD\xC3\xA9\"");
    buf_reset(&b);
    CU_ASSERT_EQUAL(json_print_string("x\0y", 3, &b), BUF_OK);
    CU_ASSERT_STRING_EQUAL(b.data, "\"x\xEF\xBF\xBDy\"");
    buf_reset(&b);
    CU_ASSERT_EQUAL(json_utf8_repair("a\xC0\xAF\tb\0", 6, &b), BUF_OK);
    CU_ASSERT_STRING_EQUAL(b.data, "a\xEF\xBF\xBD\xEF\xBF\xBD\tb\xEF\xBF\xBD");
    buf_free(&b);
    buf_init(&b, 4);
    CU_ASSERT_EQUAL(json_print_string("abcdef", 6, &b), BUF_TOOBIG);
    buf_free(&b);
}

static void json_print_pretty_should_indent_by_two_spaces(void)
{
    struct json_error err;
    struct buf b;
    const char *t = "{\"a\":[1,{}],\"b\":{\"c\":1e400},\"d\":[]}";
    cJSON *root = parse_n(t, strlen(t), 64, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(root);
    buf_init(&b, 1024);
    CU_ASSERT_EQUAL(json_print_pretty(root, &b), BUF_OK);
    CU_ASSERT_STRING_EQUAL(b.data, "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": {\n"
                                   "    \"c\": 1e400\n  },\n  \"d\": []\n}");
    buf_free(&b);
    cJSON_Delete(root);
}

static void json_numbers_should_be_built_from_text_and_integers(void)
{
    char tmp[64];
    cJSON *n = json_number_from_text("9007199254740993");
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    CU_ASSERT_STRING_EQUAL(json_number_text(n, tmp, sizeof(tmp)), "9007199254740993");
    cJSON_Delete(n);
    CU_ASSERT_PTR_NULL(json_number_from_text("01"));
    CU_ASSERT_PTR_NULL(json_number_from_text("1 "));
    CU_ASSERT_PTR_NULL(json_number_from_text(""));
    n = json_number_from_ll(-9223372036854775807LL - 1);
    CU_ASSERT_STRING_EQUAL(json_number_text(n, tmp, sizeof(tmp)), "-9223372036854775808");
    cJSON_Delete(n);
    /* Nodes made by plain cJSON have no text: formatted from the double. */
    n = cJSON_CreateNumber(0.1);
    CU_ASSERT_STRING_EQUAL(json_number_text(n, tmp, sizeof(tmp)), "0.1");
    n->valuedouble = 3;
    CU_ASSERT_STRING_EQUAL(json_number_text(n, tmp, sizeof(tmp)), "3");
    n->valuedouble = 1e300 * 1e300;
    CU_ASSERT_STRING_EQUAL(json_number_text(n, tmp, sizeof(tmp)), "null");
    cJSON_Delete(n);
}

static void json_get_should_be_case_sensitive_and_typed(void)
{
    struct json_error err;
    const char *t = "{\"A\":1,\"a\":2,\"s\":\"x\",\"big\":9007199254740993,\"f\":2.5,\"e\":1e2}";
    cJSON *root = parse_n(t, strlen(t), 64, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(root);
    CU_ASSERT_EQUAL(json_get_ll(root, "a", 0), 2);
    CU_ASSERT_EQUAL(json_get_ll(root, "A", 0), 1);
    CU_ASSERT_EQUAL(json_get_ll(root, "big", 0), 9007199254740993LL);
    CU_ASSERT_EQUAL(json_get_ll(root, "f", -1), -1);
    CU_ASSERT_EQUAL(json_get_ll(root, "e", -1), 100);
    CU_ASSERT_EQUAL(json_get_ll(root, "s", -1), -1);
    CU_ASSERT_EQUAL(json_get_ll(root, "missing", 7), 7);
    CU_ASSERT_STRING_EQUAL(json_get_string(root, "s"), "x");
    CU_ASSERT_PTR_NULL(json_get_string(root, "a"));
    CU_ASSERT_PTR_NULL(json_get(NULL, "a"));
    cJSON_Delete(root);
}

/* Escapes cut short by the end of the input never read past it. */
static void json_should_stop_at_escapes_cut_by_the_end_of_input(void)
{
    assert_refused("\"\\u", "unexpected end of input at line 1, column 4");
    assert_refused("\"\\ud83d\\u", "unpaired surrogate \\uD83D at line 1, column 2");
    /* Exact-size heap copies: the sanitizer build catches any read past len. */
    static const char *const cut[] = {"[1",         "\"\\u12", "tr", "{\"a\"",
                                      "\"\xE2\x82", "-",       "1e", "\"\\"};
    for (size_t i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
        size_t n = strlen(cut[i]);
        char *p = malloc(n);
        struct json_error err;
        memcpy(p, cut[i], n);
        CU_ASSERT_PTR_NULL(parse_n(p, n, 64, &err));
        CU_ASSERT_TRUE(err.line == 1 && err.column >= 1);
        free(p);
    }
}

int main(void)
{
    CU_pSuite s;
    unsigned failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("json", NULL, NULL);
    CU_add_test(s, "parses and prints the seed example",
                json_should_parse_and_print_the_seed_example);
    CU_add_test(s, "reports line and column",
                json_should_report_line_and_column_of_the_unexpected_byte);
    CU_add_test(s, "reports the end of input", json_should_report_the_end_of_input);
    CU_add_test(s, "refuses empty bodies", json_should_refuse_empty_and_whitespace_only_bodies);
    CU_add_test(s, "refuses trailing bytes", json_should_refuse_trailing_bytes);
    CU_add_test(s, "keeps numbers exactly", json_should_keep_numbers_exactly);
    CU_add_test(s, "refuses invalid numbers", json_should_refuse_invalid_numbers);
    CU_add_test(s, "decodes escapes and unicode", json_should_decode_escapes_and_unicode);
    CU_add_test(s, "refuses bad escapes", json_should_refuse_bad_escapes);
    CU_add_test(s, "refuses invalid UTF-8", json_should_refuse_invalid_utf8_with_line_and_column);
    CU_add_test(s, "enforces the depth limit",
                json_should_enforce_the_depth_limit_at_the_exact_boundary);
    CU_add_test(s, "last duplicate key wins in place",
                json_should_let_the_last_duplicate_key_win_in_place);
    CU_add_test(s, "print_string escapes and repairs",
                json_print_string_should_escape_and_replace_invalid_utf8);
    CU_add_test(s, "pretty printing", json_print_pretty_should_indent_by_two_spaces);
    CU_add_test(s, "numbers from text and integers",
                json_numbers_should_be_built_from_text_and_integers);
    CU_add_test(s, "json_get is case-sensitive", json_get_should_be_case_sensitive_and_typed);
    CU_add_test(s, "escapes cut by the end of input",
                json_should_stop_at_escapes_cut_by_the_end_of_input);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
