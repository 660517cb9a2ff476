/* incomingctl deploy-site: incoming in a web directory of a shared host,
 * without root (SPEC section 11, issue 13 item 3).
 *
 * The web directory gets two files: .htaccess (from fcgi-bin/htaccess.in,
 * compiled in) and incoming.fcgi, a two-line shell script that names the
 * configuration and execs the installed responder. Everything else -- the
 * configuration and data_dir -- stays outside the web root, where no URL
 * reaches it; a data_dir inside the web directory is refused. The script
 * rather than a copy of the program, because a shared host's suexec passes
 * a CGI program only a fixed list of variables (so SetEnv INCOMING_CONF in
 * .htaccess never arrives), mod_fcgid's FcgidInitialEnv is not allowed in
 * .htaccess, and a copy would stay behind when the installed runner is
 * upgraded. exec keeps the process (and under mod_fcgid its listening
 * socket on fd 0), so the responder is the one the web server started.
 *
 * Running it again keeps the configuration and the data, rewrites the two
 * files, and refuses options that disagree with the configuration it finds
 * (edit incoming.conf instead). Files in the directory that it did not
 * write are never overwritten. */
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* fcgi-bin/htaccess.in, compiled in (src/htaccess_template.c, generated). */
extern const char site_htaccess_template[];

#define MARK "incomingctl deploy-site" /* in the first lines of what we write */

/* A base path is "" or "/a/b": URL path characters only, no "." or ".."
 * segment, no empty segment; trailing slashes are dropped ("/" is ""). */
static int check_base_path(const char *in, char *out, size_t outlen)
{
    size_t n = strlen(in);

    while (n > 0 && in[n - 1] == '/') /* "/hooks/" is "/hooks", "/" is "" */
        n--;
    if (n >= outlen)
        return -1;
    if (n > 0 && in[0] != '/')
        return -1;
    for (size_t i = 0; i < n; i++) {
        char ch = in[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              strchr("/-._~", ch) != NULL))
            return -1;
        if (ch == '/' &&
            (in[i + 1] == '/' ||
             (in[i + 1] == '.' && (in[i + 2] == '/' || in[i + 2] == '\0' ||
                                   (in[i + 2] == '.' && (in[i + 3] == '/' || in[i + 3] == '\0'))))))
            return -1;
    }
    memcpy(out, in, n);
    out[n] = '\0';
    return 0;
}

/* The absolute, symlink-free form of path, which need not exist yet: the
 * longest existing prefix goes through realpath, the rest is appended (a
 * "." or ".." in the rest is refused). Returns 0 or -1. */
static int resolve(const char *path, char *out, size_t outlen)
{
    char head[PATH_MAX], real[PATH_MAX], rest[PATH_MAX] = "";
    char *slash;

    if (path[0] == '\0' || strlen(path) >= sizeof(head))
        return -1;
    if (path[0] == '/') {
        snprintf(head, sizeof(head), "%s", path);
    } else {
        char cwd[PATH_MAX];
        if (getcwd(cwd, sizeof(cwd)) == NULL ||
            (size_t)snprintf(head, sizeof(head), "%s/%s", cwd, path) >= sizeof(head))
            return -1;
    }
    while (realpath(head, real) == NULL) {
        char tmp[PATH_MAX];
        if (errno != ENOENT)
            return -1;
        slash = strrchr(head, '/');
        if (slash == NULL || slash == head)
            return -1;
        if (strcmp(slash + 1, ".") == 0 || strcmp(slash + 1, "..") == 0)
            return -1;
        if ((size_t)snprintf(tmp, sizeof(tmp), "%s%s", slash, rest) >= sizeof(tmp))
            return -1;
        memcpy(rest, tmp, sizeof(rest));
        *slash = '\0';
    }
    if ((size_t)snprintf(out, outlen, "%s%s", strcmp(real, "/") == 0 ? "" : real, rest) >= outlen)
        return -1;
    return 0;
}

/* 1 when path is dir or lies below it (both resolved). */
static int is_inside(const char *path, const char *dir)
{
    size_t n = strlen(dir);

    if (strcmp(dir, "/") == 0)
        return 1;
    return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* 1 when s can stand between single quotes in a shell script and on a
 * line of incoming.conf. */
static int plain_path(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == '\'' || *s == 0x7f)
            return 0;
    return 1;
}

/* 0: path does not exist; 1: it holds MARK near its start (we wrote it);
 * -1: something else is there. */
