/* reqlog: where the responder's log lines go, and the line of each request.
 *
 * A responder's stderr is no reliable way to the web server's error log:
 * lighttpd started as a daemon points it at /dev/null (unless
 * server.breakagelog is set; the quick start's lighttpd lost every line,
 * 500s included), and under systemd it is the journal. The FastCGI
 * protocol's own error stream is reliable: lighttpd writes it to
 * server.errorlog ("FastCGI-stderr: ..."), Apache's mod_fcgid to its
 * ErrorLog ("mod_fcgid: stderr: ..."), whatever became of stderr. So while
 * a request is in hand every log line goes to that request's error stream;
 * lines logged between requests go to stderr and, when stderr leads
 * nowhere, are also kept (the last 4 KiB) and sent with the next request.
 * The cost: a line logged after the last request before an exit is lost
 * when stderr leads nowhere. */
#ifndef INCOMING_REQLOG_H
#define INCOMING_REQLOG_H

#include <fcgiapp.h>

#include "http.h"

/* Once at startup, before anything is logged or opened (a closed stderr
 * is pointed at /dev/null). */
void reqlog_init(void);
/* Right after FCGX_Accept_r: log lines go to this request's error stream
 * (and lines kept since the last request are sent there first). */
void reqlog_begin(FCGX_Request *fcgx);
/* Before FCGX_Finish_r: logs the request's line -- method, path without
 * the query (which may hold tokens), status, error code, duration -- at
 * debug, or at warn for a 5xx; then log lines go back to stderr. */
void reqlog_end(const struct http_request *req);

/* For a responder whose configuration cannot be loaded (why says what is
 * wrong): answers every request 500 and logs why (with the first request,
 * then every 10 s at most), so that the reason reaches the web server's
 * error log however stderr is connected. Once the file loads again
 * (checked at most once a second, at a request) it answers that request
 * 503 with Retry-After and returns 0, so that the web server starts a
 * responder with the repaired configuration; otherwise it serves until the
 * web server stops it and returns 1. The exit status to return. */
int reqlog_serve_unconfigured(const char *why);

#endif
