/* runexec: executes one claimed run (see run.h) of a workflow for its
 * event: renders each Outgoing Integration node's templates with the
 * escaping of its destination, sends the request, records the attempt, and
 * decides success, retry (with exponential backoff, jitter and
 * Retry-After) or failure. Progress is committed after every attempt, so a
 * resumed run continues at its first unfinished node. */
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

/* Executes run (taken over; freed here) with the inputs read when it was
 * claimed. Returns 0, or a store error when progress could not be saved
 * (the lease then expires and the run is resumed by another runner). */
int runexec_run(struct store *s, const struct config *cfg, cJSON *run,
                const struct runexec_inputs *in);

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
