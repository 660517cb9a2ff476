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
 * checkpoint, closing) happens inside the gate: a robust, process-shared
 * mutex in data_dir/store.lock, which every process maps. When its holder
 * dies, the kernel marks the mutex, and the next process to take it learns
 * that the holder never left (EOWNERDEAD): it recovers before anything else
 * touches the environment. Each recovery bumps a generation number in the
 * same file; a process whose handles belong to an older generation drops
 * them (never closing: that would touch the old regions) and opens new
 * ones. The boot id is kept too: the first process after a restart of the
 * machine re-initialises the mutex (its state from before means nothing)
 * and recovers, which is what a power loss needs. An flock on the file
 * serialises only that set-up, once per process.
 *
 * Taking and leaving the gate costs no system call when nobody waits (a
 * futex when someone does), so the gate is cheap enough to take for every
 * transaction. Processes queue while one is inside, so nothing slow may
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define GATE_FILE "store.lock"
#define GATE_MAGIC "incoming-gate-2"
#define GATE_WAIT_SECONDS 30 /* then the caller answers "storage unavailable" */

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

/* A fresh gate: an unlocked robust mutex, the boot id, and a recovery due
 * unless the file is brand new (a new data_dir has nothing to recover). */
static int gate_init(struct store_gate_file *g, int fresh)
{
    pthread_mutexattr_t a;
    int rc = pthread_mutexattr_init(&a);

    if (rc == 0)
        rc = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    if (rc == 0)
        rc = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    if (rc == 0) {
        /* Keep counting generations when the file is ours. */
        unsigned long long gen = memcmp(g->magic, GATE_MAGIC, sizeof(GATE_MAGIC)) == 0 ? g->gen : 0;
        memset(g, 0, sizeof(*g));
        rc = pthread_mutex_init(&g->mutex, &a);
        g->gen = gen;
        g->need = !fresh;
        snprintf(g->boot, sizeof(g->boot), "%s", boot_id());
        memcpy(g->magic, GATE_MAGIC, sizeof(GATE_MAGIC));
    }
    pthread_mutexattr_destroy(&a);
    return rc;
}

int store_gate_open(struct store *s, char *err, size_t errlen)
{
    char path[600];
    struct stat st;
    struct store_gate_file *g;
    int fresh;

    snprintf(path, sizeof(path), "%s/" GATE_FILE, s->home);
    s->gate_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (s->gate_fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return STORE_UNAVAILABLE;
    }
    /* The set-up lock: one process at a time sizes, maps and checks the
     * file; held for microseconds, once per process. */
    if (flock(s->gate_fd, LOCK_EX) != 0 || fstat(s->gate_fd, &st) != 0) {
        snprintf(err, errlen, "cannot lock %s: %s", path, strerror(errno));
        goto fail;
    }
    fresh = st.st_size == 0;
    if ((size_t)st.st_size < sizeof(*g) && ftruncate(s->gate_fd, (off_t)sizeof(*g)) != 0) {
        snprintf(err, errlen, "cannot size %s: %s", path, strerror(errno));
        goto fail;
    }
    g = mmap(NULL, sizeof(*g), PROT_READ | PROT_WRITE, MAP_SHARED, s->gate_fd, 0);
    if (g == MAP_FAILED) {
        snprintf(err, errlen, "cannot map %s: %s", path, strerror(errno));
        goto fail;
    }
    s->gate = g;
    /* A file of another format, or from before the machine started: its
     * mutex state means nothing (its holder's thread is gone without the
     * kernel knowing); nobody of this boot uses it yet. */
    if (memcmp(g->magic, GATE_MAGIC, sizeof(GATE_MAGIC)) != 0 ||
        strncmp(g->boot, boot_id(), sizeof(g->boot)) != 0) {
        if (!fresh && g->boot[0] != '\0')
            LOG_INFO("%s: first use since the machine started: the environment will be "
                     "recovered",
                     path);
        if (gate_init(g, fresh) != 0) {
            snprintf(err, errlen, "cannot initialise the lock in %s", path);
            goto fail;
        }
    }
    flock(s->gate_fd, LOCK_UN);
    return STORE_OK;
fail:
    if (s->gate != NULL)
        munmap(s->gate, sizeof(*s->gate));
    s->gate = NULL;
    close(s->gate_fd);
    s->gate_fd = -1;
    return STORE_UNAVAILABLE;
}

