/* api: the admin API under /api/v1 (SPEC section 7). api.c authenticates
 * (admin token, or the web UI's session cookie plus CSRF header), reads the
 * JSON body, splits the path and hands the call to a resource handler
 * (api_integrations.c, api_apikeys.c, ...). Handlers answer with api_send
 * and api_error only. */
#ifndef INCOMING_API_H
#define INCOMING_API_H

#include <cjson/cJSON.h>

#include "http.h"
#include "router.h"

#define API_BODY_MAX (1u << 20)
#define API_BODY_DEPTH 64 /* nesting of a JSON body */
#define API_MAX_SEGS 6

struct api_call {
    struct http_request *req;
    struct router_result *res;
    const char *seg[API_MAX_SEGS]; /* path segments after /api/v1/, borrowed */
    int nseg;
    cJSON *body; /* parsed body of POST/PUT/PATCH; NULL when empty */
    char segbuf[2048];
};

/* Entry from the router: rest is the path after "/api/v1/". */
void api_handle(struct http_request *req, const char *rest, struct router_result *res);

/* Reads and parses the body of a POST, PUT or PATCH into c->body (NULL
 * when empty). Returns 0, or answers 400/413 and returns -1. */
int api_read_body(struct api_call *c);
/* The parsing part of api_read_body, free of the request (the fuzz target
 * tests/fuzz/fuzz_api.c calls it): len bytes of text, at most API_BODY_MAX
 * (the caller's read is bounded), into *out (NULL when empty). Returns 0,
 * or -1 with err filled. */
struct json_error;
int api_parse_body(const char *text, size_t len, cJSON **out, struct json_error *err);
/* POST /api/v1/templates/render without the request: body (borrowed, may
 * be NULL) is {template, data?, mode?}. Returns 200 with *out
 * {output, warnings} (caller frees), or 400 with *code ("invalid_request",
 * "template_error") and a sentence in msg. */
int api_templates_render(const cJSON *body, cJSON **out, const char **code, char *msg,
                         size_t msglen);
/* Answers status with obj as the body (obj is freed; NULL sends nothing
 * for 204). */
void api_send(struct api_call *c, int status, cJSON *obj);
/* Answers an error in SPEC section 4's shape. */
void api_error(struct api_call *c, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* 405 naming the allowed methods. */
void api_method_not_allowed(struct api_call *c, const char *allow);
/* Answers the store status rc as 404/503. */
void api_store_error(struct api_call *c, int rc, const char *what);
/* Reads ?limit= (default 50, 1..500) and ?cursor= (copied into cursor,
 * at most cursorlen-1 bytes). Returns 0, or answers 400 and returns -1. */
int api_page_params(struct api_call *c, int *limit, char *cursor, size_t cursorlen);
/* A query parameter, percent-decoded into out. Returns 1 when present. */
int api_query(struct api_call *c, const char *name, char *out, size_t outlen);
/* {"items": items, "next": next?} */
cJSON *api_page(cJSON *items, const char *next);
/* 1 when the method is m. */
int api_is(const struct api_call *c, const char *m);

/* Resource handlers. */
void api_integrations(struct api_call *c);
void api_apikeys(struct api_call *c);
void api_events(struct api_call *c);
void api_profiles(struct api_call *c); /* api_profiles.c */
void api_workflows(struct api_call *c);
void api_runs(struct api_call *c);
void api_templates(struct api_call *c);
void api_dashboard(struct api_call *c); /* api_dashboard.c */

#endif
