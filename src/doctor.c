/* doctor: the report, and the checks of this machine's files: the
 * configuration, data_dir (owner, modes, free space, runner log), the
 * runner, the store and stranded work (see include/doctor.h).
 *
 * The store is opened in a child process that takes data_dir's owner as
 * its user when doctor runs as root: a root process opening the
 * environment would create region and log files the web server's user
 * cannot open -- the very fault doctor is there to find. */
#include "doctor.h"

#include "acconfig.h"
#include "log.h"
#include "run.h"
#include "spawn.h"
#include "store.h"
#include "store_admin.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024.0 * 1024.0)
#define DISK_FAIL_BYTES (64.0 * MIB)  /* a few log files no longer fit */
#define DISK_WARN_BYTES (512.0 * MIB) /* or less than DISK_WARN_PERCENT free */
#define DISK_WARN_PERCENT 5.0
#define RUNNER_LOG_WARN_BYTES (100.0 * MIB)
#define OWNER_BAD_MAX 3 /* files named in a line */

void doctor_add(struct doctor_report *r, const char *name, enum doctor_status st, const char *fix,
                const char *fmt, ...)
{
    struct doctor_line *l;
    va_list ap;

    if (r->n == DOCTOR_LINES_MAX)
        return;
    l = &r->lines[r->n++];
    snprintf(l->name, sizeof(l->name), "%s", name);
    l->status = st;
    va_start(ap, fmt);
    vsnprintf(l->message, sizeof(l->message), fmt, ap);
    va_end(ap);
    snprintf(l->fix, sizeof(l->fix), "%s", st != DOCTOR_OK && fix ? fix : "");
}

enum doctor_status doctor_worst(const struct doctor_report *r)
{
    enum doctor_status w = DOCTOR_OK;
    for (int i = 0; i < r->n; i++)
        if (r->lines[i].status > w)
            w = r->lines[i].status;
    return w;
}

const char *doctor_status_name(enum doctor_status st)
{
    return st == DOCTOR_OK ? "ok" : st == DOCTOR_WARN ? "warn" : "fail";
}

/* The user the checks are made for. */
struct who {
    int known;
    char name[64];
    uid_t uid;
    gid_t gid;
    gid_t groups[64];
    int ngroups;
};

static void who_fill(struct who *w, uid_t uid)
{
    struct passwd *pw = getpwuid(uid);

    w->known = 1;
    w->uid = uid;
    w->ngroups = 0;
    if (pw == NULL) {
        snprintf(w->name, sizeof(w->name), "%lu", (unsigned long)uid);
        w->gid = (gid_t)-1;
        return;
    }
    snprintf(w->name, sizeof(w->name), "%s", pw->pw_name);
    w->gid = pw->pw_gid;
    w->ngroups = 64;
    if (getgrouplist(pw->pw_name, pw->pw_gid, w->groups, &w->ngroups) < 0)
        w->ngroups = 0;
}

/* 1 when w may do what (R_OK, W_OK, X_OK: one of them) to st, by its
 * mode bits (root may do anything but execute a file no one may). */
static int user_may(const struct who *w, const struct stat *st, int what)
{
    mode_t u = what == R_OK ? S_IRUSR : what == W_OK ? S_IWUSR : S_IXUSR;
    mode_t g = u >> 3, o = u >> 6;
    int in_group = st->st_gid == w->gid;

    if (w->uid == 0)
        return what != X_OK || S_ISDIR(st->st_mode) ||
               (st->st_mode & (S_IXUSR | S_IXGRP | S_IXOTH));
    if (st->st_uid == w->uid)
        return (st->st_mode & u) != 0;
    for (int i = 0; i < w->ngroups && !in_group; i++)
        in_group = st->st_gid == w->groups[i];
    return (st->st_mode & (in_group ? g : o)) != 0;
}

/* 1 when every directory above path lets w through; else names the first
 * that does not in dir. */
static int path_searchable(const struct who *w, const char *path, char *dir, size_t dirlen)
{
    char p[600];
    struct stat st;

    snprintf(p, sizeof(p), "%s", path);
    for (char *s = strchr(p + 1, '/'); s != NULL; s = strchr(s + 1, '/')) {
        *s = '\0';
        if (stat(p, &st) == 0 && !user_may(w, &st, X_OK)) {
            snprintf(dir, dirlen, "%s", p);
            return 0;
        }
        *s = '/';
    }
    return 1;
}

