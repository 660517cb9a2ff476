/*
 * bare-responder: the baseline of tests/bench/ingest for durable ingest.
 * libfcgi plus one Berkeley DB transactional environment shared by every
 * responder the web server starts; each request's body is put under a
 * random 16-byte key in its own transaction, committed synchronously
 * (DB_TXN_SYNC: the commit returns once the log record is on disk), then
 * answered 202. Nothing else: no routing, no JSON, no gate, no recovery
 * after a crash. It is what "store the body durably, then answer" costs
 * with Berkeley DB on this machine, and so the bar the product is held to.
 *
 *   bare-responder --init DIR   creates the environment and the database
 *   bare-responder              (spawned by the web server) serves; the
 *                               environment is $BARE_HOME
 * With BARE_CLOSE=now it ends each connection as incoming.fcgi does
 * (finish_request): the whole input has been read, so the request is
 * detached and libfcgi closes at once, instead of shutting down its side
 * and waiting for the web server to close the other (the bench's
 * "bare-close" mode).
 * Build: cc -O2 -o bare-responder bare-responder.c -lfcgi -ldb
 */
#include <db.h>
#include <errno.h>
#include <fcgiapp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static const char reply[] =
    "{\"status\": 202, \"eventId\": \"00000000-0000-4000-8000-000000000000\", "
    "\"endpointId\": \"00000000-0000-4000-8000-000000000000\"}";

static int open_env(const char *home, DB_ENV **envp, DB **dbp)
{
    DB_ENV *env = NULL;
    DB *db = NULL;
    int ret = db_env_create(&env, 0);

    if (ret == 0)
        ret = env->set_cachesize(env, 0, 8 << 20, 1);
    if (ret == 0)
        ret = env->set_lk_detect(env, DB_LOCK_DEFAULT);
    if (ret == 0)
        ret = env->open(env, home,
                        DB_CREATE | DB_INIT_TXN | DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL, 0600);
    if (ret == 0)
        ret = db_create(&db, env, 0);
    if (ret == 0)
        ret = db->open(db, NULL, "bodies.db", NULL, DB_BTREE, DB_CREATE | DB_AUTO_COMMIT, 0600);
    if (ret != 0) {
        fprintf(stderr, "bare-responder: %s: %s\n", home, db_strerror(ret));
        return -1;
    }
    *envp = env;
    *dbp = db;
    return 0;
}

/* One transaction: put body under a random key, commit with a flush.
 * Deadlocks are retried. Returns 0 or a Berkeley DB error. */
static int store_body(DB_ENV *env, DB *db, const char *body, size_t len)
{
    unsigned char key[16];
    DBT k, d;
    int ret;

    if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key))
        return EIO;
    for (int attempt = 0; attempt < 100; attempt++) {
        DB_TXN *txn = NULL;
        memset(&k, 0, sizeof(k));
        memset(&d, 0, sizeof(d));
        k.data = key;
        k.size = sizeof(key);
        d.data = (void *)body;
        d.size = (u_int32_t)len;
        if ((ret = env->txn_begin(env, NULL, &txn, DB_TXN_SYNC)) != 0)
            return ret;
        ret = db->put(db, txn, &k, &d, 0);
        if (ret == 0)
            return txn->commit(txn, 0);
        txn->abort(txn);
        if (ret != DB_LOCK_DEADLOCK)
            return ret;
    }
    return DB_LOCK_DEADLOCK;
}

int main(int argc, char **argv)
{
    static char body[1 << 20];
    const char *home = getenv("BARE_HOME"), *close_now = getenv("BARE_CLOSE");
    DB_ENV *env;
    DB *db;
    FCGX_Request req;
    char head[256];

    if (argc == 3 && strcmp(argv[1], "--init") == 0) {
        if (open_env(argv[2], &env, &db) != 0)
            return 1;
        db->close(db, 0);
        env->close(env, 0);
        return 0;
    }
    if (home == NULL || open_env(home, &env, &db) != 0)
        return 1;
    if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0)
        return 1;
    while (FCGX_Accept_r(&req) >= 0) {
        size_t len = 0;
        int n, ret;
        while (len < sizeof(body) &&
               (n = FCGX_GetStr(body + len, (int)(sizeof(body) - len), req.in)) > 0)
            len += (size_t)n;
        ret = store_body(env, db, body, len);
        if (ret == 0) {
            n = snprintf(head, sizeof(head),
                         "Status: 202 Accepted\r\n"
                         "Content-Type: application/json; charset=utf-8\r\n"
                         "Content-Length: %zu\r\n\r\n",
                         sizeof(reply) - 1);
            FCGX_PutStr(head, n, req.out);
            FCGX_PutStr(reply, (int)sizeof(reply) - 1, req.out);
        } else {
            n = snprintf(head, sizeof(head), "Status: 503 Service Unavailable\r\n\r\n%s\n",
                         db_strerror(ret));
            FCGX_PutStr(head, n, req.out);
        }
        if (close_now != NULL && strcmp(close_now, "now") == 0)
            (void)FCGX_Detach(&req);
        FCGX_Finish_r(&req);
    }
    db->close(db, 0);
    env->close(env, 0);
    return 0;
}
