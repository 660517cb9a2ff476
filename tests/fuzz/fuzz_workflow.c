/* fuzz_workflow: libFuzzer target for workflow documents and their
 * filters, as the admin API and incomingctl take them. The first input
 * byte picks the mode; the rest is JSON text (json_parse, depth 64, as the
 * API reads bodies):
 *   even  a workflow document: workflow_secrets_merge (new, and sent back
 *         over a stored workflow with credentials), then workflow_validate
 *         against a real store holding the integration and API key it may
 *         name (tests/fuzz/fuzz_store.h);
 *   odd   a filter alone: filter_compile and filter_match.
 * Invariants, when a document is valid: workflow_order lists every node
 * once, the trigger first and each edge's source before its target; the
 * trigger's filter compiles; the public form (workflow_secrets_public)
 * holds no credential (no password, token or header-auth value, every
 * credential header masked as {"set": true}); and that public form sent
 * back over its own stored form merges to the stored form again (member
 * order aside). For every
 * filter that compiles: matching against fixed envelopes never fails, and
 * {"not": f} matches exactly when f does not. Build and run with
 * tests/fuzz/run -t workflow. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "filter.h"
#include "fuzz_store.h"
#include "json.h"
#include "workflow.h"
#include "workflow_secrets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_workflow: check failed: %s (line %d)\n", #cond, __LINE__);       \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static const char *const envelope_texts[] = {
    "{\"eventId\":\"0e1f0000-0000-4000-8000-0000000000e1\",\"time\":1583206296408,"
    "\"method\":\"POST\",\"query\":{\"a\":\"1\",\"q\":\"x y\"},\"headers\":{\"Content-Type\":"
    "\"application/"
    "json\",\"X-Request-Id\":\"abc\",\"x-dup\":\"1\",\"X-Dup\":\"2\"},\"body\":{\"a\":1,"
    "\"s\":\"text \\u00e9\",\"items\":[{\"sku\":\"A1\",\"qty\":2},{\"sku\":\"B2\",\"qty\":10,"
    "\"tags\":[\"x\",\"y\"]}],\"n\":null,\"f\":1.5e2,\"big\":9007199254740993,\"t\":true,"
    "\"o\":{},\"arr\":[],\"a-b\":{\"c d\":[[1,2],[3]]},\"num\":\"10\",\"neg\":-0.0}}",
    "{\"method\":\"PUT\",\"headers\":{},\"query\":{},\"body\":[1,\"2\",[3],{\"a\":[{\"b\":[]}]}]}",
    "{\"body\":\"scalar\"}",
};
#define NENV (sizeof(envelope_texts) / sizeof(envelope_texts[0]))
static cJSON *envelopes[NENV];
static cJSON *stored_fixture;

static void setup(void)
{
    if (envelopes[0] != NULL)
        return;
    for (size_t i = 0; i < NENV; i++)
        CHECK(json_parse(envelope_texts[i], strlen(envelope_texts[i]), 64, &envelopes[i], NULL) ==
              0);
    CHECK(json_parse(fuzz_fix_workflow, strlen(fuzz_fix_workflow), 64, &stored_fixture, NULL) == 0);
}

static char *print(const cJSON *v)
{
    struct buf b;
    buf_init(&b, SIZE_MAX / 4);
    CHECK(json_print(v, &b) == BUF_OK);
    return buf_take(&b);
}

/* f compiled from filter: matching is total and "not" negates it. */
static void check_filter(const cJSON *filter, const struct filter *f)
{
    struct filter *nf = NULL;
    cJSON *not = cJSON_CreateObject();
    char err[256];

    CHECK(not != NULL);
    CHECK(cJSON_AddItemToObject(not, "not", cJSON_Duplicate(filter, 1)));
    /* {"not": f} is one group deeper, which may pass a limit f kept to. */
    if (filter_compile(not, NULL, &nf, err, sizeof(err)) == FILTER_OK) {
        for (size_t i = 0; i < NENV; i++) {
            int m = filter_match(f, envelopes[i]);
            CHECK(m == 0 || m == 1);
            if (filter_match(nf, envelopes[i]) != !m) {
                fprintf(stderr, "filter and its \"not\" agree on envelope %zu\n", i);
                abort();
            }
        }
    } else {
        for (size_t i = 0; i < NENV; i++)
            CHECK(filter_match(f, envelopes[i]) <= 1);
    }
    filter_free(nf);
    cJSON_Delete(not );
}

static void filter_mode(const cJSON *filter)
{
    struct filter *f = NULL;
    char err[256];
    int rc;

    err[0] = '\0';
    rc = filter_compile(filter, NULL, &f, err, sizeof(err));
    CHECK(rc == FILTER_OK || rc == FILTER_INVALID);
    CHECK((rc == FILTER_OK) == (f != NULL));
    if (rc != FILTER_OK) {
        CHECK(strncmp(err, "filter", 6) == 0);
        return;
    }
    check_filter(filter, f);
    filter_free(f);
}

