/* store: the transaction layer, third of the store's layers (see
 * include/store_env.h): opening and closing the store, running
 * transactions with deadlock retry inside the gate, flushing a committed
 * transaction's log file after leaving it, recovery on request, failchk,
 * checkpoints and the schema record. The operations that run inside a
 * transaction are in store_ops.c. Contract: include/store.h. */
#include "store.h"

#include "log.h"
#include "numparse.h"
#include "store_env.h"
#include "store_gate.h"
#include "store_txn.h"

#include <db.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TXN_MAX_TRIES 100
/* Handle sets a process may drop before store_should_restart says so: from
 * this many to twice as many, by pid (each set holds a few dozen
 * descriptors). */
#define STORE_DROPPED_MAX 8

const char *store_strerror(int status)
{
    switch (status) {
    case STORE_OK:
        return "ok";
    case STORE_NOTFOUND:
        return "not found";
    case STORE_EXISTS:
        return "already exists";
    case STORE_UNAVAILABLE:
        return "storage unavailable";
    case STORE_SCHEMA:
        return "storage holds another schema version";
    case STORE_NOMEM:
        return "out of memory";
    case STORE_RETRY:
        return "storage busy (deadlock)";
    case STORE_ABORT:
        return "aborted";
    default:
        return "storage error";
    }
}

static int check_schema(struct store *s, int create, char *err, size_t errlen);

int store_open(const struct config *cfg, int flags, struct store **out, char *err, size_t errlen)
{
    struct store *s = NULL;
    struct stat st;
    char meta[600];
    int rc;

    *out = NULL;
    if (flags & STORE_CREATE) {
        if (mkdir(cfg->data_dir, 0700) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create data_dir %s: %s", cfg->data_dir, strerror(errno));
            return STORE_UNAVAILABLE;
        }
    }
    if (stat(cfg->data_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "data_dir %s is not a directory (run 'incomingctl init')",
                 cfg->data_dir);
        return STORE_UNAVAILABLE;
    }
    snprintf(meta, sizeof(meta), "%s/meta.db", cfg->data_dir);
    if (!(flags & STORE_CREATE) && access(meta, F_OK) != 0) {
        snprintf(err, errlen, "data_dir %s is not initialised (run 'incomingctl init')",
                 cfg->data_dir);
        return STORE_UNAVAILABLE;
    }
    if (store_env_write_config(cfg, err, errlen) != 0)
        return STORE_UNAVAILABLE;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return STORE_NOMEM;
    s->gate_fd = -1;
    s->log_fd = -1;
    snprintf(s->home, sizeof(s->home), "%s", cfg->data_dir);
    s->durability = cfg->durability;
    s->creating = (flags & STORE_CREATE) != 0;
    {
        /* Everything Berkeley DB creates is 0600, as is the gate file. */
        mode_t old = umask(077);
        rc = store_gate_open(s, err, errlen);
        if (rc == STORE_OK)
            rc = store_enter(s, err, errlen);
        umask(old);
    }
    if (rc == STORE_OK) {
        rc = check_schema(s, flags & STORE_CREATE, err, errlen);
        store_leave(s);
    }
    s->creating = 0;
    if (rc != STORE_OK) {
        store_close(s);
        return rc;
    }
    *out = s;
    return STORE_OK;
}

void store_close(struct store *s)
{
    if (s == NULL)
        return;
    store_gate_close(s);
    store_env_log_close(s);
    free(s);
}

int store_recover(const struct config *cfg, char *err, size_t errlen)
{
    struct store *s = calloc(1, sizeof(*s));
    mode_t old;
    int rc;

    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return STORE_NOMEM;
    }
    snprintf(s->home, sizeof(s->home), "%s", cfg->data_dir);
    s->durability = cfg->durability;
    s->log_fd = -1;
    s->need_recover = 1; /* store_enter rebuilds whatever the gate says */
    old = umask(077);
    rc = store_gate_open(s, err, errlen);
    if (rc == STORE_OK)
        rc = store_enter(s, err, errlen);
    umask(old);
    if (rc == STORE_OK)
        store_leave(s);
    store_close(s);
    return rc;
}

