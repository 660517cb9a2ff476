/* run: run documents, due entries, leases and run lists. */
#include "run.h"

#include "b64.h"
#include "buf.h"
#include "docstore.h"
#include "json.h"
#include "log.h"
#include "proc.h"
#include "uuid.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define DUE_KEY_LEN (8 + UUID_LEN)
#define PAIR_KEY_LEN (UUID_LEN + UUID_LEN)
#define LIST_SCAN_MAX 20000 /* entries a filtered page may skip */

static void time_key(long long t, const char *id, unsigned char k[DUE_KEY_LEN])
{
    unsigned long long u = (unsigned long long)t ^ 0x8000000000000000ULL;
    for (int i = 0; i < 8; i++)
        k[i] = (unsigned char)(u >> (56 - 8 * i));
    memcpy(k + 8, id, UUID_LEN);
}

static long long key_time(const unsigned char *k)
{
    unsigned long long u = 0;
    for (int i = 0; i < 8; i++)
        u = (u << 8) | k[i];
    return (long long)(u ^ 0x8000000000000000ULL);
}

static int put_due(struct store_txn *t, const char *id, long long when)
{
    unsigned char k[DUE_KEY_LEN];
    time_key(when, id, k);
    return store_put(t, STORE_DB_RUNS_DUE, k, sizeof(k), "", 0, 0);
}

int run_get(struct store_txn *t, const char *id, int rmw, cJSON **out)
{
    return docstore_get(t, STORE_DB_RUNS, id, rmw, out);
}

int run_load(struct store *s, const char *id, cJSON **out)
{
    return docstore_load(s, STORE_DB_RUNS, id, out);
}

int run_put(struct store_txn *t, cJSON *run, long long now_ms)
{
    cJSON_DeleteItemFromObjectCaseSensitive(run, "updatedAt");
    cJSON_AddItemToObject(run, "updatedAt", json_number_from_ll(now_ms));
    return docstore_put(t, STORE_DB_RUNS, run, 0);
}

int run_create(struct store_txn *t, const char *workflow_id, const char *event_id, const char *name,
               const char *state, long long now_ms, char run_id[37])
{
    unsigned char tk[DUE_KEY_LEN];
    char pair[PAIR_KEY_LEN];
    cJSON *run;
    int rc;

    if (run_id[0] == '\0' && uuid_generate(run_id) != 0)
        return STORE_ERROR;
    run = cJSON_CreateObject();
    cJSON_AddStringToObject(run, "id", run_id);
    cJSON_AddStringToObject(run, "workflowId", workflow_id);
    cJSON_AddStringToObject(run, "eventId", event_id);
    cJSON_AddStringToObject(run, "name", name);
    cJSON_AddStringToObject(run, "state", state);
    cJSON_AddItemToObject(run, "attempts", cJSON_CreateArray());
    cJSON_AddItemToObject(run, "nodes", cJSON_CreateObject());
    cJSON_AddItemToObject(run, "createdAt", json_number_from_ll(now_ms));
    if (strcmp(state, "queued") == 0)
        cJSON_AddItemToObject(run, "nextAttemptAt", json_number_from_ll(now_ms));
    /* A run of that id already there is kept (STORE_EXISTS): the put's
     * own search tells, with no lookup before it. */
    cJSON_AddItemToObject(run, "updatedAt", json_number_from_ll(now_ms));
    rc = docstore_put(t, STORE_DB_RUNS, run, STORE_NOOVERWRITE);
    cJSON_Delete(run);
    if (rc == STORE_OK && strcmp(state, "queued") == 0)
        rc = put_due(t, run_id, now_ms);
    if (rc == STORE_OK) {
        memcpy(pair, event_id, UUID_LEN);
        memcpy(pair + UUID_LEN, run_id, UUID_LEN);
        rc = store_put(t, STORE_DB_RUNS_BY_EVENT, pair, sizeof(pair), "", 0, 0);
    }
    if (rc == STORE_OK) {
        time_key(now_ms, run_id, tk);
        rc = store_put(t, STORE_DB_RUNS_BY_TIME, tk, sizeof(tk), "", 0, 0);
    }
    return rc;
}

int run_renew(struct store_txn *t, const char *id, pid_t pid, long long lease_until)
{
    char v[64];
    int n = snprintf(v, sizeof(v), "%ld %lld", (long)pid, lease_until);
    return store_put(t, STORE_DB_RUNS_LEASES, id, UUID_LEN, v, (size_t)n, 0);
}

