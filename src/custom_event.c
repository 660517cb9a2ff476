/* custom_event: the HTTP side of POST /v4/events/custom; the profile
 * module validates and stores. */
#include "custom_event.h"

#include "apikey.h"
#include "auth_token.h"
#include "ingest.h"
#include "json.h"
#include "jwt_auth.h"
#include "log.h"
#include "profile.h"
#include "store.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static void unavailable(struct http_request *req, const char *msg)
{
    http_send_error(req, 503, "unavailable", msg, "Retry-After: 5\r\n");
}

/* 401/403 with the WWW-Authenticate header of SPEC section 6. */
static void refuse(struct http_request *req, int st, const char *desc)
{
    char www[300], hdr[340];

    if (jwt_auth_www_authenticate(st, desc, www, sizeof(www)) != 0)
        snprintf(www, sizeof(www), "Bearer realm=\"%s\"", JWT_AUTH_REALM);
    snprintf(hdr, sizeof(hdr), "WWW-Authenticate: %s\r\n", www);
    if (st == JWT_AUTH_FORBIDDEN)
        http_send_error(req, 403, "forbidden", desc, hdr);
    else
        http_send_error(req, 401, "unauthorized", desc[0] ? desc : "a Bearer token is required",
                        hdr);
}

/* A token from /auth/token whose key is active and may write events.
 * Returns 0, or answers and returns -1. */
static int authenticate(struct http_request *req)
{
    static unsigned char key[SECRET_SERVER_KEY_BYTES];
    static int key_loaded;
    struct jwt_auth_params p;
    char desc[JWT_AUTH_DESC_MAX], sub[JWT_AUTH_KEY_ID_MAX + 1];
    cJSON *doc = NULL;
    int st, rc;

    if (!key_loaded && auth_token_server_key(req->cfg, key) != 0) {
        unavailable(req, "the server key is unavailable");
        return -1;
    }
    key_loaded = 1;
    memset(&p, 0, sizeof(p));
    p.server_key = key;
    p.server_key_len = sizeof(key);
    p.leeway = (long)req->cfg->jwt_leeway_seconds;
    p.now = time(NULL);
    st = jwt_auth_verify_issued(&p, http_header(req, "Authorization"), sub, sizeof(sub), desc,
                                sizeof(desc));
    if (st == JWT_AUTH_UNAVAILABLE) {
        unavailable(req, "the server key is unavailable");
        return -1;
    }
    if (st != JWT_AUTH_OK) {
        refuse(req, st, desc);
        return -1;
    }
    rc = apikey_load(req->store, sub, &doc);
    if (rc == STORE_NOTFOUND) {
        refuse(req, JWT_AUTH_INVALID, "unknown key");
    } else if (rc != STORE_OK) {
        unavailable(req, "storage is unavailable");
    } else if (strcmp(json_get_string(doc, "state") ? json_get_string(doc, "state") : "",
                      "active") != 0) {
        refuse(req, JWT_AUTH_INVALID, "key revoked");
        rc = -1;
    } else if (!apikey_allows(doc, APIKEY_PERM_EVENTS)) {
        refuse(req, JWT_AUTH_FORBIDDEN, "key lacks events:write");
        rc = -1;
    }
    cJSON_Delete(doc);
    return rc == STORE_OK ? 0 : -1;
}

/* Reads and parses the body. Returns the tree, or answers and NULL. */
static cJSON *read_json(struct http_request *req)
{
    const char *ct = http_param(req, "CONTENT_TYPE");
    struct json_error jerr;
    struct buf b;
    cJSON *body = NULL;
    int st;

    if (ct != NULL && *ct != '\0' && !ingest_content_type_ok(ct)) {
        http_send_error(req, 415, "unsupported_media_type",
                        "Content-Type must be application/json or application/*+json", NULL);
        return NULL;
    }
    buf_init(&b, PROFILE_BODY_MAX);
    st = http_read_body(req, &b);
    if (st == 413)
        http_send_error(req, 413, "payload_too_large", "body is larger than 262144 bytes", NULL);
    else if (st != 0)
        http_send_error(req, 400, "invalid_json", "body is shorter than its Content-Length", NULL);
    else if (json_parse(b.data, b.len, (int)req->cfg->max_json_depth, &body, &jerr) != 0)
        http_send_error(req, 400, "invalid_json", jerr.message, NULL);
    buf_free(&b);
    return body;
}

void custom_event_handle(struct http_request *req)
{
    struct profile_event ev;
    char err[160], eid[37], pid[37], out[200];
    cJSON *body = NULL;
    int rc, n;

    if (strcmp(req->method, "POST") != 0) {
        http_send_error(req, 405, "method_not_allowed", "only POST is accepted here",
                        "Allow: POST\r\n");
        return;
    }
    if (req->store == NULL) {
        unavailable(req, "storage is unavailable");
        return;
    }
    if (authenticate(req) != 0)
        return;
    body = read_json(req);
    if (body == NULL)
        return;
    rc = profile_event_parse(body, req->now_ms, &ev, err, sizeof(err));
    if (rc != PROFILE_OK) {
        http_send_error(req, 400, "invalid_event", err, NULL);
    } else if (profile_add_event(req->store, &ev, eid, pid) != PROFILE_OK) {
        unavailable(req, "storage is unavailable; try again later");
    } else {
        n = snprintf(out, sizeof(out),
                     "{\"status\": 202, \"eventId\": \"%s\", \"profileId\": \"%s\"}", eid, pid);
        http_send_json(req, 202, "", out, (size_t)n);
    }
    cJSON_Delete(body);
}
