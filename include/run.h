/* run: the run log (SPEC section 8) and the scheduling state around it.
 * A run is a JSON document {id, workflowId, eventId, name, state, attempts,
 * nodes, nextAttemptAt, createdAt, updatedAt}. Besides it:
 *   - a due entry (time|id) while the run waits to start or to retry;
 *   - a lease (id -> "pid until") while a runner executes it; a lease whose
 *     process is gone or whose time has passed is turned back into a due
 *     entry, so a killed runner's run is resumed (at least once delivery);
 *   - index entries by event and by creation time for the lists. */
#ifndef INCOMING_RUN_H
#define INCOMING_RUN_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <sys/types.h>

#include "store.h"

/* A lease covers a request's timeout plus this much: rendering, saving,
 * and a runner that was slow to be scheduled. */
#define RUN_LEASE_SLACK_MS 30000

enum run_status {
    RUN_OK = 0,
    RUN_INVALID = -60,
    RUN_NOTFOUND = -61,
    RUN_STORE = -62,
    RUN_CONFLICT = -63
};

/* Creates a run in state (queued: also due now; skipped: final) under
 * run_id, or under a new random id written into run_id when it is "".
 * STORE_EXISTS, with nothing written, when a run of that id exists. */
int run_create(struct store_txn *t, const char *workflow_id, const char *event_id, const char *name,
               const char *state, long long now_ms, char run_id[37]);
int run_get(struct store_txn *t, const char *id, int rmw, cJSON **out);
/* run_get in its own transaction. */
int run_load(struct store *s, const char *id, cJSON **out);
/* Writes the run document (updatedAt set). */
int run_put(struct store_txn *t, cJSON *run, long long now_ms);

/* Called inside the claim's transaction with the claimed run, to read
 * what executing it needs in the same transaction. Must be safe to call
 * again (the transaction may be retried). */
typedef int (*run_claim_also_fn)(struct store_txn *t, const cJSON *run, void *arg);
/* Called first inside the claim's transaction, to write what the claimer
 * has left to save (runexec_saves_write). Must be safe to call again. */
typedef int (*run_claim_before_fn)(struct store_txn *t, void *arg);

/* Calls before (may be NULL), then takes up to max (at most
 * RUN_CLAIM_MAX) due runs (due <= now), earliest first, in one
 * transaction: removes their due entries, sets them running with a lease
 * for pid, calls also with also_args[i] for the i-th (also may be NULL),
 * and returns them in runs[0 .. *n - 1]. They are meant to be executed one
 * after the other, so the i-th one's lease runs until lease_until + i *
 * lease_step. STORE_NOTFOUND (*n = 0) when nothing is due; what before
 * wrote is committed then too. Any other error: nothing was committed. */
#define RUN_CLAIM_MAX 4
int run_claim_many(struct store *s, long long now_ms, pid_t pid, long long lease_until,
                   long long lease_step, run_claim_before_fn before, void *before_arg,
                   run_claim_also_fn also, void *const *also_args, int max, cJSON **runs, int *n);
/* Leases run id to pid until lease_until, whoever held it. */
int run_renew(struct store_txn *t, const char *id, pid_t pid, long long lease_until);
/* Extends pid's lease on run id to lease_until if pid still holds it:
 * STORE_NOTFOUND when it does not (its lease ran out and a reaper resumed
 * the run, perhaps for another runner), which pid must then leave alone. */
int run_lease_extend(struct store_txn *t, const char *id, pid_t pid, long long lease_until);

/* Ends the lease of a run and, when due_at > 0, makes it due then. */
int run_release(struct store_txn *t, const char *id, long long due_at);
/* Turns leases of dead processes or past their time into due entries.
 * Returns the number resumed, or a negative store status. */
int run_reap(struct store *s, long long now_ms);

/* Splits the due entries at now: *ready (due now: new runs, retries whose
 * time has come, resumed runs) and *waiting (retries waiting out a backoff),
 * for GET /healthz. */
int run_due_counts(struct store *s, long long now_ms, long *ready, long *waiting);
/* The runs that are not finished, for GET /metrics and incomingctl doctor:
 * due now (new, retries whose time has come, resumed), of which retries
 * (the run has made attempts before: state retrying), waiting out a
 * backoff, and being executed (under a runner's lease). The due ones are
 * looked at one by one for retries_due, at most RUN_GAUGES_READ_MAX of
 * them (the rest are counted in due but not looked at). */
#define RUN_GAUGES_READ_MAX 1000
struct run_gauges {
    long due, retries_due, waiting, running;
    long long oldest_due_ms; /* due time of the earliest due run, 0 when none */
};
int run_gauges(struct store *s, long long now_ms, struct run_gauges *out);
/* 1 when some run is due at or before now (cheap: one cursor step). */
int run_any_due(struct store *s, long long now_ms);

/* Lists runs newest first, optionally filtered by state, workflowId and
 * eventId (NULL: any). cursor: "" or an earlier page's next. */
int run_list(struct store *s, const char *state, const char *workflow_id, const char *event_id,
             const char *cursor, int limit, cJSON **items, char next[128]);
/* The runs of one event (oldest first), for GET /api/v1/events/{id}. */
int run_list_event(struct store *s, const char *event_id, cJSON **items);
/* Queues a failed run again from its first unfinished node (retry). *out:
 * the updated run. RUN_CONFLICT, with the reason in err, for a run that is
 * not failed (succeeded, skipped, still active) or whose workflow was
 * deleted: retrying those could only turn them into failures. */
int run_retry(struct store *s, const char *id, long long now_ms, cJSON **out, char *err,
              size_t errlen);

#endif
