/* doctor_web: the checks that look at the web server: the user it runs
 * FastCGI programs as (from /proc), GET /healthz at public_base_url (is it
 * this data_dir's responder, does Authorization reach it), and its
 * configuration and modules (see include/doctor.h). */
#include "doctor.h"

#include "buf.h"
#include "json.h"

#include <ctype.h>
#include <curl/curl.h>
#include <dirent.h>
#include <glob.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define HTTP_TIMEOUT_MS 5000
#define HTTP_BODY_MAX (64 * 1024)
#define MODULES_MAX (64 * 1024)
#define CONF_FILES_MAX 64

/* --- the web server's user ----------------------------------------------- */

/* Reads /proc/PID/NAME (up to outlen - 1 bytes). Returns the length or -1. */
static long proc_read(const char *pid, const char *name, char *out, size_t outlen)
{
    char path[300];
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), "/proc/%s/%s", pid, name);
    if ((f = fopen(path, "re")) == NULL)
        return -1;
    n = fread(out, 1, outlen - 1, f);
    fclose(f);
    out[n] = '\0';
    return (long)n;
}

/* The effective uid of a process, or -1. */
static long proc_euid(const char *pid)
{
    char status[4096];
    const char *u;
    unsigned long real, eff;

    if (proc_read(pid, "status", status, sizeof(status)) < 0 ||
        (u = strstr(status, "\nUid:")) == NULL || sscanf(u + 5, "%lu %lu", &real, &eff) != 2)
        return -1;
    return (long)eff;
}

/* 1 when the process was started with INCOMING_CONF naming conf_path
 * (readable by root or the process's own user only). */
static int proc_uses_conf(const char *pid, const char *conf_path)
{
    char env[32768], real_conf[4096], real_env[4096];
    long n = proc_read(pid, "environ", env, sizeof(env));

    if (n <= 0)
        return 0;
    if (realpath(conf_path, real_conf) == NULL)
        snprintf(real_conf, sizeof(real_conf), "%s", conf_path);
    for (long i = 0; i < n; i += (long)strlen(env + i) + 1) {
        if (strncmp(env + i, "INCOMING_CONF=", 14) != 0)
            continue;
        if (realpath(env + i + 14, real_env) == NULL)
            snprintf(real_env, sizeof(real_env), "%s", env + i + 14);
        return strcmp(real_env, real_conf) == 0;
    }
    return 0;
}

int doctor_find_web_user(const char *conf_path, char *name, size_t namelen, uid_t *uid, char *how,
                         size_t howlen)
{
    /* By preference: a responder of this configuration, any responder, a
     * web server's unprivileged process (Apache's children, lighttpd). */
    long best[4] = {-1, -1, -1, -1};
    char best_pid[4][256] = {"", "", "", ""};
    static const char *what[4] = {"a running incoming.fcgi of this configuration",
                                  "a running incoming.fcgi", "Apache's processes",
                                  "lighttpd's process"};
    struct dirent *e;
    DIR *d = opendir("/proc");
    struct passwd *pw;

    if (d == NULL) {
        snprintf(how, howlen, "no /proc");
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        char comm[64];
        long euid;
        int rank = -1;

        if (!isdigit((unsigned char)e->d_name[0]) ||
            proc_read(e->d_name, "comm", comm, sizeof(comm)) < 0)
            continue;
        comm[strcspn(comm, "\n")] = '\0';
        euid = proc_euid(e->d_name);
        if (euid < 0)
            continue;
        if (strcmp(comm, "incoming.fcgi") == 0)
            rank = proc_uses_conf(e->d_name, conf_path) ? 0 : 1;
        else if ((strcmp(comm, "apache2") == 0 || strcmp(comm, "httpd") == 0) && euid != 0)
            rank = 2;
        else if (strcmp(comm, "lighttpd") == 0)
            rank = 3;
        if (rank >= 0 && best[rank] < 0) {
            best[rank] = euid;
            snprintf(best_pid[rank], sizeof(best_pid[rank]), "%s", e->d_name);
        }
    }
    closedir(d);
    for (int i = 0; i < 4; i++) {
        if (best[i] < 0)
            continue;
        *uid = (uid_t)best[i];
        pw = getpwuid(*uid);
        if (pw)
            snprintf(name, namelen, "%s", pw->pw_name);
        else
            snprintf(name, namelen, "%ld", best[i]);
        snprintf(how, howlen, "the user of %s, pid %s", what[i], best_pid[i]);
        return 0;
    }
    snprintf(how, howlen, "no incoming.fcgi, Apache or lighttpd runs");
    return -1;
}

