/* spawn: flock-based runner slots and the double fork. */
#include "spawn.h"

#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int spawn_slots_open(const struct config *cfg, struct spawn_slots *out)
{
    char path[600];

    out->count = 0;
    out->held = -1;
    for (int i = 0; i < 64; i++)
        out->fds[i] = -1;
    snprintf(path, sizeof(path), "%s/runners", cfg->data_dir);
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        LOG_ERR("cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    for (int i = 0; i < cfg->runner_max && i < 64; i++) {
        snprintf(path, sizeof(path), "%s/runners/slot.%d", cfg->data_dir, i);
        out->fds[i] = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (out->fds[i] < 0) {
            LOG_ERR("cannot open %s: %s", path, strerror(errno));
            spawn_slots_close(out);
            return -1;
        }
        out->count = i + 1;
    }
    return 0;
}

void spawn_slots_close(struct spawn_slots *s)
{
    if (s == NULL)
        return;
    for (int i = 0; i < 64; i++) {
        if (s->fds[i] >= 0)
            close(s->fds[i]);
        s->fds[i] = -1;
    }
    s->count = 0;
    s->held = -1;
}

int spawn_slot_free(struct spawn_slots *s)
{
    for (int i = 0; i < s->count; i++) {
        if (i == s->held)
            continue;
        if (flock(s->fds[i], LOCK_EX | LOCK_NB) == 0) {
            flock(s->fds[i], LOCK_UN);
            return 1;
        }
    }
    return 0;
}

int spawn_slots_busy(struct spawn_slots *s)
{
    int busy = 0;
    for (int i = 0; i < s->count; i++) {
        if (i == s->held) {
            busy++;
            continue;
        }
        if (flock(s->fds[i], LOCK_EX | LOCK_NB) == 0)
            flock(s->fds[i], LOCK_UN);
        else
            busy++;
    }
    return busy;
}

int spawn_slot_acquire(struct spawn_slots *s)
{
    if (s->held >= 0)
        return s->held;
    for (int i = 0; i < s->count; i++) {
        if (flock(s->fds[i], LOCK_EX | LOCK_NB) == 0) {
            s->held = i;
            return i;
        }
    }
    return -1;
}

void spawn_slot_release(struct spawn_slots *s)
{
    if (s->held >= 0)
        flock(s->fds[s->held], LOCK_UN);
    s->held = -1;
}

/* Closes every descriptor from 3 up (0-2 are replaced by /dev/null). */
static void close_all_fds(void)
{
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0)
        return;
#endif
    for (int fd = 3; fd < 65536; fd++)
        close(fd);
}

static void child(const char *runner_path, const char *conf_path, const char *event_id)
{
    char *argv[8];
    int i = 0;
    int fd;

    close_all_fds();
    fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        if (fd > 2)
            close(fd);
    }
    if (setsid() < 0)
        _exit(1);
    switch (fork()) {
    case -1:
        _exit(1);
    case 0:
        break;
    default:
        _exit(0);
    }
    argv[i++] = (char *)runner_path;
    if (conf_path && *conf_path) {
        argv[i++] = (char *)"--conf";
        argv[i++] = (char *)conf_path;
    }
    if (event_id && *event_id) {
        argv[i++] = (char *)"--event";
        argv[i++] = (char *)event_id;
    }
    argv[i] = NULL;
    execv(runner_path, argv);
    _exit(127);
}

int spawn_runner(const char *runner_path, const char *conf_path, const char *event_id)
{
    pid_t pid = fork();
    int status;

    if (pid < 0) {
        LOG_ERR("fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0)
        child(runner_path, conf_path, event_id); /* never returns */
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return 0;
}

void spawn_hand_over(const struct config *cfg, struct wake *w, struct spawn_slots *slots,
                     const char *event_id)
{
    int waiting = wake_someone_waiting(w);

    (void)wake_poke(w);
    if (!waiting && spawn_slot_free(slots))
        spawn_runner(cfg->runner_path, cfg->path, event_id);
}
