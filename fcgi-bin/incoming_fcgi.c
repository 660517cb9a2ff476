/* incoming.fcgi: the FastCGI responder the web server spawns. One request
 * at a time per process; after the response is finished, work that waits
 * for a runner (runs planned for an accepted event, a retry, a replay) is
 * handed to a lingering runner, or a runner is started when none waits
 * and a slot is free. SIGTERM lets the current request finish, then the
 * process exits. */
#include "catalog.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "reqlog.h"
#include "router.h"
#include "run.h"
#include "spawn.h"
#include "store.h"
#include "wake.h"

#include <fcgiapp.h>
#include <stdlib.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
    (void)sig;
    stopping = 1;
}

/* SIGTERM (and Apache's SIGUSR1) must interrupt the wait for the next
 * request, so that FCGX_Accept_r returns, but must not interrupt a request
 * in hand: libfcgi treats an interrupted read as the end of the body. So
 * the handler restarts system calls while a request is being served and
 * interrupts them only around accept. */
static void set_term_handler(int restart)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_term;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
}

static void install_signals(void)
{
    struct sigaction sa;

    set_term_handler(1);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGPIPE, &sa, NULL);
}

/* Waits for the next request; returns -1 when the process should stop. */
static int next_request(FCGX_Request *fcgx)
{
    int rc;

    set_term_handler(0);
    rc = stopping ? -1 : FCGX_Accept_r(fcgx);
    set_term_handler(1);
    return rc; /* a request accepted as the signal came is still served */
}

/* Opens the store, at most once every two seconds after a failure. */
static struct store *ensure_store(const struct config *cfg, struct store *s, time_t *last_try)
{
    char err[512];
    time_t now = time(NULL);
    int rc;

    if (s != NULL || now - *last_try < 2)
        return s;
    *last_try = now;
    rc = store_open(cfg, 0, &s, err, sizeof(err));
    if (rc != STORE_OK) {
        LOG_ERR("%s", err);
        return NULL;
    }
    return s;
}

/* 1 when the request carried more than 64 KiB. */
static int large_body(const struct http_request *req)
{
    const char *cl = http_param(req, "CONTENT_LENGTH");
    return cl != NULL && strtoll(cl, NULL, 10) > 64 * 1024;
}

/* Makes sure a runner will see new work: a waiting runner is woken; when
 * none waits, one is started if a slot is free (a busy runner also finds
 * the wake byte when it is done). See include/wake.h for why no work is
 * stranded. */
static void hand_over(const struct config *cfg, struct wake *w, struct spawn_slots *slots,
                      const char *event_id)
{
    int waiting = wake_someone_waiting(w);

    (void)wake_poke(w);
    if (!waiting && spawn_slot_free(slots))
        spawn_runner(cfg->runner_path, cfg->path, event_id);
}

int main(int argc, char **argv)
{
    struct config cfg;
    struct spawn_slots slots;
    struct wake wake;
    struct catalog *catalog = NULL;
    struct store *store = NULL;
    struct router_ctx ctx;
    FCGX_Request fcgx;
    enum log_level lvl;
    time_t last_try = 0, last_check, last_due_check = 0;
    char err[1024];

    (void)argc;
    (void)argv;
    log_set_ident("incoming.fcgi");
    reqlog_init();
    if (config_load_default(&cfg, NULL, err, sizeof(err)) != 0) {
        LOG_ERR("configuration: %s", err);
        return reqlog_serve_unconfigured(err);
    }
    if (log_level_parse(cfg.log_level, &lvl) == 0)
        log_set_level(lvl);
    install_signals();
    if (FCGX_Init() != 0) {
        LOG_ERR("FCGX_Init failed");
        return 1;
    }
    if (FCGX_InitRequest(&fcgx, 0, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
        LOG_ERR("FCGX_InitRequest failed");
        return 1;
    }
    store = ensure_store(&cfg, NULL, &last_try);
    if (spawn_slots_open(&cfg, &slots) != 0 || wake_open(&wake, &cfg) != 0)
        slots.count = 0;
    if (catalog_new(&catalog) != STORE_OK) {
        LOG_ERR("out of memory");
        return 1;
    }
    ctx.slots = &slots;
    ctx.catalog = catalog;
    last_check = time(NULL);
    while (next_request(&fcgx) >= 0) {
        struct http_request req;
        struct router_result res;
        const char *role = FCGX_GetParam("FCGI_ROLE", fcgx.envp);
        int st, large;

        reqlog_begin(&fcgx);
        memset(&res, 0, sizeof(res));
        store = ensure_store(&cfg, store, &last_try);
        st = http_request_init(&req, &fcgx, &cfg);
        req.store = store;
        if (role != NULL && strcmp(role, "RESPONDER") != 0)
            http_send_error(&req, 500, "internal", "only the FastCGI responder role is served",
                            NULL);
        else if (st != 0)
            http_send_error(&req, st, st == 404 ? "not_found" : "uri_too_long", NULL, NULL);
        else
            router_dispatch(&req, &ctx, &res);
        reqlog_end(&req);
        large = large_body(&req); /* the params are gone after the finish */
        FCGX_Finish_r(&fcgx);
        /* Work waits: the accepted event, a retry or replay, or (looked at
         * once a second) runs whose retry time has come. */
        if (res.ingest.queued == 0 && !res.wake_runner && store != NULL &&
            time(NULL) != last_due_check) {
            last_due_check = time(NULL);
            res.wake_runner = run_any_due(store, req.now_ms);
        }
        if ((res.ingest.queued > 0 || res.wake_runner) && slots.count > 0)
            hand_over(&cfg, &wake, &slots, res.ingest.event_id);
        /* A large body was parsed into a tree several times its size;
         * glibc keeps freed heap below any chunk still in use, so without
         * this the responder would stay at that peak. Small requests (the
         * common case) skip it. */
        if (large)
            malloc_trim(0);
        if (store != NULL && time(NULL) - last_check >= 10) {
            last_check = time(NULL);
            (void)store_failchk(store);
        }
        /* Handles dropped after other processes' recoveries hold
         * descriptors until exit: let the web server start a fresh one. */
        if (store_should_restart(store)) {
            LOG_INFO("exiting to release handles of rebuilt environments");
            break;
        }
    }
    spawn_slots_close(&slots);
    wake_close(&wake);
    catalog_free(catalog);
    store_close(store);
    return 0;
}
