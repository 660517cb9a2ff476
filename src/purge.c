/* purge: retention. Events are found through the event store's records
 * (time in the header); runs through the by-time index; dedup records by
 * their stored time. Each batch is one transaction of at most BATCH keys. */
#include "purge.h"

#include "buf.h"
#include "json.h"
#include "log.h"
#include "numparse.h"
#include "run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 200
#define KEY_MAX 128

struct batch {
    long long cutoff;
    int n;
    int done; /* the walk reached its end */
    size_t klen[BATCH];
    unsigned char keys[BATCH][KEY_MAX];
    enum store_db db;
};

static int collect_events(const void *key, size_t klen, const void *pkey, size_t pklen,
                          const void *val, size_t vlen, void *arg)
{
    struct batch *b = arg;
    struct store_event ev;

    (void)pkey, (void)pklen;
    if (b->n == BATCH)
        return 1;
    if (store_event_decode(val, vlen, &ev) == STORE_OK && ev.time_ms < b->cutoff &&
        ev.state == STORE_EVENT_PROCESSED && klen <= KEY_MAX) {
        memcpy(b->keys[b->n], key, klen);
        b->klen[b->n++] = klen;
    }
    return 0;
}

static int collect_dedup(const void *key, size_t klen, const void *pkey, size_t pklen,
                         const void *val, size_t vlen, void *arg)
{
    struct batch *b = arg;
    char text[64];
    long long when = 0;

    (void)pkey, (void)pklen;
    if (b->n == BATCH)
        return 1;
    if (vlen > 37 && vlen < sizeof(text) && klen <= KEY_MAX) {
        memcpy(text, val, vlen);
        text[vlen] = '\0';
        if (sscanf(text + 37, "%lld", &when) == 1 && when < b->cutoff) {
            memcpy(b->keys[b->n], key, klen);
            b->klen[b->n++] = klen;
        }
    }
    return 0;
}

/* Runs: the by-time index is ordered by creation, so the walk stops at
 * the cut-off. Unfinished runs are kept whatever their age. */
static int collect_runs(const void *key, size_t klen, const void *pkey, size_t pklen,
                        const void *val, size_t vlen, void *arg)
{
    struct batch *b = arg;
    const unsigned char *k = key;
    unsigned long long u = 0;

    (void)pkey, (void)pklen, (void)val, (void)vlen;
    if (b->n == BATCH || klen != 8 + 36)
        return 1;
    for (int i = 0; i < 8; i++)
        u = (u << 8) | k[i];
    if ((long long)(u ^ 0x8000000000000000ULL) >= b->cutoff) {
        b->done = 1;
        return 1;
    }
    memcpy(b->keys[b->n], key, klen);
    b->klen[b->n++] = klen;
    return 0;
}

static int delete_run(struct store_txn *t, const unsigned char *tk)
{
    char id[37];
    char pair[72];
    cJSON *run = NULL;
    const char *st, *ev;
    int rc;

    memcpy(id, tk + 8, 36);
    id[36] = '\0';
    rc = run_get(t, id, 1, &run);
    if (rc == STORE_NOTFOUND)
        return store_del(t, STORE_DB_RUNS_BY_TIME, tk, 44);
    if (rc != STORE_OK)
        return rc;
    st = json_get_string(run, "state");
    if (st &&
        (strcmp(st, "queued") == 0 || strcmp(st, "running") == 0 || strcmp(st, "retrying") == 0)) {
        cJSON_Delete(run);
        return STORE_OK;
    }
    ev = json_get_string(run, "eventId");
    rc = store_del(t, STORE_DB_RUNS, id, 36);
    if (rc == STORE_OK && ev && strlen(ev) == 36) {
        memcpy(pair, ev, 36);
        memcpy(pair + 36, id, 36);
        rc = store_del(t, STORE_DB_RUNS_BY_EVENT, pair, 72);
        if (rc == STORE_NOTFOUND)
            rc = STORE_OK;
    }
    if (rc == STORE_OK)
        rc = store_del(t, STORE_DB_RUNS_BY_TIME, tk, 44);
    cJSON_Delete(run);
    return rc;
}

