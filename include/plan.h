/* plan: turning an event into its runs. For each published workflow whose
 * Business Event trigger names the event's integration, a run is created:
 * queued (due now) when the trigger's filter matches, skipped otherwise
 * (SPEC 8). The responder plans an event in the very transaction that
 * accepts it, from the workflows its catalog keeps (include/catalog.h);
 * events queued by older versions, and replays, are planned from the
 * workflows read in the planning transaction.
 *
 * An event's first runs get ids derived from the event and workflow ids,
 * so planning it a second time finds the runs made the first time (and
 * their Idempotency-Keys); a replay gets new random ids. */
#ifndef INCOMING_PLAN_H
#define INCOMING_PLAN_H

#include <cjson/cJSON.h>

#include "filter.h"
#include "store.h"

/* One published workflow of an integration, ready to plan with. */
struct plan_workflow {
    const char *id;        /* borrowed from the set's documents */
    const char *name;      /* the run's name: its first action, else the workflow's name */
    struct filter *filter; /* compiled trigger filter; NULL: matches every event */
    int broken;            /* the filter no longer compiles: its runs are skipped */
};

/* The published workflows of one integration. */
struct plan_set {
    char integration_id[37];
    struct plan_workflow *items;
    int count;
    cJSON *docs; /* owns the documents the items point into */
};

/* Reads the published workflows triggered by integration_id inside t and
 * compiles their filters. *out: caller frees with plan_set_free. */
int plan_set_load(struct store_txn *t, const char *integration_id, struct plan_set **out);
void plan_set_free(struct plan_set *p); /* p may be NULL */

/* Creates event_id's runs inside t, one per workflow of set. envelope: the
 * event's envelope as a tree (may be NULL when set is empty). stable: the
 * event's first planning (ids derived from event and workflow; runs that
 * exist already are kept as they are); 0: a replay (new ids). *created:
 * runs made; *queued: those of them waiting to run (0 when every one was
 * skipped: no runner is needed). */
int plan_event(struct store_txn *t, const struct plan_set *set, const char *event_id,
               const cJSON *envelope, long long now_ms, int stable, int *created, int *queued);

/* Replays a stored event (POST /api/v1/events/{id}/replay, incomingctl
 * replay): new runs for it, in one transaction, whatever runs it had
 * before. *runs: how many were created; *ids (ids may be NULL; caller
 * frees): an array of their ids. STORE_OK, STORE_NOTFOUND when there is no
 * such event, or a store error. The runs wait for a runner. */
int plan_replay(struct store *s, const char *event_id, long long now_ms, int *runs, cJSON **ids);

/* Replays one run (POST /api/v1/runs/{id}/replay): a new run of its
 * workflow for its event, queued when the workflow's filter matches the
 * event, skipped otherwise; the run replayed is left as it is. *out: the
 * new run (caller frees). STORE_OK; STORE_NOTFOUND when there is no such
 * run; STORE_ABORT with the reason in err when its workflow was deleted or
 * its event purged; or a store error. */
int plan_replay_run(struct store *s, const char *run_id, long long now_ms, cJSON **out, char *err,
                    size_t errlen);

#endif
