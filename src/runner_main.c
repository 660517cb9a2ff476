/* incoming-runner: started detached by the responder (or by hand). Drains
 * the work queue within runner_max slots, checkpoints, and exits. Its log
 * goes to <data_dir>/runner.log, since it has no web server stderr. */
#include "config.h"
#include "log.h"
#include "outgoing.h"
#include "purge.h"
#include "numparse.h"
#include "runner.h"
#include "spawn.h"
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void usage(void)
{
    fprintf(stderr, "usage: incoming-runner [--conf FILE] [--event ID] [--foreground]\n"
                    "Drains the work queue of the data directory named in FILE, then exits.\n");
}

/* Test hook for tests/integration/test_runner.py: with
 * INCOMING_RUNNER_TEST_LINGER_MS set (0..60000), the runner waits that long
 * while it holds its slot and has the store open, so a test can look at its
 * descriptors and count concurrent runners. Not for production use. */
static void test_linger(void)
{
    const char *v = getenv("INCOMING_RUNNER_TEST_LINGER_MS");
    const char *errstr;
    long long ms;
    struct timespec ts;

    if (v == NULL || num_parse_ll(v, 0, 60000, &ms, &errstr) != 0 || ms == 0)
        return;
    ts.tv_sec = (time_t)(ms / 1000);
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

int main(int argc, char **argv)
{
    const char *conf = NULL;
    int foreground = 0;
    struct config cfg;
    struct store *s = NULL;
    struct spawn_slots slots;
    struct runner_stats st = {0, 0, 0};
    enum log_level lvl;
    char err[1024];
    int rc;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--conf") == 0 && i + 1 < argc)
            conf = argv[++i];
        else if (strcmp(argv[i], "--event") == 0 && i + 1 < argc)
            i++; /* the event is in the queue; the id only helps reading logs */
        else if (strcmp(argv[i], "--foreground") == 0)
            foreground = 1;
        else {
            usage();
            return 2;
        }
    }
    log_set_ident("incoming-runner");
    if (config_load_default(&cfg, conf, err, sizeof(err)) != 0) {
        LOG_ERR("configuration: %s", err);
        return 1;
    }
    if (log_level_parse(cfg.log_level, &lvl) == 0)
        log_set_level(lvl);
    if (!foreground) {
        char path[600];
        int fd;
        snprintf(path, sizeof(path), "%s/runner.log", cfg.data_dir);
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (fd >= 0) {
            dup2(fd, STDERR_FILENO);
            close(fd);
        }
    }
    if (spawn_slots_open(&cfg, &slots) != 0)
        return 1;
    if (spawn_slot_acquire(&slots) < 0) {
        /* Every slot is busy: their runners will drain our event. */
        spawn_slots_close(&slots);
        return 0;
    }
    if (store_open(&cfg, 0, &s, err, sizeof(err)) != STORE_OK) {
        LOG_ERR("%s", err);
        spawn_slots_close(&slots);
        return 1;
    }
    test_linger();
    if (outgoing_global_init() != 0) {
        LOG_ERR("cannot initialise libcurl");
        store_close(s);
        spawn_slots_close(&slots);
        return 1;
    }
    rc = runner_drain(s, &cfg, &slots, &st);
    (void)purge_maybe(s, &cfg, (long long)time(NULL) * 1000);
    (void)store_checkpoint(s);
    if (st.processed > 0 || st.runs > 0)
        LOG_INFO("planned %ld event(s), executed %ld run(s)", st.processed, st.runs);
    store_close(s);
    spawn_slots_close(&slots);
    return rc == 0 ? 0 : 1;
}
