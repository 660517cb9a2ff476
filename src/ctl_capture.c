/* ctl_capture: `incomingctl capture ID [--raw]` (Retrieve data from the
 * command line) and `incomingctl apply ID`, on top of the capture module
 * (SPEC section 7). capture opens a window of capture_seconds and polls it
 * twice a second until a sample arrives or the window expires. */
#include "ctl.h"

#include "capture.h"
#include "integration.h"
#include "isotime.h"
#include "json.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define POLL_MS 500

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Loads integration id, which must exist and not be deleted. */
static int load_live(struct ctl *c, const char *id, cJSON **doc)
{
    int rc = integration_load(c->store, id, doc);

    if (rc == STORE_NOTFOUND)
        return ctl_fail("no integration with id %s", id);
    if (rc != STORE_OK)
        return ctl_fail("cannot read integration %s: %s", id, store_strerror(rc));
    if (strcmp(integration_state(*doc), "deleted") == 0) {
        cJSON_Delete(*doc);
        *doc = NULL;
        return ctl_fail("integration %s was deleted", id);
    }
    return CTL_OK;
}

/* Polls the window until it holds a sample (*status: the capture status,
 * caller frees) or expires (CTL_USER). A countdown goes to stderr when it
 * is a terminal. */
static int wait_sample(struct ctl *c, const char *id, long long expires, cJSON **status)
{
    int tty = isatty(STDERR_FILENO);
    int rc = CTL_OK;

    *status = NULL;
    for (;;) {
        const char *st;
        if (capture_status(c->store, id, isotime_now_ms(), status) != STORE_OK) {
            rc = ctl_fail("capture: cannot read the window of integration %s", id);
            break;
        }
        st = json_get_string(*status, "status");
        if (st && strcmp(st, "received") == 0)
            break;
        if (st == NULL || strcmp(st, "waiting") != 0 || isotime_now_ms() > expires + 2000) {
            if (tty)
                fputc('\n', stderr);
            rc = ctl_fail("capture: no sample arrived within %lld seconds (window expired)",
                          c->cfg.capture_seconds);
            break;
        }
        if (tty)
            fprintf(stderr, "\rwaiting for a sample: %3lld s left ",
                    json_get_ll(*status, "secondsLeft", 0));
        cJSON_Delete(*status);
        *status = NULL;
        sleep_ms(POLL_MS);
    }
    if (tty && rc == CTL_OK)
        fprintf(stderr, "\rsample received.                    \n");
    if (rc != CTL_OK) {
        cJSON_Delete(*status);
        *status = NULL;
    }
    return rc;
}

/* Prints the received status: --json as GET .../capture answers it, --raw
 * the sample's JSON, else the flattened table. */
static int print_sample(const struct ctl *c, const cJSON *status, int raw)
{
    const cJSON *sample = json_get(status, "sample");

    if (c->json)
        return ctl_print_json(status);
    if (raw)
        return ctl_print_json(json_get(sample, "raw"));
    ctl_print_flat_table(json_get(sample, "flattened"));
    return CTL_OK;
}

int ctl_cmd_capture(struct ctl *c, int argc, char **argv)
{
    int raw = 0, n, rc;
    const struct ctl_opt opts[] = {{"raw", NULL, &raw}, {NULL, NULL, NULL}};
    char *pos[1], id[37];
    cJSON *doc = NULL, *pub = NULL, *status = NULL;
    long long expires = 0;

    rc = ctl_parse(c, "capture", argc, argv, opts, pos, 1, 1, &n);
    if (rc == CTL_OK)
        rc = ctl_parse_id("integration id", pos[0], id);
    if (rc == CTL_OK)
        rc = ctl_store(c, 0);
    if (rc == CTL_OK)
        rc = load_live(c, id, &doc);
    if (rc != CTL_OK)
        return rc;
    if (capture_open(c->store, &c->cfg, id, isotime_now_ms(), &expires) != STORE_OK) {
        cJSON_Delete(doc);
        return ctl_fail("capture: cannot open a window for integration %s", id);
    }
    if (isatty(STDERR_FILENO) && (pub = integration_public(doc, &c->cfg)) != NULL)
        fprintf(stderr, "Send a request to %s within %lld seconds.\n",
                json_get_string(pub, "endpointUrl") ? json_get_string(pub, "endpointUrl") : "?",
                c->cfg.capture_seconds);
    cJSON_Delete(pub);
    cJSON_Delete(doc);
    rc = wait_sample(c, id, expires, &status);
    if (rc == CTL_OK)
        rc = print_sample(c, status, raw);
    cJSON_Delete(status);
    return rc;
}

static void print_parameters(const cJSON *params)
{
    const cJSON *p;

    printf("%-40s  %-7s  %s\n", "KEY", "TYPE", "EXAMPLE");
    cJSON_ArrayForEach(p, params)
    {
        const char *key = json_get_string(p, "key"), *type = json_get_string(p, "type");
        char *ex = json_to_string(json_get(p, "example"));
        size_t len = ex ? strlen(ex) : 0;
        printf("%-40s  %-7s  %.80s%s\n", key ? key : "", type ? type : "", ex ? ex : "",
               len > 80 ? "..." : "");
        cJSON_free(ex);
    }
}

/* Stores the sample's parameters on the integration, as POST .../apply. */
int ctl_cmd_apply(struct ctl *c, int argc, char **argv)
{
    char *pos[1], id[37], err[256];
    cJSON *doc = NULL, *params = NULL, *pub = NULL;
    int n, rc;

    rc = ctl_parse(c, "apply", argc, argv, NULL, pos, 1, 1, &n);
    if (rc == CTL_OK)
        rc = ctl_parse_id("integration id", pos[0], id);
    if (rc == CTL_OK)
        rc = ctl_store(c, 0);
    if (rc == CTL_OK)
        rc = load_live(c, id, &doc);
    if (rc != CTL_OK)
        return rc;
    cJSON_Delete(doc);
    doc = NULL;
    rc = capture_parameters(c->store, id, &params);
    if (rc == STORE_NOTFOUND)
        return ctl_fail("apply: integration %s has no sample: run 'incomingctl capture %s' and "
                        "send one",
                        id, id);
    if (rc != STORE_OK)
        return ctl_fail("apply: cannot read the sample: %s", store_strerror(rc));
    if (integration_set_parameters(c->store, id, params, &doc, err, sizeof(err)) !=
        INTEGRATION_OK) {
        rc = ctl_fail("apply: %s", err);
    } else if ((pub = integration_public(doc, &c->cfg)) == NULL) {
        rc = ctl_fail("out of memory");
    } else if (c->json) {
        rc = ctl_print_json(pub);
    } else {
        printf("applied %d parameters to integration %s:\n", cJSON_GetArraySize(params), id);
        print_parameters(params);
    }
    cJSON_Delete(pub);
    cJSON_Delete(params);
    cJSON_Delete(doc);
    return rc;
}
