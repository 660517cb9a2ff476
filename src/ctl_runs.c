/* ctl_runs: `incomingctl runs list|show|retry` and `incomingctl replay
 * EVENT`, on top of the run log (SPEC section 8). retry and replay only
 * queue work; it runs in a runner, in `incomingctl drain`, or here at once
 * with --drain. */
#include "ctl.h"

#include "events.h"
#include "isotime.h"
#include "json.h"
#include "run.h"
#include "plan.h"

#include <stdio.h>
#include <string.h>

#define RUNS_LIMIT_DEFAULT 50
#define RUNS_LIMIT_MAX 500

static const char *const run_states[] = {"queued", "running",  "succeeded",
                                         "failed", "retrying", "skipped"};

static const char *str(const cJSON *doc, const char *name)
{
    const char *s = json_get_string(doc, name);
    return s ? s : "";
}

static int check_state(const char *state)
{
    for (size_t i = 0; i < sizeof(run_states) / sizeof(run_states[0]); i++)
        if (strcmp(state, run_states[i]) == 0)
            return CTL_OK;
    return ctl_usage("runs list: --state must be one of queued, running, succeeded, failed, "
                     "retrying, skipped");
}

static void print_row(const cJSON *run)
{
    char when[40];

    ctl_format_time(json_get_ll(run, "createdAt", 0), when, sizeof(when));
    printf("%-36s  %-9s  %-24s  %3d  %-36s  %s\n", str(run, "id"), str(run, "state"), when,
           cJSON_GetArraySize(json_get(run, "attempts")), str(run, "eventId"), str(run, "name"));
}

/* Checks the list options; ids are written in their lower-case form. */
static int list_options(const char *state, const char *wf, const char *ev, const char *limit_s,
                        char wf_id[37], char ev_id[37], long long *limit)
{
    int rc = CTL_OK;

    if (state)
        rc = check_state(state);
    if (rc == CTL_OK && wf)
        rc = ctl_parse_id("--workflow", wf, wf_id);
    if (rc == CTL_OK && ev)
        rc = ctl_parse_id("--event", ev, ev_id);
    if (rc == CTL_OK && limit_s)
        rc = ctl_parse_num("--limit", limit_s, 1, RUNS_LIMIT_MAX, limit);
    return rc;
}

static int list(struct ctl *c, int argc, char **argv)
{
    const char *state = NULL, *wf = NULL, *ev = NULL, *limit_s = NULL, *cursor = NULL;
    const struct ctl_opt opts[] = {{"state", &state, NULL},   {"workflow", &wf, NULL},
                                   {"event", &ev, NULL},      {"limit", &limit_s, NULL},
                                   {"cursor", &cursor, NULL}, {NULL, NULL, NULL}};
    char *pos[1], wf_id[37], ev_id[37], next[128] = "";
    long long limit = RUNS_LIMIT_DEFAULT;
    cJSON *items = NULL, *it;
    int n, rc;

    rc = ctl_parse(c, "runs list", argc, argv, opts, pos, 0, 0, &n);
    if (rc == CTL_OK)
        rc = list_options(state, wf, ev, limit_s, wf_id, ev_id, &limit);
    if (rc == CTL_OK)
        rc = ctl_store(c, 0);
    if (rc != CTL_OK)
        return rc;
    rc = run_list(c->store, state, wf ? wf_id : NULL, ev ? ev_id : NULL, cursor ? cursor : "",
                  (int)limit, &items, next);
    if (rc == STORE_NOTFOUND)
        return ctl_usage("runs list: --cursor: not a cursor from this list");
    if (rc != STORE_OK)
        return ctl_fail("runs list: %s", store_strerror(rc));
    if (c->json) {
        rc = ctl_print_page(items, next);
    } else {
        printf("%-36s  %-9s  %-24s  %3s  %-36s  %s\n", "RUN ID", "STATE", "CREATED", "TRY",
               "EVENT ID", "NAME");
        cJSON_ArrayForEach(it, items) print_row(it);
        if (next[0])
            printf("more: --cursor %s\n", next);
    }
    cJSON_Delete(items);
    return rc;
}

