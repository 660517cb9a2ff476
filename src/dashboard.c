/* dashboard: events and runs per hour per integration (see dashboard.h). */
#include "dashboard.h"

#include "buf.h"
#include "json.h"
#include "run.h"
#include "store_event.h"
#include "uuid.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HOUR_MS 3600000LL
#define RUN_KEY_LEN (8 + UUID_LEN) /* created (sign-flipped big-endian ms) | run id */

struct row {
    char id[UUID_LEN + 1];
    cJSON *doc; /* the public row being filled */
    long long events[DASHBOARD_HOURS_MAX], ok[DASHBOARD_HOURS_MAX], failed[DASHBOARD_HOURS_MAX];
    long long tot_events, tot_ok, tot_failed;
};

struct wf_map {
    char wf[UUID_LEN + 1];
    int row; /* index into rows, -1 when its integration is not shown */
};

struct dash {
    struct store_txn *t;
    long long from, to;
    int hours;
    struct row *rows;
    int nrows;
    struct wf_map *wfs;
    int nwfs, capwfs;
    const char *walk; /* the integration whose events are being counted */
    int walk_row;
    long scanned;
    int truncated;
};

static int row_of(const struct dash *d, const char *integration_id)
{
    for (int i = 0; i < d->nrows; i++)
        if (strcasecmp(d->rows[i].id, integration_id) == 0)
            return i;
    return -1;
}

static long long decode_time(const unsigned char *k)
{
    unsigned long long u = 0;
    for (int i = 0; i < 8; i++)
        u = (u << 8) | k[i];
    return (long long)(u ^ 0x8000000000000000ULL);
}

static void encode_time(long long t, unsigned char *k)
{
    unsigned long long u = (unsigned long long)t ^ 0x8000000000000000ULL;
    for (int i = 0; i < 8; i++)
        k[i] = (unsigned char)(u >> (56 - 8 * i));
}

static int integration_cb(const void *key, size_t klen, const void *pkey, size_t pklen,
                          const void *val, size_t vlen, void *arg)
{
    struct dash *d = arg;
    struct json_error jerr;
    cJSON *doc = NULL;
    const char *id, *state, *name, *icon;
    struct row *r;

    (void)key, (void)klen, (void)pkey, (void)pklen;
    if (d->nrows == DASHBOARD_INTEGRATIONS_MAX) {
        d->truncated = 1;
        return 1;
    }
    if (json_parse(val, vlen, 64, &doc, &jerr) != 0)
        return 0;
    id = json_get_string(doc, "id");
    state = json_get_string(doc, "state");
    name = json_get_string(doc, "name");
    icon = json_get_string(doc, "icon");
    if (id && uuid_valid(id) && state && strcmp(state, "deleted") != 0) {
        r = &d->rows[d->nrows++];
        memset(r, 0, sizeof(*r));
        memcpy(r->id, id, UUID_LEN);
        r->doc = cJSON_CreateObject();
        cJSON_AddStringToObject(r->doc, "id", id);
        cJSON_AddStringToObject(r->doc, "name", name ? name : "");
        cJSON_AddStringToObject(r->doc, "state", state);
        if (icon && strncmp(icon, "data:", 5) != 0)
            cJSON_AddStringToObject(r->doc, "icon", icon);
    }
    cJSON_Delete(doc);
    return 0;
}

static int workflow_cb(const void *key, size_t klen, const void *pkey, size_t pklen,
                       const void *val, size_t vlen, void *arg)
{
    struct dash *d = arg;
    struct json_error jerr;
    const cJSON *n;
    cJSON *doc = NULL;
    const char *id, *integ = NULL;

    (void)key, (void)klen, (void)pkey, (void)pklen;
    if (json_parse(val, vlen, 128, &doc, &jerr) != 0)
        return 0;
    id = json_get_string(doc, "id");
    cJSON_ArrayForEach(n, json_get(doc, "nodes"))
    {
        const char *type = json_get_string(n, "type");
        if (type && strcmp(type, "business_event") == 0)
            integ = json_get_string(n, "integrationId");
    }
    if (id && uuid_valid(id)) {
        if (d->nwfs == d->capwfs) {
            int cap = d->capwfs ? d->capwfs * 2 : 64;
            struct wf_map *m = realloc(d->wfs, (size_t)cap * sizeof(*m));
            if (m == NULL) {
                cJSON_Delete(doc);
                return STORE_NOMEM;
            }
            d->wfs = m;
            d->capwfs = cap;
        }
        memcpy(d->wfs[d->nwfs].wf, id, UUID_LEN + 1);
        d->wfs[d->nwfs].row = integ ? row_of(d, integ) : -1;
        d->nwfs++;
    }
    cJSON_Delete(doc);
    return 0;
}

