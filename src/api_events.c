/* api_events: GET /api/v1/events/{eventId} with its runs, and replay. */
#include "api.h"

#include "events.h"
#include "json.h"
#include "run.h"
#include "plan.h"
#include "uuid.h"

#include <string.h>

/* The event as GET answers it, runs included; after a replay (replayed
 * not NULL, taken) also the ids of the runs the replay created. */
static void send_event(struct api_call *c, const char *id, int status, cJSON *replayed)
{
    cJSON *out = NULL, *runs = NULL;
    char err[256];
    int rc = events_get(c->req->store, id, &out, err, sizeof(err));

    if (rc == EVENTS_NOTFOUND || rc == EVENTS_INVALID) {
        cJSON_Delete(replayed);
        api_error(c, 404, "not_found", "no such event");
        return;
    }
    if (rc != EVENTS_OK) {
        cJSON_Delete(replayed);
        api_store_error(c, STORE_UNAVAILABLE, "event");
        return;
    }
    if (replayed != NULL)
        cJSON_AddItemToObject(out, "replayedRunIds", replayed);
    if (run_list_event(c->req->store, id, &runs) == STORE_OK) {
        cJSON_DeleteItemFromObjectCaseSensitive(out, "runs");
        cJSON_AddItemToObject(out, "runs", runs);
    }
    api_send(c, status, out);
}

void api_events(struct api_call *c)
{
    char id[UUID_LEN + 1];
    cJSON *ids = NULL;
    int rc, runs = 0;

    if (c->nseg < 2 || uuid_parse(c->seg[1], strlen(c->seg[1]), id) != 0) {
        api_error(c, 404, "not_found", "no such event");
        return;
    }
    if (c->nseg == 2) {
        if (!api_is(c, "GET"))
            api_method_not_allowed(c, "GET");
        else
            send_event(c, id, 200, NULL);
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
    rc = plan_replay(c->req->store, id, c->req->now_ms, &runs, &ids);
    if (rc != STORE_OK) {
        api_store_error(c, rc, "event");
        return;
    }
    c->res->wake_runner = runs > 0;
    send_event(c, id, 200, ids);
}
