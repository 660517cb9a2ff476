/* store_gate: one process at a time inside Berkeley DB.
 *
 * Debian's Berkeley DB keeps its locks, log buffer and cache in regions
 * shared by every process, guarded by process-shared mutexes. A process
 * killed while inside the library can leave one of them held, and the only
 * remedy is recovery, which rebuilds the regions. Recovery is only safe when
 * no other process is inside the library: one that is could be blocked for
 * good on the dead process's mutex, or finish a commit into the old regions
 * after recovery has read the log, and that commit would be lost although
 * it was acknowledged. DB_REGISTER's recovery has exactly that window.
 *
 * So every use of the environment (opening it, each transaction, a
 * checkpoint, closing) happens inside the gate: an exclusive flock on
 * data_dir/store.lock. The gate file records who is inside; the kernel drops
 * the flock of a process that dies, so the next process to enter sees a
 * holder that never left, and recovers before anything else touches the
 * environment. Each recovery bumps a generation number; a process whose
 * handles belong to an older generation drops them (never closing: that
 * would touch the old regions) and opens new ones. The boot id is kept too:
 * the first process after a restart of the machine recovers, which is what
 * a power loss needs.
 *
 * Processes queue on the flock while one is inside, so nothing slow may
 * happen inside: no HTTP, no sleeps, and no log flush. A commit only
 * writes its log record to the file (the page cache keeps it through any
 * process's crash and through the recovery that follows); the flush to
 * disk that sync durability needs happens after leaving the gate
 * (store_env_log_sync), where several processes' flushes coalesce. */
#include "store_gate.h"

#include "log.h"
#include "store_env.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define GATE_FILE "store.lock"
#define GATE_RECLEN 128
#define GATE_WAIT_SECONDS 30 /* then the caller answers "storage unavailable" */

struct gate_rec {
    unsigned long long gen;
    long inside; /* pid of the process inside, 0 when none */
    int need;    /* a recovery failed or was asked for: the next one tries */
    char boot[40];
};

static const char *boot_id(void)
{
    static char id[40];
    if (id[0] == '\0') {
        FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
        if (f == NULL || fscanf(f, "%36s", id) != 1)
            snprintf(id, sizeof(id), "unknown");
        if (f)
            fclose(f);
    }
    return id;
}

static void gate_read(int fd, struct gate_rec *r)
{
    char buf[GATE_RECLEN + 1];
    ssize_t n = pread(fd, buf, GATE_RECLEN, 0);

    memset(r, 0, sizeof(*r));
    if (n <= 0)
        return; /* a new file: generation 0, nobody inside, no boot yet */
    buf[n] = '\0';
    if (sscanf(buf, "incoming-gate 1 gen=%llu inside=%ld need=%d boot=%36s", &r->gen, &r->inside,
               &r->need, r->boot) != 4) {
        /* Unreadable (a torn write): assume the worst. */
        memset(r, 0, sizeof(*r));
        r->need = 1;
    }
}

static int gate_write(int fd, const struct gate_rec *r)
{
    char buf[GATE_RECLEN];
    int n = snprintf(buf, sizeof(buf), "incoming-gate 1 gen=%llu inside=%ld need=%d boot=%s",
                     r->gen, r->inside, r->need, r->boot[0] ? r->boot : "none");

    /* Fixed length, space padded: one pwrite replaces the whole record.
     * No fsync: only a crash of this process must find it, and the page
     * cache outlives processes; a power loss is caught by the boot id. */
    memset(buf + n, ' ', sizeof(buf) - (size_t)n - 1);
    buf[sizeof(buf) - 1] = '\n';
    return pwrite(fd, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf) ? 0 : -1;
}

static void gate_tick(int sig)
{
    (void)sig; /* only interrupts flock */
}

/* flock(LOCK_EX) for at most seconds. A one-second interval timer
 * interrupts the wait (no SA_RESTART), so the deadline is checked even if a
 * tick lands just before flock starts waiting. */
static int gate_lock(int fd, int seconds)
{
    struct sigaction sa, old;
    struct itimerval tick, prev;
    time_t deadline;
    int r, e;

    if (flock(fd, LOCK_EX | LOCK_NB) == 0)
        return 0;
    if (errno != EWOULDBLOCK)
        return -1;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = gate_tick;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, &old);
    memset(&tick, 0, sizeof(tick));
    tick.it_value.tv_sec = 1;
    tick.it_interval.tv_sec = 1;
    setitimer(ITIMER_REAL, &tick, &prev);
    deadline = time(NULL) + seconds;
    do {
        r = flock(fd, LOCK_EX);
        e = errno;
    } while (r != 0 && e == EINTR && time(NULL) < deadline);
    memset(&tick, 0, sizeof(tick));
    setitimer(ITIMER_REAL, &tick, NULL);
    sigaction(SIGALRM, &old, NULL);
    if (r != 0)
        errno = e == EINTR ? ETIMEDOUT : e;
    return r;
}

int store_gate_open(struct store *s, char *err, size_t errlen)
{
    char path[600];

    snprintf(path, sizeof(path), "%s/" GATE_FILE, s->home);
    s->gate_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (s->gate_fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return STORE_UNAVAILABLE;
    }
    return STORE_OK;
}

