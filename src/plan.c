/* plan: an event's runs (see include/plan.h). */
#include "plan.h"

#include "counter.h"
#include "docstore.h"
#include "events.h"
#include "json.h"
#include "run.h"
#include "secret.h"
#include "workflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A workflow's run id for an event's first planning, derived from both ids.
 * A time-ordered (version 7) event id lends the run id its first 64 bits
 * but the variant's, its time, so that runs.db too is appended to at its end
 * (docs/storage.md); an older event's runs keep the version 4 layout. */
static void stable_run_id(const char *event_id, const char *workflow_id, char out[37])
{
    char text[80], hex[65];

    snprintf(text, sizeof(text), "%.36s:%.36s", event_id, workflow_id);
    secret_sha256_hex(text, strlen(text), hex);
    hex[12] = '4';                         /* version 4 layout */
    hex[16] = "89ab"[(hex[16] - '0') & 3]; /* RFC 9562 variant */
    if (strlen(event_id) == 36 && event_id[14] == '7') {
        memcpy(hex, event_id, 8);
        memcpy(hex + 8, event_id + 9, 4);
        hex[12] = '7';
        memcpy(hex + 13, event_id + 15, 3); /* and its fraction of a ms */
    }
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

/* The run is named after the first action it will perform. */
static const char *run_name(const cJSON *wf)
{
    const cJSON *n;

    cJSON_ArrayForEach(n, json_get(wf, "nodes"))
    {
        if (json_get_string(n, "action"))
            return json_get_string(n, "action");
    }
    return json_get_string(wf, "name") ? json_get_string(wf, "name") : "";
}

void plan_set_free(struct plan_set *p)
{
    if (p == NULL)
        return;
    for (int i = 0; i < p->count; i++)
        filter_free(p->items[i].filter);
    free(p->items);
    cJSON_Delete(p->docs);
    free(p);
}

int plan_set_load(struct store_txn *t, const char *integration_id, struct plan_set **out)
{
    struct plan_set *p = calloc(1, sizeof(*p));
    const cJSON *wf;
    int rc;

    *out = NULL;
    if (p == NULL)
        return STORE_NOMEM;
    snprintf(p->integration_id, sizeof(p->integration_id), "%s", integration_id);
    rc = workflow_matching(t, integration_id, &p->docs);
    if (rc == STORE_OK && cJSON_GetArraySize(p->docs) > 0) {
        p->items = calloc((size_t)cJSON_GetArraySize(p->docs), sizeof(*p->items));
        if (p->items == NULL)
            rc = STORE_NOMEM;
    }
    if (rc != STORE_OK) {
        plan_set_free(p);
        return rc;
    }
    cJSON_ArrayForEach(wf, p->docs)
    {
        struct plan_workflow *w = &p->items[p->count++];
        char err[200];

        w->id = json_get_string(wf, "id");
        w->name = run_name(wf);
        /* A filter that no longer compiles (it was valid when saved) skips. */
        w->broken = filter_compile(json_get(workflow_trigger(wf), "filter"), "filter", &w->filter,
                                   err, sizeof(err)) != FILTER_OK;
    }
    *out = p;
    return STORE_OK;
}

/* plan_event, also appending the ids of the runs it creates to ids (may
 * be NULL). */
static int plan_event_ids(struct store_txn *t, const struct plan_set *set, const char *event_id,
                          const cJSON *envelope, long long now_ms, int stable, int *created,
                          int *queued, cJSON *ids)
{
    int rc = STORE_OK;

    *created = 0;
    *queued = 0;
    for (int i = 0; set != NULL && i < set->count && rc == STORE_OK; i++) {
        const struct plan_workflow *w = &set->items[i];
        int match = !w->broken && filter_match(w->filter, envelope) == 1;
        char run_id[37] = "";

        if (stable)
            stable_run_id(event_id, w->id, run_id);
        rc = run_create(t, w->id, event_id, w->name, match ? "queued" : "skipped", now_ms, run_id);
        if (rc == STORE_EXISTS && stable) {
            rc = STORE_OK; /* planned before: keep that run and its progress */
            continue;
        }
        if (rc == STORE_OK) {
            (*created)++;
            *queued += match;
            if (ids != NULL)
                cJSON_AddItemToArray(ids, cJSON_CreateString(run_id));
        }
    }
    /* Counted with the runs, in the same transaction (include/counter.h). */
    if (rc == STORE_OK)
        rc = counter_add(t, "incoming_runs_created_total{state=\"queued\"}",
                         (unsigned long long)*queued);
    if (rc == STORE_OK)
        rc = counter_add(t, "incoming_runs_created_total{state=\"skipped\"}",
                         (unsigned long long)(*created - *queued));
    return rc;
}

int plan_event(struct store_txn *t, const struct plan_set *set, const char *event_id,
               const cJSON *envelope, long long now_ms, int stable, int *created, int *queued)
{
    return plan_event_ids(t, set, event_id, envelope, now_ms, stable, created, queued, NULL);
}

struct replay_arg {
    const char *id;
    long long now;
    int runs;
    cJSON *ids;
};

static int replay_fn(struct store_txn *t, void *arg)
{
    struct replay_arg *a = arg;
    struct plan_set *set = NULL;
    struct store_event ev;
    struct json_error jerr;
    cJSON *envelope = NULL;
    struct buf rec;
    int rc, queued;

    cJSON_Delete(a->ids); /* the transaction may run again */
    a->ids = cJSON_CreateArray();
    buf_init(&rec, 256u << 20);
    rc = store_event_get(t, a->id, &ev, &rec);
    if (rc == STORE_OK && events_envelope(&ev, &envelope, &jerr) != 0)
        rc = STORE_ERROR;
    if (rc == STORE_OK)
        rc = plan_set_load(t, ev.integration_id, &set);
    if (rc == STORE_OK)
        rc = plan_event_ids(t, set, a->id, envelope, a->now, 0, &a->runs, &queued, a->ids);
    plan_set_free(set);
    cJSON_Delete(envelope);
    buf_free(&rec);
    return rc;
}

int plan_replay(struct store *s, const char *event_id, long long now_ms, int *runs, cJSON **ids)
{
    struct replay_arg a = {event_id, now_ms, 0, NULL};
    int rc = store_txn_run(s, replay_fn, &a);

    *runs = rc == STORE_OK ? a.runs : 0;
    if (ids != NULL && rc == STORE_OK)
        *ids = a.ids;
    else
        cJSON_Delete(a.ids);
    return rc;
}

struct replay_run_arg {
    const char *run_id;
    long long now;
    char new_id[37];
    char *err;
    size_t errlen;
};

/* A new run of one run's workflow for its event: queued when the
 * workflow's filter matches the event now, skipped otherwise. */
static int replay_run_fn(struct store_txn *t, void *arg)
{
    struct replay_run_arg *a = arg;
    cJSON *run = NULL, *wf = NULL, *envelope = NULL;
    struct filter *filter = NULL;
    struct store_event ev;
    struct json_error jerr;
    struct buf rec;
    char ferr[200];
    int rc, broken;

    a->new_id[0] = '\0';
    a->err[0] = '\0';
    buf_init(&rec, 256u << 20);
    rc = run_get(t, a->run_id, 0, &run);
    if (rc != STORE_OK)
        goto out;
    rc = docstore_get(t, STORE_DB_WORKFLOWS, json_get_string(run, "workflowId"), 0, &wf);
    if (rc == STORE_NOTFOUND) {
        snprintf(a->err, a->errlen, "the workflow of this run was deleted");
        rc = STORE_ABORT;
    }
    if (rc == STORE_OK) {
        rc = store_event_get(t, json_get_string(run, "eventId"), &ev, &rec);
        if (rc == STORE_NOTFOUND) {
            snprintf(a->err, a->errlen, "the event of this run is no longer stored");
            rc = STORE_ABORT;
        }
    }
    if (rc == STORE_OK && events_envelope(&ev, &envelope, &jerr) != 0)
        rc = STORE_ERROR;
    if (rc != STORE_OK)
        goto out;
    /* A filter that no longer compiles skips, as in plan_event. */
    broken = filter_compile(json_get(workflow_trigger(wf), "filter"), "filter", &filter, ferr,
                            sizeof(ferr)) != FILTER_OK;
    rc = run_create(t, json_get_string(wf, "id"), json_get_string(run, "eventId"), run_name(wf),
                    !broken && filter_match(filter, envelope) == 1 ? "queued" : "skipped", a->now,
                    a->new_id);
out:
    filter_free(filter);
    cJSON_Delete(envelope);
    cJSON_Delete(wf);
    cJSON_Delete(run);
    buf_free(&rec);
    return rc;
}

int plan_replay_run(struct store *s, const char *run_id, long long now_ms, cJSON **out, char *err,
                    size_t errlen)
{
    struct replay_run_arg a;
    int rc;

    memset(&a, 0, sizeof(a));
    a.run_id = run_id;
    a.now = now_ms;
    a.err = err;
    a.errlen = errlen;
    *out = NULL;
    rc = store_txn_run(s, replay_run_fn, &a);
    if (rc == STORE_OK)
        rc = run_load(s, a.new_id, out);
    return rc;
}