/* A lease's value, "pid until" (run_renew). 0, or -1 when it does not
 * parse: empty (possibly NULL), LEASE_TEXT_MAX bytes or more, or other. */
#define LEASE_TEXT_MAX 64
static int lease_parse(const void *val, size_t vlen, long *pid, long long *until)
{
    char v[LEASE_TEXT_MAX];

    if (vlen == 0 || vlen >= sizeof(v))
        return -1;
    memcpy(v, val, vlen);
    v[vlen] = '\0';
    return sscanf(v, "%ld %lld", pid, until) == 2 ? 0 : -1;
}

int run_lease_extend(struct store_txn *t, const char *id, pid_t pid, long long lease_until)
{
    long held = 0;
    long long until = 0;
    struct buf v;
    int rc;

    buf_init(&v, 4096); /* a longer (damaged) record is no lease of ours */
    rc = store_get_rmw(t, STORE_DB_RUNS_LEASES, id, UUID_LEN, &v);
    if (rc == STORE_OK && (lease_parse(v.data, v.len, &held, &until) != 0 || held != (long)pid))
        rc = STORE_NOTFOUND; /* resumed by a reaper: not ours any more */
    buf_free(&v);
    return rc == STORE_OK ? run_renew(t, id, pid, lease_until) : rc;
}

int run_release(struct store_txn *t, const char *id, long long due_at)
{
    int rc = store_del(t, STORE_DB_RUNS_LEASES, id, UUID_LEN);
    if (rc == STORE_NOTFOUND)
        rc = STORE_OK;
    if (rc == STORE_OK && due_at > 0)
        rc = put_due(t, id, due_at);
    return rc;
}

struct claim_arg {
    long long now, until, step;
    pid_t pid;
    run_claim_before_fn before;
    void *before_arg;
    run_claim_also_fn also;
    void *const *also_args;
    int max, n;
    cJSON *runs[RUN_CLAIM_MAX];
};

static void claim_clear(struct claim_arg *a)
{
    for (int i = 0; i < a->n; i++)
        cJSON_Delete(a->runs[i]);
    a->n = 0;
}

/* Takes the first due entry; STORE_NOTFOUND when none is due. */
static int take_due(struct store_txn *t, long long now, char id[UUID_LEN + 1])
{
    struct buf k;
    int rc;

    buf_init(&k, 128);
    rc = store_first(t, STORE_DB_RUNS_DUE, &k, 1);
    if (rc == STORE_OK && (k.len != DUE_KEY_LEN || key_time((unsigned char *)k.data) > now))
        rc = STORE_NOTFOUND;
    if (rc == STORE_OK) {
        memcpy(id, k.data + 8, UUID_LEN);
        id[UUID_LEN] = '\0';
        rc = store_del(t, STORE_DB_RUNS_DUE, k.data, k.len);
    }
    buf_free(&k);
    return rc;
}

/* Takes the next due run into a->runs[a->n]: STORE_NOTFOUND when none
 * is due. */
static int claim_one(struct store_txn *t, struct claim_arg *a)
{
    char id[UUID_LEN + 1];
    cJSON *run = NULL;
    int rc;

    while ((rc = take_due(t, a->now, id)) == STORE_OK) {
        rc = run_get(t, id, 1, &run);
        if (rc != STORE_NOTFOUND)
            break;
        /* a purged run: its stale entry is gone now; take the next */
    }
    if (rc != STORE_OK)
        return rc;
    a->runs[a->n++] = run;
    cJSON_ReplaceItemInObjectCaseSensitive(run, "state", cJSON_CreateString("running"));
    rc = run_put(t, run, a->now);
    /* Executed one after the other: each lease covers those before it. */
    if (rc == STORE_OK)
        rc = run_renew(t, id, a->pid, a->until + (a->n - 1) * a->step);
    if (rc == STORE_OK && a->also != NULL)
        rc = a->also(t, run, a->also_args[a->n - 1]);
    return rc;
}

static int claim_fn(struct store_txn *t, void *arg)
{
    struct claim_arg *a = arg;
    int rc = STORE_OK;

    claim_clear(a); /* a retried transaction starts again */
    if (a->before != NULL && (rc = a->before(t, a->before_arg)) != STORE_OK)
        return rc;
    while (a->n < a->max && (rc = claim_one(t, a)) == STORE_OK)
        ;
    if (rc == STORE_NOTFOUND && (a->n > 0 || a->before != NULL))
        return STORE_OK; /* commit what was claimed and what before wrote */
    return rc;
}