/* One attempt, for people: node, time, duration, request, response,
 * error and template warnings. */
static void print_attempt(int i, const cJSON *a)
{
    const cJSON *req = json_get(a, "request"), *resp = json_get(a, "response"), *w;
    char when[40];

    ctl_format_time(json_get_ll(a, "at", 0), when, sizeof(when));
    printf("  %d. node %s at %s", i, str(a, "node"), when);
    if (json_get(a, "durationMs"))
        printf(", %lld ms", json_get_ll(a, "durationMs", 0));
    printf("\n     request:  %s %s\n", str(req, "method"), str(req, "url"));
    if (resp)
        printf("     response: %lld\n", json_get_ll(resp, "status", 0));
    if (json_get_string(a, "error"))
        printf("     error:    %s\n", str(a, "error"));
    cJSON_ArrayForEach(w, json_get(a, "warnings"))
    {
        if (cJSON_IsString(w))
            printf("     warning:  %s\n", w->valuestring);
    }
}

static void print_run(const cJSON *run)
{
    const cJSON *a;
    char when[40];
    int i = 0;

    printf("Run %s (%s)\n", str(run, "id"), str(run, "name"));
    printf("  state:        %s\n", str(run, "state"));
    printf("  workflow:     %s\n", str(run, "workflowId"));
    printf("  event:        %s\n", str(run, "eventId"));
    ctl_format_time(json_get_ll(run, "createdAt", 0), when, sizeof(when));
    printf("  created:      %s\n", when);
    if (json_get_ll(run, "nextAttemptAt", 0) > 0 &&
        (strcmp(str(run, "state"), "retrying") == 0 || strcmp(str(run, "state"), "queued") == 0)) {
        ctl_format_time(json_get_ll(run, "nextAttemptAt", 0), when, sizeof(when));
        printf("  next attempt: %s\n", when);
    }
    if (cJSON_GetArraySize(json_get(run, "attempts")) == 0) {
        printf("No attempts yet.\n");
        return;
    }
    printf("Attempts:\n");
    cJSON_ArrayForEach(a, json_get(run, "attempts")) print_attempt(++i, a);
}

/* Loads run id with a one-line error when it does not exist. */
static int load(struct ctl *c, const char *id, cJSON **run)
{
    int rc = run_load(c->store, id, run);

    if (rc == STORE_NOTFOUND)
        return ctl_fail("no run with id %s", id);
    if (rc != STORE_OK)
        return ctl_fail("cannot read run %s: %s", id, store_strerror(rc));
    return CTL_OK;
}

/* show and retry take one run id; retry also --drain. */
static int one_id(struct ctl *c, const char *cmd, int argc, char **argv, int *drain, char id[37])
{
    const struct ctl_opt opts[] = {{"drain", NULL, drain}, {NULL, NULL, NULL}};
    char *pos[1];
    int n, rc;

    rc = ctl_parse(c, cmd, argc, argv, drain ? opts : NULL, pos, 1, 1, &n);
    if (rc == CTL_OK)
        rc = ctl_parse_id("run id", pos[0], id);
    if (rc == CTL_OK)
        rc = ctl_store(c, 0);
    return rc;
}

static int show(struct ctl *c, int argc, char **argv)
{
    char id[37];
    cJSON *run = NULL;
    int rc = one_id(c, "runs show", argc, argv, NULL, id);

    if (rc == CTL_OK)
        rc = load(c, id, &run);
    if (rc == CTL_OK && c->json)
        rc = ctl_print_json(run);
    else if (rc == CTL_OK)
        print_run(run);
    cJSON_Delete(run);
    return rc;
}

