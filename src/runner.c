/* runner: queue draining and run execution. Each queued event becomes its
 * runs (plan_event) in the transaction that takes it off the queue; due
 * runs are then claimed one at a time and executed. */
#include "runner.h"

#include "events.h"
#include "isotime.h"
#include "json.h"
#include "log.h"
#include "outgoing.h"
#include "plan.h"
#include "run.h"
#include "runexec.h"
#include "wake.h"

#include <string.h>
#include <unistd.h>

struct process_arg {
    const struct config *cfg;
    char event_id[37];
    int runs;
};

static int process_fn(struct store_txn *t, void *arg)
{
    struct process_arg *a = arg;
    struct store_event ev;
    struct json_error jerr;
    cJSON *envelope = NULL;
    struct buf rec;
    int rc = store_queue_pop(t, a->event_id);

    if (rc != STORE_OK)
        return rc;
    buf_init(&rec, 256u << 20);
    rc = store_event_get(t, a->event_id, &ev, &rec);
    if (rc == STORE_NOTFOUND) {
        /* Purged before it ran: drop the queue entry, keep going. */
        LOG_WARN("queued event %s has no record; dropped from the queue", a->event_id);
        buf_free(&rec);
        return STORE_OK;
    }
    if (rc == STORE_OK && events_envelope(&ev, &envelope, &jerr) != 0) {
        LOG_ERR("event %s: stored envelope does not parse: %s", a->event_id, jerr.message);
        rc = STORE_OK; /* nothing can ever run it; keep it for inspection */
    } else if (rc == STORE_OK) {
        struct plan_set *set = NULL;
        int queued;
        rc = plan_set_load(t, ev.integration_id, &set);
        if (rc == STORE_OK)
            rc = plan_event(t, set, a->event_id, envelope, isotime_now_ms(), 1, &a->runs, &queued);
        plan_set_free(set);
    }
    if (rc == STORE_OK)
        rc = store_event_set_state(t, a->event_id, STORE_EVENT_PROCESSED);
    cJSON_Delete(envelope);
    buf_free(&rec);
    return rc;
}

int runner_process_one(struct store *s, const struct config *cfg, char event_id[37])
{
    struct process_arg a;
    int rc;

    memset(&a, 0, sizeof(a));
    a.cfg = cfg;
    /* No log flush: if this is lost, the event is still queued and is
     * planned again (its acceptance was flushed). */
    rc = store_txn_run_flags(s, STORE_TXN_NOSYNC, process_fn, &a);
    if (rc == STORE_OK)
        memcpy(event_id, a.event_id, 37);
    return rc;
}

/* What the tick during a request needs (one runner per process). */
static struct {
    const struct config *cfg;
    struct wake *w;
    struct spawn_slots *slots;
} serving;

/* A request outlasted the grace: responders that saw this runner awake
 * woke no one, so it hands their work over itself. */
static void on_request_tick(void)
{
    if (serving.w != NULL && wake_grace_expired())
        spawn_hand_over(serving.cfg, serving.w, serving.slots, NULL);
}

/* Plans every queued event, then executes due runs, until neither is left.
 * The queue holds only events accepted before runs were planned at once
 * (older versions): nothing of this version adds to it. So a runner woken
 * for more work looks at it once a minute (look_queue 0), not at every
 * wake: a transaction each time, 5 % of a runner's CPU in a burst. Every
 * other caller looks (look_queue 1), including the last look before a
 * runner leaves. A runner's wake w (NULL for incomingctl drain) stops
 * being marked as waiting once work is found. Returns the number of things
 * done, or -1 when storage failed. */
static long drain_while_held(struct store *s, const struct config *cfg, struct runner_stats *st,
                             struct wake *w, struct spawn_slots *slots, int look_queue)
{
    static long long last_reap, last_queue_look;
    struct runexec_inputs in[RUN_CLAIM_MAX];
    void *args[RUN_CLAIM_MAX];
    struct runexec_saves saves;
    long done = 0;
    char id[37];
    int rc;