/* --- GET /healthz ---------------------------------------------------------- */

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    return buf_append(arg, p, size * n) == BUF_OK ? size * n : 0;
}

/* One GET of url. Returns the HTTP status (0 and err when none came). */
static long http_get(const char *url, const char *auth, struct buf *body, char *err, size_t errlen)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *h = NULL;
    long status = 0;
    CURL *c = curl_easy_init();
    CURLcode rc;

    buf_reset(body);
    if (c == NULL) {
        snprintf(err, errlen, "cannot start libcurl");
        return 0;
    }
    if (auth)
        h = curl_slist_append(h, auth);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)HTTP_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)HTTP_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    else
        snprintf(err, errlen, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
    curl_easy_cleanup(c);
    curl_slist_free_all(h);
    return status;
}

/* The fix for a healthz answer other than 200, by status. */
static const char *healthz_fix(long status)
{
    switch (status) {
    case 404:
        return "the web server does not route /healthz to incoming.fcgi: enable the snippet "
               "(see web_config), and match base_path to the URL prefix";
    case 500:
        return "the responder cannot load its configuration: read the web server's error log "
               "(the line names file, line and key)";
    case 503:
        return "the responder cannot open data_dir: see the owner and store lines, and the web "
               "server's error log";
    default:
        return "read the web server's error log";
    }
}

void doctor_check_http(const struct config *cfg, const struct doctor_options *o,
                       struct doctor_report *r)
{
    char url[700], err[CURL_ERROR_SIZE + 64] = "", fix[900], want[64];
    const cJSON *id, *auth;
    struct json_error jerr;
    struct stat st;
    cJSON *doc = NULL;
    struct buf body;
    long status;

