/* ctl_metrics: `incomingctl metrics-token create|list|revoke`, the
 * read-only tokens a Prometheus server scrapes GET /metrics with. */
#include "ctl.h"

#include "json.h"
#include "metrics_token.h"

#include <stdio.h>
#include <string.h>

static int create(struct ctl *c, int argc, char **argv)
{
    const char *name = NULL;
    const struct ctl_opt opts[] = {{"name", &name, NULL}, {NULL, NULL, NULL}};
    char *pos[1], id[37], token[TOKEN_STORE_LEN + 1], err[256];
    cJSON *doc;
    int n, rc;

    rc = ctl_parse(c, "metrics-token create", argc, argv, opts, pos, 0, 0, &n);
    if (rc == CTL_OK)
        rc = ctl_store(c, 0);
    if (rc != CTL_OK)
        return rc;
    if (metrics_token_create(c->store, name, id, token, NULL, err, sizeof(err)) != TOKEN_STORE_OK)
        return ctl_fail("metrics-token create: %s", err);
    if (!c->json) {
        printf("metrics token %s created; it grants GET /metrics only and is shown only "
               "now:\n%s\n",
               id, token);
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

static int list(struct ctl *c, int argc, char **argv)
{
    char *pos[1], err[256], when[40];
    cJSON *items = NULL, *t;
    int n, rc;

    rc = ctl_parse(c, "metrics-token list", argc, argv, NULL, pos, 0, 0, &n);
    if (rc == CTL_OK)
        rc = ctl_store(c, 0);
    if (rc != CTL_OK)
        return rc;
    if (metrics_token_list(c->store, &items, err, sizeof(err)) != TOKEN_STORE_OK)
        return ctl_fail("metrics-token list: %s", err);
    if (c->json) {
        rc = ctl_print_page(items, NULL);
    } else {
        printf("%-36s  %-7s  %-24s  %s\n", "ID", "STATE", "CREATED", "NAME");
        cJSON_ArrayForEach(t, items)
        {
            const char *id = json_get_string(t, "id"), *state = json_get_string(t, "state");
            const char *name = json_get_string(t, "name");
            ctl_format_time(json_get_ll(t, "createdAt", 0), when, sizeof(when));
            printf("%-36s  %-7s  %-24s  %s\n", id ? id : "?", state ? state : "?", when,
                   name ? name : "");
        }
    }
    cJSON_Delete(items);
    return rc;
}

static int revoke(struct ctl *c, int argc, char **argv)
{
    char *pos[1], id[37], err[256];
    cJSON *doc = NULL;
    int n, rc;

    rc = ctl_parse(c, "metrics-token revoke", argc, argv, NULL, pos, 1, 1, &n);
    if (rc == CTL_OK)
        rc = ctl_parse_id("metrics token id", pos[0], id);
    if (rc == CTL_OK)
        rc = ctl_store(c, 0);
    if (rc != CTL_OK)
        return rc;
    if (metrics_token_revoke(c->store, id, &doc, err, sizeof(err)) != TOKEN_STORE_OK)
        return ctl_fail("metrics-token revoke: %s", err);
    if (c->json)
        rc = ctl_print_json(doc);
    else
        printf("metrics token %s revoked\n", id);
    cJSON_Delete(doc);
    return rc;
}

int ctl_cmd_metrics_token(struct ctl *c, int argc, char **argv)
{
    if (argc < 1)
        return ctl_usage("metrics-token: expected create, list or revoke");
    if (strcmp(argv[0], "create") == 0)
        return create(c, argc - 1, argv + 1);
    if (strcmp(argv[0], "list") == 0)
        return list(c, argc - 1, argv + 1);
    if (strcmp(argv[0], "revoke") == 0)
        return revoke(c, argc - 1, argv + 1);
    return ctl_usage("metrics-token: unknown subcommand '%s'", argv[0]);
}
