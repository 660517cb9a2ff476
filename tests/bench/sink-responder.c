/*
 * sink-responder: the fast delivery target of tests/bench/delivery and
 * tests/bench/drain, run under lighttpd (a Python sink caps near 1,700
 * requests/s and would measure itself). For each request it reads the
 * body, appends one line to $SINK_LOG:
 *   <arrival, microseconds since the epoch> <X-Incoming-Event-Id> <Idempotency-Key>
 * with one write(2) on an O_APPEND descriptor (lines of concurrent
 * responders never interleave), and answers 200 with a small JSON body.
 * Build: cc -O2 -o sink-responder sink-responder.c -lfcgi
 */
#include <fcgiapp.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static const char reply[] = "{\"ok\": true}";

static const char *param(FCGX_Request *req, const char *name)
{
    const char *v = FCGX_GetParam(name, req->envp);
    return v != NULL && *v != '\0' ? v : "-";
}

int main(void)
{
    const char *path = getenv("SINK_LOG");
    FCGX_Request req;
    char buf[16384], line[256], head[256];
    int fd, n;

    if (path == NULL || (fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0600)) < 0)
        return 1;
    if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0)
        return 1;
    while (FCGX_Accept_r(&req) >= 0) {
        struct timeval tv;
        while (FCGX_GetStr(buf, sizeof(buf), req.in) > 0)
            ;
        gettimeofday(&tv, NULL);
        n = snprintf(line, sizeof(line), "%lld %.64s %.100s\n",
                     (long long)tv.tv_sec * 1000000 + tv.tv_usec,
                     param(&req, "HTTP_X_INCOMING_EVENT_ID"), param(&req, "HTTP_IDEMPOTENCY_KEY"));
        if (write(fd, line, (size_t)n) != n)
            return 1;
        n = snprintf(head, sizeof(head),
                     "Status: 200 OK\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     sizeof(reply) - 1);
        FCGX_PutStr(head, n, req.out);
        FCGX_PutStr(reply, (int)sizeof(reply) - 1, req.out);
        FCGX_Finish_r(&req);
    }
    return 0;
}
