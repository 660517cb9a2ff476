/* profile_store: profiles, their identifier index and their events in the
 * store (see include/profile.h for the rules). Keys:
 *   PROFILE_IDENTS  "e:a@example.com"              -> profile id (36 bytes)
 *   PROFILES        profile id                     -> profile JSON
 *   PROFILE_EVENTS  profile id | time BE64 | event id (80 bytes) -> event JSON
 *   PROFILE_SALTS   profile id | action NUL salt   -> event key (80 bytes)
 *   PROFILES_BY_TIME updatedAt BE64 | profile id (44 bytes) -> ""
 * PROFILES_BY_TIME holds one entry per profile, moved in the same
 * transaction that changes updatedAt; profiles stored before it existed
 * enter it with their next event.
 * Every read that precedes a write takes a write lock (store_get_rmw), so
 * two requests for the same new identifier serialise on its index key; a
 * put that still finds the key taken restarts the transaction. */
#include "profile.h"

#include "b64.h"
#include "isotime.h"
#include "json.h"
#include "log.h"
#include "profile_internal.h"
#include "uuid.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EVKEY_LEN (UUID_LEN + 8 + UUID_LEN)
#define SALTKEY_MAX (UUID_LEN + PROFILE_ACTION_MAX + 1 + PROFILE_SALT_MAX * 4)
#define DOC_MAX (64u * 1024u)
#define EVENT_MAX (PROFILE_BODY_MAX + 4096u)
#define TIMEKEY_LEN (8 + UUID_LEN)

struct add_ctx {
    const struct profile_event *ev;
    char profile_id[UUID_LEN + 1];
    char event_id[UUID_LEN + 1];
    long long count;
    struct buf val;
};

static void event_key(const char *pid, long long time_ms, const char *eid, unsigned char *k)
{
    uint64_t t = (uint64_t)time_ms;

    memcpy(k, pid, UUID_LEN);
    for (int i = 0; i < 8; i++)
        k[UUID_LEN + i] = (unsigned char)(t >> (56 - 8 * i));
    memcpy(k + UUID_LEN + 8, eid, UUID_LEN);
}

static void time_key(long long ms, const char *pid, unsigned char *k)
{
    uint64_t t = (uint64_t)ms;

    for (int i = 0; i < 8; i++)
        k[i] = (unsigned char)(t >> (56 - 8 * i));
    memcpy(k + 8, pid, UUID_LEN);
}

static size_t salt_key(const char *pid, const struct profile_event *ev, unsigned char *k)
{
    size_t a = strlen(ev->action), s = strlen(ev->salt);

    memcpy(k, pid, UUID_LEN);
    memcpy(k + UUID_LEN, ev->action, a);
    k[UUID_LEN + a] = '\0';
    memcpy(k + UUID_LEN + a + 1, ev->salt, s);
    return UUID_LEN + a + 1 + s;
}

static int parse_doc(const struct buf *b, cJSON **out)
{
    return json_parse(b->data, b->len, 16, out, NULL) == 0 && cJSON_IsObject(*out) ? STORE_OK
                                                                                   : STORE_ERROR;
}