int run_claim_many(struct store *s, long long now_ms, pid_t pid, long long lease_until,
                   long long lease_step, run_claim_before_fn before, void *before_arg,
                   run_claim_also_fn also, void *const *also_args, int max, cJSON **runs, int *n)
{
    struct claim_arg a = {
        now_ms, lease_until, lease_step,
        pid,    before,      before_arg,
        also,   also_args,   max < 1 ? 1 : max > RUN_CLAIM_MAX ? RUN_CLAIM_MAX : max,
        0,      {NULL}};
    /* Run bookkeeping commits without a log flush: losing it in a power
     * cut only makes work run again (delivery is at least once); the event
     * itself was committed durably when it was accepted. */
    int rc = store_txn_run_flags(s, STORE_TXN_NOSYNC, claim_fn, &a);

    *n = 0;
    if (rc != STORE_OK) {
        claim_clear(&a);
        return rc;
    }
    if (a.n == 0)
        return STORE_NOTFOUND;
    memcpy(runs, a.runs, sizeof(*runs) * (size_t)a.n);
    *n = a.n;
    return STORE_OK;
}

struct reap_arg {
    long long now;
    int resumed;
    char ids[64][UUID_LEN + 1];
    int n;
};

static int lease_cb(const void *key, size_t klen, const void *pkey, size_t pklen, const void *val,
                    size_t vlen, void *arg)
{
    struct reap_arg *a = arg;
    long pid = 0;
    long long until = 0;
    int alive;

    (void)pkey, (void)pklen;
    if (klen != UUID_LEN || vlen >= LEASE_TEXT_MAX || a->n == 64)
        return 0;
    /* An empty value (it may come as NULL: found by the envelope fuzz
     * target) is a lease of no process, reaped like any that does not
     * parse. */
    if (lease_parse(val, vlen, &pid, &until) != 0)
        pid = 0;
    alive = proc_alive((pid_t)pid);
    if (!alive || until < a->now) {
        memcpy(a->ids[a->n], key, UUID_LEN);
        a->ids[a->n++][UUID_LEN] = '\0';
    }
    return 0;
}

static int reap_fn(struct store_txn *t, void *arg)
{
    struct reap_arg *a = arg;
    int rc;

    a->n = 0;
    a->resumed = 0;
    rc = store_scan(t, STORE_DB_RUNS_LEASES, NULL, 0, 0, lease_cb, a);
    for (int i = 0; rc == STORE_OK && i < a->n; i++) {
        cJSON *run = NULL;
        rc = run_release(t, a->ids[i], a->now);
        if (rc == STORE_OK && run_get(t, a->ids[i], 1, &run) == STORE_OK) {
            cJSON_ReplaceItemInObjectCaseSensitive(run, "state", cJSON_CreateString("retrying"));
            rc = run_put(t, run, a->now);
            LOG_WARN("run %s: its runner is gone or overdue; resuming it", a->ids[i]);
        }
        cJSON_Delete(run);
        a->resumed++;
    }
    return rc;
}

static int stale_fn(struct store_txn *t, void *arg)
{
    struct reap_arg *a = arg;
    a->n = 0;
    return store_scan(t, STORE_DB_RUNS_LEASES, NULL, 0, 0, lease_cb, a);
}

int run_reap(struct store *s, long long now_ms)
{
    static struct reap_arg a;
    int rc;

    /* Look first without writing: leases are rarely stale, and a write
     * transaction here would contend with every claim. */
    a.now = now_ms;
    rc = store_txn_run(s, stale_fn, &a);
    if (rc != STORE_OK || a.n == 0)
        return rc == STORE_OK ? 0 : rc;
    rc = store_txn_run_flags(s, STORE_TXN_NOSYNC, reap_fn, &a);
    return rc == STORE_OK ? a.resumed : rc;
}

struct split_arg {
    long long now;
    long ready, waiting;
};

static int split_cb(const void *key, size_t klen, const void *pkey, size_t pklen, const void *val,
                    size_t vlen, void *arg)
{
    struct split_arg *a = arg;
    (void)pkey, (void)pklen, (void)val, (void)vlen;
    if (klen != DUE_KEY_LEN)
        return 0;
    if (key_time(key) <= a->now)
        a->ready++;
    else
        a->waiting++;
    return 0;
}

