/* Tests of the store module against a real Berkeley DB environment in a
 * temporary directory: creation and modes, the schema record, key/value
 * operations, scans, the queue, event records and their index, deadlock
 * retry between processes, and recovery after a process killed mid-write. */
#include "store.h"

#include "counter.h"
#include "dedup.h"
#include "ratelimit.h"
#include "run.h"
#include "runner.h"
#include "spawn.h"
#include "store_gate.h"

#include <CUnit/Basic.h>
#include <dirent.h>
#include <ftw.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char tmpdir[64];
static struct config cfg;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Each test starts with a fresh config whose data_dir does not exist yet. */
static void fresh_dir(void)
{
    if (tmpdir[0])
        nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    strcpy(tmpdir, "/tmp/test_store_XXXXXX");
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tmpdir));
    config_defaults(&cfg);
    snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s/data", tmpdir);
}

static struct store *open_new(void)
{
    struct store *s = NULL;
    char err[512] = "";
    fresh_dir();
    CU_ASSERT_EQUAL_FATAL(store_open(&cfg, STORE_CREATE, &s, err, sizeof(err)), STORE_OK);
    return s;
}

static struct store *reopen(void)
{
    struct store *s = NULL;
    char err[512] = "";
    int rc = store_open(&cfg, 0, &s, err, sizeof(err));
    if (rc != STORE_OK)
        fprintf(stderr, "reopen: %s\n", err);
    CU_ASSERT_EQUAL_FATAL(rc, STORE_OK);
    return s;
}

/* A key/value operation run as its own transaction. */
struct kv {
    const char *key;
    const char *val;
    int flags;
    struct buf out;
};

static int put_fn(struct store_txn *t, void *arg)
{
    struct kv *a = arg;
    return store_put(t, STORE_DB_META, a->key, strlen(a->key), a->val, strlen(a->val), a->flags);
}

static int get_fn(struct store_txn *t, void *arg)
{
    struct kv *a = arg;
    return store_get(t, STORE_DB_META, a->key, strlen(a->key), &a->out);
}

static int del_fn(struct store_txn *t, void *arg)
{
    struct kv *a = arg;
    return store_del(t, STORE_DB_META, a->key, strlen(a->key));
}

static int put(struct store *s, const char *k, const char *v, int flags)
{
    struct kv a = {k, v, flags, {0}};
    return store_txn_run(s, put_fn, &a);
}

/* Returns the status; on success the value is copied into val. */
static int get(struct store *s, const char *k, char *val, size_t len)
{
    struct kv a = {k, NULL, 0, {0}};
    int rc;
    buf_init(&a.out, 1 << 20);
    rc = store_txn_run(s, get_fn, &a);
    snprintf(val, len, "%s", buf_str(&a.out));
    buf_free(&a.out);
    return rc;
}

static void store_init_should_make_dir_0700_and_files_0600(void)
{
    struct store *s = open_new();
    struct dirent *e;
    struct stat st;
    DIR *d;
    int files = 0;

    CU_ASSERT_EQUAL(put(s, "k", "v", 0), STORE_OK);
    store_close(s);
    CU_ASSERT_EQUAL_FATAL(stat(cfg.data_dir, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0700);
    d = opendir(cfg.data_dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    while ((e = readdir(d)) != NULL) {
        char p[1024];
        if (e->d_name[0] == '.')
            continue;
        snprintf(p, sizeof(p), "%s/%s", cfg.data_dir, e->d_name);
        CU_ASSERT_EQUAL(stat(p, &st), 0);
        if ((st.st_mode & 0777) != 0600)
            fprintf(stderr, "%s has mode %o\n", e->d_name, st.st_mode & 0777);
        CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
        files++;
    }
    closedir(d);
    CU_ASSERT(files >= STORE_DB_COUNT);
}

/* The page size a Berkeley DB file was created with: the 32-bit field
 * at offset 20 of its meta page (DBMETA), in the machine's byte order. */
static unsigned file_pagesize(const char *name)
{
    char p[1024];
    unsigned char m[24];
    FILE *f;
    unsigned v = 0;

    snprintf(p, sizeof(p), "%s/%s", cfg.data_dir, name);
    f = fopen(p, "rb");
    if (f != NULL && fread(m, 1, sizeof m, f) == sizeof m)
        memcpy(&v, m + 20, 4);
    if (f != NULL)
        fclose(f);
    return v;
}

/* Events and runs are records of a KiB or more: pages of 16 KiB keep them
 * on the leaf pages instead of an overflow page each (docs/storage.md). */
static void store_init_should_give_events_and_runs_16k_pages(void)
{
    struct store *s = open_new();

    CU_ASSERT_EQUAL(put(s, "k", "v", 0), STORE_OK);
    store_close(s);
    CU_ASSERT_EQUAL(file_pagesize("events.db"), 16384);
    CU_ASSERT_EQUAL(file_pagesize("runs.db"), 16384);
    CU_ASSERT_EQUAL(file_pagesize("meta.db"), 4096); /* the others: the file system's block */
}

static void store_open_should_refuse_an_uninitialised_dir(void)
{
    struct store *s = NULL;
    char err[512] = "";

    fresh_dir();
    CU_ASSERT_EQUAL(store_open(&cfg, 0, &s, err, sizeof(err)), STORE_UNAVAILABLE);
    CU_ASSERT_PTR_NULL(s);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "init"));
}