/* Counts one integration's events, walking its index from d->from. */
static int event_cb(const void *key, size_t klen, const void *pkey, size_t pklen, const void *val,
                    size_t vlen, void *arg)
{
    struct dash *d = arg;
    long long t;
    int b;

    (void)pkey, (void)pklen, (void)val, (void)vlen;
    if (klen != STORE_EVKEY_LEN || memcmp(key, d->walk, UUID_LEN) != 0)
        return 1;
    t = decode_time((const unsigned char *)key + UUID_LEN);
    if (t >= d->to)
        return 1;
    if (++d->scanned > DASHBOARD_SCAN_MAX) {
        d->truncated = 1;
        return 1;
    }
    b = (int)((t - d->from) / HOUR_MS);
    if (b >= 0 && b < d->hours) {
        d->rows[d->walk_row].events[b]++;
        d->rows[d->walk_row].tot_events++;
    }
    return 0;
}

static int run_cb(const void *key, size_t klen, const void *pkey, size_t pklen, const void *val,
                  size_t vlen, void *arg)
{
    struct dash *d = arg;
    char id[UUID_LEN + 1];
    const char *state, *wf;
    cJSON *run = NULL;
    long long t;
    int b, rc, row = -1;

    (void)pkey, (void)pklen, (void)val, (void)vlen;
    if (klen != RUN_KEY_LEN)
        return 0;
    t = decode_time(key);
    if (t >= d->to)
        return 1;
    if (++d->scanned > DASHBOARD_SCAN_MAX) {
        d->truncated = 1;
        return 1;
    }
    memcpy(id, (const char *)key + 8, UUID_LEN);
    id[UUID_LEN] = '\0';
    rc = run_get(d->t, id, 0, &run);
    if (rc == STORE_NOTFOUND)
        return 0;
    if (rc != STORE_OK)
        return rc;
    state = json_get_string(run, "state");
    wf = json_get_string(run, "workflowId");
    int known = 0;
    for (int i = 0; wf && i < d->nwfs; i++)
        if (strcasecmp(d->wfs[i].wf, wf) == 0) {
            row = d->wfs[i].row;
            known = 1;
        }
    if (!known && json_get_string(run, "eventId") != NULL) {
        /* A deleted workflow's run: its event names the integration. */
        struct store_event ev;
        struct buf rec;
        buf_init(&rec, 256u << 20);
        if (store_event_get(d->t, json_get_string(run, "eventId"), &ev, &rec) == STORE_OK)
            row = row_of(d, ev.integration_id);
        buf_free(&rec);
    }
    b = (int)((t - d->from) / HOUR_MS);
    if (row >= 0 && b >= 0 && b < d->hours && state) {
        if (strcmp(state, "succeeded") == 0) {
            d->rows[row].ok[b]++;
            d->rows[row].tot_ok++;
        } else if (strcmp(state, "failed") == 0) {
            d->rows[row].failed[b]++;
            d->rows[row].tot_failed++;
        }
    }
    cJSON_Delete(run);
    return 0;
}

static void free_rows(struct dash *d)
{
    for (int i = 0; i < d->nrows; i++)
        cJSON_Delete(d->rows[i].doc);
    d->nrows = 0;
    d->nwfs = 0;
}