    buf_init(&body, HTTP_BODY_MAX);
    snprintf(url, sizeof(url), "%s/healthz?doctor=1", cfg->public_base_url);
    status = http_get(url, NULL, &body, err, sizeof(err));
    if (status == 0) {
        snprintf(fix, sizeof(fix),
                 "start the web server, or set public_base_url in %s to the "
                 "address it serves incoming at",
                 o->conf_path);
        doctor_add(r, "healthz", DOCTOR_FAIL, fix, "no answer from %s: %s", url, err);
        goto out;
    }
    if (status != 200 || json_parse(body.data, body.len, 8, &doc, &jerr) != 0 ||
        !cJSON_IsObject(doc)) {
        doctor_add(r, "healthz", DOCTOR_FAIL, healthz_fix(status), "%s answered %ld%s", url, status,
                   status == 200 ? " with something other than JSON" : "");
        goto out;
    }
    id = json_get(doc, "dataDirId");
    if (stat(cfg->data_dir, &st) != 0)
        memset(&st, 0, sizeof(st));
    snprintf(want, sizeof(want), "%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino);
    if (!cJSON_IsString(id)) {
        doctor_add(r, "healthz", DOCTOR_WARN,
                   "upgrade the responder (incoming.fcgi) to this version; the web server "
                   "starts the new one once the old ones exit",
                   "%s answers but does not say which data_dir it uses (an older responder)", url);
    } else if (strcmp(id->valuestring, want) != 0) {
        snprintf(fix, sizeof(fix),
                 "make the web server start incoming.fcgi with "
                 "INCOMING_CONF=%s (Apache: FcgidInitialEnv; lighttpd: bin-environment), or set "
                 "public_base_url to this deployment's address",
                 o->conf_path);
        doctor_add(r, "healthz", DOCTOR_FAIL, fix,
                   "%s is answered by a responder of another data_dir than %s", url, cfg->data_dir);
    } else {
        doctor_add(r, "healthz", DOCTOR_OK, NULL, "%s answers from this data_dir", url);
    }
    /* Only a header's presence is reported back, never its value. */
    cJSON_Delete(doc);
    doc = NULL;
    status = http_get(url, "Authorization: Bearer incoming-doctor-probe", &body, err, sizeof(err));
    if (status != 200 || json_parse(body.data, body.len, 8, &doc, &jerr) != 0) {
        doctor_add(r, "authorization", DOCTOR_FAIL, healthz_fix(status),
                   "%s answered %ld to a request with Authorization", url, status);
        goto out;
    }
    auth = json_get(doc, "authorization");
    if (!cJSON_IsBool(auth))
        doctor_add(r, "authorization", DOCTOR_WARN,
                   "upgrade the responder (incoming.fcgi) to this version",
                   "the responder does not say whether Authorization reaches it (an older one)");
    else if (cJSON_IsFalse(auth))
        doctor_add(r, "authorization", DOCTOR_FAIL,
                   "Apache hides Authorization from FastCGI and CGI programs: put 'CGIPassAuth On' "
                   "in the snippet's <LocationMatch> (or the site's .htaccess); JWT integrations, "
                   "/v4/events/custom, /metrics and the admin API need it",
                   "an Authorization header sent to %s did not reach the responder", url);
    else
        doctor_add(r, "authorization", DOCTOR_OK, NULL, "Authorization reaches the responder");
out:
    cJSON_Delete(doc);
    buf_free(&body);
}

/* --- the web server's configuration and modules --------------------------- */

/* Appends the file at path to out (whatever fits). Returns 0, or -1. */
static int slurp(const char *path, struct buf *out)
{
    char chunk[8192];
    size_t n;
    FILE *f = fopen(path, "re");

    if (f == NULL)
        return -1;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (buf_append(out, chunk, n) != BUF_OK)
            break;
    fclose(f);
    buf_putc(out, '\n');
    return 0;
}

/* The Apache files named by Include/IncludeOptional lines of text
 * (relative names from root), appended to out. */
static void apache_includes(const char *text, const char *root, struct buf *out, int *files)
{
    char *copy = strdup(text), *save = NULL;

    for (char *line = copy ? strtok_r(copy, "\n", &save) : NULL;
         line != NULL && *files < CONF_FILES_MAX; line = strtok_r(NULL, "\n", &save)) {
        char pat[1200], *arg;
        size_t len;
        glob_t g;

        line += strspn(line, " \t");
        if (strncasecmp(line, "Include", 7) != 0)
            continue;
        arg = line + strcspn(line, " \t");
        if ((size_t)(arg - line) != 7 && strncasecmp(line, "IncludeOptional", 15) != 0)
            continue;
        arg += strspn(arg, " \t\"");
        len = strcspn(arg, "\"\r");
        while (len > 0 && (arg[len - 1] == ' ' || arg[len - 1] == '\t'))
            len--;
        arg[len] = '\0';
        if (len == 0)
            continue;
        snprintf(pat, sizeof(pat), "%s%s%s", arg[0] == '/' ? "" : root, arg[0] == '/' ? "" : "/",
                 arg);
        if (glob(pat, 0, NULL, &g) != 0)
            continue;
        for (size_t i = 0; i < g.gl_pathc && *files < CONF_FILES_MAX; i++)
            if (slurp(g.gl_pathv[i], out) == 0)
                (*files)++;
        globfree(&g);
    }
    free(copy);
}

/* The value of a "ServerRoot" line of text, or dflt. */
static void server_root(const char *text, const char *dflt, char *out, size_t outlen)
{
    const char *p = strstr(text, "\nServerRoot ");

    snprintf(out, outlen, "%s", dflt);
    if (p == NULL && strncmp(text, "ServerRoot ", 11) == 0)
        p = text - 1;
    if (p == NULL)
        return;
    p += 12;
    p += strspn(p, " \t\"");
    snprintf(out, outlen, "%.*s", (int)strcspn(p, "\"\r\n"), p);
}

static int has_module(const char *list, const char *name)
{
    const char *p = list;
    size_t len = strlen(name);

    while ((p = strstr(p, name)) != NULL) {
        if ((p == list || !isalnum((unsigned char)p[-1])) && !isalnum((unsigned char)p[len]) &&
            p[len] != '_')
            return 1;
        p += len;
    }
    return 0;
}

/* Apache: the configuration found (text of the file and its includes) and
 * the modules of `apache2 -f FILE -M` (or apache2ctl -M for the system's). */
static void check_apache(const char *file, const char *text, int system_conf,
                         struct doctor_report *r)
{
    const char *sys_argv[] = {"apache2ctl", "-M", NULL};
    const char *file_argv[] = {"apache2", "-f", file, "-t", "-D", "DUMP_MODULES", NULL};
    char *mods = malloc(MODULES_MAX);
    const char *missing = NULL;
    int rc;

