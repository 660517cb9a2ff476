/* store_ops: the operations that run inside a transaction (see
 * include/store.h): key/value, scans, the work queue, event records and
 * the catalog generation. Part of the transaction layer with store.c. */
#include "store.h"

#include "store_env.h"
#include "store_txn.h"

#include <db.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_RECLEN 40

/* The catalog: what a responder may keep in memory between requests
 * (integrations and their endpoints, API keys, workflows). Any write to
 * one of these databases raises the generation stored in META under
 * "catalog", once per transaction and in the same transaction, so a
 * process that read generation g and the catalog in one transaction can
 * later tell whether what it kept is still current by reading g again. */
static int is_catalog(enum store_db db)
{
    return db == STORE_DB_INTEGRATIONS || db == STORE_DB_ENDPOINTS || db == STORE_DB_APIKEYS ||
           db == STORE_DB_APIKEY_SECRETS || db == STORE_DB_WORKFLOWS;
}

static int catalog_bump(struct store_txn *t, enum store_db db)
{
    unsigned long long gen = 0;
    char txt[24];
    int rc, n;

    if (!is_catalog(db) || t->catalog_bumped)
        return STORE_OK;
    t->catalog_bumped = 1;
    rc = store_catalog_gen(t, &gen);
    n = snprintf(txt, sizeof(txt), "%llu", gen + 1);
    if (rc == STORE_OK)
        rc = store_put(t, STORE_DB_META, "catalog", 7, txt, (size_t)n, 0);
    if (rc != STORE_OK)
        t->catalog_bumped = 0;
    return rc;
}

int store_catalog_gen(struct store_txn *t, unsigned long long *gen)
{
    char txt[24];
    DBT k, d;
    int ret;

    memset(&k, 0, sizeof(k));
    memset(&d, 0, sizeof(d));
    k.data = (void *)"catalog";
    k.size = 7;
    d.data = txt;
    d.ulen = sizeof(txt) - 1;
    d.flags = DB_DBT_USERMEM;
    ret = t->s->dbs[STORE_DB_META]->get(t->s->dbs[STORE_DB_META], t->txn, &k, &d, 0);
    if (ret == DB_NOTFOUND) {
        *gen = 0;
        return STORE_OK;
    }
    if (ret != 0)
        return store_map(t->s, ret, "get catalog generation");
    txt[d.size] = '\0';
    *gen = strtoull(txt, NULL, 10);
    return STORE_OK;
}

static int get_flags(struct store_txn *t, enum store_db db, const void *key, size_t klen,
                     struct buf *val, u_int32_t flags)
{
    DBT k, d;
    int ret, rc;

    memset(&k, 0, sizeof(k));
    memset(&d, 0, sizeof(d));
    k.data = (void *)key;
    k.size = (u_int32_t)klen;
    d.flags = DB_DBT_MALLOC;
    ret = t->s->dbs[db]->get(t->s->dbs[db], t->txn, &k, &d, flags);
    rc = store_map(t->s, ret, "get");
    if (rc != STORE_OK)
        return rc;
    buf_reset(val);
    rc = buf_append(val, d.data, d.size) == BUF_OK ? STORE_OK : STORE_NOMEM;
    free(d.data);
    return rc;
}

int store_get(struct store_txn *t, enum store_db db, const void *key, size_t klen, struct buf *val)
{
    return get_flags(t, db, key, klen, val, 0);
}

int store_get_rmw(struct store_txn *t, enum store_db db, const void *key, size_t klen,
                  struct buf *val)
{
    return get_flags(t, db, key, klen, val, DB_RMW);
}

int store_get_size(struct store_txn *t, enum store_db db, const void *key, size_t klen,
                   size_t *size)
{
    DBT k, d;
    int ret;

    memset(&k, 0, sizeof(k));
    memset(&d, 0, sizeof(d));
    k.data = (void *)key;
    k.size = (u_int32_t)klen;
    /* No room at all: Berkeley DB answers DB_BUFFER_SMALL with the size. */
    d.flags = DB_DBT_USERMEM;
    d.ulen = 0;
    ret = t->s->dbs[db]->get(t->s->dbs[db], t->txn, &k, &d, 0);
    if (ret == DB_BUFFER_SMALL || ret == 0) {
        *size = d.size;
        return STORE_OK;
    }
    return store_map(t->s, ret, "get size");
}

