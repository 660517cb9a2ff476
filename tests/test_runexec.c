/* Tests of the runexec module against a real Berkeley DB environment in a
 * temporary directory and a real HTTP sink (a child process on a loopback
 * port): a run of several nodes holds a lease that covers each request. */
#include "runexec.h"

#include "isotime.h"
#include "run.h"
#include "store_event.h"
#include "uuid.h"

#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define WF_ID "22222222-2222-4222-8222-222222222222"
#define EV_ID "33333333-3333-4333-8333-333333333333"
#define INTEG_ID "11111111-1111-4111-8111-111111111111"
#define NODE_TIMEOUT_MS 1000
#define LONG_TIMEOUT_MS 40000 /* more than a renewed lease has left */
#define NODES 3

static char tmpdir[64];
static struct config cfg;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* The lease stored for run id: its end, or -1 when it has none. */
struct lease_arg {
    const char *id;
    long long until;
};

static int lease_get_fn(struct store_txn *t, void *arg)
{
    struct lease_arg *a = arg;
    struct buf v;
    long pid = 0;
    int rc;

    a->until = -1;
    buf_init(&v, 64);
    rc = store_get(t, STORE_DB_RUNS_LEASES, a->id, UUID_LEN, &v);
    if (rc == STORE_OK && sscanf(buf_str(&v), "%ld %lld", &pid, &a->until) != 2)
        a->until = -1;
    buf_free(&v);
    return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

/* The sink: answers NODES requests. For each, as it arrives, it reports
 * on out whether the run's lease covers the request's timeout (the node's:
 * the path names it) and what a reaper looking at the store then (another
 * runner) would resume. */
static void sink_main(int lfd, int out)
{
    struct store *s = NULL;
    char err[512];

    alarm(30);
    for (int i = 0; i < NODES; i++) {
        char req[8192], line[128], *key;
        size_t got = 0;
        ssize_t n;
        int c = accept(lfd, NULL, NULL);
        struct lease_arg la = {NULL, -1};
        long long at, timeout;
        int resumed, len;

        if (c < 0)
            _exit(2);
        /* Headers and the short body of one request. */
        while (got < sizeof(req) - 1 && (n = read(c, req + got, sizeof(req) - 1 - got)) > 0) {
            req[got += (size_t)n] = '\0';
            char *end = strstr(req, "\r\n\r\n");
            if (end != NULL && (size_t)(end + 4 - req) + 2 <= got)
                break;
        }
        at = isotime_now_ms();
        key = strstr(req, "Idempotency-Key: ");
        if (key == NULL || (s == NULL && store_open(&cfg, 0, &s, err, sizeof(err)) != STORE_OK))
            _exit(3);
        key[17 + UUID_LEN] = '\0';
        la.id = key + 17;
        if (store_txn_run(s, lease_get_fn, &la) != STORE_OK)
            _exit(4);
        timeout = strncmp(req, "POST /b ", 8) == 0 ? LONG_TIMEOUT_MS : NODE_TIMEOUT_MS;
        resumed = run_reap(s, at + timeout);
        len = snprintf(line, sizeof(line), "%d %d\n", la.until >= at + timeout, resumed);
        if (write(out, line, (size_t)len) != len)
            _exit(5);
        static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 "Content-Length: 2\r\nConnection: close\r\n\r\n{}";
        if (write(c, ok, sizeof(ok) - 1) < 0)
            _exit(7);
        close(c);
    }
    store_close(s);
    _exit(0);
}

static pid_t start_sink(int *port, int *out)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);
    int lfd = socket(AF_INET, SOCK_STREAM, 0), p[2];
    pid_t pid;

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CU_ASSERT_FATAL(lfd >= 0 && bind(lfd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
                    listen(lfd, 8) == 0 && getsockname(lfd, (struct sockaddr *)&a, &alen) == 0 &&
                    pipe(p) == 0);
    *port = ntohs(a.sin_port);
    pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        sink_main(lfd, p[1]);
    }
    close(lfd);
    close(p[1]);
    *out = p[0];
    return pid;
}

struct setup_arg {
    const char *workflow;
    char run_id[37];
    cJSON *run; /* read back at the end */
};

/* The workflow of the tests: trigger -> a (1 s) -> b (40 s) -> c (1 s),
 * each POSTing to 127.0.0.1:port/<node>. */
