/* router: maps the request path (already stripped of base_path) to its
 * handler. Later capabilities add their routes to the table in router.c. */
#ifndef INCOMING_ROUTER_H
#define INCOMING_ROUTER_H

#include "http.h"
#include "ingest.h"
#include "spawn.h"

struct router_ctx {
    struct spawn_slots *slots; /* for /healthz's runner count; may be NULL */
    struct catalog *catalog;   /* kept between requests (include/catalog.h) */
};

struct router_result {
    struct ingest_result ingest; /* accepted event, if any */
    int wake_runner;             /* work was queued (retry, replay): start a runner */
};

/* Answers req. Never leaves it unanswered. */
void router_dispatch(struct http_request *req, struct router_ctx *ctx, struct router_result *res);

#endif
