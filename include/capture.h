/* capture: the Retrieve data window of an integration (SPEC section 7).
 * Opening a window stores {expiresAt}; the first authenticated request
 * while it is open becomes the sample, recorded in the request's own
 * transaction so that racing responders keep exactly one. Apply copies the
 * sample's flattened parameters onto the integration. */
#ifndef INCOMING_CAPTURE_H
#define INCOMING_CAPTURE_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "config.h"
#include "store.h"

/* Opens (or re-opens, dropping an earlier sample) a window of
 * cfg->capture_seconds for integration id. *expires_at: ms since epoch. */
int capture_open(struct store *s, const struct config *cfg, const char *integration_id,
                 long long now_ms, long long *expires_at);

/* 1 when a window for integration_id is open and still waiting (read in t). */
int capture_waiting(struct store_txn *t, const char *integration_id, long long now_ms);

/* Inside the request's transaction: when the window is open and waiting,
 * records the envelope as the sample and sets *taken to 1. */
int capture_take(struct store_txn *t, const char *integration_id, long long now_ms,
                 const char *event_id, const char *envelope, size_t envelope_len, int *taken);

/* Notes that a request to integration_id's endpoint was refused (status,
 * the error code and message the sender got) when a window waits for it;
 * does nothing otherwise. The last few are kept until the next window. */
int capture_note_refusal(struct store *s, const char *integration_id, long long now_ms, int status,
                         const char *error, const char *message);

/* {status: waiting|received|expired, secondsLeft, expiresAt, sample?: {eventId,
 * raw, flattened}, refused: [{at, status, error, message}]}; STORE_NOTFOUND when no window was ever
 * opened (the caller reports "expired" or 404 as it sees fit). *out: caller frees. */
int capture_status(struct store *s, const char *integration_id, long long now_ms, cJSON **out);

/* The sample's parameters as [{key, type, example}] for Apply;
 * STORE_NOTFOUND when there is no sample. *out: caller frees. */
int capture_parameters(struct store *s, const char *integration_id, cJSON **out);

/* The received sample's envelope (the "raw" of capture_status), for
 * "Test with the sample" (testnode.h); STORE_NOTFOUND when there is none.
 * *out: caller frees. */
int capture_sample(struct store *s, const char *integration_id, cJSON **out);

#endif
