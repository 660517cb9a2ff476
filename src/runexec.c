/* runexec: one run of a workflow. */
#include "runexec.h"

#include "auth_token.h"
#include "b64.h"
#include "buf.h"
#include "counter.h"
#include "docstore.h"
#include "filter.h"
#include "events.h"
#include "header_rules.h"
#include "isotime.h"
#include "json.h"
#include "log.h"
#include "outgoing.h"
#include "redact.h"
#include "run.h"
#include "secret.h"
#include "template.h"
#include "uuid.h"
#include "workflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#define EXCERPT_MAX 2048
#define NODE_BODY_MAX (64 * 1024)
#define MAX_HEADERS 64

static int is_json_type(const char *ct)
{
    return ct && (strncasecmp(ct, "application/json", 16) == 0 ||
                  (strncasecmp(ct, "application/", 12) == 0 && strstr(ct, "+json") != NULL));
}

/* The answer's headers for the run log (shown by the UI's run detail):
 * credential headers and Set-Cookie (a session the target hands out)
 * read as REDACT_MARK. */
static cJSON *response_headers(const struct config *cfg, const cJSON *headers)
{
    cJSON *out = cJSON_CreateObject();
    const cJSON *h;

    cJSON_ArrayForEach(h, headers)
    {
        int secret = redact_header(cfg, h->string) || strcasecmp(h->string, "Set-Cookie") == 0;
        if (cJSON_IsString(h))
            cJSON_AddStringToObject(out, h->string, secret ? REDACT_MARK : h->valuestring);
    }
    return out;
}

static cJSON *excerpt(const char *p, size_t len)
{
    struct buf b;
    cJSON *s;
    buf_init(&b, EXCERPT_MAX * 4);
    json_print_string(p, len > EXCERPT_MAX ? EXCERPT_MAX : len, &b);
    /* json_print_string quotes; strip them back into a plain string value. */
    s = NULL;
    {
        struct json_error jerr;
        if (json_parse(b.data, b.len, 2, &s, &jerr) != 0)
            s = cJSON_CreateString("");
    }
    buf_free(&b);
    return s;
}

static void add_warnings(cJSON *list, const struct template_warnings *w)
{
    for (int i = 0; i < w->count && cJSON_GetArraySize(list) < 32; i++)
        cJSON_AddItemToArray(list, cJSON_CreateString(w->msg[i]));
}

/* Renders one template field. Returns 0, or -1 with err filled. */
static int render(const char *src, const cJSON *ctx, enum template_mode mode, struct buf *out,
                  cJSON *warnings, const char *what, char *err, size_t errlen)
{
    struct template *t = NULL;
    struct template_error terr;
    struct template_warnings w;
    int rc;

    buf_reset(out);
    if (template_compile(src, strlen(src), &t, &terr) != TEMPLATE_OK) {
        snprintf(err, errlen, "%s: %s", what, terr.message);
        return -1;
    }
    rc = template_render(t, ctx, mode, NULL, out, &w, &terr);
    template_free(t);
    if (rc != TEMPLATE_OK) {
        snprintf(err, errlen, "%s: %s", what, terr.message);
        return -1;
    }
    add_warnings(warnings, &w);
    return 0;
}

/* Adds the node's authentication header. secret_names collects header
 * names to redact in the run log. */
