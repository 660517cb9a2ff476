/* apikey: storage and checks of API keys. */
#include "apikey.h"

#include "docstore.h"
#include "isotime.h"
#include "json.h"
#include "log.h"
#include "secret.h"
#include "uuid.h"

#include <stdio.h>
#include <string.h>

static int array_has(const cJSON *arr, const char *str)
{
    const cJSON *p;
    cJSON_ArrayForEach(p, arr)
    {
        if (cJSON_IsString(p) && strcmp(p->valuestring, str) == 0)
            return 1;
    }
    return 0;
}

static int valid_perm(const char *p)
{
    return strcmp(p, APIKEY_PERM_EXECUTE) == 0 || strcmp(p, APIKEY_PERM_EVENTS) == 0;
}

/* Builds the permissions array of req (default: both). */
static cJSON *permissions_from(const cJSON *req, char *err, size_t errlen)
{
    const cJSON *perms = json_get(req, "permissions");
    const cJSON *p;
    cJSON *out = cJSON_CreateArray();

    if (out == NULL)
        return NULL;
    if (perms == NULL) {
        cJSON_AddItemToArray(out, cJSON_CreateString(APIKEY_PERM_EXECUTE));
        cJSON_AddItemToArray(out, cJSON_CreateString(APIKEY_PERM_EVENTS));
        return out;
    }
    if (!cJSON_IsArray(perms) || cJSON_GetArraySize(perms) == 0) {
        snprintf(err, errlen, "permissions: must be a non-empty array of %s, %s",
                 APIKEY_PERM_EXECUTE, APIKEY_PERM_EVENTS);
        cJSON_Delete(out);
        return NULL;
    }
    cJSON_ArrayForEach(p, perms)
    {
        if (!cJSON_IsString(p) || !valid_perm(p->valuestring)) {
            snprintf(err, errlen, "permissions: each must be %s or %s", APIKEY_PERM_EXECUTE,
                     APIKEY_PERM_EVENTS);
            cJSON_Delete(out);
            return NULL;
        }
        if (!array_has(out, p->valuestring))
            cJSON_AddItemToArray(out, cJSON_CreateString(p->valuestring));
    }
    return out;
}

static int validate(const cJSON *req, char *err, size_t errlen)
{
    const cJSON *it, *name;

    if (!cJSON_IsObject(req)) {
        snprintf(err, errlen, "body: must be a JSON object");
        return -1;
    }
    cJSON_ArrayForEach(it, req)
    {
        if (strcmp(it->string, "name") != 0 && strcmp(it->string, "permissions") != 0) {
            snprintf(err, errlen, "%.60s: unknown field", it->string);
            return -1;
        }
    }
    name = json_get(req, "name");
    if (!cJSON_IsString(name) || name->valuestring[0] == '\0' || strlen(name->valuestring) > 100) {
        snprintf(err, errlen, "name: required, 1 to 100 characters");
        return -1;
    }
    if (json_text_has_control(name->valuestring)) {
        snprintf(err, errlen, "name: control characters are not allowed");
        return -1;
    }
    return 0;
}

static int put_doc(struct store_txn *t, const cJSON *doc, int flags)
{
    char *text = json_to_string(doc);
    const char *id = json_get_string(doc, "id");
    int rc;

    if (text == NULL)
        return STORE_NOMEM;
    rc = store_put(t, STORE_DB_APIKEYS, id, strlen(id), text, strlen(text), flags);
    cJSON_free(text);
    return rc;
}

static int create_fn(struct store_txn *t, void *arg)
{
    const cJSON *doc = arg;
    const char *id = json_get_string(doc, "id");
    char hash[65];
    int rc;

    secret_sha256_hex(json_get_string(doc, "secret"), strlen(json_get_string(doc, "secret")), hash);
    rc = store_put(t, STORE_DB_APIKEY_SECRETS, hash, 64, id, strlen(id), STORE_NOOVERWRITE);
    if (rc == STORE_OK)
        rc = put_doc(t, doc, STORE_NOOVERWRITE);
    return rc;
}

int apikey_create(struct store *s, const cJSON *req, cJSON **out, char *err, size_t errlen)
{
    char id[UUID_LEN + 1], sec[SECRET_APIKEY_LEN + 1];
    cJSON *doc = NULL, *perms;
    int rc;

    *out = NULL;
    if (validate(req, err, errlen) != 0)
        return APIKEY_INVALID;
    perms = permissions_from(req, err, errlen);
    if (perms == NULL)
        return APIKEY_INVALID;
    if (uuid_generate(id) != 0 || secret_apikey(sec) != 0) {
        cJSON_Delete(perms);
        snprintf(err, errlen, "no random source");
        return APIKEY_STORE;
    }
    doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "id", id);
    cJSON_AddStringToObject(doc, "name", json_get_string(req, "name"));
    cJSON_AddItemToObject(doc, "permissions", perms);
    cJSON_AddStringToObject(doc, "state", "active");
    cJSON_AddStringToObject(doc, "secret", sec);
    cJSON_AddItemToObject(doc, "createdAt", json_number_from_ll(isotime_now_ms()));
    rc = store_txn_run(s, create_fn, doc);
    memset(sec, 0, sizeof(sec));
    if (rc != STORE_OK) {
        cJSON_Delete(doc);
        snprintf(err, errlen, "cannot store the API key: %s", store_strerror(rc));
        return APIKEY_STORE;
    }
    *out = doc;
    return APIKEY_OK;
}

