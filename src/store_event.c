/* store_event: event records and their index key (see include/store_event.h). */
#include "store_event.h"

#include <string.h>

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
                           unsigned char k[STORE_EVKEY_LEN])
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

    if (len < STORE_EVENT_HDR_LEN || memcmp(p, "EV1", 4) != 0)
        return -1;
    ev->state = get_u32(p + STORE_EVENT_STATE_OFF);
    ev->time_ms = (int64_t)get_u64(p + 8);
    ev->body_off = get_u32(p + 16);
    ev->body_len = get_u32(p + 20);
    memcpy(ev->event_id, p + 24, 36);
    ev->event_id[36] = '\0';
    memcpy(ev->integration_id, p + 60, 36);
    ev->integration_id[36] = '\0';
    memcpy(ev->endpoint_id, p + 96, 36);
    ev->endpoint_id[36] = '\0';
    ev->envelope = (const char *)p + STORE_EVENT_HDR_LEN;
    ev->envelope_len = len - STORE_EVENT_HDR_LEN;
    if ((size_t)ev->body_off + ev->body_len > ev->envelope_len)
        return -1;
    return 0;
}

int store_event_encode(const struct store_event *ev, struct buf *out)
{
    unsigned char hdr[STORE_EVENT_HDR_LEN];
    int rc;

    memcpy(hdr, "EV1", 4);
    put_u32(hdr + STORE_EVENT_STATE_OFF, ev->state);
    put_u64(hdr + 8, (uint64_t)ev->time_ms);
    put_u32(hdr + 16, ev->body_off);
    put_u32(hdr + 20, ev->body_len);
    memcpy(hdr + 24, ev->event_id, 36);
    memcpy(hdr + 60, ev->integration_id, 36);
    memcpy(hdr + 96, ev->endpoint_id, 36);
    buf_reset(out);
    rc = buf_append(out, hdr, sizeof(hdr));
    return rc != BUF_OK ? rc : buf_append(out, ev->envelope, ev->envelope_len);
}

void store_event_set_state_in(void *rec, uint32_t state)
{
    put_u32((unsigned char *)rec + STORE_EVENT_STATE_OFF, state);
}