static int split_fn(struct store_txn *t, void *arg)
{
    struct split_arg *a = arg;
    a->ready = a->waiting = 0;
    return store_scan(t, STORE_DB_RUNS_DUE, NULL, 0, 0, split_cb, a);
}

int run_due_counts(struct store *s, long long now_ms, long *ready, long *waiting)
{
    struct split_arg a = {now_ms, 0, 0};
    int rc = store_txn_run(s, split_fn, &a);
    *ready = a.ready;
    *waiting = a.waiting;
    return rc;
}

struct gauges_arg {
    struct store_txn *t;
    long long now;
    struct run_gauges g;
    int read;
};

static int gauges_due_cb(const void *key, size_t klen, const void *pkey, size_t pklen,
                         const void *val, size_t vlen, void *arg)
{
    struct gauges_arg *a = arg;
    char id[UUID_LEN + 1];
    cJSON *run = NULL;
    const char *st;
    int rc;

    (void)pkey, (void)pklen, (void)val, (void)vlen;
    if (klen != DUE_KEY_LEN)
        return 0;
    if (key_time(key) > a->now) {
        a->g.waiting++;
        return 0;
    }
    if (a->g.due++ == 0)
        a->g.oldest_due_ms = key_time(key);
    if (a->read++ >= RUN_GAUGES_READ_MAX)
        return 0;
    memcpy(id, (const char *)key + 8, UUID_LEN);
    id[UUID_LEN] = '\0';
    rc = run_get(a->t, id, 0, &run);
    if (rc != STORE_OK && rc != STORE_NOTFOUND)
        return rc;
    st = json_get_string(run, "state");
    a->g.retries_due += st != NULL && strcmp(st, "retrying") == 0;
    cJSON_Delete(run);
    return 0;
}

static int gauges_lease_cb(const void *key, size_t klen, const void *pkey, size_t pklen,
                           const void *val, size_t vlen, void *arg)
{
    struct gauges_arg *a = arg;
    (void)key, (void)pkey, (void)pklen, (void)val, (void)vlen;
    a->g.running += klen == UUID_LEN;
    return 0;
}

static int gauges_fn(struct store_txn *t, void *arg)
{
    struct gauges_arg *a = arg;
    int rc;

    memset(&a->g, 0, sizeof(a->g));
    a->t = t;
    a->read = 0;
    rc = store_scan(t, STORE_DB_RUNS_DUE, NULL, 0, 0, gauges_due_cb, a);
    if (rc == STORE_OK)
        rc = store_scan(t, STORE_DB_RUNS_LEASES, NULL, 0, 0, gauges_lease_cb, a);
    return rc;
}

int run_gauges(struct store *s, long long now_ms, struct run_gauges *out)
{
    struct gauges_arg a;
    int rc;

    memset(&a, 0, sizeof(a));
    a.now = now_ms;
    rc = store_txn_run(s, gauges_fn, &a);
    *out = a.g;
    return rc;
}

struct due_arg {
    long long now;
    int due;
};

static int any_due_fn(struct store_txn *t, void *arg)
{
    struct due_arg *a = arg;
    struct buf k;
    int rc;

    buf_init(&k, 128);
    rc = store_first(t, STORE_DB_RUNS_DUE, &k, 0);
    a->due = rc == STORE_OK && k.len == DUE_KEY_LEN && key_time((unsigned char *)k.data) <= a->now;
    buf_free(&k);
    if (rc == STORE_NOTFOUND)
        rc = STORE_OK;
    if (rc == STORE_OK && !a->due) {
        /* A run whose runner died is due too, though it sits in the leases. */
        static struct reap_arg r;
        r.now = a->now;
        rc = stale_fn(t, &r);
        a->due = r.n > 0;
    }
    return rc;
}

int run_any_due(struct store *s, long long now_ms)
{
    struct due_arg a = {now_ms, 0};
    return store_txn_run(s, any_due_fn, &a) == STORE_OK && a.due;
}

struct list_arg {
    struct store_txn *t;
    const char *state, *workflow_id;
    int limit, count, more, scanned;
    cJSON *items;
    unsigned char last[DUE_KEY_LEN];
    int have_last;
};

