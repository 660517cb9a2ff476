/* ingest: the receive path. Order of checks (SPEC 4.1): endpoint known and
 * not deleted, method, authentication, rate limit, media type, size, JSON,
 * state, storage. A signed webhook (auth hmac) is verified over the raw
 * bytes, so its body is read (within max_body_bytes) before the check; a
 * body over the limit is then refused with 413 before authentication. */
#include "ingest.h"

#include "apikey.h"
#include "auth_token.h"
#include "capture.h"
#include "dedup.h"
#include "event.h"
#include "hmac_auth.h"
#include "integration.h"
#include "json.h"
#include "jwt_auth.h"
#include "log.h"
#include "ratelimit.h"
#include "store.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

int ingest_content_type_ok(const char *ct)
{
    const char *semi, *slash;
    size_t len;

    if (ct == NULL)
        return 0;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    semi = strchr(ct, ';');
    len = semi ? (size_t)(semi - ct) : strlen(ct);
    while (len > 0 && (ct[len - 1] == ' ' || ct[len - 1] == '\t'))
        len--;
    if (len == 16 && strncasecmp(ct, "application/json", 16) == 0)
        return 1;
    slash = memchr(ct, '/', len);
    if (slash == NULL || (size_t)(slash - ct) != 11 || strncasecmp(ct, "application", 11) != 0)
        return 0;
    /* application/<something>+json */
    return len > 12 + 5 && strncasecmp(ct + len - 5, "+json", 5) == 0;
}

/* RFC 9110 wants a challenge on every 401; signed webhooks have no
 * registered scheme, so this names the one the integration expects. */
#define HMAC_CHALLENGE "WWW-Authenticate: Signature realm=\"incoming\"\r\n"

/* Everything one request carries through the checks. */
struct ingest {
    struct http_request *req;
    cJSON *integ;    /* the integration document */
    struct buf body; /* raw body */
    int body_read;
    struct buf env; /* envelope text */
    struct store_event ev;
    char endpoint[UUID_LEN + 1]; /* as given in the path */
    char dedup[DEDUP_KEY_LEN + 1];
    int has_dedup;
    int duplicate;
    int captured; /* the request became a Retrieve data sample */
    char dup_event_id[UUID_LEN + 1];
};

static int lookup_fn(struct store_txn *t, void *arg)
{
    struct ingest *in = arg;
    cJSON_Delete(in->integ);
    in->integ = NULL;
    return integration_get_by_endpoint(t, in->endpoint, &in->integ);
}

static int accept_fn(struct store_txn *t, void *arg)
{
    struct ingest *in = arg;
    int rc;

    in->duplicate = 0;
    if (in->has_dedup) {
        rc = dedup_check_and_put(t, in->dedup, in->ev.event_id, in->req->now_ms,
                                 in->req->cfg->dedup_window_seconds, in->dup_event_id);
        if (rc == 1) {
            in->duplicate = 1;
            return STORE_ABORT; /* nothing written: the first event stands */
        }
        if (rc != STORE_OK)
            return rc;
    }
    rc = store_event_put(t, &in->ev);
    if (rc == STORE_OK)
        rc = store_queue_push(t, in->ev.event_id);
    if (rc == STORE_OK)
        rc = capture_take(t, in->ev.integration_id, in->req->now_ms, in->ev.event_id,
                          in->ev.envelope, in->ev.envelope_len, &in->captured);
    return rc;
}

/* A draft or unpublished integration keeps the request only as the sample
 * of an open Retrieve data window; it stores no event and starts nothing. */
static int sample_only_fn(struct store_txn *t, void *arg)
{
    struct ingest *in = arg;
    int rc = capture_take(t, in->ev.integration_id, in->req->now_ms, in->ev.event_id,
                          in->ev.envelope, in->ev.envelope_len, &in->captured);
    if (rc == STORE_OK && !in->captured)
        return STORE_ABORT;
    return rc;
}

static void unavailable(struct http_request *req, const char *why)
{
    http_send_error(req, 503, "unavailable", why, "Retry-After: 5\r\n");
}

static const char *header_cb(void *ctx, const char *name)
{
    return http_header(ctx, name);
}

/* Reads the body once; answers 413/400 and returns -1 on failure. */
static int read_body(struct ingest *in)
{
    char msg[128];
    int st;

    if (in->body_read)
        return 0;
    in->body_read = 1;
    st = http_read_body(in->req, &in->body);
    if (st == 413) {
        snprintf(msg, sizeof(msg), "body is larger than %lld bytes", in->req->cfg->max_body_bytes);
        http_send_error(in->req, 413, "payload_too_large", msg, NULL);
        return -1;
    }
    if (st != 0) {
        http_send_error(in->req, 400, "invalid_json", "body is shorter than its Content-Length",
                        NULL);
        return -1;
    }
    return 0;
}

