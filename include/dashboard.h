/* dashboard: the first screen's figures, counted from the store on each
 * call (nothing is kept for it): per integration (not deleted), events
 * received and runs succeeded and failed per hour over the last hours.
 * Runs count in the hour they were created, by the state they are in now.
 * Bounded: at most DASHBOARD_SCAN_MAX index entries are read per call
 * (events and runs together); past that the answer says truncated. */
#ifndef INCOMING_DASHBOARD_H
#define INCOMING_DASHBOARD_H

#include <cjson/cJSON.h>

#include "store.h"

#define DASHBOARD_HOURS_MAX 168
#define DASHBOARD_SCAN_MAX 200000
#define DASHBOARD_INTEGRATIONS_MAX 500

/* {"from", "to", "hours", "bucketMs", "truncated",
 *  "integrations": [{"id", "name", "state", "icon"?, "events": [hours],
 *  "succeeded": [hours], "failed": [hours], "totals": {"events",
 *  "succeeded", "failed"}}]}, the integrations with failed runs first
 * (most failures first), then by events. Bucket i covers [from + i h,
 * from + (i+1) h); to is now_ms rounded up to the next hour. *out: caller
 * frees. */
int dashboard_build(struct store *s, long long now_ms, int hours, cJSON **out);

#endif