/* Finds the profile by the first known identifier, or starts a new one. */
static int find_profile(struct store_txn *t, struct add_ctx *a, cJSON **doc)
{
    int rc = STORE_NOTFOUND;

    for (int i = 0; i < PROFILE_IDENTS && rc == STORE_NOTFOUND; i++) {
        const char *k = a->ev->key[i];
        if (k[0] == '\0')
            continue;
        rc = store_get_rmw(t, STORE_DB_PROFILE_IDENTS, k, strlen(k), &a->val);
        if (rc == STORE_OK && a->val.len != UUID_LEN)
            rc = STORE_ERROR;
        if (rc == STORE_OK)
            memcpy(a->profile_id, a->val.data, UUID_LEN + 1);
    }
    if (rc == STORE_OK) {
        rc = store_get_rmw(t, STORE_DB_PROFILES, a->profile_id, UUID_LEN, &a->val);
        if (rc == STORE_OK)
            return parse_doc(&a->val, doc);
        if (rc != STORE_NOTFOUND)
            return rc;
        LOG_WARN("profile %s is indexed but missing; recreating it", a->profile_id);
    } else if (rc != STORE_NOTFOUND) {
        return rc;
    } else if (uuid_generate(a->profile_id) != 0) {
        return STORE_ERROR;
    }
    *doc = cJSON_CreateObject();
    if (*doc == NULL || !cJSON_AddStringToObject(*doc, "id", a->profile_id) ||
        !cJSON_AddObjectToObject(*doc, "identifiers") ||
        !cJSON_AddItemToObject(*doc, "createdAt", json_number_from_ll(a->ev->received_ms)))
        return STORE_NOMEM;
    return STORE_OK;
}

/* The identifier as the profile shows it: email and customId as first
 * given, uuid lower-cased, id as sent (number or string). */
static cJSON *ident_value(const struct profile_event *ev, int i)
{
    if (i == PROFILE_UUID)
        return cJSON_CreateString(ev->key[i] + 2);
    return cJSON_Duplicate(ev->ident[i], 0);
}

/* Attaches each given identifier the profile lacks and nobody holds. */
static int attach_idents(struct store_txn *t, struct add_ctx *a, cJSON *doc)
{
    cJSON *ids = json_get(doc, "identifiers");

    if (!cJSON_IsObject(ids))
        return STORE_ERROR;
    for (int i = 0; i < PROFILE_IDENTS; i++) {
        const char *k = a->ev->key[i], *name = profile_ident_name((enum profile_ident)i);
        cJSON *v;
        int rc;
        if (k[0] == '\0' || json_get(ids, name) != NULL)
            continue;
        rc = store_get_rmw(t, STORE_DB_PROFILE_IDENTS, k, strlen(k), &a->val);
        if (rc == STORE_OK &&
            (a->val.len != UUID_LEN || memcmp(a->val.data, a->profile_id, UUID_LEN) != 0))
            continue; /* another profile's */
        if (rc == STORE_NOTFOUND) {
            rc = store_put(t, STORE_DB_PROFILE_IDENTS, k, strlen(k), a->profile_id, UUID_LEN,
                           STORE_NOOVERWRITE);
            if (rc == STORE_EXISTS)
                return STORE_RETRY;
        }
        if (rc != STORE_OK)
            return rc;
        v = ident_value(a->ev, i);
        if (v == NULL || !cJSON_AddItemToObject(ids, name, v)) {
            cJSON_Delete(v);
            return STORE_NOMEM;
        }
    }
    return STORE_OK;
}

/* The stored event: {eventId, action, label?, params, time, receivedAt,
 * eventSalt?} as JSON text in a->val. */
static int event_text(struct add_ctx *a, const char *eid)
{
    const struct profile_event *ev = a->ev;
    char when[ISOTIME_LEN + 1];
    int rc;

    if (isotime_format(ev->time_ms, when, sizeof(when)) != 0)
        return STORE_ERROR;
    buf_reset(&a->val);
    rc = buf_puts(&a->val, "{\"eventId\":\"");
    rc = rc ? rc : buf_puts(&a->val, eid);
    rc = rc ? rc : buf_puts(&a->val, "\",\"action\":");
    rc = rc ? rc : json_print_string(ev->action, strlen(ev->action), &a->val);
    if (ev->label) {
        rc = rc ? rc : buf_puts(&a->val, ",\"label\":");
        rc = rc ? rc : json_print_string(ev->label, strlen(ev->label), &a->val);
    }
    rc = rc ? rc : buf_puts(&a->val, ",\"params\":");
    rc = rc ? rc : (ev->params ? json_print(ev->params, &a->val) : buf_puts(&a->val, "{}"));
    rc = rc ? rc
            : buf_printf(&a->val, ",\"time\":\"%s\",\"receivedAt\":%lld", when, ev->received_ms);
    if (ev->salt) {
        rc = rc ? rc : buf_puts(&a->val, ",\"eventSalt\":");
        rc = rc ? rc : json_print_string(ev->salt, strlen(ev->salt), &a->val);
    }
    rc = rc ? rc : buf_putc(&a->val, '}');
    return rc == BUF_OK ? STORE_OK : STORE_NOMEM;
}

