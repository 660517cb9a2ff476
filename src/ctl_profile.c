/* ctl_profile: `incomingctl profile show --email E | --custom-id C |
 * --uuid U | --id I`, the command-line twin of GET /api/v1/profiles: a
 * customer profile with its custom events, newest first (SPEC 4.3). */
#include "ctl.h"

#include "json.h"
#include "profile.h"

#include <stdio.h>
#include <string.h>

static const char *str(const cJSON *doc, const char *name)
{
    const char *s = json_get_string(doc, name);
    return s ? s : "";
}

/* Prints a JSON value compactly, cut at max characters. */
static void print_value(const cJSON *v, int max)
{
    char *text = json_to_string(v);
    size_t len = text ? strlen(text) : 0;

    printf("%.*s%s", max, text ? text : "", (int)len > max ? "..." : "");
    cJSON_free(text);
}

static void print_profile(const cJSON *p)
{
    const cJSON *id, *ev;
    char when[40];

    printf("Profile %s\n", str(p, "id"));
    cJSON_ArrayForEach(id, json_get(p, "identifiers"))
    {
        printf("  %-10s ", id->string);
        print_value(id, 200);
        printf("\n");
    }
    ctl_format_time(json_get_ll(p, "createdAt", 0), when, sizeof(when));
    printf("  created    %s\n", when);
    printf("Events (%d, newest first):\n", cJSON_GetArraySize(json_get(p, "events")));
    cJSON_ArrayForEach(ev, json_get(p, "events"))
    {
        printf("  %-24s  %-20s  %s  ", str(ev, "time"), str(ev, "action"), str(ev, "eventId"));
        if (json_get_string(ev, "label"))
            printf("label=%s  ", str(ev, "label"));
        print_value(json_get(ev, "params"), 120);
        printf("\n");
    }
}

int ctl_cmd_profile(struct ctl *c, int argc, char **argv)
{
    const char *val[PROFILE_IDENTS] = {NULL};
    /* In the order of enum profile_ident. */
    const struct ctl_opt opts[] = {{"email", &val[PROFILE_EMAIL], NULL},
                                   {"custom-id", &val[PROFILE_CUSTOM_ID], NULL},
                                   {"uuid", &val[PROFILE_UUID], NULL},
                                   {"id", &val[PROFILE_ID], NULL},
                                   {NULL, NULL, NULL}};
    char *pos[1];
    cJSON *doc = NULL;
    int n, rc, kind = -1, given = 0;

    if (argc < 1)
        return ctl_usage("profile: expected show");
    if (strcmp(argv[0], "show") != 0)
        return ctl_usage("profile: unknown subcommand '%s'", argv[0]);
    rc = ctl_parse(c, "profile show", argc - 1, argv + 1, opts, pos, 0, 0, &n);
    for (int i = 0; rc == CTL_OK && i < PROFILE_IDENTS; i++)
        if (val[i] != NULL) {
            given++;
            kind = i;
        }
    if (rc == CTL_OK && given != 1)
        rc = ctl_usage("profile show: give exactly one of --email, --custom-id, --uuid, --id");
    if (rc == CTL_OK && val[kind][0] == '\0')
        rc = ctl_usage("profile show: the identifier must not be empty");
    if (rc == CTL_OK)
        rc = ctl_store(c, 0);
    if (rc != CTL_OK)
        return rc;
    rc = profile_lookup(c->store, (enum profile_ident)kind, val[kind], &doc);
    if (rc == PROFILE_NOTFOUND)
        return ctl_fail("no profile has %s %s", profile_ident_name((enum profile_ident)kind),
                        val[kind]);
    if (rc != PROFILE_OK)
        return ctl_fail("profile show: storage failed");
    if (c->json)
        rc = ctl_print_json(doc);
    else
        print_profile(doc);
    cJSON_Delete(doc);
    return rc;
}
