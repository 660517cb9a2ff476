/* metrics_expo: the text of GET /metrics (see include/metrics_expo.h). */
#include "metrics_expo.h"

#include "acconfig.h"
#include "admin_token.h"
#include "counter.h"
#include "log.h"
#include "metrics.h"
#include "metrics_token.h"
#include "run.h"
#include "store.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define EXPO_MAX (4u << 20) /* the answer's cap: a few hundred series fit many times */

/* A counter family kept in the store, and the label sets printed at zero
 * before anything was counted (so dashboards see the series at once). */
struct family {
    const char *name;
    const char *help;
    const char *zero[4]; /* "{state=\"queued\"}" ... ; "" for no labels */
};

static const struct family counters[] = {
    {"incoming_http_requests_total",
     "HTTP requests answered by the responders, by route and status code.",
     {NULL}},
    {"incoming_events_accepted_total", "Events accepted (answered 202) and stored.", {""}},
    {"incoming_events_duplicate_total",
     "Requests answered 200 as duplicates of an event accepted before.",
     {""}},
    {"incoming_runs_created_total",
     "Runs planned for events: queued to run, or skipped by the trigger's filter.",
     {"{state=\"queued\"}", "{state=\"skipped\"}"}},
    {"incoming_runs_finished_total",
     "Runs that reached a final state.",
     {"{state=\"succeeded\"}", "{state=\"failed\"}"}},
    {"incoming_attempts_total",
     "Outgoing requests made by runs, by outcome: success (2xx), retry (retryable failure, "
     "retried later) or failure (the run failed).",
     {"{outcome=\"success\"}", "{outcome=\"retry\"}", "{outcome=\"failure\"}"}},
};

static int valid_name_char(char c, int first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
           (!first && c >= '0' && c <= '9');
}

int metrics_expo_series_ok(const char *p)
{
    if (!valid_name_char(*p, 1))
        return 0;
    while (valid_name_char(*p, 0))
        p++;
    if (*p == '\0')
        return 1;
    if (*p++ != '{')
        return 0;
    while (*p != '}') {
        if (!valid_name_char(*p, 1) || *p == ':')
            return 0;
        while (valid_name_char(*p, 0) && *p != ':')
            p++;
        if (*p++ != '=' || *p++ != '"')
            return 0;
        while (*p != '"') {
            if (*p == '\0' || *p == '\n')
                return 0;
            if (*p == '\\' && (p[1] != '\\' && p[1] != '"' && p[1] != 'n'))
                return 0;
            p += *p == '\\' ? 2 : 1;
        }
        p++;
        if (*p == ',')
            p++;
        else if (*p != '}')
            return 0;
    }
    return p[1] == '\0';
}

int metrics_expo_label(struct buf *out, const char *s)
{
    int rc = BUF_OK;

    for (; *s && rc == BUF_OK; s++) {
        if (*s == '\\')
            rc = buf_puts(out, "\\\\");
        else if (*s == '"')
            rc = buf_puts(out, "\\\"");
        else if (*s == '\n')
            rc = buf_puts(out, "\\n");
        else
            rc = buf_putc(out, *s);
    }
    return rc;
}

static void header(struct buf *b, const char *name, const char *type, const char *help)
{
    buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The family of a stored line "series\tvalue": the name up to '{' or the
 * tab. */
static int in_family(const char *line, const char *family)
{
    size_t len = strlen(family);
    return strncmp(line, family, len) == 0 && (line[len] == '\t' || line[len] == '{');
}

struct gather {
    struct buf *names; /* "series\tvalue\n" lines, in name order */
};

static int gather_cb(const char *name, unsigned long long value, void *arg)
{
    struct gather *g = arg;

    if (!metrics_expo_series_ok(name))
        return 0;
    return buf_printf(g->names, "%s\t%llu\n", name, value) == BUF_OK ? 0 : STORE_NOMEM;
}

static int gather_fn(struct store_txn *t, void *arg)
{
    struct gather *g = arg;

    buf_reset(g->names);
    return counter_scan(t, gather_cb, g);
}

/* Prints family f: every stored series of it, and its zero series that
 * nothing was stored for. */
static void print_counter(struct buf *b, const struct family *f, const char *stored)
{
    const char *line = stored;

    header(b, f->name, "counter", f->help);
    while (line && *line) {
        const char *tab = strchr(line, '\t'), *nl = strchr(line, '\n');
        if (tab == NULL || nl == NULL)
            break;
        if (in_family(line, f->name))
            buf_printf(b, "%.*s %.*s\n", (int)(tab - line), line, (int)(nl - tab - 1), tab + 1);
        line = nl + 1;
    }
    for (int i = 0; i < 4 && f->zero[i]; i++) {
        char series[COUNTER_NAME_MAX + 8];
        int n = snprintf(series, sizeof(series), "%s%s\t", f->name, f->zero[i]);
        const char *hit = stored ? strstr(stored, series) : NULL;
        if (hit == NULL || (hit != stored && hit[-1] != '\n'))
            buf_printf(b, "%.*s 0\n", n - 1, series);
    }
}

/* Sizes of the regular files of data_dir: the runner's log apart. */
static void dir_sizes(const char *dir, unsigned long long *store, unsigned long long *runner_log)
{
    char path[1200];
    struct dirent *e;
    struct stat st;
    DIR *d = opendir(dir);

    *store = *runner_log = 0;
    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (strncmp(e->d_name, "runner.log", 10) == 0)
            *runner_log += (unsigned long long)st.st_size;
        else
            *store += (unsigned long long)st.st_size;
    }
    closedir(d);
}

