/* dedup: idempotency of incoming requests (SPEC 4.1). A request's key is
 * its X-Deduplication-Hash, Idempotency-Key or webhook-id header (the first
 * present), or a hash of the values of the integration's dedupParams taken
 * from the flattened envelope, or, for integrations of the github HMAC
 * scheme (whose signature has no timestamp, so a replay verifies again),
 * its X-GitHub-Delivery header. Keys are remembered per endpoint for
 * dedup_window_seconds; checking and recording happen in the transaction
 * that stores the event, so concurrent duplicates make exactly one event. */
#ifndef INCOMING_DEDUP_H
#define INCOMING_DEDUP_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "store.h"

#define DEDUP_KEY_LEN (36 + 64) /* endpoint id + SHA-256 hex */

/* Header lookup: value of name (any case) or NULL. */
typedef const char *(*dedup_header_fn)(void *ctx, const char *name);

/* Computes the stored key for a request to endpoint_id. envelope is the
 * parsed envelope (for dedupParams; may be NULL when the integration has
 * none). Returns 0 and fills key (DEDUP_KEY_LEN chars + NUL), or 1 when no
 * key applies to this request. */
int dedup_key(const char *endpoint_id, const cJSON *integration, const cJSON *envelope,
              dedup_header_fn header, void *ctx, char key[DEDUP_KEY_LEN + 1]);

/* Inside the storing transaction: when key was recorded less than
 * window_s seconds before now_ms, returns 1 and the first event's id in
 * dup_event_id; otherwise records key -> event_id and returns 0. Store
 * errors are returned as they are (STORE_RETRY when a concurrent request
 * recorded the same key first). */
int dedup_check_and_put(struct store_txn *t, const char *key, const char *event_id,
                        long long now_ms, long long window_s, char dup_event_id[37]);

#endif
