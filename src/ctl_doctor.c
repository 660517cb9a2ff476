/* ctl_doctor: `incomingctl doctor`, its options and its output (the
 * checks are in src/doctor.c and src/doctor_web.c; include/doctor.h lists
 * them). */
#include "ctl.h"

#include "doctor.h"

#include <stdio.h>
#include <string.h>

#define STALE_AFTER_DEFAULT 120 /* s: cron runs drain every minute */

static int print_json(const struct doctor_report *r)
{
    cJSON *doc = cJSON_CreateObject(), *checks = cJSON_CreateArray();
    int rc;

    if (doc == NULL || checks == NULL) {
        cJSON_Delete(doc);
        cJSON_Delete(checks);
        return ctl_fail("out of memory");
    }
    cJSON_AddStringToObject(doc, "status", doctor_status_name(doctor_worst(r)));
    cJSON_AddItemToObject(doc, "checks", checks);
    for (int i = 0; i < r->n; i++) {
        const struct doctor_line *l = &r->lines[i];
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "name", l->name);
        cJSON_AddStringToObject(c, "status", doctor_status_name(l->status));
        cJSON_AddStringToObject(c, "message", l->message);
        if (l->fix[0])
            cJSON_AddStringToObject(c, "fix", l->fix);
        cJSON_AddItemToArray(checks, c);
    }
    rc = ctl_print_json(doc);
    cJSON_Delete(doc);
    return rc;
}

/* One line a check: "fail  owner          message -- fix: ...". */
static void print_text(const struct doctor_report *r)
{
    for (int i = 0; i < r->n; i++) {
        const struct doctor_line *l = &r->lines[i];
        printf("%-4s  %-13s  %s%s%s\n", doctor_status_name(l->status), l->name, l->message,
               l->fix[0] ? " -- fix: " : "", l->fix);
    }
}

int ctl_cmd_doctor(struct ctl *c, int argc, char **argv)
{
    const char *user = NULL, *web_conf = NULL, *site = NULL, *stale = NULL;
    int no_http = 0;
    const struct ctl_opt opts[] = {{"user", &user, NULL},       {"web-conf", &web_conf, NULL},
                                   {"site", &site, NULL},       {"stale-after", &stale, NULL},
                                   {"no-http", NULL, &no_http}, {NULL, NULL, NULL}};
    struct doctor_options o;
    struct doctor_report r;
    long long stale_s = STALE_AFTER_DEFAULT;
    char *pos[1];
    int n, rc;

    rc = ctl_parse(c, "doctor", argc, argv, opts, pos, 0, 0, &n);
    if (rc == CTL_OK && stale)
        rc = ctl_parse_num("--stale-after", stale, 0, 86400, &stale_s);
    if (rc != CTL_OK)
        return rc;
    memset(&o, 0, sizeof(o));
    o.conf_path = c->conf_path ? c->conf_path : config_default_path();
    o.conf_error = c->conf_error;
    o.user = user;
    o.web_conf = web_conf;
    o.site = site;
    o.no_http = no_http;
    o.stale_after = (long)stale_s;
    doctor_run(&c->cfg, &o, &r);
    if (c->json)
        rc = print_json(&r);
    else
        print_text(&r);
    if (rc != CTL_OK)
        return rc;
    return doctor_worst(&r) == DOCTOR_FAIL ? CTL_USER : CTL_OK;
}
