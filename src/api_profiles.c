/* api_profiles: GET /api/v1/profiles?email=|customId=|uuid=|id= — a
 * profile with its custom events, newest first (SPEC 7); without any of
 * those, a page of the most recently updated profiles (?limit=, ?cursor=). */
#include "api.h"

#include "profile.h"

#include <stdio.h>

/* Whether the query names an identifier at all, even with an empty value
 * (which stays an error rather than turning into the list). */
static int any_ident(struct api_call *c)
{
    char v[8];

    for (int i = 0; i < PROFILE_IDENTS; i++)
        if (api_query(c, profile_ident_name((enum profile_ident)i), v, sizeof(v)))
            return 1;
    return 0;
}

static void list_profiles(struct api_call *c)
{
    char cursor[PROFILE_CURSOR_LEN + 8], next[PROFILE_CURSOR_LEN];
    cJSON *items = NULL;
    int limit, rc;

    if (api_page_params(c, &limit, cursor, sizeof(cursor)) != 0)
        return;
    rc = profile_list(c->req->store, cursor, limit, &items, next);
    if (rc == PROFILE_OK)
        api_send(c, 200, api_page(items, next));
    else if (rc == PROFILE_INVALID)
        api_error(c, 400, "invalid_request", "cursor: not a cursor from this list");
    else
        http_send_error(c->req, 503, "unavailable", "storage is unavailable", "Retry-After: 5\r\n");
}

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
    if (kind < 0 && !any_ident(c)) {
        list_profiles(c);
        return;
    }
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
