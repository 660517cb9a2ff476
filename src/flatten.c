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

/* Appends the key segment for member name to key: bare at the start,
 * .name, or ["name"]. */
static int put_member(struct buf *key, const char *name, size_t len)
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

static int push(struct flat_list *l, const struct buf *key, enum flat_type t, char *value)
{
    struct flat_item *it;
    char *k;

    if (value == NULL)
        return -1;
    if (l->count == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 16;
        struct flat_item *n = realloc(l->items, ncap * sizeof(*n));
        if (n == NULL) {
            free(value);
            return -1;
        }
        l->items = n;
        l->cap = ncap;
    }
    k = strdup(buf_str(key));
    if (k == NULL) {
        free(value);
        return -1;
    }
    it = &l->items[l->count++];
    it->key = k;
    it->type = t;
    it->value = value;
    return 0;
}

/* One leaf: its type and its JSON text. */
static int push_leaf(struct flat_list *l, const struct buf *key, const cJSON *item)
{
    char tmp[64];
    struct buf v;

    switch (item->type & 0xFF) {
    case cJSON_String:
        buf_init(&v, FLAT_TEXT_LIMIT);
        if (json_print_string(item->valuestring ? item->valuestring : "",
                              item->valuestring ? strlen(item->valuestring) : 0, &v) != BUF_OK) {
            buf_free(&v);
            return -1;
        }
        return push(l, key, FLAT_STRING, buf_take(&v));
    case cJSON_Number:
        return push(l, key, FLAT_NUMBER, strdup(json_number_text(item, tmp, sizeof(tmp))));
    case cJSON_True:
        return push(l, key, FLAT_BOOLEAN, strdup("true"));
    case cJSON_False:
        return push(l, key, FLAT_BOOLEAN, strdup("false"));
    case cJSON_Object:
        return push(l, key, FLAT_OBJECT, strdup("{}"));
    case cJSON_Array:
        return push(l, key, FLAT_ARRAY, strdup("[]"));
    default:
        return push(l, key, FLAT_NULL, strdup("null"));
    }
}

/* Appends "[index]" without going through printf. */
static int put_index(struct buf *key, size_t index)
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

/* Depth-first walk; key holds item's key and is restored before return. */
static int walk(struct flat_list *l, struct buf *key, const cJSON *item)
{
    size_t mark = key->len, index = 0;
    int is_obj = cJSON_IsObject(item);

    if ((!is_obj && !cJSON_IsArray(item)) || item->child == NULL)
        return push_leaf(l, key, item);
    for (const cJSON *c = item->child; c != NULL; c = c->next, index++) {
        int rc;
        if (is_obj) {
            const char *name = c->string ? c->string : "";
            rc = put_member(key, name, strlen(name));
        } else {
            rc = put_index(key, index);
        }
        if (rc == 0)
            rc = walk(l, key, c);
        key->len = mark;
        if (key->data != NULL)
            key->data[mark] = '\0';
        if (rc != 0)
            return -1;
    }
    return 0;
}

int flatten(const cJSON *root, struct flat_list *out)
{
    struct buf key;
    int rc;

    out->items = NULL;
    out->count = 0;
    out->cap = 0;
    if (root == NULL)
        return 0;
    buf_init(&key, FLAT_TEXT_LIMIT);
    rc = walk(out, &key, root);
    buf_free(&key);
    if (rc != 0) {
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
        rc = put_member(out, buf_str(&name), name.len);
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
            if (!is_ident(n, (size_t)(p - n)) || put_member(out, n, (size_t)(p - n)) != 0)
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
