/* spawn: runner slots and the detached start of incoming-runner.
 *
 * A slot is a file <data_dir>/runners/slot.N (N < runner_max) that a running
 * runner holds an flock(2) on for its whole life; the kernel drops the lock
 * when the runner exits or dies, so a slot can never leak. The responder only
 * tests for a free slot (lock, unlock) and forks when it finds one; the
 * runner then claims a slot itself and exits at once if it finds none (its
 * event stays queued and a running runner drains it). */
#ifndef INCOMING_SPAWN_H
#define INCOMING_SPAWN_H

#include "config.h"
#include "wake.h"

struct spawn_slots {
    int fds[64]; /* open slot files, -1 when not open */
    int count;
    int held; /* index of the slot this process holds, -1 when none */
};

/* Opens (creating, mode 0600) the slot files of cfg. Returns 0 or -1. */
int spawn_slots_open(const struct config *cfg, struct spawn_slots *out);
void spawn_slots_close(struct spawn_slots *s); /* s may be NULL */
/* 1 when some slot is free right now (nothing is held afterwards). */
int spawn_slot_free(struct spawn_slots *s);
/* Number of slots held by runners right now. */
int spawn_slots_busy(struct spawn_slots *s);
/* Claims a free slot for this process. Returns its index, or -1. */
int spawn_slot_acquire(struct spawn_slots *s);
void spawn_slot_release(struct spawn_slots *s);

/* Starts runner_path detached: fork; the child closes every descriptor,
 * puts /dev/null on 0-2, setsid()s, forks again and exits; the grandchild
 * execs "runner_path [--conf conf_path] --event event_id". The caller's
 * child is reaped before returning, so no zombie is left. Returns 0, or -1
 * when fork failed. */
int spawn_runner(const char *runner_path, const char *conf_path, const char *event_id);

/* Hands stored work over to a runner (include/wake.h): a waiting runner is
 * woken; when none waits, one is started if a slot is free (a busy runner
 * also finds the wake byte when it is done). For a responder after its
 * commit when no runner is awake, and for a runner that wants a helper.
 * event_id names the event in the new runner's arguments (NULL for none). */
void spawn_hand_over(const struct config *cfg, struct wake *w, struct spawn_slots *slots,
                     const char *event_id);

#endif