const char *store_data_dir(const struct store *s)
{
    return s->home;
}

unsigned long long store_recoveries(const struct store *s)
{
    return s->gate != NULL ? __atomic_load_n(&s->gate->gen, __ATOMIC_RELAXED) : 0;
}

int store_should_restart(const struct store *s)
{
    /* Staggered by pid, so that the responders of one web server, which
     * all see the same recoveries, do not all exit at once. */
    return s != NULL && s->dropped >= STORE_DROPPED_MAX + (int)(getpid() % STORE_DROPPED_MAX);
}

/* store_enter for operations whose callers only get a status: the reason
 * goes to the log. */
static int enter_logged(struct store *s)
{
    char err[512];
    int rc = store_enter(s, err, sizeof(err));

    if (rc != STORE_OK)
        LOG_ERR("%s", err);
    return rc;
}

int store_failchk(struct store *s)
{
    int ret, rc;

    if ((rc = enter_logged(s)) != STORE_OK)
        return rc;
    ret = s->env->failchk(s->env, 0);
    rc = store_map(s, ret, "failchk");
    store_leave(s);
    return rc;
}

/* Flushes the databases' files to disk, through descriptors of our own:
 * outside the gate, since it touches no Berkeley DB region. Since the last
 * checkpoint the kernel may hold tens of MiB of their pages; written in one
 * go, they would keep the disk busy for half a second while every
 * responder's log flush waits behind them. So they go 1 MiB at a time with
 * a pause after each range that had pages to write, and the final
 * fdatasync finds little left. */
static void sync_db_files(const struct store *s)
{
    const off_t step = 1 << 20;
    const struct timespec pause = {0, 2000000}; /* 2 ms */
    DIR *d = opendir(s->home);
    struct dirent *e;

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        struct stat st;
        char path[800];
        int fd;

        if (n < 4 || strcmp(e->d_name + n - 3, ".db") != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", s->home, e->d_name);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
            continue;
        if (fstat(fd, &st) == 0)
            for (off_t off = 0; off < st.st_size; off += step) {
                struct timespec a, b;
                clock_gettime(CLOCK_MONOTONIC, &a);
                (void)sync_file_range(fd, off, step,
                                      SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                                          SYNC_FILE_RANGE_WAIT_AFTER);
                clock_gettime(CLOCK_MONOTONIC, &b);
                /* A range with nothing to write returns at once: no pause. */
                if ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) > 500000L)
                    nanosleep(&pause, NULL);
            }
        (void)fdatasync(fd);
        close(fd);
    }
    closedir(d);
}

int store_checkpoint(struct store *s)
{
    static const int clean_percent[] = {25, 50, 75, 100};
    int ret, rc, wrote;

    rc = store_checkpoint_due(s);
    if (rc <= 0)
        return rc == 0 ? STORE_OK : rc;
    /* Nearly all of a checkpoint's time goes into writing the cache's
     * dirty pages (up to 8 MiB) and flushing the files, and every other
     * process waits at the gate meanwhile: 150-190 ms at a time under
     * load. So the pages are written in four steps, each its own turn
     * inside the gate, and the files flushed outside it; the checkpoint
     * proper then finds little left to write or flush. */
    for (size_t i = 0; i < sizeof(clean_percent) / sizeof(clean_percent[0]); i++) {
        if ((rc = enter_logged(s)) != STORE_OK)
            return rc;
        ret = s->env->memp_trickle(s->env, clean_percent[i], &wrote);
        rc = store_map(s, ret, "memp_trickle");
        store_leave(s);
        if (rc != STORE_OK)
            return rc;
    }
    sync_db_files(s);
    if ((rc = enter_logged(s)) != STORE_OK)
        return rc;
    /* Only when 4 MiB of log or 5 minutes have passed since the last one. */
    ret = s->env->txn_checkpoint(s->env, STORE_CHECKPOINT_BYTES / 1024,
                                 STORE_CHECKPOINT_SECONDS / 60, 0);
    rc = store_map(s, ret, "txn_checkpoint");
    store_leave(s);
    return rc;
}

