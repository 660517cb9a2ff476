/* fuzz_bodydiff: differential target between the tree-less scanner
 * (jsonscan, which alone decides whether an event body is accepted, see
 * ingest.c check_body) and the full parser json_parse (which builds every
 * tree the rest of the code reads). The first input byte picks max_depth
 * (0..69, or a value above the 1024 cap); the rest is the text.
 *
 * The contract checked, for every input and depth:
 *  1. jsonscan returns JSONSCAN_OK exactly when json_parse returns 0, with
 *     the same max_depth (nesting limit included: both count containers
 *     and cap at 1024).
 *  2. When both accept, the tree rebuilt from the scanner's tokens
 *     (strings through jsonscan_decode_string, numbers by their text, a
 *     repeated member name replacing the earlier value in place) prints
 *     byte for byte as json_parse's tree: same values, same order, same
 *     duplicate rule.
 *  3. Every token's depth is the number of containers open around it, and
 *     a NAME is only reported directly inside an object, before its value.
 *  4. flatten_text agrees: FLATTEN_INVALID when refused (or
 *     FLATTEN_DUPLICATE when an object that repeats a name closed before
 *     the text stopped being JSON: its caller then parses, which refuses);
 *     when accepted,
 *     FLATTEN_DUPLICATE exactly when some object repeats a name, else the
 *     same leaves (key, type, value after normalising its JSON text) as
 *     flatten_each over json_parse's tree.
 * Any disagreement aborts. Build and run with tests/fuzz/run -t bodydiff. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "flatten.h"
#include "json.h"
#include "jsonscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_bodydiff: check failed: %s (line %d)\n", #cond, __LINE__);       \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Builds a cJSON tree from the scanner's tokens. */
struct builder {
    cJSON *stack[JSONSCAN_DEPTH_CAP + 1];
    int depth; /* open containers */
    cJSON *root;
    char *name; /* pending member name (decoded) */
    int have_name;
    int duplicates; /* some object repeated a member name */
    struct buf tmp;
};

static int add_value(struct builder *b, cJSON *v)
{
    CHECK(v != NULL);
    if (b->depth == 0) {
        CHECK(b->root == NULL);
        b->root = v;
        return 0;
    }
    cJSON *parent = b->stack[b->depth - 1];
    if (cJSON_IsArray(parent)) {
        CHECK(!b->have_name);
        cJSON_AddItemToArray(parent, v);
        return 0;
    }
    CHECK(cJSON_IsObject(parent) && b->have_name);
    if (cJSON_GetObjectItemCaseSensitive(parent, b->name) != NULL) {
        b->duplicates = 1;
        CHECK(cJSON_ReplaceItemInObjectCaseSensitive(parent, b->name, v));
    } else {
        cJSON_AddItemToObject(parent, b->name, v);
    }
    free(b->name);
    b->name = NULL;
    b->have_name = 0;
    return 0;
}

static int on_token(void *arg, const struct jsonscan_event *ev)
{
    struct builder *b = arg;
    cJSON *v = NULL;
    char *text;

    CHECK(ev->text != NULL && ev->len >= 1);
    if (ev->token == JSONSCAN_OBJECT_END || ev->token == JSONSCAN_ARRAY_END) {
        CHECK(b->depth >= 1 && !b->have_name);
        CHECK(ev->depth == b->depth - 1);
        CHECK(ev->token == JSONSCAN_OBJECT_END ? cJSON_IsObject(b->stack[b->depth - 1])
                                               : cJSON_IsArray(b->stack[b->depth - 1]));
        b->depth--;
        return 0;
    }
    CHECK(ev->depth == b->depth);
    switch (ev->token) {
    case JSONSCAN_NAME:
        CHECK(b->depth >= 1 && cJSON_IsObject(b->stack[b->depth - 1]) && !b->have_name);
        buf_reset(&b->tmp);
        CHECK(jsonscan_decode_string(ev->text, ev->len, &b->tmp) == BUF_OK);
        CHECK(buf_append(&b->tmp, "", 1) == BUF_OK);
        CHECK(strlen(b->tmp.data) == b->tmp.len - 1); /* no U+0000 */
        b->name = strdup(b->tmp.data);
        CHECK(b->name != NULL);
        b->have_name = 1;
        return 0;
    case JSONSCAN_OBJECT_BEGIN:
    case JSONSCAN_ARRAY_BEGIN:
        v = ev->token == JSONSCAN_OBJECT_BEGIN ? cJSON_CreateObject() : cJSON_CreateArray();
        add_value(b, v);
        CHECK(b->depth < JSONSCAN_DEPTH_CAP);
        b->stack[b->depth++] = v;
        return 0;
    case JSONSCAN_STRING:
        buf_reset(&b->tmp);
        CHECK(jsonscan_decode_string(ev->text, ev->len, &b->tmp) == BUF_OK);
        CHECK(buf_append(&b->tmp, "", 1) == BUF_OK);
        CHECK(strlen(b->tmp.data) == b->tmp.len - 1);
        v = cJSON_CreateString(b->tmp.data);
        break;
    case JSONSCAN_NUMBER:
        text = strndup(ev->text, ev->len);
        CHECK(text != NULL);
        v = json_number_from_text(text);
        free(text);
        break;
    case JSONSCAN_TRUE:
        CHECK(ev->len == 4 && memcmp(ev->text, "true", 4) == 0);
        v = cJSON_CreateTrue();
        break;
    case JSONSCAN_FALSE:
        CHECK(ev->len == 5 && memcmp(ev->text, "false", 5) == 0);
        v = cJSON_CreateFalse();
        break;
    case JSONSCAN_NULL:
        CHECK(ev->len == 4 && memcmp(ev->text, "null", 4) == 0);
        v = cJSON_CreateNull();
        break;
    default:
        CHECK(0);
    }
    return add_value(b, v);
}

