/* ctl_events: `incomingctl events list|show`, on top of the events module.
 * The human forms: a table of events with an excerpt of each body, and for
 * one event its envelope pretty-printed, a key/type/value table and its
 * runs (as GET /api/v1/events/{id} answers, runs included). */
#include "ctl.h"

#include "buf.h"
#include "events.h"
#include "json.h"
#include "run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXCERPT_LEN 60

/* One row: id, time and the start of the body (a truncated body's raw is
 * a string of its first bytes, shown as they are). */
static void print_event_row(const cJSON *item)
{
    const char *id = json_get_string(item, "eventId");
    const cJSON *rv = json_get(item, "raw");
    int cut = cJSON_IsTrue(json_get(item, "rawTruncated")) && cJSON_IsString(rv);
    char when[40], *raw = cut ? strdup(rv->valuestring) : json_to_string(rv);
    size_t len = raw ? strlen(raw) : 0;

    for (char *p = raw; cut && p && *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';

    ctl_format_time(json_get_ll(item, "time", 0), when, sizeof(when));
    printf("%-36s  %-24s  %.*s%s\n", id ? id : "?", when, EXCERPT_LEN, raw ? raw : "",
           len > EXCERPT_LEN ? "..." : "");
    free(raw);
}

static int list(struct ctl *c, int argc, char **argv)
{
    const char *integ = NULL, *limit_s = NULL, *cursor = NULL;
    const struct ctl_opt opts[] = {{"integration", &integ, NULL},
                                   {"limit", &limit_s, NULL},
                                   {"cursor", &cursor, NULL},
                                   {NULL, NULL, NULL}};
    char *pos[1], id[37], next[EVENTS_CURSOR_LEN], err[256];
    long long limit = EVENTS_LIMIT_DEFAULT;
    cJSON *items = NULL, *it;
    int n, rc;

    rc = ctl_parse(c, "events list", argc, argv, opts, pos, 0, 0, &n);
    if (rc == CTL_OK && integ)
        rc = ctl_parse_id("--integration", integ, id);
    if (rc == CTL_OK && limit_s)
        rc = ctl_parse_num("--limit", limit_s, 1, EVENTS_LIMIT_MAX, &limit);
    if (rc == CTL_OK)
        rc = ctl_store(c, 0);
    if (rc != CTL_OK)
        return rc;
    rc = events_list(c->store, integ ? id : NULL, cursor, (int)limit, &items, next, err,
                     sizeof(err));
    if (rc == EVENTS_INVALID)
        return ctl_usage("events list: %s", err);
    if (rc != EVENTS_OK)
        return ctl_fail("events list: %s", err);
    if (c->json) {
        rc = ctl_print_page(items, next);
    } else {
        printf("%-36s  %-24s  %s\n", "EVENT ID", "TIME", "BODY");
        cJSON_ArrayForEach(it, items) print_event_row(it);
        if (next[0])
            printf("more: --cursor %s\n", next);
    }
    cJSON_Delete(items);
    return rc;
}

/* Puts the event's runs into doc, as GET /api/v1/events/{id} does. */
static int add_runs(struct store *s, const char *id, cJSON *doc)
{
    cJSON *runs = NULL;

    if (run_list_event(s, id, &runs) != STORE_OK)
        return CTL_USER;
    cJSON_DeleteItemFromObjectCaseSensitive(doc, "runs");
    cJSON_AddItemToObject(doc, "runs", runs);
    return CTL_OK;
}

static void print_runs(const cJSON *runs)
{
    const cJSON *r;

    if (cJSON_GetArraySize(runs) == 0) {
        printf("\nNo runs.\n");
        return;
    }
    printf("\nRuns:\n");
    cJSON_ArrayForEach(r, runs)
    {
        const char *id = json_get_string(r, "id"), *state = json_get_string(r, "state");
        const char *wf = json_get_string(r, "workflowId");
        printf("%-36s  %-9s  workflow %s\n", id ? id : "?", state ? state : "?", wf ? wf : "?");
    }
}

/* The envelope for people: pretty, though GET gives it as stored. */
static int print_envelope(const cJSON *event, struct buf *pretty)
{
    cJSON *tree = NULL;
    int rc;

    if (cJSON_IsRaw(event) &&
        json_parse(event->valuestring, strlen(event->valuestring), 1024, &tree, NULL) == 0)
        event = tree;
    rc = json_print_pretty(event, pretty);
    cJSON_Delete(tree);
    return rc;
}

static void print_flattened(const cJSON *doc)
{
    ctl_print_flat_table(json_get(doc, "flattened"));
    if (cJSON_IsTrue(json_get(doc, "flattenedTruncated")))
        printf("(the first %d of %lld parameters)\n",
               cJSON_GetArraySize(json_get(doc, "flattened")),
               json_get_ll(doc, "flattenedCount", 0));
}

static int show(struct ctl *c, int argc, char **argv)
{
    char *pos[1], id[37], err[256];
    cJSON *doc = NULL;
    struct buf pretty;
    int n, rc;

    rc = ctl_parse(c, "events show", argc, argv, NULL, pos, 1, 1, &n);
    if (rc == CTL_OK)
        rc = ctl_parse_id("event id", pos[0], id);
    if (rc == CTL_OK)
        rc = ctl_store(c, 0);
    if (rc != CTL_OK)
        return rc;
    if (events_get(c->store, id, &doc, err, sizeof(err)) != EVENTS_OK)
        return ctl_fail("events show: %s", err);
    if (add_runs(c->store, id, doc) != CTL_OK) {
        cJSON_Delete(doc);
        return ctl_fail("events show: cannot read the runs of event %s", id);
    }
    if (c->json) {
        rc = ctl_print_json(doc);
        cJSON_Delete(doc);
        return rc;
    }
    buf_init(&pretty, (size_t)1 << 30);
    if (print_envelope(json_get(doc, "event"), &pretty) != BUF_OK) {
        rc = ctl_fail("out of memory");
    } else {
        printf("Event %s\n%s\n\nFlattened parameters:\n", id, buf_str(&pretty));
        print_flattened(doc);
        print_runs(json_get(doc, "runs"));
    }
    buf_free(&pretty);
    cJSON_Delete(doc);
    return rc;
}

int ctl_cmd_events(struct ctl *c, int argc, char **argv)
{
    if (argc < 1)
        return ctl_usage("events: expected list or show");
    if (strcmp(argv[0], "list") == 0)
        return list(c, argc - 1, argv + 1);
    if (strcmp(argv[0], "show") == 0)
        return show(c, argc - 1, argv + 1);
    return ctl_usage("events: unknown subcommand '%s'", argv[0]);
}
