/* admin_token: the bearer tokens of the admin API (SPEC section 7), made by
 * `incomingctl admin-token create`. A token is shown once and stored only as
 * its SHA-256: STORE_DB_ADMIN_TOKENS maps the token id to
 * {id, name, createdAt, hash, state[, revokedAt]}. The token text carries
 * its id ("iat_<id>_<64 hex>"), so verifying is one lookup and one
 * constant-time comparison of hashes, with no scan and no second mapping. */
#ifndef INCOMING_ADMIN_TOKEN_H
#define INCOMING_ADMIN_TOKEN_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "store.h"
#include "token_store.h"

#define ADMIN_TOKEN_PREFIX "iat_"
/* "iat_" + 36-character id + "_" + 64 hex digits of 32 random bytes. */
#define ADMIN_TOKEN_LEN TOKEN_STORE_LEN
#define ADMIN_TOKEN_NAME_MAX TOKEN_STORE_NAME_MAX

/* The statuses of include/token_store.h, which does the work. */
enum admin_token_status {
    ADMIN_TOKEN_OK = TOKEN_STORE_OK,
    ADMIN_TOKEN_INVALID = TOKEN_STORE_INVALID,   /* bad name or id; err says which */
    ADMIN_TOKEN_NOTFOUND = TOKEN_STORE_NOTFOUND, /* no token with that id */
    ADMIN_TOKEN_DENIED = TOKEN_STORE_DENIED,     /* verify: unknown, malformed or revoked */
    ADMIN_TOKEN_STORE = TOKEN_STORE_STORE        /* storage or randomness failed */
};

/* Creates an active token named name (NULL or "" gives "admin"). Writes
 * its id and the token text (both NUL-terminated) into id and token; the
 * text exists nowhere else afterwards. *out (may be NULL; caller frees)
 * gets the public object {id, name, createdAt, state}. */
int admin_token_create(struct store *s, const char *name, char id[37],
                       char token[ADMIN_TOKEN_LEN + 1], cJSON **out, char *err, size_t errlen);

/* Every token, in id order, as public objects without hashes. *items:
 * caller frees. */
int admin_token_list(struct store *s, cJSON **items, char *err, size_t errlen);

/* Marks the token revoked (revoking twice is not an error). *out (may be
 * NULL; caller frees) gets the public object. */
int admin_token_revoke(struct store *s, const char *id, cJSON **out, char *err, size_t errlen);

/* Checks a token taken from a request. ADMIN_TOKEN_OK and id (37 bytes)
 * when it is active; ADMIN_TOKEN_DENIED otherwise; ADMIN_TOKEN_STORE when
 * storage failed. The token is never logged. */
int admin_token_verify(struct store *s, const char *token, char id[37]);

#endif