static int retry(struct ctl *c, int argc, char **argv)
{
    char id[37], err[256];
    cJSON *run = NULL;
    int drain = 0, rc = one_id(c, "runs retry", argc, argv, &drain, id);

    if (rc != CTL_OK)
        return rc;
    rc = run_retry(c->store, id, isotime_now_ms(), &run, err, sizeof(err));
    if (rc == RUN_NOTFOUND)
        return ctl_fail("no run with id %s", id);
    if (rc == RUN_CONFLICT)
        return ctl_fail("run %s: %s", id, err);
    if (rc != RUN_OK)
        return ctl_fail("runs retry: storage failed");
    if (!c->json)
        printf("run %s queued again from its first unfinished node\n", id);
    rc = ctl_after_queue(c, drain, 1);
    if (rc == CTL_OK && drain) {
        cJSON_Delete(run);
        run = NULL;
        rc = load(c, id, &run);
        if (rc == CTL_OK && !c->json)
            printf("run %s is now %s\n", id, str(run, "state"));
    }
    if (rc == CTL_OK && c->json)
        rc = ctl_print_json(run);
    cJSON_Delete(run);
    return rc;
}

int ctl_cmd_runs(struct ctl *c, int argc, char **argv)
{
    if (argc < 1)
        return ctl_usage("runs: expected list, show or retry");
    if (strcmp(argv[0], "list") == 0)
        return list(c, argc - 1, argv + 1);
    if (strcmp(argv[0], "show") == 0)
        return show(c, argc - 1, argv + 1);
    if (strcmp(argv[0], "retry") == 0)
        return retry(c, argc - 1, argv + 1);
    return ctl_usage("runs: unknown subcommand '%s'", argv[0]);
}

/* The event with its runs and the ids of the runs the replay created
 * (ids, taken), as POST /api/v1/events/{id}/replay answers. */
static int print_event_runs(struct ctl *c, const char *id, cJSON *ids)
{
    cJSON *doc = NULL, *runs = NULL;
    char err[256];
    int rc;

    if (events_get(c->store, id, &doc, err, sizeof(err)) != EVENTS_OK) {
        cJSON_Delete(ids);
        return ctl_fail("replay: %s", err);
    }
    cJSON_AddItemToObject(doc, "replayedRunIds", ids);
    if (run_list_event(c->store, id, &runs) != STORE_OK) {
        cJSON_Delete(doc);
        return ctl_fail("replay: cannot read the runs of event %s", id);
    }
    cJSON_DeleteItemFromObjectCaseSensitive(doc, "runs");
    cJSON_AddItemToObject(doc, "runs", runs);
    rc = ctl_print_json(doc);
    cJSON_Delete(doc);
    return rc;
}

int ctl_cmd_replay(struct ctl *c, int argc, char **argv)
{
    int drain = 0, n, rc, runs = 0;
    const struct ctl_opt opts[] = {{"drain", NULL, &drain}, {NULL, NULL, NULL}};
    char *pos[1], id[37];
    cJSON *ids = NULL;

    rc = ctl_parse(c, "replay", argc, argv, opts, pos, 1, 1, &n);
    if (rc == CTL_OK)
        rc = ctl_parse_id("event id", pos[0], id);
    if (rc == CTL_OK)
        rc = ctl_store(c, 0);
    if (rc != CTL_OK)
        return rc;
    rc = plan_replay(c->store, id, isotime_now_ms(), &runs, &ids);
    if (rc == STORE_NOTFOUND)
        return ctl_fail("no event with id %s", id);
    if (rc != STORE_OK)
        return ctl_fail("replay: %s", store_strerror(rc));
    if (!c->json)
        printf("event %s replayed: %d new run(s)%s\n", id, runs,
               runs == 0 ? " (no published workflow is triggered by its integration)" : "");
    rc = ctl_after_queue(c, drain, runs);
    if (rc == CTL_OK && c->json) {
        rc = print_event_runs(c, id, ids);
        ids = NULL;
    }
    cJSON_Delete(ids);
    return rc;
}
