/* doctor: `incomingctl doctor`, the first thing to run when something is
 * wrong. Each check of a deployment gives one line -- ok, warn or fail --
 * with what it found and, unless ok, the fix:
 *
 *   config        the configuration file parses
 *   data_dir      data_dir exists and is a directory
 *   owner         data_dir and every file in it belong to the user the web
 *                 server runs FastCGI programs as (--user, or found from the
 *                 running responders or web server)
 *   modes         directories 0700, files 0600 (nothing for group or others)
 *   runner        runner_path is executable (by that user) and reports this
 *                 incomingctl's version
 *   store         the environment opens and verify passes
 *   healthz       GET public_base_url/healthz answers 200 from a responder of
 *                 this data_dir (its dataDirId)
 *   authorization an Authorization header reaches the responder (Apache
 *                 hides it without CGIPassAuth)
 *   web_config    the web server's configuration (or a site's .htaccess)
 *                 routes to incoming.fcgi
 *   web_modules   the modules that configuration needs are loaded
 *   disk          free space on data_dir's file system
 *   runner_log    the size of data_dir/runner.log
 *   drain         no due run waits longer than it should with no runner and
 *                 no cron job running `incomingctl drain`
 *
 * Worst line decides: exit status 1 when a line says fail, 0 otherwise (a
 * warning is worth reading but does not stop a deployment from working).
 * Split in two: doctor.c (the report and the checks of this machine's
 * files) and doctor_web.c (the web server, its user, HTTP). */
#ifndef INCOMING_DOCTOR_H
#define INCOMING_DOCTOR_H

#include <stddef.h>
#include <sys/types.h>

#include "config.h"

enum doctor_status { DOCTOR_OK = 0, DOCTOR_WARN = 1, DOCTOR_FAIL = 2 };

#define DOCTOR_LINES_MAX 24

struct doctor_line {
    char name[24];
    enum doctor_status status;
    char message[600];
    char fix[600]; /* "" for ok lines */
};

struct doctor_report {
    struct doctor_line lines[DOCTOR_LINES_MAX];
    int n;
};

/* What the operator said on the command line. */
struct doctor_options {
    const char *conf_path;  /* the configuration file checked (for messages, fixes) */
    const char *conf_error; /* why it did not load, or NULL */
    const char *user;       /* --user, or NULL: find it */
    const char *web_conf;   /* --web-conf, or NULL: look in /etc/apache2, /etc/lighttpd */
    const char *site;       /* --site DIR (a deploy-site web directory), or NULL */
    int no_http;            /* --no-http: skip healthz and authorization */
    long stale_after;       /* seconds a due run may wait before drain complains */
};

/* Adds a line. fix may be NULL. */
void doctor_add(struct doctor_report *r, const char *name, enum doctor_status st, const char *fix,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The worst status of the report. */
enum doctor_status doctor_worst(const struct doctor_report *r);
/* "ok", "warn", "fail". */
const char *doctor_status_name(enum doctor_status st);

/* Runs every check (cfg: the loaded configuration; unused when
 * o->conf_error is set). */
void doctor_run(const struct config *cfg, const struct doctor_options *o, struct doctor_report *r);

/* Runs argv (argv[0] searched in PATH) with stdin and stderr on /dev/null
 * and its stdout into out (cut at outlen - 1, NUL-terminated), killing it
 * after DOCTOR_CAPTURE_SECONDS without output. Returns its exit status, or
 * -1 when it could not run, was killed or died of a signal. */
#define DOCTOR_CAPTURE_SECONDS 10
int doctor_capture(const char *const argv[], char *out, size_t outlen);

/* doctor_web.c: the user the web server runs FastCGI programs as: the
 * owner of running incoming.fcgi processes (those started with conf_path
 * first), else of the web server's unprivileged processes. Writes the
 * name and uid and returns 0, or returns -1 when none runs. how: a few
 * words on where it was found. */
int doctor_find_web_user(const char *conf_path, char *name, size_t namelen, uid_t *uid, char *how,
                         size_t howlen);
/* doctor_web.c: healthz, authorization, web_config, web_modules. */
void doctor_check_http(const struct config *cfg, const struct doctor_options *o,
                       struct doctor_report *r);
void doctor_check_web(const struct config *cfg, const struct doctor_options *o,
                      struct doctor_report *r);

#endif
