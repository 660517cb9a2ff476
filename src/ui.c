/* ui: static files with strict names, types and headers. */
#include "ui.h"

#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef DATADIR
#define DATADIR "/usr/share"
#endif

#define UI_FILE_MAX (4u << 20)

static const char ui_headers[] =
    "Content-Security-Policy: default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'\r\n"
    "Referrer-Policy: no-referrer\r\nX-Frame-Options: DENY\r\n";

const char *ui_dir(void)
{
    const char *env = getenv("INCOMING_UI_DIR");
    return env && *env ? env : DATADIR "/incoming/ui";
}

static const char *content_type(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {{".html", "text/html; charset=utf-8"},
                 {".js", "text/javascript; charset=utf-8"},
                 {".css", "text/css; charset=utf-8"},
                 {".svg", "image/svg+xml"},
                 {".png", "image/png"},
                 {".json", "application/json; charset=utf-8"},
                 {".ico", "image/x-icon"},
                 {".woff2", "font/woff2"}};
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    return NULL;
}

/* Names are [A-Za-z0-9_-] segments with dots only inside them. */
static int safe_name(const char *p)
{
    if (*p == '\0' || strlen(p) > 200)
        return 0;
    for (const char *c = p; *c; c++) {
        int ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                 *c == '_' || *c == '-' || *c == '/' || *c == '.';
        if (!ok)
            return 0;
        if ((*c == '.' || *c == '/') && (c == p || c[-1] == '.' || c[-1] == '/'))
            return 0;
    }
    return 1;
}

/* Opens path for reading only when it is a regular file (not a symlink),
 * and fills *st. Anything else -- a FIFO, a device, a directory -- is never
 * opened for real: opening a FIFO blocks until a writer comes (a responder
 * hung forever), and opening some devices has effects. lstat tells most of
 * them apart before open; O_NONBLOCK keeps a FIFO swapped in between from
 * blocking, and the fstat after open (same file as lstat saw, still
 * regular) is the check that counts. Returns the descriptor, or -1. */
static int open_regular(const char *path, struct stat *st)
{
    struct stat pre;
    int fd, fl;

    if (lstat(path, &pre) != 0 || !S_ISREG(pre.st_mode))
        return -1;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return -1;
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode) || st->st_dev != pre.st_dev ||
        st->st_ino != pre.st_ino) {
        close(fd);
        return -1;
    }
    /* A regular file reads the same either way; clear it all the same. */
    fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    return fd;
}

void ui_handle(struct http_request *req, const char *rest)
{
    char path[1024], hdr[1024];
    const char *type;
    struct buf body;
    struct stat st;
    int fd = -1;
    ssize_t n;

    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        http_send_error(req, 405, "method_not_allowed", "only GET is accepted here",
                        "Allow: GET\r\n");
        return;
    }
    if (*rest == '\0')
        rest = "index.html";
    type = content_type(rest);
    if (!safe_name(rest) || type == NULL) {
        http_send_error(req, 404, "not_found", "no such file", NULL);
        return;
    }
    snprintf(path, sizeof(path), "%s/%s", ui_dir(), rest);
    fd = open_regular(path, &st);
    if (fd < 0 || st.st_size > UI_FILE_MAX) {
        if (fd >= 0)
            close(fd);
        http_send_error(req, 404, "not_found", "no such file", NULL);
        return;
    }
    buf_init(&body, UI_FILE_MAX);
    if (buf_reserve(&body, (size_t)st.st_size) != BUF_OK) {
        close(fd);
        http_send_error(req, 503, "unavailable", "out of memory", NULL);
        return;
    }
    while ((n = read(fd, body.data + body.len, (size_t)st.st_size - body.len)) > 0)
        body.len += (size_t)n;
    close(fd);
    snprintf(hdr, sizeof(hdr), "%s", ui_headers);
    http_send(req, 200, type, hdr, strcmp(req->method, "HEAD") == 0 ? "" : buf_str(&body),
              strcmp(req->method, "HEAD") == 0 ? 0 : body.len);
    buf_free(&body);
}
