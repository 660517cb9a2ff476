/* purge: removes what event_retention_days no longer keeps: events (with
 * their index entries) and finished runs created before the cut-off, and
 * deduplication records older than dedup_window_seconds. Work is done in
 * small transactions so responders are never held up for long. Runners
 * call purge_maybe, which runs at most once an hour per data directory. */
#ifndef INCOMING_PURGE_H
#define INCOMING_PURGE_H

#include "config.h"
#include "store.h"

struct purge_stats {
    long events;
    long runs;
    long dedup;
};

int purge_run(struct store *s, const struct config *cfg, long long now_ms, struct purge_stats *st);
/* purge_run when the last purge is more than an hour old. */
int purge_maybe(struct store *s, const struct config *cfg, long long now_ms);

#endif