int store_put(struct store_txn *t, enum store_db db, const void *key, size_t klen, const void *val,
              size_t vlen, int flags)
{
    DBT k, d;
    int ret;

    memset(&k, 0, sizeof(k));
    memset(&d, 0, sizeof(d));
    k.data = (void *)key;
    k.size = (u_int32_t)klen;
    d.data = (void *)val;
    d.size = (u_int32_t)vlen;
    if ((ret = catalog_bump(t, db)) != STORE_OK)
        return ret;
    t->wrote = 1;
    ret = t->s->dbs[db]->put(t->s->dbs[db], t->txn, &k, &d,
                             (flags & STORE_NOOVERWRITE) ? DB_NOOVERWRITE : 0);
    return store_map(t->s, ret, "put");
}

int store_del(struct store_txn *t, enum store_db db, const void *key, size_t klen)
{
    DBT k;
    int ret;

    memset(&k, 0, sizeof(k));
    k.data = (void *)key;
    k.size = (u_int32_t)klen;
    if ((ret = catalog_bump(t, db)) != STORE_OK)
        return ret;
    t->wrote = 1;
    ret = t->s->dbs[db]->del(t->s->dbs[db], t->txn, &k, 0);
    return store_map(t->s, ret, "del");
}

/* Positions c at the first key >= start, or (reverse) the last key <= start. */
static int scan_position(DBC *c, DBT *k, DBT *pk, DBT *d, const void *start, size_t startlen,
                         int reverse, int secondary)
{
    int ret;

    if (start == NULL)
        return secondary ? c->pget(c, k, pk, d, reverse ? DB_LAST : DB_FIRST)
                         : c->get(c, k, d, reverse ? DB_LAST : DB_FIRST);
    k->data = (void *)start;
    k->size = (u_int32_t)startlen;
    ret = secondary ? c->pget(c, k, pk, d, DB_SET_RANGE) : c->get(c, k, d, DB_SET_RANGE);
    if (!reverse)
        return ret;
    if (ret == DB_NOTFOUND) /* everything is below start */
        return secondary ? c->pget(c, k, pk, d, DB_LAST) : c->get(c, k, d, DB_LAST);
    if (ret != 0)
        return ret;
    if (k->size == startlen && memcmp(k->data, start, startlen) == 0)
        return 0;
    return secondary ? c->pget(c, k, pk, d, DB_PREV) : c->get(c, k, d, DB_PREV);
}

int store_scan(struct store_txn *t, enum store_db db, const void *start, size_t startlen,
               int reverse, store_scan_fn cb, void *arg)
{
    int secondary = db == STORE_DB_EVENTS_BY_INTEGRATION;
    DBC *c = NULL;
    DBT k, pk, d;
    int ret, rc;

    ret = t->s->dbs[db]->cursor(t->s->dbs[db], t->txn, &c, 0);
    if (ret != 0)
        return store_map(t->s, ret, "cursor");
    memset(&k, 0, sizeof(k));
    memset(&pk, 0, sizeof(pk));
    memset(&d, 0, sizeof(d));
    ret = scan_position(c, &k, &pk, &d, start, startlen, reverse, secondary);
    rc = STORE_OK;
    while (ret == 0) {
        int r = cb(k.data, k.size, secondary ? pk.data : k.data, secondary ? pk.size : k.size,
                   d.data, d.size, arg);
        if (r != 0) {
            rc = r > 0 ? STORE_OK : r;
            break;
        }
        if (secondary)
            ret = c->pget(c, &k, &pk, &d, reverse ? DB_PREV : DB_NEXT);
        else
            ret = c->get(c, &k, &d, reverse ? DB_PREV : DB_NEXT);
    }
    if (ret != 0 && ret != DB_NOTFOUND)
        rc = store_map(t->s, ret, "cursor walk");
    ret = c->close(c);
    if (ret != 0 && rc == STORE_OK)
        rc = store_map(t->s, ret, "cursor close");
    return rc;
}