/* --- data_dir: owner and modes ------------------------------------------- */

struct tree_scan {
    const struct who *w;
    char bad_owner[OWNER_BAD_MAX][600];
    int n_bad_owner;
    char bad_mode[OWNER_BAD_MAX][640];
    int n_bad_mode;
};

static void note(char list[][640], int *n, const char *fmt, const char *a, unsigned b)
{
    if (*n < OWNER_BAD_MAX)
        snprintf(list[*n], 640, fmt, a, b);
    (*n)++;
}

/* Looks at dir and what it holds, one level of subdirectories deep
 * (data_dir/runners). */
static void scan_tree(struct tree_scan *t, const char *dir, int depth)
{
    char path[1200];
    struct dirent *e;
    struct stat st;
    DIR *d;

    if (lstat(dir, &st) != 0)
        return;
    if (t->w->known && st.st_uid != t->w->uid) {
        if (t->n_bad_owner < OWNER_BAD_MAX)
            snprintf(t->bad_owner[t->n_bad_owner], sizeof(t->bad_owner[0]), "%s", dir);
        t->n_bad_owner++;
    }
    if ((st.st_mode & 077) != 0)
        note(t->bad_mode, &t->n_bad_mode, "%s (%04o)", dir, (unsigned)(st.st_mode & 07777));
    if (!S_ISDIR(st.st_mode) || depth > 1 || (d = opendir(dir)) == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        scan_tree(t, path, depth + 1);
    }
    closedir(d);
}

static void check_owner_modes(const struct config *cfg, const struct doctor_options *o,
                              const struct who *w, const char *how, struct doctor_report *r)
{
    struct tree_scan t;
    char fix[2048];

    memset(&t, 0, sizeof(t));
    t.w = w;
    scan_tree(&t, cfg->data_dir, 0);
    if (!w->known) {
        doctor_add(r, "owner", DOCTOR_WARN,
                   "start the web server, or name its user: incomingctl doctor --user www-data",
                   "cannot tell which user the web server runs FastCGI programs as (%s)", how);
    } else if (t.n_bad_owner > 0) {
        snprintf(fix, sizeof(fix),
                 "chown -R %s: %s (and run incomingctl as %s: sudo -u %s "
                 "incomingctl --conf %s ...)",
                 w->name, cfg->data_dir, w->name, w->name, o->conf_path);
        doctor_add(r, "owner", DOCTOR_FAIL, fix,
                   "%d file%s in data_dir do%s not belong to %s, the web server's user (%s), "
                   "e.g. %s",
                   t.n_bad_owner, t.n_bad_owner == 1 ? "" : "s", t.n_bad_owner == 1 ? "es" : "",
                   w->name, how, t.bad_owner[0]);
    } else {
        doctor_add(r, "owner", DOCTOR_OK, NULL,
                   "data_dir belongs to %s, the web server's user (%s)", w->name, how);
    }
    if (t.n_bad_mode > 0) {
        snprintf(fix, sizeof(fix), "chmod -R go-rwx %s", cfg->data_dir);
        doctor_add(r, "modes", DOCTOR_FAIL, fix,
                   "%d file%s in data_dir can be used by group or others (secrets live there), "
                   "e.g. %s",
                   t.n_bad_mode, t.n_bad_mode == 1 ? "" : "s", t.bad_mode[0]);
    } else {
        doctor_add(r, "modes", DOCTOR_OK, NULL, "directories 0700, files 0600");
    }
}

/* --- the runner ---------------------------------------------------------- */

