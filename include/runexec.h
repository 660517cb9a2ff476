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

#endif
