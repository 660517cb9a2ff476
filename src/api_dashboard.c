/* api_dashboard: GET /api/v1/dashboard?hours=N (README, Dashboard). */
#include "api.h"

#include "dashboard.h"
#include "numparse.h"

void api_dashboard(struct api_call *c)
{
    char v[16];
    const char *errstr;
    long long hours = 24;
    cJSON *out = NULL;
    int rc;

    if (c->nseg != 1) {
        api_error(c, 404, "not_found", "no such route");
        return;
    }
    if (!api_is(c, "GET")) {
        api_method_not_allowed(c, "GET");
        return;
    }
    if (api_query(c, "hours", v, sizeof(v)) &&
        num_parse_ll(v, 1, DASHBOARD_HOURS_MAX, &hours, &errstr) != 0) {
        api_error(c, 400, "invalid_request", "hours: expected an integer in 1..%d (%s)",
                  DASHBOARD_HOURS_MAX, errstr);
        return;
    }
    rc = dashboard_build(c->req->store, c->req->now_ms, (int)hours, &out);
    if (rc != STORE_OK)
        api_store_error(c, rc == STORE_NOTFOUND ? STORE_UNAVAILABLE : rc, "dashboard");
    else
        api_send(c, 200, out);
}
