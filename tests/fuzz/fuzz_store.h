/* fuzz_store.h: a real store for the fuzz targets that reach it (api,
 * workflow, envelope): a Berkeley DB environment in a fresh directory under
 * /dev/shm (else /tmp), durability nosync, holding fixtures with fixed ids
 * that seeds and dictionaries can name: an integration, a JWT one, the
 * one the envelope seeds' events belong to, an API key and a published workflow with credentials. Writes made by inputs
 * would grow it without end, so fuzz_store_wrote() counts them and the
 * store is made anew every FUZZ_STORE_WRITES of them; fuzz_store_fixtures()
 * puts the fixtures back as they were (after an input changed them). The
 * directory is removed at exit (a crash leaves it: /dev/shm/incoming-fuzz-*).
 * Included by one fuzz target each (static functions). */
#ifndef FUZZ_STORE_H
#define FUZZ_STORE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "docstore.h"
#include "json.h"
#include "log.h"
#include "store.h"

#define FIX_INTEG "11111111-1111-4111-8111-111111111111"
#define FIX_INTEG_JWT "22222222-2222-4222-8222-222222222222"
#define FIX_APIKEY "33333333-3333-4333-8333-333333333333"
#define FIX_WORKFLOW "44444444-4444-4444-8444-444444444444"
#define FIX_ENDPOINT "55555555-5555-4555-8555-555555555555"
#define FIX_INTEG_EV "1a2b0000-0000-4000-8000-0000000000a1" /* the envelope seeds' */
#define FUZZ_STORE_WRITES 2000

static struct store *fuzz_store;
static struct config fuzz_cfg;
static char fuzz_dir[64];
static int fuzz_writes;

static const char fuzz_fix_integ[] =
    "{\"id\":\"" FIX_INTEG "\",\"state\":\"published\",\"auth\":\"none\",\"endpointId\":\"" FIX_ENDPOINT
    "\",\"name\":\"fuzz\",\"dedupParams\":[\"body.id\"],\"createdAt\":1,\"updatedAt\":1}";
static const char fuzz_fix_integ_jwt[] =
    "{\"id\":\"" FIX_INTEG_JWT "\",\"state\":\"draft\",\"auth\":\"jwt\",\"apiKeyId\":\"" FIX_APIKEY
    "\",\"endpointId\":\"66666666-6666-4666-8666-666666666666\",\"name\":\"jwt\","
    "\"createdAt\":1,\"updatedAt\":1}";
static const char fuzz_fix_integ_ev[] =
    "{\"id\":\"" FIX_INTEG_EV "\",\"state\":\"published\",\"auth\":\"none\","
    "\"endpointId\":\"2c3d0000-0000-4000-8000-0000000000c1\",\"name\":\"ev\","
    "\"createdAt\":1,\"updatedAt\":1}";
static const char fuzz_fix_apikey[] =
    "{\"id\":\"" FIX_APIKEY "\",\"name\":\"k\",\"permissions\":[\"incoming:execute\"],"
    "\"state\":\"active\",\"secret\":\"ik_kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\","
    "\"createdAt\":1}";
static const char fuzz_fix_workflow[] =
    "{\"id\":\"" FIX_WORKFLOW "\",\"name\":\"wf\",\"state\":\"published\",\"createdAt\":1,"
    "\"updatedAt\":1,\"nodes\":["
    "{\"id\":\"trigger\",\"type\":\"business_event\",\"integrationId\":\"" FIX_INTEG "\","
    "\"filter\":{\"all\":[{\"param\":\"body.a\",\"op\":\"eq\",\"value\":1}]}},"
    "{\"id\":\"send\",\"type\":\"outgoing_integration\",\"action\":\"a\",\"method\":\"POST\","
    "\"url\":\"https://example.com/{{ request.body.a }}\",\"headers\":{\"Authorization\":\"Bearer "
    "s3cr3t\",\"X-Plain\":\"p\"},\"body\":\"{{ request.body | json }}\","
    "\"auth\":{\"type\":\"basic\",\"username\":\"u\",\"password\":\"pw\"}},"
    "{\"id\":\"hdr\",\"type\":\"outgoing_integration\",\"action\":\"h\",\"method\":\"GET\","
    "\"url\":\"https://example.com/\",\"auth\":{\"type\":\"header\",\"name\":\"X-Key\","
    "\"value\":\"hv\"}},"
    "{\"id\":\"end\",\"type\":\"end\"}],"
    "\"edges\":[[\"trigger\",\"send\"],[\"trigger\",\"hdr\"],[\"send\",\"end\"],[\"hdr\",\"end\"]]}";