struct oldest {
    const char *pid;
    unsigned char key[EVKEY_LEN];
    int found;
    struct buf *val;
};

static int oldest_cb(const void *key, size_t klen, const void *pkey, size_t pklen, const void *val,
                     size_t vlen, void *arg)
{
    struct oldest *o = arg;

    (void)pkey;
    (void)pklen;
    if (klen != EVKEY_LEN || memcmp(key, o->pid, UUID_LEN) != 0)
        return 1;
    memcpy(o->key, key, EVKEY_LEN);
    buf_reset(o->val);
    if (buf_append(o->val, val, vlen) != BUF_OK)
        return STORE_NOMEM;
    o->found = 1;
    return 1;
}

/* Drops the profile's oldest event and the salt entry that names it. */
static int drop_oldest(struct store_txn *t, struct add_ctx *a)
{
    struct oldest o = {a->profile_id, {0}, 0, &a->val};
    unsigned char sk[SALTKEY_MAX];
    struct profile_event ev;
    cJSON *doc = NULL;
    int rc = store_scan(t, STORE_DB_PROFILE_EVENTS, a->profile_id, UUID_LEN, 0, oldest_cb, &o);

    if (rc != STORE_OK || !o.found)
        return rc != STORE_OK ? rc : STORE_ERROR;
    memset(&ev, 0, sizeof(ev));
    if (parse_doc(&a->val, &doc) == STORE_OK) {
        ev.action = json_get_string(doc, "action");
        ev.salt = json_get_string(doc, "eventSalt");
    }
    if (ev.action && ev.salt && strlen(ev.action) <= PROFILE_ACTION_MAX &&
        strlen(ev.salt) <= PROFILE_SALT_MAX * 4) {
        size_t n = salt_key(a->profile_id, &ev, sk);
        rc = store_get_rmw(t, STORE_DB_PROFILE_SALTS, sk, n, &a->val);
        if (rc == STORE_OK && a->val.len == EVKEY_LEN && memcmp(a->val.data, o.key, EVKEY_LEN) == 0)
            rc = store_del(t, STORE_DB_PROFILE_SALTS, sk, n);
        rc = rc == STORE_NOTFOUND ? STORE_OK : rc;
    }
    cJSON_Delete(doc);
    if (rc == STORE_OK)
        rc = store_del(t, STORE_DB_PROFILE_EVENTS, o.key, EVKEY_LEN);
    if (rc == STORE_OK)
        a->count--;
    return rc;
}

/* The event under a salt already used for this profile and action, if
 * any: deletes it and takes over its id. */
static int take_salted(struct store_txn *t, struct add_ctx *a, unsigned char *sk, size_t *sklen)
{
    int rc;

    *sklen = salt_key(a->profile_id, a->ev, sk);
    rc = store_get_rmw(t, STORE_DB_PROFILE_SALTS, sk, *sklen, &a->val);
    if (rc != STORE_OK || a->val.len != EVKEY_LEN)
        return rc == STORE_OK ? STORE_NOTFOUND : rc;
    memcpy(a->event_id, a->val.data + UUID_LEN + 8, UUID_LEN);
    a->event_id[UUID_LEN] = '\0';
    return store_del(t, STORE_DB_PROFILE_EVENTS, a->val.data, EVKEY_LEN);
}

