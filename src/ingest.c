/* ingest: the receive path. Order of checks (SPEC 4.1): endpoint known and
 * not deleted, method, authentication, rate limit, media type, size, JSON,
 * state, storage. A signed webhook (auth hmac) is verified over the raw
 * bytes, so its body is read (within max_body_bytes) before the check; a
 * body over the limit is then refused with 413 before authentication.
 *
 * The checks read the integration and its API key from the responder's
 * catalog (include/catalog.h) without a transaction. One transaction then
 * stores the event, plans its runs and takes the Retrieve data sample,
 * after checking that what the catalog kept is still current; if it is
 * not, or if a refusal was decided on kept data that a fresh read does not
 * confirm, the answer is dropped and the request handled again from fresh
 * reads (the body, read once, is kept). So an accepted event costs one
 * transaction, and no answer rests on stale data. */
#include "ingest.h"

#include "apikey.h"
#include "auth_token.h"
#include "capture.h"
#include "catalog.h"
#include "counter.h"
#include "dedup.h"
#include "event.h"
#include "hmac_auth.h"
#include "integration.h"
#include "json.h"
#include "jsonscan.h"
#include "jwt_auth.h"
#include "log.h"
#include "metrics.h"
#include "plan.h"
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

/* Passes over one request before giving up on a catalog that keeps
 * moving (each pass after the first reads everything afresh). */
#define INGEST_PASSES 3

/* Everything one request carries through the checks. The body is read
 * once; the rest is set again by every pass. */
struct ingest {
    struct http_request *req;
    struct catalog *cat;
    struct buf body; /* raw body */
    int body_read;
    int body_status;    /* http_read_body's answer */
    const cJSON *integ; /* the integration document (borrowed from cat) */
    struct buf env;     /* envelope text */
    cJSON *tree;        /* the envelope parsed, when filters or dedupParams need it */
    struct store_event ev;
    char endpoint[UUID_LEN + 1]; /* as given in the path; "" when not UUID-sized */
    char dedup[DEDUP_KEY_LEN + 1];
    int has_dedup;
    int stale;     /* the accept transaction found the catalog moved */
    int duplicate; /* the dedup key was seen: dup_event_id is the first event */
    int captured;  /* the request became a Retrieve data sample */
    int queued;    /* runs planned that wait for a runner */
    char dup_event_id[UUID_LEN + 1];
    char integ_id[UUID_LEN + 1]; /* the endpoint's live integration, "" when none */
};

/* The envelope as a tree (parsed once). Returns 0, or -1. */
static int envelope_tree(struct ingest *in)
{
    struct json_error jerr;

    if (in->tree == NULL &&
        json_parse(in->env.data, in->env.len, (int)in->req->cfg->max_json_depth + 2, &in->tree,
                   &jerr) != 0)
        return -1;
    return 0;
}

/* Stores the event, plans its runs and takes the capture sample, in one
 * transaction and only if the catalog the checks used is current. */
static int accept_fn(struct store_txn *t, void *arg)
{
    struct ingest *in = arg;
    const struct plan_set *set = NULL;
    int created, rc = catalog_check(in->cat, t);

    in->stale = rc == 0;
    in->duplicate = 0;
    in->queued = 0;
    in->captured = 0;
    if (rc <= 0)
        return rc == 0 ? STORE_ABORT : rc;
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
    rc = catalog_plan_set(in->cat, t, in->ev.integration_id, &set);
    if (rc == STORE_OK && set->count > 0)
        rc = envelope_tree(in) == 0 ? STORE_OK : STORE_ERROR;
    if (rc == STORE_OK)
        rc = plan_event(t, set, in->ev.event_id, in->tree, in->req->now_ms, 1, &created,
                        &in->queued);
    in->ev.state = STORE_EVENT_PROCESSED; /* planned right here */
    if (rc == STORE_OK)
        rc = store_event_put(t, &in->ev);
    if (rc == STORE_OK)
        rc = capture_take(t, in->ev.integration_id, in->req->now_ms, in->ev.event_id,
                          in->ev.envelope, in->ev.envelope_len, &in->captured);
    if (rc == STORE_OK)
        rc = counter_add(t, "incoming_events_accepted_total", 1);
    return rc;
}

