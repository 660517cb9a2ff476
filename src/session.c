/* session: UI sessions stored as {tokenId, csrf, expiresAt} by hash. */
#include "session.h"

#include "admin_token.h"
#include "b64.h"
#include "docstore.h"
#include "json.h"
#include "origin.h"
#include "secret.h"
#include "store.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The value of cookie name in the Cookie header, copied into out. */
static int cookie_value(const char *cookies, const char *name, char *out, size_t outlen)
{
    size_t nlen = strlen(name);
    const char *p = cookies;

    while (p && *p) {
        while (*p == ' ' || *p == ';')
            p++;
        if (strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
            const char *v = p + nlen + 1, *e = strchr(v, ';');
            size_t len = e ? (size_t)(e - v) : strlen(v);
            if (len >= outlen)
                return 0;
            memcpy(out, v, len);
            out[len] = '\0';
            return 1;
        }
        p = strchr(p, ';');
    }
    return 0;
}

struct sess_arg {
    char hash[65];
    const char *json; /* for put */
    cJSON *doc;       /* for get */
    int del;
};

static int sess_fn(struct store_txn *t, void *arg)
{
    struct sess_arg *a = arg;
    struct json_error jerr;
    struct buf v;
    int rc;

    if (a->json)
        return store_put(t, STORE_DB_SESSIONS, a->hash, 64, a->json, strlen(a->json), 0);
    if (a->del) {
        rc = store_del(t, STORE_DB_SESSIONS, a->hash, 64);
        return rc == STORE_NOTFOUND ? STORE_OK : rc;
    }
    cJSON_Delete(a->doc);
    a->doc = NULL;
    buf_init(&v, 4096);
    rc = store_get(t, STORE_DB_SESSIONS, a->hash, 64, &v);
    if (rc == STORE_OK && json_parse(v.data, v.len, 8, &a->doc, &jerr) != 0)
        rc = STORE_ERROR;
    buf_free(&v);
    return rc;
}

/* The cookie is Secure when the browser reached us over HTTPS: the web
 * server says so (HTTPS=on, which lighttpd and Apache set for TLS
 * connections), or public_base_url is https (TLS ends at a proxy in front
 * of the web server). X-Forwarded-Proto is not consulted: any client can
 * send it, and behind a proxy that sets it public_base_url says https. */
static void cookie_header(struct api_call *c, const char *value, long max_age, char *out,
                          size_t len)
{
    const struct config *cfg = c->req->cfg;
    int secure = http_is_https(c->req) || strncmp(cfg->public_base_url, "https:", 6) == 0;

    snprintf(out, len, "Set-Cookie: %s=%s; Path=%s/; Max-Age=%ld; HttpOnly; SameSite=Strict%s\r\n",
             SESSION_COOKIE, value, cfg->base_path, max_age, secure ? "; Secure" : "");
}

/* Sign-in and sign-out must come from the UI's own pages: another site's
 * page could otherwise sign a victim's browser in with the attacker's token
 * (login CSRF) or out. A browser says where a request comes from:
 * Sec-Fetch-Site, computed by the browser itself (so a proxy that rewrites
 * Host cannot confuse it), or else Origin, which must be the origin the
 * request was sent to (its Host, over http or https) or that of
 * public_base_url. A request with neither comes from no browser page (curl,
 * scripts) and carries no victim's cookie: allowed. Returns 1 when allowed. */
static int same_origin(struct http_request *req)
{
    const char *site = http_header(req, "Sec-Fetch-Site");
    const char *origin = http_header(req, "Origin");
    const char *host = http_header(req, "Host");
    char got[ORIGIN_MAX], mine[ORIGIN_MAX];

    if (site != NULL)
        return strcmp(site, "same-origin") == 0 || strcmp(site, "none") == 0;
    if (origin == NULL)
        return 1;
    if (origin_of_url(origin, got, sizeof(got)) != 0)
        return 0; /* "null" (sandboxed pages, some redirects) or garbage */
    if (host != NULL &&
        origin_of_host(http_is_https(req) ? "https" : "http", host, mine, sizeof(mine)) == 0 &&
        strcmp(got, mine) == 0)
        return 1;
    return origin_of_url(req->cfg->public_base_url, mine, sizeof(mine)) == 0 &&
           strcmp(got, mine) == 0;
}

/* 1 when the request's media type is application/json (parameters such as
 * charset allowed). A cross-site page can send text/plain or a form without
 * asking, but application/json only after a CORS preflight, which this
 * server never grants. */
