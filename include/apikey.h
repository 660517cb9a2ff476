/* apikey: API keys (SPEC section 6): {id, name, permissions, secret, state,
 * createdAt}. The secret is random (secret_apikey), shown once at creation
 * and kept in the 0600 data directory, since self-signed tokens are
 * verified with it; a second mapping from its SHA-256 finds a key by secret
 * for POST /auth/token. Used by incomingctl, the admin API and the
 * responder's JWT checks alike. */
#ifndef INCOMING_APIKEY_H
#define INCOMING_APIKEY_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "jwt_auth.h"
#include "store.h"

enum apikey_status {
    APIKEY_OK = 0,
    APIKEY_INVALID = -30, /* bad input; err names the field */
    APIKEY_NOTFOUND = -31,
    APIKEY_STORE = -32 /* storage failed */
};

#define APIKEY_PERM_EXECUTE "incoming:execute"
#define APIKEY_PERM_EVENTS "events:write"

/* Creates a key from req {name, permissions?} (permissions default to both).
 * *out (caller frees) is the stored document, secret included: show it once. */
int apikey_create(struct store *s, const cJSON *req, cJSON **out, char *err, size_t errlen);
/* Marks the key revoked (idempotent). *out may be NULL. */
int apikey_revoke(struct store *s, const char *id, cJSON **out, char *err, size_t errlen);
/* Reads a key (secret included) inside a transaction. */
int apikey_get(struct store_txn *t, const char *id, cJSON **out);
int apikey_load(struct store *s, const char *id, cJSON **out);
/* Finds the active or revoked key whose secret is secret (constant-time
 * compare after the hash lookup). APIKEY_NOTFOUND when none. */
int apikey_find_by_secret(struct store *s, const char *secret, cJSON **out);
/* A page of keys without secrets, in id order; see integration_list. */
int apikey_list(struct store *s, const char *cursor, int limit, cJSON **items, char next[64]);
/* A copy without the secret. Caller frees. */
cJSON *apikey_public(const cJSON *doc);
/* 1 when doc is active and holds permission perm. */
int apikey_allows(const cJSON *doc, const char *perm);
/* What JWT checks need of an API key document (its secret, whether it is
 * active and may execute), into out (zeroed first). */
void apikey_jwt_key(const cJSON *doc, struct jwt_auth_key *out);
/* jwt_auth_lookup_fn over a struct store * ctx. */
int apikey_jwt_lookup(void *ctx, const char *key_id, struct jwt_auth_key *out);

#endif