static int list_cb(const void *key, size_t klen, const void *pkey, size_t pklen, const void *val,
                   size_t vlen, void *arg)
{
    struct list_arg *a = arg;
    const unsigned char *k = key;
    char id[UUID_LEN + 1];
    const char *st, *wf;
    cJSON *run = NULL;

    (void)pkey, (void)pklen, (void)val, (void)vlen;
    if (klen != DUE_KEY_LEN)
        return 0;
    if (a->count == a->limit || ++a->scanned > LIST_SCAN_MAX) {
        a->more = 1;
        return 1;
    }
    memcpy(id, k + 8, UUID_LEN);
    id[UUID_LEN] = '\0';
    memcpy(a->last, k, DUE_KEY_LEN);
    a->have_last = 1;
    if (run_get(a->t, id, 0, &run) != STORE_OK)
        return 0;
    st = json_get_string(run, "state");
    wf = json_get_string(run, "workflowId");
    if ((a->state && (!st || strcmp(st, a->state) != 0)) ||
        (a->workflow_id && (!wf || strcasecmp(wf, a->workflow_id) != 0))) {
        cJSON_Delete(run);
        return 0;
    }
    cJSON_AddItemToArray(a->items, run);
    a->count++;
    return 0;
}

struct page_arg {
    struct list_arg l;
    unsigned char start[DUE_KEY_LEN];
    int has_start;
};

static int page_fn(struct store_txn *t, void *arg)
{
    struct page_arg *p = arg;
    int rc;

    cJSON_Delete(p->l.items);
    p->l.items = cJSON_CreateArray();
    p->l.t = t;
    p->l.count = p->l.more = p->l.scanned = p->l.have_last = 0;
    if (!p->has_start)
        return store_scan(t, STORE_DB_RUNS_BY_TIME, NULL, 0, 1, list_cb, &p->l);
    /* Reverse walk from the cursor: skip the cursor entry itself. */
    rc = store_scan(t, STORE_DB_RUNS_BY_TIME, p->start, sizeof(p->start), 1, list_cb, &p->l);
    return rc;
}

static int event_cb(const void *key, size_t klen, const void *pkey, size_t pklen, const void *val,
                    size_t vlen, void *arg)
{
    struct list_arg *a = arg;
    char id[UUID_LEN + 1];
    cJSON *run = NULL;

    (void)pkey, (void)pklen, (void)val, (void)vlen;
    if (klen != PAIR_KEY_LEN || memcmp(key, a->workflow_id, UUID_LEN) != 0)
        return 1; /* past this event's entries */
    memcpy(id, (const char *)key + UUID_LEN, UUID_LEN);
    id[UUID_LEN] = '\0';
    if (run_get(a->t, id, 0, &run) == STORE_OK && cJSON_AddItemToArray(a->items, run))
        a->count++;
    return 0;
}

static int event_fn(struct store_txn *t, void *arg)
{
    struct list_arg *a = arg;
    cJSON_Delete(a->items);
    a->items = cJSON_CreateArray();
    a->t = t;
    a->count = 0;
    /* workflow_id carries the event id here: entries are event|run. */
    return store_scan(t, STORE_DB_RUNS_BY_EVENT, a->workflow_id, UUID_LEN, 0, event_cb, a);
}

int run_list_event(struct store *s, const char *event_id, cJSON **items)
{
    struct list_arg a;
    char key[UUID_LEN + 1];
    int rc;

    memset(&a, 0, sizeof(a));
    *items = NULL;
    if (uuid_parse(event_id, strlen(event_id), key) != 0)
        return STORE_NOTFOUND;
    a.workflow_id = key;
    rc = store_txn_run(s, event_fn, &a);
    if (rc != STORE_OK) {
        cJSON_Delete(a.items);
        return rc;
    }
    *items = a.items;
    return STORE_OK;
}

