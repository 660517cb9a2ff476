/* testnode: one Outgoing Integration node sent against its integration's
 * sample, for the workflow editor (see the header). */
#include "testnode.h"

#include "capture.h"
#include "events.h"
#include "integration.h"
#include "isotime.h"
#include "json.h"
#include "log.h"
#include "outgoing.h"
#include "runexec.h"
#include "uuid.h"
#include "workflow.h"
#include "workflow_secrets.h"

#include <stdio.h>
#include <string.h>

/* The node in a minimal workflow document, trigger -> node -> end, so
 * that the save's own validation judges it. The wrapper's ids step aside
 * when the node has taken one of them. */
static cJSON *wrap(const cJSON *node, const char *integration_id)
{
    const char *nid = json_get_string(node, "id");
    const char *tid = nid && strcmp(nid, "trigger") == 0 ? "trigger_" : "trigger";
    const char *eid = nid && strcmp(nid, "end") == 0 ? "end_" : "end";
    cJSON *doc = cJSON_CreateObject(), *nodes = cJSON_AddArrayToObject(doc, "nodes");
    cJSON *edges = cJSON_AddArrayToObject(doc, "edges"), *trig = cJSON_CreateObject();
    cJSON *end = cJSON_CreateObject();
    const char *e1[2] = {tid, nid ? nid : ""}, *e2[2] = {nid ? nid : "", eid};

    cJSON_AddStringToObject(doc, "name", "test");
    cJSON_AddStringToObject(trig, "id", tid);
    cJSON_AddStringToObject(trig, "type", "business_event");
    cJSON_AddStringToObject(trig, "integrationId", integration_id);
    cJSON_AddItemToArray(nodes, trig);
    cJSON_AddItemToArray(nodes, cJSON_Duplicate(node, 1));
    cJSON_AddStringToObject(end, "id", eid);
    cJSON_AddStringToObject(end, "type", "end");
    cJSON_AddItemToArray(nodes, end);
    cJSON_AddItemToArray(edges, cJSON_CreateStringArray(e1, 2));
    cJSON_AddItemToArray(edges, cJSON_CreateStringArray(e2, 2));
    return doc;
}

/* The integration must exist and not be deleted. */
static int check_integration(struct store *s, const char *id, char *err, size_t errlen)
{
    cJSON *doc = NULL;
    int rc = uuid_valid(id) ? integration_load(s, id, &doc) : STORE_NOTFOUND;
    int deleted = rc == STORE_OK && strcmp(integration_state(doc), "deleted") == 0;

    cJSON_Delete(doc);
    if (rc == STORE_NOTFOUND || deleted) {
        snprintf(err, errlen, "integrationId: no such integration%s",
                 deleted ? " (it was deleted)" : "");
        return TESTNODE_NOTFOUND;
    }
    if (rc != STORE_OK) {
        snprintf(err, errlen, "cannot read the integration: %s", store_strerror(rc));
        return TESTNODE_STORE;
    }
    return TESTNODE_OK;
}

/* The node as a save of workflow workflow_id (NULL: a new one) would
 * store it: credentials resolved, validated. *merged: the whole wrapper
 * document (caller frees). */
static int prepare(struct store *s, const cJSON *node, const char *integration_id,
                   const char *workflow_id, cJSON **merged, char *err, size_t errlen)
{
    cJSON *doc = wrap(node, integration_id), *stored = NULL;
    int rc = TESTNODE_OK;

    *merged = NULL;
    if (workflow_id != NULL) {
        int src = uuid_valid(workflow_id) ? workflow_load(s, workflow_id, &stored) : STORE_NOTFOUND;
        if (src != STORE_OK) {
            snprintf(err, errlen,
                     src == STORE_NOTFOUND ? "workflowId: no such workflow"
                                           : "cannot read the workflow");
            rc = src == STORE_NOTFOUND ? TESTNODE_NOTFOUND : TESTNODE_STORE;
            goto out;
        }
    }
    if (workflow_secrets_merge(doc, stored, merged, err, errlen) != 0) {
        rc = TESTNODE_INVALID;
        goto out;
    }
    if (workflow_validate(s, *merged, err, errlen) != 0) {
        cJSON_Delete(*merged);
        *merged = NULL;
        rc = TESTNODE_INVALID;
    }
out:
    cJSON_Delete(doc);
    cJSON_Delete(stored);
    return rc;
}

/* The integration's newest event as an envelope, or STORE_NOTFOUND. */
static int newest_event(struct store *s, const char *integration_id, cJSON **env)
{
    char next[EVENTS_CURSOR_LEN], err[256];
    cJSON *items = NULL, *doc = NULL, *ev;
    const char *id;
    int rc = STORE_NOTFOUND;

    *env = NULL;
    if (events_list(s, integration_id, NULL, 1, &items, next, err, sizeof(err)) != EVENTS_OK) {
        rc = STORE_ERROR;
        goto out;
    }
    id = json_get_string(cJSON_GetArrayItem(items, 0), "eventId");
    if (id == NULL)
        goto out;
    rc = events_get(s, id, &doc, err, sizeof(err));
    if (rc != EVENTS_OK) {
        rc = rc == EVENTS_NOTFOUND ? STORE_NOTFOUND : STORE_ERROR; /* purged meanwhile */
        goto out;
    }
    ev = json_get(doc, "event");
    if (cJSON_IsRaw(ev)) {
        struct json_error jerr;
        rc = json_parse(ev->valuestring, strlen(ev->valuestring), 600, env, &jerr) == 0
                 ? STORE_OK
                 : STORE_ERROR;
    } else {
        *env = cJSON_DetachItemViaPointer(doc, ev);
        rc = cJSON_IsObject(*env) ? STORE_OK : STORE_ERROR;
    }
out:
    cJSON_Delete(items);
    cJSON_Delete(doc);
    return rc;
}