int apikey_get(struct store_txn *t, const char *id, cJSON **out)
{
    return docstore_get(t, STORE_DB_APIKEYS, id, 0, out);
}

int apikey_load(struct store *s, const char *id, cJSON **out)
{
    return docstore_load(s, STORE_DB_APIKEYS, id, out);
}

struct revoke_arg {
    const char *id;
    cJSON *doc;
};

static int revoke_fn(struct store_txn *t, void *arg)
{
    struct revoke_arg *a = arg;
    int rc;

    cJSON_Delete(a->doc);
    a->doc = NULL;
    rc = apikey_get(t, a->id, &a->doc);
    if (rc != STORE_OK)
        return rc;
    cJSON_ReplaceItemInObjectCaseSensitive(a->doc, "state", cJSON_CreateString("revoked"));
    return put_doc(t, a->doc, 0);
}

int apikey_revoke(struct store *s, const char *id, cJSON **out, char *err, size_t errlen)
{
    struct revoke_arg a = {id, NULL};
    int rc = store_txn_run(s, revoke_fn, &a);

    if (out)
        *out = NULL;
    if (rc == STORE_NOTFOUND) {
        snprintf(err, errlen, "no API key with id %.40s", id);
        return APIKEY_NOTFOUND;
    }
    if (rc != STORE_OK) {
        cJSON_Delete(a.doc);
        snprintf(err, errlen, "cannot revoke the API key: %s", store_strerror(rc));
        return APIKEY_STORE;
    }
    if (out)
        *out = a.doc;
    else
        cJSON_Delete(a.doc);
    return APIKEY_OK;
}

struct secret_arg {
    char hash[65];
    cJSON *doc;
};

static int by_secret_fn(struct store_txn *t, void *arg)
{
    struct secret_arg *a = arg;
    struct buf id;
    int rc;

    cJSON_Delete(a->doc);
    a->doc = NULL;
    buf_init(&id, 64);
    rc = store_get(t, STORE_DB_APIKEY_SECRETS, a->hash, 64, &id);
    if (rc == STORE_OK)
        rc = apikey_get(t, buf_str(&id), &a->doc);
    buf_free(&id);
    return rc;
}

int apikey_find_by_secret(struct store *s, const char *secret, cJSON **out)
{
    struct secret_arg a;
    const char *stored;
    int rc;

    *out = NULL;
    a.doc = NULL;
    if (strlen(secret) > 256)
        return APIKEY_NOTFOUND;
    secret_sha256_hex(secret, strlen(secret), a.hash);
    rc = store_txn_run(s, by_secret_fn, &a);
    if (rc == STORE_NOTFOUND)
        return APIKEY_NOTFOUND;
    if (rc != STORE_OK) {
        cJSON_Delete(a.doc);
        return APIKEY_STORE;
    }
    stored = json_get_string(a.doc, "secret");
    if (stored == NULL || !secret_streq(secret, stored)) {
        cJSON_Delete(a.doc);
        return APIKEY_NOTFOUND;
    }
    *out = a.doc;
    return APIKEY_OK;
}

cJSON *apikey_public(const cJSON *doc)
{
    cJSON *pub = cJSON_Duplicate(doc, 1);
    if (pub)
        cJSON_DeleteItemFromObjectCaseSensitive(pub, "secret");
    return pub;
}

int apikey_allows(const cJSON *doc, const char *perm)
{
    const char *state = json_get_string(doc, "state");

    if (state == NULL || strcmp(state, "active") != 0)
        return 0;
    return array_has(json_get(doc, "permissions"), perm);
}

void apikey_jwt_key(const cJSON *doc, struct jwt_auth_key *out)
{
    const char *sec = json_get_string(doc, "secret");
    const char *state = json_get_string(doc, "state");

    memset(out, 0, sizeof(*out));
    out->active = state != NULL && strcmp(state, "active") == 0;
    out->can_execute = apikey_allows(doc, APIKEY_PERM_EXECUTE);
    if (sec && strlen(sec) <= sizeof(out->secret)) {
        out->secret_len = strlen(sec);
        memcpy(out->secret, sec, out->secret_len);
    }
}

int apikey_jwt_lookup(void *ctx, const char *key_id, struct jwt_auth_key *out)
{
    struct store *s = ctx;
    cJSON *doc = NULL;
    int rc = apikey_load(s, key_id, &doc);

    if (rc == STORE_NOTFOUND)
        return 1;
    if (rc != STORE_OK)
        return -1;
    apikey_jwt_key(doc, out);
    cJSON_Delete(doc);
    return 0;
}

static cJSON *public_item(cJSON *doc, void *arg)
{
    (void)arg;
    cJSON_DeleteItemFromObjectCaseSensitive(doc, "secret");
    return doc;
}

int apikey_list(struct store *s, const char *cursor, int limit, cJSON **items, char next[64])
{
    int rc = docstore_list(s, STORE_DB_APIKEYS, cursor, limit, public_item, NULL, items, next);
    if (rc == STORE_NOTFOUND)
        return APIKEY_INVALID;
    return rc == STORE_OK ? APIKEY_OK : APIKEY_STORE;
}
