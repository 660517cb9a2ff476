/* api_integrations: /api/v1/integrations and their capture, apply,
 * publish/unpublish and events (SPEC section 7). */
#include "api.h"

#include "capture.h"
#include "events.h"
#include "integration.h"
#include "json.h"
#include "store.h"
#include "uuid.h"
#include "workflow_notes.h"

#include <stdio.h>
#include <string.h>

/* Maps an integration_status to an answer. */
static void integration_error(struct api_call *c, int rc, const char *err)
{
    switch (rc) {
    case INTEGRATION_INVALID:
        api_error(c, 400, "invalid_request", "%s", err);
        break;
    case INTEGRATION_NOTFOUND:
        api_error(c, 404, "not_found", "%s", err);
        break;
    case INTEGRATION_GONE:
        api_error(c, 410, "gone", "%s", err);
        break;
    case INTEGRATION_CONFLICT:
        api_error(c, 409, "conflict", "%s", err);
        break;
    default:
        http_send_error(c->req, 503, "unavailable", err, "Retry-After: 5\r\n");
    }
}

static void send_public(struct api_call *c, int status, cJSON *doc)
{
    cJSON *pub = integration_public(doc, c->req->cfg);
    cJSON_Delete(doc);
    api_send(c, status, pub);
}

static void collection(struct api_call *c)
{
    char cursor[64], next[64], err[256];
    cJSON *items = NULL, *doc = NULL;
    int limit, rc;

    if (api_is(c, "GET")) {
        if (api_page_params(c, &limit, cursor, sizeof(cursor)) != 0)
            return;
        rc = integration_list(c->req->store, c->req->cfg, cursor, limit, &items, next);
        if (rc == INTEGRATION_INVALID)
            api_error(c, 400, "invalid_request", "cursor: not a cursor from this list");
        else if (rc != INTEGRATION_OK)
            api_store_error(c, STORE_UNAVAILABLE, "integration");
        else
            api_send(c, 200, api_page(items, next));
        return;
    }
    if (!api_is(c, "POST")) {
        api_method_not_allowed(c, "GET, POST");
        return;
    }
    rc = integration_create(c->req->store, c->body, &doc, err, sizeof(err));
    if (rc != INTEGRATION_OK) {
        integration_error(c, rc, c->body ? err : "body: a JSON object is required");
        return;
    }
    send_public(c, 201, doc);
}

/* Reads an integration that must exist and not be deleted. */
static cJSON *existing(struct api_call *c, const char *id)
{
    cJSON *doc = NULL;
    int rc = integration_load(c->req->store, id, &doc);

    if (rc != STORE_OK) {
        api_store_error(c, rc, "integration");
        return NULL;
    }
    if (strcmp(integration_state(doc), "deleted") == 0) {
        cJSON_Delete(doc);
        api_error(c, 410, "gone", "integration %s was deleted", id);
        return NULL;
    }
    return doc;
}

static void one(struct api_call *c, const char *id)
{
    char err[256];
    cJSON *doc = NULL;
    int rc;

    if (api_is(c, "GET")) {
        cJSON *pub, *used = NULL;
        doc = existing(c, id);
        if (doc == NULL)
            return;
        pub = integration_public(doc, c->req->cfg);
        cJSON_Delete(doc);
        /* What depends on it, for the confirmation before a delete. */
        rc = workflow_notes_used_by(c->req->store, id, 0, &used);
        if (rc != STORE_OK) {
            cJSON_Delete(pub);
            api_store_error(c, rc, "integration");
            return;
        }
        cJSON_AddItemToObject(pub, "usedBy", used);
        api_send(c, 200, pub);
        return;
    }
    if (api_is(c, "PATCH")) {
        if (!cJSON_IsObject(c->body)) {
            api_error(c, 400, "invalid_request", "body: a JSON object is required");
            return;
        }
        rc = integration_update(c->req->store, id, c->body, &doc, err, sizeof(err));
        if (rc != INTEGRATION_OK)
            integration_error(c, rc, err);
        else
            send_public(c, 200, doc);
        return;
    }
    if (api_is(c, "DELETE")) {
        rc = integration_set_state(c->req->store, id, "deleted", NULL, err, sizeof(err));
        if (rc != INTEGRATION_OK)
            integration_error(c, rc, err);
        else
            api_send(c, 204, NULL);
        return;
    }
    api_method_not_allowed(c, "GET, PATCH, DELETE");
}

