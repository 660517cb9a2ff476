/* catalog: what a responder keeps of the store's catalog between requests
 * (see include/catalog.h for the rules that keep it current). */
#include "catalog.h"

#include "apikey.h"
#include "integration.h"
#include "json.h"
#include "uuid.h"

#include <stdlib.h>
#include <string.h>

struct kept_integration {
    char endpoint[UUID_LEN + 1];
    cJSON *doc;
};

struct kept_key {
    char id[UUID_LEN + 1];
    int found;
    struct jwt_auth_key key;
};

struct catalog {
    struct store *store;
    unsigned long long gen; /* the generation everything kept was read at */
    int have_gen;
    int verified;
    struct kept_integration integ[CATALOG_MAX];
    int ninteg;
    struct kept_key keys[CATALOG_MAX];
    int nkeys;
    struct plan_set *plans[CATALOG_MAX];
    int nplans;
    /* Integration documents retired while perhaps still borrowed (from a
     * lookup to the end of its request): freed by catalog_begin. */
    cJSON *retired_docs;
};

int catalog_new(struct catalog **out)
{
    struct catalog *c = calloc(1, sizeof(*c));

    *out = c;
    if (c == NULL)
        return STORE_NOMEM;
    c->retired_docs = cJSON_CreateArray();
    if (c->retired_docs == NULL) {
        free(c);
        *out = NULL;
        return STORE_NOMEM;
    }
    return STORE_OK;
}

static void free_retired(struct catalog *c)
{
    cJSON *d;

    while ((d = cJSON_DetachItemFromArray(c->retired_docs, 0)) != NULL)
        cJSON_Delete(d);
}

/* Forgets everything kept (keys hold no pointers). */
static void retire_all(struct catalog *c)
{
    for (int i = 0; i < c->ninteg; i++)
        cJSON_AddItemToArray(c->retired_docs, c->integ[i].doc);
    c->ninteg = 0;
    c->nkeys = 0;
    /* A plan set is borrowed only between catalog_plan_set and the end of
     * that transaction, with no retire in between: free it now. */
    for (int i = 0; i < c->nplans; i++)
        plan_set_free(c->plans[i]);
    c->nplans = 0;
}

void catalog_free(struct catalog *c)
{
    if (c == NULL)
        return;
    retire_all(c);
    free_retired(c);
    cJSON_Delete(c->retired_docs);
    free(c);
}

void catalog_begin(struct catalog *c, struct store *s)
{
    free_retired(c);
    c->store = s;
    c->verified = 0;
}

int catalog_verified(const struct catalog *c)
{
    return c->verified;
}

/* Reads the generation inside t; when it moved, retires everything kept.
 * Returns 1 when it had not moved, 0 when it had, or a store error. */
static int sync_gen(struct catalog *c, struct store_txn *t)
{
    unsigned long long gen;
    int rc = store_catalog_gen(t, &gen);

    if (rc != STORE_OK)
        return rc;
    c->verified = 1;
    if (c->have_gen && gen == c->gen)
        return 1;
    if (c->have_gen)
        retire_all(c);
    c->gen = gen;
    c->have_gen = 1;
    return 0;
}

int catalog_check(struct catalog *c, struct store_txn *t)
{
    return sync_gen(c, t);
}

struct verify_arg {
    struct catalog *c;
    int res;
};

static int verify_txn(struct store_txn *t, void *arg)
{
    struct verify_arg *a = arg;
    a->res = catalog_check(a->c, t);
    return a->res < 0 ? a->res : STORE_OK;
}

int catalog_verify(struct catalog *c)
{
    struct verify_arg a = {c, 0};
    int rc;

    if (c->store == NULL)
        return STORE_UNAVAILABLE;
    rc = store_txn_run(c->store, verify_txn, &a);
    return rc != STORE_OK ? rc : a.res;
}

/* --- integrations by endpoint --- */

struct integ_arg {
    struct catalog *c;
    const char *endpoint;
    cJSON *doc;
};

