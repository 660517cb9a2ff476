/* wake: how a responder hands new work to a runner that lingers after its
 * work is done, instead of starting a process per event.
 *
 * Two files in <data_dir>/runners: the FIFO "wake", which lingering
 * runners hold open for reading, and the lock file "idle", on which a
 * runner holds a shared flock while it waits for work (and while it looks
 * for due retries between two waits, until it finds some). A responder that
 * stored work writes one byte to the FIFO (waking a waiting runner; a busy
 * one finds the byte when it next waits), and starts a new runner (within
 * the runner_max slots, include/spawn.h) only when no runner is waiting:
 * the exclusive flock on "idle" then succeeds. Opening the FIFO for
 * writing fails when no runner listens at all.
 *
 * No work is stranded: a runner that gives up waiting stops listening and
 * gives back its slot before it looks for work one last time, and a
 * responder pokes and looks at the slots only after its commit. So either
 * the runner's last look sees the work, or the responder sees the runner
 * gone (or its slot free) and starts one. */
#ifndef INCOMING_WAKE_H
#define INCOMING_WAKE_H

#include "config.h"

struct wake {
    char fifo_path[640];
    int fifo_fd; /* runner: read end (opened O_RDWR); responder: write end; -1 */
    int ep_fd;   /* runner: epoll on the read end (EPOLLEXCLUSIVE), -1 */
    int idle_fd; /* the "idle" lock file */
    int idle;    /* this process holds the shared lock */
};

/* Prepares w for cfg's data_dir (creating runners/, the FIFO and the lock
 * file, mode 0600, when missing). Returns 0, or -1 (logged). */
int wake_open(struct wake *w, const struct config *cfg);
void wake_close(struct wake *w); /* w may be NULL */

/* Responder: 1 when some runner is waiting for work right now. */
int wake_someone_waiting(struct wake *w);
/* Responder: writes a wake byte. 1 when a runner listens (the byte was
 * written, or the FIFO is full of bytes not yet read), 0 when none does.
 * The caller ignores SIGPIPE (a write after the last listener left). */
int wake_poke(struct wake *w);

/* Runner: starts listening (opens the FIFO's read end). 0 or -1. */
int wake_listen(struct wake *w);
/* Runner: stops listening (and waiting). */
void wake_unlisten(struct wake *w);
/* Runner: waits at most timeout_ms for a wake byte, marked as waiting
 * meanwhile; swallows the bytes. 1 when woken, 0 on timeout. Woken, it
 * is no longer marked; after a timeout it stays marked, so that the look
 * for due retries it takes between two waits does not make responders
 * start another runner (a byte written meanwhile waits in the FIFO for
 * its next wait). */
int wake_wait(struct wake *w, int timeout_ms);
/* Runner: no longer waiting, because it found work (responders start
 * another runner for new work meanwhile, within the slots). w may be
 * NULL. */
void wake_busy(struct wake *w);

#endif
