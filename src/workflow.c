/* workflow: validation and storage of workflow documents. */
#include "workflow.h"

#include "apikey.h"
#include "docstore.h"
#include "filter.h"
#include "header_rules.h"
#include "integration.h"
#include "isotime.h"
#include "json.h"
#include "template.h"
#include "uuid.h"
#include "workflow_notes.h"
#include "workflow_secrets.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const cJSON *workflow_node(const cJSON *doc, const char *id)
{
    const cJSON *n;
    cJSON_ArrayForEach(n, json_get(doc, "nodes"))
    {
        const char *nid = json_get_string(n, "id");
        if (nid && strcmp(nid, id) == 0)
            return n;
    }
    return NULL;
}

const cJSON *workflow_trigger(const cJSON *doc)
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

static int valid_node_id(const char *id)
{
    size_t len = strlen(id);
    if (len == 0 || len > 64)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)id[i]) && id[i] != '_' && id[i] != '-')
            return 0;
    return 1;
}

/* Compiles a template field to report syntax errors at save time. */
static int check_template(const char *node, const char *field, const cJSON *v, char *err,
                          size_t errlen)
{
    struct template_error terr;
    struct template *t = NULL;

    if (!cJSON_IsString(v)) {
        snprintf(err, errlen, "nodes.%s: %s: must be a string", node, field);
        return -1;
    }
    if (template_compile(v->valuestring, strlen(v->valuestring), &t, &terr) != TEMPLATE_OK) {
        snprintf(err, errlen, "nodes.%s: %s: %s", node, field, terr.message);
        return -1;
    }
    template_free(t);
    return 0;
}

/* The header a bearer or header auth sends must be one that cannot break
 * the request (see header_rules.h); the values are static text here. */
static int check_auth_header(const char *node, const char *type, const cJSON *auth, char *err,
                             size_t errlen)
{
    const char *name = json_get_string(auth, "name");
    const char *value = json_get_string(auth, strcmp(type, "header") == 0 ? "value" : "token");
    char why[400];

    if (strcmp(type, "header") != 0 && strcmp(type, "bearer") != 0)
        return 0;
    if (name && strcmp(type, "header") == 0 &&
        header_rules_check_name(name, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "nodes.%s: auth: name: %s", node, why);
        return -1;
    }
    if (header_rules_check_value(value, strlen(value), why, sizeof(why)) != 0) {
        snprintf(err, errlen, "nodes.%s: auth: %s: %s", node,
                 strcmp(type, "header") == 0 ? "value" : "token", why);
        return -1;
    }
    return 0;
}

static int check_auth(struct store *s, const char *node, const cJSON *auth, char *err,
                      size_t errlen)
{
    const char *type = json_get_string(auth, "type");
    static const struct {
        const char *type;
        const char *f1, *f2;
    } kinds[] = {{"none", NULL, NULL},
                 {"basic", "username", "password"},
                 {"bearer", "token", NULL},
                 {"header", "name", "value"},
                 {"api_key", "apiKeyId", NULL}};

    if (auth == NULL)
        return 0;
    if (!cJSON_IsObject(auth) || type == NULL) {
        snprintf(err, errlen, "nodes.%s: auth: must be an object with a type", node);
        return -1;
    }
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strcmp(type, kinds[i].type) != 0)
            continue;
        if ((kinds[i].f1 && !cJSON_IsString(json_get(auth, kinds[i].f1))) ||
            (kinds[i].f2 && !cJSON_IsString(json_get(auth, kinds[i].f2)))) {
            snprintf(err, errlen, "nodes.%s: auth: type %s needs %s%s%s", node, type, kinds[i].f1,
                     kinds[i].f2 ? " and " : "", kinds[i].f2 ? kinds[i].f2 : "");
            return -1;
        }
        if (check_auth_header(node, type, auth, err, errlen) != 0)
            return -1;
        if (strcmp(type, "api_key") == 0) {
            cJSON *key = NULL;
            int rc = apikey_load(s, json_get_string(auth, "apiKeyId"), &key);
            cJSON_Delete(key);
            if (rc != STORE_OK) {
                snprintf(err, errlen, "nodes.%s: auth: apiKeyId: no such API key", node);
                return -1;
            }
        }
        return 0;
    }
    snprintf(err, errlen, "nodes.%s: auth: type must be none, basic, bearer, header or api_key",
             node);
    return -1;
}