int doctor_capture(const char *const argv[], char *out, size_t outlen)
{
    int fds[2], status = 0, timed_out = 0;
    size_t n = 0;
    struct pollfd p;
    pid_t pid;
    ssize_t got;

    out[0] = '\0';
    if (pipe2(fds, O_CLOEXEC) != 0)
        return -1;
    pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(fds[1], 1);
        dup2(null, 2);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    p.fd = fds[0];
    p.events = POLLIN;
    /* Reads to the end (a full buffer discards the rest, so the child
     * never blocks on a full pipe). */
    for (;;) {
        char sink[4096];
        char *to = n + 1 < outlen ? out + n : sink;
        size_t room = n + 1 < outlen ? outlen - 1 - n : sizeof(sink);
        if (poll(&p, 1, DOCTOR_CAPTURE_SECONDS * 1000) <= 0) {
            timed_out = 1; /* silent too long (or poll failed) */
            break;
        }
        got = read(fds[0], to, room);
        if (got <= 0)
            break; /* the end: it exited or closed its output */
        if (to != sink)
            n += (size_t)got;
    }
    out[n] = '\0';
    close(fds[0]);
    if (timed_out)
        kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    if (timed_out)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Runs path --version; out gets its first line. */
static int run_version(const char *path, char *out, size_t outlen)
{
    const char *argv[] = {path, "--version", NULL};
    int rc;

    if (strchr(path, '/') == NULL)
        return -1; /* runner_path is absolute; never searched in PATH */
    rc = doctor_capture(argv, out, outlen);
    out[strcspn(out, "\n")] = '\0';
    return rc;
}

static void check_runner(const struct config *cfg, const struct who *w, struct doctor_report *r)
{
    static const char expect[] = "incoming-runner " PACKAGE_VERSION;
    char version[200], dir[600], fix[700];
    struct stat st;
    int rc;

    snprintf(fix, sizeof(fix),
             "point runner_path in %s at the incoming-runner installed with "
             "this incomingctl (make install puts it in " LIBEXECDIR "/incoming/)",
             cfg->path[0] ? cfg->path : "the configuration");
    if (stat(cfg->runner_path, &st) != 0 || !S_ISREG(st.st_mode)) {
        doctor_add(r, "runner", DOCTOR_FAIL, fix, "runner_path %s: %s", cfg->runner_path,
                   errno == 0 || S_ISREG(st.st_mode) ? "not a file" : strerror(errno));
        return;
    }
    if (w->known &&
        (!user_may(w, &st, X_OK) || !path_searchable(w, cfg->runner_path, dir, sizeof(dir)))) {
        char why[2048];
        if (!user_may(w, &st, X_OK))
            snprintf(why, sizeof(why), "chmod 755 %s", cfg->runner_path);
        else
            snprintf(why, sizeof(why),
                     "install the runner where %s can reach it (%s is closed "
                     "to it), or chmod o+x %s",
                     w->name, dir, dir);
        doctor_add(r, "runner", DOCTOR_FAIL, why, "runner_path %s cannot be executed by %s",
                   cfg->runner_path, w->name);
        return;
    }
    if (access(cfg->runner_path, X_OK) != 0) {
        doctor_add(r, "runner", DOCTOR_FAIL, fix, "runner_path %s is not executable",
                   cfg->runner_path);
        return;
    }
    rc = run_version(cfg->runner_path, version, sizeof(version));
    if (rc == 0 && strcmp(version, expect) == 0)
        doctor_add(r, "runner", DOCTOR_OK, NULL, "%s is %s", cfg->runner_path, version);
    else if (rc == 0 && strncmp(version, "incoming-runner ", 16) == 0)
        doctor_add(r, "runner", DOCTOR_FAIL, fix,
                   "%s is %s, this incomingctl is %s: a runner of another build", cfg->runner_path,
                   version + 16, PACKAGE_VERSION);
    else
        doctor_add(r, "runner", DOCTOR_FAIL, fix,
                   "%s does not report its version (%s): not an incoming-runner, or one older "
                   "than this incomingctl",
                   cfg->runner_path, rc < 0 ? "it did not finish" : "exit status");
}

/* --- the store, in a child with data_dir's owner as its user -------------- */

struct store_probe {
    int open_rc;
    char err[512];
    int verify_rc, problems;
    char first_problem[300];
    int gauges_rc;
    struct run_gauges g;
    int runners;
};

static void probe_store(const struct config *cfg, struct store_probe *p)
{
    struct store *s = NULL;
    struct spawn_slots slots;
    struct buf report;
    struct timespec ts;

    memset(p, 0, sizeof(*p));
    /* What goes wrong is in the report; Berkeley DB's own complaints about
     * a damaged file would bury it. */
    log_set_level(LOG_LVL_ERROR);
    p->open_rc = store_open(cfg, 0, &s, p->err, sizeof(p->err));
    if (p->open_rc != STORE_OK)
        return;
    buf_init(&report, 1u << 20);
    p->verify_rc = store_admin_verify(s, &report, &p->problems);
    for (const char *l = buf_str(&report); *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : "") {
        if (strncmp(l, "ok", 2) != 0) {
            snprintf(p->first_problem, sizeof(p->first_problem), "%.*s", (int)strcspn(l, "\n"), l);
            break;
        }
    }
    buf_free(&report);
    clock_gettime(CLOCK_REALTIME, &ts);
    p->gauges_rc = run_gauges(s, (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, &p->g);
    if (spawn_slots_open(cfg, &slots) == 0) {
        p->runners = spawn_slots_busy(&slots);
        spawn_slots_close(&slots);
    }
    store_close(s);
}

/* Runs probe_store in a child (as data_dir's owner when this is root).
 * Returns 0, or -1 with p->err set. */
static int probe_store_as_owner(const struct config *cfg, struct store_probe *p)
{
    struct stat st;
    int fds[2], status;
    size_t got = 0;
    pid_t pid;

    memset(p, 0, sizeof(*p));
    if (stat(cfg->data_dir, &st) != 0 || pipe2(fds, O_CLOEXEC) != 0 || (pid = fork()) < 0) {
        snprintf(p->err, sizeof(p->err), "cannot start the check: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        struct store_probe out;
        close(fds[0]);
        if (geteuid() == 0 && st.st_uid != 0 &&
            (setgroups(0, NULL) != 0 || setgid(st.st_gid) != 0 || setuid(st.st_uid) != 0))
            _exit(3);
        probe_store(cfg, &out);
        _exit(write(fds[1], &out, sizeof(out)) == (ssize_t)sizeof(out) ? 0 : 4);
    }
    close(fds[1]);
    while (got < sizeof(*p)) {
        ssize_t n = read(fds[0], (char *)p + got, sizeof(*p) - got);
        if (n <= 0 && !(n < 0 && errno == EINTR))
            break;
        got += n > 0 ? (size_t)n : 0;
    }
    close(fds[0]);
    waitpid(pid, &status, 0);
    if (got != sizeof(*p)) {
        snprintf(p->err, sizeof(p->err), "the check stopped (exit status %d)",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return -1;
    }
    return 0;
}

/* 1 when a cron table runs `incomingctl ... drain` for this configuration
 * (naming it with --conf, or with none when it is the default); where
 * names the file. */
static int cron_drain(const char *conf_path, char *where, size_t wherelen)
{
    static const char *dirs[] = {"/etc/cron.d", "/var/spool/cron/crontabs"};
    char path[600], line[2048];
    int found = 0, is_default = strcmp(conf_path, SYSCONFDIR "/incoming.conf") == 0;

    for (int i = -1; i < 2 && !found; i++) {
        DIR *d = i >= 0 ? opendir(dirs[i]) : NULL;
        struct dirent *e = NULL;
        do {
            FILE *f;
            if (i >= 0 && (d == NULL || (e = readdir(d)) == NULL))
                break;
            if (i < 0)
                snprintf(path, sizeof(path), "/etc/crontab");
            else if (e->d_name[0] == '.')
                continue;
            else
                snprintf(path, sizeof(path), "%s/%s", dirs[i], e->d_name);
            if ((f = fopen(path, "re")) == NULL)
                continue;
            while (!found && fgets(line, sizeof(line), f)) {
                const char *p = line + strspn(line, " \t");
                if (*p == '#' || !strstr(p, "incomingctl") || !strstr(p, " drain"))
                    continue;
                found = strstr(p, conf_path) != NULL || (is_default && !strstr(p, "--conf"));
            }
            fclose(f);
            if (found)
                snprintf(where, wherelen, "%s", path);
        } while (i >= 0 && !found);
        if (d)
            closedir(d);
    }
    return found;
}

static void check_drain(const struct config *cfg, const struct doctor_options *o,
                        const struct who *w, const struct store_probe *p, struct doctor_report *r)
{
    char fix[900], where[600] = "";
    struct timespec ts;
    long long now, age;
    int cron = cron_drain(o->conf_path, where, sizeof(where));

    clock_gettime(CLOCK_REALTIME, &ts);
    now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    age = p->g.due > 0 ? (now - p->g.oldest_due_ms) / 1000 : 0;
    snprintf(fix, sizeof(fix),
             "run drain from cron every minute: put '* * * * * %s incomingctl --conf %s drain' in "
             "/etc/cron.d/incoming (or the same without the user in "
             "'crontab -e' as that user)",
             w->known ? w->name : "www-data", o->conf_path);
    if (p->g.due > 0 && age > o->stale_after && p->runners == 0) {
        if (cron)
            doctor_add(r, "drain", DOCTOR_WARN,
                       "check that cron runs (systemctl status cron) and that the job's user "
                       "owns data_dir; incomingctl drain runs the work by hand",
                       "%ld run%s due for %lld s with no runner, although %s runs drain", p->g.due,
                       p->g.due == 1 ? "" : "s", age, where);
        else
            doctor_add(r, "drain", DOCTOR_FAIL, fix,
                       "%ld run%s due for %lld s (%ld of them retries) with no runner and no "
                       "cron job running incomingctl drain: they wait for the next request",
                       p->g.due, p->g.due == 1 ? "" : "s", age, p->g.retries_due);
    } else if (p->g.waiting > 0 && !cron) {
        doctor_add(r, "drain", DOCTOR_WARN, fix,
                   "%ld run%s wait%s out a retry backoff and no cron job runs incomingctl "
                   "drain: without traffic they start only with the next request",
                   p->g.waiting, p->g.waiting == 1 ? "" : "s", p->g.waiting == 1 ? "s" : "");
    } else {
        doctor_add(r, "drain", DOCTOR_OK, NULL, "%ld run%s due, %ld waiting, %d runner%s; %s",
                   p->g.due, p->g.due == 1 ? "" : "s", p->g.waiting, p->runners,
                   p->runners == 1 ? "" : "s",
                   cron ? "cron runs incomingctl drain" : "no cron job runs incomingctl drain");
    }
    (void)cfg;
}

static void check_store(const struct config *cfg, const struct doctor_options *o,
                        const struct who *w, struct doctor_report *r)
{
    struct store_probe p;
    char fix[700];

    if (probe_store_as_owner(cfg, &p) != 0 || p.open_rc != STORE_OK) {
        snprintf(fix, sizeof(fix),
                 "run incomingctl --conf %s init as the web server's user, "
                 "or look at the lines above",
                 o->conf_path);
        doctor_add(r, "store", DOCTOR_FAIL, fix, "the environment does not open: %s", p.err);
        return;
    }
    if (p.verify_rc != STORE_OK) {
        snprintf(fix, sizeof(fix),
                 "stop the web server and run incomingctl --conf %s verify; "
                 "restore the last backup (incomingctl backup) if it still fails",
                 o->conf_path);
        doctor_add(r, "store", DOCTOR_FAIL, fix, "verify found %d problem%s: %s", p.problems,
                   p.problems == 1 ? "" : "s", p.first_problem);
    } else {
        doctor_add(r, "store", DOCTOR_OK, NULL, "the environment opens and verify passes");
    }
    if (p.gauges_rc == STORE_OK)
        check_drain(cfg, o, w, &p, r);
}

/* --- disk and runner log -------------------------------------------------- */

static void check_disk(const struct config *cfg, struct doctor_report *r)
{
    struct statvfs v;
    double free_b, pct;
    char fix[700];

    if (statvfs(cfg->data_dir, &v) != 0) {
        doctor_add(r, "disk", DOCTOR_WARN, NULL, "cannot read free space: %s", strerror(errno));
        return;
    }
    free_b = (double)v.f_bavail * (double)v.f_frsize;
    pct = v.f_blocks ? 100.0 * (double)v.f_bavail / (double)v.f_blocks : 100.0;
    snprintf(fix, sizeof(fix),
             "free space on the file system of %s (incomingctl purge removes "
             "old events; lower event_retention_days)",
             cfg->data_dir);
    if (free_b < DISK_FAIL_BYTES)
        doctor_add(r, "disk", DOCTOR_FAIL, fix,
                   "%.1f MiB free on data_dir's file system: new log files will not fit",
                   free_b / MIB);
    else if (free_b < DISK_WARN_BYTES || pct < DISK_WARN_PERCENT)
        doctor_add(r, "disk", DOCTOR_WARN, fix, "%.0f MiB (%.1f%%) free on data_dir's file system",
                   free_b / MIB, pct);
    else
        doctor_add(r, "disk", DOCTOR_OK, NULL, "%.0f MiB (%.0f%%) free", free_b / MIB, pct);
}

static void check_runner_log(const struct config *cfg, struct doctor_report *r)
{
    char path[600], fix[2048];
    struct stat st;

    snprintf(path, sizeof(path), "%s/runner.log", cfg->data_dir);
    if (stat(path, &st) != 0) {
        doctor_add(r, "runner_log", DOCTOR_OK, NULL, "no runner.log yet");
        return;
    }
    snprintf(fix, sizeof(fix),
             "rotate it: a logrotate entry for %s with copytruncate, or empty it "
             "now with ': > %s'",
             path, path);
    if ((double)st.st_size > RUNNER_LOG_WARN_BYTES)
        doctor_add(r, "runner_log", DOCTOR_WARN, fix, "%s is %.0f MiB", path,
                   (double)st.st_size / MIB);
    else
        doctor_add(r, "runner_log", DOCTOR_OK, NULL, "runner.log is %.1f MiB",
                   (double)st.st_size / MIB);
}

/* --- all of it ------------------------------------------------------------ */

void doctor_run(const struct config *cfg, const struct doctor_options *o, struct doctor_report *r)
{
    struct who w;
    struct stat st;
    char how[200], name[64], fix[700];
    uid_t uid;

    memset(r, 0, sizeof(*r));
    memset(&w, 0, sizeof(w));
    if (o->conf_error) {
        doctor_add(r, "config", DOCTOR_FAIL,
                   "correct the line named (README, section Configuration, lists every key); "
                   "the other checks need a configuration that loads",
                   "%s", o->conf_error);
        return;
    }
    doctor_add(r, "config", DOCTOR_OK, NULL, "%s loads",
               cfg->path[0] ? cfg->path : "(no file: defaults)");
    if (o->user) {
        struct passwd *pw = getpwnam(o->user);
        if (pw == NULL) {
            doctor_add(r, "owner", DOCTOR_FAIL, "name an existing user with --user",
                       "no user named %s", o->user);
            return;
        }
        who_fill(&w, pw->pw_uid);
        snprintf(how, sizeof(how), "--user");
    } else if (doctor_find_web_user(o->conf_path, name, sizeof(name), &uid, how, sizeof(how)) ==
               0) {
        who_fill(&w, uid);
    }
    if (stat(cfg->data_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        if (w.known && w.uid != 0)
            snprintf(fix, sizeof(fix), "sudo -u %s incomingctl --conf %s init", w.name,
                     o->conf_path);
        else
            snprintf(fix, sizeof(fix), "incomingctl --conf %s init, as the web server's user",
                     o->conf_path);
        doctor_add(r, "data_dir", DOCTOR_FAIL, fix, "data_dir %s %s", cfg->data_dir,
                   stat(cfg->data_dir, &st) != 0 ? "does not exist" : "is not a directory");
    } else {
        doctor_add(r, "data_dir", DOCTOR_OK, NULL, "%s", cfg->data_dir);
        check_owner_modes(cfg, o, &w, how, r);
    }
    check_runner(cfg, &w, r);
    if (stat(cfg->data_dir, &st) == 0 && S_ISDIR(st.st_mode))
        check_store(cfg, o, &w, r);
    if (!o->no_http)
        doctor_check_http(cfg, o, r);
    doctor_check_web(cfg, o, r);
    if (stat(cfg->data_dir, &st) == 0 && S_ISDIR(st.st_mode)) {
        check_disk(cfg, r);
        check_runner_log(cfg, r);
    }
}