static int auth_header(const struct config *cfg, const cJSON *auth, char *line, size_t len,
                       char *err, size_t errlen)
{
    const char *type = json_get_string(auth, "type");

    line[0] = '\0';
    if (type == NULL || strcmp(type, "none") == 0)
        return 0;
    if (strcmp(type, "basic") == 0) {
        char pair[600], enc[900];
        snprintf(pair, sizeof(pair), "%s:%s", json_get_string(auth, "username"),
                 json_get_string(auth, "password"));
        if (b64_encode(B64_STD, pair, strlen(pair), enc, sizeof(enc)) != 0) {
            snprintf(err, errlen, "auth: basic credentials are too long");
            return -1;
        }
        snprintf(line, len, "Authorization: Basic %s", enc);
        memset(pair, 0, sizeof(pair));
    } else if (strcmp(type, "bearer") == 0) {
        snprintf(line, len, "Authorization: Bearer %s", json_get_string(auth, "token"));
    } else if (strcmp(type, "header") == 0) {
        snprintf(line, len, "%s: %s", json_get_string(auth, "name"),
                 json_get_string(auth, "value"));
    } else if (strcmp(type, "api_key") == 0) {
        char *token = NULL;
        if (auth_token_issue_for(cfg, json_get_string(auth, "apiKeyId"), &token) != 0) {
            snprintf(err, errlen, "auth: cannot issue a token for the API key");
            return -1;
        }
        snprintf(line, len, "Authorization: Bearer %s", token);
        free(token);
    }
    return 0;
}

static const char *auth_header_name(const cJSON *auth)
{
    const char *type = json_get_string(auth, "type");
    if (type && strcmp(type, "header") == 0)
        return json_get_string(auth, "name");
    if (type && strcmp(type, "none") != 0)
        return "Authorization";
    return NULL;
}

/* Renders header h of a node into val after checking that its name may be
 * sent (a workflow saved before the rules existed may hold any), then
 * checks the rendered value: a control character fails the attempt before
 * anything is sent (header_rules.h). Returns 0, or -1 with err filled. */
static int render_header(const cJSON *h, const cJSON *ctx, struct buf *val, cJSON *warnings,
                         char *err, size_t errlen)
{
    char what[100], why[400];

    snprintf(what, sizeof(what), "headers.%.60s", h->string);
    if (header_rules_check_name(h->string, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "%s: %.380s; nothing was sent", what, why);
        return -1;
    }
    if (render(cJSON_IsString(h) ? h->valuestring : "", ctx, TEMPLATE_HEADER, val, warnings, what,
               err, errlen) != 0)
        return -1;
    if (header_rules_check_value(val->data ? val->data : "", val->len, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "%s: the rendered value %.300s; nothing was sent", what, why);
        return -1;
    }
    return 0;
}

/* The same checks for the "Name: value" line of the node's auth. */
static int check_auth_line(const char *line, char *err, size_t errlen)
{
    const char *colon = strchr(line, ':'), *v;
    char name[HEADER_RULES_NAME_MAX + 2], why[400];
    size_t nl = colon ? (size_t)(colon - line) : 0;

    if (colon == NULL || nl >= sizeof(name)) {
        snprintf(err, errlen, "auth: the header name is not valid; nothing was sent");
        return -1;
    }
    memcpy(name, line, nl);
    name[nl] = '\0';
    for (v = colon + 1; *v == ' '; v++)
        ;
    if (header_rules_check_name(name, why, sizeof(why)) != 0 ||
        header_rules_check_value(v, strlen(v), why, sizeof(why)) != 0) {
        snprintf(err, errlen, "auth: %s; nothing was sent", why);
        return -1;
    }
    return 0;
}

/* Records header name in the attempt's request headers rh, its value
 * replaced by REDACT_MARK when it is a credential: one of redact.h's, or
 * the header the node's auth sets (auth_name, may be NULL). */
static void record_header(const struct config *cfg, cJSON *rh, const char *name, const char *value,
                          const char *auth_name)
{
    int secret = redact_header(cfg, name) || (auth_name && strcasecmp(auth_name, name) == 0);
    cJSON_AddStringToObject(rh, name, secret ? REDACT_MARK : value);
}

/* Records the URL in the attempt's request rq, its userinfo redacted. */
static void record_url(cJSON *rq, const char *url)
{
    struct buf b;

    buf_init(&b, strlen(url) + sizeof(REDACT_MARK) + 1);
    cJSON_AddStringToObject(rq, "url", redact_url(url, &b) == BUF_OK ? buf_str(&b) : REDACT_MARK);
    buf_free(&b);
}