static int put_event(struct store_txn *t, struct add_ctx *a)
{
    unsigned char ek[EVKEY_LEN], sk[SALTKEY_MAX];
    size_t sklen = 0;
    int rc = STORE_NOTFOUND;

    if (a->ev->salt)
        rc = take_salted(t, a, sk, &sklen);
    if (rc == STORE_NOTFOUND) {
        if (uuid_generate(a->event_id) != 0)
            return STORE_ERROR;
        a->count++;
    } else if (rc != STORE_OK) {
        return rc;
    }
    event_key(a->profile_id, a->ev->time_ms, a->event_id, ek);
    rc = event_text(a, a->event_id);
    if (rc == STORE_OK)
        rc = store_put(t, STORE_DB_PROFILE_EVENTS, ek, EVKEY_LEN, a->val.data, a->val.len, 0);
    if (rc == STORE_OK && a->ev->salt)
        rc = store_put(t, STORE_DB_PROFILE_SALTS, sk, sklen, ek, EVKEY_LEN, 0);
    while (rc == STORE_OK && a->count > PROFILE_EVENTS_MAX)
        rc = drop_oldest(t, a);
    return rc;
}

/* Moves the profile's entry in PROFILES_BY_TIME from its old updatedAt
 * (none for a new profile or one stored before the index) to now. */
static int move_time_key(struct store_txn *t, struct add_ctx *a, const cJSON *doc)
{
    unsigned char k[TIMEKEY_LEN];
    long long old = json_get_ll(doc, "updatedAt", -1);
    int rc;

    if (old >= 0) {
        time_key(old, a->profile_id, k);
        rc = store_del(t, STORE_DB_PROFILES_BY_TIME, k, sizeof(k));
        if (rc != STORE_OK && rc != STORE_NOTFOUND)
            return rc;
    }
    time_key(a->ev->received_ms, a->profile_id, k);
    return store_put(t, STORE_DB_PROFILES_BY_TIME, k, sizeof(k), "", 0, 0);
}

static int put_doc(struct store_txn *t, struct add_ctx *a, cJSON *doc)
{
    int rc = move_time_key(t, a, doc);

    if (rc != STORE_OK)
        return rc;
    cJSON_DeleteItemFromObjectCaseSensitive(doc, "updatedAt");
    cJSON_DeleteItemFromObjectCaseSensitive(doc, "eventCount");
    if (!cJSON_AddItemToObject(doc, "updatedAt", json_number_from_ll(a->ev->received_ms)) ||
        !cJSON_AddItemToObject(doc, "eventCount", json_number_from_ll(a->count)))
        return STORE_NOMEM;
    buf_reset(&a->val);
    if (json_print(doc, &a->val) != BUF_OK)
        return STORE_NOMEM;
    return store_put(t, STORE_DB_PROFILES, a->profile_id, UUID_LEN, a->val.data, a->val.len, 0);
}

static int add_txn(struct store_txn *t, void *arg)
{
    struct add_ctx *a = arg;
    cJSON *doc = NULL;
    int rc;

    a->profile_id[0] = '\0';
    a->event_id[0] = '\0';
    rc = find_profile(t, a, &doc);
    if (rc == STORE_OK)
        rc = attach_idents(t, a, doc);
    if (rc == STORE_OK) {
        a->count = json_get_ll(doc, "eventCount", 0);
        rc = put_event(t, a);
    }
    if (rc == STORE_OK)
        rc = put_doc(t, a, doc);
    cJSON_Delete(doc);
    return rc;
}

int profile_add_event(struct store *s, const struct profile_event *ev, char event_id[37],
                      char profile_id[37])
{
    struct add_ctx a;
    int rc;

    memset(&a, 0, sizeof(a));
    a.ev = ev;
    buf_init(&a.val, EVENT_MAX + DOC_MAX);
    rc = store_txn_run(s, add_txn, &a);
    buf_free(&a.val);
    if (rc != STORE_OK) {
        LOG_ERR("cannot store a custom event: %s", store_strerror(rc));
        return rc == STORE_NOMEM ? PROFILE_NOMEM : PROFILE_STORE;
    }
    memcpy(event_id, a.event_id, UUID_LEN + 1);
    memcpy(profile_id, a.profile_id, UUID_LEN + 1);
    return PROFILE_OK;
}

