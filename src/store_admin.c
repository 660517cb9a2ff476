/* store_admin: verify and hot backup of the whole environment (see
 * include/store_admin.h). It reaches into the store's handles through
 * store_env.h, as the store's own files do. */
#include "store_admin.h"

#include "json.h"
#include "log.h"
#include "store_gate.h"

#include <db.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Berkeley DB's details of a failed verify go into the report being made
 * (its error callback has no argument of ours; verify is not reentrant). */
static struct buf *verify_report;

static void verify_errcall(const DB_ENV *env, const char *pfx, const char *msg)
{
    (void)env;
    (void)pfx;
    if (verify_report)
        buf_printf(verify_report, "    %s\n", msg);
}

/* Structural check of one database file through a fresh handle (a handle
 * that verified may not be used again, so it is never the open one). The
 * handle has no environment, so it reads the file on disk rather than
 * pages the shared cache may still hold: what a backup or a crash would
 * see. */
static int verify_file(struct store *s, DB *open_db, struct buf *report)
{
    const char *file = NULL, *name = NULL;
    char path[1024];
    DB *v = NULL;
    int ret;

    if (open_db->get_dbname(open_db, &file, &name) != 0 || file == NULL)
        return STORE_ERROR;
    snprintf(path, sizeof(path), "%s/%s", s->home, file);
    ret = db_create(&v, NULL, 0);
    if (ret == 0) {
        v->set_errcall(v, verify_errcall);
        verify_report = report;
        ret = v->verify(v, path, NULL, NULL, 0); /* frees v whatever it returns */
        verify_report = NULL;
    }
    if (ret != 0) {
        buf_printf(report, "BAD %s: %s\n", file, db_strerror(ret));
        return STORE_ERROR;
    }
    buf_printf(report, "ok  %s: structure\n", file);
    return STORE_OK;
}

struct count_arg {
    enum store_db db;
    long records;
    long bad;
};

static int count_cb(const void *key, size_t klen, const void *pkey, size_t pklen, const void *val,
                    size_t vlen, void *arg)
{
    struct count_arg *a = arg;
    cJSON *doc = NULL;

    (void)key;
    (void)klen;
    (void)pkey;
    (void)pklen;
    a->records++;
    if (a->db == STORE_DB_EVENTS) {
        struct store_event ev;
        if (store_event_decode(val, vlen, &ev) != STORE_OK ||
            json_parse(ev.envelope, ev.envelope_len, 1024, &doc, NULL) != 0)
            a->bad++;
    } else if (a->db == STORE_DB_INTEGRATIONS || a->db == STORE_DB_ADMIN_TOKENS) {
        if (json_parse(val, vlen, 64, &doc, NULL) != 0 || !cJSON_IsObject(doc))
            a->bad++;
    }
    cJSON_Delete(doc);
    return 0;
}

static int count_fn(struct store_txn *t, void *arg)
{
    struct count_arg *a = arg;
    a->records = 0;
    a->bad = 0;
    return store_scan(t, a->db, NULL, 0, 0, count_cb, a);
}

/* Reads every record of the databases whose records have a known shape. */
static int check_records(struct store *s, struct buf *report, int *problems)
{
    static const enum store_db dbs[] = {STORE_DB_INTEGRATIONS, STORE_DB_EVENTS,
                                        STORE_DB_EVENTS_BY_INTEGRATION, STORE_DB_ADMIN_TOKENS};
    long events = -1;

    for (size_t i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++) {
        struct count_arg a = {dbs[i], 0, 0};
        const char *file = "?", *name = NULL;
        int rc = store_txn_run(s, count_fn, &a);

        s->dbs[dbs[i]]->get_dbname(s->dbs[dbs[i]], &file, &name);
        if (rc != STORE_OK) {
            buf_printf(report, "BAD %s: cannot read: %s\n", file, store_strerror(rc));
            (*problems)++;
            continue;
        }
        if (dbs[i] == STORE_DB_EVENTS)
            events = a.records;
        if (a.bad) {
            buf_printf(report, "BAD %s: %ld of %ld records do not decode\n", file, a.bad,
                       a.records);
            (*problems)++;
        } else if (dbs[i] == STORE_DB_EVENTS_BY_INTEGRATION && a.records != events) {
            buf_printf(report, "BAD %s: %ld index entries for %ld events\n", file, a.records,
                       events);
            (*problems)++;
        } else {
            buf_printf(report, "ok  %s: %ld records\n", file, a.records);
        }
    }
    return STORE_OK;
}