static void store_open_should_refuse_another_schema_version(void)
{
    struct store *s = open_new();
    char err[512] = "", v[16];

    CU_ASSERT_EQUAL(get(s, "schema", v, sizeof(v)), STORE_OK);
    CU_ASSERT_EQUAL(atoi(v), STORE_SCHEMA_VERSION);
    CU_ASSERT_EQUAL(put(s, "schema", "999", 0), STORE_OK);
    store_close(s);
    s = NULL;
    CU_ASSERT_EQUAL(store_open(&cfg, 0, &s, err, sizeof(err)), STORE_SCHEMA);
    CU_ASSERT_PTR_NULL(s);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "999"));
}

static void store_should_put_get_and_delete(void)
{
    struct store *s = open_new();
    struct kv del = {"a", NULL, 0, {0}};
    char v[64];

    CU_ASSERT_EQUAL(get(s, "a", v, sizeof(v)), STORE_NOTFOUND);
    CU_ASSERT_EQUAL(put(s, "a", "one", 0), STORE_OK);
    CU_ASSERT_EQUAL(get(s, "a", v, sizeof(v)), STORE_OK);
    CU_ASSERT_STRING_EQUAL(v, "one");
    CU_ASSERT_EQUAL(put(s, "a", "two", 0), STORE_OK);
    CU_ASSERT_EQUAL(put(s, "a", "three", STORE_NOOVERWRITE), STORE_EXISTS);
    CU_ASSERT_EQUAL(get(s, "a", v, sizeof(v)), STORE_OK);
    CU_ASSERT_STRING_EQUAL(v, "two");
    CU_ASSERT_EQUAL(store_txn_run(s, del_fn, &del), STORE_OK);
    CU_ASSERT_EQUAL(get(s, "a", v, sizeof(v)), STORE_NOTFOUND);
    CU_ASSERT_EQUAL(store_txn_run(s, del_fn, &del), STORE_NOTFOUND);
    /* Values survive closing and reopening. */
    CU_ASSERT_EQUAL(put(s, "b", "kept", 0), STORE_OK);
    store_close(s);
    s = reopen();
    CU_ASSERT_EQUAL(get(s, "b", v, sizeof(v)), STORE_OK);
    CU_ASSERT_STRING_EQUAL(v, "kept");
    store_close(s);
}

struct size_arg {
    const char *key;
    size_t size;
};

static int size_fn(struct store_txn *t, void *arg)
{
    struct size_arg *a = arg;
    return store_get_size(t, STORE_DB_META, a->key, strlen(a->key), &a->size);
}

static void store_get_size_should_tell_the_length_without_reading(void)
{
    struct store *s = open_new();
    struct size_arg a = {"sized", 0};

    CU_ASSERT_EQUAL(store_txn_run(s, size_fn, &a), STORE_NOTFOUND);
    CU_ASSERT_EQUAL(put(s, "sized", "0123456789", 0), STORE_OK);
    CU_ASSERT_EQUAL(store_txn_run(s, size_fn, &a), STORE_OK);
    CU_ASSERT_EQUAL(a.size, 10);
    CU_ASSERT_EQUAL(put(s, "sized", "", 0), STORE_OK);
    CU_ASSERT_EQUAL(store_txn_run(s, size_fn, &a), STORE_OK);
    CU_ASSERT_EQUAL(a.size, 0);
    store_close(s);
}

struct scan_arg {
    const char *start;
    int reverse;
    int stop_after;
    char seen[64];
};

static int scan_cb(const void *key, size_t klen, const void *pkey, size_t pklen, const void *val,
                   size_t vlen, void *arg)
{
    struct scan_arg *a = arg;
    size_t n = strlen(a->seen);

    (void)pkey;
    (void)pklen;
    (void)val;
    (void)vlen;
    if (klen != 2 || ((const char *)key)[0] != 'k')
        return 0; /* the schema record */
    if (n + 1 < sizeof(a->seen)) {
        a->seen[n] = ((const char *)key)[1];
        a->seen[n + 1] = '\0';
    }
    return a->stop_after && (int)strlen(a->seen) == a->stop_after ? 1 : 0;
}

static int scan_fn(struct store_txn *t, void *arg)
{
    struct scan_arg *a = arg;
    a->seen[0] = '\0';
    return store_scan(t, STORE_DB_META, a->start, a->start ? strlen(a->start) : 0, a->reverse,
                      scan_cb, a);
}

static const char *scan(struct store *s, const char *start, int reverse, int stop_after,
                        struct scan_arg *a)
{
    a->start = start;
    a->reverse = reverse;
    a->stop_after = stop_after;
    CU_ASSERT_EQUAL(store_txn_run(s, scan_fn, a), STORE_OK);
    return a->seen;
}

static void store_scan_should_walk_forward_reverse_and_from_a_key(void)
{
    struct store *s = open_new();
    struct scan_arg a;

    CU_ASSERT_EQUAL(put(s, "kd", "4", 0), STORE_OK);
    CU_ASSERT_EQUAL(put(s, "kb", "2", 0), STORE_OK);
    CU_ASSERT_EQUAL(put(s, "ka", "1", 0), STORE_OK);
    CU_ASSERT_EQUAL(put(s, "kc", "3", 0), STORE_OK);
    CU_ASSERT_STRING_EQUAL(scan(s, NULL, 0, 0, &a), "abcd");
    CU_ASSERT_STRING_EQUAL(scan(s, NULL, 1, 0, &a), "dcba");
    CU_ASSERT_STRING_EQUAL(scan(s, "kb", 0, 0, &a), "bcd");
    CU_ASSERT_STRING_EQUAL(scan(s, "kbz", 0, 0, &a), "cd");
    CU_ASSERT_STRING_EQUAL(scan(s, "kc", 1, 0, &a), "cba");
    CU_ASSERT_STRING_EQUAL(scan(s, "kbz", 1, 0, &a), "ba");
    CU_ASSERT_STRING_EQUAL(scan(s, "kz", 1, 0, &a), "dcba");
    CU_ASSERT_STRING_EQUAL(scan(s, "kz", 0, 0, &a), "");
    CU_ASSERT_STRING_EQUAL(scan(s, NULL, 0, 2, &a), "ab");
    store_close(s);
}

