/* wake: waking lingering runners (see include/wake.h). */
#include "wake.h"

#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int wake_open(struct wake *w, const struct config *cfg)
{
    char dir[600], idle[640];

    memset(w, 0, sizeof(*w));
    w->fifo_fd = -1;
    w->ep_fd = -1;
    w->idle_fd = -1;
    snprintf(dir, sizeof(dir), "%s/runners", cfg->data_dir);
    snprintf(w->fifo_path, sizeof(w->fifo_path), "%s/wake", dir);
    snprintf(idle, sizeof(idle), "%s/idle", dir);
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
    return 0;
}

void wake_close(struct wake *w)
{
    if (w == NULL)
        return;
    wake_unlisten(w);
    if (w->idle_fd >= 0)
        close(w->idle_fd);
    w->idle_fd = -1;
}

int wake_someone_waiting(struct wake *w)
{
    if (w->idle_fd < 0)
        return 0;
    if (flock(w->idle_fd, LOCK_EX | LOCK_NB) == 0) {
        flock(w->idle_fd, LOCK_UN);
        return 0;
    }
    return errno == EWOULDBLOCK;
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
    if (!w->idle && flock(w->idle_fd, LOCK_SH) == 0)
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

void wake_busy(struct wake *w)
{
    if (w != NULL && w->idle && w->idle_fd >= 0)
        flock(w->idle_fd, LOCK_UN);
    if (w != NULL)
        w->idle = 0;
}