static void workflow_text(char *wf, size_t len, int port)
{
    snprintf(wf, len,
             "{\"name\": \"slow\", \"nodes\": [{\"id\": \"t\", \"type\": \"business_event\", "
             "\"integrationId\": \"" INTEG_ID "\"}, %s%d%s, %s%d%s, %s%d%s], "
             "\"edges\": [[\"t\", \"a\"], [\"a\", \"b\"], [\"b\", \"c\"]]}",
             "{\"id\": \"a\", \"type\": \"outgoing_integration\", \"method\": \"POST\", "
             "\"url\": \"http://127.0.0.1:",
             port, "/a\", \"body\": \"{}\", \"timeoutMs\": 1000}",
             "{\"id\": \"b\", \"type\": \"outgoing_integration\", \"method\": \"POST\", "
             "\"url\": \"http://127.0.0.1:",
             port, "/b\", \"body\": \"{}\", \"timeoutMs\": 40000}",
             "{\"id\": \"c\", \"type\": \"outgoing_integration\", \"method\": \"POST\", "
             "\"url\": \"http://127.0.0.1:",
             port, "/c\", \"body\": \"{}\", \"timeoutMs\": 1000}");
}

static int setup_fn(struct store_txn *t, void *arg)
{
    struct setup_arg *a = arg;
    static const char env[] = "{\"body\": {}}";
    struct store_event ev;
    int rc;

    memset(&ev, 0, sizeof(ev));
    memcpy(ev.event_id, EV_ID, sizeof(EV_ID));
    memcpy(ev.integration_id, INTEG_ID, sizeof(INTEG_ID));
    memcpy(ev.endpoint_id, INTEG_ID, sizeof(INTEG_ID));
    ev.time_ms = isotime_now_ms();
    ev.state = STORE_EVENT_PROCESSED;
    ev.envelope = env;
    ev.envelope_len = sizeof(env) - 1;
    ev.body_off = 9;
    ev.body_len = 2;
    rc = store_put(t, STORE_DB_WORKFLOWS, WF_ID, UUID_LEN, a->workflow, strlen(a->workflow), 0);
    if (rc == STORE_OK)
        rc = store_event_put(t, &ev);
    if (rc == STORE_OK)
        rc = run_create(t, WF_ID, EV_ID, "slow", "queued", isotime_now_ms(), a->run_id);
    return rc;
}

static int run_fn(struct store_txn *t, void *arg)
{
    struct setup_arg *a = arg;
    return run_get(t, a->run_id, 1, &a->run);
}

/* cfg, with its data_dir in a new temporary directory. */
static void fresh_config(void)
{
    strcpy(tmpdir, "/tmp/test_runexec_XXXXXX");
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tmpdir));
    config_defaults(&cfg);
    snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s/data", tmpdir);
    cfg.outgoing_allow_private = 1;
}

/* A store for cfg holding the workflow (its nodes POSTing to
 * 127.0.0.1:port), an event and a queued run of them (a). */
static struct store *fresh_store(int port, struct setup_arg *a, char *wf, size_t len)
{
    struct store *s = NULL;
    char err[512] = "";

    CU_ASSERT_EQUAL_FATAL(store_open(&cfg, STORE_CREATE, &s, err, sizeof(err)), STORE_OK);
    workflow_text(wf, len, port);
    a->workflow = wf;
    CU_ASSERT_EQUAL_FATAL(store_txn_run(s, setup_fn, a), STORE_OK);
    return s;
}

/* Claims the run, with its inputs, under a lease of 0.5 s from *now: less
 * than one request's timeout. */
static cJSON *claim_half_second(struct store *s, struct runexec_inputs *in, long long *now)
{
    void *args[1] = {in};
    cJSON *runs[RUN_CLAIM_MAX];
    int claimed = 0;

    runexec_inputs_init(in);
    *now = isotime_now_ms();
    CU_ASSERT_EQUAL_FATAL(run_claim_many(s, *now, getpid(), *now + 500, 0, NULL, NULL,
                                         runexec_read_inputs, args, 1, runs, &claimed),
                          STORE_OK);
    CU_ASSERT_EQUAL_FATAL(claimed, 1);
    return runs[0];
}

/* A run of three nodes (timeouts 1 s, 40 s, 1 s) claimed with a lease of
 * 0.5 s, as a run that waited its turn behind slow ones may be: before
 * each request whose timeout the lease does not cover, the runner extends
 * it (before the first, and before the second, which needs more than the
 * first extension left), so another runner's reaper never resumes the run
 * while it is being sent. The run ends succeeded, its lease released. */
