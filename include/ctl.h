/* ctl: what the files of incomingctl share: the run context, option
 * parsing, exit codes and output helpers. Commands live in src/ctl_*.c,
 * each `int ctl_cmd_NAME(struct ctl *c, int argc, char **argv)` taking the
 * words after its command name and returning an exit code. Part of the
 * incomingctl program only, not of libincoming. */
#ifndef INCOMING_CTL_H
#define INCOMING_CTL_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "store.h"

/* Exit codes (SPEC section 11). A usage error is anything the command line
 * alone shows to be wrong: an unknown command or option, a missing or extra
 * argument, a value that is not a UUID or not a number in range. */
enum ctl_exit { CTL_OK = 0, CTL_USER = 1, CTL_USAGE = 2 };

struct ctl {
    struct config cfg;
    const char *conf_path; /* --conf, or NULL for the default path */
    int json;              /* --json: one JSON document on stdout */
    struct store *store;   /* opened by ctl_store, closed by main */
    /* Why the configuration did not load: only doctor runs then (it
     * reports it as its first line); NULL when it loaded. */
    const char *conf_error;
};

/* One option of a command: "--name VALUE" (or "--name=VALUE") when value
 * is set, a flag when flag is set. "--json" is always accepted. */
struct ctl_opt {
    const char *name;
    const char **value;
    int *flag;
};

/* Splits argv into options and positionals (at most maxpos, borrowed into
 * pos). Returns CTL_OK, or prints the problem and returns CTL_USAGE. */
int ctl_parse(struct ctl *c, const char *cmd, int argc, char **argv, const struct ctl_opt *opts,
              char **pos, int minpos, int maxpos, int *npos);

/* Prints "incomingctl: MESSAGE" on stderr and returns CTL_USER. */
int ctl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "incomingctl: MESSAGE" and a hint to `incomingctl help`, returns
 * CTL_USAGE. */
int ctl_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Checks that arg is a UUID (what names the argument in the message) and
 * writes its lower-case form. Returns CTL_OK or CTL_USAGE. */
int ctl_parse_id(const char *what, const char *arg, char out[37]);
/* Parses a number option with numparse. Returns CTL_OK or CTL_USAGE. */
int ctl_parse_num(const char *what, const char *arg, long long min, long long max, long long *out);

/* Opens the environment of cfg.data_dir once (create for init). Returns
 * CTL_OK, or prints why and returns CTL_USER. */
int ctl_store(struct ctl *c, int create);

/* Prints doc (pretty, then a newline) on stdout. Returns CTL_OK or CTL_USER
 * when it cannot be printed. doc is borrowed. */
int ctl_print_json(const cJSON *doc);
/* Prints {"items": items[, "next": next]} (next omitted when NULL or ""). */
int ctl_print_page(cJSON *items, const char *next);
/* Writes milliseconds since the epoch as "2024-05-01T12:00:00.123Z". */
void ctl_format_time(long long ms, char *out, size_t outlen);
/* Prints a flattened list [{key, type, value}] (borrowed) as aligned
 * KEY TYPE VALUE columns; long values are cut. */
void ctl_print_flat_table(const cJSON *flat);
/* Reads the file at path ("-": standard input) into out, whose limit caps
 * the size. what names the input in messages. Returns CTL_OK, or prints why
 * and returns CTL_USER. */
int ctl_read_input(const char *what, const char *path, struct buf *out);

/* What `incomingctl drain` did (see src/ctl_drain.c). */
struct ctl_drain_result {
    long planned; /* events turned into runs */
    long runs;    /* runs executed (to success, retry or failure) */
    long failed;  /* runs whose progress could not be saved */
    int all_busy; /* every runner slot was busy: nothing was done here */
    long waiting; /* runs still waiting out a retry backoff afterwards */
};
/* Runs due work in this process within the runner_max slots, as
 * incoming-runner does. Returns CTL_OK, or prints why and returns CTL_USER. */
int ctl_drain(struct ctl *c, struct ctl_drain_result *r);
/* After queueing work: with drain set, runs it now (printing a summary
 * unless --json); otherwise prints a hint on how it will run (unless
 * --json). Returns CTL_OK or CTL_USER. */
int ctl_after_queue(struct ctl *c, int drain, int queued);

/* One page of a collection, as the module's list function gives it (0 on
 * success). */
typedef int (*ctl_page_fn)(struct ctl *c, const char *cursor, int limit, cJSON **items,
                           char next[64]);
/* Prints one item as a table row. */
typedef void (*ctl_row_fn)(const cJSON *item);
/* "CMD [--limit N] [--cursor ID]": one page with --limit, else every page
 * (so the result is complete), printed as {"items", "next"?} with --json or
 * as header plus rows. Each page is printed as it is read, so memory holds
 * one page whatever the size of the collection; a failure half-way leaves
 * what was printed and returns CTL_USER. Returns an exit code. */
int ctl_list(struct ctl *c, const char *cmd, int argc, char **argv, ctl_page_fn page,
             const char *header, ctl_row_fn row);

int ctl_cmd_init(struct ctl *c, int argc, char **argv);
int ctl_cmd_admin_token(struct ctl *c, int argc, char **argv); /* ctl_token.c */
int ctl_cmd_integration(struct ctl *c, int argc, char **argv);
int ctl_cmd_events(struct ctl *c, int argc, char **argv);
int ctl_cmd_verify(struct ctl *c, int argc, char **argv);
int ctl_cmd_backup(struct ctl *c, int argc, char **argv);
int ctl_cmd_apikey(struct ctl *c, int argc, char **argv);
int ctl_cmd_capture(struct ctl *c, int argc, char **argv);
int ctl_cmd_apply(struct ctl *c, int argc, char **argv);
int ctl_cmd_workflow(struct ctl *c, int argc, char **argv);
int ctl_cmd_runs(struct ctl *c, int argc, char **argv);
int ctl_cmd_replay(struct ctl *c, int argc, char **argv);
int ctl_cmd_render(struct ctl *c, int argc, char **argv);
int ctl_cmd_drain(struct ctl *c, int argc, char **argv);
int ctl_cmd_purge(struct ctl *c, int argc, char **argv);
int ctl_cmd_recover(struct ctl *c, int argc, char **argv);
/* Writes the configuration it reads: main runs it before loading any. */
int ctl_cmd_deploy_site(struct ctl *c, int argc, char **argv);
int ctl_cmd_profile(struct ctl *c, int argc, char **argv);
int ctl_cmd_metrics_token(struct ctl *c, int argc, char **argv); /* ctl_token.c */
int ctl_cmd_doctor(struct ctl *c, int argc, char **argv);        /* ctl_doctor.c */

#endif