static int count_fn(struct store_txn *t, void *arg)
{
    struct dash *d = arg;
    unsigned char start[STORE_EVKEY_LEN], rk[RUN_KEY_LEN];
    char zero[UUID_LEN + 1];
    int rc;

    free_rows(d); /* the transaction may run again */
    d->t = t;
    d->scanned = 0;
    d->truncated = 0;
    rc = store_scan(t, STORE_DB_INTEGRATIONS, NULL, 0, 0, integration_cb, d);
    if (rc == STORE_OK)
        rc = store_scan(t, STORE_DB_WORKFLOWS, NULL, 0, 0, workflow_cb, d);
    memset(zero, '0', UUID_LEN);
    zero[UUID_LEN] = '\0';
    for (int i = 0; rc == STORE_OK && i < d->nrows && !d->truncated; i++) {
        store_event_index_key(d->rows[i].id, d->from, zero, start);
        d->walk = d->rows[i].id;
        d->walk_row = i;
        rc = store_scan(t, STORE_DB_EVENTS_BY_INTEGRATION, start, sizeof(start), 0, event_cb, d);
    }
    if (rc == STORE_OK && !d->truncated) {
        encode_time(d->from, rk);
        memset(rk + 8, 0, UUID_LEN);
        rc = store_scan(t, STORE_DB_RUNS_BY_TIME, rk, sizeof(rk), 0, run_cb, d);
    }
    return rc;
}

static cJSON *series(const long long *v, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(a, json_number_from_ll(v[i]));
    return a;
}

/* Failures first (most first), then events (most first), then name. */
static int by_attention(const void *pa, const void *pb)
{
    const struct row *a = pa, *b = pb;

    if (a->tot_failed != b->tot_failed)
        return a->tot_failed > b->tot_failed ? -1 : 1;
    if (a->tot_events != b->tot_events)
        return a->tot_events > b->tot_events ? -1 : 1;
    return strcasecmp(json_get_string(a->doc, "name"), json_get_string(b->doc, "name"));
}

int dashboard_build(struct store *s, long long now_ms, int hours, cJSON **out)
{
    struct dash d;
    cJSON *res, *list;
    int rc;

    *out = NULL;
    if (hours < 1 || hours > DASHBOARD_HOURS_MAX)
        return STORE_ERROR;
    memset(&d, 0, sizeof(d));
    d.hours = hours;
    d.to = (now_ms / HOUR_MS + 1) * HOUR_MS;
    d.from = d.to - hours * HOUR_MS;
    d.rows = calloc(DASHBOARD_INTEGRATIONS_MAX, sizeof(*d.rows));
    if (d.rows == NULL)
        return STORE_NOMEM;
    rc = store_txn_run(s, count_fn, &d);
    if (rc == STORE_OK) {
        qsort(d.rows, (size_t)d.nrows, sizeof(*d.rows), by_attention);
        res = cJSON_CreateObject();
        cJSON_AddItemToObject(res, "from", json_number_from_ll(d.from));
        cJSON_AddItemToObject(res, "to", json_number_from_ll(d.to));
        cJSON_AddItemToObject(res, "hours", json_number_from_ll(hours));
        cJSON_AddItemToObject(res, "bucketMs", json_number_from_ll(HOUR_MS));
        cJSON_AddBoolToObject(res, "truncated", d.truncated);
        list = cJSON_AddArrayToObject(res, "integrations");
        for (int i = 0; i < d.nrows; i++) {
            struct row *r = &d.rows[i];
            cJSON *tot = cJSON_CreateObject();
            cJSON_AddItemToObject(r->doc, "events", series(r->events, hours));
            cJSON_AddItemToObject(r->doc, "succeeded", series(r->ok, hours));
            cJSON_AddItemToObject(r->doc, "failed", series(r->failed, hours));
            cJSON_AddItemToObject(tot, "events", json_number_from_ll(r->tot_events));
            cJSON_AddItemToObject(tot, "succeeded", json_number_from_ll(r->tot_ok));
            cJSON_AddItemToObject(tot, "failed", json_number_from_ll(r->tot_failed));
            cJSON_AddItemToObject(r->doc, "totals", tot);
            cJSON_AddItemToArray(list, r->doc);
            r->doc = NULL;
        }
        *out = res;
    }
    free_rows(&d);
    free(d.rows);
    free(d.wfs);
    return rc;
}
