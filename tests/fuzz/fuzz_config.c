/* fuzz_config: libFuzzer target for incoming.conf (config_load_stream, the
 * parser behind config_load, fed from memory with fmemopen). Invariants:
 * a refused file gives one message naming the file; an accepted one gives
 * NUL-terminated strings within their fields, every redacted header found
 * by config_is_redacted, and a config_dump that loads back (over the
 * defaults) to the same dump: what incomingctl config shows is a file the
 * parser takes. Build and run with tests/fuzz/run -t config. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_config: check failed: %s (line %d)\n", #cond, __LINE__);         \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define NAME "fuzz.conf"

static int load(struct config *cfg, const void *text, size_t len, char *err, size_t errlen)
{
    FILE *f;
    int rc;

    config_defaults(cfg);
    if (len == 0)
        return 0; /* an empty file is the defaults (fmemopen wants bytes) */
    f = fmemopen((void *)text, len, "r");
    CHECK(f != NULL);
    rc = config_load_stream(cfg, f, NAME, err, errlen);
    fclose(f);
    return rc;
}

static void check_strings(const struct config *cfg)
{
    CHECK(memchr(cfg->data_dir, '\0', sizeof(cfg->data_dir)) != NULL);
    CHECK(memchr(cfg->base_path, '\0', sizeof(cfg->base_path)) != NULL);
    CHECK(memchr(cfg->runner_path, '\0', sizeof(cfg->runner_path)) != NULL);
    CHECK(memchr(cfg->public_base_url, '\0', sizeof(cfg->public_base_url)) != NULL);
    CHECK(memchr(cfg->log_level, '\0', sizeof(cfg->log_level)) != NULL);
    CHECK(cfg->data_dir[0] == '/' && cfg->runner_path[0] == '/');
    CHECK(cfg->base_path[0] == '\0' || cfg->base_path[0] == '/');
    CHECK(strncmp(cfg->public_base_url, "http://", 7) == 0 ||
          strncmp(cfg->public_base_url, "https://", 8) == 0);
    CHECK(cfg->max_json_depth >= 1 && cfg->max_json_depth <= 512);
    CHECK(cfg->max_body_bytes >= 1);
    CHECK(cfg->redact_count <= CONFIG_MAX_REDACT);
    for (size_t i = 0; i < cfg->redact_count; i++) {
        CHECK(memchr(cfg->redact_headers[i], '\0', sizeof(cfg->redact_headers[i])) != NULL);
        CHECK(config_is_redacted(cfg, cfg->redact_headers[i]));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char dump1[1 << 16], dump2[1 << 16];
    struct config cfg, again;
    char err[1024];

    err[0] = '\0';
    if (load(&cfg, data, size, err, sizeof(err)) != 0) {
        CHECK(strncmp(err, NAME, strlen(NAME)) == 0);
        CHECK(strchr(err, '\n') == NULL);
        return 0;
    }
    check_strings(&cfg);
    CHECK(config_dump(&cfg, dump1, sizeof(dump1)) == 0);
    if (load(&again, dump1, strlen(dump1), err, sizeof(err)) != 0) {
        fprintf(stderr, "the dump does not load: %s\n%s", err, dump1);
        abort();
    }
    CHECK(config_dump(&again, dump2, sizeof(dump2)) == 0);
    if (strcmp(dump1, dump2) != 0) {
        fprintf(stderr, "dump, load, dump differs:\n%s---\n%s", dump1, dump2);
        abort();
    }
    return 0;
}
