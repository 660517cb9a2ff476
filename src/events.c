/* events: listing and reading stored events (see include/events.h).
 * A page is found in two steps inside one read transaction: collect up to
 * limit + 1 index keys per integration that sort before the cursor, merge
 * them newest first, then read the records of the first limit keys. */
#include "events.h"

#include "b64.h"
#include "buf.h"
#include "json.h"
#include "log.h"
#include "store_event.h"
#include "uuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Stored envelopes were validated on the way in (bodies nest at most
 * max_json_depth <= 512 levels, wrapped a few levels deeper); this only
 * bounds recursion. */
#define ENVELOPE_MAX_DEPTH 1024
#define TIME_OFF UUID_LEN /* the time and event id part of an index key */

struct key_list {
    unsigned char (*keys)[STORE_EVKEY_LEN];
    size_t count;
    size_t cap;
};

static int key_list_add(struct key_list *l, const void *key)
{
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        void *p = realloc(l->keys, cap * STORE_EVKEY_LEN);
        if (p == NULL)
            return STORE_NOMEM;
        l->keys = p;
        l->cap = cap;
    }
    memcpy(l->keys[l->count++], key, STORE_EVKEY_LEN);
    return STORE_OK;
}

/* Newest first: time then event id, both descending. */
static int key_cmp_desc(const void *a, const void *b)
{
    return -memcmp((const unsigned char *)a + TIME_OFF, (const unsigned char *)b + TIME_OFF,
                   STORE_EVKEY_LEN - TIME_OFF);
}

int events_envelope(const struct store_event *ev, cJSON **out, struct json_error *err)
{
    return json_parse(ev->envelope, ev->envelope_len, ENVELOPE_MAX_DEPTH, out, err) == 0 ? 0 : -1;
}

struct list_arg {
    const char *integration_id;  /* NULL: every integration */
    const unsigned char *cursor; /* NULL: first page */
    size_t limit;
    struct key_list keys; /* candidates of the current walk */
    size_t walk_count;    /* candidates taken from the current integration */
    const char *walk_integration;
    cJSON *items;
    int more;
    unsigned char last[STORE_EVKEY_LEN];
};

/* Takes index keys of one integration, newest first, until limit + 1. */
static int collect_cb(const void *key, size_t klen, const void *pkey, size_t pklen, const void *val,
                      size_t vlen, void *arg)
{
    struct list_arg *a = arg;

    (void)pkey;
    (void)pklen;
    (void)val;
    (void)vlen;
    if (klen != STORE_EVKEY_LEN || memcmp(key, a->walk_integration, UUID_LEN) != 0)
        return 1;
    if (a->cursor && memcmp((const unsigned char *)key + TIME_OFF, a->cursor + TIME_OFF,
                            STORE_EVKEY_LEN - TIME_OFF) >= 0)
        return 0; /* the cursor's own item (or newer) */
    if (a->walk_count == a->limit + 1)
        return 1;
    a->walk_count++;
    return key_list_add(&a->keys, key);
}

static int collect_one(struct store_txn *t, struct list_arg *a, const char *integration_id)
{
    unsigned char start[STORE_EVKEY_LEN];

    memcpy(start, integration_id, UUID_LEN);
    if (a->cursor)
        memcpy(start + TIME_OFF, a->cursor + TIME_OFF, STORE_EVKEY_LEN - TIME_OFF);
    else
        memset(start + TIME_OFF, 0xff, STORE_EVKEY_LEN - TIME_OFF);
    a->walk_integration = integration_id;
    a->walk_count = 0;
    return store_scan(t, STORE_DB_EVENTS_BY_INTEGRATION, start, sizeof(start), 1, collect_cb, a);
}

struct ids {
    char (*id)[UUID_LEN + 1];
    size_t count;
    size_t cap;
};

