/* config: the one configuration file (SPEC section 3), parsed and validated
 * from a single table of keys with types and ranges. */
#ifndef INCOMING_CONFIG_H
#define INCOMING_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#define CONFIG_MAX_REDACT 32

enum config_durability { CONFIG_DURABILITY_SYNC = 0, CONFIG_DURABILITY_NOSYNC };

struct config {
    char data_dir[512];
    char base_path[256]; /* "" or "/prefix" without a trailing slash */
    char runner_path[512];
    char public_base_url[512]; /* without a trailing slash */
    long long business_profile_id;
    long long max_body_bytes;
    long long max_json_depth;
    long long capture_seconds;
    long long token_ttl_seconds;
    long long jwt_leeway_seconds;
    long long runner_max;
    long long outgoing_timeout_ms;
    long long retry_max_attempts;
    long long dedup_window_seconds;
    long long event_retention_days;
    enum config_durability durability;
    int outgoing_allow_private; /* 0 or 1 */
    /* Normalised list of host names and CIDR blocks (target.h), "" for none. */
    char outgoing_allow_hosts[1024];
    /* Canonical header names (see event_canonical_header_name), never stored. */
    char redact_headers[CONFIG_MAX_REDACT][64];
    size_t redact_count;
    char log_level[16];
    char path[512]; /* the file this came from, "" for defaults only */
};

/* Fills cfg with every default. */
void config_defaults(struct config *cfg);

/* Loads the file at path over the defaults. On error returns -1 and writes
 * "path:line: key: what was expected" (or "path: reason") into err. */
int config_load(struct config *cfg, const char *path, char *err, size_t errlen);
/* The same from an open stream (config_load's work; the fuzz target feeds
 * it from memory): path names it in cfg->path and in errors. */
int config_load_stream(struct config *cfg, FILE *f, const char *path, char *err, size_t errlen);

/* The path to use: $INCOMING_CONF, else the compiled-in default. Borrowed. */
const char *config_default_path(void);

/* Loads config_default_path() or explicit (when not NULL). A missing file at
 * the default path (not an explicit one) means defaults only. */
int config_load_default(struct config *cfg, const char *explicit_path, char *err, size_t errlen);

/* 1 when name (any case) is in redact_headers. */
int config_is_redacted(const struct config *cfg, const char *name);

/* Writes every key with its value, one "key = value" line each, to buf. */
int config_dump(const struct config *cfg, char *buf, size_t len);

#endif