struct queue_arg {
    const char *push[3];
    char got[37];
};

/* Three ids to push, in this order. */
#define THREE_IDS                                                                                  \
    {                                                                                              \
        {"11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222",           \
         "33333333-3333-4333-8333-333333333333"},                                                  \
            ""                                                                                     \
    }

static int push_fn(struct store_txn *t, void *arg)
{
    struct queue_arg *a = arg;
    for (int i = 0; i < 3; i++) {
        int rc = store_queue_push(t, a->push[i]);
        if (rc != STORE_OK)
            return rc;
    }
    return STORE_OK;
}

static int pop_fn(struct store_txn *t, void *arg)
{
    struct queue_arg *a = arg;
    return store_queue_pop(t, a->got);
}

/* Events an older version left on the queue are planned by runner_drain
 * (incomingctl drain; a runner also looks whenever it takes its slot and
 * once a minute while it is woken for more): an id whose record is gone is
 * dropped with a warning, and the queue ends empty. */
static void runner_drain_should_take_the_older_versions_queue(void)
{
    struct store *s = open_new();
    struct queue_arg a = THREE_IDS;
    struct spawn_slots slots;
    struct runner_stats st;
    long count = -1;

    memset(&st, 0, sizeof(st));
    CU_ASSERT_EQUAL_FATAL(store_txn_run(s, push_fn, &a), STORE_OK);
    CU_ASSERT_EQUAL_FATAL(spawn_slots_open(&cfg, &slots), 0);
    CU_ASSERT_EQUAL(runner_drain(s, &cfg, &slots, &st), 0);
    CU_ASSERT_EQUAL(st.processed, 3);
    CU_ASSERT_EQUAL(store_queue_count(s, &count), STORE_OK);
    CU_ASSERT_EQUAL(count, 0);
    spawn_slots_close(&slots);
    store_close(s);
}

static void store_queue_should_pop_in_push_order_then_report_empty(void)
{
    struct store *s = open_new();
    struct queue_arg a = THREE_IDS;
    long count = -1;

    CU_ASSERT_EQUAL(store_txn_run(s, pop_fn, &a), STORE_NOTFOUND);
    CU_ASSERT_EQUAL(store_txn_run(s, push_fn, &a), STORE_OK);
    CU_ASSERT_EQUAL(store_queue_count(s, &count), STORE_OK);
    CU_ASSERT_EQUAL(count, 3);
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(store_txn_run(s, pop_fn, &a), STORE_OK);
        CU_ASSERT_STRING_EQUAL(a.got, a.push[i]);
    }
    CU_ASSERT_EQUAL(store_txn_run(s, pop_fn, &a), STORE_NOTFOUND);
    store_close(s);
}

#define INTEG_A "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
#define INTEG_B "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"
#define ENDPOINT "eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee"

struct ev_arg {
    struct store_event ev;
    struct buf rec;
    char order[8][37];
    int n;
};

static void make_event(struct store_event *ev, const char *id, const char *integ, int64_t t,
                       const char *envelope)
{
    memset(ev, 0, sizeof(*ev));
    snprintf(ev->event_id, sizeof(ev->event_id), "%s", id);
    snprintf(ev->integration_id, sizeof(ev->integration_id), "%s", integ);
    snprintf(ev->endpoint_id, sizeof(ev->endpoint_id), "%s", ENDPOINT);
    ev->time_ms = t;
    ev->state = STORE_EVENT_QUEUED;
    ev->envelope = envelope;
    ev->envelope_len = strlen(envelope);
    ev->body_off = 9; /* {"body": <here> */
    ev->body_len = 2;
}

static int ev_put_fn(struct store_txn *t, void *arg)
{
    return store_event_put(t, &((struct ev_arg *)arg)->ev);
}

static int ev_get_fn(struct store_txn *t, void *arg)
{
    struct ev_arg *a = arg;
    return store_event_get(t, a->ev.event_id, &a->ev, &a->rec);
}

static int ev_done_fn(struct store_txn *t, void *arg)
{
    return store_event_set_state(t, ((struct ev_arg *)arg)->ev.event_id, STORE_EVENT_PROCESSED);
}

static int index_cb(const void *key, size_t klen, const void *pkey, size_t pklen, const void *val,
                    size_t vlen, void *arg)
{
    struct ev_arg *a = arg;
    struct store_event ev;

    if (klen != STORE_EVKEY_LEN || memcmp(key, INTEG_A, 36) != 0)
        return 1;
    CU_ASSERT_EQUAL(pklen, 36);
    CU_ASSERT_EQUAL(store_event_decode(val, vlen, &ev), STORE_OK);
    CU_ASSERT_EQUAL(memcmp(pkey, ev.event_id, 36), 0);
    if (a->n < 8)
        snprintf(a->order[a->n++], 37, "%s", ev.event_id);
    return 0;
}