static void runexec_should_lease_each_request_it_sends(void)
{
    struct setup_arg a = {NULL, "", NULL};
    struct runexec_inputs in;
    struct lease_arg la = {NULL, 0};
    char wf[2048], lines[256] = "";
    size_t got = 0;
    ssize_t n;
    long long now;
    struct store *s;
    cJSON *run;
    int port = 0, out = -1, status = -1;
    pid_t sink;

    fresh_config();
    sink = start_sink(&port, &out); /* before the store: the child opens its own */
    s = fresh_store(port, &a, wf, sizeof(wf));
    run = claim_half_second(s, &in, &now);
    CU_ASSERT_EQUAL(runexec_run(s, &cfg, run, now + 500, &in, NULL), STORE_OK);
    runexec_inputs_free(&in);

    /* Each request found its timeout covered and nothing to resume. */
    while (got < sizeof(lines) - 1 && (n = read(out, lines + got, sizeof(lines) - 1 - got)) > 0)
        got += (size_t)n;
    lines[got] = '\0';
    if (strcmp(lines, "1 0\n1 0\n1 0\n") != 0)
        fprintf(stderr, "sink saw (covered, resumed): %s\n", lines);
    CU_ASSERT_STRING_EQUAL(lines, "1 0\n1 0\n1 0\n");
    CU_ASSERT_EQUAL(waitpid(sink, &status, 0), sink);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(out);

    CU_ASSERT_EQUAL_FATAL(store_txn_run(s, run_fn, &a), STORE_OK);
    CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(cJSON_GetObjectItem(a.run, "state")), "succeeded");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItem(a.run, "attempts")), NODES);
    cJSON_Delete(a.run);
    la.id = a.run_id;
    CU_ASSERT_EQUAL(store_txn_run(s, lease_get_fn, &la), STORE_OK);
    CU_ASSERT_EQUAL(la.until, -1); /* released */
    CU_ASSERT_EQUAL(run_reap(s, isotime_now_ms() + 3600000), 0);
    store_close(s);
    nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A run whose lease ran out before it was sent, and which a reaper has
 * resumed meanwhile, is not sent by the runner that claimed it: that
 * runner's extension finds the lease no longer its own, and the run stays
 * as the reaper left it (retrying, due again, no attempt) for whoever
 * claims it next. */
static void runexec_should_leave_a_resumed_run_alone(void)
{
    struct setup_arg a = {NULL, "", NULL};
    struct runexec_inputs in;
    void *args[1] = {NULL};
    char wf[2048];
    cJSON *runs[RUN_CLAIM_MAX], *run;
    struct store *s;
    long long now;
    int claimed = 0;

    fresh_config();
    s = fresh_store(9, &a, wf, sizeof(wf)); /* nothing answers: a request would be an attempt */
    run = claim_half_second(s, &in, &now);
    CU_ASSERT_EQUAL(run_reap(s, now + 501), 1); /* the lease ran out: resumed */
    CU_ASSERT_EQUAL(runexec_run(s, &cfg, run, now + 500, &in, NULL), STORE_OK);
    runexec_inputs_free(&in);

    CU_ASSERT_EQUAL_FATAL(store_txn_run(s, run_fn, &a), STORE_OK);
    CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(cJSON_GetObjectItem(a.run, "state")), "retrying");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItem(a.run, "attempts")), 0);
    cJSON_Delete(a.run);
    a.run = NULL;
    /* Due again (from the reaper's time), for the next claim. */
    CU_ASSERT_EQUAL_FATAL(run_claim_many(s, now + 501, getpid(), now + 60000, 0, NULL, NULL, NULL,
                                         args, 1, runs, &claimed),
                          STORE_OK);
    CU_ASSERT_EQUAL(claimed, 1);
    cJSON_Delete(runs[0]);
    store_close(s);
    nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
    CU_pSuite s;
    unsigned failed;

    signal(SIGPIPE, SIG_IGN);
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("runexec", NULL, NULL);
    CU_add_test(s, "runexec leases each request it sends",
                runexec_should_lease_each_request_it_sends);
    CU_add_test(s, "runexec leaves a resumed run alone", runexec_should_leave_a_resumed_run_alone);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
