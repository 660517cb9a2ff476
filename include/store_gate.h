/* store_gate: one process at a time inside Berkeley DB, and recovery when
 * a process died inside (see the opening comment of src/store_gate.c).
 * Internal to the store; the second layer (include/store_env.h). */
#ifndef INCOMING_STORE_GATE_H
#define INCOMING_STORE_GATE_H

#include <pthread.h>
#include <stddef.h>

#include "store_env.h"

/* The layout of data_dir/store.lock, which every process maps. Changed
 * only by the holder of mutex (and, before any process of this boot uses
 * it, under the file's flock at set-up). */
struct store_gate_file {
    char magic[16];         /* "incoming-gate-2" */
    pthread_mutex_t mutex;  /* robust, process-shared */
    unsigned long long gen; /* bumped by every recovery */
    long inside;            /* pid of the holder, 0 when none (for messages) */
    int need;               /* a recovery is due before the next use */
    char boot[40];          /* /proc/sys/kernel/random/boot_id at set-up */
};

/* Opens and maps data_dir/store.lock (s->gate_fd, s->gate), setting it up
 * when it is new or from before the machine started. STORE_OK or
 * STORE_UNAVAILABLE. */
int store_gate_open(struct store *s, char *err, size_t errlen);
/* Closes the handles cleanly when nobody is inside and they are current,
 * else drops them; then closes the gate file. */
void store_gate_close(struct store *s);
/* Enters the gate (waiting at most 30 s): recovers the environment first
 * when the last holder died inside it or a recovery was asked for, and
 * (re)opens this process's handles when they are missing or belong to
 * regions since rebuilt. Nests. STORE_OK, or STORE_UNAVAILABLE with the
 * reason in err. */
int store_enter(struct store *s, char *err, size_t errlen);
void store_leave(struct store *s);
/* Inside the gate, after a panic: drops the handles, recovers, opens them
 * again. The new generation is written when the gate is left. */
int store_recover_inside(struct store *s);

#endif
