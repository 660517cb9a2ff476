/* log: leveled lines to stderr (or a sink), "ident[pid]: level: func: message".
 * A process whose stderr is a log file of its own (a runner's runner.log) has
 * log_to_file cap that file's size, since no logrotate may be looking after it. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static enum log_level threshold = LOG_LVL_INFO;
static const char *ident = "incoming";
static log_sink_fn sink;
static void *sink_arg;
/* Lines written to stderr while no sink was set, kept for the next sink
 * when log_hold_for_sink asked for it: whole lines, oldest dropped first. */
static int holding;
static char held[4096];
static size_t held_len;
/* The file stderr appends to when log_to_file set one, and its cap. */
static char file_path[1024];
static long long file_max;

void log_set_level(enum log_level level)
{
    threshold = level;
}

void log_set_ident(const char *s)
{
    ident = s;
}

void log_hold_for_sink(void)
{
    holding = 1;
}

/* Hands the held lines to the sink one by one. */
static void flush_held(void)
{
    size_t off = 0;

    while (off < held_len) {
        const char *nl = memchr(held + off, '\n', held_len - off);
        size_t len = nl ? (size_t)(nl - (held + off)) + 1 : held_len - off;
        sink(sink_arg, held + off, len);
        off += len;
    }
    held_len = 0;
}

void log_set_sink(log_sink_fn fn, void *arg)
{
    sink = fn;
    sink_arg = arg;
    if (sink != NULL && held_len > 0)
        flush_held();
}

/* Keeps line (len bytes, newline included) for the next sink. */
static void hold(const char *line, size_t len)
{
    if (len > sizeof(held))
        return;
    while (held_len + len > sizeof(held)) {
        const char *nl = memchr(held, '\n', held_len);
        size_t drop = nl ? (size_t)(nl - held) + 1 : held_len;
        memmove(held, held + drop, held_len - drop);
        held_len -= drop;
    }
    memcpy(held + held_len, line, len);
    held_len += len;
}

/* Opens file_path and puts it on stderr. */
static int reopen_file(void)
{
    int fd = open(file_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);

    if (fd < 0)
        return -1;
    if (fd != STDERR_FILENO) {
        if (dup2(fd, STDERR_FILENO) < 0) {
            close(fd);
            return -1;
        }
        close(fd);
    }
    return 0;
}

int log_to_file(const char *path, long long max_bytes)
{
    int n = snprintf(file_path, sizeof(file_path), "%s", path);

    if (n < 0 || (size_t)n >= sizeof(file_path)) {
        file_path[0] = '\0';
        errno = ENAMETOOLONG;
        return -1;
    }
    file_max = max_bytes;
    if (reopen_file() != 0) {
        file_path[0] = '\0';
        return -1;
    }
    return 0;
}

/* After a write to the log file: when it has grown past file_max, renames
 * it to file_path.old and reopens file_path. Under an exclusive flock of
 * the file, and only if file_path is still the file we write to, so that
 * of several processes over the cap at once only the first renames (the
 * others find a new file there and just reopen it). */
static void rotate_if_full(void)
{
    char old[sizeof(file_path) + 4];
    struct stat fst, pst;

    if (fstat(STDERR_FILENO, &fst) != 0 || fst.st_size <= file_max)
        return;
    if (flock(STDERR_FILENO, LOCK_EX) != 0)
        return;
    if (stat(file_path, &pst) == 0 && pst.st_dev == fst.st_dev && pst.st_ino == fst.st_ino) {
        snprintf(old, sizeof(old), "%s.old", file_path);
        if (rename(file_path, old) != 0) {
            flock(STDERR_FILENO, LOCK_UN);
            return;
        }
    }
    flock(STDERR_FILENO, LOCK_UN);
    (void)reopen_file();
}

int log_level_parse(const char *s, enum log_level *out)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

void log_msg(enum log_level level, const char *func, const char *fmt, ...)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    char line[2048];
    char stamp[32];
    struct tm tm;
    time_t now;
    va_list ap;
    int n;

    if (level > threshold)
        return;
    now = time(NULL);
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
    n = snprintf(line, sizeof(line), "%s %s[%ld]: %s: %s: ", stamp, ident, (long)getpid(),
                 names[level], func);
    if (n < 0 || (size_t)n >= sizeof(line))
        return;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    /* One write per line so concurrent processes do not interleave. */
    n = (int)strlen(line);
    if (n < (int)sizeof(line) - 1)
        line[n++] = '\n';
    else
        line[sizeof(line) - 2] = '\n', n = (int)sizeof(line) - 1;
    if (sink != NULL) {
        sink(sink_arg, line, (size_t)n);
        return;
    }
    if (holding)
        hold(line, (size_t)n);
    if (write(STDERR_FILENO, line, (size_t)n) < 0)
        return;
    if (file_path[0] != '\0')
        rotate_if_full();
}

#if defined(__SANITIZE_ADDRESS__)
/* LeakSanitizer: Berkeley DB keeps some handle memory when an environment
 * panics (after a process was killed inside it); that is libdb's, not ours. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libdb-5.3.so\n";
}
#endif
