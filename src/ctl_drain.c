/* ctl_drain: the incomingctl commands that work the queue and keep the data
 * directory healthy: drain (run due work here, as incoming-runner does, for
 * cron), purge (retention) and recover (rebuild the regions on demand).
 * Also the --drain option of replay and runs retry. */
#include "ctl.h"

#include "isotime.h"
#include "outgoing.h"
#include "purge.h"
#include "run.h"
#include "runner.h"
#include "spawn.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Runs runner_drain with this process holding one of the runner_max slots,
 * so drain never adds to the runners already at work beyond the limit. */
int ctl_drain(struct ctl *c, struct ctl_drain_result *r)
{
    static int curl_ready;
    struct spawn_slots slots;
    struct runner_stats st = {0, 0, 0, 0, 0};
    long ready = 0;
    int rc;

    memset(r, 0, sizeof(*r));
    if ((rc = ctl_store(c, 0)) != CTL_OK)
        return rc;
    if (!curl_ready && outgoing_global_init() != 0)
        return ctl_fail("drain: cannot initialise libcurl");
    curl_ready = 1;
    if (spawn_slots_open(&c->cfg, &slots) != 0)
        return ctl_fail("drain: cannot open the runner slots in %s/runners", c->cfg.data_dir);
    if (!spawn_slot_free(&slots)) {
        r->all_busy = 1; /* their runners drain the queue before they exit */
        rc = CTL_OK;
    } else if (runner_drain(c->store, &c->cfg, &slots, &st) != 0) {
        rc = ctl_fail("drain: storage failed after %ld run(s); see the messages above", st.runs);
    }
    spawn_slots_close(&slots);
    r->planned = st.processed;
    r->runs = st.runs;
    r->failed = st.failed;
    (void)run_due_counts(c->store, isotime_now_ms(), &ready, &r->waiting);
    (void)store_checkpoint(c->store);
    return rc;
}

/* The human summary of a drain. */
static void print_drain(const struct ctl *c, const struct ctl_drain_result *r)
{
    if (r->all_busy) {
        printf("every runner slot (runner_max = %lld) is busy: the running runners will do the "
               "work\n",
               c->cfg.runner_max);
        return;
    }
    printf("drained: %ld event(s) planned, %ld run(s) executed\n", r->planned, r->runs);
    if (r->waiting > 0)
        printf("%ld run(s) wait out a retry backoff; a later drain or request runs them\n",
               r->waiting);
}

int ctl_after_queue(struct ctl *c, int drain, int queued)
{
    struct ctl_drain_result r;
    int rc;

    if (!drain) {
        if (!c->json && queued > 0)
            printf("queued: 'incomingctl drain' or the next request to the server runs it\n");
        return CTL_OK;
    }
    rc = ctl_drain(c, &r);
    if (rc == CTL_OK && !c->json)
        print_drain(c, &r);
    return rc;
}

int ctl_cmd_drain(struct ctl *c, int argc, char **argv)
{
    struct ctl_drain_result r;
    char *pos[1];
    cJSON *doc;
    int n, rc;

    rc = ctl_parse(c, "drain", argc, argv, NULL, pos, 0, 0, &n);
    if (rc == CTL_OK)
        rc = ctl_drain(c, &r);
    if (rc != CTL_OK)
        return rc;
    /* As a runner does when it is done: retention at most once an hour. */
    (void)purge_maybe(c->store, &c->cfg, isotime_now_ms());
    if (!c->json) {
        print_drain(c, &r);
        return CTL_OK;
    }
    if ((doc = cJSON_CreateObject()) == NULL)
        return ctl_fail("out of memory");
    cJSON_AddNumberToObject(doc, "planned", (double)r.planned);
    cJSON_AddNumberToObject(doc, "runs", (double)r.runs);
    cJSON_AddNumberToObject(doc, "failed", (double)r.failed);
    cJSON_AddNumberToObject(doc, "waiting", (double)r.waiting);
    cJSON_AddBoolToObject(doc, "allBusy", r.all_busy);
    rc = ctl_print_json(doc);
    cJSON_Delete(doc);
    return rc;
}

int ctl_cmd_purge(struct ctl *c, int argc, char **argv)
{
    struct purge_stats st = {0, 0, 0};
    char *pos[1];
    cJSON *doc;
    int n, rc;

    rc = ctl_parse(c, "purge", argc, argv, NULL, pos, 0, 0, &n);
    if (rc == CTL_OK)
        rc = ctl_store(c, 0);
    if (rc != CTL_OK)
        return rc;
    if (purge_run(c->store, &c->cfg, isotime_now_ms(), &st) != 0)
        return ctl_fail("purge: storage failed after removing %ld event(s) and %ld run(s)",
                        st.events, st.runs);
    if (!c->json) {
        printf("purged %ld event(s) and %ld run(s) older than %lld day(s), %ld deduplication "
               "record(s)\n",
               st.events, st.runs, c->cfg.event_retention_days, st.dedup);
        return CTL_OK;
    }
    if ((doc = cJSON_CreateObject()) == NULL)
        return ctl_fail("out of memory");
    cJSON_AddNumberToObject(doc, "events", (double)st.events);
    cJSON_AddNumberToObject(doc, "runs", (double)st.runs);
    cJSON_AddNumberToObject(doc, "dedup", (double)st.dedup);
    rc = ctl_print_json(doc);
    cJSON_Delete(doc);
    return rc;
}

/* Rebuilds the regions and recovers inside the gate (see store_gate.c):
 * safe while the web server runs; its processes wait, then reopen. */
int ctl_cmd_recover(struct ctl *c, int argc, char **argv)
{
    char *pos[1], meta[600], err[1024];
    cJSON *doc;
    int n, rc;

    rc = ctl_parse(c, "recover", argc, argv, NULL, pos, 0, 0, &n);
    if (rc != CTL_OK)
        return rc;
    snprintf(meta, sizeof(meta), "%s/meta.db", c->cfg.data_dir);
    if (access(meta, F_OK) != 0)
        return ctl_fail("recover: data_dir %s is not initialised (run 'incomingctl init')",
                        c->cfg.data_dir);
    if (store_recover(&c->cfg, err, sizeof(err)) != STORE_OK)
        return ctl_fail("recover: %s", err);
    if (!c->json) {
        printf("recovered the environment in %s\n", c->cfg.data_dir);
        return CTL_OK;
    }
    if ((doc = cJSON_CreateObject()) == NULL)
        return ctl_fail("out of memory");
    cJSON_AddStringToObject(doc, "dataDir", c->cfg.data_dir);
    cJSON_AddBoolToObject(doc, "recovered", 1);
    rc = ctl_print_json(doc);
    cJSON_Delete(doc);
    return rc;
}