struct lookup_ctx {
    const char *key;
    char pid[UUID_LEN + 1];
    cJSON *doc, *events;
    struct buf val;
};

static int events_cb(const void *key, size_t klen, const void *pkey, size_t pklen, const void *val,
                     size_t vlen, void *arg)
{
    struct lookup_ctx *l = arg;
    cJSON *ev = NULL;

    (void)pkey;
    (void)pklen;
    if (klen != EVKEY_LEN || memcmp(key, l->pid, UUID_LEN) != 0)
        return 1;
    if (json_parse(val, vlen, 1024, &ev, NULL) != 0)
        return STORE_ERROR;
    cJSON_AddItemToArray(l->events, ev);
    return 0;
}

static int lookup_txn(struct store_txn *t, void *arg)
{
    struct lookup_ctx *l = arg;
    unsigned char start[EVKEY_LEN];
    int rc;

    cJSON_Delete(l->doc);
    l->doc = NULL;
    rc = store_get(t, STORE_DB_PROFILE_IDENTS, l->key, strlen(l->key), &l->val);
    if (rc == STORE_OK && l->val.len != UUID_LEN)
        rc = STORE_ERROR;
    if (rc != STORE_OK)
        return rc;
    memcpy(l->pid, l->val.data, UUID_LEN + 1);
    rc = store_get(t, STORE_DB_PROFILES, l->pid, UUID_LEN, &l->val);
    if (rc == STORE_OK)
        rc = parse_doc(&l->val, &l->doc);
    if (rc != STORE_OK)
        return rc;
    l->events = cJSON_AddArrayToObject(l->doc, "events");
    if (l->events == NULL)
        return STORE_NOMEM;
    memcpy(start, l->pid, UUID_LEN);
    memset(start + UUID_LEN, 0xff, EVKEY_LEN - UUID_LEN);
    return store_scan(t, STORE_DB_PROFILE_EVENTS, start, EVKEY_LEN, 1, events_cb, l);
}

int profile_lookup(struct store *s, enum profile_ident kind, const char *value, cJSON **out)
{
    char key[PROFILE_KEY_MAX];
    struct lookup_ctx l;
    int rc;

    *out = NULL;
    if (profile_ident_key(kind, value, key) != 0)
        return PROFILE_NOTFOUND;
    memset(&l, 0, sizeof(l));
    l.key = key;
    buf_init(&l.val, EVENT_MAX + DOC_MAX);
    rc = store_txn_run(s, lookup_txn, &l);
    buf_free(&l.val);
    if (rc != STORE_OK) {
        cJSON_Delete(l.doc);
        return rc == STORE_NOTFOUND ? PROFILE_NOTFOUND
               : rc == STORE_NOMEM  ? PROFILE_NOMEM
                                    : PROFILE_STORE;
    }
    *out = l.doc;
    return PROFILE_OK;
}

struct list_ctx {
    struct store_txn *t;
    int limit, count, more;
    cJSON *items;
    unsigned char last[TIMEKEY_LEN];
    struct buf val;
};

/* The list's view of a profile: who it is (its identifiers flat, the
 * client's id as clientId), when it changed, how many events it keeps;
 * never the events themselves. */