void runexec_attempt(const struct config *cfg, const cJSON *node, const cJSON *ctx,
                     const char *run_id, const char *event_id, long max_timeout_ms,
                     struct runexec_attempt *a)
{
    const cJSON *h, *headers = json_get(node, "headers"), *auth = json_get(node, "auth");
    const char *method = json_get_string(node, "method"), *secret_name = auth_header_name(auth);
    const char *lines[MAX_HEADERS + 4];
    char *owned[MAX_HEADERS + 4];
    int nlines = 0, json_body = 0;
    struct buf url, val, body;
    struct outgoing_request req;
    struct outgoing_response resp;
    cJSON *rq = cJSON_CreateObject(), *rh = cJSON_CreateObject(), *warnings = cJSON_CreateArray();
    char err[512] = "", authline[2048];
    const char *id = json_get_string(node, "id");

    memset(a, 0, sizeof(*a));
    memset(&resp, 0, sizeof(resp));
    if (event_id == NULL)
        event_id = "";
    buf_init(&url, 8192);
    buf_init(&val, 8192);
    buf_init(&body, 1u << 20);
    a->rec = cJSON_CreateObject();
    a->retry_after = -1;
    cJSON_AddStringToObject(a->rec, "node", id);
    cJSON_AddItemToObject(a->rec, "at", json_number_from_ll(isotime_now_ms()));
    if (render(json_get_string(node, "url"), ctx, TEMPLATE_URL, &url, warnings, "url", err,
               sizeof(err)) != 0)
        goto done;
    cJSON_ArrayForEach(h, headers)
    {
        char *line;
        if (nlines == MAX_HEADERS || render_header(h, ctx, &val, warnings, err, sizeof(err)) != 0) {
            if (!err[0])
                snprintf(err, sizeof(err), "headers: more than %d", MAX_HEADERS);
            goto done;
        }
        if (strcasecmp(h->string, "Content-Type") == 0 && is_json_type(buf_str(&val)))
            json_body = 1;
        if (asprintf(&line, "%s: %s", h->string, buf_str(&val)) < 0)
            goto done;
        owned[nlines] = line;
        lines[nlines++] = line;
        record_header(cfg, rh, h->string, buf_str(&val), secret_name);
    }
    if (json_get_string(node, "body") &&
        render(json_get_string(node, "body"), ctx, json_body ? TEMPLATE_JSON : TEMPLATE_TEXT, &body,
               warnings, "body", err, sizeof(err)) != 0)
        goto done;
    if (json_body && body.len > 0) {
        struct json_error jerr;
        cJSON *tmp = NULL;
        if (json_parse(body.data, body.len, 128, &tmp, &jerr) != 0) {
            snprintf(err, sizeof(err), "body: the rendered JSON does not parse: %s", jerr.message);
            goto done;
        }
        cJSON_Delete(tmp);
    }
    if (auth_header(cfg, auth, authline, sizeof(authline), err, sizeof(err)) != 0)
        goto done;
    if (authline[0] && check_auth_line(authline, err, sizeof(err)) != 0) {
        memset(authline, 0, sizeof(authline));
        goto done;
    }
    if (authline[0]) {
        owned[nlines] = strdup(authline);
        lines[nlines] = owned[nlines];
        nlines++;
        cJSON_AddStringToObject(rh, secret_name, REDACT_MARK);
        memset(authline, 0, sizeof(authline));
    }
    {
        char *l1 = NULL, *l2 = NULL;
        if (asprintf(&l1, "Idempotency-Key: %s.%s", run_id, id) < 0 ||
            asprintf(&l2, "X-Incoming-Event-Id: %s", event_id) < 0)
            goto done;
        owned[nlines] = l1;
        lines[nlines++] = l1;
        owned[nlines] = l2;
        lines[nlines++] = l2;
        cJSON_AddStringToObject(rh, "Idempotency-Key", l1 + 17);
        cJSON_AddStringToObject(rh, "X-Incoming-Event-Id", event_id);
    }
    lines[nlines] = NULL;
    memset(&req, 0, sizeof(req));
    req.method = method;
    req.url = buf_str(&url);
    req.headers = lines;
    req.body = strcmp(method, "GET") == 0 ? NULL : buf_str(&body);
    req.body_len = body.len;
    req.timeout_ms = (long)json_get_ll(node, "timeoutMs", cfg->outgoing_timeout_ms);
    if (max_timeout_ms > 0 && req.timeout_ms > max_timeout_ms)
        req.timeout_ms = max_timeout_ms;
    req.allow_private = cfg->outgoing_allow_private;
    req.self_url = cfg->public_base_url;
    req.allow_hosts = cfg->outgoing_allow_hosts;
    if (outgoing_send(&req, &resp) != 0) {
        snprintf(err, sizeof(err), "%s", resp.error);
        a->retryable = resp.retryable;
    } else {
        cJSON *r = cJSON_CreateObject();
        a->ok = resp.status >= 200 && resp.status < 300;
        a->retryable = resp.retryable;
        a->retry_after = resp.retry_after_s;
        cJSON_AddItemToObject(r, "status", json_number_from_ll(resp.status));
        cJSON_AddItemToObject(r, "headers", response_headers(cfg, resp.headers));
        cJSON_AddItemToObject(r, "bodyExcerpt", excerpt(buf_str(&resp.body), resp.body.len));
        cJSON_AddItemToObject(a->rec, "response", r);
        if (!a->ok)
            snprintf(err, sizeof(err), "HTTP %d", resp.status);
        else {
            struct json_error jerr;
            cJSON *parsed = NULL;
            a->result = cJSON_CreateObject();
            cJSON_AddItemToObject(a->result, "status", json_number_from_ll(resp.status));
            cJSON_AddItemToObject(a->result, "headers", cJSON_Duplicate(resp.headers, 1));
            if (is_json_type(json_get_string(resp.headers, "Content-Type")) &&
                json_parse(buf_str(&resp.body), resp.body.len, 64, &parsed, &jerr) == 0)
                cJSON_AddItemToObject(a->result, "body", parsed);
            else
                cJSON_AddItemToObject(a->result, "body",
                                      excerpt(buf_str(&resp.body), resp.body.len > NODE_BODY_MAX
                                                                       ? NODE_BODY_MAX
                                                                       : resp.body.len));
        }
    }
    cJSON_AddItemToObject(a->rec, "durationMs", json_number_from_ll(resp.duration_ms));
done:
    cJSON_AddStringToObject(rq, "method", method ? method : "");
    record_url(rq, buf_str(&url));
    cJSON_AddItemToObject(rq, "headers", rh);
    cJSON_AddItemToObject(rq, "bodyExcerpt", excerpt(buf_str(&body), body.len));
    cJSON_AddItemToObject(a->rec, "request", rq);
    if (err[0])
        cJSON_AddStringToObject(a->rec, "error", err);
    if (cJSON_GetArraySize(warnings) > 0)
        cJSON_AddItemToObject(a->rec, "warnings", warnings);
    else
        cJSON_Delete(warnings);
    for (int i = 0; i < nlines; i++)
        free(owned[i]);
    outgoing_response_free(&resp);
    buf_free(&url);
    buf_free(&val);
    buf_free(&body);
}

