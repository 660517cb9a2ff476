/*
 * bare-pipeline: the baseline of tests/bench/delivery's burst. The same
 * shape as the product, with nothing but the storage and the sending:
 *
 *   responder (spawned by lighttpd; the environment is $BARE_HOME): puts
 *     the body under a random 16-byte key and the key into a queue, in one
 *     transaction committed synchronously (DB_TXN_SYNC), answers 202, then
 *     writes a byte to the FIFO $BARE_HOME/wake;
 *   runner (bare-pipeline --runner HOME URL, started by the bench, as many
 *     as runner_max, living as long as the bench): waits on the FIFO; when
 *     woken, takes the first key off the queue with its body (one
 *     transaction, no flush), POSTs the body to URL over a kept-alive
 *     libcurl handle with the key as X-Incoming-Event-Id and
 *     Idempotency-Key, and records the answer under the key (one
 *     transaction, no flush); until the queue is empty.
 *
 * No routing, no JSON, no workflow, no templates, no gate, no recovery, no
 * leases: a crash loses work. It is what "store durably, answer, then
 * forward" costs on this machine, the bar the product's burst is held to.
 *
 *   bare-pipeline --init DIR          creates the environment and the FIFO
 *   bare-pipeline --runner DIR URL    runs a runner
 *   bare-pipeline                     (spawned by the web server) responds
 * Build: cc -O2 -o bare-pipeline bare-pipeline.c -lfcgi -ldb -lcurl
 */
#include <curl/curl.h>
#include <db.h>
#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

enum { BODIES, QUEUE, DONE, NDB };
static const char *const names[NDB] = {"bodies.db", "queue.db", "done.db"};

static DB_ENV *env;
static DB *dbs[NDB];

static int open_env(const char *home)
{
    int ret = db_env_create(&env, 0);

    if (ret == 0)
        ret = env->set_cachesize(env, 0, 8 << 20, 1);
    if (ret == 0)
        ret = env->set_lk_detect(env, DB_LOCK_DEFAULT);
    if (ret == 0)
        ret = env->open(env, home,
                        DB_CREATE | DB_INIT_TXN | DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL, 0600);
    for (int i = 0; ret == 0 && i < NDB; i++) {
        ret = db_create(&dbs[i], env, 0);
        if (ret == 0)
            ret = dbs[i]->open(dbs[i], NULL, names[i], NULL, DB_BTREE, DB_CREATE | DB_AUTO_COMMIT,
                               0600);
    }
    if (ret != 0) {
        fprintf(stderr, "bare-pipeline: %s: %s\n", home, db_strerror(ret));
        return -1;
    }
    return 0;
}

static void close_env(void)
{
    for (int i = 0; i < NDB; i++)
        if (dbs[i] != NULL)
            dbs[i]->close(dbs[i], 0);
    env->close(env, 0);
}

static DBT dbt(const void *data, size_t len)
{
    DBT d;
    memset(&d, 0, sizeof(d));
    d.data = (void *)data;
    d.size = (u_int32_t)len;
    return d;
}

/* Responder: body and queue entry in one synchronous transaction. */
static int accept_body(const unsigned char key[16], const char *body, size_t len)
{
    int ret = DB_LOCK_DEADLOCK;

    for (int attempt = 0; attempt < 100 && ret == DB_LOCK_DEADLOCK; attempt++) {
        DB_TXN *txn = NULL;
        DBT k = dbt(key, 16), d = dbt(body, len), e = dbt("", 0);
        if ((ret = env->txn_begin(env, NULL, &txn, DB_TXN_SYNC)) != 0)
            return ret;
        ret = dbs[BODIES]->put(dbs[BODIES], txn, &k, &d, 0);
        if (ret == 0)
            ret = dbs[QUEUE]->put(dbs[QUEUE], txn, &k, &e, 0);
        if (ret == 0)
            return txn->commit(txn, 0);
        txn->abort(txn);
    }
    return ret;
}

static int respond(const char *home)
{
    static char body[1 << 20];
    char head[256], path[PATH_MAX], hex[33];
    FCGX_Request req;
    int wake;

    snprintf(path, sizeof(path), "%s/wake", home);
    if (open_env(home) != 0 || (wake = open(path, O_WRONLY | O_NONBLOCK)) < 0)
        return 1;
    if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0)
        return 1;
    while (FCGX_Accept_r(&req) >= 0) {
        unsigned char key[16];
        size_t len = 0;
        int n, ret;
        while (len < sizeof(body) &&
               (n = FCGX_GetStr(body + len, (int)(sizeof(body) - len), req.in)) > 0)
            len += (size_t)n;
        ret = getrandom(key, sizeof(key), 0) == (ssize_t)sizeof(key) ? accept_body(key, body, len)
                                                                     : EIO;
        for (int i = 0; i < 16; i++)
            snprintf(hex + 2 * i, 3, "%02x", key[i]);
        if (ret == 0)
            n = snprintf(head, sizeof(head),
                         "Status: 202 Accepted\r\nContent-Type: application/json\r\n\r\n"
                         "{\"status\": 202, \"eventId\": \"%s\"}",
                         hex);
        else
            n = snprintf(head, sizeof(head), "Status: 503 Service Unavailable\r\n\r\n%s\n",
                         db_strerror(ret));
        FCGX_PutStr(head, n, req.out);
        (void)FCGX_Detach(&req);
        FCGX_Finish_r(&req);
        if (ret == 0 && write(wake, "", 1) < 0 && errno != EAGAIN)
            return 1;
    }
    close_env();
    return 0;
}

