/* ingest: the receive path. Order of checks (SPEC 4.1): endpoint known and
 * not deleted, method, authentication, rate limit, media type, size, JSON,
 * state, storage. Authentication and rate limits plug in where marked. */
#include "ingest.h"

#include "event.h"
#include "integration.h"
#include "json.h"
#include "log.h"
#include "store.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

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

struct lookup_arg {
    const char *endpoint;
    cJSON *doc;
};

static int lookup_fn(struct store_txn *t, void *arg)
{
    struct lookup_arg *a = arg;
    cJSON_Delete(a->doc);
    a->doc = NULL;
    return integration_get_by_endpoint(t, a->endpoint, &a->doc);
}

struct accept_arg {
    const struct store_event *ev;
};

static int accept_fn(struct store_txn *t, void *arg)
{
    struct accept_arg *a = arg;
    int rc = store_event_put(t, a->ev);
    if (rc == STORE_OK)
        rc = store_queue_push(t, a->ev->event_id);
    return rc;
}

static void unavailable(struct http_request *req, const char *why)
{
    http_send_error(req, 503, "unavailable", why, "Retry-After: 5\r\n");
}

/* Reads, checks and parses the body. Returns 0 with the body in body, or
 * answers and returns -1. */
static int read_json_body(struct http_request *req, struct buf *body)
{
    struct json_error jerr;
    char msg[256];
    cJSON *tree = NULL;
    int st;

    if (!ingest_content_type_ok(http_param(req, "CONTENT_TYPE"))) {
        http_send_error(req, 415, "unsupported_media_type",
                        "Content-Type must be application/json or application/*+json", NULL);
        return -1;
    }
    st = http_read_body(req, body);
    if (st == 413) {
        snprintf(msg, sizeof(msg), "body is larger than %lld bytes", req->cfg->max_body_bytes);
        http_send_error(req, 413, "payload_too_large", msg, NULL);
        return -1;
    }
    if (st != 0) {
        http_send_error(req, 400, "invalid_json", "body is shorter than its Content-Length",
                        NULL);
        return -1;
    }
    if (json_parse(body->data, body->len, (int)req->cfg->max_json_depth, &tree, &jerr) != 0) {
        http_send_error(req, 400, "invalid_json", jerr.message, NULL);
        return -1;
    }
    cJSON_Delete(tree);
    return 0;
}

void ingest_handle(struct http_request *req, const char *endpoint, struct ingest_result *res)
{
    struct lookup_arg la = {endpoint, NULL};
    struct accept_arg aa;
    struct store_event ev;
    struct event_input in;
    struct buf body, env;
    const char *state;
    char resp[256];
    int rc, n;

    res->accepted = 0;
    buf_init(&body, (size_t)req->cfg->max_body_bytes);
    buf_init(&env, (size_t)req->cfg->max_body_bytes + 256 * 1024);
    if (req->store == NULL) {
        unavailable(req, "storage is unavailable; try again later");
        goto out;
    }
    rc = store_txn_run(req->store, lookup_fn, &la);
    if (rc == STORE_NOTFOUND) {
        http_send_error(req, 404, "not_found", "no integration has this endpoint", NULL);
        goto out;
    }
    if (rc != STORE_OK) {
        unavailable(req, "storage is unavailable; try again later");
        goto out;
    }
    state = integration_state(la.doc);
    if (strcmp(state, "deleted") == 0) {
        http_send_error(req, 410, "gone", "this integration was deleted", NULL);
        goto out;
    }
    if (strcmp(req->method, "POST") != 0) {
        http_send_error(req, 405, "method_not_allowed", "only POST is accepted here",
                        "Allow: POST\r\n");
        goto out;
    }
    /* Authentication and rate limits (issue 3) plug in here. */
    if (strcmp(integration_auth(la.doc), "none") != 0) {
        http_send_error(req, 401, "unauthorized", "authentication is not available yet",
                        "WWW-Authenticate: Bearer realm=\"incoming\"\r\n");
        goto out;
    }
    if (read_json_body(req, &body) != 0)
        goto out;
    /* Capture windows (issue 4) also admit drafts here. */
    if (strcmp(state, "published") != 0) {
        http_send_error(req, 409, "not_published",
                        "this integration is not published; publish it to accept data", NULL);
        goto out;
    }
    memset(&ev, 0, sizeof(ev));
    if (uuid_generate(ev.event_id) != 0) {
        unavailable(req, "no random source for event ids");
        goto out;
    }
    memcpy(ev.integration_id, json_get_string(la.doc, "id"), UUID_LEN);
    memcpy(ev.endpoint_id, json_get_string(la.doc, "endpointId"), UUID_LEN);
    memset(&in, 0, sizeof(in));
    in.method = req->method;
    in.query_string = req->query;
    in.envp = req->fcgx->envp;
    in.body = body.data;
    in.body_len = body.len;
    in.event_id = ev.event_id;
    in.endpoint_id = ev.endpoint_id;
    in.time_ms = req->now_ms;
    {
        size_t off = 0;
        if (event_build_envelope(&in, req->cfg, &env, &off) != BUF_OK) {
            http_send_error(req, 413, "payload_too_large", "request headers are too large",
                            NULL);
            goto out;
        }
        ev.body_off = (uint32_t)off;
    }
    ev.body_len = (uint32_t)body.len;
    ev.time_ms = req->now_ms;
    ev.state = STORE_EVENT_QUEUED;
    ev.envelope = env.data;
    ev.envelope_len = env.len;
    aa.ev = &ev;
    rc = store_txn_run(req->store, accept_fn, &aa);
    if (rc != STORE_OK) {
        LOG_ERR("cannot store event for endpoint %s: %s", ev.endpoint_id, store_strerror(rc));
        unavailable(req, "the event could not be stored; try again later");
        goto out;
    }
    n = snprintf(resp, sizeof(resp), "{\"status\": 202, \"eventId\": \"%s\", \"endpointId\": \"%s\"}",
                 ev.event_id, ev.endpoint_id);
    http_send_json(req, 202, "", resp, (size_t)n);
    res->accepted = 1;
    memcpy(res->event_id, ev.event_id, sizeof(res->event_id));
out:
    cJSON_Delete(la.doc);
    buf_free(&body);
    buf_free(&env);
}