/* Rebuilds the regions from the log: forgets the old ones without taking
 * any of their locks (DB_FORCE), then opens with recovery. */
static int rebuild(struct store *s, char *err, size_t errlen)
{
    DB_ENV *env = NULL;
    int ret;

    store_env_drop(s);
    if ((ret = db_env_create(&env, 0)) == 0)
        ret = env->remove(env, s->home, DB_FORCE); /* frees env whatever it returns */
    if (ret != 0 && ret != ENOENT) {
        snprintf(err, errlen, "cannot remove the old regions in %s: %s", s->home, db_strerror(ret));
        return STORE_UNAVAILABLE;
    }
    return store_env_open(s, 1, err, errlen);
}

int store_enter(struct store *s, char *err, size_t errlen)
{
    struct gate_rec r;
    const char *why = NULL;
    int rc = STORE_OK;

    if (s->depth > 0) {
        s->depth++;
        return STORE_OK;
    }
    if (s->gate_fd < 0) {
        snprintf(err, errlen, "the store in %s is closed", s->home);
        return STORE_UNAVAILABLE;
    }
    if (gate_lock(s->gate_fd, GATE_WAIT_SECONDS) != 0) {
        int e = errno;
        gate_read(s->gate_fd, &r);
        if (e == ETIMEDOUT)
            snprintf(err, errlen,
                     "storage busy: process %ld has been using the Berkeley DB environment in "
                     "%s for over %d s",
                     r.inside, s->home, GATE_WAIT_SECONDS);
        else
            snprintf(err, errlen, "cannot lock %s/" GATE_FILE ": %s", s->home, strerror(e));
        return STORE_UNAVAILABLE;
    }
    gate_read(s->gate_fd, &r);
    if (r.inside != 0)
        why = "a process died while using it";
    else if (r.need || s->need_recover)
        why = "an earlier recovery did not finish or was asked for";
    else if (strcmp(r.boot, boot_id()) != 0)
        why = "first use since the machine started";
    r.inside = (long)getpid();
    if (gate_write(s->gate_fd, &r) != 0) {
        snprintf(err, errlen, "cannot write %s/" GATE_FILE ": %s", s->home, strerror(errno));
        flock(s->gate_fd, LOCK_UN);
        return STORE_UNAVAILABLE;
    }
    s->depth = 1;
    if (why) {
        int fresh = r.boot[0] == '\0'; /* a brand new data_dir */
        if (!fresh)
            LOG_WARN("recovering the Berkeley DB environment in %s: %s", s->home, why);
        rc = rebuild(s, err, errlen);
        r.gen++;
        r.need = rc != STORE_OK;
        s->need_recover = 0;
        snprintf(r.boot, sizeof(r.boot), "%s", boot_id());
        if (rc == STORE_OK && !fresh)
            LOG_INFO("recovered the environment in %s (generation %llu)", s->home, r.gen);
    } else if (s->env == NULL || s->gen != r.gen) {
        /* Handles of an older generation belong to rebuilt regions. */
        store_env_drop(s);
        rc = store_env_open(s, 0, err, errlen);
    }
    s->gen = r.gen;
    if (rc != STORE_OK) {
        store_env_drop(s);
        s->depth = 0;
        r.inside = 0;
        (void)gate_write(s->gate_fd, &r);
        flock(s->gate_fd, LOCK_UN);
        return rc;
    }
    if (why && gate_write(s->gate_fd, &r) != 0)
        LOG_WARN("cannot write %s/" GATE_FILE ": %s", s->home, strerror(errno));
    return STORE_OK;
}

void store_leave(struct store *s)
{
    struct gate_rec r;

    if (s->depth <= 0 || --s->depth > 0)
        return;
    memset(&r, 0, sizeof(r));
    r.gen = s->gen;
    r.need = s->need_recover;
    snprintf(r.boot, sizeof(r.boot), "%s", boot_id());
    if (gate_write(s->gate_fd, &r) != 0)
        LOG_WARN("cannot write %s/" GATE_FILE ": %s", s->home, strerror(errno));
    flock(s->gate_fd, LOCK_UN);
}

int store_recover_inside(struct store *s)
{
    char err[512];
    int rc;

    LOG_WARN("recovering the Berkeley DB environment in %s after a panic", s->home);
    rc = rebuild(s, err, sizeof(err));
    s->need_recover = rc != STORE_OK;
    s->gen++;
    if (rc != STORE_OK)
        LOG_ERR("%s", err);
    /* The generation is written when the gate is left (store_leave). */
    return rc;
}

void store_gate_close(struct store *s)
{
    struct gate_rec r;

    if (s->gate_fd < 0) {
        store_env_drop(s);
        return;
    }
    if (s->env != NULL && s->depth == 0 && gate_lock(s->gate_fd, GATE_WAIT_SECONDS) == 0) {
        gate_read(s->gate_fd, &r);
        if (r.inside == 0 && !r.need && r.gen == s->gen) {
            r.inside = (long)getpid();
            if (gate_write(s->gate_fd, &r) == 0) {
                store_env_close(s);
                r.inside = 0;
                (void)gate_write(s->gate_fd, &r);
            }
        }
        flock(s->gate_fd, LOCK_UN);
    }
    store_env_drop(s); /* whatever could not be closed cleanly */
    close(s->gate_fd);
    s->gate_fd = -1;
}