    if (look_queue || isotime_now_ms() - last_queue_look >= RUNNER_QUEUE_LOOK_MS) {
        last_queue_look = isotime_now_ms();
        while ((rc = runner_process_one(s, cfg, id)) == STORE_OK) {
            wake_busy(w);
            st->processed++;
            done++;
        }
        if (rc != STORE_NOTFOUND) {
            LOG_ERR("cannot process the queue: %s", store_strerror(rc));
            st->failed++;
            return -1;
        }
    }
    for (int i = 0; i < RUN_CLAIM_MAX; i++) {
        runexec_inputs_init(&in[i]);
        args[i] = &in[i];
    }
    runexec_saves_init(&saves);
    for (;;) {
        cJSON *runs[RUN_CLAIM_MAX];
        int n = 0;
        long long t = isotime_now_ms(), lease = t + cfg->outgoing_timeout_ms + RUN_LEASE_SLACK_MS;
        if (t - last_reap >= 1000) {
            last_reap = t;
            (void)run_reap(s, last_reap);
        }
        /* One transaction saves the runs before and claims the next few. */
        rc = run_claim_many(s, t, getpid(), lease, cfg->outgoing_timeout_ms, runexec_saves_write,
                            &saves, runexec_read_inputs, args, RUN_CLAIM_MAX, runs, &n);
        st->failed += runexec_saves_done(&saves, rc == STORE_NOTFOUND ? STORE_OK : rc);
        if (rc == STORE_NOTFOUND && wake_is_awake(w)) {
            /* No longer awake, then one more look: a responder that saw
             * this runner awake did not wake anyone for its run (see
             * include/wake.h). */
            wake_asleep(w);
            continue;
        }
        if (rc == STORE_NOTFOUND)
            break;
        if (rc != STORE_OK) {
            LOG_ERR("cannot claim a run: %s", store_strerror(rc));
            done = -1;
            break;
        }
        if (n > 0) {
            wake_busy(w); /* no longer waiting, but awake */
            wake_awake(w);
            st->claims++;
            if (n == RUN_CLAIM_MAX && w != NULL)
                spawn_hand_over(cfg, w, slots, NULL); /* a backlog: a helper */
        }
        for (int i = 0; i < n; i++) {
            /* The i-th run's lease was taken to cover i requests before it
             * (lease_step); runexec_run extends it when they took longer. */
            wake_grace_begin(w);
            rc = runexec_run(s, cfg, runs[i], lease + i * cfg->outgoing_timeout_ms, &in[i], &saves);
            wake_grace_end(w);
            if (rc != STORE_OK)
                st->failed++;
            st->runs++;
            done++;
        }
    }
    wake_asleep(w); /* a storage error: not awake either */
    for (int i = 0; i < RUN_CLAIM_MAX; i++)
        runexec_inputs_free(&in[i]);
    return done;
}

/* 1 when something is queued or due now (or the store cannot tell). */
static int work_waiting(struct store *s)
{
    long queued = 0;
    return store_queue_count(s, &queued) != STORE_OK || queued > 0 ||
           run_any_due(s, isotime_now_ms());
}

int runner_drain(struct store *s, const struct config *cfg, struct spawn_slots *slots,
                 struct runner_stats *stats)
{
    for (;;) {
        if (spawn_slot_acquire(slots) < 0)
            return 0; /* every slot busy: their holders drain our event */
        if (drain_while_held(s, cfg, stats, NULL, NULL, 1) < 0) {
            spawn_slot_release(slots);
            return -1;
        }
        spawn_slot_release(slots);
        /* A responder that committed while we held the slot may have seen
         * every slot busy; look again now that ours is free. */
        if (!work_waiting(s))
            return 0;
    }
}

int runner_serve(struct store *s, const struct config *cfg, struct spawn_slots *slots,
                 struct wake *w, int linger_ms, struct runner_stats *stats)
{
    long long idle_since, last_checkpoint = isotime_now_ms();

    serving.cfg = cfg;
    serving.w = w;
    serving.slots = slots;
    outgoing_set_tick(on_request_tick);

    for (;;) {
        int first = 1;
        long done;
        if (spawn_slot_acquire(slots) < 0)
            return 0; /* every slot busy: their holders do the work */
        idle_since = isotime_now_ms();
        if (wake_listen(w) != 0) {
            spawn_slot_release(slots);
            return runner_drain(s, cfg, slots, stats);
        }
        for (;;) {
            done = drain_while_held(s, cfg, stats, w, slots, first);
            first = 0;
            if (done < 0)
                break;
            if (done > 0)
                idle_since = isotime_now_ms();
            if (isotime_now_ms() - last_checkpoint >= RUNNER_CHECKPOINT_MS) {
                last_checkpoint = isotime_now_ms();
                (void)store_checkpoint(s);
            }
            if (store_should_restart(s))
                break;
            /* Retries come due while we wait: look at least twice a second. */
            if (wake_wait(w, 500))
                stats->wakes++;
            else if (isotime_now_ms() - idle_since >= linger_ms)
                break;
        }
        /* Leaving: stop listening and give the slot back before the last
         * look (see include/wake.h), so that no work is stranded. */
        wake_unlisten(w);
        spawn_slot_release(slots);
        if (done < 0)
            return -1;
        if (store_should_restart(s) || !work_waiting(s))
            return 0;
    }
}
