/* incoming-runner: started detached by a responder (or by hand). Within
 * the runner_max slots it does the due work, then waits a short while for
 * a responder's wake before it exits (include/wake.h); it checkpoints as
 * it goes and when done. Its log goes to <data_dir>/runner.log, since it
 * has no web server stderr; that file is capped at RUNNER_LOG_MAX_BYTES
 * (then renamed runner.log.old), for hosts where no logrotate runs. */
#include "acconfig.h"
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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* runner.log and runner.log.old together stay under about twice this. The
 * Debian package's logrotate rotates at half of it. */
#define RUNNER_LOG_MAX_BYTES (16LL << 20)

static void usage(void)
{
    fprintf(stderr, "usage: incoming-runner [--conf FILE] [--event ID] [--foreground] | --version\n"
                    "Does the due work of the data directory named in FILE, waits up to 2 s for\n"
                    "more, then exits.\n");
}

/* How long to wait for more work before exiting: RUNNER_LINGER_MS, or
 * INCOMING_RUNNER_LINGER_MS (0..60000) for tests that want runners gone
 * at once or kept. */
static int linger_ms(void)
{
    const char *v = getenv("INCOMING_RUNNER_LINGER_MS");
    const char *errstr;
    long long ms;

    if (v == NULL || num_parse_ll(v, 0, 60000, &ms, &errstr) != 0)
        return RUNNER_LINGER_MS;
    return (int)ms;
}

int main(int argc, char **argv)
{
    const char *conf = NULL;
    int foreground = 0;
    struct config cfg;
    struct store *s = NULL;
    struct spawn_slots slots;
    struct runner_stats st = {0, 0, 0, 0, 0};
    struct wake w;
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
        else if (strcmp(argv[i], "--version") == 0) {
            /* incomingctl doctor compares it with its own. */
            printf("incoming-runner %s\n", PACKAGE_VERSION);
            return 0;
        } else {
            usage();
            return 2;
        }
    }
    log_set_ident("incoming-runner");
    /* A wake byte written after the last listener left (recruit in
     * src/runner.c) fails with EPIPE instead. */
    signal(SIGPIPE, SIG_IGN);
    if (config_load_default(&cfg, conf, err, sizeof(err)) != 0) {
        LOG_ERR("configuration: %s", err);
        return 1;
    }
    if (log_level_parse(cfg.log_level, &lvl) == 0)
        log_set_level(lvl);
    if (!foreground) {
        char path[600];
        snprintf(path, sizeof(path), "%s/runner.log", cfg.data_dir);
        (void)log_to_file(path, RUNNER_LOG_MAX_BYTES);
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
    if (outgoing_global_init() != 0) {
        LOG_ERR("cannot initialise libcurl");
        store_close(s);
        spawn_slots_close(&slots);
        return 1;
    }
    if (wake_open(&w, &cfg) != 0)
        rc = runner_drain(s, &cfg, &slots, &st);
    else
        rc = runner_serve(s, &cfg, &slots, &w, linger_ms(), &st);
    wake_close(&w);
    (void)purge_maybe(s, &cfg, (long long)time(NULL) * 1000);
    (void)store_checkpoint(s);
    if (st.processed > 0 || st.runs > 0)
        LOG_INFO("planned %ld event(s), executed %ld run(s) claimed in %ld transaction(s), "
                 "woken %ld time(s)",
                 st.processed, st.runs, st.claims, st.wakes);
    store_close(s);
    spawn_slots_close(&slots);
    return rc == 0 ? 0 : 1;
}