static void capture(struct api_call *c, const char *id)
{
    long long expires = 0;
    cJSON *doc, *out = NULL;
    int rc;

    if (!api_is(c, "GET") && !api_is(c, "POST")) {
        api_method_not_allowed(c, "GET, POST");
        return;
    }
    doc = existing(c, id);
    if (doc == NULL)
        return;
    if (api_is(c, "POST")) {
        rc = capture_open(c->req->store, c->req->cfg, json_get_string(doc, "id"), c->req->now_ms,
                          &expires);
        cJSON_Delete(doc);
        if (rc != STORE_OK) {
            api_store_error(c, rc == STORE_NOTFOUND ? STORE_ERROR : rc, "integration");
            return;
        }
        out = cJSON_CreateObject();
        cJSON_AddItemToObject(out, "expiresAt", json_number_from_ll(expires));
        cJSON_AddItemToObject(out, "seconds", json_number_from_ll(c->req->cfg->capture_seconds));
        cJSON_AddStringToObject(out, "status", "waiting");
        api_send(c, 202, out);
        return;
    }
    rc = capture_status(c->req->store, json_get_string(doc, "id"), c->req->now_ms, &out);
    cJSON_Delete(doc);
    if (rc == STORE_NOTFOUND) {
        out = cJSON_CreateObject();
        cJSON_AddStringToObject(out, "status", "expired");
        cJSON_AddItemToObject(out, "secondsLeft", json_number_from_ll(0));
        rc = STORE_OK;
    }
    if (rc != STORE_OK)
        api_store_error(c, rc, "integration");
    else
        api_send(c, 200, out);
}

static void apply(struct api_call *c, const char *id)
{
    cJSON *params = NULL, *doc = NULL;
    char err[256];
    int rc;

    if (!api_is(c, "POST")) {
        api_method_not_allowed(c, "POST");
        return;
    }
    if ((doc = existing(c, id)) == NULL)
        return;
    rc = capture_parameters(c->req->store, json_get_string(doc, "id"), &params);
    cJSON_Delete(doc);
    doc = NULL;
    if (rc == STORE_NOTFOUND) {
        api_error(c, 409, "no_sample", "no sample was received: open Retrieve data and send one");
        return;
    }
    if (rc != STORE_OK) {
        api_store_error(c, rc, "integration");
        return;
    }
    rc = integration_set_parameters(c->req->store, id, params, &doc, err, sizeof(err));
    cJSON_Delete(params);
    if (rc != INTEGRATION_OK)
        integration_error(c, rc, err);
    else
        send_public(c, 200, doc);
}

static void transition(struct api_call *c, const char *id, const char *state)
{
    char err[256];
    cJSON *doc = NULL;
    int rc;

    if (!api_is(c, "POST")) {
        api_method_not_allowed(c, "POST");
        return;
    }
    rc = integration_set_state(c->req->store, id, state, &doc, err, sizeof(err));
    if (rc != INTEGRATION_OK)
        integration_error(c, rc, err);
    else
        send_public(c, 200, doc);
}

static void events(struct api_call *c, const char *id)
{
    char cursor[EVENTS_CURSOR_LEN], next[EVENTS_CURSOR_LEN], err[256];
    cJSON *items = NULL, *doc;
    int limit, rc;

    if (!api_is(c, "GET")) {
        api_method_not_allowed(c, "GET");
        return;
    }
    if (api_page_params(c, &limit, cursor, sizeof(cursor)) != 0)
        return;
    if ((doc = existing(c, id)) == NULL)
        return;
    rc = events_list(c->req->store, json_get_string(doc, "id"), cursor, limit, &items, next, err,
                     sizeof(err));
    cJSON_Delete(doc);
    if (rc == EVENTS_INVALID)
        api_error(c, 400, "invalid_request", "%s", err);
    else if (rc != EVENTS_OK)
        api_store_error(c, STORE_UNAVAILABLE, "event");
    else
        api_send(c, 200, api_page(items, next));
}

void api_integrations(struct api_call *c)
{
    char id[UUID_LEN + 1];

    if (c->nseg == 1) {
        collection(c);
        return;
    }
    if (uuid_parse(c->seg[1], strlen(c->seg[1]), id) != 0) {
        api_error(c, 404, "not_found", "no such integration");
        return;
    }
    if (c->nseg == 2)
        one(c, id);
    else if (c->nseg == 3 && strcmp(c->seg[2], "capture") == 0)
        capture(c, id);
    else if (c->nseg == 3 && strcmp(c->seg[2], "apply") == 0)
        apply(c, id);
    else if (c->nseg == 3 && strcmp(c->seg[2], "publish") == 0)
        transition(c, id, "published");
    else if (c->nseg == 3 && strcmp(c->seg[2], "unpublish") == 0)
        transition(c, id, "unpublished");
    else if (c->nseg == 3 && strcmp(c->seg[2], "events") == 0)
        events(c, id);
    else
        api_error(c, 404, "not_found", "no such route");
}
