/* log: one logging function for every process, to stderr (<data_dir>/
 * runner.log for runners, the terminal for incomingctl) or, while one is
 * set, to a sink: the responder sets the FastCGI error stream of the
 * request in hand, which the web server writes to its error log (see
 * src/http.c). Messages carry the function name. Never pass a secret to
 * these macros. */
#ifndef INCOMING_LOG_H
#define INCOMING_LOG_H

#include <stddef.h>

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Sets the threshold; messages above it are dropped. */
void log_set_level(enum log_level level);
/* Parses "error|warn|info|debug"; returns 0 and sets *out, or -1. */
int log_level_parse(const char *s, enum log_level *out);
/* Sets the program name printed in front of every line (borrowed, static). */
void log_set_ident(const char *ident);

/* Receives one whole line, newline included (borrowed for the call). */
typedef void (*log_sink_fn)(void *arg, const char *line, size_t len);
/* Sends lines to fn(arg, ...) instead of stderr; NULL goes back to stderr.
 * Lines held by log_hold_for_sink are handed to fn first. */
void log_set_sink(log_sink_fn fn, void *arg);
/* From now on, lines written to stderr (no sink set) are also kept, the
 * last 4 KiB of them, and handed to the next sink: for a process whose
 * stderr may lead nowhere. */
void log_hold_for_sink(void);

/* Sends lines to the file path (appended, created 0600) through stderr,
 * which becomes that file, and caps its size: a write that leaves it over
 * max_bytes renames it to path.old (replacing an older one) and reopens
 * path, so the two together stay under about twice max_bytes. Processes
 * sharing the file rotate it once between them (flock). For logs no
 * logrotate looks after (runner.log). Returns 0, or -1 with errno set when
 * path cannot be opened (stderr is then unchanged). */
int log_to_file(const char *path, long long max_bytes);

void log_msg(enum log_level level, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define LOG_ERR(...) log_msg(LOG_LVL_ERROR, __func__, __VA_ARGS__)
#define LOG_WARN(...) log_msg(LOG_LVL_WARN, __func__, __VA_ARGS__)
#define LOG_INFO(...) log_msg(LOG_LVL_INFO, __func__, __VA_ARGS__)
#define LOG_DEBUG(...) log_msg(LOG_LVL_DEBUG, __func__, __VA_ARGS__)

#endif