/* A header of an outgoing node: a fixed name that may be sent, and a value
 * template whose own text holds no control character (what it inserts is
 * checked when the run renders it). */
static int check_header(const char *node, const cJSON *h, char *err, size_t errlen)
{
    char field[100], why[400];

    snprintf(field, sizeof(field), "headers.%.60s", h->string);
    if (header_rules_check_name(h->string, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "nodes.%s: %s: %s", node, field, why);
        return -1;
    }
    if (check_template(node, field, h, err, errlen) != 0)
        return -1;
    if (header_rules_check_value(h->valuestring, strlen(h->valuestring), why, sizeof(why)) != 0) {
        snprintf(err, errlen, "nodes.%s: %s: the template %s", node, field, why);
        return -1;
    }
    return 0;
}

static int check_outgoing(struct store *s, const cJSON *n, const char *id, char *err, size_t errlen)
{
    static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
    const char *method = json_get_string(n, "method");
    const cJSON *headers = json_get(n, "headers"), *h, *v;
    const char *action = json_get_string(n, "action");
    size_t i;

    if (action == NULL || action[0] == '\0' || strlen(action) > 100) {
        snprintf(err, errlen, "nodes.%s: action: required, 1 to 100 characters", id);
        return -1;
    }
    for (i = 0; method && i < sizeof(methods) / sizeof(methods[0]); i++)
        if (strcmp(method, methods[i]) == 0)
            break;
    if (method == NULL || i == sizeof(methods) / sizeof(methods[0])) {
        snprintf(err, errlen, "nodes.%s: method: must be GET, POST, PUT, PATCH or DELETE", id);
        return -1;
    }
    if (check_template(id, "url", json_get(n, "url"), err, errlen) != 0)
        return -1;
    if (headers != NULL && !cJSON_IsObject(headers)) {
        snprintf(err, errlen, "nodes.%s: headers: must be an object of strings", id);
        return -1;
    }
    cJSON_ArrayForEach(h, headers)
    {
        if (check_header(id, h, err, errlen) != 0)
            return -1;
    }
    if (json_get(n, "body") && check_template(id, "body", json_get(n, "body"), err, errlen) != 0)
        return -1;
    v = json_get(n, "timeoutMs");
    if (v && (!cJSON_IsNumber(v) || v->valuedouble < 100 || v->valuedouble > 300000)) {
        snprintf(err, errlen, "nodes.%s: timeoutMs: must be 100..300000", id);
        return -1;
    }
    v = json_get(json_get(n, "retry"), "maxAttempts");
    if (v && (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 100)) {
        snprintf(err, errlen, "nodes.%s: retry.maxAttempts: must be 1..100", id);
        return -1;
    }
    return check_auth(s, id, json_get(n, "auth"), err, errlen);
}

static int check_trigger(struct store *s, const cJSON *n, const char *id, char *err, size_t errlen)
{
    const char *integ = json_get_string(n, "integrationId");
    const cJSON *filter = json_get(n, "filter");
    cJSON *doc = NULL;
    int rc;

    if (integ == NULL || !uuid_valid(integ)) {
        snprintf(err, errlen, "nodes.%s: integrationId: required, an integration id", id);
        return -1;
    }
    rc = integration_load(s, integ, &doc);
    if (rc != STORE_OK || strcmp(integration_state(doc), "deleted") == 0) {
        cJSON_Delete(doc);
        snprintf(err, errlen, "nodes.%s: integrationId: no such integration", id);
        return -1;
    }
    cJSON_Delete(doc);
    if (filter != NULL && !cJSON_IsNull(filter)) {
        char ferr[200];
        if (filter_validate(filter, "filter", ferr, sizeof(ferr)) != 0) {
            snprintf(err, errlen, "nodes.%s: %s", id, ferr);
            return -1;
        }
    }
    return 0;
}

static int node_index(const cJSON *nodes, const char *id)
{
    int i = 0;
    const cJSON *n;
    cJSON_ArrayForEach(n, nodes)
    {
        const char *nid = json_get_string(n, "id");
        if (id != NULL && nid != NULL && strcmp(nid, id) == 0)
            return i;
        i++;
    }
    return -1;
}

/* Edges: pairs of existing node ids; the graph from the trigger must reach
 * every node and hold no cycle; nothing may lead into the trigger. */
