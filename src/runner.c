/* runner: queue draining. At this stage an event's processing is marking
 * it processed; workflows (issue 6) run inside process_fn. */
#include "runner.h"

#include "log.h"

#include <string.h>

struct process_arg {
    const struct config *cfg;
    char event_id[37];
};

static int process_fn(struct store_txn *t, void *arg)
{
    struct process_arg *a = arg;
    int rc = store_queue_pop(t, a->event_id);
    if (rc != STORE_OK)
        return rc;
    rc = store_event_set_state(t, a->event_id, STORE_EVENT_PROCESSED);
    if (rc == STORE_NOTFOUND) {
        /* Purged or never stored whole: drop the queue entry, keep going. */
        LOG_WARN("queued event %s has no record; dropped from the queue", a->event_id);
        rc = STORE_OK;
    }
    return rc;
}

int runner_process_one(struct store *s, const struct config *cfg, char event_id[37])
{
    struct process_arg a;
    int rc;

    memset(&a, 0, sizeof(a));
    a.cfg = cfg;
    rc = store_txn_run(s, process_fn, &a);
    if (rc == STORE_OK)
        memcpy(event_id, a.event_id, 37);
    return rc;
}

static int drain_while_held(struct store *s, const struct config *cfg, struct runner_stats *st)
{
    char id[37];
    for (;;) {
        int rc = runner_process_one(s, cfg, id);
        if (rc == STORE_NOTFOUND)
            return 0;
        if (rc != STORE_OK) {
            LOG_ERR("cannot process the queue: %s", store_strerror(rc));
            st->failed++;
            return -1;
        }
        LOG_DEBUG("event %s processed", id);
        st->processed++;
    }
}

int runner_drain(struct store *s, const struct config *cfg, struct spawn_slots *slots,
                 struct runner_stats *stats)
{
    for (;;) {
        long queued = 0;
        if (spawn_slot_acquire(slots) < 0)
            return 0; /* every slot busy: their holders drain our event */
        if (drain_while_held(s, cfg, stats) != 0) {
            spawn_slot_release(slots);
            return -1;
        }
        spawn_slot_release(slots);
        /* A responder that committed while we held the slot may have seen
         * every slot busy; look again now that ours is free. */
        if (store_queue_count(s, &queued) != STORE_OK || queued == 0)
            return 0;
    }
}
