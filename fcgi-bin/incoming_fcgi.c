/* incoming.fcgi: the responder the web server spawns. As a FastCGI
 * program (fd 0 a listening socket: lighttpd mod_fastcgi, Apache
 * mod_fcgid) it serves one request at a time until the web server stops
 * it; as a plain CGI program (Apache or lighttpd mod_cgi) it serves the
 * one request of its environment and exits. After the answer is complete,
 * work that waits for a runner (runs planned for an accepted event, a
 * retry, a replay) is handed to a lingering runner, or a runner is started
 * when none waits and a slot is free: detached, so neither a CGI process
 * nor the web server waits for it. SIGTERM lets the current request
 * finish, then the process exits. */
#include "catalog.h"
#include "cgi.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "reqlog.h"
#include "router.h"
#include "run.h"
#include "spawn.h"
#include "store.h"
#include "wake.h"

#include <errno.h>
#include <fcgiapp.h>
#include <stdlib.h>
#include <malloc.h>
#include <signal.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* Waits for the next request; returns -1 when the process should stop.
 * Request counts kept since the last flush go to the store within a
 * second even when no request comes (include/metrics.h). */
static int next_request(FCGX_Request *fcgx, struct store *s)
{
    int rc;

    set_term_handler(0);
    if (!stopping && fcgx->ipcFd < 0)
        metrics_idle(s, fcgx->listen_sock);
    rc = stopping ? -1 : FCGX_Accept_r(fcgx);
    set_term_handler(1);
    return rc; /* a request accepted as the signal came is still served */
}

/* Ends a request. libfcgi closes a connection gracefully: it shuts down
 * its side, then waits (up to 2 s) until the web server closes the other,
 * reading what is left. That protects the answer when input is left
 * unread, or still on its way (a 413 sent before the body was read), since
 * closing a socket with unread input resets the connection; otherwise it
 * only keeps the responder from the next request until the web server's
 * loop has come round to this one. So when the body was read to its end
 * (the web server sends nothing more) and nothing else waits unread, the
 * request is detached first, and libfcgi flushes the answer and closes at
 * once. A connection the web server keeps (FCGI_KEEP_CONN) is not closed
 * at all, and is left alone. */
