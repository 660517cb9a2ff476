/* api: authentication, body parsing, paging and dispatch of /api/v1. */
#include "api.h"

#include "admin_token.h"
#include "b64.h"
#include "buf.h"
#include "json.h"
#include "log.h"
#include "numparse.h"
#include "session.h"
#include "store.h"

#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int api_is(const struct api_call *c, const char *m)
{
    return strcmp(c->req->method, m) == 0;
}

void api_send(struct api_call *c, int status, cJSON *obj)
{
    struct buf b;

    if (obj == NULL) {
        http_send_json(c->req, status, "", "", 0);
        return;
    }
    buf_init(&b, 256u << 20);
    if (json_print(obj, &b) != BUF_OK) {
        buf_free(&b);
        cJSON_Delete(obj);
        http_send_error(c->req, 500, "internal", "the answer could not be built", NULL);
        return;
    }
    http_send_json(c->req, status, "", b.data, b.len);
    buf_free(&b);
    cJSON_Delete(obj);
}

void api_error(struct api_call *c, int status, const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    http_send_error(c->req, status, code, msg, NULL);
}

void api_method_not_allowed(struct api_call *c, const char *allow)
{
    char hdr[128];
    snprintf(hdr, sizeof(hdr), "Allow: %s\r\n", allow);
    http_send_error(c->req, 405, "method_not_allowed", "method not allowed here", hdr);
}

void api_store_error(struct api_call *c, int rc, const char *what)
{
    if (rc == STORE_NOTFOUND)
        api_error(c, 404, "not_found", "no such %s", what);
    else
        http_send_error(c->req, 503, "unavailable", store_strerror(rc), "Retry-After: 5\r\n");
}

int api_query(struct api_call *c, const char *name, char *out, size_t outlen)
{
    const char *p = c->req->query;
    size_t nlen = strlen(name);

    while (p && *p) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
            out[b64_form_decode(p + nlen + 1, len - nlen - 1, out, outlen - 1)] = '\0';
            return 1;
        }
        p = amp ? amp + 1 : NULL;
    }
    if (outlen)
        out[0] = '\0';
    return 0;
}

int api_page_params(struct api_call *c, int *limit, char *cursor, size_t cursorlen)
{
    char v[32];
    const char *errstr;
    long long n = 50;

    if (api_query(c, "limit", v, sizeof(v)) && num_parse_ll(v, 1, 500, &n, &errstr) != 0) {
        api_error(c, 400, "invalid_request", "limit: expected an integer in 1..500 (%s)", errstr);
        return -1;
    }
    *limit = (int)n;
    api_query(c, "cursor", cursor, cursorlen);
    return 0;
}

cJSON *api_page(cJSON *items, const char *next)
{
    cJSON *page = cJSON_CreateObject();
    cJSON_AddItemToObject(page, "items", items);
    if (next && *next)
        cJSON_AddStringToObject(page, "next", next);
    return page;
}

/* Admin token from "Authorization: Bearer <token>", or the UI's session
 * cookie. Returns 0 when valid; otherwise it answered. */
static int authenticate(struct api_call *c)
{
    const char *auth = http_header(c->req, "Authorization");
    char id[37];
    int rc;

    if (auth == NULL) {
        rc = session_authenticate(c);
        if (rc == 1)
            return 0;
        if (rc < 0)
            return -1;
    }
    if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0) {
        http_send_error(c->req, 401, "unauthorized", "an admin token is required",
                        "WWW-Authenticate: Bearer realm=\"incoming-admin\"\r\n");
        return -1;
    }
    auth += 7;
    while (*auth == ' ')
        auth++;
    rc = admin_token_verify(c->req->store, auth, id);
    if (rc == ADMIN_TOKEN_OK)
        return 0;
    if (rc == ADMIN_TOKEN_STORE) {
        http_send_error(c->req, 503, "unavailable", "storage is unavailable", "Retry-After: 5\r\n");
        return -1;
    }
    http_send_error(
        c->req, 401, "unauthorized", "unknown or revoked admin token",
        "WWW-Authenticate: Bearer realm=\"incoming-admin\", error=\"invalid_token\"\r\n");
    return -1;
}

int api_read_body(struct api_call *c)
{
    struct json_error jerr;
    struct buf b;
    int st;

    if (!api_is(c, "POST") && !api_is(c, "PUT") && !api_is(c, "PATCH"))
        return 0;
    buf_init(&b, API_BODY_MAX);
    st = http_read_body(c->req, &b);
    if (st != 0) {
        buf_free(&b);
        if (st == 413)
            api_error(c, 413, "payload_too_large", "body is larger than %u bytes", API_BODY_MAX);
        else
            api_error(c, 400, "invalid_json", "body is shorter than its Content-Length");
        return -1;
    }
    if (api_parse_body(b.data, b.len, &c->body, &jerr) != 0) {
        buf_free(&b);
        api_error(c, 400, "invalid_json", "%s", jerr.message);
        return -1;
    }
    buf_free(&b);
    return 0;
}

int api_parse_body(const char *text, size_t len, cJSON **out, struct json_error *err)
{
    *out = NULL;
    if (len == 0)
        return 0;
    return json_parse(text, len, API_BODY_DEPTH, out, err);
}

static int split(struct api_call *c, const char *rest)
{
    char *p;

    snprintf(c->segbuf, sizeof(c->segbuf), "%s", rest);
    c->nseg = 0;
    p = c->segbuf;
    while (*p) {
        char *slash = strchr(p, '/');
        if (c->nseg == API_MAX_SEGS)
            return -1;
        c->seg[c->nseg++] = p;
        if (slash == NULL)
            break;
        *slash = '\0';
        p = slash + 1;
    }
    return 0;
}

void api_handle(struct http_request *req, const char *rest, struct router_result *res)
{
    struct api_call c;

    memset(&c, 0, sizeof(c));
    c.req = req;
    c.res = res;
    if (req->store == NULL) {
        http_send_error(req, 503, "unavailable", "storage is unavailable", "Retry-After: 5\r\n");
        return;
    }
    if (split(&c, rest) != 0 || c.nseg == 0) {
        http_send_error(req, 404, "not_found", "no such route", NULL);
        return;
    }
    if (strcmp(c.seg[0], "session") == 0 && c.nseg == 1) {
        session_handle(&c);
        goto out;
    }
    if (authenticate(&c) != 0 || api_read_body(&c) != 0)
        goto out;
    if (strcmp(c.seg[0], "integrations") == 0)
        api_integrations(&c);
    else if (strcmp(c.seg[0], "apikeys") == 0)
        api_apikeys(&c);
    else if (strcmp(c.seg[0], "events") == 0)
        api_events(&c);
    else if (strcmp(c.seg[0], "profiles") == 0)
        api_profiles(&c);
    else if (strcmp(c.seg[0], "workflows") == 0)
        api_workflows(&c);
    else if (strcmp(c.seg[0], "runs") == 0)
        api_runs(&c);
    else if (strcmp(c.seg[0], "templates") == 0)
        api_templates(&c);
    else if (strcmp(c.seg[0], "dashboard") == 0)
        api_dashboard(&c);
    else
        http_send_error(req, 404, "not_found", "no such route", NULL);
out:
    cJSON_Delete(c.body);
    /* A call may have held megabytes for a moment (a 1 MiB body parsed, a
     * page of 500 events, one event's envelope); glibc keeps freed heap
     * below any chunk still in use, so a responder would stay at its peak
     * for the rest of its life. Admin calls are rare next to sends, and
     * the call costs 5 us with nothing to give back, some 200 us on a
     * fragmented 2 MB heap (measured here). */
    malloc_trim(0);
}
