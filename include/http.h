/* http: one request as the responder sees it, and every way of answering
 * it. Nothing but the response is ever written to the FastCGI output. */
#ifndef INCOMING_HTTP_H
#define INCOMING_HTTP_H

#include <fcgiapp.h>
#include <stddef.h>

#include "buf.h"
#include "config.h"

struct store;

struct http_request {
    FCGX_Request *fcgx;
    const struct config *cfg;
    struct store *store; /* NULL when the environment could not be opened */
    const char *method;  /* borrowed from the FastCGI params */
    const char *query;   /* after '?', "" when none */
    char path[2048];     /* REQUEST_URI path minus base_path, "/" at least */
    long long now_ms;    /* receipt time */
    long long now_us;    /* the same in microseconds */
    int responded;       /* set by the answering functions */
    struct buf *held;    /* see http_hold; NULL: answers go out at once */
    int held_status;     /* the status of the answer held, 0 when none */
    int status;          /* the status answered, 0 before */
    char error[32];      /* the error code answered ("not_found"), "" when none */
};

/* Fills req from the FastCGI params. Returns 0, or an HTTP status (404 when
 * the path is outside base_path, 414 when it is too long). */
int http_request_init(struct http_request *req, FCGX_Request *fcgx, const struct config *cfg);

/* A FastCGI param (borrowed, valid until the request finishes) or NULL. */
const char *http_param(const struct http_request *req, const char *name);
/* A request header by its HTTP name, any case ("X-Request-Id"). */
const char *http_header(const struct http_request *req, const char *name);

/* Answers with status and a JSON body. extra_headers: "" or complete lines
 * each ending in "\r\n". */
int http_send_json(struct http_request *req, int status, const char *extra_headers,
                   const char *body, size_t len);
/* Answers with any content type (the other senders go through this). */
int http_send(struct http_request *req, int status, const char *content_type,
              const char *extra_headers, const char *body, size_t len);
/* Answers with SPEC section 4's error body. message may be NULL (then the
 * reason phrase is used). */
int http_send_error(struct http_request *req, int status, const char *code, const char *message,
                    const char *extra_headers);

/* From now on, the answer is kept in b instead of being written, so the
 * caller may still take it back: http_release writes it, http_drop forgets
 * it (and the request counts as unanswered again). b's limit bounds it. */
void http_hold(struct http_request *req, struct buf *b);
int http_release(struct http_request *req);
void http_drop(struct http_request *req);

/* Reads the whole body into out (whose limit is the cap). Returns 0, or the
 * HTTP status to answer: 413 when the body is larger than out's limit (the
 * rest is not read), 400 when it is shorter than Content-Length. */
int http_read_body(struct http_request *req, struct buf *out);

/* "Accepted", "Not Found", ... */
const char *http_reason(int status);

/* 1 when the request reached the web server over TLS (HTTPS=on, or
 * REQUEST_SCHEME=https, as lighttpd and Apache set them). */
int http_is_https(const struct http_request *req);

#endif