static int written_by_us(const char *path)
{
    char head[512];
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    n = read(fd, head, sizeof(head) - 1);
    close(fd);
    if (n < 0)
        return -1;
    head[n] = '\0';
    return strstr(head, MARK) != NULL ? 1 : -1;
}

/* Writes data to path through a temporary file renamed over it. */
static int write_file(const char *path, const char *data, mode_t mode)
{
    char tmp[PATH_MAX + 16];
    size_t len = strlen(data), off = 0;
    int fd, rc = -1;

    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp%d", path, (int)getpid()) >= sizeof(tmp))
        return ctl_fail("%s: path too long", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return ctl_fail("cannot write %s: %s", tmp, strerror(errno));
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto out;
        off += (size_t)n;
    }
    if (fchmod(fd, mode) != 0 || fsync(fd) != 0)
        goto out;
    rc = 0;
out:
    if (close(fd) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1;
    if (rc != 0) {
        int e = errno;
        unlink(tmp);
        return ctl_fail("cannot write %s: %s", path, strerror(e));
    }
    return CTL_OK;
}

/* The .htaccess text: the template with @BASE_PATH@ replaced. */
static int htaccess_text(const char *base, struct buf *out)
{
    const char *p = site_htaccess_template, *at;

    while ((at = strstr(p, "@BASE_PATH@")) != NULL) {
        if (buf_append(out, p, (size_t)(at - p)) != BUF_OK || buf_puts(out, base) != BUF_OK)
            return -1;
        p = at + strlen("@BASE_PATH@");
    }
    return buf_puts(out, p) == BUF_OK ? 0 : -1;
}

struct site {
    char dir[PATH_MAX];       /* the web directory, resolved */
    char conf[PATH_MAX];      /* incoming.conf, resolved */
    char base[256];           /* base_path */
    char responder[PATH_MAX]; /* the installed incoming.fcgi */
    int conf_written;         /* 1: written now; 0: kept */
};

/* Creates dir and its missing parents (mode 0700). Returns 0 or -1. */
static int make_dirs(const char *dir)
{
    char p[PATH_MAX];

    if ((size_t)snprintf(p, sizeof(p), "%s", dir) >= sizeof(p))
        return -1;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST)
            return -1;
        *s = '/';
    }
    return mkdir(p, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

/* Writes a new incoming.conf, checked by loading it before it takes its
 * place. */
static int write_conf(struct ctl *c, struct site *s, const char *data_dir, const char *runner,
                      const char *url)
{
    struct buf text;
    char tmp[PATH_MAX + 16], err[1024];
    int rc;

    buf_init(&text, 16384);
    buf_printf(&text,
               "# incoming.conf of the site in %s, written by " MARK ".\n"
               "# Keep it and data_dir outside the web root. Keys: README, Configuration.\n"
               "data_dir = %s\nbase_path = %s\nrunner_path = %s\n",
               s->dir, data_dir, s->base, runner);
    if (url != NULL)
        buf_printf(&text, "public_base_url = %s\n", url);
    snprintf(tmp, sizeof(tmp), "%s.new", s->conf);
    rc = write_file(tmp, buf_str(&text), 0600);
    buf_free(&text);
    if (rc != CTL_OK)
        return rc;
    if (config_load(&c->cfg, tmp, err, sizeof(err)) != 0) {
        unlink(tmp);
        return ctl_fail("%s", err);
    }
    if (rename(tmp, s->conf) != 0) {
        int e = errno;
        unlink(tmp);
        return ctl_fail("cannot write %s: %s", s->conf, strerror(e));
    }
    if (strlen(s->conf) >= sizeof(c->cfg.path))
        return ctl_fail("%s: path too long", s->conf);
    memcpy(c->cfg.path, s->conf, strlen(s->conf) + 1);
    s->conf_written = 1;
    return CTL_OK;
}

/* Loads the configuration there is, or writes one from the options. An
 * option that disagrees with an existing file is refused. */
static int configure(struct ctl *c, struct site *s, const char *data_opt, const char *runner_opt,
                     const char *url)
{
    char data_dir[PATH_MAX], err[1024], conf_dir[PATH_MAX], *slash;
    const char *runner = runner_opt ? runner_opt : LIBEXECDIR "/incoming/incoming-runner";

    if (access(s->conf, F_OK) == 0) {
        if (config_load(&c->cfg, s->conf, err, sizeof(err)) != 0)
            return ctl_fail("%s", err);
        if (strcmp(c->cfg.base_path, s->base) != 0)
            return ctl_fail("%s has base_path = %s, not '%s': pass --base-path %s, or edit it",
                            s->conf, c->cfg.base_path[0] ? c->cfg.base_path : "(empty)", s->base,
                            c->cfg.base_path[0] ? c->cfg.base_path : "/");
        if (data_opt != NULL && (resolve(data_opt, data_dir, sizeof(data_dir)) != 0 ||
                                 strcmp(data_dir, c->cfg.data_dir) != 0))
            return ctl_fail("%s has data_dir = %s, not %s: edit it to move the data", s->conf,
                            c->cfg.data_dir, data_opt);
        if (runner_opt != NULL && strcmp(runner_opt, c->cfg.runner_path) != 0)
            return ctl_fail("%s has runner_path = %s, not %s: edit it", s->conf, c->cfg.runner_path,
                            runner_opt);
        return CTL_OK;
    }
    config_defaults(&c->cfg);
    if (resolve(data_opt ? data_opt : c->cfg.data_dir, data_dir, sizeof(data_dir)) != 0)
        return ctl_fail("data directory %s: cannot resolve the path",
                        data_opt ? data_opt : c->cfg.data_dir);
    if (runner[0] != '/' || access(runner, X_OK) != 0)
        return ctl_fail("no runner at %s (pass --runner with the absolute path of "
                        "incoming-runner)",
                        runner);
    if (!plain_path(data_dir) || !plain_path(runner))
        return ctl_fail("paths with quotes or control characters are not supported");
    if (is_inside(data_dir, s->dir) || is_inside(s->dir, data_dir))
        return ctl_fail("data_dir %s is inside the web directory %s (or holds it): anyone could "
                        "download the events and secrets; pass --data-dir with a directory "
                        "outside the web root",
                        data_dir, s->dir);
    snprintf(conf_dir, sizeof(conf_dir), "%s", s->conf);
    slash = strrchr(conf_dir, '/');
    if (slash != NULL && slash != conf_dir) {
        *slash = '\0';
        if (make_dirs(conf_dir) != 0)
            return ctl_fail("cannot create %s: %s", conf_dir, strerror(errno));
    }
    return write_conf(c, s, data_dir, runner, url);
}

/* Writes incoming.fcgi and .htaccess into the web directory. */
static int install_files(const struct site *s)
{
    char path[PATH_MAX + 32];
    struct buf text;
    int rc;

    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "%s/%s", s->dir, i == 0 ? "incoming.fcgi" : ".htaccess");
        if (written_by_us(path) < 0)
            return ctl_fail("%s is there and was not written by " MARK ": move it away (or "
                            "merge fcgi-bin/htaccess.in into it by hand, see README)",
                            path);
    }
    buf_init(&text, 65536);
    buf_printf(&text,
               "#!/bin/sh\n"
               "# incoming's responder for this directory, written by " MARK ".\n"
               "# The configuration stays outside the web root; exec keeps this\n"
               "# process, so the web server talks to the responder itself.\n"
               "INCOMING_CONF='%s'\nexport INCOMING_CONF\nexec '%s' \"$@\"\n",
               s->conf, s->responder);
    snprintf(path, sizeof(path), "%s/incoming.fcgi", s->dir);
    rc = write_file(path, buf_str(&text), 0755);
    if (rc == CTL_OK) {
        buf_reset(&text);
        if (htaccess_text(s->base, &text) != 0) {
            rc = ctl_fail("out of memory");
        } else {
            snprintf(path, sizeof(path), "%s/.htaccess", s->dir);
            rc = write_file(path, buf_str(&text), 0644);
        }
    }
    buf_free(&text);
    return rc;
}