void runexec_attempt_free(struct runexec_attempt *a)
{
    cJSON_Delete(a->rec);
    cJSON_Delete(a->result);
    a->rec = a->result = NULL;
}

/* Attempts of node since the run was last (re)queued. */
static int attempts_of(const cJSON *run, const char *node)
{
    const cJSON *a;
    int i = 0, n = 0, base = (int)json_get_ll(run, "retryBase", 0);
    cJSON_ArrayForEach(a, json_get(run, "attempts"))
    {
        const char *nid = json_get_string(a, "node");
        if (i++ >= base && nid && strcmp(nid, node) == 0)
            n++;
    }
    return n;
}

static long long backoff_ms(int attempt, long retry_after)
{
    unsigned r = 0;
    long long base = 1000LL << (attempt - 1 < 12 ? attempt - 1 : 12); /* 1 s .. ~68 min */
    long long d;
    if (base > 3600000)
        base = 3600000;
    if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
        r = (unsigned)getpid();
    d = base * 8 / 10 + (long long)(r % (unsigned)(base * 4 / 10 + 1)); /* +-20% */
    if (retry_after >= 0 && retry_after * 1000 > d)
        d = retry_after * 1000;
    return d;
}

struct save_arg {
    cJSON *run;
    long long due_at; /* > 0: release the lease and make the run due then */
    int release;      /* 1: release the lease (final states) */
    long long lease_until;
    const struct runexec_counts *counts; /* may be NULL */
};

