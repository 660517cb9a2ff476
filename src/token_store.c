/* token_store: creation, listing, revocation and verification of hashed
 * bearer tokens of one kind (see include/token_store.h). Only SHA-256
 * hashes are stored. */
#include "token_store.h"

#include "b64.h"
#include "buf.h"
#include "isotime.h"
#include "json.h"
#include "log.h"
#include "secret.h"
#include "uuid.h"

#include <stdio.h>
#include <string.h>

#define RANDOM_BYTES 32
#define HASH_HEX 64

static int check_name(const char *name, char *err, size_t errlen)
{
    size_t len = strlen(name);

    if (len < 1 || len > TOKEN_STORE_NAME_MAX) {
        snprintf(err, errlen, "name: must be 1 to %d characters", TOKEN_STORE_NAME_MAX);
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) {
            snprintf(err, errlen, "name: control characters are not allowed");
            return -1;
        }
    }
    if (!json_utf8_valid(name, len)) {
        snprintf(err, errlen, "name: not valid UTF-8");
        return -1;
    }
    return 0;
}

/* The stored record without its hash. Caller frees; NULL on OOM. */
static cJSON *public_copy(const cJSON *rec)
{
    cJSON *pub = cJSON_Duplicate(rec, 1);
    if (pub)
        cJSON_DeleteItemFromObjectCaseSensitive(pub, "hash");
    return pub;
}

static int parse_record(const void *val, size_t vlen, cJSON **out)
{
    if (json_parse(val, vlen, 8, out, NULL) != 0 || !cJSON_IsObject(*out)) {
        cJSON_Delete(*out);
        *out = NULL;
        return STORE_ERROR;
    }
    return STORE_OK;
}

static int put_record(struct store_txn *t, const struct token_kind *k, const cJSON *rec, int flags)
{
    char *text = json_to_string(rec);
    const char *id = json_get_string(rec, "id");
    int rc;

    if (text == NULL || id == NULL) {
        cJSON_free(text);
        return STORE_NOMEM;
    }
    rc = store_put(t, k->db, id, strlen(id), text, strlen(text), flags);
    cJSON_free(text);
    return rc;
}

struct create_arg {
    const struct token_kind *k;
    const cJSON *rec;
};

static int create_fn(struct store_txn *t, void *arg)
{
    struct create_arg *a = arg;
    return put_record(t, a->k, a->rec, STORE_NOOVERWRITE);
}

/* Builds a fresh token text for id and the record that stores its hash. */
static cJSON *new_record(const struct token_kind *k, const char *id, const char *name, char *token)
{
    unsigned char rnd[RANDOM_BYTES];
    char hex[2 * RANDOM_BYTES + 1], hash[HASH_HEX + 1];
    cJSON *rec = NULL;

    if (secret_random(rnd, sizeof(rnd)) != SECRET_OK ||
        b64_hex_encode(rnd, sizeof(rnd), hex, sizeof(hex)) != B64_OK)
        return NULL;
    snprintf(token, TOKEN_STORE_LEN + 1, "%s%s_%s", k->prefix, id, hex);
    if (secret_sha256_hex(token, strlen(token), hash) != SECRET_OK)
        goto out;
    rec = cJSON_CreateObject();
    if (rec == NULL || !cJSON_AddStringToObject(rec, "id", id) ||
        !cJSON_AddStringToObject(rec, "name", name) ||
        !cJSON_AddItemToObject(rec, "createdAt", json_number_from_ll(isotime_now_ms())) ||
        !cJSON_AddStringToObject(rec, "hash", hash) ||
        !cJSON_AddStringToObject(rec, "state", "active")) {
        cJSON_Delete(rec);
        rec = NULL;
    }
out:
    memset(rnd, 0, sizeof(rnd));
    memset(hex, 0, sizeof(hex));
    return rec;
}

int token_store_create(struct store *s, const struct token_kind *k, const char *name, char id[37],
                       char token[TOKEN_STORE_LEN + 1], cJSON **out, char *err, size_t errlen)
{
    struct create_arg a = {k, NULL};
    cJSON *rec = NULL;
    int rc;

    if (out)
        *out = NULL;
    token[0] = '\0';
    if (name == NULL || name[0] == '\0')
        name = k->default_name;
    if (check_name(name, err, errlen) != 0)
        return TOKEN_STORE_INVALID;
    if (uuid_generate(id) != 0 || (rec = new_record(k, id, name, token)) == NULL) {
        memset(token, 0, TOKEN_STORE_LEN + 1);
        snprintf(err, errlen, "cannot make a token: no random source or out of memory");
        return TOKEN_STORE_STORE;
    }
    a.rec = rec;
    rc = store_txn_run(s, create_fn, &a);
    if (rc != STORE_OK) {
        memset(token, 0, TOKEN_STORE_LEN + 1);
        cJSON_Delete(rec);
        snprintf(err, errlen, "cannot store the %s: %s", k->what, store_strerror(rc));
        return TOKEN_STORE_STORE;
    }
    if (out)
        *out = public_copy(rec);
    cJSON_Delete(rec);
    return TOKEN_STORE_OK;
}

static int list_cb(const void *key, size_t klen, const void *pkey, size_t pklen, const void *val,
                   size_t vlen, void *arg)
{
    cJSON *rec = NULL, *pub;

    (void)key;
    (void)klen;
    (void)pkey;
    (void)pklen;
    if (parse_record(val, vlen, &rec) != STORE_OK)
        return 0; /* a damaged record is skipped; verify reports it */
    pub = public_copy(rec);
    cJSON_Delete(rec);
    if (pub == NULL)
        return STORE_NOMEM;
    cJSON_AddItemToArray(arg, pub);
    return 0;
}

