/* store: environment lifecycle, transactions with deadlock retry, and the
 * generic key/value, scan and queue operations. Event records live in
 * store_event.c. See include/store.h for the contract. */
#include "store.h"

#include "log.h"
#include "numparse.h"
#include "proc.h"
#include "store_internal.h"

#include <db.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TXN_MAX_TRIES 100
#define QUEUE_RECLEN 40

struct db_def {
    const char *file;
    DBTYPE type;
};

static const struct db_def db_defs[STORE_DB_COUNT] = {
    [STORE_DB_META] = {"meta.db", DB_BTREE},
    [STORE_DB_INTEGRATIONS] = {"integrations.db", DB_BTREE},
    [STORE_DB_ENDPOINTS] = {"endpoints.db", DB_BTREE},
    [STORE_DB_EVENTS] = {"events.db", DB_BTREE},
    [STORE_DB_EVENTS_BY_INTEGRATION] = {"events_by_integration.db", DB_BTREE},
    [STORE_DB_QUEUE] = {"queue.db", DB_QUEUE},
    [STORE_DB_ADMIN_TOKENS] = {"admin_tokens.db", DB_BTREE},
    [STORE_DB_APIKEYS] = {"apikeys.db", DB_BTREE},
    [STORE_DB_APIKEY_SECRETS] = {"apikey_secrets.db", DB_BTREE},
    [STORE_DB_DEDUP] = {"dedup.db", DB_BTREE},
    [STORE_DB_RATE] = {"rate.db", DB_BTREE},
    [STORE_DB_CAPTURES] = {"captures.db", DB_BTREE},
    [STORE_DB_WORKFLOWS] = {"workflows.db", DB_BTREE},
    [STORE_DB_RUNS] = {"runs.db", DB_BTREE},
    [STORE_DB_RUNS_DUE] = {"runs_due.db", DB_BTREE},
    [STORE_DB_RUNS_LEASES] = {"runs_leases.db", DB_BTREE},
    [STORE_DB_RUNS_BY_EVENT] = {"runs_by_event.db", DB_BTREE},
    [STORE_DB_RUNS_BY_TIME] = {"runs_by_time.db", DB_BTREE},
    [STORE_DB_SESSIONS] = {"sessions.db", DB_BTREE},
    [STORE_DB_PROFILES] = {"profiles.db", DB_BTREE},
    [STORE_DB_PROFILE_IDENTS] = {"profile_idents.db", DB_BTREE},
    [STORE_DB_PROFILE_EVENTS] = {"profile_events.db", DB_BTREE},
    [STORE_DB_PROFILE_SALTS] = {"profile_salts.db", DB_BTREE},
};

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

/* Maps a Berkeley DB return code to a store status, remembering panics. */
int store_map(struct store *s, int ret, const char *what)
{
    switch (ret) {
    case 0:
        return STORE_OK;
    case DB_NOTFOUND:
    case DB_KEYEMPTY:
        return STORE_NOTFOUND;
    case DB_KEYEXIST:
        return STORE_EXISTS;
    case DB_LOCK_DEADLOCK:
    case DB_LOCK_NOTGRANTED:
        return STORE_RETRY;
    case ENOMEM:
        return STORE_NOMEM;
    case DB_RUNRECOVERY:
        s->need_recover = 1;
        LOG_WARN("%s: the environment needs recovery; recovering", what);
        return STORE_UNAVAILABLE;
    default:
        LOG_ERR("%s: %s", what, db_strerror(ret));
        return STORE_ERROR;
    }
}

static int is_alive(DB_ENV *env, pid_t pid, db_threadid_t tid, u_int32_t flags)
{
    (void)env;
    (void)tid;
    (void)flags;
    return proc_alive(pid);
}

static void db_errcall(const DB_ENV *env, const char *pfx, const char *msg)
{
    (void)env;
    (void)pfx;
    LOG_WARN("berkeley db: %s", msg);
}

/* Informational messages (failchk's "Freeing read locks ...") go to the log
 * too, never to stdout, where they would corrupt a command's output. */
static void db_msgcall(const DB_ENV *env, const char *msg)
{
    (void)env;
    LOG_INFO("berkeley db: %s", msg);
}

/* DB_CONFIG holds what every process must agree on; it is rewritten
 * (atomically) only when the configuration changed. */
