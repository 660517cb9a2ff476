/* Tests of the flatten module (SPEC section 5): keys in template syntax,
 * leaf types and values, document order, lookups. */
#include "flatten.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* The seed's example with its two syntax errors fixed. */
static const char seed_example[] =
    "{ \"body\": { \"customer_email\": \"example@example.com\", \"order_number\": "
    "\"111111111\", \"type\": \"email\", \"language\": \"eng\", \"products\": [ { \"name\": "
    "\"Earwax\", \"category\": \"Hygiene\", \"id\": \"abcdefgh\", \"image_url\": "
    "\"http://exampleimage.url\", \"product_url\": \"http://exampleproduct.url\", "
    "\"group_id\": \"groupid\" } ] }, \"businessProfileId\": 611, \"endpointId\": "
    "\"XXXX-XXXX-XXXX-XXXX-XXXXXXXXXX\", \"eventId\": \"XXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX\", "
    "\"headers\": { \"X-Request-Id\": \"XXXXXXXXXXXXXXXXXXX\", \"X-Forwarded-Host\": "
    "\"example host\" }, \"method\": \"POST\", \"time\": 1583206296408 }";

/* Parses text and flattens it into l (asserting both work). */
static void flat(const char *text, struct flat_list *l)
{
    struct json_error err;
    cJSON *root = NULL;
    int rc = json_parse(text, strlen(text), 64, &root, &err);
    if (rc != 0)
        fprintf(stderr, "\n%s: %s\n", text, err.message);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL_FATAL(flatten(root, l), 0);
    cJSON_Delete(root);
}

/* Asserts item i of l is (key, type, value). */
static void assert_item(const struct flat_list *l, size_t i, const char *key, enum flat_type type,
                        const char *value)
{
    CU_ASSERT_TRUE_FATAL(i < l->count);
    CU_ASSERT_STRING_EQUAL(l->items[i].key, key);
    CU_ASSERT_EQUAL(l->items[i].type, type);
    CU_ASSERT_STRING_EQUAL(l->items[i].value, value);
    if (strcmp(l->items[i].key, key) != 0 || strcmp(l->items[i].value, value) != 0)
        fprintf(stderr, "\n  item %zu: got %s = %s, want %s = %s\n", i, l->items[i].key,
                l->items[i].value, key, value);
}

/* Asserts key is found with value. */
static void assert_found(const struct flat_list *l, const char *key, const char *value)
{
    const struct flat_item *it = flatten_find(l, key);
    CU_ASSERT_PTR_NOT_NULL(it);
    if (it == NULL)
        fprintf(stderr, "\n  %s not found\n", key);
    else
        CU_ASSERT_STRING_EQUAL(it->value, value);
}

static void flatten_should_give_the_seed_example_keys_in_document_order(void)
{
    static const char *const keys[] = {"body.customer_email",
                                       "body.order_number",
                                       "body.type",
                                       "body.language",
                                       "body.products[0].name",
                                       "body.products[0].category",
                                       "body.products[0].id",
                                       "body.products[0].image_url",
                                       "body.products[0].product_url",
                                       "body.products[0].group_id",
                                       "businessProfileId",
                                       "endpointId",
                                       "eventId",
                                       "headers[\"X-Request-Id\"]",
                                       "headers[\"X-Forwarded-Host\"]",
                                       "method",
                                       "time"};
    struct flat_list l;

    flat(seed_example, &l);
    CU_ASSERT_EQUAL(l.count, sizeof(keys) / sizeof(keys[0]));
    for (size_t i = 0; i < l.count && i < sizeof(keys) / sizeof(keys[0]); i++)
        CU_ASSERT_STRING_EQUAL(l.items[i].key, keys[i]);
    assert_item(&l, 0, "body.customer_email", FLAT_STRING, "\"example@example.com\"");
    assert_item(&l, 4, "body.products[0].name", FLAT_STRING, "\"Earwax\"");
    assert_item(&l, 10, "businessProfileId", FLAT_NUMBER, "611");
    assert_item(&l, 13, "headers[\"X-Request-Id\"]", FLAT_STRING, "\"XXXXXXXXXXXXXXXXXXX\"");
    assert_item(&l, 15, "method", FLAT_STRING, "\"POST\"");
    assert_item(&l, 16, "time", FLAT_NUMBER, "1583206296408");
    flat_list_free(&l);
    flat_list_free(&l); /* emptied, so freeing twice is harmless */
    flat_list_free(NULL);
}

