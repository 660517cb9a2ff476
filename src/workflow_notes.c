/* workflow_notes: orphaned workflows, URL warnings and what depends on an
 * integration or an API key (see workflow_notes.h). */
#include "workflow_notes.h"

#include "apikey.h"
#include "integration.h"
#include "json.h"
#include "target.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The business_event node (workflow.c has the same helper; this module
 * sits below it). */
static const cJSON *trigger_of(const cJSON *doc)
{
    const cJSON *n;

    cJSON_ArrayForEach(n, json_get(doc, "nodes"))
    {
        const char *type = json_get_string(n, "type");
        if (type && strcmp(type, "business_event") == 0)
            return n;
    }
    return NULL;
}

static void add_reason(cJSON *reasons, const char *fmt, const char *a, const char *b)
{
    char msg[400];

    snprintf(msg, sizeof(msg), fmt, a, b);
    cJSON_AddItemToArray(reasons, cJSON_CreateString(msg));
}

/* The trigger's integration: deleted or gone. */
static int check_trigger(struct store_txn *t, const cJSON *doc, cJSON *reasons)
{
    const cJSON *trig = trigger_of(doc);
    const char *nid = json_get_string(trig, "id"), *integ = json_get_string(trig, "integrationId");
    cJSON *it = NULL;
    int rc;

    if (trig == NULL || integ == NULL)
        return STORE_OK;
    rc = integration_get(t, integ, &it);
    if (rc == STORE_NOTFOUND) {
        add_reason(reasons, "nodes.%.64s: integrationId: no such integration (%.40s)", nid, integ);
        rc = STORE_OK;
    } else if (rc == STORE_OK && strcmp(integration_state(it), "deleted") == 0) {
        const char *name = json_get_string(it, "name");
        add_reason(reasons, "nodes.%.64s: integrationId: the integration \"%.100s\" was deleted",
                   nid, name ? name : integ);
    }
    cJSON_Delete(it);
    return rc;
}

/* The API keys of api_key auths: revoked or gone. */
static int check_keys(struct store_txn *t, const cJSON *doc, cJSON *reasons)
{
    const cJSON *n;

    cJSON_ArrayForEach(n, json_get(doc, "nodes"))
    {
        const cJSON *auth = json_get(n, "auth");
        const char *type = json_get_string(auth, "type"), *kid = json_get_string(auth, "apiKeyId");
        const char *nid = json_get_string(n, "id"), *state, *name;
        char msg[200];
        cJSON *key = NULL;
        int rc;

        if (type == NULL || strcmp(type, "api_key") != 0 || kid == NULL || nid == NULL)
            continue;
        rc = apikey_get(t, kid, &key);
        if (rc != STORE_OK && rc != STORE_NOTFOUND)
            return rc;
        state = json_get_string(key, "state");
        name = json_get_string(key, "name");
        snprintf(msg, sizeof(msg), "%.64s", nid);
        if (rc == STORE_NOTFOUND)
            add_reason(reasons, "nodes.%s: auth: apiKeyId: no such API key (%.40s)", msg, kid);
        else if (state == NULL || strcmp(state, "active") != 0)
            add_reason(reasons, "nodes.%s: auth: apiKeyId: the API key \"%.100s\" was revoked", msg,
                       name ? name : kid);
        cJSON_Delete(key);
    }
    return STORE_OK;
}

int workflow_notes_orphan(struct store_txn *t, const cJSON *doc, cJSON *reasons)
{
    int rc = check_trigger(t, doc, reasons);
    return rc == STORE_OK ? check_keys(t, doc, reasons) : rc;
}

struct orphan_arg {
    const cJSON *doc;
    cJSON *reasons;
};

static int orphan_fn(struct store_txn *t, void *arg)
{
    struct orphan_arg *a = arg;

    cJSON_Delete(a->reasons); /* the transaction may run again */
    a->reasons = cJSON_CreateArray();
    return workflow_notes_orphan(t, a->doc, a->reasons);
}

void workflow_notes_strip(cJSON *doc)
{
    cJSON_DeleteItemFromObjectCaseSensitive(doc, "orphaned");
    cJSON_DeleteItemFromObjectCaseSensitive(doc, "orphanReasons");
    cJSON_DeleteItemFromObjectCaseSensitive(doc, "warnings");
}

/* "nodes.<id>: url: ..." for each Outgoing Integration URL whose runs
 * would be refused. */
static cJSON *url_warnings(const struct config *cfg, const cJSON *doc)
{
    cJSON *out = cJSON_CreateArray();
    const cJSON *n;

    cJSON_ArrayForEach(n, json_get(doc, "nodes"))
    {
        const char *type = json_get_string(n, "type"), *url = json_get_string(n, "url");
        char why[700], msg[800];

        if (type == NULL || strcmp(type, "outgoing_integration") != 0 || url == NULL ||
            target_check_url(cfg, url, why, sizeof(why)) != 1)
            continue;
        snprintf(msg, sizeof(msg), "nodes.%.64s: url: %s", json_get_string(n, "id"), why);
        cJSON_AddItemToArray(out, cJSON_CreateString(msg));
    }
    return out;
}