static int write_db_config(const struct config *cfg, char *err, size_t errlen)
{
    char path[600], tmp[620], text[1024], cur[1024];
    ssize_t n = 0;
    int fd;

    snprintf(text, sizeof(text),
             "# written by incoming from %s; edit that file, not this one\n"
             "set_lk_detect DB_LOCK_DEFAULT\n"
             "set_lock_timeout 3000000\n"
             "set_thread_count 512\n"
             "set_cachesize 0 8388608 1\n"
             "set_lk_max_locks 20000\n"
             "set_lk_max_objects 20000\n"
             "set_lk_max_lockers 4000\n"
             "set_tx_max 500\n"
             "%s",
             cfg->path[0] ? cfg->path : "defaults",
             cfg->durability == CONFIG_DURABILITY_NOSYNC ? "set_flags DB_TXN_WRITE_NOSYNC\n" : "");
    snprintf(path, sizeof(path), "%s/DB_CONFIG", cfg->data_dir);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        n = read(fd, cur, sizeof(cur) - 1);
        close(fd);
        if (n >= 0) {
            cur[n] = '\0';
            /* The first line names the config file: compare the rest. */
            if (strchr(cur, '\n') && strcmp(strchr(cur, '\n'), strchr(text, '\n')) == 0)
                return 0;
        }
    }
    snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        return -1;
    }
    n = (ssize_t)strlen(text);
    if (write(fd, text, (size_t)n) != n || fsync(fd) != 0 || close(fd) != 0 ||
        rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* Secondary key of an event: integration id | big-endian time | event id,
 * so one integration's events sort by time and listing newest-first is a
 * reverse walk from the integration's upper bound. */
static int events_by_integration_key(DB *sdb, const DBT *pkey, const DBT *pdata, DBT *skey)
{
    struct store_event ev;
    unsigned char *k;

    (void)sdb;
    (void)pkey;
    if (store_event_decode(pdata->data, pdata->size, &ev) != 0)
        return DB_DONOTINDEX;
    k = malloc(STORE_EVKEY_LEN);
    if (k == NULL)
        return ENOMEM;
    store_event_index_key(ev.integration_id, ev.time_ms, ev.event_id, k);
    memset(skey, 0, sizeof(*skey));
    skey->data = k;
    skey->size = STORE_EVKEY_LEN;
    skey->flags = DB_DBT_APPMALLOC;
    return 0;
}

/* Opens every database (creating what is missing) and associates the
 * secondary index, all in one transaction: one log flush per process start
 * instead of one per database. Only init's opens (which may create files)
 * are flushed; an ordinary open's registrations need no flush. */
static int open_dbs(struct store *s, int create, char *err, size_t errlen)
{
    DB_TXN *txn = NULL;
    int ret = s->env->txn_begin(s->env, NULL, &txn, create ? 0 : DB_TXN_WRITE_NOSYNC);

    if (ret != 0) {
        snprintf(err, errlen, "cannot begin a transaction in %s: %s", s->home, db_strerror(ret));
        return ret == DB_RUNRECOVERY ? STORE_UNAVAILABLE : STORE_ERROR;
    }
    for (int i = 0; i < STORE_DB_COUNT && ret == 0; i++) {
        DB *db = NULL;
        ret = db_create(&db, s->env, 0);
        if (ret == 0 && db_defs[i].type == DB_QUEUE) {
            ret = db->set_re_len(db, QUEUE_RECLEN);
            if (ret == 0)
                ret = db->set_q_extentsize(db, 256);
        }
        if (ret == 0)
            ret = db->open(db, txn, db_defs[i].file, NULL, db_defs[i].type, DB_CREATE, 0600);
        if (ret != 0) {
            snprintf(err, errlen, "cannot open %s/%s: %s", s->home, db_defs[i].file,
                     db_strerror(ret));
            if (db)
                db->close(db, 0);
            break;
        }
        s->dbs[i] = db;
    }
    /* Each process associates its secondary itself, before any write. */
    if (ret == 0) {
        ret = s->dbs[STORE_DB_EVENTS]->associate(s->dbs[STORE_DB_EVENTS], txn,
                                                 s->dbs[STORE_DB_EVENTS_BY_INTEGRATION],
                                                 events_by_integration_key, 0);
        if (ret != 0)
            snprintf(err, errlen, "cannot associate the event index: %s", db_strerror(ret));
    }
    if (ret != 0) {
        txn->abort(txn);
        /* Handles opened in an aborted transaction must be closed. */
        for (int i = STORE_DB_COUNT - 1; i >= 0; i--) {
            if (s->dbs[i])
                s->dbs[i]->close(s->dbs[i], DB_NOSYNC);
            s->dbs[i] = NULL;
        }
        return ret == DB_RUNRECOVERY ? STORE_UNAVAILABLE : STORE_ERROR;
    }
    ret = txn->commit(txn, 0);
    if (ret != 0) {
        snprintf(err, errlen, "cannot open the databases in %s: %s", s->home, db_strerror(ret));
        return ret == DB_RUNRECOVERY ? STORE_UNAVAILABLE : STORE_ERROR;
    }
    return STORE_OK;
}

void store_close_handles(struct store *s)
{
    /* Secondaries close before their primary. */
    for (int i = STORE_DB_COUNT - 1; i >= 0; i--) {
        if (s->dbs[i])
            s->dbs[i]->close(s->dbs[i], DB_NOSYNC); /* the log has it all */
        s->dbs[i] = NULL;
    }
    if (s->env)
        s->env->close(s->env, 0);
    s->env = NULL;
}

/* Forgets handles attached to regions another process has since rebuilt:
 * closing them would touch those old regions, whose locks a dead process
 * may still hold. Their descriptors and mappings stay until this process
 * exits (store_should_restart tells long-lived processes when to). */
void store_drop_handles(struct store *s)
{
    if (s->env == NULL)
        return;
    for (int i = 0; i < STORE_DB_COUNT; i++)
        s->dbs[i] = NULL;
    s->env = NULL;
    s->dropped++;
}

/* Opens the environment (running recovery first when recover is set) and
 * every database. Called only inside the gate (store_gate.c), so no other
 * process is inside Berkeley DB meanwhile. */
int store_open_handles(struct store *s, int recover, char *err, size_t errlen)
{
    u_int32_t flags = DB_CREATE | DB_INIT_TXN | DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL |
                      (recover ? DB_RECOVER : 0);
    int ret;

    ret = db_env_create(&s->env, 0);
    if (ret != 0) {
        snprintf(err, errlen, "cannot create an environment handle: %s", db_strerror(ret));
        s->env = NULL;
        return STORE_ERROR;
    }
    s->env->set_errcall(s->env, db_errcall);
    s->env->set_msgcall(s->env, db_msgcall);
    /* failchk (store_failchk) frees what processes killed outside Berkeley
     * DB left registered: their handle locks and thread slots. */
    s->env->set_isalive(s->env, is_alive);
    s->env->set_thread_count(s->env, 512);
    ret = s->env->open(s->env, s->home, flags, 0600);
    if (ret != 0) {
        snprintf(err, errlen, "cannot %s the Berkeley DB environment in %s: %s",
                 recover ? "recover" : "open", s->home, db_strerror(ret));
        s->env->close(s->env, 0);
        s->env = NULL;
        return STORE_UNAVAILABLE;
    }
    /* Logs no longer needed by recovery go away (no catastrophic recovery:
     * backups are taken with incomingctl backup instead). */
    (void)s->env->log_set_config(s->env, DB_LOG_AUTO_REMOVE, 1);
    return open_dbs(s, s->creating, err, errlen);
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
    if (write_db_config(cfg, err, errlen) != 0)
        return STORE_UNAVAILABLE;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return STORE_NOMEM;
    s->gate_fd = -1;
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
    free(s);
}

const char *store_data_dir(const struct store *s)
{
    return s->home;
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

int store_checkpoint(struct store *s)
{
    int ret, rc;

    if ((rc = enter_logged(s)) != STORE_OK)
        return rc;
    /* Only when 4 MiB of log or 5 minutes have passed since the last one. */
    ret = s->env->txn_checkpoint(s->env, 4096, 5, 0);
    rc = store_map(s, ret, "txn_checkpoint");
    store_leave(s);
    return rc;
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

static int txn_run(struct store *s, int flags, store_txn_fn fn, void *arg);

/* The whole transaction, retries included, runs inside the gate: no other
 * process is inside Berkeley DB meanwhile, so nothing can rebuild the
 * environment under a commit, and a commit that returned is in the log
 * that any later recovery reads. */
int store_txn_run_flags(struct store *s, int flags, store_txn_fn fn, void *arg)
{
    int rc = enter_logged(s);

    if (rc != STORE_OK)
        return rc;
    rc = txn_run(s, flags, fn, arg);
    store_leave(s);
    return rc;
}

static int txn_run(struct store *s, int flags, store_txn_fn fn, void *arg)
{
    int rc = STORE_ERROR;

    for (int attempt = 0; attempt < TXN_MAX_TRIES; attempt++) {
        struct store_txn t = {s, NULL};
        int ret;

        if (s->need_recover && store_recover_inside(s) != STORE_OK)
            return STORE_UNAVAILABLE;
        ret = s->env->txn_begin(s->env, NULL, &t.txn,
                                (flags & STORE_TXN_NOSYNC) ? DB_TXN_WRITE_NOSYNC : 0);
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
            if (rc == STORE_OK)
                return STORE_OK;
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
    /* DB_CONSUME without DB_CONSUME_WAIT: empty queue is DB_NOTFOUND. */
    ret = q->get(q, t->txn, &k, &d, DB_CONSUME);
    if (ret != 0)
        return store_map(t->s, ret, "queue consume");
    memcpy(event_id, rec, 36);
    event_id[36] = '\0';
    return STORE_OK;
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
