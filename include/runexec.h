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

#endif