static void gauge(struct buf *b, const char *name, const char *help, long long v)
{
    header(b, name, "gauge", help);
    buf_printf(b, "%s %lld\n", name, v);
}

/* The whole text into b. Returns 0, or -1 when storage failed. */
static int render(struct http_request *req, struct spawn_slots *slots, struct buf *b)
{
    struct buf stored;
    struct gather g = {&stored};
    struct run_gauges rg;
    unsigned long long store_bytes, log_bytes;
    long queued = 0;
    int rc;

    buf_init(&stored, EXPO_MAX);
    rc = store_txn_run(req->store, gather_fn, &g);
    if (rc == STORE_OK)
        rc = run_gauges(req->store, req->now_ms, &rg);
    if (rc == STORE_OK)
        rc = store_queue_count(req->store, &queued);
    if (rc != STORE_OK) {
        buf_free(&stored);
        return -1;
    }
    for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
        print_counter(b, &counters[i], buf_str(&stored));
    buf_free(&stored);
    header(b, "incoming_recoveries_total", "counter",
           "Recoveries of the Berkeley DB environment since data_dir was made (after a process "
           "died inside it, after a reboot, or on request).");
    buf_printf(b, "incoming_recoveries_total %llu\n", store_recoveries(req->store));
    gauge(b, "incoming_queue_depth",
          "Work waiting for a runner: events not yet planned plus runs due to start now.",
          (long long)queued + rg.due);
    header(b, "incoming_runs", "gauge",
           "Runs not finished, by state: queued (due now), running (under a runner's lease), "
           "retrying (waiting out a backoff).");
    buf_printf(b,
               "incoming_runs{state=\"queued\"} %ld\nincoming_runs{state=\"running\"} %ld\n"
               "incoming_runs{state=\"retrying\"} %ld\n",
               rg.due, rg.running, rg.waiting);
    gauge(b, "incoming_retries_due",
          "Retries whose time has come that no runner has taken yet (cron's incomingctl drain "
          "or the next request starts them).",
          rg.retries_due);
    gauge(b, "incoming_runners_alive", "Runners holding a slot right now (at most runner_max).",
          slots ? spawn_slots_busy(slots) : 0);
    dir_sizes(store_data_dir(req->store), &store_bytes, &log_bytes);
    gauge(b, "incoming_store_size_bytes",
          "Bytes of the files in data_dir: databases, transaction logs, regions.",
          (long long)store_bytes);
    gauge(b, "incoming_runner_log_bytes", "Bytes of data_dir/runner.log.", (long long)log_bytes);
    header(b, "incoming_build_info", "gauge", "The version of incoming answering (always 1).");
    buf_puts(b, "incoming_build_info{version=\"");
    metrics_expo_label(b, PACKAGE_VERSION);
    return buf_puts(b, "\"} 1\n") == BUF_OK ? 0 : -1;
}

#define CHALLENGE "WWW-Authenticate: Bearer realm=\"incoming-metrics\""

/* An admin token or a metrics token. Returns 0, or answers and -1. */
static int authenticate(struct http_request *req)
{
    const char *auth = http_header(req, "Authorization");
    char id[37];
    int rc;

    if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0) {
        http_send_error(req, 401, "unauthorized", "a metrics token or an admin token is required",
                        CHALLENGE "\r\n");
        return -1;
    }
    auth += 7;
    while (*auth == ' ')
        auth++;
    if (strncmp(auth, METRICS_TOKEN_PREFIX, 4) == 0)
        rc = metrics_token_verify(req->store, auth, id);
    else
        rc = admin_token_verify(req->store, auth, id);
    if (rc == TOKEN_STORE_OK)
        return 0;
    if (rc == TOKEN_STORE_STORE)
        http_send_error(req, 503, "unavailable", "storage is unavailable", "Retry-After: 5\r\n");
    else
        http_send_error(req, 401, "unauthorized", "unknown or revoked token",
                        CHALLENGE ", error=\"invalid_token\"\r\n");
    return -1;
}

void metrics_expo_handle(struct http_request *req, struct spawn_slots *slots)
{
    struct buf b;

    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        http_send_error(req, 405, "method_not_allowed", "only GET is accepted here",
                        "Allow: GET, HEAD\r\n");
        return;
    }
    if (req->store == NULL) {
        http_send_error(req, 503, "unavailable", "storage is unavailable", "Retry-After: 5\r\n");
        return;
    }
    if (authenticate(req) != 0)
        return;
    /* This process's own counts first, so a scrape sees its requests. */
    (void)metrics_flush(req->store);
    buf_init(&b, EXPO_MAX);
    if (render(req, slots, &b) != 0) {
        buf_free(&b);
        http_send_error(req, 503, "unavailable", "storage is unavailable", "Retry-After: 5\r\n");
        return;
    }
    http_send(req, 200, "text/plain; version=0.0.4; charset=utf-8", "", b.data, b.len);
    buf_free(&b);
}
