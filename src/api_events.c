/* api_events: GET /api/v1/events/{eventId} with its runs, and replay. */
#include "api.h"

#include "events.h"
#include "json.h"
#include "run.h"
#include "runexec.h"
#include "uuid.h"

#include <string.h>

struct replay_arg {
    const char *id;
    long long now;
    int runs;
};

static int replay_fn(struct store_txn *t, void *arg)
{
    struct replay_arg *a = arg;
    struct store_event ev;
    struct json_error jerr;
    cJSON *envelope = NULL;
    struct buf rec;
    int rc;

    buf_init(&rec, 256u << 20);
    rc = store_event_get(t, a->id, &ev, &rec);
    if (rc == STORE_OK && json_parse(ev.envelope, ev.envelope_len, 600, &envelope, &jerr) != 0)
        rc = STORE_ERROR;
    if (rc == STORE_OK)
        rc = runexec_plan(t, a->id, ev.integration_id, envelope, a->now, &a->runs);
    cJSON_Delete(envelope);
    buf_free(&rec);
    return rc;
}

/* The event as GET answers it, runs included. */
static void send_event(struct api_call *c, const char *id, int status)
{
    cJSON *out = NULL, *runs = NULL;
    char err[256];
    int rc = events_get(c->req->store, id, &out, err, sizeof(err));

    if (rc == EVENTS_NOTFOUND || rc == EVENTS_INVALID) {
        api_error(c, 404, "not_found", "no such event");
        return;
    }
    if (rc != EVENTS_OK) {
        api_store_error(c, STORE_UNAVAILABLE, "event");
        return;
    }
    if (run_list_event(c->req->store, id, &runs) == STORE_OK) {
        cJSON_DeleteItemFromObjectCaseSensitive(out, "runs");
        cJSON_AddItemToObject(out, "runs", runs);
    }
    api_send(c, status, out);
}

void api_events(struct api_call *c)
{
    char id[UUID_LEN + 1];
    struct replay_arg a;
    int rc;

    if (c->nseg < 2 || uuid_parse(c->seg[1], strlen(c->seg[1]), id) != 0) {
        api_error(c, 404, "not_found", "no such event");
        return;
    }
    if (c->nseg == 2) {
        if (!api_is(c, "GET"))
            api_method_not_allowed(c, "GET");
        else
            send_event(c, id, 200);
        return;
    }
    if (c->nseg != 3 || strcmp(c->seg[2], "replay") != 0) {
        api_error(c, 404, "not_found", "no such route");
        return;
    }
    if (!api_is(c, "POST")) {
        api_method_not_allowed(c, "POST");
        return;
    }
    a.id = id;
    a.now = c->req->now_ms;
    a.runs = 0;
    rc = store_txn_run(c->req->store, replay_fn, &a);
    if (rc != STORE_OK) {
        api_store_error(c, rc, "event");
        return;
    }
    c->res->wake_runner = a.runs > 0;
    send_event(c, id, 200);
}