int store_checkpoint_due(struct store *s)
{
    DB_TXN_STAT *ts = NULL;
    DB_LOG_STAT *ls = NULL;
    int ret, rc, due = 0;

    if ((rc = enter_logged(s)) != STORE_OK)
        return rc;
    ret = s->env->txn_stat(s->env, &ts, 0);
    if (ret == 0)
        ret = s->env->log_stat(s->env, &ls, 0);
    rc = store_map(s, ret, "txn_stat");
    store_leave(s);
    if (rc == STORE_OK) {
        /* store_checkpoint's rule, from the statistics. */
        long long since = ((long long)ls->st_cur_file - ts->st_last_ckp.file) * ls->st_lg_size +
                          (long long)ls->st_cur_offset - ts->st_last_ckp.offset;
        due = since >= STORE_CHECKPOINT_BYTES ||
              (since > 0 && time(NULL) - ts->st_time_ckp >= STORE_CHECKPOINT_SECONDS);
    }
    free(ts);
    free(ls);
    return rc == STORE_OK ? due : rc;
}

static void backoff(int attempt)
{
    unsigned r = 0;
    struct timespec ts;
    long max_us = 100L << (attempt < 7 ? attempt : 7); /* 0.1 ms, doubling to 12.8 ms */
    if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
        r = (unsigned)getpid() * 2654435761u + (unsigned)attempt;
    ts.tv_sec = 0;
    ts.tv_nsec = (long)(r % (unsigned long)max_us) * 1000L;
    nanosleep(&ts, NULL);
}

int store_txn_run(struct store *s, store_txn_fn fn, void *arg)
{
    return store_txn_run_flags(s, 0, fn, arg);
}

static int txn_run(struct store *s, store_txn_fn fn, void *arg, int *wrote);

/* Test hook for tests/integration/test_crash.py, not for production: with
 * INCOMING_TEST_CRASH_AFTER_COMMIT=P (1..100) in its environment, a process
 * kills itself (SIGKILL) in P percent of its durable commits, between the
 * commit and the flush of the log, where nothing was acknowledged yet and
 * other processes may be flushing the same log file. */
static void crash_point_after_commit(void)
{
    static int percent = -1;
    const char *v, *errstr;
    long long p;
    unsigned r;

    if (percent < 0) {
        v = getenv("INCOMING_TEST_CRASH_AFTER_COMMIT");
        percent = v != NULL && num_parse_ll(v, 1, 100, &p, &errstr) == 0 ? (int)p : 0;
    }
    if (percent > 0 && getrandom(&r, sizeof(r), GRND_NONBLOCK) == (ssize_t)sizeof(r) &&
        (int)(r % 100) < percent)
        raise(SIGKILL);
}

/* The whole transaction, retries included, runs inside the gate: no other
 * process is inside Berkeley DB meanwhile, so nothing can rebuild the
 * environment under a commit, and a commit that returned is in the log
 * that any later recovery reads. The commit writes its log record to the
 * file but does not flush it; with sync durability the file is flushed
 * after leaving the gate, before returning (and so before any answer that
 * says the data is stored), and processes that flush at the same time
 * share one disk write. */
int store_txn_run_flags(struct store *s, int flags, store_txn_fn fn, void *arg)
{
    unsigned file = 0;
    int wrote = 0, sync, rc = enter_logged(s);

    if (rc != STORE_OK)
        return rc;
    rc = txn_run(s, fn, arg, &wrote);
    sync = rc == STORE_OK && wrote && !(flags & STORE_TXN_NOSYNC) &&
           s->durability == CONFIG_DURABILITY_SYNC;
    if (sync)
        rc = store_env_log_current(s, &file);
    store_leave(s);
    if (sync && rc == STORE_OK) {
        crash_point_after_commit();
        rc = store_env_log_sync(s, file);
    }
    return rc;
}