int store_admin_verify(struct store *s, struct buf *report, int *problems)
{
    char err[512];
    int ret, rc;

    *problems = 0;
    /* Inside the gate throughout: nobody writes while the files are read. */
    if ((rc = store_enter(s, err, sizeof(err))) != STORE_OK) {
        buf_printf(report, "BAD environment: %s\n", err);
        return rc;
    }
    /* Every change committed so far goes to the files before reading them. */
    ret = s->env->memp_sync(s->env, NULL);
    if (ret != 0) {
        rc = store_map(s, ret, "memp_sync");
        store_leave(s);
        return rc;
    }
    for (int i = 0; i < STORE_DB_COUNT; i++)
        if (verify_file(s, s->dbs[i], report) != STORE_OK)
            (*problems)++;
    check_records(s, report, problems);
    store_leave(s);
    return *problems ? STORE_ERROR : STORE_OK;
}

/* dir must be absent (it is created 0700) or an empty directory. */
static int prepare_target(const char *dir, char *err, size_t errlen)
{
    struct dirent *e;
    DIR *d;

    if (mkdir(dir, 0700) == 0)
        return 0;
    if (errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    d = opendir(dir);
    if (d == NULL) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            closedir(d);
            snprintf(err, errlen, "%s is not empty; back up into a new directory", dir);
            return -1;
        }
    }
    closedir(d);
    return 0;
}

static int copy_file(const char *from, const char *to, char *err, size_t errlen)
{
    char data[8192];
    int in = -1, out = -1, rc = -1;
    ssize_t n;

    in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        snprintf(err, errlen, "cannot read %s: %s", from, strerror(errno));
        return -1;
    }
    out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0)
        goto fail;
    while ((n = read(in, data, sizeof(data))) > 0)
        if (write(out, data, (size_t)n) != n)
            goto fail;
    if (n < 0 || fsync(out) != 0)
        goto fail;
    rc = 0;
    goto out;
fail:
    snprintf(err, errlen, "cannot write %s: %s", to, strerror(errno));
out:
    close(in);
    if (out >= 0 && close(out) != 0 && rc == 0) {
        snprintf(err, errlen, "cannot write %s: %s", to, strerror(errno));
        rc = -1;
    }
    return rc;
}

/* Catastrophic recovery over the copied files and logs makes the copy
 * consistent; a private environment leaves no region files behind. */
static int recover_copy(const char *dir, char *err, size_t errlen)
{
    DB_ENV *env = NULL;
    int ret = db_env_create(&env, 0);

    if (ret == 0)
        ret = env->open(env, dir,
                        DB_CREATE | DB_INIT_TXN | DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL |
                            DB_PRIVATE | DB_RECOVER_FATAL,
                        0600);
    if (ret == 0)
        ret = env->txn_checkpoint(env, 0, 0, DB_FORCE);
    if (env) {
        int r2 = env->close(env, 0);
        if (ret == 0)
            ret = r2;
    }
    if (ret != 0) {
        snprintf(err, errlen, "recovery of the copy in %s failed: %s", dir, db_strerror(ret));
        return -1;
    }
    return 0;
}

int store_admin_backup(struct store *s, const char *dir, char *err, size_t errlen)
{
    char from[600], to[600];
    int rc, ret;

    if (prepare_target(dir, err, errlen) != 0)
        return STORE_ERROR;
    rc = store_checkpoint(s);
    if (rc != STORE_OK) {
        snprintf(err, errlen, "checkpoint failed: %s", store_strerror(rc));
        return rc;
    }
    /* Copies every database file, then the log files, as the hot backup
     * procedure requires; log removal is held off while it runs. Inside
     * the gate: writers wait for the copy (small at our sizes). */
    if ((rc = store_enter(s, err, errlen)) != STORE_OK)
        return rc;
    ret = s->env->backup(s->env, dir, 0);
    store_leave(s);
    if (ret != 0) {
        snprintf(err, errlen, "backup into %s failed: %s", dir, db_strerror(ret));
        return STORE_ERROR;
    }
    snprintf(from, sizeof(from), "%s/DB_CONFIG", s->home);
    snprintf(to, sizeof(to), "%s/DB_CONFIG", dir);
    if (copy_file(from, to, err, errlen) != 0)
        return STORE_ERROR;
    if (recover_copy(dir, err, errlen) != 0)
        return STORE_ERROR;
    return STORE_OK;
}