static int ids_cb(const void *key, size_t klen, const void *pkey, size_t pklen, const void *val,
                  size_t vlen, void *arg)
{
    struct ids *ids = arg;

    (void)pkey;
    (void)pklen;
    (void)val;
    (void)vlen;
    if (klen != UUID_LEN)
        return 0;
    if (ids->count == ids->cap) {
        size_t cap = ids->cap ? ids->cap * 2 : 16;
        void *p = realloc(ids->id, cap * sizeof(*ids->id));
        if (p == NULL)
            return STORE_NOMEM;
        ids->id = p;
        ids->cap = cap;
    }
    memcpy(ids->id[ids->count], key, UUID_LEN);
    ids->id[ids->count++][UUID_LEN] = '\0';
    return 0;
}

static int collect_all(struct store_txn *t, struct list_arg *a)
{
    struct ids ids = {0};
    int rc = store_scan(t, STORE_DB_INTEGRATIONS, NULL, 0, 0, ids_cb, &ids);

    for (size_t i = 0; rc == STORE_OK && i < ids.count; i++)
        rc = collect_one(t, a, ids.id[i]);
    free(ids.id);
    return rc;
}

/* Reads the records of the first limit candidates into a->items. */
static int fetch_page(struct store_txn *t, struct list_arg *a)
{
    struct buf rec;
    size_t n = a->keys.count < a->limit ? a->keys.count : a->limit;
    int rc = STORE_OK;

    if (a->keys.count > 1)
        qsort(a->keys.keys, a->keys.count, STORE_EVKEY_LEN, key_cmp_desc);
    a->more = a->keys.count > a->limit;
    buf_init(&rec, 64u << 20);
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        char id[UUID_LEN + 1];
        struct store_event ev;
        cJSON *item;

        memcpy(id, a->keys.keys[i] + UUID_LEN + 8, UUID_LEN);
        id[UUID_LEN] = '\0';
        rc = store_event_get(t, id, &ev, &rec);
        if (rc == STORE_NOTFOUND) {
            /* No record under the id the index names (the index key holds
             * the record's own id, which a damaged record may not match):
             * skipped, and the page goes on. */
            rc = STORE_OK;
            continue;
        }
        if (rc != STORE_OK)
            break;
        item = events_item(&ev);
        if (item == NULL) {
            rc = STORE_ERROR;
            break;
        }
        cJSON_AddItemToArray(a->items, item);
        memcpy(a->last, a->keys.keys[i], STORE_EVKEY_LEN);
    }
    buf_free(&rec);
    return rc;
}

static int list_fn(struct store_txn *t, void *arg)
{
    struct list_arg *a = arg;
    int rc;

    a->keys.count = 0;
    a->more = 0;
    cJSON_Delete(a->items);
    a->items = cJSON_CreateArray();
    if (a->items == NULL)
        return STORE_NOMEM;
    if (a->integration_id) {
        struct buf v;
        buf_init(&v, 16u << 20);
        rc = store_get(t, STORE_DB_INTEGRATIONS, a->integration_id, UUID_LEN, &v);
        buf_free(&v);
        if (rc == STORE_OK)
            rc = collect_one(t, a, a->integration_id);
    } else {
        rc = collect_all(t, a);
    }
    if (rc == STORE_OK)
        rc = fetch_page(t, a);
    return rc;
}

/* 1 when both ids inside an index key are UUID text. */
static int key_ids_valid(const unsigned char *key)
{
    char tmp[UUID_LEN + 1];
    return uuid_parse((const char *)key, UUID_LEN, tmp) == 0 &&
           uuid_parse((const char *)key + UUID_LEN + 8, UUID_LEN, tmp) == 0;
}

