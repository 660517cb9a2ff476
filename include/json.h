/* json: a strict RFC 8259 parser and a printer over cJSON trees that keep
 * every number's exact text (SPEC section 5). cJSON itself parses numbers
 * into doubles; here every cJSON_Number node carries its text as sent in
 * valuestring (malloc'd, freed by cJSON_Delete), and valuedouble holds
 * strtod() of it (inf for 1e400). Printing uses that text, never the double.
 *
 * Rules of json_parse: the whole input must be one value with optional
 * surrounding whitespace; UTF-8 is validated (overlongs, surrogates and
 * bytes past U+10FFFF are errors); \u escapes must pair surrogates; nesting
 * deeper than max_depth is an error; a duplicate key replaces the earlier
 * member's value in place (last wins, first position kept); a string holding
 * U+0000 is refused (cJSON strings are NUL-terminated). max_depth counts
 * containers: with max_depth 1, [1] is accepted and [[1]] is not; values
 * above 1024 are treated as 1024. Errors name the line and the column (in
 * bytes) of the offending byte: "unexpected '}' at line 1, column 17",
 * "unexpected end of input at ...", "invalid UTF-8 at ...", "invalid number
 * at ...", "nesting deeper than 64 at ...", "trailing characters at ...",
 * and for an empty or whitespace-only text "empty body at ..." (its end). */
#ifndef INCOMING_JSON_H
#define INCOMING_JSON_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "buf.h"

struct json_error {
    int line;          /* 1-based */
    int column;        /* 1-based, in bytes */
    char message[160]; /* e.g. "unexpected '}' at line 1, column 17" */
};

/* Parses len bytes of text (no NUL needed). On success returns 0 and *out
 * (caller frees with cJSON_Delete). On failure returns -1, *out is NULL and
 * err is filled (message already includes line and column). */
int json_parse(const char *text, size_t len, int max_depth, cJSON **out, struct json_error *err);

/* Appends item compactly to out (numbers by their exact text). Returns a
 * buf status (BUF_TOOBIG when out's limit is reached). */
int json_print(const cJSON *item, struct buf *out);
/* Pretty form (2-space indent) for people. */
int json_print_pretty(const cJSON *item, struct buf *out);
/* The pretty form of an item nested level deep in a document being printed
 * piece by piece: its inner lines are indented by 2 * (level + 1) spaces
 * and its closing bracket by 2 * level (the first line is not indented). */
int json_print_pretty_at(const cJSON *item, int level, struct buf *out);
/* Appends s (len bytes, UTF-8) as a quoted JSON string. Invalid UTF-8 bytes
 * and NUL bytes become U+FFFD so the output is always JSON that json_parse
 * accepts. */
int json_print_string(const char *s, size_t len, struct buf *out);
/* Appends s (len bytes) unquoted and unescaped, with every invalid UTF-8
 * byte and every NUL replaced by U+FFFD: the result is valid UTF-8 without
 * NULs. Returns a buf status. */
int json_utf8_repair(const char *s, size_t len, struct buf *out);
/* A node printed as the len bytes of text, which the caller has checked to
 * be one JSON value without NUL bytes (cJSON_Raw; printers copy it as is).
 * Caller frees with cJSON_Delete; NULL on OOM. */
cJSON *json_raw(const char *text, size_t len);
/* Convenience: compact text of item, malloc'd (caller frees), NULL on OOM. */
char *json_to_string(const cJSON *item);

/* Number nodes with exact text: from text (must be a valid JSON number) and
 * from an integer. Return NULL on OOM or invalid text. */
cJSON *json_number_from_text(const char *text);
cJSON *json_number_from_ll(long long v);
/* The exact text of a number node (valuestring, or formatted valuedouble for
 * nodes made by plain cJSON). Borrowed or written into tmp (>= 32 bytes). */
const char *json_number_text(const cJSON *item, char *tmp, size_t tmplen);

/* Member lookup that is case-sensitive (cJSON_GetObjectItem is not). */
cJSON *json_get(const cJSON *object, const char *name);
/* Typed getters: NULL / def when absent or of another type. Borrowed. */
const char *json_get_string(const cJSON *object, const char *name);
/* 1 when s holds a control character (C0 or DEL): names that operators
 * type are refused with one (they would break a listing or a log line). */
int json_text_has_control(const char *s);
long long json_get_ll(const cJSON *object, const char *name, long long def);

/* Length (1..4) of the valid UTF-8 sequence at the start of s[0..len), 0
 * when there is none (overlong, surrogate, above U+10FFFF, truncated). */
size_t json_utf8_seq(const char *s, size_t len);
/* 1 when s[0..len) is valid UTF-8 (no overlongs, no surrogates). */
int json_utf8_valid(const char *s, size_t len);

#endif