static void flatten_should_quote_keys_that_are_not_identifiers(void)
{
    struct flat_list l;
    flat("{\"o\":{\"a-b\":1,\"a b\":2,\"1x\":3,\"\xC3\xA9t\xC3\xA9\":4,\"q\\\"\\\\\":5,"
         "\"ok_1\":6,\"_x\":7,\"\":8,\"tab\\t\":9,\"A9\":10},\"top-level\":11}",
         &l);
    CU_ASSERT_EQUAL(l.count, 11);
    assert_item(&l, 0, "o[\"a-b\"]", FLAT_NUMBER, "1");
    assert_item(&l, 1, "o[\"a b\"]", FLAT_NUMBER, "2");
    assert_item(&l, 2, "o[\"1x\"]", FLAT_NUMBER, "3");
    assert_item(&l, 3, "o[\"\xC3\xA9t\xC3\xA9\"]", FLAT_NUMBER, "4");
    assert_item(&l, 4, "o[\"q\\\"\\\\\"]", FLAT_NUMBER, "5");
    assert_item(&l, 5, "o.ok_1", FLAT_NUMBER, "6");
    assert_item(&l, 6, "o._x", FLAT_NUMBER, "7");
    assert_item(&l, 7, "o[\"\"]", FLAT_NUMBER, "8");
    assert_item(&l, 8, "o[\"tab\\t\"]", FLAT_NUMBER, "9");
    assert_item(&l, 9, "o.A9", FLAT_NUMBER, "10");
    assert_item(&l, 10, "[\"top-level\"]", FLAT_NUMBER, "11");
    flat_list_free(&l);
}

static void flatten_should_index_arrays_and_nested_arrays(void)
{
    struct flat_list l;
    flat("{\"a\":[1,[2,3],[[4]],{\"b\":[true]}]}", &l);
    CU_ASSERT_EQUAL(l.count, 5);
    assert_item(&l, 0, "a[0]", FLAT_NUMBER, "1");
    assert_item(&l, 1, "a[1][0]", FLAT_NUMBER, "2");
    assert_item(&l, 2, "a[1][1]", FLAT_NUMBER, "3");
    assert_item(&l, 3, "a[2][0][0]", FLAT_NUMBER, "4");
    assert_item(&l, 4, "a[3].b[0]", FLAT_BOOLEAN, "true");
    flat_list_free(&l);
    flat("[\"x\",{\"y\":null},[false]]", &l);
    CU_ASSERT_EQUAL(l.count, 3);
    assert_item(&l, 0, "[0]", FLAT_STRING, "\"x\"");
    assert_item(&l, 1, "[1].y", FLAT_NULL, "null");
    assert_item(&l, 2, "[2][0]", FLAT_BOOLEAN, "false");
    flat_list_free(&l);
}

static void flatten_should_make_empty_containers_leaves(void)
{
    struct flat_list l;
    flat("{\"e\":{},\"a\":[],\"n\":{\"x\":[{}]}}", &l);
    CU_ASSERT_EQUAL(l.count, 3);
    assert_item(&l, 0, "e", FLAT_OBJECT, "{}");
    assert_item(&l, 1, "a", FLAT_ARRAY, "[]");
    assert_item(&l, 2, "n.x[0]", FLAT_OBJECT, "{}");
    flat_list_free(&l);
    flat("{}", &l);
    CU_ASSERT_EQUAL(l.count, 1);
    assert_item(&l, 0, "", FLAT_OBJECT, "{}");
    flat_list_free(&l);
    flat(" 42 ", &l);
    CU_ASSERT_EQUAL(l.count, 1);
    assert_item(&l, 0, "", FLAT_NUMBER, "42");
    flat_list_free(&l);
    CU_ASSERT_EQUAL(flatten(NULL, &l), 0);
    CU_ASSERT_EQUAL(l.count, 0);
}

