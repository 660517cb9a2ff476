/* wake: how a responder hands new work to a runner that lingers after its
 * work is done, instead of starting a process per event.
 *
 * Two files in <data_dir>/runners: the FIFO "wake", which lingering
 * runners hold open for reading, and the lock file "idle", on which a
 * runner holds a shared lock while it waits for work (and while it looks
 * for due retries between two waits, until it finds some). A responder that
 * stored work writes one byte to the FIFO (waking a waiting runner; a busy
 * one finds the byte when it next waits), and starts a new runner (within
 * the runner_max slots, include/spawn.h) only when no runner is waiting:
 * no lock on "idle" is then found (F_OFD_GETLK: testing takes nothing, so
 * one responder's test never looks like a runner to another; see
 * src/wake.c). Opening the FIFO for
 * writing fails when no runner listens at all.
 *
 * No work is stranded: a runner that gives up waiting stops listening and
 * gives back its slot before it looks for work one last time, and a
 * responder pokes and looks at the slots only after its commit. So either
 * the runner's last look sees the work, or the responder sees the runner
 * gone (or its slot free) and starts one.
 *
 * A third file, the lock file "awake", spares a wake per event under load:
 * a runner holds a shared lock on it while it claims runs and sends them,
 * and a responder that finds it held after its commit neither pokes nor
 * starts a runner. That is safe because a runner lets go of "awake" before
 * it claims one last time and waits: its last claim begins after the
 * responder's look, so it sees the new run. A request that takes longer
 * than a grace (WAKE_AWAKE_GRACE_MS) lets go of "awake" meanwhile (a timer
 * signal), so that a slow target does not hold up new events: they wake or
 * start another runner, as they would with no runner awake. And a runner
 * that claims a full batch, a sign of a backlog, wakes or starts a helper
 * (src/runner.c). */
#ifndef INCOMING_WAKE_H
#define INCOMING_WAKE_H

#include "config.h"

/* How long a request may take before the runner sending it stops counting
 * as awake (see above). */
#define WAKE_AWAKE_GRACE_MS 10

struct wake {
    char fifo_path[640];
    int fifo_fd;  /* runner: read end (opened O_RDWR); responder: write end; -1 */
    int ep_fd;    /* runner: epoll on the read end (EPOLLEXCLUSIVE), -1 */
    int idle_fd;  /* the "idle" lock file */
    int idle;     /* this process holds the shared lock */
    int awake_fd; /* the "awake" lock file */
    int awake;    /* this process holds the shared lock on it */
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

/* Responder: 1 when some runner is awake: it will claim runs again after
 * this look, so new work needs no wake. */
int wake_someone_awake(struct wake *w);
/* Runner: counts as awake from now (it found work and will claim again),
 * or no longer (before its last claim). w may be NULL. */
void wake_awake(struct wake *w);
void wake_asleep(struct wake *w);
int wake_is_awake(const struct wake *w);
/* Runner: around a run's requests. Past WAKE_AWAKE_GRACE_MS, a SIGALRM
 * handler lets go of "awake"; wake_grace_end takes it again. Nothing is
 * done when the runner is not awake. */
void wake_grace_begin(struct wake *w);
void wake_grace_end(struct wake *w);
/* Runner, during a request: 1 once after the grace ran out. Responders
 * that saw the runner awake before that woke no one: the runner then
 * hands their work over as a responder would (src/runner.c). */
int wake_grace_expired(void);

#endif
