/* metrics: what one process counts that has no transaction of its own to
 * be counted in -- above all the HTTP requests by route and status -- and
 * how it reaches the store's counters (include/counter.h).
 *
 * Adding one to a counter in the store for every request would cost a
 * transaction per request: a trip through the gate and a log write, on the
 * path of every sender. Instead each responder keeps its counts in memory
 * and adds them in one transaction without a disk flush, at most once a
 * second while requests come, within a second once they stop (the
 * responder waits for its next request at most until then), before it
 * answers GET /metrics itself, and when it exits. The price: a scrape may
 * miss the last second of another responder's requests, and a responder
 * killed with SIGKILL (or a power cut) loses at most its last second of
 * request counts. Events, runs and attempts are counted exactly, in their
 * own transactions. */
#ifndef INCOMING_METRICS_H
#define INCOMING_METRICS_H

#include "store.h"

/* How long counts may wait in a process before they are added. */
#define METRICS_FLUSH_MS 1000

/* The route label of a request path (base_path already removed):
 * "incoming", "healthz", "auth_token", "custom_event", "api", "ui",
 * "metrics", or "other" (no route). */
const char *metrics_route(const char *path);

/* Counts one answered request (status 0: none was sent, counted as 500). */
void metrics_note_request(const char *path, int status);
/* Counts one occurrence of a series (a counter name, labels included). */
void metrics_note(const char *series);

/* Adds every count kept in this process to the store, in one transaction
 * that does not wait for the disk. Kept counts are cleared only once it
 * committed. Returns STORE_OK (also when nothing was kept) or a store
 * status (the counts are kept for the next try). */
int metrics_flush(struct store *s);
/* metrics_flush when counts are kept and METRICS_FLUSH_MS have passed since
 * the last flush. s may be NULL (nothing happens). */
void metrics_flush_due(struct store *s);
/* Between requests: when counts are kept, waits until listen_fd has a
 * connection, a signal arrives or the flush is due, and flushes in the
 * last case. Returns at once when nothing is kept, or when listen_fd < 0. */
void metrics_idle(struct store *s, int listen_fd);

#endif