static int report(struct ctl *c, const struct site *s, int existed)
{
    char self[PATH_MAX], cron[3 * PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    cJSON *doc;
    int rc;

    if (n <= 0)
        snprintf(self, sizeof(self), "incomingctl");
    else
        self[n] = '\0';
    snprintf(cron, sizeof(cron), "* * * * * '%s' --conf '%s' drain >/dev/null", self, s->conf);
    if (!c->json) {
        printf("deployed incoming in %s, served at %s/:\n"
               "  %s/incoming.fcgi  runs %s with INCOMING_CONF=%s\n"
               "  %s/.htaccess      mod_fcgid where it is loaded, else mod_cgi; every path "
               "under %s/ to incoming.fcgi\n"
               "configuration: %s (%s)\n"
               "data directory: %s (%s)\n"
               "Retries come due without traffic only when something drains them: add this "
               "line to your crontab (crontab -e):\n%s\n",
               s->dir, s->base, s->dir, s->responder, s->conf, s->dir, s->base, s->conf,
               s->conf_written ? "written" : "kept", c->cfg.data_dir,
               existed ? "kept" : "initialised", cron);
        if (strcmp(c->cfg.public_base_url, "http://localhost:8080") == 0)
            printf("Set public_base_url in %s to the address senders use (endpoint URLs "
                   "start with it).\n",
                   s->conf);
        return CTL_OK;
    }
    doc = cJSON_CreateObject();
    if (doc == NULL || !cJSON_AddStringToObject(doc, "dir", s->dir) ||
        !cJSON_AddStringToObject(doc, "basePath", s->base) ||
        !cJSON_AddStringToObject(doc, "conf", s->conf) ||
        !cJSON_AddBoolToObject(doc, "confWritten", s->conf_written) ||
        !cJSON_AddStringToObject(doc, "dataDir", c->cfg.data_dir) ||
        !cJSON_AddStringToObject(doc, "responder", s->responder) ||
        !cJSON_AddStringToObject(doc, "crontab", cron)) {
        cJSON_Delete(doc);
        return ctl_fail("out of memory");
    }
    rc = ctl_print_json(doc);
    cJSON_Delete(doc);
    return rc;
}

int ctl_cmd_deploy_site(struct ctl *c, int argc, char **argv)
{
    const char *base = NULL, *data_dir = NULL, *runner = NULL, *responder = NULL, *url = NULL;
    struct ctl_opt opts[] = {{"base-path", &base, NULL}, {"data-dir", &data_dir, NULL},
                             {"runner", &runner, NULL},  {"responder", &responder, NULL},
                             {"public-url", &url, NULL}, {NULL, NULL, NULL}};
    static struct site s;
    char *pos[1], meta[PATH_MAX + 16];
    struct stat st;
    int n, rc, existed;

    rc = ctl_parse(c, "deploy-site", argc, argv, opts, pos, 1, 1, &n);
    if (rc != CTL_OK)
        return rc;
    if (check_base_path(base ? base : "", s.base, sizeof(s.base)) != 0)
        return ctl_usage("deploy-site: --base-path '%.100s' is not a URL path like /hooks", base);
    if (stat(pos[0], &st) != 0 || !S_ISDIR(st.st_mode))
        return ctl_fail("%s is not a directory (create the web directory first)", pos[0]);
    if (resolve(pos[0], s.dir, sizeof(s.dir)) != 0 ||
        resolve(c->conf_path ? c->conf_path : config_default_path(), s.conf, sizeof(s.conf)) != 0)
        return ctl_fail("cannot resolve the web directory or the configuration's path");
    if (is_inside(s.conf, s.dir))
        return ctl_fail("the configuration %s is inside the web directory %s: pass --conf with a "
                        "file outside the web root",
                        s.conf, s.dir);
    snprintf(s.responder, sizeof(s.responder), "%s",
             responder ? responder : LIBEXECDIR "/incoming/incoming.fcgi");
    if (s.responder[0] != '/' || access(s.responder, X_OK) != 0)
        return ctl_fail("no responder at %s (pass --responder with the absolute path of "
                        "incoming.fcgi)",
                        s.responder);
    if (!plain_path(s.responder) || !plain_path(s.conf) || !plain_path(s.dir))
        return ctl_fail("paths with quotes or control characters are not supported");
    rc = configure(c, &s, data_dir, runner, url);
    if (rc != CTL_OK)
        return rc;
    if (is_inside(c->cfg.data_dir, s.dir) || is_inside(s.dir, c->cfg.data_dir))
        return ctl_fail("data_dir %s (in %s) is inside the web directory %s: anyone could "
                        "download the events and secrets; move it outside the web root",
                        c->cfg.data_dir, s.conf, s.dir);
    snprintf(meta, sizeof(meta), "%s/meta.db", c->cfg.data_dir);
    existed = access(meta, F_OK) == 0;
    rc = ctl_store(c, 1);
    if (rc == CTL_OK && chmod(c->cfg.data_dir, 0700) != 0)
        rc = ctl_fail("cannot set mode 0700 on %s: %s", c->cfg.data_dir, strerror(errno));
    if (rc == CTL_OK)
        rc = install_files(&s);
    if (rc != CTL_OK)
        return rc;
    return report(c, &s, existed);
}
