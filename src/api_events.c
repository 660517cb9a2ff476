/* api_events: GET /api/v1/events/{eventId}. Replay comes with workflows. */
#include "api.h"

#include "events.h"
#include "uuid.h"

#include <string.h>

void api_events(struct api_call *c)
{
    char id[UUID_LEN + 1], err[256];
    cJSON *out = NULL;
    int rc;

    if (c->nseg < 2 || uuid_parse(c->seg[1], strlen(c->seg[1]), id) != 0) {
        api_error(c, 404, "not_found", "no such event");
        return;
    }
    if (c->nseg != 2) {
        api_error(c, 404, "not_found", "no such route");
        return;
    }
    if (!api_is(c, "GET")) {
        api_method_not_allowed(c, "GET");
        return;
    }
    rc = events_get(c->req->store, id, &out, err, sizeof(err));
    if (rc == EVENTS_NOTFOUND || rc == EVENTS_INVALID)
        api_error(c, 404, "not_found", "no such event");
    else if (rc != EVENTS_OK)
        api_store_error(c, STORE_UNAVAILABLE, "event");
    else
        api_send(c, 200, out);
}