static int count_fn(struct store_txn *t, const struct runexec_counts *c)
{
    char name[COUNTER_NAME_MAX + 1];
    int rc = counter_add(t, "incoming_attempts_total{outcome=\"success\"}", c->succeeded);

    if (rc == STORE_OK && c->last) {
        snprintf(name, sizeof(name), "incoming_attempts_total{outcome=\"%s\"}", c->last);
        rc = counter_add(t, name, 1);
    }
    if (rc == STORE_OK && c->final) {
        snprintf(name, sizeof(name), "incoming_runs_finished_total{state=\"%s\"}", c->final);
        rc = counter_add(t, name, 1);
    }
    return rc;
}

static int save_fn(struct store_txn *t, void *arg)
{
    struct save_arg *a = arg;
    const char *id = json_get_string(a->run, "id");
    /* An extension first: a run no longer ours is left as it is. */
    int rc = a->release ? STORE_OK : run_lease_extend(t, id, getpid(), a->lease_until);
    if (rc == STORE_OK)
        rc = run_put(t, a->run, isotime_now_ms());
    if (rc == STORE_OK && a->release)
        rc = run_release(t, id, a->due_at);
    if (rc == STORE_OK && a->counts)
        rc = count_fn(t, a->counts);
    return rc;
}

static int save_counted(struct store *s, cJSON *run, int release, long long due_at, long long lease,
                        const struct runexec_counts *counts)
{
    struct save_arg a = {run, due_at, release, lease, counts};
    /* No log flush: see run_claim. */
    int rc = store_txn_run_flags(s, STORE_TXN_NOSYNC, save_fn, &a);
    if (rc != STORE_OK && rc != STORE_NOTFOUND)
        LOG_ERR("run %s: cannot save progress: %s", json_get_string(run, "id"), store_strerror(rc));
    return rc;
}

static int save(struct store *s, cJSON *run, int release, long long due_at, long long lease)
{
    return save_counted(s, run, release, due_at, lease, NULL);
}

void runexec_saves_init(struct runexec_saves *sv)
{
    sv->n = 0;
}

int runexec_saves_done(struct runexec_saves *sv, int rc)
{
    int lost = rc == STORE_OK ? 0 : sv->n;

    for (int i = 0; i < sv->n; i++) {
        if (rc != STORE_OK)
            LOG_ERR("run %s: cannot save progress: %s", json_get_string(sv->item[i].run, "id"),
                    store_strerror(rc));
        cJSON_Delete(sv->item[i].run);
    }
    sv->n = 0;
    return lost;
}

int runexec_saves_write(struct store_txn *t, void *arg)
{
    struct runexec_saves *sv = arg;
    int rc = STORE_OK;

    for (int i = 0; i < sv->n && rc == STORE_OK; i++) {
        struct save_arg a = {sv->item[i].run, sv->item[i].due_at, 1, 0, &sv->item[i].counts};
        rc = save_fn(t, &a);
    }
    return rc;
}

/* The final save of run (taken over): at once (defer NULL), or kept in
 * defer for the next claim. Returns STORE_OK or the save's store error. */
