/* router: the route table and the small handlers that need no module of
 * their own (/healthz). */
#include "router.h"

#include "api.h"
#include "auth_token.h"
#include "custom_event.h"
#include "log.h"
#include "metrics_expo.h"
#include "run.h"
#include "store.h"
#include "ui.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

typedef void (*route_fn)(struct http_request *req, const char *rest, struct router_ctx *ctx,
                         struct router_result *res);

struct route {
    const char *prefix; /* path prefix when it ends in '/', else the whole path */
    route_fn fn;
};

static void route_incoming(struct http_request *req, const char *rest, struct router_ctx *ctx,
                           struct router_result *res)
{
    if (*rest == '\0' || strchr(rest, '/') != NULL) {
        http_send_error(req, 404, "not_found", "no integration has this endpoint", NULL);
        return;
    }
    ingest_handle(req, ctx->catalog, rest, &res->ingest);
}

static void route_healthz(struct http_request *req, const char *rest, struct router_ctx *ctx,
                          struct router_result *res)
{
    char body[384];
    long queued = 0, ready = 0, waiting = 0;
    struct stat st;
    int n;

    (void)rest;
    (void)res;
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        http_send_error(req, 405, "method_not_allowed", "only GET is accepted here",
                        "Allow: GET\r\n");
        return;
    }
    /* queued: events not yet planned and runs ready to start; retrying:
     * runs waiting out a retry backoff. */
    if (req->store == NULL || store_queue_count(req->store, &queued) != STORE_OK ||
        run_due_counts(req->store, req->now_ms, &ready, &waiting) != STORE_OK) {
        http_send_error(req, 503, "unavailable", "storage is unavailable", "Retry-After: 5\r\n");
        return;
    }
    n = snprintf(body, sizeof(body),
                 "{\"status\": \"ok\", \"storage\": \"ok\", \"queued\": %ld, \"retrying\": %ld, "
                 "\"runners\": %d",
                 queued + ready, waiting, ctx->slots ? spawn_slots_busy(ctx->slots) : 0);
    /* For incomingctl doctor, asked with ?doctor=1 (the plain answer keeps
     * SPEC 4.4's shape): which directory this is (its device and inode, no
     * path), and whether Authorization reached the responder (never its
     * value): Apache hides it without CGIPassAuth. */
    if (strcmp(req->query, "doctor=1") == 0) {
        if (stat(req->cfg->data_dir, &st) != 0)
            memset(&st, 0, sizeof(st));
        n += snprintf(body + n, sizeof(body) - (size_t)n,
                      ", \"dataDirId\": \"%llu:%llu\", \"authorization\": %s",
                      (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
                      http_header(req, "Authorization") != NULL ? "true" : "false");
    }
    n += snprintf(body + n, sizeof(body) - (size_t)n, "}");
    http_send_json(req, 200, "", body, (size_t)n);
}

static void route_auth_token(struct http_request *req, const char *rest, struct router_ctx *ctx,
                             struct router_result *res)
{
    (void)rest;
    (void)ctx;
    (void)res;
    auth_token_handle(req);
}

static void route_api(struct http_request *req, const char *rest, struct router_ctx *ctx,
                      struct router_result *res)
{
    (void)ctx;
    api_handle(req, rest, res);
}

static void route_ui(struct http_request *req, const char *rest, struct router_ctx *ctx,
                     struct router_result *res)
{
    (void)ctx;
    (void)res;
    ui_handle(req, rest);
}

/* "/" and "/ui" lead a browser to the UI. Only GET and HEAD: anything else
 * sent there is a client's mistake and gets the JSON 404 of unknown paths. */
static void route_ui_root(struct http_request *req, const char *rest, struct router_ctx *ctx,
                          struct router_result *res)
{
    char hdr[400];
    (void)rest;
    (void)ctx;
    (void)res;
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        http_send_error(req, 404, "not_found", "no such route", NULL);
        return;
    }
    snprintf(hdr, sizeof(hdr), "Location: %s/ui/\r\n", req->cfg->base_path);
    http_send(req, 301, "text/plain; charset=utf-8", hdr, "", 0);
}

static void route_custom_event(struct http_request *req, const char *rest, struct router_ctx *ctx,
                               struct router_result *res)
{
    (void)rest;
    (void)ctx;
    (void)res;
    custom_event_handle(req);
}

static void route_metrics(struct http_request *req, const char *rest, struct router_ctx *ctx,
                          struct router_result *res)
{
    (void)rest;
    (void)res;
    metrics_expo_handle(req, ctx->slots);
}

static const struct route routes[] = {
    {"/incoming/", route_incoming},
    {"/healthz", route_healthz},
    {"/auth/token", route_auth_token},
    {"/v4/events/custom", route_custom_event},
    {"/api/v1/", route_api},
    {"/ui/", route_ui},
    {"/ui", route_ui_root},
    {"/metrics", route_metrics},
};

/* "/" is the one whole path that ends in '/'. */
static const struct route root_route = {"/", route_ui_root};

void router_dispatch(struct http_request *req, struct router_ctx *ctx, struct router_result *res)
{
    memset(res, 0, sizeof(*res));
    if (strcmp(req->path, root_route.prefix) == 0) {
        root_route.fn(req, "", ctx, res);
        return;
    }
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        size_t len = strlen(routes[i].prefix);
        int prefix = routes[i].prefix[len - 1] == '/';
        if (prefix ? strncmp(req->path, routes[i].prefix, len) == 0
                   : strcmp(req->path, routes[i].prefix) == 0) {
            routes[i].fn(req, req->path + len, ctx, res);
            return;
        }
    }
    http_send_error(req, 404, "not_found", "no such route", NULL);
}
