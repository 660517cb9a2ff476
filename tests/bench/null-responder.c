/*
 * null-responder: the smallest useful FastCGI responder, the baseline of
 * tests/bench/ingest. It reads each request's whole body (so the web server
 * pays the same transfer cost as with incoming.fcgi), stores nothing and
 * answers 202 with a small JSON body shaped like incoming's.
 * Build: cc -O2 -o null-responder null-responder.c -lfcgi
 * Run under a web server that spawns it (the listening socket is fd 0).
 */
#include <fcgiapp.h>
#include <stdio.h>
#include <string.h>

static const char reply[] =
    "{\"status\": 202, \"eventId\": \"00000000-0000-4000-8000-000000000000\", "
    "\"endpointId\": \"00000000-0000-4000-8000-000000000000\"}";

/* Reads and drops the request body; returns its length. */
static long drain_body(FCGX_Request *req)
{
    char buf[16384];
    long total = 0;
    int n;

    while ((n = FCGX_GetStr(buf, sizeof(buf), req->in)) > 0)
        total += n;
    return total;
}

int main(void)
{
    FCGX_Request req;
    char head[256];
    int n;

    if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0)
        return 1;
    while (FCGX_Accept_r(&req) >= 0) {
        drain_body(&req);
        n = snprintf(head, sizeof(head),
                     "Status: 202 Accepted\r\n"
                     "Content-Type: application/json; charset=utf-8\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     sizeof(reply) - 1);
        FCGX_PutStr(head, n, req.out);
        FCGX_PutStr(reply, (int)sizeof(reply) - 1, req.out);
        FCGX_Finish_r(&req);
    }
    return 0;
}
