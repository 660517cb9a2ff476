/* reqlog: the responder's log lines to the web server's error log. */
#include "reqlog.h"

#include "config.h"
#include "log.h"

#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PATH_LOGGED_MAX 256 /* characters of a path written in a line */

/* When the request in hand was accepted (one request at a time). */
static struct timespec begun;
/* stderr leads nowhere: lines between requests are held for the next. */
static int lost;

/* 1 when stderr leads nowhere: closed, or /dev/null. */
static int stderr_is_lost(void)
{
    struct stat err, null;

    if (fstat(STDERR_FILENO, &err) != 0)
        return 1;
    return S_ISCHR(err.st_mode) && stat("/dev/null", &null) == 0 && err.st_rdev == null.st_rdev;
}

void reqlog_init(void)
{
    /* A closed stderr would be handed to the next file opened -- a
     * database -- and log lines written into it. */
    if (fcntl(STDERR_FILENO, F_GETFD) < 0 && errno == EBADF) {
        int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (fd >= 0 && fd != STDERR_FILENO) {
            dup2(fd, STDERR_FILENO); /* the copy does not inherit O_CLOEXEC */
            close(fd);
        } else if (fd == STDERR_FILENO) {
            (void)fcntl(fd, F_SETFD, 0);
        }
    }
    lost = stderr_is_lost();
    if (lost)
        log_hold_for_sink();
}

/* One record per line, sent at once: the web server logs it on arrival. */
static void to_request(void *arg, const char *line, size_t len)
{
    FCGX_Stream *err = arg;

    if (FCGX_PutStr(line, (int)len, err) >= 0)
        (void)FCGX_FFlush(err);
}

void reqlog_begin(FCGX_Request *fcgx)
{
    clock_gettime(CLOCK_MONOTONIC, &begun);
    log_set_sink(to_request, fcgx->err);
}

/* Copies s (up to its first '?', at most max characters) into out with
 * every byte outside printable ASCII, and '"' '\', written %XX: a line of
 * the log cannot be split or faked by what a client sent. */
static void printable(const char *s, size_t max, char *out, size_t outlen)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0, i;

    for (i = 0; s[i] != '\0' && s[i] != '?' && i < max && n + 4 < outlen; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c > 0x20 && c < 0x7f && c != '"' && c != '\\') {
            out[n++] = (char)c;
        } else {
            out[n++] = '%';
            out[n++] = hex[c >> 4];
            out[n++] = hex[c & 15];
        }
    }
    if (s[i] != '\0' && s[i] != '?' && n + 4 < outlen) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
}

void reqlog_end(const struct http_request *req)
{
    const char *uri = http_param(req, "REQUEST_URI");
    char method[64], path[PATH_LOGGED_MAX * 3 + 8];
    struct timespec now;
    double ms;

    clock_gettime(CLOCK_MONOTONIC, &now);
    ms = (double)(now.tv_sec - begun.tv_sec) * 1e3 + (double)(now.tv_nsec - begun.tv_nsec) / 1e6;
    printable(req->method ? req->method : "-", 16, method, sizeof(method));
    printable(uri ? uri : req->path, PATH_LOGGED_MAX, path, sizeof(path));
    log_msg(req->status >= 500 ? LOG_LVL_WARN : LOG_LVL_DEBUG, "request", "%s %s %d%s%s %.1f ms",
            method, path, req->status, req->error[0] ? " " : "", req->error, ms);
    log_set_sink(NULL, NULL);
}

/* 1 when the configuration loads now (the operator repaired it). */
static int config_loads(void)
{
    struct config cfg;
    char err[1024];

    return config_load_default(&cfg, NULL, err, sizeof(err)) == 0;
}

int reqlog_serve_unconfigured(const char *why)
{
    FCGX_Request fcgx;
    /* The line the caller logged comes with the first request when it was
     * held; otherwise the first request logs it again. Then once every
     * 10 s at most. */
    time_t last = lost ? time(NULL) : 0, checked = time(NULL);
    int repaired = 0;

    if (FCGX_IsCGI() || FCGX_Init() != 0 || FCGX_InitRequest(&fcgx, 0, 0) != 0)
        return 1;
    while (!repaired && FCGX_Accept_r(&fcgx) >= 0) {
        struct http_request req;

        memset(&req, 0, sizeof(req));
        req.fcgx = &fcgx;
        req.method = FCGX_GetParam("REQUEST_METHOD", fcgx.envp);
        snprintf(req.path, sizeof(req.path), "/");
        reqlog_begin(&fcgx);
        /* Exiting lets the web server start a responder that loads the
         * repaired file, as it would have had this one exited at once. */
        if (time(NULL) != checked) {
            checked = time(NULL);
            repaired = config_loads();
        }
        if (repaired) {
            LOG_INFO("the configuration loads now; exiting so that a fresh responder starts");
            http_send_error(&req, 503, "unavailable", "restarting; try again",
                            "Retry-After: 1\r\n");
        } else {
            if (time(NULL) - last >= 10) {
                last = time(NULL);
                LOG_ERR("configuration: %s", why);
            }
            http_send_error(&req, 500, "internal",
                            "the server's configuration cannot be loaded; see the web server's "
                            "error log",
                            NULL);
        }
        reqlog_end(&req);
        FCGX_Finish_r(&fcgx);
    }
    return repaired ? 0 : 1;
}
