/* ctl_admin: the incomingctl commands that look after the data directory
 * itself: init, admin-token, verify and backup. */
#include "ctl.h"

#include "admin_token.h"
#include "buf.h"
#include "json.h"
#include "store_admin.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ctl_cmd_init(struct ctl *c, int argc, char **argv)
{
    char *pos[1], meta[600];
    struct stat st;
    int n, rc, existed, tightened = 0;
    cJSON *doc;

    rc = ctl_parse(c, "init", argc, argv, NULL, pos, 0, 0, &n);
    if (rc != CTL_OK)
        return rc;
    snprintf(meta, sizeof(meta), "%s/meta.db", c->cfg.data_dir);
    existed = access(meta, F_OK) == 0;
    rc = ctl_store(c, 1);
    if (rc != CTL_OK)
        return rc;
    /* A directory made by someone else (a package, mkdir -p) gets 0700. */
    if (stat(c->cfg.data_dir, &st) == 0 && (st.st_mode & 077) != 0) {
        if (chmod(c->cfg.data_dir, 0700) != 0)
            return ctl_fail("cannot set mode 0700 on %s: %s", c->cfg.data_dir, strerror(errno));
        tightened = 1;
    }
    if (!c->json) {
        printf("%s data directory %s (schema version %d)\n",
               existed ? "already initialised:" : "initialised", c->cfg.data_dir,
               STORE_SCHEMA_VERSION);
        if (tightened)
            printf("set its mode to 0700\n");
        return CTL_OK;
    }
    doc = cJSON_CreateObject();
    if (doc == NULL)
        return ctl_fail("out of memory");
    cJSON_AddStringToObject(doc, "dataDir", c->cfg.data_dir);
    cJSON_AddBoolToObject(doc, "created", !existed);
    cJSON_AddNumberToObject(doc, "schemaVersion", STORE_SCHEMA_VERSION);
    rc = ctl_print_json(doc);
    cJSON_Delete(doc);
    return rc;
}

static int token_create(struct ctl *c, int argc, char **argv)
{
    const char *name = NULL;
    const struct ctl_opt opts[] = {{"name", &name, NULL}, {NULL, NULL, NULL}};
    char *pos[1], id[37], token[ADMIN_TOKEN_LEN + 1], err[256];
    cJSON *doc;
    int n, rc;

    rc = ctl_parse(c, "admin-token create", argc, argv, opts, pos, 0, 0, &n);
    if (rc == CTL_OK)
        rc = ctl_store(c, 0);
    if (rc != CTL_OK)
        return rc;
    if (admin_token_create(c->store, name, id, token, NULL, err, sizeof(err)) != ADMIN_TOKEN_OK)
        return ctl_fail("admin-token create: %s", err);
    if (!c->json) {
        printf("admin token %s created; it is shown only now:\n%s\n", id, token);
        memset(token, 0, sizeof(token));
        return CTL_OK;
    }
    doc = cJSON_CreateObject();
    if (doc == NULL || !cJSON_AddStringToObject(doc, "id", id) ||
        !cJSON_AddStringToObject(doc, "token", token)) {
        cJSON_Delete(doc);
        return ctl_fail("out of memory");
    }
    memset(token, 0, sizeof(token));
    rc = ctl_print_json(doc);
    cJSON_Delete(doc);
    return rc;
}

static void print_token_row(const cJSON *t)
{
    char when[40];
    const char *name = json_get_string(t, "name");
    const char *state = json_get_string(t, "state");

    ctl_format_time(json_get_ll(t, "createdAt", 0), when, sizeof(when));
    printf("%-36s  %-7s  %-24s  %s\n", json_get_string(t, "id") ? json_get_string(t, "id") : "?",
           state ? state : "?", when, name ? name : "");
}

static int token_list(struct ctl *c, int argc, char **argv)
{
    char *pos[1], err[256];
    cJSON *items = NULL, *t;
    int n, rc;

    rc = ctl_parse(c, "admin-token list", argc, argv, NULL, pos, 0, 0, &n);
    if (rc == CTL_OK)
        rc = ctl_store(c, 0);
    if (rc != CTL_OK)
        return rc;
    if (admin_token_list(c->store, &items, err, sizeof(err)) != ADMIN_TOKEN_OK)
        return ctl_fail("admin-token list: %s", err);
    if (c->json) {
        rc = ctl_print_page(items, NULL);
    } else {
        printf("%-36s  %-7s  %-24s  %s\n", "ID", "STATE", "CREATED", "NAME");
        cJSON_ArrayForEach(t, items) print_token_row(t);
    }
    cJSON_Delete(items);
    return rc;
}