/* Every commit writes its record without flushing it (see above). */
static int txn_run(struct store *s, store_txn_fn fn, void *arg, int *wrote)
{
    int rc = STORE_ERROR;

    for (int attempt = 0; attempt < TXN_MAX_TRIES; attempt++) {
        struct store_txn t = {s, NULL, 0, 0};
        int ret;

        if (s->need_recover && store_recover_inside(s) != STORE_OK)
            return STORE_UNAVAILABLE;
        ret = s->env->txn_begin(s->env, NULL, &t.txn, DB_TXN_WRITE_NOSYNC);
        if (ret != 0) {
            rc = store_map(s, ret, "txn_begin");
            if (rc == STORE_UNAVAILABLE && s->need_recover && attempt < 2)
                continue; /* recover and try again */
            return rc;
        }
        rc = fn(&t, arg);
        if (rc == STORE_OK) {
            ret = t.txn->commit(t.txn, 0);
            rc = store_map(s, ret, "txn_commit");
            if (rc == STORE_OK) {
                *wrote = t.wrote;
                return STORE_OK;
            }
        } else {
            ret = t.txn->abort(t.txn);
            if (ret != 0)
                (void)store_map(s, ret, "txn_abort");
        }
        if (rc == STORE_RETRY) {
            /* Deadlock among this process's own lockers, or a lock wait
             * timed out: try again after a short randomised pause. */
            backoff(attempt);
            continue;
        }
        /* A failed commit is never retried: its outcome is not known. */
        if (rc == STORE_UNAVAILABLE && s->need_recover && attempt < 2 && ret == 0)
            continue;
        return rc;
    }
    LOG_ERR("transaction still deadlocked after %d attempts", TXN_MAX_TRIES);
    return STORE_UNAVAILABLE;
}

struct store *store_txn_store(struct store_txn *t)
{
    return t->s;
}

int store_queue_count(struct store *s, long *out)
{
    DB_QUEUE_STAT *st = NULL;
    DB *q;
    int ret, rc;

    if ((rc = enter_logged(s)) != STORE_OK)
        return rc;
    q = s->dbs[STORE_DB_QUEUE];
    ret = q->stat(q, NULL, &st, DB_READ_COMMITTED);
    rc = store_map(s, ret, "queue stat");
    store_leave(s);
    if (rc != STORE_OK)
        return rc;
    *out = (long)st->qs_nkeys;
    free(st);
    return STORE_OK;
}

/* The schema record is written by init and checked by everyone else. */
struct schema_arg {
    int create;
    int found;
    long long version;
};

static int schema_fn(struct store_txn *t, void *arg)
{
    struct schema_arg *a = arg;
    const char *errstr;
    struct buf v;
    int rc;

    buf_init(&v, 64);
    a->found = 0;
    rc = store_get(t, STORE_DB_META, "schema", 6, &v);
    if (rc == STORE_NOTFOUND && a->create) {
        char txt[16];
        int n = snprintf(txt, sizeof(txt), "%d", STORE_SCHEMA_VERSION);
        rc = store_put(t, STORE_DB_META, "schema", 6, txt, (size_t)n, 0);
        a->version = STORE_SCHEMA_VERSION;
        a->found = rc == STORE_OK;
    } else if (rc == STORE_OK) {
        if (num_parse_ll(buf_str(&v), 0, 1000000, &a->version, &errstr) != 0)
            a->version = -1;
        a->found = 1;
    } else if (rc == STORE_NOTFOUND) {
        rc = STORE_OK;
    }
    buf_free(&v);
    return rc;
}

static int check_schema(struct store *s, int create, char *err, size_t errlen)
{
    struct schema_arg a = {create, 0, 0};
    int rc = store_txn_run(s, schema_fn, &a);

    if (rc != STORE_OK) {
        snprintf(err, errlen, "cannot read the schema version in %s: %s", s->home,
                 store_strerror(rc));
        return rc;
    }
    if (!a.found) {
        snprintf(err, errlen, "data_dir %s is not initialised (run 'incomingctl init')", s->home);
        return STORE_UNAVAILABLE;
    }
    if (a.version != STORE_SCHEMA_VERSION) {
        snprintf(err, errlen, "data_dir %s holds schema version %lld, this build expects %d",
                 s->home, a.version, STORE_SCHEMA_VERSION);
        return STORE_SCHEMA;
    }
    return STORE_OK;
}
