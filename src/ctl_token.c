/* ctl_token: `incomingctl admin-token` and `metrics-token`, each
 * create|list|revoke over one kind of include/token_store.h. */
#include "ctl.h"

#include "admin_token.h"
#include "json.h"
#include "metrics_token.h"

#include <stdio.h>
#include <string.h>

/* One kind of token as the command line sees it. */
struct ctl_token_kind {
    const char *cmd;   /* "admin-token" */
    const char *noun;  /* "admin token" */
    const char *shown; /* said when one is created */
    int (*create)(struct store *s, const char *name, char id[37], char token[TOKEN_STORE_LEN + 1],
                  cJSON **out, char *err, size_t errlen);
    int (*list)(struct store *s, cJSON **items, char *err, size_t errlen);
    int (*revoke)(struct store *s, const char *id, cJSON **out, char *err, size_t errlen);
};

static const struct ctl_token_kind admin_kind = {
    "admin-token",      "admin token",    "it is shown only now",
    admin_token_create, admin_token_list, admin_token_revoke,
};

static const struct ctl_token_kind metrics_kind = {
    "metrics-token",      "metrics token",    "it grants GET /metrics only and is shown only now",
    metrics_token_create, metrics_token_list, metrics_token_revoke,
};

/* The start every subcommand shares: parses its arguments (maxpos
 * positional ones; with id, the first is a token id parsed into it), then
 * opens the store. what gets "<cmd> <verb>" for messages. */
static int token_begin(struct ctl *c, const struct ctl_token_kind *k, const char *verb, int argc,
                       char **argv, const struct ctl_opt *opts, char *id, char what[32])
{
    char *pos[1], idname[32];
    int n, rc;

    snprintf(what, 32, "%s %s", k->cmd, verb);
    rc = ctl_parse(c, what, argc, argv, opts, pos, id ? 1 : 0, id ? 1 : 0, &n);
    if (rc == CTL_OK && id != NULL) {
        snprintf(idname, sizeof(idname), "%s id", k->noun);
        rc = ctl_parse_id(idname, pos[0], id);
    }
    return rc == CTL_OK ? ctl_store(c, 0) : rc;
}

static int token_create(struct ctl *c, const struct ctl_token_kind *k, int argc, char **argv)
{
    const char *name = NULL;
    const struct ctl_opt opts[] = {{"name", &name, NULL}, {NULL, NULL, NULL}};
    char what[32], id[37], token[TOKEN_STORE_LEN + 1], err[256];
    cJSON *doc;
    int rc = token_begin(c, k, "create", argc, argv, opts, NULL, what);

    if (rc != CTL_OK)
        return rc;
    if (k->create(c->store, name, id, token, NULL, err, sizeof(err)) != TOKEN_STORE_OK)
        return ctl_fail("%s: %s", what, err);
    if (!c->json) {
        printf("%s %s created; %s:\n%s\n", k->noun, id, k->shown, token);
        memset(token, 0, sizeof(token));
        return CTL_OK;
    }
    doc = cJSON_CreateObject();
    if (doc == NULL || !cJSON_AddStringToObject(doc, "id", id) ||
        !cJSON_AddStringToObject(doc, "token", token)) {
        memset(token, 0, sizeof(token));
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
    const char *id = json_get_string(t, "id"), *state = json_get_string(t, "state");
    const char *name = json_get_string(t, "name");

    ctl_format_time(json_get_ll(t, "createdAt", 0), when, sizeof(when));
    printf("%-36s  %-7s  %-24s  %s\n", id ? id : "?", state ? state : "?", when, name ? name : "");
}

static int token_list(struct ctl *c, const struct ctl_token_kind *k, int argc, char **argv)
{
    char what[32], err[256];
    cJSON *items = NULL, *t;
    int rc = token_begin(c, k, "list", argc, argv, NULL, NULL, what);

    if (rc != CTL_OK)
        return rc;
    if (k->list(c->store, &items, err, sizeof(err)) != TOKEN_STORE_OK)
        return ctl_fail("%s: %s", what, err);
    if (c->json) {
        rc = ctl_print_page(items, NULL);
    } else {
        printf("%-36s  %-7s  %-24s  %s\n", "ID", "STATE", "CREATED", "NAME");
        cJSON_ArrayForEach(t, items) print_token_row(t);
    }
    cJSON_Delete(items);
    return rc;
}

static int token_revoke(struct ctl *c, const struct ctl_token_kind *k, int argc, char **argv)
{
    char what[32], id[37], err[256];
    cJSON *doc = NULL;
    int rc = token_begin(c, k, "revoke", argc, argv, NULL, id, what);

    if (rc != CTL_OK)
        return rc;
    if (k->revoke(c->store, id, &doc, err, sizeof(err)) != TOKEN_STORE_OK)
        return ctl_fail("%s: %s", what, err);
    if (c->json)
        rc = ctl_print_json(doc);
    else
        printf("%s %s revoked\n", k->noun, id);
    cJSON_Delete(doc);
    return rc;
}

static int token_command(struct ctl *c, const struct ctl_token_kind *k, int argc, char **argv)
{
    if (argc < 1)
        return ctl_usage("%s: expected create, list or revoke", k->cmd);
    if (strcmp(argv[0], "create") == 0)
        return token_create(c, k, argc - 1, argv + 1);
    if (strcmp(argv[0], "list") == 0)
        return token_list(c, k, argc - 1, argv + 1);
    if (strcmp(argv[0], "revoke") == 0)
        return token_revoke(c, k, argc - 1, argv + 1);
    return ctl_usage("%s: unknown subcommand '%s'", k->cmd, argv[0]);
}

int ctl_cmd_admin_token(struct ctl *c, int argc, char **argv)
{
    return token_command(c, &admin_kind, argc, argv);
}

int ctl_cmd_metrics_token(struct ctl *c, int argc, char **argv)
{
    return token_command(c, &metrics_kind, argc, argv);
}
