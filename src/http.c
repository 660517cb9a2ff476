/* http: FastCGI request parsing and responses. */
#include "http.h"

#include "json.h"
#include "log.h"
#include "numparse.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

const char *http_reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 301:
        return "Moved Permanently";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 413:
        return "Payload Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Unknown";
    }
}

const char *http_param(const struct http_request *req, const char *name)
{
    return FCGX_GetParam(name, req->fcgx->envp);
}

const char *http_header(const struct http_request *req, const char *name)
{
    char var[128];
    size_t n = 0;

    if (strcasecmp(name, "Content-Type") == 0)
        return http_param(req, "CONTENT_TYPE");
    if (strcasecmp(name, "Content-Length") == 0)
        return http_param(req, "CONTENT_LENGTH");
    memcpy(var, "HTTP_", 5);
    n = 5;
    for (const char *p = name; *p && n < sizeof(var) - 1; p++)
        var[n++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
    var[n] = '\0';
    return http_param(req, var);
}

int http_request_init(struct http_request *req, FCGX_Request *fcgx, const struct config *cfg)
{
    const char *uri, *q;
    size_t plen, blen = strlen(cfg->base_path);
    struct timeval tv;

    req->fcgx = fcgx;
    req->cfg = cfg;
    req->responded = 0;
    req->held = NULL;
    req->held_status = 0;
    req->status = 0;
    req->error[0] = '\0';
    gettimeofday(&tv, NULL);
    req->now_us = (long long)tv.tv_sec * 1000000 + tv.tv_usec;
    req->now_ms = req->now_us / 1000;
    req->method = FCGX_GetParam("REQUEST_METHOD", fcgx->envp);
    if (req->method == NULL)
        req->method = "GET";
    uri = FCGX_GetParam("REQUEST_URI", fcgx->envp);
    if (uri == NULL)
        uri = FCGX_GetParam("SCRIPT_NAME", fcgx->envp);
    if (uri == NULL)
        uri = "/";
    q = strchr(uri, '?');
    plen = q ? (size_t)(q - uri) : strlen(uri);
    req->query = q ? q + 1 : "";
    snprintf(req->path, sizeof(req->path), "/");
    /* The route is the path minus base_path, the same under every server. */
    if (blen > 0) {
        if (plen < blen || strncmp(uri, cfg->base_path, blen) != 0 ||
            (plen > blen && uri[blen] != '/'))
            return 404;
        uri += blen;
        plen -= blen;
    }
    if (plen == 0)
        return 0;
    if (plen >= sizeof(req->path))
        return 414;
    memcpy(req->path, uri, plen);
    req->path[plen] = '\0';
    return 0;
}

int http_send_json(struct http_request *req, int status, const char *extra_headers,
                   const char *body, size_t len)
{
    return http_send(req, status, "application/json; charset=utf-8", extra_headers, body, len);
}

/* Writes to the FastCGI output, or to the held answer. */
static int put(struct http_request *req, const char *p, size_t n)
{
    if (req->held != NULL)
        return buf_append(req->held, p, n) == BUF_OK ? 0 : -1;
    return n == 0 || FCGX_PutStr(p, (int)n, req->fcgx->out) >= 0 ? 0 : -1;
}

int http_send(struct http_request *req, int status, const char *content_type,
              const char *extra_headers, const char *body, size_t len)
{
    char head[512];
    int n;

    n = snprintf(head, sizeof(head),
                 "Status: %d %s\r\nContent-Type: %s\r\n"
                 "Content-Length: %zu\r\nCache-Control: no-store\r\n"
                 "X-Content-Type-Options: nosniff\r\n",
                 status, http_reason(status), content_type, len);
    req->responded = 1;
    req->held_status = status;
    req->status = status;
    if (put(req, head, (size_t)n) != 0)
        return -1;
    if (extra_headers && put(req, extra_headers, strlen(extra_headers)) != 0)
        return -1;
    if (put(req, "\r\n", 2) != 0)
        return -1;
    return put(req, body, len);
}

void http_hold(struct http_request *req, struct buf *b)
{
    buf_reset(b);
    req->held = b;
    req->held_status = 0;
}

int http_release(struct http_request *req)
{
    struct buf *b = req->held;

    req->held = NULL;
    if (b == NULL || b->len == 0)
        return 0;
    return put(req, b->data, b->len);
}

void http_drop(struct http_request *req)
{
    if (req->held != NULL)
        buf_reset(req->held);
    req->responded = 0;
    req->held_status = 0;
}

int http_send_error(struct http_request *req, int status, const char *code, const char *message,
                    const char *extra_headers)
{
    struct buf b;
    int rc;

    snprintf(req->error, sizeof(req->error), "%s", code);
    buf_init(&b, 4096);
    buf_printf(&b, "{\"status\": %d, \"error\": \"%s\", \"message\": ", status, code);
    if (message == NULL)
        message = http_reason(status);
    json_print_string(message, strlen(message), &b);
    buf_puts(&b, "}");
    rc = http_send_json(req, status, extra_headers, buf_str(&b), b.len);
    buf_free(&b);
    return rc;
}

int http_read_body(struct http_request *req, struct buf *out)
{
    const char *cl = http_param(req, "CONTENT_LENGTH");
    const char *errstr;
    long long want = -1;
    char chunk[16384];

    if (cl != NULL && *cl != '\0') {
        if (num_parse_ll(cl, 0, (long long)1 << 62, &want, &errstr) != 0)
            return 400;
        /* Refuse before reading anything: the sender said it is too big. */
        if ((unsigned long long)want > out->limit)
            return 413;
        if (buf_reserve(out, (size_t)want) != BUF_OK)
            return 413;
    }
    for (;;) {
        int n = FCGX_GetStr(chunk, sizeof(chunk), req->fcgx->in);
        if (n <= 0)
            break;
        if (buf_append(out, chunk, (size_t)n) != BUF_OK)
            return 413;
    }
    if (want >= 0 && (long long)out->len != want)
        return 400;
    return 0;
}

int http_is_https(const struct http_request *req)
{
    const char *https = http_param(req, "HTTPS");
    const char *scheme = http_param(req, "REQUEST_SCHEME");

    return (https != NULL && strcasecmp(https, "on") == 0) ||
           (scheme != NULL && strcasecmp(scheme, "https") == 0);
}
