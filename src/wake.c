/* wake: waking lingering runners (see include/wake.h). */
#include "wake.h"

#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

int wake_open(struct wake *w, const struct config *cfg)
{
    char dir[600], idle[640], awake[640];

    memset(w, 0, sizeof(*w));
    w->fifo_fd = -1;
    w->ep_fd = -1;
    w->idle_fd = -1;
    w->awake_fd = -1;
    snprintf(dir, sizeof(dir), "%s/runners", cfg->data_dir);
    snprintf(w->fifo_path, sizeof(w->fifo_path), "%s/wake", dir);
    snprintf(idle, sizeof(idle), "%s/idle", dir);
    snprintf(awake, sizeof(awake), "%s/awake", dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        LOG_ERR("cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    if (mkfifo(w->fifo_path, 0600) != 0 && errno != EEXIST) {
        LOG_ERR("cannot create the FIFO %s: %s", w->fifo_path, strerror(errno));
        return -1;
    }
    w->idle_fd = open(idle, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (w->idle_fd < 0) {
        LOG_ERR("cannot open %s: %s", idle, strerror(errno));
        return -1;
    }
    w->awake_fd = open(awake, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (w->awake_fd < 0) {
        LOG_ERR("cannot open %s: %s", awake, strerror(errno));
        return -1;
    }
    return 0;
}

void wake_close(struct wake *w)
{
    if (w == NULL)
        return;
    wake_unlisten(w);
    wake_asleep(w);
    if (w->idle_fd >= 0)
        close(w->idle_fd);
    w->idle_fd = -1;
    if (w->awake_fd >= 0)
        close(w->awake_fd);
    w->awake_fd = -1;
}

/* The "idle" and "awake" locks are open file description locks, not
 * flocks: a responder tests them with F_OFD_GETLK, one call that takes
 * nothing. Testing by taking an exclusive flock and letting go looks, for
 * that instant, like a runner's lock to another responder testing at once
 * (harmless only because the one holding the test lock then wakes or
 * starts a runner, which finds both events). Like flocks, they belong to
 * the open file and go with the process. Whole-file locks; type F_RDLCK or
 * F_UNLCK. 0 or -1 (errno). */
static int ofd_lock(int fd, short type)
{
    struct flock l;

    memset(&l, 0, sizeof(l));
    l.l_type = type;
    l.l_whence = SEEK_SET;
    return fcntl(fd, type == F_UNLCK ? F_OFD_SETLK : F_OFD_SETLKW, &l);
}

/* 1 when some other open file holds a shared lock on fd's file. */
static int shared_held(int fd)
{
    struct flock l;

    if (fd < 0)
        return 0;
    memset(&l, 0, sizeof(l));
    l.l_type = F_WRLCK;
    l.l_whence = SEEK_SET;
    if (fcntl(fd, F_OFD_GETLK, &l) != 0)
        return 0;
    return l.l_type != F_UNLCK;
}

int wake_someone_waiting(struct wake *w)
{
    return shared_held(w->idle_fd);
}

int wake_someone_awake(struct wake *w)
{
    return shared_held(w->awake_fd);
}

int wake_poke(struct wake *w)
{
    for (int tries = 0; tries < 2; tries++) {
        if (w->fifo_fd < 0) {
            w->fifo_fd = open(w->fifo_path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
            if (w->fifo_fd < 0)
                return 0; /* ENXIO: nobody listens */
        }
        if (write(w->fifo_fd, "w", 1) == 1 || errno == EAGAIN)
            return 1;
        /* EPIPE: every listener left since we opened it; open again. */
        close(w->fifo_fd);
        w->fifo_fd = -1;
    }
    return 0;
}

int wake_listen(struct wake *w)
{
    struct epoll_event e;

    if (w->fifo_fd >= 0)
        return 0;
    /* O_RDWR: never at end-of-file when no responder has it open. */
    w->fifo_fd = open(w->fifo_path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (w->fifo_fd < 0) {
        LOG_ERR("cannot open the FIFO %s: %s", w->fifo_path, strerror(errno));
        return -1;
    }
    /* EPOLLEXCLUSIVE: a byte wakes one waiting runner, not all of them
     * (which would each pay a transaction to find the work taken). */
    memset(&e, 0, sizeof(e));
    e.events = EPOLLIN | EPOLLEXCLUSIVE;
    w->ep_fd = epoll_create1(EPOLL_CLOEXEC);
    if (w->ep_fd < 0 || epoll_ctl(w->ep_fd, EPOLL_CTL_ADD, w->fifo_fd, &e) != 0) {
        LOG_ERR("cannot wait on the FIFO %s: %s", w->fifo_path, strerror(errno));
        wake_unlisten(w);
        return -1;
    }
    return 0;
}

void wake_unlisten(struct wake *w)
{
    wake_busy(w);
    if (w->fifo_fd >= 0)
        close(w->fifo_fd);
    w->fifo_fd = -1;
    if (w->ep_fd >= 0)
        close(w->ep_fd);
    w->ep_fd = -1;
}

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int wake_wait(struct wake *w, int timeout_ms)
{
    long long deadline = mono_ms() + timeout_ms;
    char bytes[512];
    int woken = 0;

    if (w->fifo_fd < 0 || w->ep_fd < 0)
        return 0;
    if (!w->idle && ofd_lock(w->idle_fd, F_RDLCK) == 0)
        w->idle = 1;
    /* Should two runners wake for one byte, the one whose read gets it
     * works, the other waits on. */
    while (!woken) {
        struct epoll_event e;
        long long left = deadline - mono_ms();
        if (left <= 0 || epoll_wait(w->ep_fd, &e, 1, (int)left) <= 0)
            break;
        while (read(w->fifo_fd, bytes, sizeof(bytes)) > 0)
            woken = 1;
    }
    if (woken)
        wake_busy(w);
    return woken;
}

/* Lets go of the shared lock on fd that *held says this process holds. */
static void let_go(int fd, int *held)
{
    if (*held && fd >= 0)
        ofd_lock(fd, F_UNLCK);
    *held = 0;
}

void wake_busy(struct wake *w)
{
    if (w != NULL)
        let_go(w->idle_fd, &w->idle);
}

void wake_awake(struct wake *w)
{
    if (w != NULL && !w->awake && w->awake_fd >= 0 && ofd_lock(w->awake_fd, F_RDLCK) == 0)
        w->awake = 1;
}

void wake_asleep(struct wake *w)
{
    if (w != NULL)
        let_go(w->awake_fd, &w->awake);
}

int wake_is_awake(const struct wake *w)
{
    return w != NULL && w->awake;
}

/* The grace timer's state, shared with its signal handler (one runner's
 * wake per process). */
static volatile sig_atomic_t grace_armed, grace_released, grace_unhanded;
static volatile int grace_fd = -1;

static void grace_expired(int sig)
{
    int saved = errno;

    (void)sig;
    if (grace_armed && grace_fd >= 0 && ofd_lock(grace_fd, F_UNLCK) == 0)
        grace_released = grace_unhanded = 1;
    grace_armed = 0;
    errno = saved;
}

static void set_timer_ms(int ms)
{
    struct itimerval t;

    memset(&t, 0, sizeof(t));
    t.it_value.tv_sec = ms / 1000;
    t.it_value.tv_usec = (ms % 1000) * 1000;
    (void)setitimer(ITIMER_REAL, &t, NULL);
}

void wake_grace_begin(struct wake *w)
{
    static int installed;

    if (w == NULL || !w->awake)
        return;
    if (!installed) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = grace_expired;
        sigemptyset(&sa.sa_mask);
        /* Interrupted calls go on; libcurl takes an interrupted poll for
         * one that timed out, and looks again. */
        sa.sa_flags = SA_RESTART;
        if (sigaction(SIGALRM, &sa, NULL) != 0)
            return;
        installed = 1;
    }
    grace_fd = w->awake_fd;
    grace_released = grace_unhanded = 0;
    grace_armed = 1;
    set_timer_ms(WAKE_AWAKE_GRACE_MS);
}

void wake_grace_end(struct wake *w)
{
    if (w == NULL)
        return;
    grace_armed = 0;
    set_timer_ms(0);
    /* Let go by the handler (and perhaps not handed over): awake again,
     * as this runner claims next. */
    grace_unhanded = 0;
    if (grace_released) {
        grace_released = 0;
        w->awake = 0;
        wake_awake(w);
    }
}

int wake_grace_expired(void)
{
    if (!grace_unhanded)
        return 0;
    grace_unhanded = 0;
    return 1;
}