static int check_jwt(struct ingest *in)
{
    struct http_request *req = in->req;
    struct jwt_auth_params p;
    char desc[JWT_AUTH_DESC_MAX];
    const char *kid = json_get_string(in->integ, "apiKeyId");
    int st;

    if (auth_token_params(req, &p) != 0)
        return -1;
    p.lookup = apikey_jwt_lookup;
    p.lookup_ctx = req->store;
    st = jwt_auth_check(&p, kid ? kid : "", http_header(req, "Authorization"), desc, sizeof(desc));
    if (st == JWT_AUTH_OK)
        return 0;
    if (st == JWT_AUTH_UNAVAILABLE)
        unavailable(req, "storage is unavailable");
    else
        auth_token_refuse(req, st, desc);
    return -1;
}

static int check_hmac(struct ingest *in)
{
    struct hmac_auth_config hc;
    char err[160], reason[128], msg[200];
    int st;

    if (hmac_auth_config_parse(json_get(in->integ, "hmac"), &hc, err, sizeof(err)) != 0) {
        LOG_ERR("integration %s: unusable hmac configuration: %s", json_get_string(in->integ, "id"),
                err);
        http_send_error(in->req, 401, "unauthorized", "signature cannot be verified",
                        HMAC_CHALLENGE);
        return -1;
    }
    if (read_body(in) != 0)
        return -1;
    st = hmac_auth_verify(&hc, header_cb, in->req, in->body.data, in->body.len, time(NULL), reason,
                          sizeof(reason));
    memset(&hc, 0, sizeof(hc));
    if (st == HMAC_AUTH_OK)
        return 0;
    snprintf(msg, sizeof(msg), "signature refused: %s", reason);
    http_send_error(in->req, 401, "unauthorized", msg, HMAC_CHALLENGE);
    return -1;
}

/* Authentication and the rate limit. Returns 0 to go on. */
static int admit(struct ingest *in)
{
    const char *auth = integration_auth(in->integ);
    const cJSON *rate = json_get(in->integ, "rateLimitPerSecond");
    long retry = 1;
    char hdr[64];
    int st;

    if (strcmp(auth, "jwt") == 0 && check_jwt(in) != 0)
        return -1;
    if (strcmp(auth, "hmac") == 0 && check_hmac(in) != 0)
        return -1;
    if (strcmp(auth, "none") != 0 && strcmp(auth, "jwt") != 0 && strcmp(auth, "hmac") != 0) {
        http_send_error(in->req, 401, "unauthorized", "unknown authentication type", NULL);
        return -1;
    }
    if (cJSON_IsNumber(rate) && rate->valuedouble >= 1) {
        st = ratelimit_take(in->req->store, json_get_string(in->integ, "id"),
                            (long long)rate->valuedouble, in->req->now_ms, &retry);
        if (st == 1) {
            snprintf(hdr, sizeof(hdr), "Retry-After: %ld\r\n", retry);
            http_send_error(in->req, 429, "rate_limited", "too many requests for this integration",
                            hdr);
            return -1;
        }
        if (st != 0) {
            unavailable(in->req, "storage is unavailable; try again later");
            return -1;
        }
    }
    return 0;
}

/* Media type, size and JSON. Returns 0 with the body validated. */
static int check_body(struct ingest *in)
{
    struct json_error jerr;
    cJSON *tree = NULL;

    if (!ingest_content_type_ok(http_param(in->req, "CONTENT_TYPE"))) {
        http_send_error(in->req, 415, "unsupported_media_type",
                        "Content-Type must be application/json or application/*+json", NULL);
        return -1;
    }
    if (read_body(in) != 0)
        return -1;
    if (json_parse(in->body.data, in->body.len, (int)in->req->cfg->max_json_depth, &tree, &jerr) !=
        0) {
        http_send_error(in->req, 400, "invalid_json", jerr.message, NULL);
        return -1;
    }
    cJSON_Delete(tree);
    return 0;
}