    if (mods == NULL)
        return;
    rc = doctor_capture(system_conf ? sys_argv : file_argv, mods, MODULES_MAX);
    if (rc != 0 && !strstr(mods, "_module")) {
        /* Debian keeps apache2 in /usr/sbin, which a user's PATH may lack. */
        file_argv[0] = "/usr/sbin/apache2";
        sys_argv[0] = "/usr/sbin/apache2ctl";
        rc = doctor_capture(system_conf ? sys_argv : file_argv, mods, MODULES_MAX);
    }
    if (rc != 0 && !strstr(mods, "_module")) {
        doctor_add(r, "web_modules", DOCTOR_WARN,
                   "run apache2ctl -M yourself and look for fcgid_module",
                   "cannot list Apache's modules (apache2%s -M failed)", system_conf ? "ctl" : "");
    } else if (!has_module(mods, "fcgid_module") && !has_module(mods, "cgi_module") &&
               !has_module(mods, "cgid_module")) {
        doctor_add(r, "web_modules", DOCTOR_FAIL,
                   "a2enmod fcgid && systemctl reload apache2 (Debian: apt-get install "
                   "libapache2-mod-fcgid)",
                   "Apache loads neither mod_fcgid nor mod_cgi: nothing runs incoming.fcgi");
    } else {
        if (strstr(text, "AliasMatch") && !has_module(mods, "alias_module"))
            missing = "alias";
        else if (strstr(text, "RewriteRule") && !has_module(mods, "rewrite_module"))
            missing = "rewrite";
        if (missing) {
            char fix[200];
            snprintf(fix, sizeof(fix), "a2enmod %s && systemctl reload apache2", missing);
            doctor_add(r, "web_modules", DOCTOR_FAIL, fix,
                       "the configuration needs mod_%s, which Apache does not load", missing);
        } else {
            doctor_add(r, "web_modules", DOCTOR_OK, NULL, "Apache loads %s",
                       has_module(mods, "fcgid_module") ? "mod_fcgid" : "mod_cgi");
        }
    }
    free(mods);
}

/* lighttpd: `lighttpd -f FILE -p` prints the configuration as parsed. */
static void check_lighttpd(const char *file, struct doctor_report *r)
{
    const char *argv[] = {"lighttpd", "-f", file, "-p", NULL};
    char *text = malloc(MODULES_MAX);
    int rc;

    if (text == NULL)
        return;
    rc = doctor_capture(argv, text, MODULES_MAX);
    if (rc != 0) {
        argv[0] = "/usr/sbin/lighttpd";
        rc = doctor_capture(argv, text, MODULES_MAX);
    }
    if (rc != 0)
        doctor_add(r, "web_config", DOCTOR_FAIL,
                   "run lighttpd -tt -f FILE and correct what it says", "lighttpd cannot parse %s",
                   file);
    else if (!strstr(text, "incoming.fcgi"))
        doctor_add(r, "web_config", DOCTOR_FAIL,
                   "enable the snippet: cp lighttpd-incoming.conf "
                   "/etc/lighttpd/conf-available/50-incoming.conf && lighty-enable-mod incoming",
                   "%s does not route to incoming.fcgi", file);
    else
        doctor_add(r, "web_config", DOCTOR_OK, NULL, "%s routes to incoming.fcgi", file);
    if (rc == 0 && strstr(text, "incoming.fcgi")) {
        if (has_module(text, "mod_fastcgi") || has_module(text, "mod_cgi"))
            doctor_add(r, "web_modules", DOCTOR_OK, NULL, "lighttpd loads %s",
                       has_module(text, "mod_fastcgi") ? "mod_fastcgi" : "mod_cgi");
        else
            doctor_add(r, "web_modules", DOCTOR_FAIL,
                       "add \"mod_fastcgi\" to server.modules (the snippet does)",
                       "lighttpd does not load mod_fastcgi");
    }
    free(text);
}

/* Apache configuration at file (the system's when system_conf). */
static void check_apache_conf(const char *file, int system_conf, struct doctor_report *r)
{
    struct buf text;
    char root[600], dir[600];
    int files = 1;

    buf_init(&text, 4u << 20);
    if (slurp(file, &text) != 0) {
        doctor_add(r, "web_config", DOCTOR_FAIL, "name Apache's configuration file with --web-conf",
                   "cannot read %s", file);
        buf_free(&text);
        return;
    }
    snprintf(dir, sizeof(dir), "%s", file);
    server_root(buf_str(&text), dirname(dir), root, sizeof(root));
    apache_includes(buf_str(&text), root, &text, &files);
    /* The includes of the includes (conf-enabled/ under apache2.conf). */
    apache_includes(buf_str(&text), root, &text, &files);
    if (!strstr(buf_str(&text), "incoming.fcgi"))
        doctor_add(r, "web_config", DOCTOR_FAIL,
                   "install the snippet: cp apache2-incoming.conf "
                   "/etc/apache2/conf-available/incoming.conf && a2enconf incoming && "
                   "systemctl reload apache2",
                   "%s and what it includes do not route to incoming.fcgi", file);
    else
        doctor_add(r, "web_config", DOCTOR_OK, NULL, "%s routes to incoming.fcgi", file);
    check_apache(file, buf_str(&text), system_conf, r);
    buf_free(&text);
}

/* A deploy-site directory: .htaccess and incoming.fcgi in it. */
static void check_site(const char *dir, struct doctor_report *r)
{
    char path[700], fcgi[700];
    struct buf text;

    snprintf(path, sizeof(path), "%s/.htaccess", dir);
    snprintf(fcgi, sizeof(fcgi), "%s/incoming.fcgi", dir);
    buf_init(&text, 1u << 20);
    if (slurp(path, &text) != 0 || !strstr(buf_str(&text), "incoming.fcgi"))
        doctor_add(r, "web_config", DOCTOR_FAIL,
                   "run incomingctl deploy-site DIR again (it writes .htaccess)",
                   "%s is missing or does not route to incoming.fcgi", path);
    else if (access(fcgi, X_OK) != 0)
        doctor_add(r, "web_config", DOCTOR_FAIL, "run incomingctl deploy-site DIR again",
                   "%s is missing or not executable", fcgi);
    else if (!strstr(buf_str(&text), "CGIPassAuth"))
        doctor_add(r, "web_config", DOCTOR_WARN, "add 'CGIPassAuth On' to the .htaccess",
                   "%s does not pass Authorization (CGIPassAuth)", path);
    else
        doctor_add(r, "web_config", DOCTOR_OK, NULL, "%s routes to incoming.fcgi", path);
    if (access("/etc/apache2/apache2.conf", R_OK) == 0)
        check_apache("/etc/apache2/apache2.conf", buf_str(&text), 1, r);
    buf_free(&text);
}

/* 1 when the file's text looks like lighttpd's configuration language. */
static int is_lighttpd_conf(const char *file)
{
    struct buf text;
    int yes;

    buf_init(&text, 1u << 20);
    slurp(file, &text);
    yes = strstr(buf_str(&text), "server.") != NULL || strstr(buf_str(&text), "fastcgi.server");
    buf_free(&text);
    return yes;
}

void doctor_check_web(const struct config *cfg, const struct doctor_options *o,
                      struct doctor_report *r)
{
    int apache = access("/etc/apache2/apache2.conf", R_OK) == 0;
    int lighttpd = access("/etc/lighttpd/lighttpd.conf", R_OK) == 0;

    (void)cfg;
    if (o->site) {
        check_site(o->site, r);
    } else if (o->web_conf) {
        if (is_lighttpd_conf(o->web_conf))
            check_lighttpd(o->web_conf, r);
        else
            check_apache_conf(o->web_conf, 0, r);
    } else if (apache) {
        check_apache_conf("/etc/apache2/apache2.conf", 1, r);
    } else if (lighttpd) {
        check_lighttpd("/etc/lighttpd/lighttpd.conf", r);
    } else {
        doctor_add(r, "web_config", DOCTOR_WARN,
                   "name the web server's configuration with --web-conf FILE, or a site's "
                   "directory with --site DIR",
                   "no Apache (/etc/apache2) or lighttpd (/etc/lighttpd) configuration here");
    }
}
