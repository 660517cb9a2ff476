/* store_event: the binary record of an event, a fixed header then the
 * envelope JSON text, and the key of its entry in the events-by-integration
 * index. A leaf: it encodes and decodes bytes and knows nothing of Berkeley
 * DB, so every layer of the store may use it (the environment layer's index
 * callback decodes records; the transaction layer reads and writes them).
 *
 * Layout, little-endian:
 *   "EV1\0" | state u32 | time_ms i64 | body_off u32 | body_len u32 |
 *   event_id[36] | integration_id[36] | endpoint_id[36] | envelope... */
#ifndef INCOMING_STORE_EVENT_H
#define INCOMING_STORE_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum store_event_state { STORE_EVENT_QUEUED = 0, STORE_EVENT_PROCESSED = 1 };

struct store_event {
    char event_id[37];
    char integration_id[37];
    char endpoint_id[37];
    int64_t time_ms;
    uint32_t state;
    uint32_t body_off; /* where the raw body sits inside envelope */
    uint32_t body_len;
    const char *envelope; /* borrowed: from the record decoded, or the caller's */
    size_t envelope_len;
};

/* Header bytes before the envelope, and where the state sits in them. */
#define STORE_EVENT_HDR_LEN (4 + 4 + 8 + 4 + 4 + 36 * 3)
#define STORE_EVENT_STATE_OFF 4

/* Appends the record of ev to out (reset first). Returns a BUF_ status. */
int store_event_encode(const struct store_event *ev, struct buf *out);
/* Decodes a record; ev->envelope then points into rec. Returns 0, or -1
 * when rec is not an event record or its offsets do not fit. */
int store_event_decode(const void *rec, size_t len, struct store_event *ev);
/* Sets the state inside an encoded record (len >= STORE_EVENT_HDR_LEN). */
void store_event_set_state_in(void *rec, uint32_t state);

/* Index key: integration id | big-endian time (sign-flipped) | event id,
 * so one integration's events sort by time. */
#define STORE_EVKEY_LEN (36 + 8 + 36)
void store_event_index_key(const char *integration_id, int64_t time_ms, const char *event_id,
                           unsigned char k[STORE_EVKEY_LEN]);

#endif
