/* event: builds the stored envelope of an accepted request (SPEC section 5)
 * from what the web server passed: method, query string, HTTP_* variables
 * and the raw body. The body is spliced in byte-exact (it was validated by
 * json_parse first), so numbers and the sender's spacing survive. */
#ifndef INCOMING_EVENT_H
#define INCOMING_EVENT_H

#include <stddef.h>

#include "buf.h"
#include "config.h"

struct event_input {
    const char *method;       /* "POST" */
    const char *query_string; /* may be NULL or "" */
    char *const *envp;        /* FastCGI params: HTTP_*, CONTENT_TYPE, CONTENT_LENGTH */
    const char *body;         /* raw bytes, already validated JSON */
    size_t body_len;
    const char *event_id;    /* UUID text */
    const char *endpoint_id; /* UUID text */
    long long time_ms;
};

/* Canonical header name from a CGI variable ("HTTP_X_REQUEST_ID" ->
 * "X-Request-Id", "CONTENT_TYPE" -> "Content-Type"). Returns 0, or -1 when
 * the variable is not a header or out is too small. */
int event_header_from_cgi(const char *var, size_t varlen, char *out, size_t outlen);
/* Canonical form of an HTTP header name ("x-request-ID" -> "X-Request-Id"). */
int event_canonical_header_name(const char *in, char *out, size_t outlen);

/* Appends the envelope JSON to out: body, businessProfileId, endpointId,
 * eventId, headers (canonical names, cfg->redact_headers left out, values
 * with invalid UTF-8 replaced by U+FFFD), query (percent-decoded, last
 * duplicate wins, '+' is a space, a '%' without two hex digits is kept),
 * method, time; names and values with invalid UTF-8 or NUL bytes get U+FFFD,
 * so the result always re-parses with json_parse (at depth max + 1). The
 * body must be non-empty valid JSON (an empty one is written as null).
 * *body_off (may be NULL) tells where the raw body starts inside out; its
 * length there is in->body_len. envp and query_string are borrowed; cfg
 * must not be NULL. Returns a buf status (out may then hold a partial
 * envelope). */
int event_build_envelope(const struct event_input *in, const struct config *cfg, struct buf *out,
                         size_t *body_off);

#endif
