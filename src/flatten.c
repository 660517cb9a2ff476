/* flatten: the ordered (key, type, value) list of SPEC section 5, built by a
 * depth-first walk that keeps the current key in one growing buffer (no
 * allocation per path segment, one per item for its key and value). Keys
 * use template syntax: bare top-level names, ".name" for identifier-like
 * names, ["name"] (JSON escaping) for the rest, [index] for arrays. */
#include "flatten.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "flatten_internal.h"
#include "json.h"

/* Keys and values are bounded by the document they come from; this only
 * keeps arithmetic sane. */
#define FLAT_TEXT_LIMIT (SIZE_MAX / 4)

static int is_ident_start(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int is_ident_char(unsigned char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9');
}

/* 1 when name matches [A-Za-z_][A-Za-z0-9_]*. */
static int is_ident(const char *name, size_t len)
{
    if (len == 0 || !is_ident_start((unsigned char)name[0]))
        return 0;
    for (size_t i = 1; i < len; i++)
        if (!is_ident_char((unsigned char)name[i]))
            return 0;
    return 1;
}

int flatten_put_member(struct buf *key, const char *name, size_t len)
{
    int rc;
    if (is_ident(name, len)) {
        if (key->len > 0 && buf_putc(key, '.') != BUF_OK)
            return -1;
        return buf_append(key, name, len) == BUF_OK ? 0 : -1;
    }
    rc = buf_putc(key, '[');
    if (rc == BUF_OK)
        rc = json_print_string(name, len, key);
    if (rc == BUF_OK)
        rc = buf_putc(key, ']');
    return rc == BUF_OK ? 0 : -1;
}

int flatten_put_index(struct buf *key, size_t index)
{
    char tmp[32];
    size_t i = sizeof(tmp);

    tmp[--i] = ']';
    do {
        tmp[--i] = (char)('0' + index % 10);
        index /= 10;
    } while (index > 0);
    tmp[--i] = '[';
    return buf_append(key, tmp + i, sizeof(tmp) - i) == BUF_OK ? 0 : -1;
}

void flatten_key_truncate(struct buf *key, size_t len)
{
    key->len = len;
    if (key->data != NULL)
        key->data[len] = '\0';
}

/* A walk over a tree: the current key and a scratch buffer for the text of
 * string leaves. */
struct tree_walk {
    struct buf key;
    struct buf value;
    flatten_sink sink;
    void *arg;
};

static int leaf_literal(struct tree_walk *w, enum flat_type t, const char *text)
{
    struct flat_leaf leaf = {buf_str(&w->key), w->key.len, t, text, strlen(text)};
    return w->sink(w->arg, &leaf);
}

/* One leaf: its type and its JSON text. */
static int tree_leaf(struct tree_walk *w, const cJSON *item)
{
    char tmp[64];

    switch (item->type & 0xFF) {
    case cJSON_String:
        buf_reset(&w->value);
        if (json_print_string(item->valuestring ? item->valuestring : "",
                              item->valuestring ? strlen(item->valuestring) : 0,
                              &w->value) != BUF_OK)
            return FLATTEN_NOMEM;
        return leaf_literal(w, FLAT_STRING, buf_str(&w->value));
    case cJSON_Number:
        return leaf_literal(w, FLAT_NUMBER, json_number_text(item, tmp, sizeof(tmp)));
    case cJSON_True:
        return leaf_literal(w, FLAT_BOOLEAN, "true");
    case cJSON_False:
        return leaf_literal(w, FLAT_BOOLEAN, "false");
    case cJSON_Object:
        return leaf_literal(w, FLAT_OBJECT, "{}");
    case cJSON_Array:
        return leaf_literal(w, FLAT_ARRAY, "[]");
    default:
        return leaf_literal(w, FLAT_NULL, "null");
    }
}

/* Depth-first walk; the key holds item's key and is restored before
 * return. */
static int tree_walk(struct tree_walk *w, const cJSON *item)
{
    size_t mark = w->key.len, index = 0;
    int is_obj = cJSON_IsObject(item);

    if ((!is_obj && !cJSON_IsArray(item)) || item->child == NULL)
        return tree_leaf(w, item);
    for (const cJSON *c = item->child; c != NULL; c = c->next, index++) {
        int rc;
        if (is_obj) {
            const char *name = c->string ? c->string : "";
            rc = flatten_put_member(&w->key, name, strlen(name)) == 0 ? 0 : FLATTEN_NOMEM;
        } else {
            rc = flatten_put_index(&w->key, index) == 0 ? 0 : FLATTEN_NOMEM;
        }
        if (rc == 0)
            rc = tree_walk(w, c);
        flatten_key_truncate(&w->key, mark);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int flatten_each(const cJSON *root, flatten_sink sink, void *arg)
{
    struct tree_walk w;
    int rc;

    if (root == NULL)
        return 0;
    buf_init(&w.key, FLAT_TEXT_LIMIT);
    buf_init(&w.value, FLAT_TEXT_LIMIT);
    w.sink = sink;
    w.arg = arg;
    rc = tree_walk(&w, root);
    buf_free(&w.key);
    buf_free(&w.value);
    return rc;
}

/* The sink of flatten: a copy of every leaf into the list. */
static int list_sink(void *arg, const struct flat_leaf *leaf)
{
    struct flat_list *l = arg;
    struct flat_item *it;

    if (l->count == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 16;
        struct flat_item *n = realloc(l->items, ncap * sizeof(*n));
        if (n == NULL)
            return FLATTEN_NOMEM;
        l->items = n;
        l->cap = ncap;
    }
    it = &l->items[l->count];
    it->key = strndup(leaf->key, leaf->key_len);
    it->value = strndup(leaf->value, leaf->value_len);
    it->type = leaf->type;
    if (it->key == NULL || it->value == NULL) {
        free(it->key);
        free(it->value);
        return FLATTEN_NOMEM;
    }
    l->count++;
    return 0;
}

int flatten(const cJSON *root, struct flat_list *out)
{
    out->items = NULL;
    out->count = 0;
    out->cap = 0;
    if (flatten_each(root, list_sink, out) != 0) {
        flat_list_free(out);
        return -1;
    }
    return 0;
}

void flat_list_free(struct flat_list *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->count; i++) {
        free(l->items[i].key);
        free(l->items[i].value);
    }
    free(l->items);
    l->items = NULL;
    l->count = 0;
    l->cap = 0;
}

const char *flat_type_name(enum flat_type t)
{
    switch (t) {
    case FLAT_STRING:
        return "string";
    case FLAT_NUMBER:
        return "number";
    case FLAT_BOOLEAN:
        return "boolean";
    case FLAT_NULL:
        return "null";
    case FLAT_OBJECT:
        return "object";
    case FLAT_ARRAY:
        return "array";
    }
    return "null";
}

cJSON *flatten_to_json(const struct flat_list *l)
{
    cJSON *arr = cJSON_CreateArray();

    for (size_t i = 0; arr != NULL && i < l->count; i++) {
        const struct flat_item *it = &l->items[i];
        cJSON *o = cJSON_CreateObject(), *v = NULL;
        if (o == NULL || json_parse(it->value, strlen(it->value), 1, &v, NULL) != 0 ||
            cJSON_AddStringToObject(o, "key", it->key) == NULL ||
            cJSON_AddStringToObject(o, "type", flat_type_name(it->type)) == NULL) {
            cJSON_Delete(v);
            cJSON_Delete(o);
            cJSON_Delete(arr);
            return NULL;
        }
        cJSON_AddItemToObject(o, "value", v);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

int flatten_quoted_member(const char **p, struct buf *name)
{
    const char *s = *p, *e = s + 1;
    cJSON *v = NULL;
    int rc;

    while (*e != '\0' && *e != *s) {
        if (*s == '"' && *e == '\\' && e[1] != '\0')
            e++;
        e++;
    }
    if (*e != *s || e[1] != ']')
        return -1;
    buf_reset(name);
    if (*s == '\'') {
        rc = buf_append(name, s + 1, (size_t)(e - s - 1));
    } else {
        if (json_parse(s, (size_t)(e - s + 1), 0, &v, NULL) != 0)
            return -1;
        rc = buf_append(name, v->valuestring, strlen(v->valuestring));
        cJSON_Delete(v);
    }
    if (rc != BUF_OK)
        return -2;
    *p = e + 2;
    return 0;
}

/* Appends the quoted member name at *p as a key segment. */
static int canon_quoted(const char **p, struct buf *out)
{
    struct buf name;
    int rc;

    buf_init(&name, 1u << 20);
    rc = flatten_quoted_member(p, &name);
    if (rc == 0)
        rc = flatten_put_member(out, buf_str(&name), name.len);
    buf_free(&name);
    return rc == 0 ? 0 : -1;
}

/* Rewrites a key a user typed (headers["Host"], body['a'], body.a) into
 * the form flatten produces. Returns -1 when key is not a path. */
static int canon_key(const char *key, struct buf *out)
{
    const char *p = key;

    while (*p != '\0') {
        if (*p == '[' && (p[1] == '"' || p[1] == '\'')) {
            p++;
            if (canon_quoted(&p, out) != 0)
                return -1;
        } else if (*p == '[') {
            const char *d = ++p;
            while (*p >= '0' && *p <= '9')
                p++;
            if (p == d || *p != ']' || buf_putc(out, '[') != BUF_OK ||
                buf_append(out, d, (size_t)(p - d)) != BUF_OK || buf_putc(out, ']') != BUF_OK)
                return -1;
            p++;
        } else {
            const char *n;
            if (*p == '.') {
                if (p == key)
                    return -1;
                p++;
            } else if (p != key) {
                return -1;
            }
            n = p;
            while (is_ident_char((unsigned char)*p))
                p++;
            if (!is_ident(n, (size_t)(p - n)) || flatten_put_member(out, n, (size_t)(p - n)) != 0)
                return -1;
        }
    }
    return 0;
}

/* Keys under the envelope's headers compare case-insensitively. */
static int key_equal(const char *want, const char *have)
{
    if (strncmp(want, "headers", 7) == 0 && (want[7] == '.' || want[7] == '[') &&
        strncmp(have, "headers", 7) == 0)
        return strcasecmp(want + 7, have + 7) == 0;
    return strcmp(want, have) == 0;
}

const struct flat_item *flatten_find(const struct flat_list *l, const char *key)
{
    const struct flat_item *found = NULL;
    struct buf canon;
    const char *want = key;

    buf_init(&canon, strlen(key) * 6 + 16);
    if (canon_key(key, &canon) == 0)
        want = buf_str(&canon);
    for (size_t i = 0; i < l->count && found == NULL; i++)
        if (key_equal(want, l->items[i].key))
            found = &l->items[i];
    buf_free(&canon);
    return found;
}
