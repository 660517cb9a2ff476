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

/* A token from /auth/token whose key is active and may write events.
 * Returns 0, or answers and returns -1. */
static int authenticate(struct http_request *req)
{
    struct jwt_auth_params p;
    char desc[JWT_AUTH_DESC_MAX], sub[JWT_AUTH_KEY_ID_MAX + 1];
    cJSON *doc = NULL;
    int st, rc;

    if (auth_token_params(req, &p) != 0)
        return -1;
    st = jwt_auth_verify_issued(&p, http_header(req, "Authorization"), sub, sizeof(sub), desc,
                                sizeof(desc));
    if (st == JWT_AUTH_UNAVAILABLE) {
        unavailable(req, "the server key is unavailable");
        return -1;
    }
    if (st != JWT_AUTH_OK) {
        auth_token_refuse(req, st, desc);
        return -1;
    }
    rc = apikey_load(req->store, sub, &doc);
    if (rc == STORE_NOTFOUND) {
        auth_token_refuse(req, JWT_AUTH_INVALID, "unknown key");
    } else if (rc != STORE_OK) {
        unavailable(req, "storage is unavailable");
    } else if (strcmp(json_get_string(doc, "state") ? json_get_string(doc, "state") : "",
                      "active") != 0) {
        auth_token_refuse(req, JWT_AUTH_INVALID, "key revoked");
        rc = -1;
    } else if (!apikey_allows(doc, APIKEY_PERM_EVENTS)) {
        auth_token_refuse(req, JWT_AUTH_FORBIDDEN, "key lacks events:write");
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
