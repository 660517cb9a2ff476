/* ctl_apikey: `incomingctl apikey create|list|revoke`, on top of the apikey
 * module (SPEC section 6). The secret is printed once, at creation; lists
 * never show it. */
#include "ctl.h"

#include "apikey.h"
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PERMS_MAX 8 /* --permission given more often is a usage error */

static const char *str(const cJSON *doc, const char *name)
{
    const char *s = json_get_string(doc, name);
    return s ? s : "";
}

/* The permissions of a key joined by commas into out. */
static void join_permissions(const cJSON *doc, char *out, size_t outlen)
{
    const cJSON *p;
    size_t used = 0;

    out[0] = '\0';
    cJSON_ArrayForEach(p, json_get(doc, "permissions"))
    {
        if (!cJSON_IsString(p) || used >= outlen)
            continue;
        used +=
            (size_t)snprintf(out + used, outlen - used, "%s%s", used ? "," : "", p->valuestring);
    }
}

/* Takes every --permission P (or --permission=P) out of argv into perms;
 * the other words go to rest in order. Returns CTL_OK or CTL_USAGE. */
static int take_permissions(int argc, char **argv, const char *perms[PERMS_MAX], int *nperms,
                            char **rest, int *nrest)
{
    *nperms = *nrest = 0;
    for (int i = 0; i < argc; i++) {
        const char *value = NULL;
        if (strcmp(argv[i], "--") == 0) {
            while (i < argc)
                rest[(*nrest)++] = argv[i++];
            break;
        }
        if (strcmp(argv[i], "--permission") == 0) {
            if (i + 1 == argc)
                return ctl_usage("apikey create: option --permission needs a value");
            value = argv[++i];
        } else if (strncmp(argv[i], "--permission=", 13) == 0) {
            value = argv[i] + 13;
        } else {
            rest[(*nrest)++] = argv[i];
            continue;
        }
        if (*nperms == PERMS_MAX)
            return ctl_usage("apikey create: --permission given more than %d times", PERMS_MAX);
        perms[(*nperms)++] = value;
    }
    return CTL_OK;
}

/* Builds {name, permissions?} for apikey_create. NULL on OOM. */
static cJSON *create_request(const char *name, const char *const *perms, int nperms)
{
    cJSON *req = cJSON_CreateObject(), *list = NULL;
    int ok = req && cJSON_AddStringToObject(req, "name", name);

    if (ok && nperms > 0)
        ok = (list = cJSON_AddArrayToObject(req, "permissions")) != NULL;
    for (int i = 0; ok && i < nperms; i++)
        ok = cJSON_AddItemToArray(list, cJSON_CreateString(perms[i]));
    if (!ok) {
        cJSON_Delete(req);
        return NULL;
    }
    return req;
}

/* Prints a new key for people, its secret on a line of its own. */
static void print_created(const cJSON *doc)
{
    char perms[200];

    join_permissions(doc, perms, sizeof(perms));
    printf("API key %s created (name %s, permissions %s)\n", str(doc, "id"), str(doc, "name"),
           perms);
    printf("its secret is shown only now:\n%s\n", str(doc, "secret"));
}

static int create(struct ctl *c, int argc, char **argv)
{
    const char *name = NULL, *perms[PERMS_MAX];
    const struct ctl_opt opts[] = {{"name", &name, NULL}, {NULL, NULL, NULL}};
    char *pos[1], err[256], **rest = NULL;
    cJSON *req = NULL, *doc = NULL;
    int n, nperms, nrest, rc;

    rest = calloc((size_t)argc + 1, sizeof(*rest));
    if (rest == NULL)
        return ctl_fail("out of memory");
    rc = take_permissions(argc, argv, perms, &nperms, rest, &nrest);
    if (rc == CTL_OK)
        rc = ctl_parse(c, "apikey create", nrest, rest, opts, pos, 0, 0, &n);
    free(rest);
    if (rc == CTL_OK && name == NULL)
        rc = ctl_usage("apikey create: --name is required");
    if (rc == CTL_OK)
        rc = ctl_store(c, 0);
    if (rc != CTL_OK)
        return rc;
    if ((req = create_request(name, perms, nperms)) == NULL)
        return ctl_fail("out of memory");
    if (apikey_create(c->store, req, &doc, err, sizeof(err)) != APIKEY_OK)
        rc = ctl_fail("apikey create: %s", err);
    else if (c->json)
        rc = ctl_print_json(doc); /* with its secret, as POST /api/v1/apikeys answers */
    else
        print_created(doc);
    cJSON_Delete(req);
    cJSON_Delete(doc);
    return rc;
}

static void print_row(const cJSON *k)
{
    char when[40], perms[200];

    ctl_format_time(json_get_ll(k, "createdAt", 0), when, sizeof(when));
    join_permissions(k, perms, sizeof(perms));
    printf("%-36s  %-7s  %-24s  %-31s  %s\n", str(k, "id"), str(k, "state"), when, perms,
           str(k, "name"));
}

static int list_page(struct ctl *c, const char *cursor, int limit, cJSON **items, char next[64])
{
    return apikey_list(c->store, cursor, limit, items, next);
}

static int list(struct ctl *c, int argc, char **argv)
{
    char header[128];
    snprintf(header, sizeof(header), "%-36s  %-7s  %-24s  %-31s  %s", "ID", "STATE", "CREATED",
             "PERMISSIONS", "NAME");
    return ctl_list(c, "apikey list", argc, argv, list_page, header, print_row);
}

static int revoke(struct ctl *c, int argc, char **argv)
{
    char *pos[1], id[37], err[256];
    cJSON *doc = NULL, *pub;
    int n, rc;

    rc = ctl_parse(c, "apikey revoke", argc, argv, NULL, pos, 1, 1, &n);
    if (rc == CTL_OK)
        rc = ctl_parse_id("API key id", pos[0], id);
    if (rc == CTL_OK)
        rc = ctl_store(c, 0);
    if (rc != CTL_OK)
        return rc;
    if (apikey_revoke(c->store, id, &doc, err, sizeof(err)) != APIKEY_OK)
        return ctl_fail("apikey revoke: %s", err);
    if (!c->json) {
        printf("API key %s revoked; tokens made from it are refused from now on\n", id);
        cJSON_Delete(doc);
        return CTL_OK;
    }
    pub = apikey_public(doc);
    cJSON_Delete(doc);
    if (pub == NULL)
        return ctl_fail("out of memory");
    rc = ctl_print_json(pub);
    cJSON_Delete(pub);
    return rc;
}

int ctl_cmd_apikey(struct ctl *c, int argc, char **argv)
{
    if (argc < 1)
        return ctl_usage("apikey: expected create, list or revoke");
    if (strcmp(argv[0], "create") == 0)
        return create(c, argc - 1, argv + 1);
    if (strcmp(argv[0], "list") == 0)
        return list(c, argc - 1, argv + 1);
    if (strcmp(argv[0], "revoke") == 0)
        return revoke(c, argc - 1, argv + 1);
    return ctl_usage("apikey: unknown subcommand '%s'", argv[0]);
}
