/* runexec: executes one claimed run (see run.h) of a workflow for its
 * event: renders each Outgoing Integration node's templates with the
 * escaping of its destination, sends the request, records the attempt, and
 * decides success, retry (with exponential backoff, jitter and
 * Retry-After) or failure. Progress is saved when the run ends or waits for
 * a retry (with the runner's next claim: runexec_saves), and before a node
 * whose timeout needs a longer lease; a resumed run continues at its first
 * node not saved as done. */
#ifndef INCOMING_RUNEXEC_H
#define INCOMING_RUNEXEC_H

#include <cjson/cJSON.h>

#include "buf.h"
#include "config.h"
#include "store.h"

/* What executing a run needs besides the run itself, read in the claim's
 * transaction (runexec_read_inputs, a run_claim_also_fn): the workflow
 * document and the event record, as stored. */
struct runexec_inputs {
    struct buf workflow, event;
    int workflow_rc, event_rc; /* STORE_OK, STORE_NOTFOUND, ... */
};
void runexec_inputs_init(struct runexec_inputs *in);
void runexec_inputs_free(struct runexec_inputs *in);
int runexec_read_inputs(struct store_txn *t, const cJSON *run, void *arg);

/* Outcomes of executed runs that wait to be written in the transaction
 * of the runner's next claim (runexec_saves_write, called first in it), so
 * that finishing a run and claiming the next cost one transaction, not
 * two. Until that commits, the run keeps its lease: a runner killed
 * meanwhile leaves it to be resumed and sent again, as one killed between
 * sending and saving always did (delivery is at least once). */
#define RUNEXEC_SAVES_MAX 8
/* What an execution of a run adds to the counters of GET /metrics, in the
 * transaction that saves its outcome (include/counter.h). */
struct runexec_counts {
    unsigned long long succeeded; /* attempts that got a 2xx */
    const char *last;             /* outcome of the last attempt: "retry", "failure" or NULL */
    const char *final;            /* the run's final state, or NULL */
};
struct runexec_saves {
    struct {
        cJSON *run;
        long long due_at;
        struct runexec_counts counts;
    } item[RUNEXEC_SAVES_MAX];
    int n;
};
void runexec_saves_init(struct runexec_saves *sv);
/* Writes every kept outcome into t; safe to call again when t is retried. */
int runexec_saves_write(struct store_txn *t, void *arg);
/* After the transaction that called runexec_saves_write: rc is its
 * outcome (a failure is logged for each run; those runs stay leased until
 * their lease runs out, then are resumed). Empties sv; returns the number
 * of outcomes that were not saved. */
int runexec_saves_done(struct runexec_saves *sv, int rc);

/* Executes run (taken over; freed here) with the inputs read when it was
 * claimed, under this process's lease on it, which ends at lease_until.
 * Before each request that its lease would not cover (its timeout plus
 * half of RUN_LEASE_SLACK_MS), the lease is extended to the timeout plus
 * the whole slack, and saved with the progress so far: however many slow
 * nodes (or runs claimed before it) a run waits for, no reaper resumes it
 * while it is being sent. A lease that ran out and was resumed meanwhile
 * is not extended: the run is left to the runner that resumes it, unsent
 * from there on, and 0 is returned. Its
 * outcome is saved at once, or, when defer is not NULL, kept there for the
 * next claim (defer full: saved at once). Returns 0, or a store error when
 * progress could not be saved (the lease then expires and the run is
 * resumed by another runner). */
int runexec_run(struct store *s, const struct config *cfg, cJSON *run, long long lease_until,
                const struct runexec_inputs *in, struct runexec_saves *defer);

/* What one attempt of an Outgoing Integration node produced. */
struct runexec_attempt {
    cJSON *rec; /* the attempt record, as a run's attempts hold it (SPEC 8) */
    int ok;     /* a 2xx answer */
    int retryable;
    long retry_after; /* from Retry-After, -1 when none */
    cJSON *result;    /* nodes.<id> for later nodes on success, else NULL */
};

/* The one code path that renders and sends an Outgoing Integration node,
 * used by runs and by the editor's "Test with the sample" (testnode.h):
 * renders node (borrowed; validated as a workflow save does) with the
 * template context ctx ({request, event, nodes, now}), applies the header
 * rules, the node's auth and the SSRF rules of cfg, sends it with
 * Idempotency-Key "<run_id>.<node id>" and X-Incoming-Event-Id event_id
 * (may be NULL: sent empty), and records the attempt with credentials
 * redacted. max_timeout_ms > 0 caps the node's timeout. A render error, a
 * refused URL or a failed send is an attempt with "error", never a crash.
 * The process must have called outgoing_global_init. *a is overwritten;
 * the caller frees rec and result (runexec_attempt_free frees both). */
void runexec_attempt(const struct config *cfg, const cJSON *node, const cJSON *ctx,
                     const char *run_id, const char *event_id, long max_timeout_ms,
                     struct runexec_attempt *a);
void runexec_attempt_free(struct runexec_attempt *a); /* a's members may be NULL */

#endif
