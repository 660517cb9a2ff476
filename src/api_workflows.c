/* api_workflows: /api/v1/workflows (SPEC sections 7 and 8). */
#include "api.h"

#include "testnode.h"
#include "uuid.h"
#include "workflow.h"
#include "workflow_notes.h"

#include <string.h>

static void workflow_error(struct api_call *c, int rc, const char *err)
{
    if (rc == WORKFLOW_INVALID)
        api_error(c, 400, "invalid_workflow", "%s", err);
    else if (rc == WORKFLOW_ORPHANED)
        api_error(c, 409, "orphaned", "%s", err);
    else if (rc == WORKFLOW_NOTFOUND || rc == STORE_NOTFOUND)
        api_error(c, 404, "not_found", "no such workflow");
    else
        api_store_error(c, STORE_UNAVAILABLE, "workflow");
}

/* A workflow as the API answers it: with its orphan state and the
 * warnings about URLs that runs would refuse (workflow_notes.h). */
static void send_workflow(struct api_call *c, int status, cJSON *doc)
{
    workflow_notes_add(c->req->store, c->req->cfg, doc, 1);
    api_send(c, status, doc);
}

/* POST /api/v1/workflows/test-node: the editor's "Test with the sample"
 * (testnode.h). */
static void test_node(struct api_call *c)
{
    static const struct {
        int rc, status;
        const char *code;
    } errors[] = {{TESTNODE_BAD_REQUEST, 400, "invalid_request"},
                  {TESTNODE_INVALID, 400, "invalid_workflow"},
                  {TESTNODE_NOTFOUND, 404, "not_found"},
                  {TESTNODE_NO_SAMPLE, 409, "no_sample"}};
    char err[640];
    cJSON *out = NULL;
    int rc;

    if (!api_is(c, "POST")) {
        api_method_not_allowed(c, "POST");
        return;
    }
    rc = testnode_run(c->req->store, c->req->cfg, c->body, &out, err, sizeof(err));
    if (rc == TESTNODE_OK) {
        api_send(c, 200, out);
        return;
    }
    for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
        if (errors[i].rc == rc) {
            api_error(c, errors[i].status, errors[i].code, "%s", err);
            return;
        }
    http_send_error(c->req, 503, "unavailable", err, "Retry-After: 5\r\n");
}

void api_workflows(struct api_call *c)
{
    char cursor[64], next[64], err[640], id[UUID_LEN + 1];
    cJSON *items = NULL, *doc = NULL;
    int limit, rc;

    if (c->nseg == 1) {
        if (api_is(c, "GET")) {
            if (api_page_params(c, &limit, cursor, sizeof(cursor)) != 0)
                return;
            rc = workflow_list(c->req->store, c->req->cfg, cursor, limit, &items, next);
            if (rc == WORKFLOW_INVALID)
                api_error(c, 400, "invalid_request", "cursor: not a cursor from this list");
            else if (rc != WORKFLOW_OK)
                workflow_error(c, rc, "");
            else {
                cJSON *it;
                cJSON_ArrayForEach(it, items)
                {
                    workflow_notes_add(c->req->store, c->req->cfg, it, 0);
                }
                api_send(c, 200, api_page(items, next));
            }
        } else if (api_is(c, "POST")) {
            rc = workflow_create(c->req->store, c->req->cfg, c->body, &doc, err, sizeof(err));
            if (rc != WORKFLOW_OK)
                workflow_error(c, rc, err);
            else
                send_workflow(c, 201, doc);
        } else {
            api_method_not_allowed(c, "GET, POST");
        }
        return;
    }
    if (c->nseg == 2 && strcmp(c->seg[1], "test-node") == 0) {
        test_node(c);
        return;
    }
    if (uuid_parse(c->seg[1], strlen(c->seg[1]), id) != 0 || c->nseg > 3) {
        api_error(c, 404, "not_found", "no such workflow");
        return;
    }
    if (c->nseg == 3) {
        const char *state = strcmp(c->seg[2], "publish") == 0     ? "published"
                            : strcmp(c->seg[2], "unpublish") == 0 ? "unpublished"
                                                                  : NULL;
        if (state == NULL) {
            api_error(c, 404, "not_found", "no such route");
            return;
        }
        if (!api_is(c, "POST")) {
            api_method_not_allowed(c, "POST");
            return;
        }
        rc = workflow_set_state(c->req->store, c->req->cfg, id, state, &doc, err, sizeof(err));
        if (rc != WORKFLOW_OK)
            workflow_error(c, rc, err);
        else
            send_workflow(c, 200, doc);
        return;
    }
    if (api_is(c, "GET")) {
        rc = workflow_load_public(c->req->store, c->req->cfg, id, &doc, NULL);
        if (rc != STORE_OK)
            api_store_error(c, rc, "workflow");
        else
            send_workflow(c, 200, doc);
    } else if (api_is(c, "PUT")) {
        rc = workflow_replace(c->req->store, c->req->cfg, id, c->body, &doc, err, sizeof(err));
        if (rc != WORKFLOW_OK)
            workflow_error(c, rc, err);
        else
            send_workflow(c, 200, doc);
    } else if (api_is(c, "DELETE")) {
        rc = workflow_delete(c->req->store, id);
        if (rc != WORKFLOW_OK)
            workflow_error(c, rc, "");
        else
            api_send(c, 204, NULL);
    } else {
        api_method_not_allowed(c, "GET, PUT, DELETE");
    }
}