static int json_content_type(struct http_request *req)
{
    const char *ct = http_param(req, "CONTENT_TYPE");
    size_t len;

    if (ct == NULL)
        return 0;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    len = strcspn(ct, ";");
    while (len > 0 && (ct[len - 1] == ' ' || ct[len - 1] == '\t'))
        len--;
    return len == 16 && strncasecmp(ct, "application/json", 16) == 0;
}

static void sign_in(struct api_call *c)
{
    const char *token = json_get_string(c->body, "token");
    unsigned char raw[32];
    char sid[65], csrf[65], tid[37], hdr[512], body[256], json[512];
    struct sess_arg a;
    long long expires = c->req->now_ms + SESSION_TTL_SECONDS * 1000LL;
    int rc;

    if (token == NULL) {
        api_error(c, 400, "invalid_request", "token: required, an admin token");
        return;
    }
    rc = admin_token_verify(c->req->store, token, tid);
    if (rc == ADMIN_TOKEN_STORE) {
        api_store_error(c, STORE_UNAVAILABLE, "session");
        return;
    }
    if (rc != ADMIN_TOKEN_OK) {
        http_send_error(c->req, 401, "unauthorized", "unknown or revoked admin token", NULL);
        return;
    }
    if (secret_random(raw, sizeof(raw)) != 0 || b64_hex_encode(raw, 32, sid, sizeof(sid)) != 0 ||
        secret_random(raw, sizeof(raw)) != 0 || b64_hex_encode(raw, 32, csrf, sizeof(csrf)) != 0) {
        api_store_error(c, STORE_UNAVAILABLE, "session");
        return;
    }
    memset(&a, 0, sizeof(a));
    secret_sha256_hex(sid, 64, a.hash);
    snprintf(json, sizeof(json), "{\"tokenId\": \"%s\", \"csrf\": \"%s\", \"expiresAt\": %lld}",
             tid, csrf, expires);
    a.json = json;
    rc = store_txn_run(c->req->store, sess_fn, &a);
    if (rc != STORE_OK) {
        api_store_error(c, rc, "session");
        return;
    }
    cookie_header(c, sid, SESSION_TTL_SECONDS, hdr, sizeof(hdr));
    rc =
        snprintf(body, sizeof(body), "{\"csrfToken\": \"%s\", \"expiresAt\": %lld}", csrf, expires);
    http_send_json(c->req, 200, hdr, body, (size_t)rc);
}

/* 1 when the request's X-CSRF-Token is the one of the session doc. */
static int csrf_matches(struct api_call *c, const cJSON *doc)
{
    const char *csrf = json_get_string(doc, "csrf");
    const char *sent = http_header(c->req, "X-CSRF-Token");

    return sent != NULL && csrf != NULL && secret_streq(sent, csrf);
}

/* Ends the session of the cookie, which takes the session's CSRF token
 * like every other mutating call: without it another site could sign the
 * user out. A cookie of no (or a forgotten) session has nothing to end and
 * is cleared. */
static void sign_out(struct api_call *c)
{
    const char *cookies = http_header(c->req, "Cookie");
    struct sess_arg a;
    char sid[80], hdr[512];
    int rc, ok;

    memset(&a, 0, sizeof(a));
    if (cookies && cookie_value(cookies, SESSION_COOKIE, sid, sizeof(sid)) && sid[0]) {
        secret_sha256_hex(sid, strlen(sid), a.hash);
        rc = store_txn_run(c->req->store, sess_fn, &a);
        if (rc != STORE_OK && rc != STORE_NOTFOUND) {
            api_store_error(c, rc, "session");
            return;
        }
        if (rc == STORE_OK) {
            ok = csrf_matches(c, a.doc);
            cJSON_Delete(a.doc);
            a.doc = NULL;
            if (!ok) {
                http_send_error(c->req, 403, "forbidden", "X-CSRF-Token is missing or wrong", NULL);
                return;
            }
            a.del = 1;
            rc = store_txn_run(c->req->store, sess_fn, &a);
            if (rc != STORE_OK) {
                api_store_error(c, rc, "session");
                return;
            }
        }
    }
    cookie_header(c, "", 0, hdr, sizeof(hdr));
    http_send_json(c->req, 204, hdr, "", 0);
}

static int token_active(struct store *s, const char *tid);