/* Runner: the first queued key and its body, off the queue. 0, DB_NOTFOUND
 * when the queue is empty, or an error. */
static int take(unsigned char key[16], char *body, size_t cap, size_t *len)
{
    int ret = DB_LOCK_DEADLOCK;

    for (int attempt = 0; attempt < 100 && ret == DB_LOCK_DEADLOCK; attempt++) {
        DB_TXN *txn = NULL;
        DBC *c = NULL;
        DBT k = dbt(NULL, 0), v = dbt(NULL, 0), b;
        if ((ret = env->txn_begin(env, NULL, &txn, DB_TXN_NOSYNC)) != 0)
            return ret;
        ret = dbs[QUEUE]->cursor(dbs[QUEUE], txn, &c, 0);
        if (ret == 0)
            ret = c->get(c, &k, &v, DB_FIRST | DB_RMW);
        if (ret == 0 && k.size == 16) {
            memcpy(key, k.data, 16);
            ret = c->del(c, 0);
        }
        /* Closing a cursor that deleted can itself deadlock (the page is
         * freed then); the transaction is then unusable. */
        if (c != NULL) {
            int cret = c->close(c);
            if (ret == 0)
                ret = cret;
        }
        if (ret == 0) {
            k = dbt(key, 16);
            b = dbt(NULL, 0);
            b.flags = DB_DBT_USERMEM;
            b.data = body;
            b.ulen = (u_int32_t)cap;
            ret = dbs[BODIES]->get(dbs[BODIES], txn, &k, &b, 0);
            *len = b.size;
        }
        if (ret == 0)
            return txn->commit(txn, 0);
        txn->abort(txn);
    }
    return ret;
}

static int record(const unsigned char key[16], long status)
{
    char v[32];
    int n = snprintf(v, sizeof(v), "%ld", status), ret = DB_LOCK_DEADLOCK;

    for (int attempt = 0; attempt < 100 && ret == DB_LOCK_DEADLOCK; attempt++) {
        DB_TXN *txn = NULL;
        DBT k = dbt(key, 16), d = dbt(v, (size_t)n);
        if ((ret = env->txn_begin(env, NULL, &txn, DB_TXN_NOSYNC)) != 0)
            return ret;
        ret = dbs[DONE]->put(dbs[DONE], txn, &k, &d, 0);
        if (ret == 0)
            return txn->commit(txn, 0);
        txn->abort(txn);
    }
    return ret;
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
    (void)p;
    (void)arg;
    return size * n;
}

static int run(const char *home, const char *url)
{
    static char body[1 << 20];
    char path[PATH_MAX], h1[96], h2[96], hex[33], bytes[64];
    CURL *h = curl_easy_init();
    int wake;

    snprintf(path, sizeof(path), "%s/wake", home);
    if (h == NULL || open_env(home) != 0 || (wake = open(path, O_RDWR)) < 0)
        return 1;
    for (;;) {
        unsigned char key[16];
        size_t len = 0;
        long status = 0;
        int ret = take(key, body, sizeof(body), &len);
        if (ret == DB_NOTFOUND) {
            if (read(wake, bytes, sizeof(bytes)) <= 0)
                return 1;
            continue;
        }
        if (ret != 0) {
            fprintf(stderr, "bare-pipeline runner: %s\n", db_strerror(ret));
            return 1;
        }
        for (int i = 0; i < 16; i++)
            snprintf(hex + 2 * i, 3, "%02x", key[i]);
        snprintf(h1, sizeof(h1), "X-Incoming-Event-Id: %s", hex);
        snprintf(h2, sizeof(h2), "Idempotency-Key: %s", hex);
        struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
        hdrs = curl_slist_append(hdrs, h1);
        hdrs = curl_slist_append(hdrs, h2);
        hdrs = curl_slist_append(hdrs, "Expect:");
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
        if (curl_easy_perform(h) == CURLE_OK)
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        curl_slist_free_all(hdrs);
        if ((ret = record(key, status)) != 0) {
            fprintf(stderr, "bare-pipeline runner: %s\n", db_strerror(ret));
            return 1;
        }
    }
}

int main(int argc, char **argv)
{
    char path[PATH_MAX];

    if (argc == 3 && strcmp(argv[1], "--init") == 0) {
        snprintf(path, sizeof(path), "%s/wake", argv[2]);
        if (open_env(argv[2]) != 0 || (mkfifo(path, 0600) != 0 && errno != EEXIST))
            return 1;
        close_env();
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "--runner") == 0)
        return run(argv[2], argv[3]);
    if (getenv("BARE_HOME") == NULL)
        return 1;
    return respond(getenv("BARE_HOME"));
}
