/* counter: the monotonic counters behind GET /metrics, kept in the store
 * (STORE_DB_COUNTERS) so that they survive every process's restart and go
 * along with a backup. A counter is a series name as Prometheus prints it,
 * labels included ("incoming_attempts_total{outcome=\"retry\"}"), mapped
 * to an 8-byte big-endian count.
 *
 * Counters are raised inside transactions that run anyway: an event's
 * acceptance and its runs' planning count in the accept transaction, a
 * run's outcome in the transaction that saves it. What has no transaction
 * of its own (the HTTP requests) is collected per process and added in
 * batches (include/metrics.h). No counter ever costs a commit of its own
 * on the ingest path. */
#ifndef INCOMING_COUNTER_H
#define INCOMING_COUNTER_H

#include <stddef.h>

#include "store.h"

#define COUNTER_NAME_MAX 200

/* Adds n to the counter named name (created at 0) inside t. STORE_OK or a
 * store status (STORE_RETRY: the transaction is retried as a whole). */
int counter_add(struct store_txn *t, const char *name, unsigned long long n);

/* Calls fn for every counter in name order; fn returns 0 to go on. */
typedef int (*counter_fn)(const char *name, unsigned long long value, void *arg);
int counter_scan(struct store_txn *t, counter_fn fn, void *arg);

#endif
