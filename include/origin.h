/* origin: the origin (RFC 6454: scheme, host, port) of an http(s) URL, of a
 * browser's Origin header, or of a Host header, in one spelling so that two
 * compare with strcmp: "scheme://host:port", scheme and host in lower case,
 * the default port written out, userinfo, path, query and fragment dropped.
 * For the same-origin checks of requests the responder receives. Outgoing
 * requests compare what libcurl parses instead (src/outgoing.c), since that
 * is where libcurl connects. */
#ifndef INCOMING_ORIGIN_H
#define INCOMING_ORIGIN_H

#include <stddef.h>

#define ORIGIN_MAX 300 /* longest origin written, NUL included */

/* Writes the origin of url ("HTTP://user@Example.COM/x" gives
 * "http://example.com:80") into out. Returns 0, or -1 when url is not
 * http:// or https:// with a well-formed host and port, or the origin does
 * not fit in outlen. */
int origin_of_url(const char *url, char *out, size_t outlen);

/* The origin of a request sent to host (a Host header value such as
 * "example.com:8080" or "[::1]") over scheme ("http" or "https"). Returns
 * 0, or -1 as origin_of_url. */
int origin_of_host(const char *scheme, const char *host, char *out, size_t outlen);

#endif