int store_first(struct store_txn *t, enum store_db db, struct buf *key, int rmw)
{
    DBC *c = NULL;
    DBT k, d;
    int ret, rc;

    ret = t->s->dbs[db]->cursor(t->s->dbs[db], t->txn, &c, 0);
    if (ret != 0)
        return store_map(t->s, ret, "cursor");
    memset(&k, 0, sizeof(k));
    memset(&d, 0, sizeof(d));
    d.flags = DB_DBT_PARTIAL; /* the key is enough */
    ret = c->get(c, &k, &d, DB_FIRST | (rmw ? DB_RMW : 0));
    rc = store_map(t->s, ret, "cursor first");
    if (rc == STORE_OK) {
        buf_reset(key);
        if (buf_append(key, k.data, k.size) != BUF_OK)
            rc = STORE_NOMEM;
    }
    ret = c->close(c);
    if (ret != 0 && rc == STORE_OK)
        rc = store_map(t->s, ret, "cursor close");
    return rc;
}

int store_queue_push(struct store_txn *t, const char *event_id)
{
    DB *q = t->s->dbs[STORE_DB_QUEUE];
    char rec[QUEUE_RECLEN];
    db_recno_t recno;
    DBT k, d;
    int ret;

    memset(rec, 0, sizeof(rec));
    memcpy(rec, event_id, strnlen(event_id, 36));
    memset(&k, 0, sizeof(k));
    memset(&d, 0, sizeof(d));
    k.data = &recno;
    k.ulen = sizeof(recno);
    k.flags = DB_DBT_USERMEM;
    d.data = rec;
    d.size = sizeof(rec);
    t->wrote = 1;
    ret = q->put(q, t->txn, &k, &d, DB_APPEND);
    return store_map(t->s, ret, "queue append");
}

int store_queue_pop(struct store_txn *t, char event_id[37])
{
    DB *q = t->s->dbs[STORE_DB_QUEUE];
    db_recno_t recno;
    char rec[QUEUE_RECLEN];
    DBT k, d;
    int ret;

    memset(&k, 0, sizeof(k));
    memset(&d, 0, sizeof(d));
    k.data = &recno;
    k.ulen = sizeof(recno);
    k.flags = DB_DBT_USERMEM;
    d.data = rec;
    d.ulen = sizeof(rec);
    d.flags = DB_DBT_USERMEM;
    t->wrote = 1;
    /* DB_CONSUME without DB_CONSUME_WAIT: empty queue is DB_NOTFOUND. */
    ret = q->get(q, t->txn, &k, &d, DB_CONSUME);
    if (ret != 0)
        return store_map(t->s, ret, "queue consume");
    memcpy(event_id, rec, 36);
    event_id[36] = '\0';
    return STORE_OK;
}

int store_event_put(struct store_txn *t, const struct store_event *ev)
{
    struct buf rec;
    int rc;

    buf_init(&rec, (size_t)STORE_EVENT_HDR_LEN + ev->envelope_len);
    rc = store_event_encode(ev, &rec) == BUF_OK ? STORE_OK : STORE_NOMEM;
    if (rc == STORE_OK)
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
    return store_event_decode(storage->data, storage->len, ev) == 0 ? STORE_OK : STORE_ERROR;
}

int store_event_set_state(struct store_txn *t, const char *event_id, uint32_t state)
{
    struct buf rec;
    int rc;

    buf_init(&rec, 64u << 20);
    rc = store_get_rmw(t, STORE_DB_EVENTS, event_id, 36, &rec);
    if (rc == STORE_OK && rec.len < STORE_EVENT_HDR_LEN)
        rc = STORE_ERROR;
    if (rc == STORE_OK) {
        store_event_set_state_in(rec.data, state);
        rc = store_put(t, STORE_DB_EVENTS, event_id, 36, rec.data, rec.len, 0);
    }
    buf_free(&rec);
    return rc;
}
