/* config: "key = value" lines and '#' comments. Every key is described once
 * in the table below (type, range, default); parsing, validation and error
 * messages come from that table. Limits: lines up to 4 KiB. */
#include "config.h"

#include "numparse.h"
#include "target.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif
#ifndef LIBEXECDIR
#define LIBEXECDIR "/usr/libexec"
#endif

enum key_type {
    T_PATH,
    T_PREFIX,
    T_URL,
    T_INT,
    T_BOOL,
    T_DURABILITY,
    T_HEADERS,
    T_LOGLEVEL,
    T_HOSTS
};

struct key_def {
    const char *name;
    enum key_type type;
    long long min, max;
    const char *def;
    size_t off;  /* offset in struct config */
    size_t size; /* for strings */
};

#define S(field) offsetof(struct config, field), sizeof(((struct config *)0)->field)
#define I(field) offsetof(struct config, field), 0

static const struct key_def keys[] = {
    {"data_dir", T_PATH, 0, 0, LOCALSTATEDIR "/lib/incoming", S(data_dir)},
    {"base_path", T_PREFIX, 0, 0, "", S(base_path)},
    {"runner_path", T_PATH, 0, 0, LIBEXECDIR "/incoming/incoming-runner", S(runner_path)},
    {"public_base_url", T_URL, 0, 0, "http://localhost:8080", S(public_base_url)},
    {"business_profile_id", T_INT, 0, 9007199254740991LL, "1", I(business_profile_id)},
    {"max_body_bytes", T_INT, 1, 67108864, "1048576", I(max_body_bytes)},
    {"max_json_depth", T_INT, 1, 512, "64", I(max_json_depth)},
    {"capture_seconds", T_INT, 5, 3600, "90", I(capture_seconds)},
    {"token_ttl_seconds", T_INT, 60, 86400, "3600", I(token_ttl_seconds)},
    {"jwt_leeway_seconds", T_INT, 0, 600, "60", I(jwt_leeway_seconds)},
    {"runner_max", T_INT, 1, 64, "4", I(runner_max)},
    {"outgoing_timeout_ms", T_INT, 100, 300000, "10000", I(outgoing_timeout_ms)},
    {"retry_max_attempts", T_INT, 1, 100, "8", I(retry_max_attempts)},
    {"dedup_window_seconds", T_INT, 0, 31536000, "86400", I(dedup_window_seconds)},
    {"event_retention_days", T_INT, 1, 3650, "30", I(event_retention_days)},
    {"durability", T_DURABILITY, 0, 0, "sync", I(durability)},
    {"outgoing_allow_private", T_BOOL, 0, 0, "no", I(outgoing_allow_private)},
    {"outgoing_allow_hosts", T_HOSTS, 0, 0, "", S(outgoing_allow_hosts)},
    {"redact_headers", T_HEADERS, 0, 0, "Authorization, Cookie, Proxy-Authorization", 0, 0},
    {"log_level", T_LOGLEVEL, 0, 0, "info", S(log_level)},
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* 1 when s holds a control character (a path or URL never does; a CR
 * left inside a value would not survive config_dump and a reload). */
static int has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

/* Sets one key from text. Returns 0, or -1 with what was expected in exp. */
static int set_key(struct config *cfg, const struct key_def *k, const char *v, char *exp,
                   size_t explen)
{
    char *base = (char *)cfg;
    const char *errstr;
    long long n;
    size_t len = strlen(v);

    switch (k->type) {
    case T_PATH:
        if (len == 0 || v[0] != '/' || len >= k->size || has_control(v)) {
            snprintf(exp, explen, "an absolute path of at most %zu bytes, no control characters",
                     k->size - 1);
            return -1;
        }
        memcpy(base + k->off, v, len + 1);
        return 0;
    case T_PREFIX:
        while (len > 0 && v[len - 1] == '/')
            len--;
        if ((len > 0 && v[0] != '/') || len >= k->size || strpbrk(v, "?# ") || has_control(v)) {
            snprintf(exp, explen, "empty or a URL path starting with '/'");
            return -1;
        }
        memcpy(base + k->off, v, len);
        base[k->off + len] = '\0';
        return 0;
    case T_URL:
        while (len > 0 && v[len - 1] == '/')
            len--;
        if ((strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) || len >= k->size ||
            len <= 8 || strpbrk(v, " \"<>") || has_control(v)) {
            snprintf(exp, explen, "an http:// or https:// URL");
            return -1;
        }
        memcpy(base + k->off, v, len);
        base[k->off + len] = '\0';
        return 0;
    case T_INT:
        if (num_parse_ll(v, k->min, k->max, &n, &errstr) != 0) {
            snprintf(exp, explen, "an integer in %lld..%lld (%s)", k->min, k->max, errstr);
            return -1;
        }
        *(long long *)(base + k->off) = n;
        return 0;
    case T_BOOL:
        if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
            *(int *)(base + k->off) = 1;
        else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
            *(int *)(base + k->off) = 0;
        else {
            snprintf(exp, explen, "yes or no");
            return -1;
        }
        return 0;
    case T_DURABILITY:
        if (strcmp(v, "sync") == 0)
            cfg->durability = CONFIG_DURABILITY_SYNC;
        else if (strcmp(v, "nosync") == 0)
            cfg->durability = CONFIG_DURABILITY_NOSYNC;
        else {
            snprintf(exp, explen, "sync or nosync");
            return -1;
        }
        return 0;
    case T_LOGLEVEL:
        if (strcmp(v, "error") && strcmp(v, "warn") && strcmp(v, "info") && strcmp(v, "debug")) {
            snprintf(exp, explen, "error, warn, info or debug");
            return -1;
        }
        memcpy(base + k->off, v, len + 1);
        return 0;
    case T_HOSTS:
        return target_allow_parse(v, base + k->off, k->size, exp, explen);
    case T_HEADERS: {
        const char *p = v;
        cfg->redact_count = 0;
        while (*p) {
            const char *e;
            size_t wl;
            while (*p == ' ' || *p == '\t' || *p == ',')
                p++;
            if (!*p)
                break;
            e = p;
            while (*e && *e != ',' && *e != ' ' && *e != '\t')
                e++;
            wl = (size_t)(e - p);
            if (cfg->redact_count == CONFIG_MAX_REDACT || wl >= 64) {
                snprintf(exp, explen, "at most %d header names of at most 63 bytes",
                         CONFIG_MAX_REDACT);
                return -1;
            }
            for (size_t i = 0; i < wl; i++) {
                if (!isalnum((unsigned char)p[i]) && p[i] != '-' && p[i] != '_') {
                    snprintf(exp, explen, "a comma-separated list of header names");
                    return -1;
                }
            }
            memcpy(cfg->redact_headers[cfg->redact_count], p, wl);
            cfg->redact_headers[cfg->redact_count][wl] = '\0';
            cfg->redact_count++;
            p = e;
        }
        return 0;
    }
    }
    return -1;
}

void config_defaults(struct config *cfg)
{
    char exp[128];
    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < NKEYS; i++)
        (void)set_key(cfg, &keys[i], keys[i].def, exp, sizeof(exp));
}

