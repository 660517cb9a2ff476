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

struct runner_stats {
    long processed; /* events planned */
    long runs;      /* runs executed (to success, retry or failure) */
    long failed;
};

/* Processes one queued event: in one transaction, takes it off the queue
 * and records the outcome. Returns STORE_OK, STORE_NOTFOUND when the queue
 * is empty, or a store error. */
int runner_process_one(struct store *s, const struct config *cfg, char event_id[37]);

/* Drains the queue while holding a slot, with the hand-over described
 * above. Returns 0, or -1 when storage failed. */
int runner_drain(struct store *s, const struct config *cfg, struct spawn_slots *slots,
                 struct runner_stats *stats);

#endif
