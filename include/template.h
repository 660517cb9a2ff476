/* template: the product's Jinja engine (SPEC section 9). A template is
 * compiled once into a tree and rendered many times against a cJSON context
 * whose number nodes carry their exact text in valuestring (include/json.h),
 * so numbers print exactly as sent.
 *
 * Supported: {{ }}, {% if/elif/else %}, {% for ... in ... [if ...] %} with
 * else and loop.*, {% set %} (also the block form), {# #}, {% raw %},
 * whitespace control with '-', Jinja expressions, operators, filters and
 * tests. Undefined values are chainable: a.b.c on a missing a is undefined,
 * renders empty and adds a warning "undefined: a.b.c".
 *
 * Case-insensitive header names: an object reached through a member named
 * "headers" directly under the context's "request" or "event" (or under
 * nodes.<id>) is looked up case-insensitively, so
 * request.headers["x-request-id"] finds "X-Request-Id". Other objects are
 * case-sensitive. `a.b` on an object always means the member "b" (never a
 * Python method such as dict.items).
 *
 * Modes decide how a {{ }} value is escaped on output (SPEC section 9):
 * TEXT as is; JSON as the inside of a JSON string; URL percent-encoded
 * (everything but A-Z a-z 0-9 - . _ ~); HEADER as is but CR or LF anywhere
 * in the output is an error. Values marked safe (the `safe`, `tojson` and
 * `urlencode` filters) are inserted as is in JSON and URL modes. */
#ifndef INCOMING_TEMPLATE_H
#define INCOMING_TEMPLATE_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "buf.h"

enum template_mode { TEMPLATE_TEXT = 0, TEMPLATE_JSON, TEMPLATE_URL, TEMPLATE_HEADER };

enum template_status {
    TEMPLATE_OK = 0,
    TEMPLATE_ESYNTAX = -1, /* compile error */
    TEMPLATE_ERENDER = -2, /* type error, division by zero, header CR/LF, ... */
    TEMPLATE_ELIMIT = -3,  /* output, iteration, depth or memory limit reached */
    TEMPLATE_ENOMEM = -4
};

/* Compiling refuses tags and expressions nested (or chained: a.b.c, x|f|g,
 * 1+2+3) deeper than 4 * TEMPLATE_MAX_DEPTH levels, which bounds the stack
 * both compile and render use (well under 1 MiB).
 * Defaults: 1 MiB output, 100000 loop iterations (all loops together),
 * nesting depth 64, 64 MiB of values created over one render (counted
 * cumulatively, so it bounds work as well as memory). */
#define TEMPLATE_MAX_OUTPUT (1024 * 1024)
#define TEMPLATE_MAX_ITERATIONS 100000L
#define TEMPLATE_MAX_DEPTH 64
#define TEMPLATE_MAX_MEMORY (64 * 1024 * 1024)

struct template_limits {
    size_t max_output;   /* bytes; also capped by the out buffer's own limit */
    long max_iterations; /* loop iterations over the whole render */
    int max_depth;       /* values nested deeper than 8 * max_depth are refused */
    size_t max_memory;   /* bytes of strings, lists and dicts created (cumulative) */
};

struct template_error {
    int line;          /* 1-based; 0 when the error has no position */
    int column;        /* 1-based, in bytes */
    char message[256]; /* full text: "line 3, column 14: unexpected ..." */
};

#define TEMPLATE_MAX_WARNINGS 16
struct template_warnings {
    int count;                            /* entries used in msg */
    int dropped;                          /* further distinct warnings not stored */
    char msg[TEMPLATE_MAX_WARNINGS][160]; /* "undefined: request.body.nme" */
};

struct template;

/* Compiles len bytes of src (no NUL needed). On success returns 0 and *out
 * (free with template_free). On failure returns TEMPLATE_ESYNTAX (or
 * TEMPLATE_ENOMEM), *out is NULL and err (may be NULL) says where. */
int template_compile(const char *src, size_t len, struct template **out,
                     struct template_error *err);

/* Renders t against context (borrowed; a JSON object or NULL) and appends
 * the text to out. limits may be NULL for the defaults. warnings may be
 * NULL; when given it is reset first. Returns 0 or a template_status with
 * err filled; on error out holds partial output the caller must discard.
 * A template may be rendered by several threads at once. */
int template_render(const struct template *t, const cJSON *context, enum template_mode mode,
                    const struct template_limits *limits, struct buf *out,
                    struct template_warnings *warnings, struct template_error *err);

/* Frees t; t may be NULL. */
void template_free(struct template *t);

/* Fills l with the defaults above. */
void template_limits_default(struct template_limits *l);

/* Name of a mode ("text", "json", "url", "header") and its inverse
 * (returns 0, or -1 for an unknown name). */
const char *template_mode_name(enum template_mode mode);
int template_mode_parse(const char *name, enum template_mode *out);

#endif