int run_list(struct store *s, const char *state, const char *workflow_id, const char *event_id,
             const char *cursor, int limit, cJSON **items, char next[128])
{
    struct page_arg p;
    size_t n = 0;
    int rc;

    *items = NULL;
    next[0] = '\0';
    memset(&p, 0, sizeof(p));
    if (event_id && *event_id) {
        cJSON *all = NULL, *it, *out;
        rc = run_list_event(s, event_id, &all);
        if (rc != STORE_OK)
            return rc == STORE_NOTFOUND ? STORE_OK : rc;
        out = cJSON_CreateArray();
        while ((it = cJSON_DetachItemFromArray(all, 0)) != NULL) {
            const char *st = json_get_string(it, "state");
            const char *wf = json_get_string(it, "workflowId");
            if ((state && (!st || strcmp(st, state))) ||
                (workflow_id && (!wf || strcasecmp(wf, workflow_id))))
                cJSON_Delete(it);
            else
                cJSON_AddItemToArray(out, it);
        }
        cJSON_Delete(all);
        *items = out;
        return STORE_OK;
    }
    if (cursor && *cursor) {
        if (strlen(cursor) != 2 * DUE_KEY_LEN ||
            b64_hex_decode(cursor, strlen(cursor), p.start, sizeof(p.start), &n) != 0 ||
            n != DUE_KEY_LEN)
            return STORE_NOTFOUND;
        /* Start just below the cursor: decrement the key by one. */
        for (int i = DUE_KEY_LEN - 1; i >= 0; i--)
            if (p.start[i]-- != 0)
                break;
        p.has_start = 1;
    }
    p.l.state = state;
    p.l.workflow_id = workflow_id;
    p.l.limit = limit;
    rc = store_txn_run(s, page_fn, &p);
    if (rc != STORE_OK) {
        cJSON_Delete(p.l.items);
        return rc;
    }
    if (p.l.more && p.l.have_last)
        b64_hex_encode(p.l.last, DUE_KEY_LEN, next, 128);
    *items = p.l.items;
    return STORE_OK;
}

struct retry_arg {
    const char *id;
    long long now;
    cJSON *run;
    char *err;
    size_t errlen;
};

static int retry_fn(struct store_txn *t, void *arg)
{
    struct retry_arg *a = arg;
    const char *st;
    int rc;

    cJSON *wf = NULL;

    cJSON_Delete(a->run);
    a->err[0] = '\0';
    rc = run_get(t, a->id, 1, &a->run);
    if (rc != STORE_OK)
        return rc;
    st = json_get_string(a->run, "state");
    if (st == NULL || strcmp(st, "failed") != 0) {
        /* Retry resumes a failed run; anything else it could only spoil: a
         * succeeded run would send nothing again, a skipped one did not
         * match the filter, an active one is still being worked on. */
        if (st && (strcmp(st, "succeeded") == 0 || strcmp(st, "skipped") == 0))
            snprintf(a->err, a->errlen,
                     "the run %s: only a failed run is retried (replay the run, or its event, for "
                     "a new run)",
                     st);
        else
            snprintf(a->err, a->errlen, "the run is still queued, running or retrying");
        return STORE_ABORT;
    }
    rc = docstore_get(t, STORE_DB_WORKFLOWS, json_get_string(a->run, "workflowId"), 0, &wf);
    cJSON_Delete(wf);
    if (rc == STORE_NOTFOUND) {
        snprintf(a->err, a->errlen,
                 "the workflow of this run was deleted: there is nothing to run again");
        return STORE_ABORT;
    }
    if (rc != STORE_OK)
        return rc;
    cJSON_ReplaceItemInObjectCaseSensitive(a->run, "state", cJSON_CreateString("queued"));
    cJSON_DeleteItemFromObjectCaseSensitive(a->run, "nextAttemptAt");
    cJSON_AddItemToObject(a->run, "nextAttemptAt", json_number_from_ll(a->now));
    /* A retried run may fail again as many times as a new one. */
    cJSON_DeleteItemFromObjectCaseSensitive(a->run, "retryBase");
    cJSON_AddItemToObject(a->run, "retryBase",
                          json_number_from_ll(cJSON_GetArraySize(json_get(a->run, "attempts"))));
    rc = run_put(t, a->run, a->now);
    if (rc == STORE_OK)
        rc = put_due(t, json_get_string(a->run, "id"), a->now);
    return rc;
}

int run_retry(struct store *s, const char *id, long long now_ms, cJSON **out, char *err,
              size_t errlen)
{
    struct retry_arg a = {id, now_ms, NULL, err, errlen};
    int rc = store_txn_run(s, retry_fn, &a);

    *out = NULL;
    if (rc == STORE_ABORT) {
        cJSON_Delete(a.run);
        return RUN_CONFLICT;
    }
    if (rc != STORE_OK) {
        cJSON_Delete(a.run);
        return rc == STORE_NOTFOUND ? RUN_NOTFOUND : RUN_STORE;
    }
    *out = a.run;
    return RUN_OK;
}
