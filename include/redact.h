/* redact: what the run log and the logs must not show (SPEC section 8,
 * issue 11 item 5). The credential headers are Authorization,
 * Proxy-Authorization and Cookie whatever the configuration says, plus the
 * names in redact_headers; a URL's userinfo ("user:password@") is a
 * credential too, because libcurl sends it as Basic authentication. Their
 * values are replaced by REDACT_MARK, never dropped silently, so a reader of
 * a run still sees that they were sent. */
#ifndef INCOMING_REDACT_H
#define INCOMING_REDACT_H

#include "buf.h"
#include "config.h"

#define REDACT_MARK "[redacted]"

/* 1 when a header of this name (any case) carries a credential. cfg may be
 * NULL (the fixed names only). */
int redact_header(const struct config *cfg, const char *name);

/* Appends url to out with its userinfo, if any, replaced by REDACT_MARK:
 * "http://u:pw@host/p" -> "http://[redacted]@host/p". A URL without a
 * scheme ("u:pw@host/p", which libcurl takes as http) is handled alike.
 * Returns a buf status. */
int redact_url(const char *url, struct buf *out);

#endif