/* A draft or unpublished integration keeps the request only as the sample
 * of an open Retrieve data window; it stores no event and starts nothing. */
static int sample_only_fn(struct store_txn *t, void *arg)
{
    struct ingest *in = arg;
    int rc = catalog_check(in->cat, t);

    in->stale = rc == 0;
    in->captured = 0;
    if (rc <= 0)
        return rc == 0 ? STORE_ABORT : rc;
    rc = capture_take(t, in->ev.integration_id, in->req->now_ms, in->ev.event_id, in->ev.envelope,
                      in->ev.envelope_len, &in->captured);
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

/* Reads the body once (a later pass gets the same outcome); answers
 * 413/400 and returns -1 on failure. */
static int read_body(struct ingest *in)
{
    char msg[128];
    int st;

    if (!in->body_read) {
        in->body_read = 1;
        in->body_status = http_read_body(in->req, &in->body);
    }
    st = in->body_status;
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
    p.lookup = catalog_jwt_lookup;
    p.lookup_ctx = in->cat;
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

static int scan_nothing(void *arg, const struct jsonscan_event *ev)
{
    (void)arg;
    (void)ev;
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
    /* The scanner checks what json_parse checks without building a tree;
     * only a body it refuses goes through json_parse, for the line and
     * column of the message (and json_parse has the last word). */
    if (jsonscan(in->body.data, in->body.len, (int)in->req->cfg->max_json_depth, scan_nothing,
                 NULL) == JSONSCAN_OK)
        return 0;
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
    size_t off = 0;

    memset(&in->ev, 0, sizeof(in->ev));
    if (uuid_generate_ordered(req->now_us, in->ev.event_id) != 0) {
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
        (void)envelope_tree(in);
    in->has_dedup =
        dedup_key(in->ev.endpoint_id, in->integ, in->tree, header_cb, req, in->dedup) == 0;
    return 0;
}

/* Answers a request whose checks all passed: stores the event (or, for
 * an integration not published, only the Retrieve data sample). */
static void store_event(struct ingest *in, const char *state, struct ingest_result *res)
{
    struct http_request *req = in->req;
    char resp[256];
    int rc, n;

    if (strcmp(state, "published") != 0) {
        rc = store_txn_run(req->store, sample_only_fn, in);
        if (in->stale)
            return;
        if (rc == STORE_OK) {
            n = snprintf(resp, sizeof(resp),
                         "{\"status\": 202, \"eventId\": \"%s\", \"endpointId\": \"%s\", "
                         "\"sample\": true}",
                         in->ev.event_id, in->ev.endpoint_id);
            http_send_json(req, 202, "", resp, (size_t)n);
        } else if (rc == STORE_ABORT) {
            http_send_error(req, 409, "not_published",
                            "this integration is not published and no Retrieve data window is "
                            "open",
                            NULL);
        } else {
            unavailable(req, "storage is unavailable; try again later");
        }
        return;
    }
    /* Filters will want the envelope: parse it before entering the gate. */
    if (catalog_plan_hint(in->cat, in->ev.integration_id) != 0)
        (void)envelope_tree(in);
    rc = store_txn_run(req->store, accept_fn, in);
    if (in->stale)
        return;
    if (rc == STORE_ABORT && in->duplicate) {
        metrics_note("incoming_events_duplicate_total");
        n = snprintf(resp, sizeof(resp),
                     "{\"status\": 200, \"eventId\": \"%s\", \"duplicate\": true}",
                     in->dup_event_id);
        http_send_json(req, 200, "", resp, (size_t)n);
        return;
    }
    if (rc != STORE_OK) {
        LOG_ERR("cannot store event for endpoint %s: %s", in->ev.endpoint_id, store_strerror(rc));
        unavailable(req, "the event could not be stored; try again later");
        return;
    }
    n = snprintf(resp, sizeof(resp),
                 "{\"status\": 202, \"eventId\": \"%s\", \"endpointId\": \"%s\"}", in->ev.event_id,
                 in->ev.endpoint_id);
    http_send_json(req, 202, "", resp, (size_t)n);
    res->accepted = 1;
    res->queued = in->queued;
    memcpy(res->event_id, in->ev.event_id, sizeof(res->event_id));
}

/* One pass over the request: every check in order, then the store. */
static void ingest_pass(struct ingest *in, struct ingest_result *res)
{
    struct http_request *req = in->req;
    const char *state;
    int rc;

    in->integ = NULL;
    in->stale = 0;
    in->has_dedup = 0;
    buf_reset(&in->env);
    cJSON_Delete(in->tree);
    in->tree = NULL;
    rc = catalog_integration(in->cat, in->endpoint, &in->integ);
    if (rc == STORE_NOTFOUND) {
        http_send_error(req, 404, "not_found", "no integration has this endpoint", NULL);
        return;
    }
    if (rc != STORE_OK) {
        unavailable(req, "storage is unavailable; try again later");
        return;
    }
    state = integration_state(in->integ);
    if (strcmp(state, "deleted") == 0) {
        http_send_error(req, 410, "gone", "this integration was deleted", NULL);
        return;
    }
    snprintf(in->integ_id, sizeof(in->integ_id), "%s", json_get_string(in->integ, "id"));
    if (strcmp(req->method, "POST") != 0) {
        http_send_error(req, 405, "method_not_allowed", "only POST is accepted here",
                        "Allow: POST\r\n");
        return;
    }
    if (admit(in) != 0 || check_body(in) != 0 || build_event(in) != 0)
        return;
    store_event(in, state, res);
}

/* A request refused (4xx) at a live endpoint is noted on its Retrieve
 * data window, when one waits, with what the sender was told (held: the
 * whole answer), so the operator sees a misconfigured sender at once
 * instead of a countdown. Costs one read transaction per refusal. */
static void note_refusal(struct ingest *in, const struct buf *held)
{
    int st = in->req->held_status;
    const char *body;
    struct json_error jerr;
    cJSON *doc = NULL;

    if (in->integ_id[0] == '\0' || st < 400 || st >= 500 || st == 404 || st == 405 || st == 410 ||
        held->len == 0)
        return;
    body = memmem(held->data, held->len, "\r\n\r\n", 4);
    if (body == NULL ||
        json_parse(body + 4, held->len - (size_t)(body + 4 - held->data), 4, &doc, &jerr) != 0)
        return;
    (void)capture_note_refusal(in->req->store, in->integ_id, in->req->now_ms, st,
                               json_get_string(doc, "error"), json_get_string(doc, "message"));
    cJSON_Delete(doc);
}

void ingest_handle(struct http_request *req, struct catalog *cat, const char *endpoint,
                   struct ingest_result *res)
{
    struct ingest in;
    struct buf held;
    int pass;

    memset(&in, 0, sizeof(in));
    memset(res, 0, sizeof(*res));
    in.req = req;
    in.cat = cat;
    buf_init(&in.body, (size_t)req->cfg->max_body_bytes);
    buf_init(&in.env, (size_t)req->cfg->max_body_bytes + 256 * 1024);
    buf_init(&held, 64 * 1024);
    if (strlen(endpoint) == UUID_LEN)
        memcpy(in.endpoint, endpoint, UUID_LEN + 1); /* else "": no such endpoint */
    if (req->store == NULL || cat == NULL) {
        unavailable(req, "storage is unavailable; try again later");
        goto out;
    }
    for (pass = 0; pass < INGEST_PASSES; pass++) {
        catalog_begin(cat, req->store);
        http_hold(req, &held);
        ingest_pass(&in, res);
        /* Stale data behind the accept transaction, or behind a refusal
         * that a fresh read would not make: once more, from fresh reads. */
        if (!in.stale && (req->held_status / 100 == 2 || req->held_status == 503 ||
                          catalog_verified(cat) || catalog_verify(cat) != 0))
            break;
        http_drop(req);
    }
    http_release(req);
    if (pass == INGEST_PASSES)
        unavailable(req, "the integration keeps changing; try again");
    else
        note_refusal(&in, &held);
out:
    cJSON_Delete(in.tree);
    buf_free(&in.body);
    buf_free(&in.env);
    buf_free(&held);
}