/* Builds the envelope and the dedup key. Returns 0, or answers and -1. */
static int build_event(struct ingest *in)
{
    struct http_request *req = in->req;
    struct event_input ei;
    struct json_error jerr;
    cJSON *envelope = NULL;
    size_t off = 0;

    memset(&in->ev, 0, sizeof(in->ev));
    if (uuid_generate(in->ev.event_id) != 0) {
        unavailable(req, "no random source for event ids");
        return -1;
    }
    memcpy(in->ev.integration_id, json_get_string(in->integ, "id"), UUID_LEN);
    memcpy(in->ev.endpoint_id, json_get_string(in->integ, "endpointId"), UUID_LEN);
    memset(&ei, 0, sizeof(ei));
    ei.method = req->method;
    ei.query_string = req->query;
    ei.envp = req->fcgx->envp;
    ei.body = in->body.data;
    ei.body_len = in->body.len;
    ei.event_id = in->ev.event_id;
    ei.endpoint_id = in->ev.endpoint_id;
    ei.time_ms = req->now_ms;
    if (event_build_envelope(&ei, req->cfg, &in->env, &off) != BUF_OK) {
        http_send_error(req, 413, "payload_too_large", "request headers are too large", NULL);
        return -1;
    }
    in->ev.body_off = (uint32_t)off;
    in->ev.body_len = (uint32_t)in->body.len;
    in->ev.time_ms = req->now_ms;
    in->ev.state = STORE_EVENT_QUEUED;
    in->ev.envelope = in->env.data;
    in->ev.envelope_len = in->env.len;
    if (cJSON_IsArray(json_get(in->integ, "dedupParams")))
        (void)json_parse(in->env.data, in->env.len, (int)req->cfg->max_json_depth + 2, &envelope,
                         &jerr);
    in->has_dedup =
        dedup_key(in->ev.endpoint_id, in->integ, envelope, header_cb, req, in->dedup) == 0;
    cJSON_Delete(envelope);
    return 0;
}

void ingest_handle(struct http_request *req, const char *endpoint, struct ingest_result *res)
{
    struct ingest in;
    const char *state;
    char resp[256];
    int rc, n;

    memset(&in, 0, sizeof(in));
    res->accepted = 0;
    in.req = req;
    buf_init(&in.body, (size_t)req->cfg->max_body_bytes);
    buf_init(&in.env, (size_t)req->cfg->max_body_bytes + 256 * 1024);
    if (req->store == NULL) {
        unavailable(req, "storage is unavailable; try again later");
        goto out;
    }
    snprintf(in.endpoint, sizeof(in.endpoint), "%.36s", endpoint);
    rc = strlen(endpoint) == UUID_LEN ? store_txn_run(req->store, lookup_fn, &in) : STORE_NOTFOUND;
    if (rc == STORE_NOTFOUND) {
        http_send_error(req, 404, "not_found", "no integration has this endpoint", NULL);
        goto out;
    }
    if (rc != STORE_OK) {
        unavailable(req, "storage is unavailable; try again later");
        goto out;
    }
    state = integration_state(in.integ);
    if (strcmp(state, "deleted") == 0) {
        http_send_error(req, 410, "gone", "this integration was deleted", NULL);
        goto out;
    }
    if (strcmp(req->method, "POST") != 0) {
        http_send_error(req, 405, "method_not_allowed", "only POST is accepted here",
                        "Allow: POST\r\n");
        goto out;
    }
    if (admit(&in) != 0 || check_body(&in) != 0)
        goto out;
    if (build_event(&in) != 0)
        goto out;
    if (strcmp(state, "published") != 0) {
        rc = store_txn_run(req->store, sample_only_fn, &in);
        if (rc == STORE_OK) {
            n = snprintf(resp, sizeof(resp),
                         "{\"status\": 202, \"eventId\": \"%s\", \"endpointId\": \"%s\", "
                         "\"sample\": true}",
                         in.ev.event_id, in.ev.endpoint_id);
            http_send_json(req, 202, "", resp, (size_t)n);
        } else if (rc == STORE_ABORT) {
            http_send_error(req, 409, "not_published",
                            "this integration is not published and no Retrieve data window is "
                            "open",
                            NULL);
        } else {
            unavailable(req, "storage is unavailable; try again later");
        }
        goto out;
    }
    rc = store_txn_run(req->store, accept_fn, &in);
    if (rc == STORE_ABORT && in.duplicate) {
        n = snprintf(resp, sizeof(resp),
                     "{\"status\": 200, \"eventId\": \"%s\", \"duplicate\": true}",
                     in.dup_event_id);
        http_send_json(req, 200, "", resp, (size_t)n);
        goto out;
    }
    if (rc != STORE_OK) {
        LOG_ERR("cannot store event for endpoint %s: %s", in.ev.endpoint_id, store_strerror(rc));
        unavailable(req, "the event could not be stored; try again later");
        goto out;
    }
    n = snprintf(resp, sizeof(resp),
                 "{\"status\": 202, \"eventId\": \"%s\", \"endpointId\": \"%s\"}", in.ev.event_id,
                 in.ev.endpoint_id);
    http_send_json(req, 202, "", resp, (size_t)n);
    res->accepted = 1;
    memcpy(res->event_id, in.ev.event_id, sizeof(res->event_id));
out:
    cJSON_Delete(in.integ);
    buf_free(&in.body);
    buf_free(&in.env);
}