void workflow_notes_add(struct store *s, const struct config *cfg, cJSON *doc, int urls)
{
    struct orphan_arg a = {doc, NULL};
    int rc = store_txn_run(s, orphan_fn, &a);

    workflow_notes_strip(doc);
    if (rc != STORE_OK || a.reasons == NULL) {
        cJSON_Delete(a.reasons);
        a.reasons = cJSON_CreateArray();
    }
    cJSON_AddBoolToObject(doc, "orphaned", cJSON_GetArraySize(a.reasons) > 0);
    cJSON_AddItemToObject(doc, "orphanReasons", a.reasons);
    if (urls)
        cJSON_AddItemToObject(doc, "warnings", url_warnings(cfg, doc));
}

struct used_arg {
    const char *id;
    int apikey;
    cJSON *workflows, *integrations;
};

static cJSON *ref(const cJSON *doc)
{
    cJSON *r = cJSON_CreateObject();
    const char *name = json_get_string(doc, "name"), *state = json_get_string(doc, "state");

    cJSON_AddStringToObject(r, "id", json_get_string(doc, "id") ? json_get_string(doc, "id") : "");
    cJSON_AddStringToObject(r, "name", name ? name : "");
    cJSON_AddStringToObject(r, "state", state ? state : "");
    return r;
}

/* 1 when workflow doc depends on a->id. */
static int workflow_uses(const cJSON *doc, const struct used_arg *a)
{
    const cJSON *n;

    if (!a->apikey) {
        const char *integ = json_get_string(trigger_of(doc), "integrationId");
        return integ != NULL && strcasecmp(integ, a->id) == 0;
    }
    cJSON_ArrayForEach(n, json_get(doc, "nodes"))
    {
        const cJSON *auth = json_get(n, "auth");
        const char *type = json_get_string(auth, "type"), *kid = json_get_string(auth, "apiKeyId");
        if (type && strcmp(type, "api_key") == 0 && kid && strcasecmp(kid, a->id) == 0)
            return 1;
    }
    return 0;
}

static int used_cb(const void *key, size_t klen, const void *pkey, size_t pklen, const void *val,
                   size_t vlen, void *arg, int integrations)
{
    struct used_arg *a = arg;
    struct json_error jerr;
    cJSON *doc = NULL;

    (void)key, (void)klen, (void)pkey, (void)pklen;
    if (json_parse(val, vlen, 128, &doc, &jerr) != 0)
        return 0;
    if (integrations) {
        const char *kid = json_get_string(doc, "apiKeyId");
        if (kid && strcasecmp(kid, a->id) == 0 && strcmp(integration_state(doc), "deleted") != 0)
            cJSON_AddItemToArray(a->integrations, ref(doc));
    } else if (workflow_uses(doc, a)) {
        cJSON_AddItemToArray(a->workflows, ref(doc));
    }
    cJSON_Delete(doc);
    return 0;
}

static int workflow_cb(const void *key, size_t klen, const void *pkey, size_t pklen,
                       const void *val, size_t vlen, void *arg)
{
    return used_cb(key, klen, pkey, pklen, val, vlen, arg, 0);
}

static int integration_cb(const void *key, size_t klen, const void *pkey, size_t pklen,
                          const void *val, size_t vlen, void *arg)
{
    return used_cb(key, klen, pkey, pklen, val, vlen, arg, 1);
}

static int used_fn(struct store_txn *t, void *arg)
{
    struct used_arg *a = arg;
    int rc;

    cJSON_Delete(a->workflows);
    cJSON_Delete(a->integrations);
    a->workflows = cJSON_CreateArray();
    a->integrations = a->apikey ? cJSON_CreateArray() : NULL;
    rc = store_scan(t, STORE_DB_WORKFLOWS, NULL, 0, 0, workflow_cb, a);
    if (rc == STORE_OK && a->apikey)
        rc = store_scan(t, STORE_DB_INTEGRATIONS, NULL, 0, 0, integration_cb, a);
    return rc;
}

int workflow_notes_used_by(struct store *s, const char *id, int apikey, cJSON **out)
{
    struct used_arg a = {id, apikey, NULL, NULL};
    int rc = store_txn_run(s, used_fn, &a);

    *out = NULL;
    if (rc != STORE_OK) {
        cJSON_Delete(a.workflows);
        cJSON_Delete(a.integrations);
        return rc;
    }
    *out = cJSON_CreateObject();
    if (a.integrations)
        cJSON_AddItemToObject(*out, "integrations", a.integrations);
    cJSON_AddItemToObject(*out, "workflows", a.workflows);
    return STORE_OK;
}