/* Takes the mutex, waiting at most seconds. 0, 1 when its last holder died
 * while holding it (the caller must recover, then mark it consistent), or
 * an errno value. */
static int gate_lock(struct store_gate_file *g, int seconds)
{
    struct timespec ts;
    int rc = pthread_mutex_trylock(&g->mutex);

    if (rc == EBUSY) {
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += seconds;
        rc = pthread_mutex_timedlock(&g->mutex, &ts);
    }
    return rc == EOWNERDEAD ? 1 : rc;
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
    struct store_gate_file *g = s->gate;
    const char *why = NULL;
    int died, rc = STORE_OK;

    if (s->depth > 0) {
        s->depth++;
        return STORE_OK;
    }
    if (g == NULL) {
        snprintf(err, errlen, "the store in %s is closed", s->home);
        return STORE_UNAVAILABLE;
    }
    died = gate_lock(g, GATE_WAIT_SECONDS);
    if (died > 1) {
        if (died == ETIMEDOUT)
            snprintf(err, errlen,
                     "storage busy: process %ld has been using the Berkeley DB environment in "
                     "%s for over %d s",
                     g->inside, s->home, GATE_WAIT_SECONDS);
        else
            snprintf(err, errlen, "cannot lock %s/" GATE_FILE ": %s", s->home, strerror(died));
        return STORE_UNAVAILABLE;
    }
    if (died)
        why = "a process died while using it";
    else if (g->need || s->need_recover)
        why = "first use since the machine started, an earlier recovery did not finish, or "
              "one was asked for";
    g->inside = (long)getpid();
    s->depth = 1;
    if (why) {
        LOG_WARN("recovering the Berkeley DB environment in %s: %s", s->home, why);
        rc = rebuild(s, err, errlen);
        g->gen++;
        g->need = rc != STORE_OK;
        s->need_recover = 0;
        if (rc == STORE_OK)
            LOG_INFO("recovered the environment in %s (generation %llu)", s->home, g->gen);
    } else if (s->env == NULL || s->gen != g->gen) {
        /* Handles of an older generation belong to rebuilt regions. */
        store_env_drop(s);
        rc = store_env_open(s, 0, err, errlen);
    }
    if (died)
        pthread_mutex_consistent(&g->mutex); /* recovered, or g->need says to */
    s->gen = g->gen;
    if (rc != STORE_OK) {
        store_env_drop(s);
        s->depth = 0;
        g->inside = 0;
        pthread_mutex_unlock(&g->mutex);
        return rc;
    }
    return STORE_OK;
}

void store_leave(struct store *s)
{
    struct store_gate_file *g = s->gate;

    if (s->depth <= 0 || --s->depth > 0)
        return;
    g->gen = s->gen;
    if (s->need_recover)
        g->need = 1;
    g->inside = 0;
    pthread_mutex_unlock(&g->mutex);
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
    struct store_gate_file *g = s->gate;
    int died;

    if (g == NULL) {
        store_env_drop(s);
        return;
    }
    if (s->env != NULL && s->depth == 0 && (died = gate_lock(g, GATE_WAIT_SECONDS)) <= 1) {
        if (died) {
            /* Its holder died: leave the recovery to the next process. */
            g->need = 1;
            pthread_mutex_consistent(&g->mutex);
        } else if (!g->need && g->gen == s->gen) {
            g->inside = (long)getpid();
            store_env_close(s);
        }
        g->inside = 0;
        pthread_mutex_unlock(&g->mutex);
    }
    store_env_drop(s); /* whatever could not be closed cleanly */
    munmap(g, sizeof(*g));
    s->gate = NULL;
    close(s->gate_fd);
    s->gate_fd = -1;
}