static void flatten_should_keep_numbers_and_strings_exactly(void)
{
    struct flat_list l;
    flat("{\"big\":9007199254740993,\"f\":0.1,\"huge\":1e400,\"nz\":-0.0,"
         "\"s\":\"a\\\"b\\u00e9\\n\\ud83d\\ude00\"}",
         &l);
    CU_ASSERT_EQUAL(l.count, 5);
    assert_item(&l, 0, "big", FLAT_NUMBER, "9007199254740993");
    assert_item(&l, 1, "f", FLAT_NUMBER, "0.1");
    assert_item(&l, 2, "huge", FLAT_NUMBER, "1e400");
    assert_item(&l, 3, "nz", FLAT_NUMBER, "-0.0");
    assert_item(&l, 4, "s", FLAT_STRING, "\"a\\\"b\xC3\xA9\\n\xF0\x9F\x98\x80\"");
    flat_list_free(&l);
}

static void flatten_should_keep_the_last_duplicate_at_the_first_position(void)
{
    struct flat_list l;
    flat("{\"a\":{\"x\":1},\"b\":2,\"a\":{\"y\":3}}", &l);
    CU_ASSERT_EQUAL(l.count, 2);
    assert_item(&l, 0, "a.y", FLAT_NUMBER, "3");
    assert_item(&l, 1, "b", FLAT_NUMBER, "2");
    flat_list_free(&l);
}

static void flatten_to_json_should_list_key_type_and_value(void)
{
    struct flat_list l;
    cJSON *arr;
    char *s;

    flat("{\"n\":9007199254740993,\"s\":\"x\",\"e\":[],\"t\":true,\"z\":null,\"o\":{}}", &l);
    arr = flatten_to_json(&l);
    CU_ASSERT_PTR_NOT_NULL_FATAL(arr);
    s = json_to_string(arr);
    CU_ASSERT_STRING_EQUAL(s, "[{\"key\":\"n\",\"type\":\"number\",\"value\":9007199254740993},"
                              "{\"key\":\"s\",\"type\":\"string\",\"value\":\"x\"},"
                              "{\"key\":\"e\",\"type\":\"array\",\"value\":[]},"
                              "{\"key\":\"t\",\"type\":\"boolean\",\"value\":true},"
                              "{\"key\":\"z\",\"type\":\"null\",\"value\":null},"
                              "{\"key\":\"o\",\"type\":\"object\",\"value\":{}}]");
    free(s);
    cJSON_Delete(arr);
    flat_list_free(&l);
    CU_ASSERT_STRING_EQUAL(flat_type_name(FLAT_BOOLEAN), "boolean");
    CU_ASSERT_STRING_EQUAL(flat_type_name(FLAT_OBJECT), "object");
}