/* The session of the cookie and its CSRF token: every tab of the UI reads
 * the token here, so a tab that signed in elsewhere, or was reloaded, goes
 * on with the session the browser holds now. Another site's page cannot
 * read the answer (no CORS), nor send the cookie (SameSite=Strict). */
static void current(struct api_call *c)
{
    const char *cookies = http_header(c->req, "Cookie");
    struct sess_arg a;
    char sid[80], body[256];
    int rc, n;

    memset(&a, 0, sizeof(a));
    if (cookies == NULL || !cookie_value(cookies, SESSION_COOKIE, sid, sizeof(sid)) || !sid[0]) {
        http_send_error(c->req, 401, "unauthorized", "not signed in", NULL);
        return;
    }
    secret_sha256_hex(sid, strlen(sid), a.hash);
    rc = store_txn_run(c->req->store, sess_fn, &a);
    if (rc != STORE_OK && rc != STORE_NOTFOUND) {
        api_store_error(c, rc, "session");
        return;
    }
    if (rc == STORE_NOTFOUND || json_get_ll(a.doc, "expiresAt", 0) < c->req->now_ms ||
        !token_active(c->req->store, json_get_string(a.doc, "tokenId")) ||
        json_get_string(a.doc, "csrf") == NULL) {
        cJSON_Delete(a.doc);
        http_send_error(c->req, 401, "unauthorized", "the session has ended; sign in again", NULL);
        return;
    }
    n = snprintf(body, sizeof(body), "{\"csrfToken\": \"%.64s\", \"expiresAt\": %lld}",
                 json_get_string(a.doc, "csrf"), json_get_ll(a.doc, "expiresAt", 0));
    cJSON_Delete(a.doc);
    http_send_json(c->req, 200, "", body, (size_t)n);
}

void session_handle(struct api_call *c)
{
    if (!api_is(c, "POST") && !api_is(c, "DELETE") && !api_is(c, "GET")) {
        api_method_not_allowed(c, "GET, POST, DELETE");
        return;
    }
    if (!same_origin(c->req)) {
        http_send_error(c->req, 403, "forbidden",
                        "cross-origin request refused: sign in from the web UI", NULL);
        return;
    }
    if (api_is(c, "DELETE")) {
        sign_out(c);
        return;
    }
    if (api_is(c, "GET")) {
        current(c);
        return;
    }
    if (!json_content_type(c->req)) {
        http_send_error(c->req, 415, "unsupported_media_type",
                        "Content-Type must be application/json", NULL);
        return;
    }
    if (api_read_body(c) == 0)
        sign_in(c);
}

/* 1 when the admin token tid still exists and is active. */
static int token_active(struct store *s, const char *tid)
{
    cJSON *doc = NULL;
    const char *state;
    int ok = docstore_load(s, STORE_DB_ADMIN_TOKENS, tid, &doc) == STORE_OK;
    state = ok ? json_get_string(doc, "state") : NULL;
    ok = state && strcmp(state, "active") == 0;
    cJSON_Delete(doc);
    return ok;
}

int session_authenticate(struct api_call *c)
{
    const char *cookies = http_header(c->req, "Cookie");
    struct sess_arg a;
    char sid[80];
    int rc, mutating = !api_is(c, "GET") && !api_is(c, "HEAD");

    if (cookies == NULL || !cookie_value(cookies, SESSION_COOKIE, sid, sizeof(sid)) || !sid[0])
        return 0;
    memset(&a, 0, sizeof(a));
    secret_sha256_hex(sid, strlen(sid), a.hash);
    rc = store_txn_run(c->req->store, sess_fn, &a);
    if (rc != STORE_OK && rc != STORE_NOTFOUND) {
        api_store_error(c, rc, "session");
        return -2;
    }
    if (rc == STORE_NOTFOUND || json_get_ll(a.doc, "expiresAt", 0) < c->req->now_ms ||
        !token_active(c->req->store, json_get_string(a.doc, "tokenId"))) {
        cJSON_Delete(a.doc);
        http_send_error(c->req, 401, "unauthorized", "the session has ended; sign in again", NULL);
        return -1;
    }
    if (mutating && !csrf_matches(c, a.doc)) {
        cJSON_Delete(a.doc);
        http_send_error(c->req, 403, "forbidden", "X-CSRF-Token is missing or wrong", NULL);
        return -1;
    }
    cJSON_Delete(a.doc);
    return 1;
}