static int index_fn(struct store_txn *t, void *arg)
{
    unsigned char start[STORE_EVKEY_LEN];
    struct ev_arg *a = arg;

    a->n = 0;
    memcpy(start, INTEG_A, 36);
    memset(start + 36, 0xff, STORE_EVKEY_LEN - 36);
    return store_scan(t, STORE_DB_EVENTS_BY_INTEGRATION, start, sizeof(start), 1, index_cb, a);
}

static void store_events_should_round_trip_and_index_newest_first(void)
{
    static const char *const ids[] = {
        "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002",
        "00000000-0000-4000-8000-000000000003", "00000000-0000-4000-8000-000000000004"};
    const char *env = "{\"body\": {}, \"method\": \"POST\"}";
    struct store *s = open_new();
    struct ev_arg a;

    memset(&a, 0, sizeof(a));
    buf_init(&a.rec, 1 << 20);
    make_event(&a.ev, ids[0], INTEG_A, 1000, env);
    CU_ASSERT_EQUAL(store_txn_run(s, ev_put_fn, &a), STORE_OK);
    CU_ASSERT_EQUAL(store_txn_run(s, ev_put_fn, &a), STORE_EXISTS);
    make_event(&a.ev, ids[1], INTEG_A, 3000, env);
    CU_ASSERT_EQUAL(store_txn_run(s, ev_put_fn, &a), STORE_OK);
    make_event(&a.ev, ids[2], INTEG_A, 2000, env);
    CU_ASSERT_EQUAL(store_txn_run(s, ev_put_fn, &a), STORE_OK);
    make_event(&a.ev, ids[3], INTEG_B, 9000, env);
    CU_ASSERT_EQUAL(store_txn_run(s, ev_put_fn, &a), STORE_OK);

    memset(&a.ev, 0, sizeof(a.ev));
    snprintf(a.ev.event_id, sizeof(a.ev.event_id), "%s", ids[2]);
    CU_ASSERT_EQUAL_FATAL(store_txn_run(s, ev_get_fn, &a), STORE_OK);
    CU_ASSERT_STRING_EQUAL(a.ev.integration_id, INTEG_A);
    CU_ASSERT_STRING_EQUAL(a.ev.endpoint_id, ENDPOINT);
    CU_ASSERT_EQUAL(a.ev.time_ms, 2000);
    CU_ASSERT_EQUAL(a.ev.state, STORE_EVENT_QUEUED);
    CU_ASSERT_EQUAL(a.ev.envelope_len, strlen(env));
    CU_ASSERT_EQUAL(memcmp(a.ev.envelope + a.ev.body_off, "{}", a.ev.body_len), 0);
    CU_ASSERT_EQUAL(store_txn_run(s, ev_done_fn, &a), STORE_OK);
    CU_ASSERT_EQUAL_FATAL(store_txn_run(s, ev_get_fn, &a), STORE_OK);
    CU_ASSERT_EQUAL(a.ev.state, STORE_EVENT_PROCESSED);
    CU_ASSERT_EQUAL(memcmp(a.ev.envelope, env, strlen(env)), 0);
    CU_ASSERT_EQUAL(store_event_decode("EV1", 4, &a.ev), -1);

    CU_ASSERT_EQUAL(store_txn_run(s, index_fn, &a), STORE_OK);
    CU_ASSERT_EQUAL_FATAL(a.n, 3);
    CU_ASSERT_STRING_EQUAL(a.order[0], ids[1]);
    CU_ASSERT_STRING_EQUAL(a.order[1], ids[2]);
    CU_ASSERT_STRING_EQUAL(a.order[2], ids[0]);
    buf_free(&a.rec);
    store_close(s);
}

/* Adds 1 to both counters, in the order given, reading before writing so
 * that two processes going opposite ways deadlock on upgrades. */
struct incr_arg {
    const char *first, *second;
};

