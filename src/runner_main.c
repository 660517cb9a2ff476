/* incoming-runner: started detached by the responder (or by hand). Drains
 * the work queue within runner_max slots, checkpoints, and exits. Its log
 * goes to <data_dir>/runner.log, since it has no web server stderr. */
#include "config.h"
#include "log.h"
#include "runner.h"
#include "spawn.h"
#include "store.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void usage(void)
{
    fprintf(stderr, "usage: incoming-runner [--conf FILE] [--event ID] [--foreground]\n"
                    "Drains the work queue of the data directory named in FILE, then exits.\n");
}

int main(int argc, char **argv)
{
    const char *conf = NULL;
    int foreground = 0;
    struct config cfg;
    struct store *s = NULL;
    struct spawn_slots slots;
    struct runner_stats st = {0, 0};
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
    rc = runner_drain(s, &cfg, &slots, &st);
    (void)store_checkpoint(s);
    if (st.processed > 0)
        LOG_INFO("processed %ld event(s)", st.processed);
    store_close(s);
    spawn_slots_close(&slots);
    return rc == 0 ? 0 : 1;
}
