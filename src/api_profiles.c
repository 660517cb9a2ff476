/* api_profiles: GET /api/v1/profiles?email=|customId=|uuid=|id= — a
 * profile with its custom events, newest first (SPEC 7). */
#include "api.h"

#include "profile.h"

#include <stdio.h>

void api_profiles(struct api_call *c)
{
    char value[2048];
    cJSON *doc = NULL;
    int rc, kind = -1;

    if (c->nseg != 1) {
        api_error(c, 404, "not_found", "no such route");
        return;
    }
    if (!api_is(c, "GET")) {
        api_method_not_allowed(c, "GET");
        return;
    }
    for (int i = 0; i < PROFILE_IDENTS && kind < 0; i++)
        if (api_query(c, profile_ident_name((enum profile_ident)i), value, sizeof(value)) &&
            value[0] != '\0')
            kind = i;
    if (kind < 0) {
        api_error(c, 400, "invalid_request", "give one of ?email=, ?customId=, ?uuid= or ?id=");
        return;
    }
    rc = profile_lookup(c->req->store, (enum profile_ident)kind, value, &doc);
    if (rc == PROFILE_OK)
        api_send(c, 200, doc);
    else if (rc == PROFILE_NOTFOUND)
        api_error(c, 404, "not_found", "no profile has this %s",
                  profile_ident_name((enum profile_ident)kind));
    else
        http_send_error(c->req, 503, "unavailable", "storage is unavailable", "Retry-After: 5\r\n");
}
