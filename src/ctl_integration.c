/* ctl_integration: `incomingctl integration create|list|show|publish|
 * unpublish|delete`, on top of the integration module. */
#include "ctl.h"

#include "buf.h"
#include "integration.h"
#include "json.h"

#include <stdio.h>
#include <string.h>

static const char *str(const cJSON *doc, const char *name)
{
    const char *s = json_get_string(doc, name);
    return s ? s : "";
}

/* Prints one integration for people: one "key: value" line per member. */
static void print_integration(const cJSON *pub)
{
    const cJSON *it;

    cJSON_ArrayForEach(it, pub)
    {
        char when[40];
        if (cJSON_IsString(it)) {
            printf("%-12s %s\n", it->string, it->valuestring);
        } else if (cJSON_IsNumber(it) &&
                   (strcmp(it->string, "createdAt") == 0 || strcmp(it->string, "updatedAt") == 0)) {
            ctl_format_time(json_get_ll(pub, it->string, 0), when, sizeof(when));
            printf("%-12s %s\n", it->string, when);
        } else {
            char *text = json_to_string(it);
            printf("%-12s %s\n", it->string, text ? text : "?");
            cJSON_free(text);
        }
    }
}

/* Prints pub (borrowed) as --json or for people. */
static int show_public(const struct ctl *c, const cJSON *pub)
{
    if (c->json)
        return ctl_print_json(pub);
    print_integration(pub);
    return CTL_OK;
}

/* The --hmac-* options that become members of the request's "hmac". */
static const char *const hmac_fields[] = {"scheme",    "secret",   "header",
                                          "algorithm", "encoding", "prefix"};
#define HMAC_FIELDS (sizeof(hmac_fields) / sizeof(hmac_fields[0]))

/* Builds the create request from the options given. NULL on OOM. */
static cJSON *create_request(const char *name, const char *auth, const char *icon,
                             const char *api_key, const char *const hmac[HMAC_FIELDS])
{
    cJSON *req = cJSON_CreateObject(), *h = NULL;
    int ok = req && cJSON_AddStringToObject(req, "name", name) &&
             (!auth || cJSON_AddStringToObject(req, "auth", auth)) &&
             (!icon || cJSON_AddStringToObject(req, "icon", icon)) &&
             (!api_key || cJSON_AddStringToObject(req, "apiKeyId", api_key));

    for (size_t i = 0; ok && i < HMAC_FIELDS; i++) {
        if (hmac[i] == NULL)
            continue;
        if (h == NULL && (h = cJSON_AddObjectToObject(req, "hmac")) == NULL)
            ok = 0;
        else
            ok = cJSON_AddStringToObject(h, hmac_fields[i], hmac[i]) != NULL;
    }
    if (!ok) {
        cJSON_Delete(req);
        return NULL;
    }
    return req;
}

static int create(struct ctl *c, int argc, char **argv)
{
    const char *name = NULL, *auth = NULL, *icon = NULL, *api_key = NULL;
    const char *hmac[HMAC_FIELDS] = {NULL};
    const struct ctl_opt opts[] = {{"name", &name, NULL},
                                   {"auth", &auth, NULL},
                                   {"icon", &icon, NULL},
                                   {"api-key", &api_key, NULL},
                                   {"hmac-scheme", &hmac[0], NULL},
                                   {"hmac-secret", &hmac[1], NULL},
                                   {"hmac-header", &hmac[2], NULL},
                                   {"hmac-algorithm", &hmac[3], NULL},
                                   {"hmac-encoding", &hmac[4], NULL},
                                   {"hmac-prefix", &hmac[5], NULL},
                                   {NULL, NULL, NULL}};
    char *pos[1], err[256], key[37];
    cJSON *req = NULL, *doc = NULL, *pub = NULL;
    int n, rc;

    rc = ctl_parse(c, "integration create", argc, argv, opts, pos, 0, 0, &n);
    if (rc == CTL_OK && name == NULL)
        rc = ctl_usage("integration create: --name is required");
    if (rc == CTL_OK && api_key)
        rc = ctl_parse_id("--api-key", api_key, key);
    if (rc == CTL_OK)
        rc = ctl_store(c, 0);
    if (rc != CTL_OK)
        return rc;
    req = create_request(name, auth, icon, api_key ? key : NULL, hmac);
    if (req == NULL) {
        rc = ctl_fail("out of memory");
    } else if (integration_create(c->store, req, &doc, err, sizeof(err)) != INTEGRATION_OK) {
        rc = ctl_fail("integration create: %s", err);
    } else if ((pub = integration_public(doc, &c->cfg)) == NULL) {
        rc = ctl_fail("out of memory");
    } else if (c->json) {
        rc = ctl_print_json(pub);
    } else {
        printf("created integration %s (state draft; publish it to accept requests)\n",
               str(pub, "id"));
        printf("endpoint URL: %s\n", str(pub, "endpointUrl"));
    }
    cJSON_Delete(pub);
    cJSON_Delete(doc);
    cJSON_Delete(req);
    return rc;
}