static int save_final(struct store *s, struct runexec_saves *defer, cJSON *run, long long due_at,
                      const struct runexec_counts *counts)
{
    int rc;

    if (defer != NULL && defer->n < RUNEXEC_SAVES_MAX) {
        defer->item[defer->n].run = run;
        defer->item[defer->n].due_at = due_at;
        defer->item[defer->n++].counts = *counts;
        return STORE_OK;
    }
    rc = save_counted(s, run, 1, due_at, 0, counts);
    cJSON_Delete(run);
    return rc;
}

static void set_state(cJSON *run, const char *state)
{
    cJSON_ReplaceItemInObjectCaseSensitive(run, "state", cJSON_CreateString(state));
}

void runexec_inputs_init(struct runexec_inputs *in)
{
    buf_init(&in->workflow, 16u << 20);
    buf_init(&in->event, 256u << 20);
    in->workflow_rc = in->event_rc = STORE_NOTFOUND;
}

void runexec_inputs_free(struct runexec_inputs *in)
{
    buf_free(&in->workflow);
    buf_free(&in->event);
}

int runexec_read_inputs(struct store_txn *t, const cJSON *run, void *arg)
{
    struct runexec_inputs *in = arg;
    const char *wf = json_get_string(run, "workflowId"), *ev = json_get_string(run, "eventId");
    char key[UUID_LEN + 1];

    /* Raw bytes only: parsing waits until the gate is left. */
    in->workflow_rc = wf != NULL && uuid_parse(wf, strlen(wf), key) == 0
                          ? store_get(t, STORE_DB_WORKFLOWS, key, UUID_LEN, &in->workflow)
                          : STORE_NOTFOUND;
    in->event_rc = ev != NULL && strlen(ev) == UUID_LEN
                       ? store_get(t, STORE_DB_EVENTS, ev, UUID_LEN, &in->event)
                       : STORE_NOTFOUND;
    if (in->workflow_rc != STORE_OK && in->workflow_rc != STORE_NOTFOUND)
        return in->workflow_rc;
    return in->event_rc == STORE_OK || in->event_rc == STORE_NOTFOUND ? STORE_OK : in->event_rc;
}

/* The workflow and the event's envelope (read with the claim) as a
 * template context. */
static int load_context(const struct runexec_inputs *in, cJSON *run, cJSON **wf, cJSON **ctx,
                        char *err, size_t errlen)
{
    struct store_event ev;
    struct json_error jerr;
    cJSON *env = NULL;

    *wf = NULL;
    *ctx = NULL;
    if (in->workflow_rc != STORE_OK ||
        json_parse(in->workflow.data, in->workflow.len, 128, wf, &jerr) != 0) {
        snprintf(err, errlen, "the workflow %s",
                 in->workflow_rc == STORE_NOTFOUND ? "was deleted" : "cannot be read");
        return in->workflow_rc == STORE_OK ? STORE_ERROR : in->workflow_rc;
    }
    if (in->event_rc != STORE_OK || store_event_decode(in->event.data, in->event.len, &ev) != 0 ||
        json_parse(ev.envelope, ev.envelope_len, 600, &env, &jerr) != 0) {
        snprintf(err, errlen, "the event %s",
                 in->event_rc == STORE_NOTFOUND ? "was purged" : "cannot be read");
        return in->event_rc == STORE_OK ? STORE_ERROR : in->event_rc;
    }
    *ctx = cJSON_CreateObject();
    cJSON_AddItemToObject(*ctx, "request", env);
    cJSON_AddItemToObject(*ctx, "event", cJSON_Duplicate(env, 1));
    cJSON_AddItemToObject(*ctx, "nodes", cJSON_Duplicate(json_get(run, "nodes"), 1));
    cJSON_AddItemToObject(*ctx, "now", json_number_from_ll(isotime_now_ms()));
    return STORE_OK;
}