/* The template context of the sample, as the preview and a run build it;
 * *source says where the sample came from. */
static int sample_context(struct store *s, const char *integration_id, cJSON **ctx,
                          const char **source, char *err, size_t errlen)
{
    cJSON *env = NULL;
    int rc = capture_sample(s, integration_id, &env);

    *ctx = NULL;
    *source = "capture";
    if (rc == STORE_NOTFOUND) {
        rc = newest_event(s, integration_id, &env);
        *source = "event";
    }
    if (rc == STORE_NOTFOUND) {
        snprintf(err, errlen,
                 "the integration has no sample: open Retrieve data on its page and "
                 "send one (or wait for its first event)");
        return TESTNODE_NO_SAMPLE;
    }
    if (rc != STORE_OK) {
        cJSON_Delete(env);
        snprintf(err, errlen, "cannot read the integration's sample: %s", store_strerror(rc));
        return TESTNODE_STORE;
    }
    *ctx = cJSON_CreateObject();
    cJSON_AddItemToObject(*ctx, "request", env);
    cJSON_AddItemToObject(*ctx, "event", cJSON_Duplicate(env, 1));
    cJSON_AddItemToObject(*ctx, "nodes", cJSON_CreateObject());
    cJSON_AddItemToObject(*ctx, "now", json_number_from_ll(isotime_now_ms()));
    return TESTNODE_OK;
}

/* The call's own fields: node, integrationId, workflowId. */
static int read_call(const cJSON *req, const cJSON **node, const char **integration_id,
                     const char **workflow_id, char *err, size_t errlen)
{
    const cJSON *wf = json_get(req, "workflowId");
    const char *type;

    *node = json_get(req, "node");
    *integration_id = json_get_string(req, "integrationId");
    *workflow_id = cJSON_IsString(wf) ? wf->valuestring : NULL;
    type = json_get_string(*node, "type");
    if (!cJSON_IsObject(req)) {
        snprintf(err, errlen, "body: must be {\"node\", \"integrationId\", \"workflowId\"?}");
        return TESTNODE_BAD_REQUEST;
    }
    if (!cJSON_IsObject(*node) || type == NULL || strcmp(type, "outgoing_integration") != 0) {
        snprintf(err, errlen, "node: required, an outgoing_integration node");
        return TESTNODE_BAD_REQUEST;
    }
    if (*integration_id == NULL || (*integration_id)[0] == '\0') {
        snprintf(err, errlen, "integrationId: required, the trigger's integration");
        return TESTNODE_BAD_REQUEST;
    }
    if (wf != NULL && !cJSON_IsNull(wf) && !cJSON_IsString(wf)) {
        snprintf(err, errlen, "workflowId: must be a workflow id");
        return TESTNODE_BAD_REQUEST;
    }
    return TESTNODE_OK;
}

int testnode_run(struct store *s, const struct config *cfg, const cJSON *req, cJSON **out,
                 char *err, size_t errlen)
{
    static int curl_ready;
    const cJSON *node;
    const char *integ, *wf_id, *event_id, *source = "";
    char run_id[UUID_LEN + 1];
    cJSON *merged = NULL, *ctx = NULL, *sample;
    struct runexec_attempt a = {NULL, 0, 0, -1, NULL};
    int rc;

    *out = NULL;
    rc = read_call(req, &node, &integ, &wf_id, err, errlen);
    if (rc == TESTNODE_OK)
        rc = check_integration(s, integ, err, errlen);
    if (rc == TESTNODE_OK)
        rc = prepare(s, node, integ, wf_id, &merged, err, errlen);
    if (rc == TESTNODE_OK)
        rc = sample_context(s, integ, &ctx, &source, err, errlen);
    if (rc == TESTNODE_OK &&
        (uuid_generate(run_id) != 0 || (!curl_ready && outgoing_global_init() != 0))) {
        snprintf(err, errlen, "cannot send requests now (out of resources)");
        rc = TESTNODE_STORE;
    }
    if (rc != TESTNODE_OK)
        goto out;
    curl_ready = 1;
    event_id = json_get_string(json_get(ctx, "request"), "eventId");
    /* The run id of a test is a fresh one: a receiver that deduplicates
     * by Idempotency-Key takes every test, and no run's key. */
    runexec_attempt(cfg, workflow_node(merged, json_get_string(node, "id")), ctx, run_id, event_id,
                    TESTNODE_TIMEOUT_MAX_MS, &a);
    LOG_INFO("node %.64s of integration %.36s tested: %s", json_get_string(node, "id"), integ,
             json_get(a.rec, "error") ? "failed" : "answered");
    *out = cJSON_CreateObject();
    cJSON_AddItemToObject(*out, "attempt", a.rec);
    a.rec = NULL;
    sample = cJSON_AddObjectToObject(*out, "sample");
    cJSON_AddStringToObject(sample, "source", source);
    cJSON_AddStringToObject(sample, "eventId", event_id ? event_id : "");
out:
    runexec_attempt_free(&a);
    cJSON_Delete(merged);
    cJSON_Delete(ctx);
    return rc;
}