static void print_row(const cJSON *pub)
{
    printf("%-36s  %-11s  %-4s  %-30s  %s\n", str(pub, "id"), str(pub, "state"), str(pub, "auth"),
           str(pub, "name"), str(pub, "endpointUrl"));
}

/* Appends one page after cursor to all; next gets the following cursor. */
static int list_page(struct ctl *c, const char *cursor, int limit, cJSON **items, char next[64])
{
    return integration_list(c->store, &c->cfg, cursor, limit, items, next);
}

static int list(struct ctl *c, int argc, char **argv)
{
    char header[128];
    snprintf(header, sizeof(header), "%-36s  %-11s  %-4s  %-30s  %s", "ID", "STATE", "AUTH", "NAME",
             "ENDPOINT URL");
    return ctl_list(c, "integration list", argc, argv, list_page, header, print_row);
}

static int show(struct ctl *c, const char *id)
{
    cJSON *doc = NULL, *pub;
    int rc = integration_load(c->store, id, &doc);

    if (rc == STORE_NOTFOUND)
        return ctl_fail("no integration with id %s", id);
    if (rc != STORE_OK)
        return ctl_fail("cannot read integration %s: %s", id, store_strerror(rc));
    pub = integration_public(doc, &c->cfg);
    cJSON_Delete(doc);
    if (pub == NULL)
        return ctl_fail("out of memory");
    rc = show_public(c, pub);
    cJSON_Delete(pub);
    return rc;
}

static int set_state(struct ctl *c, const char *id, const char *state)
{
    char err[256];
    cJSON *doc = NULL, *pub;
    int rc;

    if (integration_set_state(c->store, id, state, &doc, err, sizeof(err)) != INTEGRATION_OK)
        return ctl_fail("%s", err);
    if (!c->json) {
        printf("integration %s is now %s\n", id, state);
        cJSON_Delete(doc);
        return CTL_OK;
    }
    pub = integration_public(doc, &c->cfg);
    cJSON_Delete(doc);
    if (pub == NULL)
        return ctl_fail("out of memory");
    rc = ctl_print_json(pub);
    cJSON_Delete(pub);
    return rc;
}

/* show, publish, unpublish and delete take exactly one id. */
static int by_id(struct ctl *c, const char *sub, int argc, char **argv)
{
    char *pos[1], id[37], cmd[40];
    int n, rc;

    snprintf(cmd, sizeof(cmd), "integration %s", sub);
    rc = ctl_parse(c, cmd, argc, argv, NULL, pos, 1, 1, &n);
    if (rc == CTL_OK)
        rc = ctl_parse_id("integration id", pos[0], id);
    if (rc == CTL_OK)
        rc = ctl_store(c, 0);
    if (rc != CTL_OK)
        return rc;
    if (strcmp(sub, "show") == 0)
        return show(c, id);
    if (strcmp(sub, "publish") == 0)
        return set_state(c, id, "published");
    if (strcmp(sub, "unpublish") == 0)
        return set_state(c, id, "unpublished");
    return set_state(c, id, "deleted");
}

int ctl_cmd_integration(struct ctl *c, int argc, char **argv)
{
    static const char *const with_id[] = {"show", "publish", "unpublish", "delete"};

    if (argc < 1)
        return ctl_usage("integration: expected create, list, show, publish, unpublish or "
                         "delete");
    if (strcmp(argv[0], "create") == 0)
        return create(c, argc - 1, argv + 1);
    if (strcmp(argv[0], "list") == 0)
        return list(c, argc - 1, argv + 1);
    for (size_t i = 0; i < sizeof(with_id) / sizeof(with_id[0]); i++)
        if (strcmp(argv[0], with_id[i]) == 0)
            return by_id(c, with_id[i], argc - 1, argv + 1);
    return ctl_usage("integration: unknown subcommand '%s'", argv[0]);
}