static int check_graph(const cJSON *doc, char *err, size_t errlen)
{
    const cJSON *nodes = json_get(doc, "nodes"), *edges = json_get(doc, "edges"), *e;
    int n = cJSON_GetArraySize(nodes), trig = -1;
    unsigned char adj[WORKFLOW_MAX_NODES][WORKFLOW_MAX_NODES];
    int indeg[WORKFLOW_MAX_NODES] = {0}, queue[WORKFLOW_MAX_NODES], seen = 0, head = 0;

    memset(adj, 0, sizeof(adj));
    trig = node_index(nodes, json_get_string(workflow_trigger(doc), "id"));
    if (edges != NULL && !cJSON_IsArray(edges)) {
        snprintf(err, errlen, "edges: must be an array of [from, to] pairs");
        return -1;
    }
    cJSON_ArrayForEach(e, edges)
    {
        const cJSON *a = cJSON_GetArrayItem(e, 0), *b = cJSON_GetArrayItem(e, 1);
        int ia, ib;
        if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) != 2 || !cJSON_IsString(a) ||
            !cJSON_IsString(b)) {
            snprintf(err, errlen, "edges: each must be a [from, to] pair of node ids");
            return -1;
        }
        ia = node_index(nodes, a->valuestring);
        ib = node_index(nodes, b->valuestring);
        if (ia < 0 || ib < 0) {
            snprintf(err, errlen, "edges: nodes.%.64s: no such node",
                     ia < 0 ? a->valuestring : b->valuestring);
            return -1;
        }
        if (ib == trig || ia == ib) {
            snprintf(err, errlen, "nodes.%.64s: an edge may not lead %s", b->valuestring,
                     ib == trig ? "into the trigger" : "to itself");
            return -1;
        }
        if (!adj[ia][ib]) {
            adj[ia][ib] = 1;
            indeg[ib]++;
        }
    }
    /* Kahn's algorithm from the trigger: every node must be taken. */
    for (int i = 0; i < n; i++)
        if (indeg[i] == 0 && i != trig) {
            snprintf(err, errlen, "nodes.%s: not connected to the trigger",
                     json_get_string(cJSON_GetArrayItem(nodes, i), "id"));
            return -1;
        }
    queue[seen++] = trig;
    while (head < seen) {
        int u = queue[head++];
        for (int v = 0; v < n; v++)
            if (adj[u][v] && --indeg[v] == 0)
                queue[seen++] = v;
    }
    if (seen != n) {
        for (int i = 0; i < n; i++)
            if (indeg[i] > 0) {
                snprintf(err, errlen, "nodes.%s: part of a cycle",
                         json_get_string(cJSON_GetArrayItem(nodes, i), "id"));
                return -1;
            }
    }
    return 0;
}

int workflow_validate(struct store *s, const cJSON *doc, char *err, size_t errlen)
{
    const cJSON *nodes = json_get(doc, "nodes"), *n;
    const char *name = json_get_string(doc, "name");
    int triggers = 0, count;

    if (!cJSON_IsObject(doc)) {
        snprintf(err, errlen, "body: must be a workflow object");
        return -1;
    }
    if (name == NULL || name[0] == '\0' || strlen(name) > 200) {
        snprintf(err, errlen, "name: required, 1 to 200 characters");
        return -1;
    }
    if (json_text_has_control(name)) {
        snprintf(err, errlen, "name: control characters are not allowed");
        return -1;
    }
    count = cJSON_GetArraySize(nodes);
    if (!cJSON_IsArray(nodes) || count < 1 || count > WORKFLOW_MAX_NODES) {
        snprintf(err, errlen, "nodes: must be an array of 1 to %d nodes", WORKFLOW_MAX_NODES);
        return -1;
    }
    cJSON_ArrayForEach(n, nodes)
    {
        const char *id = json_get_string(n, "id");
        const char *type = json_get_string(n, "type");
        if (id == NULL || !valid_node_id(id)) {
            snprintf(err, errlen,
                     "nodes: each node needs an id of 1 to 64 letters, digits, _ or -");
            return -1;
        }
        if (workflow_node(doc, id) != n) {
            snprintf(err, errlen, "nodes.%s: id used twice", id);
            return -1;
        }
        if (type == NULL) {
            snprintf(err, errlen, "nodes.%s: type: required", id);
            return -1;
        }
        /* Credentials live on the nodes that send them: elsewhere they would
         * be stored and shown as they are (the public form masks outgoing
         * nodes; found by the api fuzz target). */
        if (strcmp(type, "outgoing_integration") != 0 &&
            (json_get(n, "auth") != NULL || json_get(n, "headers") != NULL)) {
            snprintf(err, errlen, "nodes.%s: %s: only outgoing_integration nodes have one", id,
                     json_get(n, "auth") != NULL ? "auth" : "headers");
            return -1;
        }
        if (strcmp(type, "business_event") == 0) {
            if (++triggers > 1) {
                snprintf(err, errlen,
                         "nodes.%s: a second business_event trigger (exactly one is allowed)", id);
                return -1;
            }
            if (check_trigger(s, n, id, err, errlen) != 0)
                return -1;
        } else if (strcmp(type, "outgoing_integration") == 0) {
            if (check_outgoing(s, n, id, err, errlen) != 0)
                return -1;
        } else if (strcmp(type, "end") != 0) {
            snprintf(err, errlen,
                     "nodes.%s: type: must be business_event, outgoing_integration or end", id);
            return -1;
        }
    }
    if (triggers != 1) {
        snprintf(err, errlen, "nodes: exactly one business_event trigger is required (found %d)",
                 triggers);
        return -1;
    }
    return check_graph(doc, err, errlen);
}