static int token_revoke(struct ctl *c, int argc, char **argv)
{
    char *pos[1], id[37], err[256];
    cJSON *doc = NULL;
    int n, rc;

    rc = ctl_parse(c, "admin-token revoke", argc, argv, NULL, pos, 1, 1, &n);
    if (rc == CTL_OK)
        rc = ctl_parse_id("admin token id", pos[0], id);
    if (rc == CTL_OK)
        rc = ctl_store(c, 0);
    if (rc != CTL_OK)
        return rc;
    if (admin_token_revoke(c->store, id, &doc, err, sizeof(err)) != ADMIN_TOKEN_OK)
        return ctl_fail("admin-token revoke: %s", err);
    if (c->json)
        rc = ctl_print_json(doc);
    else
        printf("admin token %s revoked\n", id);
    cJSON_Delete(doc);
    return rc;
}

int ctl_cmd_admin_token(struct ctl *c, int argc, char **argv)
{
    if (argc < 1)
        return ctl_usage("admin-token: expected create, list or revoke");
    if (strcmp(argv[0], "create") == 0)
        return token_create(c, argc - 1, argv + 1);
    if (strcmp(argv[0], "list") == 0)
        return token_list(c, argc - 1, argv + 1);
    if (strcmp(argv[0], "revoke") == 0)
        return token_revoke(c, argc - 1, argv + 1);
    return ctl_usage("admin-token: unknown subcommand '%s'", argv[0]);
}

/* Splits the verify report into its lines for --json. */
static cJSON *report_lines(const struct buf *report)
{
    cJSON *arr = cJSON_CreateArray();
    const char *p = buf_str(report);

    while (arr && *p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char line[512];
        snprintf(line, sizeof(line), "%.*s", (int)len, p);
        cJSON_AddItemToArray(arr, cJSON_CreateString(line));
        p += len + (nl != NULL);
    }
    return arr;
}

int ctl_cmd_verify(struct ctl *c, int argc, char **argv)
{
    char *pos[1];
    struct buf report;
    int n, rc, problems = 0, vrc;
    cJSON *doc;

    rc = ctl_parse(c, "verify", argc, argv, NULL, pos, 0, 0, &n);
    if (rc == CTL_OK)
        rc = ctl_store(c, 0);
    if (rc != CTL_OK)
        return rc;
    buf_init(&report, 1u << 20);
    vrc = store_admin_verify(c->store, &report, &problems);
    if (c->json) {
        doc = cJSON_CreateObject();
        if (doc) {
            cJSON_AddBoolToObject(doc, "ok", vrc == STORE_OK);
            cJSON_AddNumberToObject(doc, "problems", problems);
            cJSON_AddItemToObject(doc, "report", report_lines(&report));
            rc = ctl_print_json(doc);
        }
        cJSON_Delete(doc);
    } else {
        fputs(buf_str(&report), stdout);
    }
    buf_free(&report);
    if (vrc == STORE_ERROR && problems > 0)
        return ctl_fail("verify: %d problem%s found in %s", problems, problems == 1 ? "" : "s",
                        c->cfg.data_dir);
    if (vrc != STORE_OK)
        return ctl_fail("verify: could not run: %s", store_strerror(vrc));
    if (!c->json)
        printf("verify: %s is consistent\n", c->cfg.data_dir);
    return rc;
}

int ctl_cmd_backup(struct ctl *c, int argc, char **argv)
{
    char *pos[1], err[1024];
    cJSON *doc;
    int n, rc;

    rc = ctl_parse(c, "backup", argc, argv, NULL, pos, 1, 1, &n);
    if (rc == CTL_OK && pos[0][0] == '\0')
        rc = ctl_usage("backup: DIR must not be empty");
    if (rc == CTL_OK)
        rc = ctl_store(c, 0);
    if (rc != CTL_OK)
        return rc;
    if (store_admin_backup(c->store, pos[0], err, sizeof(err)) != STORE_OK)
        return ctl_fail("backup: %s", err);
    if (!c->json) {
        printf("backup of %s written to %s\n", c->cfg.data_dir, pos[0]);
        return CTL_OK;
    }
    doc = cJSON_CreateObject();
    if (doc == NULL)
        return ctl_fail("out of memory");
    cJSON_AddStringToObject(doc, "dataDir", c->cfg.data_dir);
    cJSON_AddStringToObject(doc, "backupDir", pos[0]);
    rc = ctl_print_json(doc);
    cJSON_Delete(doc);
    return rc;
}
