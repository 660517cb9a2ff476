/* metrics: a process's own counts and their way into the store (see
 * include/metrics.h). One request at a time per process, so no locking. */
#include "metrics.h"

#include "counter.h"
#include "log.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Distinct series a process keeps between flushes: routes times the
 * statuses they answer, and a few others. When full, a flush is forced;
 * if that fails, the count is dropped (and said so, once). */
#define KEPT_MAX 160

struct kept {
    char name[COUNTER_NAME_MAX + 1];
    unsigned long long n;
};

static struct kept kept[KEPT_MAX];
static int nkept;
static long long last_flush_ms;
static int dropped_logged;

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct route_name {
    const char *prefix; /* ends in '/' for a prefix, else a whole path */
    const char *label;
};

/* The router's table (src/router.c), by label. */
static const struct route_name route_names[] = {
    {"/incoming/", "incoming"},
    {"/healthz", "healthz"},
    {"/auth/token", "auth_token"},
    {"/v4/events/custom", "custom_event"},
    {"/api/v1/", "api"},
    {"/ui/", "ui"},
    {"/ui", "ui"},
    {"/", "ui"},
    {"/metrics", "metrics"},
};

const char *metrics_route(const char *path)
{
    for (size_t i = 0; i < sizeof(route_names) / sizeof(route_names[0]); i++) {
        const char *p = route_names[i].prefix;
        size_t len = strlen(p);
        if (len > 1 && p[len - 1] == '/' ? strncmp(path, p, len) == 0 : strcmp(path, p) == 0)
            return route_names[i].label;
    }
    return "other";
}

void metrics_note(const char *series)
{
    int i;

    for (i = 0; i < nkept; i++) {
        if (strcmp(kept[i].name, series) == 0) {
            kept[i].n++;
            return;
        }
    }
    if (nkept == KEPT_MAX) {
        if (!dropped_logged)
            LOG_WARN("metrics: more than %d series kept at once; some counts are lost", KEPT_MAX);
        dropped_logged = 1;
        return;
    }
    if (strlen(series) > COUNTER_NAME_MAX)
        return;
    snprintf(kept[nkept].name, sizeof(kept[nkept].name), "%s", series);
    kept[nkept++].n = 1;
}

void metrics_note_request(const char *path, int status)
{
    char series[COUNTER_NAME_MAX + 1];

    if (status < 100 || status > 599)
        status = 500;
    snprintf(series, sizeof(series), "incoming_http_requests_total{route=\"%s\",status=\"%d\"}",
             metrics_route(path), status);
    metrics_note(series);
}

static int flush_fn(struct store_txn *t, void *arg)
{
    int rc = STORE_OK;

    (void)arg;
    for (int i = 0; i < nkept && rc == STORE_OK; i++)
        rc = counter_add(t, kept[i].name, kept[i].n);
    return rc;
}

int metrics_flush(struct store *s)
{
    int rc;

    last_flush_ms = mono_ms();
    if (nkept == 0)
        return STORE_OK;
    if (s == NULL)
        return STORE_UNAVAILABLE;
    rc = store_txn_run_flags(s, STORE_TXN_NOSYNC, flush_fn, NULL);
    if (rc == STORE_OK)
        nkept = 0;
    return rc;
}

void metrics_flush_due(struct store *s)
{
    if (s != NULL && nkept > 0 &&
        (mono_ms() - last_flush_ms >= METRICS_FLUSH_MS || nkept == KEPT_MAX))
        (void)metrics_flush(s);
}

void metrics_idle(struct store *s, int listen_fd)
{
    struct pollfd p;
    long long wait;
    int n;

    if (s == NULL || nkept == 0 || listen_fd < 0)
        return;
    wait = METRICS_FLUSH_MS - (mono_ms() - last_flush_ms);
    if (wait > 0) {
        p.fd = listen_fd;
        p.events = POLLIN;
        p.revents = 0;
        n = poll(&p, 1, (int)(wait > METRICS_FLUSH_MS ? METRICS_FLUSH_MS : wait));
        if (n != 0)
            return; /* a connection waits, or a signal came (or poll failed) */
    }
    (void)metrics_flush(s);
}