/* End i (0 or 1) of an edge that is a [from, to] pair of strings, else
 * NULL. */
static const char *edge_end(const cJSON *e, int i)
{
    const cJSON *v =
        cJSON_IsArray(e) && cJSON_GetArraySize(e) == 2 ? cJSON_GetArrayItem(e, i) : NULL;
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int workflow_order(const cJSON *doc, const char *order[WORKFLOW_MAX_NODES])
{
    const cJSON *nodes = json_get(doc, "nodes"), *e;
    int n = cJSON_GetArraySize(nodes), indeg[WORKFLOW_MAX_NODES] = {0}, seen = 0, head = 0;
    int queue[WORKFLOW_MAX_NODES];

    int trig = node_index(nodes, json_get_string(workflow_trigger(doc), "id"));

    /* The runner reads stored documents, which were validated when saved;
     * one that is not what validation lets through (a damaged record) gives
     * -1 here rather than a crash: edges that are not pairs of strings are
     * passed over, a node without an id ends the walk. */
    if (!cJSON_IsArray(nodes) || n > WORKFLOW_MAX_NODES || trig < 0)
        return -1;
    cJSON_ArrayForEach(e, json_get(doc, "edges"))
    {
        int b = edge_end(e, 0) ? node_index(nodes, edge_end(e, 1)) : -1;
        if (b >= 0)
            indeg[b]++;
    }
    queue[seen++] = trig;
    while (head < seen) {
        int u = queue[head++];
        const char *uid = json_get_string(cJSON_GetArrayItem(nodes, u), "id");
        if (uid == NULL)
            return -1;
        order[head - 1] = uid;
        cJSON_ArrayForEach(e, json_get(doc, "edges"))
        {
            const char *from = edge_end(e, 0);
            if (from != NULL && strcmp(from, uid) == 0) {
                int v = node_index(nodes, edge_end(e, 1));
                if (v >= 0 && --indeg[v] == 0 && seen < WORKFLOW_MAX_NODES)
                    queue[seen++] = v;
            }
        }
    }
    return seen;
}

/* The stored form: the validated document with id, state and times. */
static cJSON *stored_form(const cJSON *doc, const char *id, const char *state, long long created)
{
    cJSON *out = cJSON_Duplicate(doc, 1);
    const char *want = json_get_string(doc, "state");

    if (out == NULL)
        return NULL;
    if (want && (strcmp(want, "published") == 0 || strcmp(want, "unpublished") == 0 ||
                 strcmp(want, "draft") == 0))
        state = want;
    cJSON_DeleteItemFromObjectCaseSensitive(out, "id");
    cJSON_DeleteItemFromObjectCaseSensitive(out, "state");
    cJSON_DeleteItemFromObjectCaseSensitive(out, "createdAt");
    cJSON_DeleteItemFromObjectCaseSensitive(out, "updatedAt");
    workflow_notes_strip(out);
    cJSON_AddStringToObject(out, "id", id);
    cJSON_AddStringToObject(out, "state", state);
    cJSON_AddItemToObject(out, "createdAt", json_number_from_ll(created));
    cJSON_AddItemToObject(out, "updatedAt", json_number_from_ll(isotime_now_ms()));
    if (!json_get(out, "edges"))
        cJSON_AddItemToObject(out, "edges", cJSON_CreateArray());
    return out;
}

static int put_fn(struct store_txn *t, void *arg)
{
    return docstore_put(t, STORE_DB_WORKFLOWS, arg, 0);
}

/* Stores stored (NULL: out of memory), frees it, and hands its public form
 * to *out. */
static int save(struct store *s, const struct config *cfg, cJSON *stored, cJSON **out, char *err,
                size_t errlen)
{
    int rc = stored ? store_txn_run(s, put_fn, stored) : STORE_NOMEM;

    if (rc == STORE_OK && (*out = workflow_secrets_public(stored, cfg, NULL)) == NULL)
        rc = STORE_NOMEM;
    cJSON_Delete(stored);
    if (rc != STORE_OK) {
        snprintf(err, errlen, "cannot store the workflow: %s", store_strerror(rc));
        return WORKFLOW_STORE;
    }
    return WORKFLOW_OK;
}

/* The document the client sent, with its credential flags and markers
 * resolved against old (NULL for a new workflow), validated. */
static int prepare(struct store *s, const cJSON *doc, const cJSON *old, cJSON **merged, char *err,
                   size_t errlen)
{
    if (!cJSON_IsObject(doc)) {
        snprintf(err, errlen, "body: must be a workflow object");
        return WORKFLOW_INVALID;
    }
    if (workflow_secrets_merge(doc, old, merged, err, errlen) != 0)
        return WORKFLOW_INVALID;
    if (workflow_validate(s, *merged, err, errlen) != 0) {
        cJSON_Delete(*merged);
        *merged = NULL;
        return WORKFLOW_INVALID;
    }
    return WORKFLOW_OK;
}

int workflow_create(struct store *s, const struct config *cfg, const cJSON *doc, cJSON **out,
                    char *err, size_t errlen)
{
    char id[UUID_LEN + 1];
    cJSON *merged = NULL;
    int rc;

    *out = NULL;
    rc = prepare(s, doc, NULL, &merged, err, errlen);
    if (rc == WORKFLOW_OK && uuid_generate(id) != 0)
        rc = WORKFLOW_STORE;
    if (rc == WORKFLOW_OK)
        rc = save(s, cfg, stored_form(merged, id, "draft", isotime_now_ms()), out, err, errlen);
    cJSON_Delete(merged);
    return rc;
}

int workflow_replace(struct store *s, const struct config *cfg, const char *id, const cJSON *doc,
                     cJSON **out, char *err, size_t errlen)
{
    cJSON *old = NULL, *merged = NULL;
    int rc;

    *out = NULL;
    rc = docstore_load(s, STORE_DB_WORKFLOWS, id, &old);
    if (rc == STORE_NOTFOUND) {
        snprintf(err, errlen, "no workflow with id %.40s", id);
        return WORKFLOW_NOTFOUND;
    }
    if (rc != STORE_OK) {
        snprintf(err, errlen, "cannot read the workflow: %s", store_strerror(rc));
        return WORKFLOW_STORE;
    }
    rc = prepare(s, doc, old, &merged, err, errlen);
    if (rc == WORKFLOW_OK)
        rc = save(s, cfg,
                  stored_form(merged, json_get_string(old, "id"), json_get_string(old, "state"),
                              json_get_ll(old, "createdAt", isotime_now_ms())),
                  out, err, errlen);
    cJSON_Delete(merged);
    cJSON_Delete(old);
    return rc;
}

static int delete_fn(struct store_txn *t, void *arg)
{
    char key[UUID_LEN + 1];
    if (uuid_parse(arg, strlen(arg), key) != 0)
        return STORE_NOTFOUND;
    return store_del(t, STORE_DB_WORKFLOWS, key, UUID_LEN);
}

int workflow_delete(struct store *s, const char *id)
{
    int rc = store_txn_run(s, delete_fn, (void *)id);
    if (rc == STORE_NOTFOUND)
        return WORKFLOW_NOTFOUND;
    return rc == STORE_OK ? WORKFLOW_OK : WORKFLOW_STORE;
}

struct state_arg {
    const char *id, *state;
    cJSON *doc;
    cJSON *orphan; /* why the workflow cannot be published */
};

static int state_fn(struct store_txn *t, void *arg)
{
    struct state_arg *a = arg;
    int rc;

    cJSON_Delete(a->doc);
    rc = docstore_get(t, STORE_DB_WORKFLOWS, a->id, 1, &a->doc);
    if (rc != STORE_OK)
        return rc;
    if (strcmp(a->state, "published") == 0) {
        cJSON_Delete(a->orphan);
        a->orphan = cJSON_CreateArray();
        rc = workflow_notes_orphan(t, a->doc, a->orphan);
        if (rc != STORE_OK)
            return rc;
        if (cJSON_GetArraySize(a->orphan) > 0)
            return STORE_ABORT;
    }
    cJSON_ReplaceItemInObjectCaseSensitive(a->doc, "state", cJSON_CreateString(a->state));
    cJSON_ReplaceItemInObjectCaseSensitive(a->doc, "updatedAt",
                                           json_number_from_ll(isotime_now_ms()));
    return docstore_put(t, STORE_DB_WORKFLOWS, a->doc, 0);
}

int workflow_set_state(struct store *s, const struct config *cfg, const char *id, const char *state,
                       cJSON **out, char *err, size_t errlen)
{
    struct state_arg a = {id, state, NULL, NULL};
    int rc = store_txn_run(s, state_fn, &a);

    *out = NULL;
    err[0] = '\0';
    if (rc == STORE_ABORT && cJSON_GetArraySize(a.orphan) > 0) {
        snprintf(err, errlen, "the workflow is orphaned and cannot be published: %s",
                 cJSON_GetArrayItem(a.orphan, 0)->valuestring);
        cJSON_Delete(a.orphan);
        cJSON_Delete(a.doc);
        return WORKFLOW_ORPHANED;
    }
    cJSON_Delete(a.orphan);
    if (rc == STORE_OK && (*out = workflow_secrets_public(a.doc, cfg, NULL)) == NULL)
        rc = STORE_NOMEM;
    cJSON_Delete(a.doc);
    if (rc != STORE_OK)
        return rc == STORE_NOTFOUND ? WORKFLOW_NOTFOUND : WORKFLOW_STORE;
    return WORKFLOW_OK;
}

int workflow_load(struct store *s, const char *id, cJSON **out)
{
    return docstore_load(s, STORE_DB_WORKFLOWS, id, out);
}

int workflow_load_public(struct store *s, const struct config *cfg, const char *id, cJSON **out,
                         int *masked)
{
    cJSON *doc = NULL;
    int rc = docstore_load(s, STORE_DB_WORKFLOWS, id, &doc);

    *out = NULL;
    if (rc == STORE_OK && (*out = workflow_secrets_public(doc, cfg, masked)) == NULL)
        rc = STORE_NOMEM;
    cJSON_Delete(doc);
    return rc;
}

/* A list item: the public form (NULL, which skips it, when out of memory:
 * never the stored form). */
static cJSON *public_item(cJSON *doc, void *cfg)
{
    cJSON *pub = workflow_secrets_public(doc, cfg, NULL);
    cJSON_Delete(doc);
    return pub;
}

int workflow_list(struct store *s, const struct config *cfg, const char *cursor, int limit,
                  cJSON **items, char next[64])
{
    int rc =
        docstore_list(s, STORE_DB_WORKFLOWS, cursor, limit, public_item, (void *)cfg, items, next);
    if (rc == STORE_NOTFOUND)
        return WORKFLOW_INVALID;
    return rc == STORE_OK ? WORKFLOW_OK : WORKFLOW_STORE;
}

struct match_arg {
    const char *integration_id;
    cJSON *out;
};

static int match_cb(const void *key, size_t klen, const void *pkey, size_t pklen, const void *val,
                    size_t vlen, void *arg)
{
    struct match_arg *a = arg;
    struct json_error jerr;
    const char *state, *integ;
    cJSON *doc = NULL;

    (void)key, (void)klen, (void)pkey, (void)pklen;
    if (json_parse(val, vlen, 128, &doc, &jerr) != 0)
        return 0;
    state = json_get_string(doc, "state");
    integ = json_get_string(workflow_trigger(doc), "integrationId");
    if (state && integ && strcmp(state, "published") == 0 &&
        strcasecmp(integ, a->integration_id) == 0)
        cJSON_AddItemToArray(a->out, doc);
    else
        cJSON_Delete(doc);
    return 0;
}

int workflow_matching(struct store_txn *t, const char *integration_id, cJSON **out)
{
    struct match_arg a = {integration_id, cJSON_CreateArray()};
    int rc = store_scan(t, STORE_DB_WORKFLOWS, NULL, 0, 0, match_cb, &a);

    if (rc != STORE_OK) {
        cJSON_Delete(a.out);
        a.out = NULL;
    }
    *out = a.out;
    return rc;
}