/* Leaves as flatten reports them, the value normalised (parsed and printed
 * compactly) so that "\u00e9" and "é" compare equal. */
struct leaves {
    struct buf text; /* key \0 type \0 value \0 ... */
};

static int leaf_sink(void *arg, const struct flat_leaf *leaf)
{
    struct leaves *l = arg;
    struct json_error err;
    cJSON *v = NULL;
    char type = (char)('0' + leaf->type);

    CHECK(strlen(leaf->key) == leaf->key_len);
    CHECK(buf_append(&l->text, leaf->key, leaf->key_len + 1) == BUF_OK);
    CHECK(buf_append(&l->text, &type, 1) == BUF_OK);
    if (json_parse(leaf->value, leaf->value_len, 2, &v, &err) != 0) {
        fprintf(stderr, "leaf value does not parse: %.*s (%s)\n", (int)leaf->value_len, leaf->value,
                err.message);
        abort();
    }
    CHECK(json_print(v, &l->text) == BUF_OK);
    CHECK(buf_append(&l->text, "", 1) == BUF_OK);
    cJSON_Delete(v);
    return 0;
}

static void check_flatten(const char *text, size_t len, int depth, const cJSON *tree,
                          int duplicates)
{
    struct leaves a, b;
    int rc;

    buf_init(&a.text, SIZE_MAX / 4);
    buf_init(&b.text, SIZE_MAX / 4);
    rc = flatten_text(text, len, depth, leaf_sink, &a);
    if (tree == NULL) {
        /* A repeat may end the walk before the text turns out not to be
         * JSON; the one caller (events_item.c) falls back to json_parse,
         * which refuses. A repeat must have been seen, though. */
        CHECK(rc == FLATTEN_INVALID || (rc == FLATTEN_DUPLICATE && duplicates));
    } else if (duplicates) {
        CHECK(rc == FLATTEN_DUPLICATE);
    } else {
        CHECK(rc == FLATTEN_OK);
        CHECK(flatten_each(tree, leaf_sink, &b) == FLATTEN_OK);
        if (a.text.len != b.text.len || memcmp(a.text.data, b.text.data, a.text.len) != 0) {
            fprintf(stderr, "flatten_text and flatten_each differ\n");
            abort();
        }
    }
    buf_free(&a.text);
    buf_free(&b.text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct builder b;
    struct json_error err;
    struct buf p1, p2;
    cJSON *tree = NULL;
    const char *text;
    size_t len;
    int depth, src, prc;

    if (size < 1)
        return 0;
    depth = data[0] < 210 ? data[0] % 70 : 1000 + (data[0] - 210) * 10;
    text = (const char *)data + 1;
    len = size - 1;

    memset(&b, 0, sizeof(b));
    buf_init(&b.tmp, SIZE_MAX / 4);
    src = jsonscan(text, len, depth, on_token, &b);
    prc = json_parse(text, len, depth, &tree, &err);
    CHECK(src == JSONSCAN_OK || src == JSONSCAN_INVALID);
    if ((src == JSONSCAN_OK) != (prc == 0)) {
        fprintf(stderr, "jsonscan %s, json_parse %s (%s) at depth %d\n",
                src == JSONSCAN_OK ? "accepts" : "refuses", prc == 0 ? "accepts" : "refuses",
                prc == 0 ? "" : err.message, depth);
        abort();
    }
    if (src == JSONSCAN_OK) {
        CHECK(b.depth == 0 && b.root != NULL && !b.have_name);
        buf_init(&p1, SIZE_MAX / 4);
        buf_init(&p2, SIZE_MAX / 4);
        CHECK(json_print(tree, &p1) == BUF_OK);
        CHECK(json_print(b.root, &p2) == BUF_OK);
        if (p1.len != p2.len || memcmp(p1.data, p2.data, p1.len) != 0) {
            fprintf(stderr, "trees differ:\njson_parse: %.*s\njsonscan:   %.*s\n", (int)p1.len,
                    p1.data, (int)p2.len, p2.data);
            abort();
        }
        buf_free(&p1);
        buf_free(&p2);
    }
    check_flatten(text, len, depth, src == JSONSCAN_OK ? tree : NULL, b.duplicates);
    cJSON_Delete(tree);
    cJSON_Delete(b.root);
    free(b.name);
    buf_free(&b.tmp);
    return 0;
}
