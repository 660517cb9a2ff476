/* runexec: executes one claimed run (see run.h) of a workflow for its
 * event: renders each Outgoing Integration node's templates with the
 * escaping of its destination, sends the request, records the attempt, and
 * decides success, retry (with exponential backoff, jitter and
 * Retry-After) or failure. Progress is committed after every attempt, so a
 * resumed run continues at its first unfinished node. */
#ifndef INCOMING_RUNEXEC_H
#define INCOMING_RUNEXEC_H

#include <cjson/cJSON.h>

#include "config.h"
#include "store.h"

/* Executes run (taken over; freed here). Returns 0, or a store error when
 * progress could not be saved (the lease then expires and the run is
 * resumed by another runner). */
int runexec_run(struct store *s, const struct config *cfg, cJSON *run);

/* Creates the runs of a newly accepted event inside t: one per published
 * workflow triggered by its integration, queued when the trigger's filter
 * matches and skipped otherwise. stable: the event's first planning, whose
 * run ids are derived from the event and workflow ids (planning it again
 * finds the same runs); 0 for a replay (new ids). */
int runexec_plan(struct store_txn *t, const char *event_id, const char *integration_id,
                 const cJSON *envelope, long long now_ms, int stable, int *created);

/* Replays a stored event (POST /api/v1/events/{id}/replay, incomingctl
 * replay): plans new runs for it as runexec_plan does, in one transaction,
 * whatever runs it had before. *runs gets the number created (queued or
 * skipped). Returns STORE_OK, STORE_NOTFOUND when there is no such event,
 * or a store error. The runs wait for a runner (or incomingctl drain). */
int runexec_replay(struct store *s, const char *event_id, long long now_ms, int *runs);

#endif
