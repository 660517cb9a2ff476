/* flatten: turns an event envelope (or any JSON object) into the ordered list
 * of (key, type, value) of SPEC section 5. A key can be pasted into a
 * template as {{ request.<key> }}: top-level members appear bare ("body",
 * "method"), nested identifier-like names as ".name", others as ["name"]
 * with JSON string escaping, array elements as [index]. Leaves are strings,
 * numbers, booleans, nulls, and empty objects/arrays ("{}", "[]"). Order is
 * document order. */
#ifndef INCOMING_FLATTEN_H
#define INCOMING_FLATTEN_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "buf.h"

enum flat_type { FLAT_STRING, FLAT_NUMBER, FLAT_BOOLEAN, FLAT_NULL, FLAT_OBJECT, FLAT_ARRAY };

struct flat_item {
    char *key; /* owned, e.g. body.products[0].name, headers["X-Request-Id"] */
    enum flat_type type;
    char *value; /* owned: the leaf as JSON text, numbers exactly as sent */
};

struct flat_list {
    struct flat_item *items; /* owned */
    size_t count;
    size_t cap;
};

/* Flattens root (an object or array; a scalar or empty root gives one item
 * with key ""). out needs no initialisation; the caller frees it with
 * flat_list_free. Returns 0, or -1 on OOM (out is then freed). */
int flatten(const cJSON *root, struct flat_list *out);
void flat_list_free(struct flat_list *l); /* l may be NULL */
/* "string", "number", "boolean", "null", "object", "array". */
const char *flat_type_name(enum flat_type t);
/* The list as the API's [{key, type, value}] (value as a JSON value).
 * Caller frees with cJSON_Delete. NULL on OOM. */
cJSON *flatten_to_json(const struct flat_list *l);
/* Finds key as a user writes it in a template: body.a, body["a"] and
 * body['a'] are the same key, and under headers names compare
 * case-insensitively (headers["x-request-id"] finds headers["X-Request-Id"]).
 * Borrowed or NULL. */
const struct flat_item *flatten_find(const struct flat_list *l, const char *key);
/* Reads a member name of a path, quoted as "..." (a JSON string) or '...'
 * (taken as is), at *p, which points at the quote; a ']' must follow. The
 * name goes into name (reset first) and *p moves past the ']'. Returns 0,
 * -1 when malformed, -2 when out of memory. (Also used by filter paths.) */
int flatten_quoted_member(const char **p, struct buf *name);

#endif
