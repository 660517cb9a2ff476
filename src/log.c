/* log: leveled lines to stderr (or a sink), "ident[pid]: level: func: message". */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
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