/* Every node once, trigger first, edges forward. */
static void check_order(const cJSON *doc)
{
    const char *order[WORKFLOW_MAX_NODES];
    int n = workflow_order(doc, order), count = cJSON_GetArraySize(json_get(doc, "nodes"));
    const cJSON *e;

    CHECK(n == count);
    CHECK(strcmp(order[0], json_get_string(workflow_trigger(doc), "id")) == 0);
    for (int i = 0; i < n; i++) {
        CHECK(workflow_node(doc, order[i]) != NULL);
        for (int j = 0; j < i; j++)
            CHECK(strcmp(order[i], order[j]) != 0);
    }
    cJSON_ArrayForEach(e, json_get(doc, "edges"))
    {
        const char *a = cJSON_GetArrayItem(e, 0)->valuestring;
        const char *b = cJSON_GetArrayItem(e, 1)->valuestring;
        int ia = -1, ib = -1;
        for (int i = 0; i < n; i++) {
            if (strcmp(order[i], a) == 0)
                ia = i;
            if (strcmp(order[i], b) == 0)
                ib = i;
        }
        CHECK(ia >= 0 && ib >= 0 && ia < ib);
    }
}

/* The public form shows no credential. */
static void check_public(const cJSON *pub)
{
    const cJSON *n, *h;

    cJSON_ArrayForEach(n, json_get(pub, "nodes"))
    {
        const cJSON *auth = json_get(n, "auth");
        const char *type = json_get_string(auth, "type");
        const char *aname = json_get_string(auth, "name");

        if (type && strcmp(type, "basic") == 0)
            CHECK(json_get(auth, "password") == NULL);
        if (type && strcmp(type, "bearer") == 0)
            CHECK(json_get(auth, "token") == NULL);
        if (type && strcmp(type, "header") == 0)
            CHECK(json_get(auth, "value") == NULL);
        cJSON_ArrayForEach(h, json_get(n, "headers"))
        {
            if (config_is_redacted(&fuzz_cfg, h->string) ||
                (type && aname && strcmp(type, "header") == 0 && strcasecmp(aname, h->string) == 0))
                CHECK(!cJSON_IsString(h));
        }
    }
}

static void document_mode(const cJSON *doc)
{
    struct store *s = fuzz_store_get();
    cJSON *merged = NULL, *pub, *again = NULL;
    const cJSON *old = NULL;
    char err[512];
    int masked = 0;

    for (int pass = 0; pass < 2; pass++) {
        old = pass == 0 ? NULL : stored_fixture;
        err[0] = '\0';
        if (workflow_secrets_merge(doc, old, &merged, err, sizeof(err)) != 0) {
            CHECK(merged == NULL && err[0] != '\0');
            continue;
        }
        if (workflow_validate(s, merged, err, sizeof(err)) != 0) {
            CHECK(err[0] != '\0');
            cJSON_Delete(merged);
            merged = NULL;
            continue;
        }
        check_order(merged);
        {
            const cJSON *filter = json_get(workflow_trigger(merged), "filter");
            struct filter *f = NULL;
            CHECK(filter_compile(filter, NULL, &f, err, sizeof(err)) == FILTER_OK);
            if (filter != NULL && !cJSON_IsNull(filter))
                check_filter(filter, f);
            filter_free(f);
        }
        pub = workflow_secrets_public(merged, &fuzz_cfg, &masked);
        CHECK(pub != NULL && masked >= 0);
        check_public(pub);
        /* Sent back unchanged, the public form gives the stored form. */
        if (workflow_secrets_merge(pub, merged, &again, err, sizeof(err)) != 0) {
            fprintf(stderr, "the public form does not merge back: %s\n", err);
            abort();
        }
        /* Members may come back in another order (a secret put back goes
         * last), so objects compare as sets (cJSON_Compare). */
        if (!cJSON_Compare(merged, again, 1)) {
            char *a = print(merged), *b = print(again);
            {
                fprintf(stderr, "merge(public(S), S) != S:\n%s\n%s\n", a, b);
                abort();
            }
            free(a);
            free(b);
        }
        cJSON_Delete(again);
        again = NULL;
        cJSON_Delete(pub);
        cJSON_Delete(merged);
        merged = NULL;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cJSON *doc = NULL;

    setup();
    if (size < 1 || json_parse((const char *)data + 1, size - 1, 64, &doc, NULL) != 0)
        return 0;
    if (data[0] & 1)
        filter_mode(doc);
    else if (cJSON_IsObject(doc))
        document_mode(doc);
    cJSON_Delete(doc);
    return 0;
}
