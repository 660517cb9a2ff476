/* api_runs: /api/v1/runs (the run log), retry and replay of one run. */
#include "api.h"

#include "plan.h"
#include "run.h"
#include "uuid.h"

#include <string.h>

static const char *const run_states[] = {"queued", "running",  "succeeded",
                                         "failed", "retrying", "skipped"};

static void list(struct api_call *c)
{
    char cursor[160], next[128], state[32], wf[64], ev[64];
    cJSON *items = NULL;
    int limit, rc, have_state, ok = 0;

    if (api_page_params(c, &limit, cursor, sizeof(cursor)) != 0)
        return;
    have_state = api_query(c, "state", state, sizeof(state)) && state[0];
    for (size_t i = 0; have_state && i < sizeof(run_states) / sizeof(run_states[0]); i++)
        ok |= strcmp(state, run_states[i]) == 0;
    if (have_state && !ok) {
        api_error(c, 400, "invalid_request",
                  "state: one of queued, running, succeeded, failed, retrying, skipped");
        return;
    }
    if ((api_query(c, "workflowId", wf, sizeof(wf)) && wf[0] && !uuid_valid(wf)) ||
        (api_query(c, "eventId", ev, sizeof(ev)) && ev[0] && !uuid_valid(ev))) {
        api_error(c, 400, "invalid_request", "workflowId and eventId must be ids");
        return;
    }
    rc = run_list(c->req->store, have_state ? state : NULL, wf[0] ? wf : NULL, ev[0] ? ev : NULL,
                  cursor, limit, &items, next);
    if (rc == STORE_NOTFOUND)
        api_error(c, 400, "invalid_request", "cursor: not a cursor from this list");
    else if (rc != STORE_OK)
        api_store_error(c, rc, "run");
    else
        api_send(c, 200, api_page(items, next));
}

/* A new run of the run's workflow for its event (the run itself stays as
 * it is): what a succeeded run offers instead of Retry. */
static void replay(struct api_call *c, const char *id)
{
    char err[256];
    cJSON *run = NULL;
    int rc = plan_replay_run(c->req->store, id, c->req->now_ms, &run, err, sizeof(err));

    if (rc == STORE_ABORT)
        api_error(c, 409, "conflict", "%s", err);
    else if (rc != STORE_OK)
        api_store_error(c, rc, "run");
    else {
        c->res->wake_runner = 1;
        api_send(c, 201, run);
    }
}

void api_runs(struct api_call *c)
{
    char id[UUID_LEN + 1], err[256];
    cJSON *run = NULL;
    int rc;

    if (c->nseg == 1) {
        if (api_is(c, "GET"))
            list(c);
        else
            api_method_not_allowed(c, "GET");
        return;
    }
    if (uuid_parse(c->seg[1], strlen(c->seg[1]), id) != 0 || c->nseg > 3 ||
        (c->nseg == 3 && strcmp(c->seg[2], "retry") != 0 && strcmp(c->seg[2], "replay") != 0)) {
        api_error(c, 404, "not_found", "no such run");
        return;
    }
    if (c->nseg == 2) {
        if (!api_is(c, "GET")) {
            api_method_not_allowed(c, "GET");
            return;
        }
        rc = run_load(c->req->store, id, &run);
        if (rc != STORE_OK)
            api_store_error(c, rc, "run");
        else
            api_send(c, 200, run);
        return;
    }
    if (!api_is(c, "POST")) {
        api_method_not_allowed(c, "POST");
        return;
    }
    if (strcmp(c->seg[2], "replay") == 0) {
        replay(c, id);
        return;
    }
    rc = run_retry(c->req->store, id, c->req->now_ms, &run, err, sizeof(err));
    if (rc == RUN_NOTFOUND)
        api_error(c, 404, "not_found", "no such run");
    else if (rc == RUN_CONFLICT)
        api_error(c, 409, "conflict", "%s", err);
    else if (rc != RUN_OK)
        api_store_error(c, STORE_UNAVAILABLE, "run");
    else {
        c->res->wake_runner = 1;
        api_send(c, 200, run);
    }
}
