/* cgi: FCGX streams over the file descriptors of a CGI program (see
 * include/cgi.h). libfcgi's FCGX_GetStr, FCGX_PutStr and FCGX_FFlush only
 * use the public fields of FCGX_Stream and call its fillBuffProc and
 * emptyBuffProc when the buffer runs out, so a stream built here behaves
 * like one of libfcgi's own to every caller. */
#include "cgi.h"

#include "numparse.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The stream's fd is kept in data as an intptr_t. */
static int stream_fd(const FCGX_Stream *s)
{
    return (int)(intptr_t)s->data;
}

/* Refills a reader from fd 0, never past CONTENT_LENGTH. End of input, or
 * a read error, closes the stream (FCGX_GetStr then returns what it has). */
static void fill(FCGX_Stream *s)
{
    struct cgi_request *c = (struct cgi_request *)((char *)s - offsetof(struct cgi_request, in));
    size_t want = sizeof(c->inbuf);
    ssize_t n;

    if (c->in_left == 0) {
        s->isClosed = 1;
        return;
    }
    if (c->in_left > 0 && (long long)want > c->in_left)
        want = (size_t)c->in_left;
    do {
        n = read(stream_fd(s), c->inbuf, want);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {
        if (n < 0)
            s->FCGI_errno = errno;
        s->isClosed = 1;
        return;
    }
    if (c->in_left > 0)
        c->in_left -= n;
    s->rdNext = s->stopUnget = c->inbuf;
    s->stop = s->wrNext = c->inbuf + n;
}

/* Writes what a writer holds to its fd. A write error closes the stream:
 * FCGX_PutStr then fails. */
static void empty(FCGX_Stream *s, int do_close)
{
    unsigned char *p = s->stopUnget; /* a writer's buffer start, see below */
    int fd = stream_fd(s);

    (void)do_close;
    while (!s->isClosed && p < s->wrNext) {
        ssize_t n = write(fd, p, (size_t)(s->wrNext - p));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            s->FCGI_errno = n < 0 ? errno : EIO;
            s->isClosed = 1;
            break;
        }
        p += n;
    }
    s->wrNext = s->stopUnget;
}

static void init_reader(FCGX_Stream *s, int fd)
{
    memset(s, 0, sizeof(*s));
    s->isReader = 1;
    s->fillBuffProc = fill;
    s->data = (void *)(intptr_t)fd;
}

/* stopUnget is undefined for a writer in libfcgi: here it keeps the start
 * of the buffer, which empty() writes from. */
static void init_writer(FCGX_Stream *s, int fd, unsigned char *buf, size_t len)
{
    memset(s, 0, sizeof(*s));
    s->rdNext = s->stopUnget = s->wrNext = buf;
    s->stop = buf + len;
    s->emptyBuffProc = empty;
    s->data = (void *)(intptr_t)fd;
}

void cgi_request_init(struct cgi_request *c, char **envp)
{
    const char *cl = FCGX_GetParam("CONTENT_LENGTH", envp);
    const char *errstr;
    long long n;

    memset(&c->fcgx, 0, sizeof(c->fcgx));
    init_reader(&c->in, STDIN_FILENO);
    init_writer(&c->out, STDOUT_FILENO, c->outbuf, sizeof(c->outbuf));
    init_writer(&c->err, STDERR_FILENO, c->errbuf, sizeof(c->errbuf));
    /* A missing or unreadable length reads to EOF; http_read_body checks
     * the length itself and answers 400 for a bad one. */
    c->in_left = -1;
    if (cl != NULL && *cl != '\0' && num_parse_ll(cl, 0, (long long)1 << 62, &n, &errstr) == 0)
        c->in_left = n;
    c->fcgx.requestId = 1;
    c->fcgx.role = 1; /* FCGI_RESPONDER (fastcgi.h) */
    c->fcgx.in = &c->in;
    c->fcgx.out = &c->out;
    c->fcgx.err = &c->err;
    c->fcgx.envp = envp;
    c->fcgx.ipcFd = -1;
    c->fcgx.listen_sock = -1;
}

/* Reads and drops what is left of the body, at most CGI_DRAIN_MAX bytes
 * and only when CONTENT_LENGTH said how much: under mod_cgid fds 0 and 1
 * are one unix socket, and closing it with unread bytes makes Apache's
 * read of the answer fail (ECONNRESET) instead of ending, which cuts the
 * answer. Draining first also lets Apache, which writes the whole body
 * before it reads, get to the answer. */
static void drain(struct cgi_request *c)
{
    long long left = c->in_left;

    if (left <= 0 || left > CGI_DRAIN_MAX || c->in.isClosed)
        return;
    while (left > 0) {
        ssize_t n = read(STDIN_FILENO, c->inbuf,
                         left < (long long)sizeof(c->inbuf) ? (size_t)left : sizeof(c->inbuf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        left -= n;
    }
    c->in_left = 0;
    c->in.isClosed = 1;
}

/* Puts /dev/null on fd (0 or 1). */
static void to_null(int fd, int flags)
{
    int null = open("/dev/null", flags | O_CLOEXEC);

    if (null >= 0) {
        dup2(null, fd); /* the copy does not inherit O_CLOEXEC */
        close(null);
    } else {
        close(fd);
    }
}

int cgi_request_finish(struct cgi_request *c)
{
    int rc;

    drain(c);
    empty(&c->out, 1);
    empty(&c->err, 1);
    rc = c->out.isClosed ? -1 : 0;
    c->out.isClosed = c->err.isClosed = 1;
    to_null(STDOUT_FILENO, O_WRONLY);
    to_null(STDIN_FILENO, O_RDONLY);
    return rc;
}

/* Meta-variables of RFC 3875 and those Apache and lighttpd add. */
static int is_request_variable(const char *var, size_t len)
{
    static const char *const prefixes[] = {"HTTP_",    "CONTENT_", "REQUEST_", "REMOTE_",
                                           "SERVER_",  "SCRIPT_",  "PATH_",    "REDIRECT_",
                                           "CONTEXT_", "SSL_",     "AUTH_",    NULL};
    static const char *const names[] = {"QUERY_STRING",
                                        "GATEWAY_INTERFACE",
                                        "DOCUMENT_ROOT",
                                        "HTTPS",
                                        "UNIQUE_ID",
                                        "FCGI_ROLE",
                                        NULL};

    for (int i = 0; prefixes[i] != NULL; i++)
        if (strncmp(var, prefixes[i], strlen(prefixes[i])) == 0)
            return 1;
    for (int i = 0; names[i] != NULL; i++)
        if (strlen(names[i]) == len && strncmp(var, names[i], len) == 0)
            return 1;
    return 0;
}

void cgi_scrub_environment(void)
{
    extern char **environ;
    char name[256];

    /* unsetenv changes environ under our feet: start over after each. */
    for (size_t i = 0; environ != NULL && environ[i] != NULL;) {
        const char *eq = strchr(environ[i], '=');
        size_t len = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
        if (len > 0 && len < sizeof(name) && is_request_variable(environ[i], len)) {
            memcpy(name, environ[i], len);
            name[len] = '\0';
            if (unsetenv(name) == 0) {
                i = 0;
                continue;
            }
        }
        i++;
    }
}
