/* api_apikeys: /api/v1/apikeys (list, create with the secret shown once,
 * revoke). */
#include "api.h"

#include "apikey.h"
#include "uuid.h"
#include "workflow_notes.h"

#include <string.h>

void api_apikeys(struct api_call *c)
{
    char cursor[64], next[64], err[256], id[UUID_LEN + 1];
    cJSON *items = NULL, *doc = NULL;
    int limit, rc;

    if (c->nseg == 1 && api_is(c, "GET")) {
        if (api_page_params(c, &limit, cursor, sizeof(cursor)) != 0)
            return;
        rc = apikey_list(c->req->store, cursor, limit, &items, next);
        if (rc == APIKEY_INVALID)
            api_error(c, 400, "invalid_request", "cursor: not a cursor from this list");
        else if (rc != APIKEY_OK)
            api_store_error(c, STORE_UNAVAILABLE, "API key");
        else
            api_send(c, 200, api_page(items, next));
        return;
    }
    if (c->nseg == 1 && api_is(c, "POST")) {
        rc = apikey_create(c->req->store, c->body, &doc, err, sizeof(err));
        if (rc == APIKEY_INVALID)
            api_error(c, 400, "invalid_request", "%s",
                      c->body ? err : "body: a JSON object is required");
        else if (rc != APIKEY_OK)
            api_store_error(c, STORE_UNAVAILABLE, "API key");
        else
            api_send(c, 201, doc); /* the only time the secret is shown */
        return;
    }
    if (c->nseg == 1) {
        api_method_not_allowed(c, "GET, POST");
        return;
    }
    if (c->nseg != 2 || uuid_parse(c->seg[1], strlen(c->seg[1]), id) != 0) {
        api_error(c, 404, "not_found", "no such API key");
        return;
    }
    if (api_is(c, "GET")) {
        cJSON *pub, *used = NULL;
        rc = apikey_load(c->req->store, id, &doc);
        if (rc == STORE_OK)
            rc = workflow_notes_used_by(c->req->store, id, 1, &used);
        if (rc != STORE_OK) {
            cJSON_Delete(doc);
            api_store_error(c, rc, "API key");
            return;
        }
        /* What depends on it, for the confirmation before a revoke. */
        pub = apikey_public(doc);
        cJSON_Delete(doc);
        cJSON_AddItemToObject(pub, "usedBy", used);
        api_send(c, 200, pub);
        return;
    }
    if (!api_is(c, "DELETE")) {
        api_method_not_allowed(c, "GET, DELETE");
        return;
    }
    rc = apikey_revoke(c->req->store, id, NULL, err, sizeof(err));
    if (rc == APIKEY_NOTFOUND)
        api_error(c, 404, "not_found", "%s", err);
    else if (rc != APIKEY_OK)
        api_store_error(c, STORE_UNAVAILABLE, "API key");
    else
        api_send(c, 204, NULL);
}
