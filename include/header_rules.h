/* header_rules: what a header of an outgoing request may be (SPEC section
 * 8, issue 11 item 6). A workflow's header names are fixed RFC 9110 tokens
 * (never templates); the hop-by-hop and framing headers (Host,
 * Content-Length, Transfer-Encoding, Connection, ...) belong to the HTTP
 * client alone, since a second framing of the body is a request-smuggling
 * primitive; and a header value holds no control character: C0 but HTAB,
 * DEL, C1 (U+0080..U+009F, NEL among them) and the Unicode line and
 * paragraph separators, any of which a server or a proxy on the way may
 * take for the end of a line. */
#ifndef INCOMING_HEADER_RULES_H
#define INCOMING_HEADER_RULES_H

#include <stddef.h>

#define HEADER_RULES_NAME_MAX 128

/* 1 when name is 1..HEADER_RULES_NAME_MAX RFC 9110 token characters. */
int header_rules_name_valid(const char *name);

/* 1 when name (any case) is a hop-by-hop or framing header, which only the
 * HTTP client sets. */
int header_rules_name_reserved(const char *name);

/* Both checks above. Returns 0, or -1 with the reason (naming neither the
 * node nor the field, which the caller prefixes) in err. */
int header_rules_check_name(const char *name, char *err, size_t errlen);

/* The byte offset of the first control character in v[0..len) (see the
 * top of this file; a NUL counts), or -1 when there is none. *cp (may be
 * NULL) gets its code point. Bytes that are not UTF-8 are passed over. */
long header_rules_find_control(const char *v, size_t len, unsigned *cp);

/* Returns 0, or -1 with "holds a control character (U+0001) at byte 3"
 * in err. The value itself is never copied into err: it may be a secret. */
int header_rules_check_value(const char *v, size_t len, char *err, size_t errlen);

#endif