static cJSON *summary(const cJSON *doc)
{
    static const char *const names[PROFILE_IDENTS] = {"email", "customId", "uuid", "clientId"};
    const cJSON *ids = json_get(doc, "identifiers");
    cJSON *it = cJSON_CreateObject();
    const char *id = json_get_string(doc, "id");

    if (it == NULL || id == NULL || !cJSON_AddStringToObject(it, "id", id))
        goto fail;
    for (int i = 0; i < PROFILE_IDENTS; i++) {
        const cJSON *v = json_get(ids, profile_ident_name((enum profile_ident)i));
        cJSON *copy;
        if (!cJSON_IsString(v) && !cJSON_IsNumber(v))
            continue;
        copy = cJSON_Duplicate(v, 0);
        if (copy == NULL || !cJSON_AddItemToObject(it, names[i], copy)) {
            cJSON_Delete(copy);
            goto fail;
        }
    }
    if (!cJSON_AddItemToObject(it, "updatedAt",
                               json_number_from_ll(json_get_ll(doc, "updatedAt", 0))) ||
        !cJSON_AddItemToObject(it, "eventCount",
                               json_number_from_ll(json_get_ll(doc, "eventCount", 0))))
        goto fail;
    return it;
fail:
    cJSON_Delete(it);
    return NULL;
}

static int list_cb(const void *key, size_t klen, const void *pkey, size_t pklen, const void *val,
                   size_t vlen, void *arg)
{
    struct list_ctx *l = arg;
    const unsigned char *k = key;
    cJSON *doc = NULL, *it;
    int rc;

    (void)pkey, (void)pklen, (void)val, (void)vlen;
    if (klen != TIMEKEY_LEN)
        return 0;
    if (l->count == l->limit) {
        l->more = 1;
        return 1;
    }
    rc = store_get(l->t, STORE_DB_PROFILES, k + 8, UUID_LEN, &l->val);
    if (rc == STORE_NOTFOUND)
        return 0;
    if (rc == STORE_OK)
        rc = parse_doc(&l->val, &doc);
    if (rc != STORE_OK)
        return rc;
    it = summary(doc);
    cJSON_Delete(doc);
    if (it == NULL || !cJSON_AddItemToArray(l->items, it)) {
        cJSON_Delete(it);
        return STORE_NOMEM;
    }
    memcpy(l->last, k, TIMEKEY_LEN);
    l->count++;
    return 0;
}

struct page_ctx {
    struct list_ctx l;
    unsigned char start[TIMEKEY_LEN];
    int has_start;
};

static int list_txn(struct store_txn *t, void *arg)
{
    struct page_ctx *p = arg;

    cJSON_Delete(p->l.items);
    p->l.items = cJSON_CreateArray();
    if (p->l.items == NULL)
        return STORE_NOMEM;
    p->l.t = t;
    p->l.count = p->l.more = 0;
    return store_scan(t, STORE_DB_PROFILES_BY_TIME, p->has_start ? p->start : NULL,
                      p->has_start ? TIMEKEY_LEN : 0, 1, list_cb, &p->l);
}

int profile_list(struct store *s, const char *cursor, int limit, cJSON **items,
                 char next[PROFILE_CURSOR_LEN])
{
    struct page_ctx p;
    size_t n = 0;
    int rc;

    *items = NULL;
    next[0] = '\0';
    memset(&p, 0, sizeof(p));
    if (cursor && *cursor) {
        if (strlen(cursor) != 2 * TIMEKEY_LEN ||
            b64_hex_decode(cursor, strlen(cursor), p.start, sizeof(p.start), &n) != 0 ||
            n != TIMEKEY_LEN)
            return PROFILE_INVALID;
        /* The cursor is the last key given: go on just below it. */
        for (int i = TIMEKEY_LEN - 1; i >= 0; i--)
            if (p.start[i]-- != 0)
                break;
        p.has_start = 1;
    }
    p.l.limit = limit;
    buf_init(&p.l.val, DOC_MAX);
    rc = store_txn_run(s, list_txn, &p);
    buf_free(&p.l.val);
    if (rc != STORE_OK) {
        cJSON_Delete(p.l.items);
        return rc == STORE_NOMEM ? PROFILE_NOMEM : PROFILE_STORE;
    }
    if (p.l.more)
        b64_hex_encode(p.l.last, TIMEKEY_LEN, next, PROFILE_CURSOR_LEN);
    *items = p.l.items;
    return PROFILE_OK;
}
