/* jsonscan: walks JSON text token by token without building a tree, for
 * documents too large to hold as cJSON nodes (a 1 MB body of small
 * containers is some 25 MB of nodes). The scanner checks what json_parse
 * checks (RFC 8259 grammar, UTF-8, escapes and surrogate pairs, no U+0000,
 * nesting up to max_depth, nothing after the value) and allocates nothing:
 * its stack of open containers is a fixed array. It reports tokens as spans
 * of the input, so a value can be copied out verbatim and is valid JSON.
 * Duplicate member names are reported as they come (callers decide). */
#ifndef INCOMING_JSONSCAN_H
#define INCOMING_JSONSCAN_H

#include <stddef.h>

#include "buf.h"

/* Deepest nesting the scanner follows (json_parse's cap too). */
#define JSONSCAN_DEPTH_CAP 1024

enum jsonscan_status {
    JSONSCAN_OK = 0,
    JSONSCAN_INVALID = -1 /* not one JSON value, or nested deeper than max_depth */
};

enum jsonscan_token {
    JSONSCAN_OBJECT_BEGIN,
    JSONSCAN_OBJECT_END,
    JSONSCAN_ARRAY_BEGIN,
    JSONSCAN_ARRAY_END,
    JSONSCAN_NAME, /* a member name; text is its string token, quotes included */
    JSONSCAN_STRING,
    JSONSCAN_NUMBER,
    JSONSCAN_TRUE,
    JSONSCAN_FALSE,
    JSONSCAN_NULL
};

struct jsonscan_event {
    enum jsonscan_token token;
    const char *text; /* the token in the input (one byte for brackets) */
    size_t len;
    int depth; /* containers open around the token: 0 for the root value */
};

/* Called for every token in document order; a non-zero return stops the
 * scan and is returned by jsonscan. ev is valid during the call only. */
typedef int (*jsonscan_fn)(void *arg, const struct jsonscan_event *ev);

/* Scans len bytes of text (no NUL needed). max_depth as json_parse (values
 * above JSONSCAN_DEPTH_CAP are treated as the cap). Returns JSONSCAN_OK,
 * JSONSCAN_INVALID (at whatever token the text stopped being JSON: earlier
 * tokens were already reported), or fn's non-zero return. */
int jsonscan(const char *text, size_t len, int max_depth, jsonscan_fn fn, void *arg);

/* Appends the decoded content of a string token that jsonscan reported
 * (quotes included) to out. Returns a buf status. */
int jsonscan_decode_string(const char *tok, size_t len, struct buf *out);

#endif
