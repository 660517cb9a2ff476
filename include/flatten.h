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

enum flatten_status {
    FLATTEN_OK = 0,
    FLATTEN_NOMEM = -1,
    FLATTEN_INVALID = -2,  /* flatten_text: the text is not JSON */
    FLATTEN_DUPLICATE = -3 /* flatten_text: an object repeats a member name */
};

/* One leaf as a walk reports it. Every pointer is borrowed for the call. */
struct flat_leaf {
    const char *key; /* NUL-terminated too */
    size_t key_len;
    enum flat_type type;
    const char *value; /* the leaf as JSON text */
    size_t value_len;
};
/* Receives the leaves in document order: 0 goes on, anything else stops the
 * walk, which returns it (use positive values for a sink's own reasons). */
typedef int (*flatten_sink)(void *arg, const struct flat_leaf *leaf);

/* Flattens root (an object or array; a scalar or empty root gives one item
 * with key ""). out needs no initialisation; the caller frees it with
 * flat_list_free. Returns 0, or -1 on OOM (out is then freed). */
int flatten(const cJSON *root, struct flat_list *out);
/* The leaves of root, as flatten lists them, handed to sink one by one
 * (nothing is kept). Returns 0, FLATTEN_NOMEM or sink's return. */
int flatten_each(const cJSON *root, flatten_sink sink, void *arg);
/* The leaves of len bytes of JSON text without building a tree: memory is
 * the current key plus 8 bytes per member of the objects open at a time
 * (all bounded by len). For text without duplicate member names the leaves
 * are those of json_parse + flatten_each, except that values are the
 * tokens as the text writes them ("\u00e9" stays escaped; numbers are the
 * same either way). An object that repeats a name gives FLATTEN_DUPLICATE
 * when it closes, after some of its leaves went to sink: they are wrong
 * ("last wins, first position kept" needs the whole object), so the caller
 * discards what it got and uses json_parse + flatten_each. Returns 0,
 * FLATTEN_INVALID (not JSON, or nested deeper than max_depth),
 * FLATTEN_DUPLICATE, FLATTEN_NOMEM or sink's return. */
int flatten_text(const char *text, size_t len, int max_depth, flatten_sink sink, void *arg);
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