static void flatten_find_should_accept_template_spellings(void)
{
    struct flat_list l;
    flat(seed_example, &l);
    assert_found(&l, "body.customer_email", "\"example@example.com\"");
    assert_found(&l, "body[\"customer_email\"]", "\"example@example.com\"");
    assert_found(&l, "body['customer_email']", "\"example@example.com\"");
    assert_found(&l, "[\"body\"].products[0][\"name\"]", "\"Earwax\"");
    assert_found(&l, "headers[\"X-Request-Id\"]", "\"XXXXXXXXXXXXXXXXXXX\"");
    assert_found(&l, "headers[\"X-Request-ID\"]", "\"XXXXXXXXXXXXXXXXXXX\"");
    assert_found(&l, "headers['x-forwarded-host']", "\"example host\"");
    assert_found(&l, "time", "1583206296408");
    CU_ASSERT_PTR_NULL(flatten_find(&l, "body.CUSTOMER_EMAIL")); /* only headers fold case */
    CU_ASSERT_PTR_NULL(flatten_find(&l, "body.products[1].name"));
    CU_ASSERT_PTR_NULL(flatten_find(&l, "body."));
    CU_ASSERT_PTR_NULL(flatten_find(&l, "body[\"customer_email"));
    CU_ASSERT_PTR_NULL(flatten_find(&l, ""));
    flat_list_free(&l);
    flat("{\"o\":{\"a-b\":1,\"Host\":2}}", &l);
    assert_found(&l, "o[\"a-b\"]", "1");
    assert_found(&l, "o['a-b']", "1");
    assert_found(&l, "o[\"Host\"]", "2");
    CU_ASSERT_PTR_NULL(flatten_find(&l, "o.host"));
    flat_list_free(&l);
}

/* Leaves as "key|type|value" lines, values re-printed canonically so that
 * a token as written ("\u00e9") and as flatten prints it ("é") compare. */
static int collect(void *arg, const struct flat_leaf *leaf)
{
    struct buf *out = arg;
    cJSON *v = NULL;
    char *canon;
    int rc;

    CU_ASSERT_EQUAL(strlen(leaf->key), leaf->key_len);
    if (json_parse(leaf->value, leaf->value_len, 1, &v, NULL) != 0)
        return 99;
    canon = json_to_string(v);
    rc = buf_printf(out, "%s|%s|%s\n", leaf->key, flat_type_name(leaf->type), canon);
    free(canon);
    cJSON_Delete(v);
    return rc == BUF_OK ? 0 : FLATTEN_NOMEM;
}

static void assert_text_like_tree(const char *text)
{
    struct buf a, b;
    cJSON *root = NULL;

    buf_init(&a, 1 << 20);
    buf_init(&b, 1 << 20);
    CU_ASSERT_EQUAL_FATAL(json_parse(text, strlen(text), 64, &root, NULL), 0);
    CU_ASSERT_EQUAL(flatten_each(root, collect, &a), 0);
    CU_ASSERT_EQUAL(flatten_text(text, strlen(text), 64, collect, &b), 0);
    CU_ASSERT_STRING_EQUAL(buf_str(&b), buf_str(&a));
    if (strcmp(buf_str(&a), buf_str(&b)) != 0)
        fprintf(stderr, "\n  %s\n  tree:\n%s  text:\n%s", text, buf_str(&a), buf_str(&b));
    cJSON_Delete(root);
    buf_free(&a);
    buf_free(&b);
}

static void flatten_text_should_give_the_leaves_of_the_tree(void)
{
    assert_text_like_tree(seed_example);
    assert_text_like_tree("{\"a-b\":{\"c d\":[1,[2,[]],{}]},\"\":{\"\\u0041\":\"\\u00e9\"},"
                          "\"_x9\":[{\"q\\\"\":null},true,false,-0.0,1e400]}");
    assert_text_like_tree("[[{\"a\":[]}],{\"b\":{}},[[]],\"s\"]");
    assert_text_like_tree("{}");
    assert_text_like_tree("[]");
    assert_text_like_tree(" 42 ");
    assert_text_like_tree("\"top\"");
    assert_text_like_tree("{\"\\ud83d\\ude00\":{\"x\\ny\":1,\"9\":2}}");
    assert_text_like_tree("{\"o\":{\"a\":1},\"p\":{\"a\":2},\"q\":[{\"a\":3},{\"a\":4}]}");
}