static char *trim(char *s)
{
    char *e;
    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
        *--e = '\0';
    return s;
}

int config_load_stream(struct config *cfg, FILE *f, const char *path, char *err, size_t errlen)
{
    char line[4096];
    char exp[160];
    int lineno = 0;
    unsigned char seen[NKEYS] = {0};

    snprintf(cfg->path, sizeof(cfg->path), "%s", path);
    while (fgets(line, sizeof(line), f) != NULL) {
        char *p, *eq, *key, *val;
        size_t i;

        lineno++;
        if (strchr(line, '\n') == NULL && !feof(f)) {
            snprintf(err, errlen, "%s:%d: line longer than %zu bytes", path, lineno,
                     sizeof(line) - 2);
            return -1;
        }
        p = trim(line);
        if (*p == '\0' || *p == '#')
            continue;
        eq = strchr(p, '=');
        if (eq == NULL) {
            snprintf(err, errlen, "%s:%d: expected 'key = value'", path, lineno);
            return -1;
        }
        *eq = '\0';
        key = trim(p);
        val = trim(eq + 1);
        for (i = 0; i < NKEYS; i++)
            if (strcmp(keys[i].name, key) == 0)
                break;
        if (i == NKEYS) {
            snprintf(err, errlen, "%s:%d: %s: unknown key", path, lineno, key);
            return -1;
        }
        if (seen[i]) {
            snprintf(err, errlen, "%s:%d: %s: set twice", path, lineno, key);
            return -1;
        }
        seen[i] = 1;
        if (set_key(cfg, &keys[i], val, exp, sizeof(exp)) != 0) {
            snprintf(err, errlen, "%s:%d: %s: expected %s", path, lineno, key, exp);
            return -1;
        }
    }
    if (ferror(f)) {
        snprintf(err, errlen, "%s: read error", path);
        return -1;
    }
    return 0;
}

int config_load(struct config *cfg, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    int rc;

    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    rc = config_load_stream(cfg, f, path, err, errlen);
    fclose(f);
    return rc;
}

const char *config_default_path(void)
{
    const char *env = getenv("INCOMING_CONF");
    if (env != NULL && *env != '\0')
        return env;
    return SYSCONFDIR "/incoming.conf";
}

int config_load_default(struct config *cfg, const char *explicit_path, char *err, size_t errlen)
{
    const char *path = explicit_path ? explicit_path : config_default_path();
    FILE *f;

    config_defaults(cfg);
    if (explicit_path == NULL && getenv("INCOMING_CONF") == NULL) {
        f = fopen(path, "r");
        if (f == NULL && errno == ENOENT)
            return 0;
        if (f != NULL)
            fclose(f);
    }
    return config_load(cfg, path, err, errlen);
}

int config_is_redacted(const struct config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->redact_count; i++)
        if (strcasecmp(cfg->redact_headers[i], name) == 0)
            return 1;
    return 0;
}

int config_dump(const struct config *cfg, char *buf, size_t len)
{
    size_t used = 0;
    const char *base = (const char *)cfg;

    for (size_t i = 0; i < NKEYS; i++) {
        const struct key_def *k = &keys[i];
        char val[1024];
        int n;

        switch (k->type) {
        case T_INT:
            snprintf(val, sizeof(val), "%lld", *(const long long *)(base + k->off));
            break;
        case T_BOOL:
            snprintf(val, sizeof(val), "%s", *(const int *)(base + k->off) ? "yes" : "no");
            break;
        case T_DURABILITY:
            snprintf(val, sizeof(val), "%s",
                     cfg->durability == CONFIG_DURABILITY_SYNC ? "sync" : "nosync");
            break;
        case T_HEADERS: {
            size_t u = 0;
            val[0] = '\0';
            for (size_t j = 0; j < cfg->redact_count && u < sizeof(val); j++)
                u += (size_t)snprintf(val + u, sizeof(val) - u, "%s%s", j ? ", " : "",
                                      cfg->redact_headers[j]);
            break;
        }
        default:
            snprintf(val, sizeof(val), "%s", base + k->off);
        }
        n = snprintf(buf + used, len - used, "%s = %s\n", k->name, val);
        if (n < 0 || (size_t)n >= len - used)
            return -1;
        used += (size_t)n;
    }
    return 0;
}