struct fuzz_put {
    enum store_db db;
    const char *json;
};

static int fuzz_put_fn(struct store_txn *t, void *arg)
{
    const struct fuzz_put *p = arg;
    cJSON *doc = NULL;
    int rc;

    if (json_parse(p->json, strlen(p->json), 64, &doc, NULL) != 0)
        return STORE_ERROR;
    rc = docstore_put(t, p->db, doc, 0);
    cJSON_Delete(doc);
    return rc;
}

static int fuzz_endpoint_fn(struct store_txn *t, void *arg)
{
    (void)arg;
    return store_put(t, STORE_DB_ENDPOINTS, FIX_ENDPOINT, 36, FIX_INTEG, 36, 0);
}

/* Puts the fixtures back (aborts when the store fails). */
static void fuzz_store_fixtures(void)
{
    const struct fuzz_put puts[] = {{STORE_DB_INTEGRATIONS, fuzz_fix_integ},
                                    {STORE_DB_INTEGRATIONS, fuzz_fix_integ_jwt},
                                    {STORE_DB_INTEGRATIONS, fuzz_fix_integ_ev},
                                    {STORE_DB_APIKEYS, fuzz_fix_apikey},
                                    {STORE_DB_WORKFLOWS, fuzz_fix_workflow}};

    for (size_t i = 0; i < sizeof(puts) / sizeof(puts[0]); i++)
        if (store_txn_run(fuzz_store, fuzz_put_fn, (void *)&puts[i]) != STORE_OK) {
            fprintf(stderr, "fuzz_store: cannot write fixture %zu\n", i);
            abort();
        }
    if (store_txn_run(fuzz_store, fuzz_endpoint_fn, NULL) != STORE_OK)
        abort();
}

static void fuzz_store_remove(void)
{
    char cmd[128];

    store_close(fuzz_store);
    fuzz_store = NULL;
    if (fuzz_dir[0] != '\0') {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fuzz_dir);
        if (system(cmd) != 0)
            fprintf(stderr, "fuzz_store: cannot remove %s\n", fuzz_dir);
        fuzz_dir[0] = '\0';
    }
}

static void fuzz_drop_line(void *arg, const char *line, size_t len)
{
    (void)arg, (void)line, (void)len;
}

/* Opens a fresh store with its fixtures (first call, and after
 * FUZZ_STORE_WRITES writes). */
static struct store *fuzz_store_get(void)
{
    char err[512];

    if (fuzz_store != NULL && fuzz_writes < FUZZ_STORE_WRITES)
        return fuzz_store;
    if (fuzz_store == NULL && fuzz_dir[0] == '\0') {
        log_set_sink(fuzz_drop_line, NULL);
        atexit(fuzz_store_remove);
    }
    fuzz_store_remove();
    fuzz_writes = 0;
    snprintf(fuzz_dir, sizeof(fuzz_dir), "%s",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm/incoming-fuzz-XXXXXX"
                                           : "/tmp/incoming-fuzz-XXXXXX");
    if (mkdtemp(fuzz_dir) == NULL) {
        perror("fuzz_store: mkdtemp");
        abort();
    }
    config_defaults(&fuzz_cfg);
    snprintf(fuzz_cfg.data_dir, sizeof(fuzz_cfg.data_dir), "%s/data", fuzz_dir);
    fuzz_cfg.durability = CONFIG_DURABILITY_NOSYNC;
    if (store_open(&fuzz_cfg, STORE_CREATE, &fuzz_store, err, sizeof(err)) != STORE_OK) {
        fprintf(stderr, "fuzz_store: %s\n", err);
        abort();
    }
    fuzz_store_fixtures();
    return fuzz_store;
}

/* An input wrote something lasting (a created document). */
static void fuzz_store_wrote(void)
{
    fuzz_writes++;
}

#endif