static void flatten_text_should_report_a_repeated_name(void)
{
    static const char *const dups[] = {
        "{\"a\":1,\"a\":2}",
        "{\"a\":1,\"\\u0061\":2}",
        "[{\"x\":{\"y\":1,\"z\":2,\"y\":3}}]",
        "{\"a\":{\"b\":1},\"c\":2,\"a\":{\"d\":3}}",
    };
    struct buf out;

    buf_init(&out, 1 << 20);
    for (size_t i = 0; i < sizeof(dups) / sizeof(dups[0]); i++)
        CU_ASSERT_EQUAL(flatten_text(dups[i], strlen(dups[i]), 64, collect, &out),
                        FLATTEN_DUPLICATE);
    /* The same name in sibling or nested objects is no repeat. */
    static const char nested[] = "{\"a\":{\"a\":{\"a\":1}},\"b\":{\"a\":2}}";
    CU_ASSERT_EQUAL(flatten_text(nested, strlen(nested), 64, collect, &out), 0);
    buf_free(&out);
}

static int stop_at_second(void *arg, const struct flat_leaf *leaf)
{
    int *n = arg;
    (void)leaf;
    return ++*n == 2 ? 5 : 0;
}

static void flatten_text_should_refuse_what_is_not_json_and_stop_on_the_sink(void)
{
    int n = 0;

    CU_ASSERT_EQUAL(flatten_text("{\"a\":", 5, 64, stop_at_second, &n), FLATTEN_INVALID);
    CU_ASSERT_EQUAL(flatten_text("[1] 2", 5, 64, stop_at_second, &n), FLATTEN_INVALID);
    CU_ASSERT_EQUAL(flatten_text("[[1]]", 5, 1, stop_at_second, &n), FLATTEN_INVALID);
    n = 0;
    CU_ASSERT_EQUAL(flatten_text("[1,2,3]", 7, 64, stop_at_second, &n), 5);
    CU_ASSERT_EQUAL(n, 2);
}

/* Found by tests/fuzz/run -t bodydiff: an object without members, before
 * any named member was seen, checked its names at NULL + 0 (undefined
 * behaviour that clang's UBSan reports); its leaf must come out and the
 * trailing value still be refused. */
static void flatten_text_should_take_an_empty_object_first(void)
{
    struct buf out;

    buf_init(&out, 1 << 20);
    CU_ASSERT_EQUAL(flatten_text("{} []", 5, 64, collect, &out), FLATTEN_INVALID);
    CU_ASSERT_STRING_EQUAL(buf_str(&out), "|object|{}\n");
    buf_reset(&out);
    CU_ASSERT_EQUAL(flatten_text("[{},{}]", 7, 64, collect, &out), 0);
    buf_free(&out);
}

int main(void)
{
    CU_pSuite s;
    unsigned failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("flatten", NULL, NULL);
    CU_add_test(s, "seed example keys in document order",
                flatten_should_give_the_seed_example_keys_in_document_order);
    CU_add_test(s, "quotes keys that are not identifiers",
                flatten_should_quote_keys_that_are_not_identifiers);
    CU_add_test(s, "indexes arrays", flatten_should_index_arrays_and_nested_arrays);
    CU_add_test(s, "empty containers are leaves", flatten_should_make_empty_containers_leaves);
    CU_add_test(s, "keeps numbers and strings exactly",
                flatten_should_keep_numbers_and_strings_exactly);
    CU_add_test(s, "last duplicate at first position",
                flatten_should_keep_the_last_duplicate_at_the_first_position);
    CU_add_test(s, "to_json lists key, type, value",
                flatten_to_json_should_list_key_type_and_value);
    CU_add_test(s, "find accepts template spellings",
                flatten_find_should_accept_template_spellings);
    CU_add_test(s, "text gives the leaves of the tree",
                flatten_text_should_give_the_leaves_of_the_tree);
    CU_add_test(s, "text reports a repeated name", flatten_text_should_report_a_repeated_name);
    CU_add_test(s, "text takes an empty object first",
                flatten_text_should_take_an_empty_object_first);
    CU_add_test(s, "text refuses non-JSON and stops on the sink",
                flatten_text_should_refuse_what_is_not_json_and_stop_on_the_sink);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