struct list_arg {
    const struct token_kind *k;
    cJSON *items;
};

static int list_fn(struct store_txn *t, void *arg)
{
    struct list_arg *a = arg;

    cJSON_Delete(a->items);
    a->items = cJSON_CreateArray();
    if (a->items == NULL)
        return STORE_NOMEM;
    return store_scan(t, a->k->db, NULL, 0, 0, list_cb, a->items);
}

int token_store_list(struct store *s, const struct token_kind *k, cJSON **items, char *err,
                     size_t errlen)
{
    struct list_arg a = {k, NULL};
    int rc;

    *items = NULL;
    rc = store_txn_run(s, list_fn, &a);
    *items = a.items;
    if (rc != STORE_OK) {
        cJSON_Delete(*items);
        *items = NULL;
        snprintf(err, errlen, "cannot list %ss: %s", k->what, store_strerror(rc));
        return TOKEN_STORE_STORE;
    }
    return TOKEN_STORE_OK;
}

struct revoke_arg {
    const struct token_kind *k;
    const char *id;
    cJSON *rec;
};

static int revoke_fn(struct store_txn *t, void *arg)
{
    struct revoke_arg *a = arg;
    struct buf v;
    int rc;

    cJSON_Delete(a->rec);
    a->rec = NULL;
    buf_init(&v, 1u << 20);
    rc = store_get_rmw(t, a->k->db, a->id, UUID_LEN, &v);
    if (rc == STORE_OK)
        rc = parse_record(v.data, v.len, &a->rec);
    buf_free(&v);
    if (rc != STORE_OK)
        return rc;
    if (strcmp(json_get_string(a->rec, "state") ? json_get_string(a->rec, "state") : "",
               "revoked") == 0)
        return STORE_OK;
    cJSON_DeleteItemFromObjectCaseSensitive(a->rec, "state");
    if (!cJSON_AddStringToObject(a->rec, "state", "revoked") ||
        !cJSON_AddItemToObject(a->rec, "revokedAt", json_number_from_ll(isotime_now_ms())))
        return STORE_NOMEM;
    return put_record(t, a->k, a->rec, 0);
}

int token_store_revoke(struct store *s, const struct token_kind *k, const char *id, cJSON **out,
                       char *err, size_t errlen)
{
    char key[UUID_LEN + 1];
    struct revoke_arg a = {k, key, NULL};
    int rc;

    if (out)
        *out = NULL;
    if (uuid_parse(id, strlen(id), key) != 0) {
        snprintf(err, errlen, "id: not a UUID");
        return TOKEN_STORE_INVALID;
    }
    rc = store_txn_run(s, revoke_fn, &a);
    if (rc == STORE_NOTFOUND) {
        snprintf(err, errlen, "no %s with id %s", k->what, key);
        rc = TOKEN_STORE_NOTFOUND;
    } else if (rc != STORE_OK) {
        snprintf(err, errlen, "cannot revoke the %s: %s", k->what, store_strerror(rc));
        rc = TOKEN_STORE_STORE;
    } else if (out) {
        *out = public_copy(a.rec);
    }
    cJSON_Delete(a.rec);
    return rc;
}

struct verify_arg {
    const struct token_kind *k;
    const char *id;
    char hash[HASH_HEX + 1]; /* stored hash, "" when absent */
    int active;
};

static int verify_fn(struct store_txn *t, void *arg)
{
    struct verify_arg *a = arg;
    cJSON *rec = NULL;
    const char *h, *state;
    struct buf v;
    int rc;

    a->hash[0] = '\0';
    a->active = 0;
    buf_init(&v, 1u << 20);
    rc = store_get(t, a->k->db, a->id, UUID_LEN, &v);
    if (rc == STORE_OK)
        rc = parse_record(v.data, v.len, &rec);
    buf_free(&v);
    if (rc == STORE_NOTFOUND)
        return STORE_OK;
    if (rc != STORE_OK)
        return rc;
    h = json_get_string(rec, "hash");
    state = json_get_string(rec, "state");
    if (h && strlen(h) == HASH_HEX)
        memcpy(a->hash, h, HASH_HEX + 1);
    a->active = state && strcmp(state, "active") == 0;
    cJSON_Delete(rec);
    return STORE_OK;
}

int token_store_verify(struct store *s, const struct token_kind *k, const char *token, char id[37])
{
    static const char dummy[HASH_HEX + 1] =
        "0000000000000000000000000000000000000000000000000000000000000000";
    struct verify_arg a;
    char key[UUID_LEN + 1], hash[HASH_HEX + 1];
    int rc, equal;

    id[0] = '\0';
    if (token == NULL || strlen(token) != TOKEN_STORE_LEN || strncmp(token, k->prefix, 4) != 0 ||
        uuid_parse(token + 4, UUID_LEN, key) != 0 || token[4 + UUID_LEN] != '_')
        return TOKEN_STORE_DENIED;
    if (secret_sha256_hex(token, TOKEN_STORE_LEN, hash) != SECRET_OK)
        return TOKEN_STORE_STORE;
    memset(&a, 0, sizeof(a));
    a.k = k;
    a.id = key;
    rc = store_txn_run(s, verify_fn, &a);
    if (rc != STORE_OK) {
        LOG_ERR("cannot check a %s: %s", k->what, store_strerror(rc));
        return TOKEN_STORE_STORE;
    }
    /* Compare even when the id is unknown, so timing says little. */
    equal = secret_equal(hash, a.hash[0] ? a.hash : dummy, HASH_HEX);
    if (!equal || !a.active || a.hash[0] == '\0')
        return TOKEN_STORE_DENIED;
    memcpy(id, key, UUID_LEN + 1);
    return TOKEN_STORE_OK;
}