int runexec_run(struct store *s, const struct config *cfg, cJSON *run, long long lease_until,
                const struct runexec_inputs *in, struct runexec_saves *defer)
{
    const char *order[WORKFLOW_MAX_NODES];
    struct runexec_counts counts = {0, NULL, NULL};
    long long due_at = 0;
    cJSON *wf = NULL, *ctx = NULL;
    char err[256];
    int n = 0, rc = 0;

    rc = load_context(in, run, &wf, &ctx, err, sizeof(err));
    /* A stored workflow is one validation let through; a damaged record
     * that is JSON but no such graph fails the run instead of the runner. */
    if (rc == STORE_OK && (n = workflow_order(wf, order)) < 1) {
        snprintf(err, sizeof(err), "the workflow cannot be read");
        rc = STORE_ERROR;
    }
    if (rc != STORE_OK) {
        cJSON *a = cJSON_CreateObject();
        cJSON_AddItemToObject(a, "at", json_number_from_ll(isotime_now_ms()));
        cJSON_AddStringToObject(a, "error", err);
        cJSON_AddItemToArray(json_get(run, "attempts"), a);
        set_state(run, "failed");
        counts.final = "failed";
        goto final;
    }
    for (int i = 0; i < n; i++) {
        const cJSON *node = workflow_node(wf, order[i]);
        const char *type = json_get_string(node, "type");
        struct runexec_attempt a;
        long long need;
        int max, tries;

        if (type == NULL || strcmp(type, "outgoing_integration") != 0 ||
            json_get(json_get(run, "nodes"), order[i]))
            continue;
        /* The lease must cover this request. The claim's covers one
         * request of the default timeout; a longer timeout, the nodes
         * before this one, or the runs claimed before it call for more.
         * A lease that ran out and was resumed by a reaper is left to
         * that: sending the run here too would deliver it twice. */
        need = isotime_now_ms() + json_get_ll(node, "timeoutMs", cfg->outgoing_timeout_ms);
        if (need + RUN_LEASE_SLACK_MS / 2 > lease_until) {
            lease_until = need + RUN_LEASE_SLACK_MS;
            rc = save(s, run, 0, 0, lease_until);
            if (rc == STORE_NOTFOUND) {
                LOG_WARN("run %s: its lease ran out and it was resumed; left to the runner "
                         "that resumes it",
                         json_get_string(run, "id"));
                rc = STORE_OK;
                goto out;
            }
            if (rc != STORE_OK)
                goto out;
        }
        runexec_attempt(cfg, node, ctx, json_get_string(run, "id"), json_get_string(run, "eventId"),
                        0, &a);
        cJSON_AddItemToArray(json_get(run, "attempts"), a.rec);
        if (a.ok) {
            counts.succeeded++;
            cJSON_AddItemToObject(json_get(run, "nodes"), order[i], cJSON_Duplicate(a.result, 1));
            cJSON_AddItemToObject(json_get(ctx, "nodes"), order[i], a.result);
            continue;
        }
        max = (int)json_get_ll(json_get(node, "retry"), "maxAttempts", cfg->retry_max_attempts);
        tries = attempts_of(run, order[i]);
        cJSON_DeleteItemFromObjectCaseSensitive(run, "nextAttemptAt");
        if (a.retryable && tries < max) {
            long long due = isotime_now_ms() + backoff_ms(tries, a.retry_after);
            set_state(run, "retrying");
            cJSON_AddItemToObject(run, "nextAttemptAt", json_number_from_ll(due));
            counts.last = "retry";
            due_at = due;
        } else {
            set_state(run, "failed");
            counts.last = "failure";
            counts.final = "failed";
        }
        goto final;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(run, "nextAttemptAt");
    set_state(run, "succeeded");
    counts.final = "succeeded";
final:
    rc = save_final(s, defer, run, due_at, &counts);
    run = NULL;
out:
    cJSON_Delete(wf);
    cJSON_Delete(ctx);
    cJSON_Delete(run);
    return rc;
}