static void finish_request(FCGX_Request *fcgx)
{
    char c;

    if (fcgx->ipcFd >= 0 && !fcgx->keepConnection && fcgx->in != NULL &&
        FCGX_HasSeenEOF(fcgx->in) == EOF && recv(fcgx->ipcFd, &c, 1, MSG_PEEK | MSG_DONTWAIT) < 0 &&
        (errno == EAGAIN || errno == EWOULDBLOCK))
        (void)FCGX_Detach(fcgx);
    FCGX_Finish_r(fcgx);
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

/* Makes sure a runner will see new work: nothing to do while a runner is
 * awake (it claims again after this look), else spawn_hand_over. See
 * include/wake.h for why no work is stranded. */
static void hand_over(const struct config *cfg, struct wake *w, struct spawn_slots *slots,
                      const char *event_id)
{
    if (!wake_someone_awake(w))
        spawn_hand_over(cfg, w, slots, event_id);
}

/* What every request needs, FastCGI or CGI. */
struct responder {
    struct config cfg;
    struct spawn_slots slots;
    struct wake wake;
    struct catalog *catalog;
    struct store *store;
    struct router_ctx ctx;
    time_t last_try, last_check, last_due_check;
    long long now_ms; /* when the last request was received */
};

/* Opens what the responder holds for its life. Returns 0 or -1. */
static int responder_open(struct responder *r)
{
    int slots_ok, wake_ok;

    r->store = ensure_store(&r->cfg, NULL, &r->last_try);
    /* Both always: wake_open sets its descriptors before it can fail, so
     * responder_close never closes one it does not hold. */
    slots_ok = spawn_slots_open(&r->cfg, &r->slots) == 0;
    wake_ok = wake_open(&r->wake, &r->cfg) == 0;
    if (!slots_ok || !wake_ok)
        r->slots.count = 0;
    if (catalog_new(&r->catalog) != STORE_OK) {
        LOG_ERR("out of memory");
        return -1;
    }
    r->ctx.slots = &r->slots;
    r->ctx.catalog = r->catalog;
    /* Staggered by pid: responders that the web server started together
     * do not all look (and hand a checkpoint over) in the same second. */
    r->last_check = time(NULL) - (time_t)(getpid() % 10);
    return 0;
}

static void responder_close(struct responder *r)
{
    (void)metrics_flush(r->store);
    spawn_slots_close(&r->slots);
    wake_close(&r->wake);
    catalog_free(r->catalog);
    store_close(r->store);
}

/* Answers one request (its params and streams in fcgx). res says what
 * work waits; *large is set when the body was large. */
static void serve(struct responder *r, FCGX_Request *fcgx, struct router_result *res, int *large)
{
    struct http_request req;
    const char *role = FCGX_GetParam("FCGI_ROLE", fcgx->envp);
    int st;

    reqlog_begin(fcgx);
    memset(res, 0, sizeof(*res));
    r->store = ensure_store(&r->cfg, r->store, &r->last_try);
    st = http_request_init(&req, fcgx, &r->cfg);
    req.store = r->store;
    if (role != NULL && strcmp(role, "RESPONDER") != 0)
        http_send_error(&req, 500, "internal", "only the FastCGI responder role is served", NULL);
    else if (st != 0)
        http_send_error(&req, st, st == 404 ? "not_found" : "uri_too_long", NULL, NULL);
    else
        router_dispatch(&req, &r->ctx, res);
    reqlog_end(&req);
    /* A path outside base_path is no route's ("other"). */
    metrics_note_request(st == 0 ? req.path : "", req.status);
    *large = large_body(&req); /* the params are gone after the finish */
    r->now_ms = req.now_ms;
}

/* After the answer is complete: the work that waits, and housekeeping.
 * Returns 1 when the process should exit. */
static int after(struct responder *r, struct router_result *res, int large)
{
    /* Work waits: the accepted event, a retry or replay, or (looked at
     * once a second) runs whose retry time has come. */
    if (res->ingest.queued == 0 && !res->wake_runner && r->store != NULL &&
        time(NULL) != r->last_due_check) {
        r->last_due_check = time(NULL);
        res->wake_runner = run_any_due(r->store, r->now_ms);
    }
    if ((res->ingest.queued > 0 || res->wake_runner) && r->slots.count > 0)
        hand_over(&r->cfg, &r->wake, &r->slots, res->ingest.event_id);
    /* A large body was parsed into a tree several times its size;
     * glibc keeps freed heap below any chunk still in use, so without
     * this the responder would stay at that peak. Small requests (the
     * common case) skip it. */
    if (large)
        malloc_trim(0);
    if (r->store != NULL && time(NULL) - r->last_check >= 10) {
        r->last_check = time(NULL);
        (void)store_failchk(r->store);
        /* A runner checkpoints (letting Berkeley DB remove old log files)
         * and purges old events on its way out. Runners start for
         * workflows and cron starts incomingctl drain; without either, the
         * log would grow without end and nothing would be purged. */
        if (r->slots.count > 0 && store_checkpoint_due(r->store) == 1)
            hand_over(&r->cfg, &r->wake, &r->slots, NULL);
    }
    /* Handles dropped after other processes' recoveries hold
     * descriptors until exit: let the web server start a fresh one. */
    if (store_should_restart(r->store)) {
        LOG_INFO("exiting to release handles of rebuilt environments");
        return 1;
    }
    return 0;
}

/* The one request of a CGI process. The answer is complete (fd 1 closed)
 * before a runner is started, and the runner holds none of the web
 * server's descriptors (see spawn_runner), so the web server waits for
 * neither. */
static int serve_cgi(struct responder *r)
{
    extern char **environ;
    static struct cgi_request c; /* 34 KiB of buffers: not on the stack */
    struct router_result res;
    int large, rc;

    cgi_request_init(&c, environ);
    serve(r, &c.fcgx, &res, &large);
    rc = cgi_request_finish(&c);
    cgi_scrub_environment();
    (void)after(r, &res, large);
    return rc == 0 ? 0 : 1;
}

/* A CGI process whose configuration does not load answers its request
 * 500 (the FastCGI case is reqlog_serve_unconfigured). */
static int serve_cgi_unconfigured(void)
{
    extern char **environ;
    static struct cgi_request c;
    struct http_request req;

    cgi_request_init(&c, environ);
    memset(&req, 0, sizeof(req));
    req.fcgx = &c.fcgx;
    req.method = FCGX_GetParam("REQUEST_METHOD", environ);
    snprintf(req.path, sizeof(req.path), "/");
    reqlog_begin(&c.fcgx);
    http_send_error(&req, 500, "internal",
                    "the server's configuration cannot be loaded; see the web server's error log",
                    NULL);
    reqlog_end(&req);
    (void)cgi_request_finish(&c);
    return 1;
}

int main(int argc, char **argv)
{
    static struct responder r; /* zeroed */
    FCGX_Request fcgx;
    enum log_level lvl;
    char err[1024];
    int cgi;

    (void)argc;
    (void)argv;
    log_set_ident("incoming.fcgi");
    reqlog_init();
    cgi = FCGX_IsCGI();
    if (config_load_default(&r.cfg, NULL, err, sizeof(err)) != 0) {
        LOG_ERR("configuration: %s", err);
        return cgi ? serve_cgi_unconfigured() : reqlog_serve_unconfigured(err);
    }
    if (log_level_parse(r.cfg.log_level, &lvl) == 0)
        log_set_level(lvl);
    install_signals();
    if (cgi) {
        int rc = responder_open(&r) == 0 ? serve_cgi(&r) : 1;
        responder_close(&r);
        return rc;
    }
    if (FCGX_Init() != 0) {
        LOG_ERR("FCGX_Init failed");
        return 1;
    }
    if (FCGX_InitRequest(&fcgx, 0, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
        LOG_ERR("FCGX_InitRequest failed");
        return 1;
    }
    if (responder_open(&r) != 0)
        return 1;
    while (next_request(&fcgx, r.store) >= 0) {
        struct router_result res;
        int large;

        serve(&r, &fcgx, &res, &large);
        finish_request(&fcgx);
        metrics_flush_due(r.store);
        if (after(&r, &res, large))
            break;
    }
    responder_close(&r);
    return 0;
}
