/* runner: what incoming-runner does with the work queue. A runner holds a
 * slot (see spawn.h) for its whole life; it drains the queue, then releases
 * the slot and looks once more, so an event queued while every slot was
 * busy is never stranded. Each event becomes its workflow runs; due runs
 * (new, retrying, or resumed from a dead runner) are executed in turn. */
#ifndef INCOMING_RUNNER_H
#define INCOMING_RUNNER_H

#include "config.h"
#include "spawn.h"
#include "store.h"
#include "wake.h"

/* How long a runner waits for more work before it exits, and how often a
 * runner that never runs out of work checkpoints the log. */
#define RUNNER_LINGER_MS 2000
#define RUNNER_CHECKPOINT_MS 30000
/* How often a runner that keeps being woken looks at the queue of events
 * from older versions (src/runner.c, drain_while_held). */
#define RUNNER_QUEUE_LOOK_MS 60000

struct runner_stats {
    long processed; /* events planned */
    long runs;      /* runs executed (to success, retry or failure) */
    long failed;
    long claims; /* transactions that claimed runs (up to RUN_CLAIM_MAX each) */
    long wakes;  /* times a responder's wake byte woke this runner */
};

/* Processes one queued event: in one transaction, takes it off the queue
 * and records the outcome. Returns STORE_OK, STORE_NOTFOUND when the queue
 * is empty, or a store error. */
int runner_process_one(struct store *s, const struct config *cfg, char event_id[37]);

/* Drains the queue while holding a slot, with the hand-over described
 * above, then returns (incomingctl drain). Returns 0, or -1 when storage
 * failed. */
int runner_drain(struct store *s, const struct config *cfg, struct spawn_slots *slots,
                 struct runner_stats *stats);
/* incoming-runner's life: takes a slot, does the due work, then waits for
 * a responder's wake (include/wake.h) and works again, until linger_ms
 * pass without work; then gives the slot back, looks once more, and
 * returns 0 (or -1 when storage failed). */
int runner_serve(struct store *s, const struct config *cfg, struct spawn_slots *slots,
                 struct wake *w, int linger_ms, struct runner_stats *stats);

#endif
