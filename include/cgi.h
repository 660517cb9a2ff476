/* cgi: one request of a plain CGI program, dressed as a FastCGI request.
 *
 * When a web server starts incoming.fcgi as a CGI program (Apache mod_cgi,
 * lighttpd mod_cgi), fd 0 is the request body (a pipe or a file), fd 1 the
 * answer, fd 2 the error log, and the request's meta-variables are the
 * environment. libfcgi 2.4.2 tells the two cases apart (FCGX_IsCGI: fd 0 is
 * not a listening socket) but only its stdio layer serves a CGI request:
 * FCGX_Accept_r fails with ENOTSOCK. So this module fills an FCGX_Request's
 * in, out, err and envp with streams over fds 0-2 and the environment, and
 * everything above it (http, reqlog, the router) serves the request as it
 * would a FastCGI one. Never pass such a request to FCGX_Finish_r or any
 * other libfcgi call that looks past those four fields. */
#ifndef INCOMING_CGI_H
#define INCOMING_CGI_H

#include <fcgiapp.h>

#define CGI_IN_BUF 16384
#define CGI_OUT_BUF 16384
#define CGI_ERR_BUF 2048
#define CGI_DRAIN_MAX (64LL << 20) /* body bytes read and dropped at the end */

struct cgi_request {
    FCGX_Request fcgx; /* in, out, err and envp are set; nothing else */
    FCGX_Stream in, out, err;
    long long in_left; /* body bytes still to read (CONTENT_LENGTH), -1: to EOF */
    unsigned char inbuf[CGI_IN_BUF];
    unsigned char outbuf[CGI_OUT_BUF];
    unsigned char errbuf[CGI_ERR_BUF];
};

/* Sets c up for the request described by envp (the environment, borrowed:
 * it must outlive the request). The body is read from fd 0, at most
 * CONTENT_LENGTH bytes when that is given. */
void cgi_request_init(struct cgi_request *c, char **envp);

/* Reads and drops the rest of a body left unread (a request refused before
 * its body was read), up to CGI_DRAIN_MAX bytes when CONTENT_LENGTH gives
 * its length; flushes the answer and the error stream; then puts /dev/null
 * on fds 0 and 1: the web server sees the end of the answer now, whatever
 * this process does before it exits. Returns 0, or -1 when the answer
 * could not be written. */
int cgi_request_finish(struct cgi_request *c);

/* Removes the request's meta-variables (HTTP_*, CONTENT_*, REQUEST_*,
 * QUERY_STRING, REMOTE_*, ...) from the environment, so that a runner
 * started afterwards inherits what a FastCGI responder's runner would: the
 * process's own environment, never a request's headers or credentials. */
void cgi_scrub_environment(void);

#endif