/* Checks limit, id and cursor of a list request. */
static int list_args(const char *integration_id, const char *cursor, int *limit, char *id,
                     unsigned char *key, int *have_cursor, char *err, size_t errlen)
{
    size_t n = 0;

    if (*limit == 0)
        *limit = EVENTS_LIMIT_DEFAULT;
    if (*limit < 1 || *limit > EVENTS_LIMIT_MAX) {
        snprintf(err, errlen, "limit: must be 1 to %d", EVENTS_LIMIT_MAX);
        return EVENTS_INVALID;
    }
    if (integration_id && uuid_parse(integration_id, strlen(integration_id), id) != 0) {
        snprintf(err, errlen, "integration id: not a UUID");
        return EVENTS_INVALID;
    }
    *have_cursor = cursor != NULL && cursor[0] != '\0';
    if (!*have_cursor)
        return EVENTS_OK;
    if (strlen(cursor) != 2 * STORE_EVKEY_LEN ||
        b64_hex_decode(cursor, 2 * STORE_EVKEY_LEN, key, STORE_EVKEY_LEN, &n) != B64_OK ||
        n != STORE_EVKEY_LEN || !key_ids_valid(key) ||
        (integration_id && memcmp(key, id, UUID_LEN) != 0)) {
        snprintf(err, errlen, "cursor: not a cursor of this list");
        return EVENTS_INVALID;
    }
    return EVENTS_OK;
}

int events_list(struct store *s, const char *integration_id, const char *cursor, int limit,
                cJSON **items, char next[EVENTS_CURSOR_LEN], char *err, size_t errlen)
{
    char id[UUID_LEN + 1];
    unsigned char key[STORE_EVKEY_LEN];
    struct list_arg a;
    int have_cursor = 0;
    int rc;

    *items = NULL;
    next[0] = '\0';
    rc = list_args(integration_id, cursor, &limit, id, key, &have_cursor, err, errlen);
    if (rc != EVENTS_OK)
        return rc;
    memset(&a, 0, sizeof(a));
    a.integration_id = integration_id ? id : NULL;
    a.cursor = have_cursor ? key : NULL;
    a.limit = (size_t)limit;
    rc = store_txn_run(s, list_fn, &a);
    free(a.keys.keys);
    if (rc == STORE_NOTFOUND) {
        cJSON_Delete(a.items);
        snprintf(err, errlen, "no integration with id %s", id);
        return EVENTS_NOTFOUND;
    }
    if (rc != STORE_OK) {
        cJSON_Delete(a.items);
        snprintf(err, errlen, "cannot list events: %s", store_strerror(rc));
        return EVENTS_STORE;
    }
    if (a.more)
        b64_hex_encode(a.last, STORE_EVKEY_LEN, next, EVENTS_CURSOR_LEN);
    *items = a.items;
    return EVENTS_OK;
}

struct get_arg {
    const char *id;
    struct buf rec;
    struct store_event ev;
};

static int get_fn(struct store_txn *t, void *arg)
{
    struct get_arg *a = arg;
    return store_event_get(t, a->id, &a->ev, &a->rec);
}

int events_get(struct store *s, const char *event_id, cJSON **out, char *err, size_t errlen)
{
    char id[UUID_LEN + 1];
    struct get_arg a;
    int rc;

    *out = NULL;
    if (uuid_parse(event_id, strlen(event_id), id) != 0) {
        snprintf(err, errlen, "event id: not a UUID");
        return EVENTS_INVALID;
    }
    memset(&a, 0, sizeof(a));
    a.id = id;
    buf_init(&a.rec, 64u << 20);
    rc = store_txn_run(s, get_fn, &a);
    if (rc == STORE_NOTFOUND) {
        snprintf(err, errlen, "no event with id %s", id);
        rc = EVENTS_NOTFOUND;
    } else if (rc != STORE_OK) {
        snprintf(err, errlen, "cannot read the event: %s", store_strerror(rc));
        rc = EVENTS_STORE;
    } else if (events_document(&a.ev, out) != 0) {
        snprintf(err, errlen, "event %s: the stored envelope is damaged, or out of memory", id);
        rc = EVENTS_STORE;
    } else {
        rc = EVENTS_OK;
    }
    buf_free(&a.rec);
    return rc;
}