static int integ_fn(struct store_txn *t, void *arg)
{
    struct integ_arg *a = arg;
    int rc = sync_gen(a->c, t);

    cJSON_Delete(a->doc);
    a->doc = NULL;
    return rc < 0 ? rc : integration_get_by_endpoint(t, a->endpoint, &a->doc);
}

int catalog_integration(struct catalog *c, const char *endpoint, const cJSON **doc)
{
    struct integ_arg a = {c, endpoint, NULL};
    int rc;

    *doc = NULL;
    if (strlen(endpoint) != UUID_LEN)
        return STORE_NOTFOUND;
    for (int i = 0; i < c->ninteg; i++) {
        if (strcmp(c->integ[i].endpoint, endpoint) == 0) {
            *doc = c->integ[i].doc;
            return STORE_OK;
        }
    }
    if (c->store == NULL)
        return STORE_UNAVAILABLE;
    rc = store_txn_run(c->store, integ_fn, &a);
    if (rc != STORE_OK) {
        cJSON_Delete(a.doc);
        return rc;
    }
    if (c->ninteg == CATALOG_MAX)
        retire_all(c);
    memcpy(c->integ[c->ninteg].endpoint, endpoint, UUID_LEN + 1);
    c->integ[c->ninteg++].doc = a.doc;
    *doc = a.doc;
    return STORE_OK;
}

/* --- API keys --- */

struct key_arg {
    struct catalog *c;
    const char *id;
    struct kept_key k;
};

static int key_fn(struct store_txn *t, void *arg)
{
    struct key_arg *a = arg;
    cJSON *doc = NULL;
    int rc = sync_gen(a->c, t);

    if (rc < 0)
        return rc;
    rc = apikey_get(t, a->id, &doc);
    a->k.found = rc == STORE_OK;
    if (rc == STORE_OK)
        apikey_jwt_key(doc, &a->k.key);
    cJSON_Delete(doc);
    return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

int catalog_jwt_lookup(void *ctx, const char *key_id, struct jwt_auth_key *out)
{
    struct catalog *c = ctx;
    struct key_arg a;
    int rc;

    for (int i = 0; i < c->nkeys; i++) {
        if (strcmp(c->keys[i].id, key_id) == 0) {
            *out = c->keys[i].key;
            return c->keys[i].found ? 0 : 1;
        }
    }
    if (c->store == NULL || strlen(key_id) != UUID_LEN)
        return c->store == NULL ? -1 : 1;
    memset(&a, 0, sizeof(a));
    a.c = c;
    a.id = key_id;
    rc = store_txn_run(c->store, key_fn, &a);
    if (rc != STORE_OK)
        return -1;
    memcpy(a.k.id, key_id, UUID_LEN + 1);
    if (c->nkeys == CATALOG_MAX)
        retire_all(c);
    c->keys[c->nkeys++] = a.k;
    *out = a.k.key;
    memset(&a.k, 0, sizeof(a.k));
    return c->keys[c->nkeys - 1].found ? 0 : 1;
}

/* --- workflows --- */

int catalog_plan_hint(const struct catalog *c, const char *integration_id)
{
    for (int i = 0; i < c->nplans; i++)
        if (strcmp(c->plans[i]->integration_id, integration_id) == 0)
            return c->plans[i]->count;
    return -1;
}

int catalog_plan_set(struct catalog *c, struct store_txn *t, const char *integration_id,
                     const struct plan_set **out)
{
    struct plan_set *p = NULL;
    int rc;

    for (int i = 0; i < c->nplans; i++) {
        if (strcmp(c->plans[i]->integration_id, integration_id) == 0) {
            *out = c->plans[i];
            return STORE_OK;
        }
    }
    rc = plan_set_load(t, integration_id, &p);
    if (rc != STORE_OK)
        return rc;
    if (c->nplans == CATALOG_MAX)
        retire_all(c);
    c->plans[c->nplans++] = p;
    *out = p;
    return STORE_OK;
}
