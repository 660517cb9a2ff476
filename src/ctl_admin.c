/* ctl_admin: the incomingctl commands that look after the data directory
 * itself: init, verify and backup (admin-token is in ctl_token.c). */
#include "ctl.h"

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
