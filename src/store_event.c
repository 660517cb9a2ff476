/* store_event: the binary record of an event (a fixed header, then the
 * envelope JSON) and its operations. Layout, little-endian:
 *   "EV1\0" | state u32 | time_ms i64 | body_off u32 | body_len u32 |
 *   event_id[36] | integration_id[36] | endpoint_id[36] | envelope... */
#include "store.h"

#include "store_internal.h"

#include <string.h>

#define HDR_LEN (4 + 4 + 8 + 4 + 4 + 36 * 3)
#define OFF_STATE 4

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)p[i] << (8 * i);
    return v;
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

void store_event_index_key(const char *integration_id, int64_t time_ms, const char *event_id,
                           unsigned char *k)
{
    uint64_t t = (uint64_t)time_ms ^ 0x8000000000000000ULL; /* sorts signed values */
    memcpy(k, integration_id, 36);
    for (int i = 0; i < 8; i++)
        k[36 + i] = (unsigned char)(t >> (56 - 8 * i));
    memcpy(k + 44, event_id, 36);
}

int store_event_decode(const void *rec, size_t len, struct store_event *ev)
{
    const unsigned char *p = rec;

    if (len < HDR_LEN || memcmp(p, "EV1", 4) != 0)
        return STORE_ERROR;
    ev->state = get_u32(p + 4);
    ev->time_ms = (int64_t)get_u64(p + 8);
    ev->body_off = get_u32(p + 16);
    ev->body_len = get_u32(p + 20);
    memcpy(ev->event_id, p + 24, 36);
    ev->event_id[36] = '\0';
    memcpy(ev->integration_id, p + 60, 36);
    ev->integration_id[36] = '\0';
    memcpy(ev->endpoint_id, p + 96, 36);
    ev->endpoint_id[36] = '\0';
    ev->envelope = (const char *)p + HDR_LEN;
    ev->envelope_len = len - HDR_LEN;
    if ((size_t)ev->body_off + ev->body_len > ev->envelope_len)
        return STORE_ERROR;
    return STORE_OK;
}

int store_event_put(struct store_txn *t, const struct store_event *ev)
{
    struct buf rec;
    unsigned char hdr[HDR_LEN];
    int rc;

    memcpy(hdr, "EV1", 4);
    put_u32(hdr + 4, ev->state);
    put_u64(hdr + 8, (uint64_t)ev->time_ms);
    put_u32(hdr + 16, ev->body_off);
    put_u32(hdr + 20, ev->body_len);
    memcpy(hdr + 24, ev->event_id, 36);
    memcpy(hdr + 60, ev->integration_id, 36);
    memcpy(hdr + 96, ev->endpoint_id, 36);
    buf_init(&rec, (size_t)HDR_LEN + ev->envelope_len);
    if (buf_append(&rec, hdr, HDR_LEN) != BUF_OK ||
        buf_append(&rec, ev->envelope, ev->envelope_len) != BUF_OK) {
        buf_free(&rec);
        return STORE_NOMEM;
    }
    rc = store_put(t, STORE_DB_EVENTS, ev->event_id, 36, rec.data, rec.len, STORE_NOOVERWRITE);
    buf_free(&rec);
    return rc;
}

int store_event_get(struct store_txn *t, const char *event_id, struct store_event *ev,
                    struct buf *storage)
{
    int rc = store_get(t, STORE_DB_EVENTS, event_id, 36, storage);
    if (rc != STORE_OK)
        return rc;
    return store_event_decode(storage->data, storage->len, ev);
}

int store_event_set_state(struct store_txn *t, const char *event_id, uint32_t state)
{
    struct buf rec;
    int rc;

    buf_init(&rec, 64u << 20);
    rc = store_get_rmw(t, STORE_DB_EVENTS, event_id, 36, &rec);
    if (rc == STORE_OK && rec.len < HDR_LEN)
        rc = STORE_ERROR;
    if (rc == STORE_OK) {
        put_u32((unsigned char *)rec.data + OFF_STATE, state);
        rc = store_put(t, STORE_DB_EVENTS, event_id, 36, rec.data, rec.len, 0);
    }
    buf_free(&rec);
    return rc;
}