static int read_num(struct store_txn *t, const char *key, long *out)
{
    struct buf v;
    int rc;
    buf_init(&v, 64);
    rc = store_get(t, STORE_DB_META, key, strlen(key), &v);
    *out = rc == STORE_OK ? atol(buf_str(&v)) : 0;
    buf_free(&v);
    return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

static int write_num(struct store_txn *t, const char *key, long n)
{
    char txt[32];
    int len = snprintf(txt, sizeof(txt), "%ld", n);
    return store_put(t, STORE_DB_META, key, strlen(key), txt, (size_t)len, 0);
}

static int incr_fn(struct store_txn *t, void *arg)
{
    struct incr_arg *a = arg;
    long x, y;
    int rc = read_num(t, a->first, &x);
    if (rc == STORE_OK)
        rc = read_num(t, a->second, &y);
    if (rc == STORE_OK)
        rc = write_num(t, a->first, x + 1);
    if (rc == STORE_OK)
        rc = write_num(t, a->second, y + 1);
    return rc;
}

#define ROUNDS 300

static void increment_in_child(const char *first, const char *second)
{
    struct incr_arg a = {first, second};
    struct store *s = NULL;
    char err[512];

    if (store_open(&cfg, 0, &s, err, sizeof(err)) != STORE_OK)
        _exit(10);
    for (int i = 0; i < ROUNDS; i++)
        if (store_txn_run(s, incr_fn, &a) != STORE_OK)
            _exit(11);
    store_close(s);
    _exit(0);
}

static void store_txn_should_retry_deadlocks_between_processes(void)
{
    struct store *s = open_new();
    pid_t p1, p2;
    int st1 = -1, st2 = -1;
    char v[32];

    store_close(s); /* no handle may cross fork() */
    p1 = fork();
    if (p1 == 0)
        increment_in_child("x", "y");
    p2 = fork();
    if (p2 == 0)
        increment_in_child("y", "x");
    CU_ASSERT_FATAL(p1 > 0 && p2 > 0);
    waitpid(p1, &st1, 0);
    waitpid(p2, &st2, 0);
    CU_ASSERT(WIFEXITED(st1) && WEXITSTATUS(st1) == 0);
    CU_ASSERT(WIFEXITED(st2) && WEXITSTATUS(st2) == 0);
    s = reopen();
    CU_ASSERT_EQUAL(get(s, "x", v, sizeof(v)), STORE_OK);
    CU_ASSERT_EQUAL(atol(v), 2 * ROUNDS);
    CU_ASSERT_EQUAL(get(s, "y", v, sizeof(v)), STORE_OK);
    CU_ASSERT_EQUAL(atol(v), 2 * ROUNDS);
    store_close(s);
}

/* Writes the key, tells the parent, and waits to be killed. */
static int hang_fn(struct store_txn *t, void *arg)
{
    int fd = *(int *)arg;
    int rc = store_put(t, STORE_DB_META, "locked", 6, "child", 5, 0);
    if (rc == STORE_OK && write(fd, "w", 1) == 1)
        for (;;)
            pause();
    return rc;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Forks a child that opens the store, writes inside a transaction, and is
 * killed there: it dies inside the gate. */
static void kill_a_writer_inside(void)
{
    int fds[2], status;
    char c = 0;
    pid_t pid;

    CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
    pid = fork();
    if (pid == 0) {
        struct store *cs = NULL;
        char err[512];
        close(fds[0]);
        if (store_open(&cfg, 0, &cs, err, sizeof(err)) != STORE_OK)
            _exit(10);
        store_txn_run(cs, hang_fn, &fds[1]);
        _exit(11);
    }
    close(fds[1]);
    CU_ASSERT_EQUAL_FATAL(read(fds[0], &c, 1), 1);
    close(fds[0]);
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    CU_ASSERT(WIFSIGNALED(status));
}

static void store_should_not_wedge_after_a_writer_is_killed(void)
{
    struct store *s = open_new();
    char v[32];
    double t0;

    store_close(s);
    kill_a_writer_inside();
    t0 = now_s();
    s = reopen();
    CU_ASSERT_EQUAL(store_failchk(s), STORE_OK);
    CU_ASSERT_EQUAL(put(s, "locked", "parent", 0), STORE_OK);
    CU_ASSERT(now_s() - t0 < 5.0);
    fprintf(stderr, "recovered and wrote in %.3f s\n", now_s() - t0);
    CU_ASSERT_EQUAL(get(s, "locked", v, sizeof(v)), STORE_OK);
    CU_ASSERT_STRING_EQUAL(v, "parent");
    store_close(s);
}

/* Runs fn(arg) in a child process with its own store; returns its exit code. */
static int in_child(int (*fn)(struct store *, const void *), const void *arg)
{
    int status;
    pid_t pid = fork();
    if (pid == 0) {
        struct store *cs = NULL;
        char err[512];
        int rc;
        if (store_open(&cfg, 0, &cs, err, sizeof(err)) != STORE_OK) {
            fprintf(stderr, "child: %s\n", err);
            _exit(100);
        }
        rc = fn(cs, arg);
        store_close(cs);
        _exit(rc);
    }
    CU_ASSERT_FATAL(pid > 0);
    CU_ASSERT_EQUAL_FATAL(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 200;
}

static int child_put(struct store *cs, const void *arg)
{
    const char *const *kv = arg;
    return put(cs, kv[0], kv[1], 0) == STORE_OK ? 0 : 1;
}

static int child_expect(struct store *cs, const void *arg)
{
    const char *const *kv = arg;
    char v[64];
    if (get(cs, kv[0], v, sizeof(v)) != STORE_OK)
        return 2;
    return strcmp(v, kv[1]) == 0 ? 0 : 3;
}

static int child_recover(struct store *cs, const void *arg)
{
    char err[512];
    (void)cs;
    (void)arg;
    return store_recover(&cfg, err, sizeof(err)) == STORE_OK ? 0 : 1;
}

/* The split-brain case: a process idle (handles open, outside the gate)
 * while another recovers must not go on writing into the old regions. Its
 * next transaction reopens, and what it commits afterwards is what every
 * other process reads. */
static void store_idle_process_should_join_the_recovered_environment(void)
{
    struct store *s = open_new();
    const char *recovered[] = {"recovered", "child"};
    const char *after[] = {"after", "parent"};
    char v[32];
    struct stat st;
    char lock[600];

    CU_ASSERT_EQUAL(put(s, "before", "parent", 0), STORE_OK);
    kill_a_writer_inside();
    /* Another process enters first: it recovers. */
    CU_ASSERT_EQUAL(in_child(child_put, recovered), 0);
    CU_ASSERT_EQUAL(s->dropped, 0);
    CU_ASSERT_EQUAL(put(s, "after", "parent", 0), STORE_OK);
    CU_ASSERT_EQUAL(s->dropped, 1); /* its old handles were dropped, not used */
    CU_ASSERT_EQUAL(get(s, "recovered", v, sizeof(v)), STORE_OK);
    CU_ASSERT_STRING_EQUAL(v, "child");
    CU_ASSERT_EQUAL(get(s, "locked", v, sizeof(v)), STORE_NOTFOUND); /* never committed */
    CU_ASSERT_EQUAL(in_child(child_expect, after), 0);
    /* An operator's recover while this process stays open. */
    CU_ASSERT_EQUAL(in_child(child_recover, NULL), 0);
    CU_ASSERT_EQUAL(put(s, "after", "recover", 0), STORE_OK);
    CU_ASSERT_EQUAL(s->dropped, 2);
    {
        const char *again[] = {"after", "recover"};
        CU_ASSERT_EQUAL(in_child(child_expect, again), 0);
    }
    CU_ASSERT_EQUAL(get(s, "before", v, sizeof(v)), STORE_OK);
    snprintf(lock, sizeof(lock), "%s/store.lock", cfg.data_dir);
    CU_ASSERT_EQUAL_FATAL(stat(lock, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
    store_close(s);
}

/* After a reboot (a new boot id) the first process recovers: regions left
 * from before may hold locks of processes that no longer exist, and with
 * durability = sync the log has every commit the files may lack. */
static void store_first_use_after_a_reboot_should_recover(void)
{
    struct store *s = open_new();
    unsigned long long gen;
    char lock[600], v[32];
    FILE *f;

    CU_ASSERT_EQUAL(put(s, "kept", "yes", 0), STORE_OK);
    gen = s->gen;
    store_close(s);
    snprintf(lock, sizeof(lock), "%s/store.lock", cfg.data_dir);
    f = fopen(lock, "r+");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL_FATAL(fseek(f, (long)offsetof(struct store_gate_file, boot), SEEK_SET), 0);
    CU_ASSERT_EQUAL(fwrite("00000000-0000-0000-0000-000000000000", 1, 37, f), 37);
    fclose(f);
    s = reopen();
    CU_ASSERT_EQUAL(s->gen, gen + 1);
    CU_ASSERT_EQUAL(get(s, "kept", v, sizeof(v)), STORE_OK);
    store_close(s);
    s = reopen(); /* same boot: no recovery */
    CU_ASSERT_EQUAL(s->gen, gen + 1);
    store_close(s);
}

/* A record in any database, as its own transaction. */
struct dbkv {
    enum store_db db;
    const char *key;
    size_t klen;
    const char *val;
    int dedup_rc;
    char dup[37];
};

static int dbput_fn(struct store_txn *t, void *arg)
{
    struct dbkv *a = arg;
    return store_put(t, a->db, a->key, a->klen, a->val, strlen(a->val), 0);
}

static int dedup_fn(struct store_txn *t, void *arg)
{
    struct dbkv *a = arg;
    int rc = dbput_fn(t, arg);
    if (rc == STORE_OK)
        a->dedup_rc = dedup_check_and_put(t, a->key, "0e1f0000-0000-4000-8000-0000000000e1",
                                          1700000000000LL, 60, a->dup);
    return STORE_ABORT;
}

/* Found by tests/fuzz/run -t envelope: a damaged rate-limit bucket or dedup
 * record with a time far in the past overflowed the arithmetic (signed
 * overflow, which UBSan reports), and one longer than any record written
 * made every later call fail (503 for good). A damaged bucket now starts
 * full; a dedup time is compared, never subtracted; an overlong record of
 * either is read as none and replaced. */
static void store_damaged_rate_and_dedup_records_should_be_read_safely(void)
{
    static const char dkey[] = "2c3d0000-0000-4000-8000-0000000000c1"
                               "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    static const char *const buckets[] = {"-9223372036854775808 -9223372036854775808",
                                          "9223372036854775807 0", "1000 -5", "-1 1", "junk",
                                          /* longer than any bucket written */
                                          "500 1699999999000                                    "
                                          "                                                   x"};
    struct store *s = open_new();
    long retry = 0;

    for (size_t i = 0; i < sizeof(buckets) / sizeof(buckets[0]); i++) {
        struct dbkv a = {STORE_DB_RATE, "i1", 2, buckets[i], 0, ""};
        CU_ASSERT_EQUAL_FATAL(store_txn_run(s, dbput_fn, &a), STORE_OK);
        /* A full bucket of 2: two admitted, the third waits a second. */
        CU_ASSERT_EQUAL(ratelimit_take(s, "i1", 2, 1700000000000LL, &retry), 0);
        CU_ASSERT_EQUAL(ratelimit_take(s, "i1", 2, 1700000000000LL, &retry), 0);
        CU_ASSERT_EQUAL(ratelimit_take(s, "i1", 2, 1700000000000LL, &retry), 1);
        CU_ASSERT_EQUAL(retry, 1);
    }
    {
        struct dbkv old = {STORE_DB_DEDUP,
                           dkey,
                           DEDUP_KEY_LEN,
                           "0e1f0000-0000-4000-8000-0000000000e0 -9223372036854775808",
                           -9,
                           ""};
        struct dbkv future = {STORE_DB_DEDUP,
                              dkey,
                              DEDUP_KEY_LEN,
                              "0e1f0000-0000-4000-8000-0000000000e0 9223372036854775807",
                              -9,
                              ""};
        struct dbkv recent = {STORE_DB_DEDUP,
                              dkey,
                              DEDUP_KEY_LEN,
                              "0e1f0000-0000-4000-8000-0000000000e0 1699999999000",
                              -9,
                              ""};
        CU_ASSERT_EQUAL(store_txn_run(s, dedup_fn, &old), STORE_ABORT);
        CU_ASSERT_EQUAL(old.dedup_rc, 0);
        CU_ASSERT_EQUAL(store_txn_run(s, dedup_fn, &future), STORE_ABORT);
        CU_ASSERT_EQUAL(future.dedup_rc, 1);
        CU_ASSERT_EQUAL(store_txn_run(s, dedup_fn, &recent), STORE_ABORT);
        CU_ASSERT_EQUAL(recent.dedup_rc, 1);
        CU_ASSERT_STRING_EQUAL(recent.dup, "0e1f0000-0000-4000-8000-0000000000e0");
    }
    {
        /* Longer than any dedup record written: read as none, replaced. */
        char longer[300];
        memset(longer, 'x', sizeof(longer) - 1);
        longer[sizeof(longer) - 1] = '\0';
        struct dbkv big = {STORE_DB_DEDUP, dkey, DEDUP_KEY_LEN, longer, -9, ""};
        CU_ASSERT_EQUAL(store_txn_run(s, dedup_fn, &big), STORE_ABORT);
        CU_ASSERT_EQUAL(big.dedup_rc, 0);
    }
    store_close(s);
}

/* Found by tests/fuzz/run -t envelope: an empty run lease reached memcpy
 * as NULL (undefined even for 0 bytes). It is a lease of no process: it
 * is reaped, once. */
static void store_an_empty_run_lease_should_be_reaped(void)
{
    struct store *s = open_new();
    struct dbkv lease = {
        STORE_DB_RUNS_LEASES, "77777777-7777-4777-8777-777777777777", 36, "", 0, ""};

    CU_ASSERT_EQUAL_FATAL(store_txn_run(s, dbput_fn, &lease), STORE_OK);
    CU_ASSERT_EQUAL(run_reap(s, 1700000000000LL), 1);
    CU_ASSERT_EQUAL(run_reap(s, 1700000000000LL), 0);
    store_close(s);
}

/* run_claim's before hook: a counter raised once per call, or a failure. */
struct before_arg {
    int fail;
};

static int before_fn(struct store_txn *t, void *arg)
{
    const struct before_arg *a = arg;
    return a->fail ? STORE_ERROR : counter_add(t, "test_before_total", 1);
}

static int create_run_fn(struct store_txn *t, void *arg)
{
    return run_create(t, "5e5e5e5e-5e5e-4e5e-8e5e-5e5e5e5e5e5e",
                      "0e1f0000-0000-4000-8000-0000000000e1", "send", "queued", 1700000000000LL,
                      arg);
}

static int before_count(struct store_txn *t, void *arg)
{
    struct buf v;
    int rc;

    buf_init(&v, 64);
    rc = store_get(t, STORE_DB_COUNTERS, "test_before_total", 17, &v);
    *(int *)arg = rc == STORE_OK && v.len == 8 ? (unsigned char)v.data[7] : -1;
    buf_free(&v);
    return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

/* One run claimed with before's writes (*run NULL when none). */
static int claim1(struct store *s, long long now, struct before_arg *b, cJSON **run)
{
    void *args[1] = {NULL};
    int n = 0;
    int rc =
        run_claim_many(s, now, getpid(), 1700000060000LL, 0, before_fn, b, NULL, args, 1, run, &n);
    if (rc != STORE_OK)
        *run = NULL;
    return rc;
}

/* What the runner writes before its next claim (an earlier run's outcome)
 * is committed with the claim, and also when nothing is due; when it
 * fails, nothing is claimed. */
static void run_claim_should_commit_what_before_wrote(void)
{
    struct store *s = open_new();
    struct before_arg fail = {1}, ok = {0};
    char id[37] = "";
    cJSON *run = NULL;
    int n = 0;

    CU_ASSERT_EQUAL_FATAL(store_txn_run(s, create_run_fn, id), STORE_OK);
    /* Planned again (same id): the run there is kept, nothing written. */
    CU_ASSERT_EQUAL(store_txn_run(s, create_run_fn, id), STORE_EXISTS);
    CU_ASSERT_EQUAL(claim1(s, 1700000000001LL, &fail, &run), STORE_ERROR);
    CU_ASSERT_PTR_NULL(run);
    CU_ASSERT_EQUAL(store_txn_run(s, before_count, &n), STORE_OK);
    CU_ASSERT_EQUAL(n, -1); /* nothing written */

    CU_ASSERT_EQUAL_FATAL(claim1(s, 1700000000001LL, &ok, &run), STORE_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(run);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(run, "id")->valuestring, id);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(run, "state")->valuestring, "running");
    cJSON_Delete(run);
    CU_ASSERT_EQUAL(store_txn_run(s, before_count, &n), STORE_OK);
    CU_ASSERT_EQUAL(n, 1);

    CU_ASSERT_EQUAL(claim1(s, 1700000000002LL, &ok, &run), STORE_NOTFOUND);
    CU_ASSERT_PTR_NULL(run);
    CU_ASSERT_EQUAL(store_txn_run(s, before_count, &n), STORE_OK);
    CU_ASSERT_EQUAL(n, 2);
    store_close(s);
}

static int lease_of(struct store_txn *t, void *arg)
{
    struct dbkv *a = arg;
    struct buf v;
    int rc;

    buf_init(&v, 64);
    rc = store_get(t, STORE_DB_RUNS_LEASES, a->key, 36, &v);
    snprintf(a->dup, sizeof(a->dup), "%.*s", rc == STORE_OK ? (int)v.len : 0, v.data);
    buf_free(&v);
    return rc;
}

struct extend_arg {
    const char *id;
    pid_t pid;
    long long until;
};

static int extend_fn(struct store_txn *t, void *arg)
{
    struct extend_arg *a = arg;
    return run_lease_extend(t, a->id, a->pid, a->until);
}

/* run_lease_extend in a transaction of its own. */
static int extend(struct store *s, const char *id, pid_t pid, long long until)
{
    struct extend_arg a = {id, pid, until};
    return store_txn_run(s, extend_fn, &a);
}

/* A runner claims a few due runs in one transaction, each leased for the
 * requests before it; it may extend a lease only while it still holds it. */
static void run_claim_many_should_lease_each_for_those_before_it(void)
{
    struct store *s = open_new();
    char ids[3][37] = {"", "", ""}, want[37];
    struct dbkv lease = {STORE_DB_RUNS_LEASES, NULL, 36, "", 0, ""};
    void *args[RUN_CLAIM_MAX] = {NULL};
    cJSON *runs[RUN_CLAIM_MAX];
    int n = -1;

    for (int i = 0; i < 3; i++)
        CU_ASSERT_EQUAL_FATAL(store_txn_run(s, create_run_fn, ids[i]), STORE_OK);
    CU_ASSERT_EQUAL_FATAL(run_claim_many(s, 1700000000001LL, getpid(), 1700000040000LL, 10000, NULL,
                                         NULL, NULL, args, 2, runs, &n),
                          STORE_OK);
    CU_ASSERT_EQUAL_FATAL(n, 2);
    for (int i = 0; i < 2; i++) {
        lease.key = cJSON_GetObjectItem(runs[i], "id")->valuestring;
        CU_ASSERT_EQUAL(store_txn_run(s, lease_of, &lease), STORE_OK);
        snprintf(want, sizeof(want), "%ld %lld", (long)getpid(), 1700000040000LL + i * 10000);
        CU_ASSERT_STRING_EQUAL(lease.dup, want);
    }
    /* The last one, by another (living) process. */
    CU_ASSERT_EQUAL_FATAL(run_claim_many(s, 1700000000001LL, getppid(), 1700000040000LL, 10000,
                                         NULL, NULL, NULL, args, RUN_CLAIM_MAX, runs + 2, &n),
                          STORE_OK);
    CU_ASSERT_EQUAL_FATAL(n, 1);
    CU_ASSERT_EQUAL(run_claim_many(s, 1700000000001LL, getpid(), 1700000040000LL, 10000, NULL, NULL,
                                   NULL, args, RUN_CLAIM_MAX, runs + 3, &n),
                    STORE_NOTFOUND);
    CU_ASSERT_EQUAL(n, 0);

    /* Held: extended. Another's: left alone. */
    lease.key = cJSON_GetObjectItem(runs[0], "id")->valuestring;
    CU_ASSERT_EQUAL(extend(s, lease.key, getpid(), 1700000050000LL), STORE_OK);
    CU_ASSERT_EQUAL(store_txn_run(s, lease_of, &lease), STORE_OK);
    snprintf(want, sizeof(want), "%ld %lld", (long)getpid(), 1700000050000LL);
    CU_ASSERT_STRING_EQUAL(lease.dup, want);
    CU_ASSERT_EQUAL(
        extend(s, cJSON_GetObjectItem(runs[2], "id")->valuestring, getpid(), 1700000050000LL),
        STORE_NOTFOUND);
    /* Run out and resumed by a reaper: no longer ours. */
    CU_ASSERT_EQUAL(run_reap(s, 1700000060001LL), 3);
    CU_ASSERT_EQUAL(extend(s, lease.key, getpid(), 1700000070000LL), STORE_NOTFOUND);
    for (int i = 0; i < 3; i++)
        cJSON_Delete(runs[i]);
    store_close(s);
}

int main(void)
{
    CU_pSuite s;
    unsigned failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("store", NULL, NULL);
    CU_add_test(s, "init makes dir 0700 and files 0600",
                store_init_should_make_dir_0700_and_files_0600);
    CU_add_test(s, "init gives events and runs 16 KiB pages",
                store_init_should_give_events_and_runs_16k_pages);
    CU_add_test(s, "open refuses an uninitialised dir",
                store_open_should_refuse_an_uninitialised_dir);
    CU_add_test(s, "open refuses another schema version",
                store_open_should_refuse_another_schema_version);
    CU_add_test(s, "put, get, delete, no-overwrite", store_should_put_get_and_delete);
    CU_add_test(s, "damaged rate and dedup records are read safely",
                store_damaged_rate_and_dedup_records_should_be_read_safely);
    CU_add_test(s, "an empty run lease is reaped", store_an_empty_run_lease_should_be_reaped);
    CU_add_test(s, "run_claim commits what before wrote",
                run_claim_should_commit_what_before_wrote);
    CU_add_test(s, "run_claim_many leases each for those before it",
                run_claim_many_should_lease_each_for_those_before_it);
    CU_add_test(s, "get_size tells the length without reading",
                store_get_size_should_tell_the_length_without_reading);
    CU_add_test(s, "scan forward, reverse, from a key",
                store_scan_should_walk_forward_reverse_and_from_a_key);
    CU_add_test(s, "queue pops in push order, then empty",
                store_queue_should_pop_in_push_order_then_report_empty);
    CU_add_test(s, "runner_drain takes the older versions' queue",
                runner_drain_should_take_the_older_versions_queue);
    CU_add_test(s, "events round-trip, index newest first",
                store_events_should_round_trip_and_index_newest_first);
    CU_add_test(s, "deadlocks between processes are retried",
                store_txn_should_retry_deadlocks_between_processes);
    CU_add_test(s, "a killed writer does not wedge the next opener",
                store_should_not_wedge_after_a_writer_is_killed);
    CU_add_test(s, "an idle process joins the environment another recovered",
                store_idle_process_should_join_the_recovered_environment);
    CU_add_test(s, "the first use after a reboot recovers",
                store_first_use_after_a_reboot_should_recover);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    if (tmpdir[0])
        nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return failed ? 1 : 0;
}
