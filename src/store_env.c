/* store_env: one process's handles on the environment, DB_CONFIG, and log
 * flushes (see include/store_env.h for the layering and the contract). */
#include "store_env.h"

#include "log.h"
#include "proc.h"
#include "store_event.h"

#include <db.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define QUEUE_RECLEN 40

struct db_def {
    const char *file;
    DBTYPE type;
    u_int32_t pagesize; /* when the file is created; 0: Berkeley DB's choice */
};

/* Events and runs hold records of one to a few KiB (an envelope, a run
 * with its attempts). In a btree of 4 KiB pages, the default here, every
 * item over about 1 KiB goes to an overflow page of its own: a page
 * allocation and a page write per event. 16 KiB pages keep items up to
 * about 4 KiB on the leaf pages (measured with 600-byte bodies: 15-20 %
 * less CPU per accepted event; docs/storage.md). Berkeley DB takes the
 * page size of an existing file from the file, so data directories
 * created before keep theirs. */
#define RECORD_PAGESIZE 16384

static const struct db_def db_defs[STORE_DB_COUNT] = {
    [STORE_DB_META] = {"meta.db", DB_BTREE},
    [STORE_DB_INTEGRATIONS] = {"integrations.db", DB_BTREE},
    [STORE_DB_ENDPOINTS] = {"endpoints.db", DB_BTREE},
    [STORE_DB_EVENTS] = {"events.db", DB_BTREE, RECORD_PAGESIZE},
    [STORE_DB_EVENTS_BY_INTEGRATION] = {"events_by_integration.db", DB_BTREE},
    [STORE_DB_QUEUE] = {"queue.db", DB_QUEUE},
    [STORE_DB_ADMIN_TOKENS] = {"admin_tokens.db", DB_BTREE},
    [STORE_DB_APIKEYS] = {"apikeys.db", DB_BTREE},
    [STORE_DB_APIKEY_SECRETS] = {"apikey_secrets.db", DB_BTREE},
    [STORE_DB_DEDUP] = {"dedup.db", DB_BTREE},
    [STORE_DB_RATE] = {"rate.db", DB_BTREE},
    [STORE_DB_CAPTURES] = {"captures.db", DB_BTREE},
    [STORE_DB_WORKFLOWS] = {"workflows.db", DB_BTREE},
    [STORE_DB_RUNS] = {"runs.db", DB_BTREE, RECORD_PAGESIZE},
    [STORE_DB_RUNS_DUE] = {"runs_due.db", DB_BTREE},
    [STORE_DB_RUNS_LEASES] = {"runs_leases.db", DB_BTREE},
    [STORE_DB_RUNS_BY_EVENT] = {"runs_by_event.db", DB_BTREE},
    [STORE_DB_RUNS_BY_TIME] = {"runs_by_time.db", DB_BTREE},
    [STORE_DB_SESSIONS] = {"sessions.db", DB_BTREE},
    [STORE_DB_PROFILES] = {"profiles.db", DB_BTREE},
    [STORE_DB_PROFILE_IDENTS] = {"profile_idents.db", DB_BTREE},
    [STORE_DB_PROFILE_EVENTS] = {"profile_events.db", DB_BTREE},
    [STORE_DB_PROFILE_SALTS] = {"profile_salts.db", DB_BTREE},
    [STORE_DB_COUNTERS] = {"counters.db", DB_BTREE},
    [STORE_DB_METRICS_TOKENS] = {"metrics_tokens.db", DB_BTREE},
    [STORE_DB_PROFILES_BY_TIME] = {"profiles_by_time.db", DB_BTREE},
};

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
int store_env_write_config(const struct config *cfg, char *err, size_t errlen)
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
             "set_lg_max 2097152\n"
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
        if (ret == 0 && db_defs[i].pagesize != 0)
            ret = db->set_pagesize(db, db_defs[i].pagesize);
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

void store_env_close(struct store *s)
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

/* The old regions' locks may be held by a dead process: never close. */
void store_env_drop(struct store *s)
{
    if (s->env == NULL)
        return;
    for (int i = 0; i < STORE_DB_COUNT; i++)
        s->dbs[i] = NULL;
    s->env = NULL;
    s->dropped++;
}

/* Called only inside the gate (store_gate.c), so no other process is
 * inside Berkeley DB meanwhile, recovery included. */
int store_env_open(struct store *s, int recover, char *err, size_t errlen)
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
    /* A new log file is written full of zeros first, so that appending to
     * it never grows it: a flush is then one write of the data, without
     * one of the inode for the new size (measured: 0.15 against 0.25 ms).
     * Log files are 2 MiB (DB_CONFIG), so the zeros a switch writes, and
     * the next flush carries, stay small. */
    (void)s->env->log_set_config(s->env, DB_LOG_ZERO, 1);
    return open_dbs(s, s->creating, err, errlen);
}

int store_env_log_current(struct store *s, unsigned *file)
{
    DB_LOG_STAT *st = NULL;
    int ret = s->env->log_stat(s->env, &st, 0);

    if (ret != 0)
        return store_map(s, ret, "log_stat");
    *file = st->st_cur_file;
    free(st);
    return STORE_OK;
}

void store_env_log_close(struct store *s)
{
    if (s->log_fd >= 0)
        close(s->log_fd);
    s->log_fd = -1;
    s->log_file = 0;
}

/* fsync of data_dir: makes a new log file's directory entry durable. */
static int sync_dir(struct store *s)
{
    int fd = open(s->home, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

    if (fd < 0 || fsync(fd) != 0)
        rc = -1;
    if (fd >= 0)
        close(fd);
    return rc;
}

int store_env_log_sync(struct store *s, unsigned file)
{
    char path[600];

    if (s->log_fd < 0 || s->log_file != file) {
        store_env_log_close(s);
        snprintf(path, sizeof(path), "%s/log.%010u", s->home, file);
        s->log_fd = open(path, O_RDONLY | O_CLOEXEC);
        if (s->log_fd < 0 && errno == ENOENT)
            return STORE_OK; /* removed after a checkpoint: its records are in the databases */
        if (s->log_fd < 0) {
            LOG_ERR("cannot open %s to flush it: %s", path, strerror(errno));
            return STORE_ERROR;
        }
        s->log_file = file;
    }
    if (fdatasync(s->log_fd) != 0) {
        LOG_ERR("cannot flush %s/log.%010u: %s", s->home, file, strerror(errno));
        return STORE_ERROR;
    }
    if (file > s->dir_synced) {
        if (sync_dir(s) != 0) {
            LOG_ERR("cannot flush the directory %s: %s", s->home, strerror(errno));
            return STORE_ERROR;
        }
        s->dir_synced = file;
    }
    return STORE_OK;
}