static int batch_fn(struct store_txn *t, void *arg)
{
    struct batch *b = arg;
    int rc;

    b->n = 0;
    b->done = 0;
    if (b->db == STORE_DB_EVENTS)
        rc = store_scan(t, b->db, NULL, 0, 0, collect_events, b);
    else if (b->db == STORE_DB_DEDUP)
        rc = store_scan(t, b->db, NULL, 0, 0, collect_dedup, b);
    else
        rc = store_scan(t, b->db, NULL, 0, 0, collect_runs, b);
    for (int i = 0; rc == STORE_OK && i < b->n; i++) {
        if (b->db == STORE_DB_RUNS_BY_TIME)
            rc = delete_run(t, b->keys[i]);
        else
            rc = store_del(t, b->db, b->keys[i], b->klen[i]);
        if (rc == STORE_NOTFOUND)
            rc = STORE_OK;
    }
    return rc;
}

/* Purges db in batches until a batch finds nothing more to delete. */
static int purge_db(struct store *s, enum store_db db, long long cutoff, long *count)
{
    static struct batch b; /* large: keep it off the stack */
    int rc;

    for (;;) {
        memset(&b, 0, sizeof(b));
        b.db = db;
        b.cutoff = cutoff;
        rc = store_txn_run(s, batch_fn, &b);
        if (rc != STORE_OK)
            return rc;
        *count += b.n;
        if (b.n < BATCH || b.done)
            return STORE_OK;
    }
}

int purge_run(struct store *s, const struct config *cfg, long long now_ms, struct purge_stats *st)
{
    long long cutoff = now_ms - cfg->event_retention_days * 86400000LL;
    int rc;

    memset(st, 0, sizeof(*st));
    rc = purge_db(s, STORE_DB_RUNS_BY_TIME, cutoff, &st->runs);
    if (rc == STORE_OK)
        rc = purge_db(s, STORE_DB_EVENTS, cutoff, &st->events);
    if (rc == STORE_OK)
        rc = purge_db(s, STORE_DB_DEDUP, now_ms - cfg->dedup_window_seconds * 1000LL, &st->dedup);
    if (rc == STORE_OK && (st->events || st->runs || st->dedup))
        LOG_INFO("purged %ld event(s), %ld run(s), %ld dedup record(s)", st->events, st->runs,
                 st->dedup);
    return rc;
}

struct stamp_arg {
    long long now;
    int due;
};

static int stamp_fn(struct store_txn *t, void *arg)
{
    struct stamp_arg *a = arg;
    const char *errstr;
    long long last = 0;
    char text[32];
    struct buf v;
    int rc, n;

    buf_init(&v, 64);
    rc = store_get_rmw(t, STORE_DB_META, "purged_at", 9, &v);
    if (rc == STORE_OK && num_parse_ll(buf_str(&v), 0, (long long)1 << 62, &last, &errstr) != 0)
        last = 0;
    buf_free(&v);
    if (rc != STORE_OK && rc != STORE_NOTFOUND)
        return rc;
    a->due = a->now - last >= 3600000;
    if (!a->due)
        return STORE_OK;
    n = snprintf(text, sizeof(text), "%lld", a->now);
    return store_put(t, STORE_DB_META, "purged_at", 9, text, (size_t)n, 0);
}

int purge_maybe(struct store *s, const struct config *cfg, long long now_ms)
{
    struct stamp_arg a = {now_ms, 0};
    struct purge_stats st;
    int rc = store_txn_run(s, stamp_fn, &a);

    if (rc != STORE_OK || !a.due)
        return rc;
    return purge_run(s, cfg, now_ms, &st);
}
