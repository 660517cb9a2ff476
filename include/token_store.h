/* token_store: bearer tokens that are shown once and kept only as their
 * SHA-256, one kind per database: admin API tokens (include/admin_token.h)
 * and read-only metrics tokens (include/metrics_token.h). A record is
 * {id, name, createdAt, hash, state[, revokedAt]} under the token's id; the
 * token text carries its kind's prefix and its id ("iat_<id>_<64 hex>"), so
 * verifying is one lookup and one constant-time comparison of hashes. A
 * token of one kind never verifies as another: the prefix is checked and
 * each kind has its own database. */
#ifndef INCOMING_TOKEN_STORE_H
#define INCOMING_TOKEN_STORE_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "store.h"

/* prefix (4 characters) + 36-character id + "_" + 64 hex digits. */
#define TOKEN_STORE_LEN (4 + 36 + 1 + 64)
#define TOKEN_STORE_NAME_MAX 100

struct token_kind {
    enum store_db db;
    const char *prefix;       /* exactly 4 characters, "iat_" */
    const char *what;         /* "admin token", for messages */
    const char *default_name; /* the name when none is given */
};

enum token_store_status {
    TOKEN_STORE_OK = 0,
    TOKEN_STORE_INVALID = -40,  /* bad name or id; err says which */
    TOKEN_STORE_NOTFOUND = -41, /* no token with that id */
    TOKEN_STORE_DENIED = -42,   /* verify: unknown, malformed or revoked token */
    TOKEN_STORE_STORE = -43     /* storage or randomness failed */
};

/* Creates an active token of kind k named name (NULL or "": the kind's
 * default). Writes its id and text (NUL-terminated) into id and token; the
 * text exists nowhere else afterwards. *out (may be NULL; caller frees)
 * gets the public object {id, name, createdAt, state}. */
int token_store_create(struct store *s, const struct token_kind *k, const char *name, char id[37],
                       char token[TOKEN_STORE_LEN + 1], cJSON **out, char *err, size_t errlen);
/* Every token of kind k, in id order, without hashes. *items: caller frees. */
int token_store_list(struct store *s, const struct token_kind *k, cJSON **items, char *err,
                     size_t errlen);
/* Marks a token revoked (twice is not an error). *out (may be NULL; caller
 * frees) gets the public object. */
int token_store_revoke(struct store *s, const struct token_kind *k, const char *id, cJSON **out,
                       char *err, size_t errlen);
/* Checks a token taken from a request: TOKEN_STORE_OK and id (37 bytes)
 * when it is an active token of kind k; TOKEN_STORE_DENIED otherwise;
 * TOKEN_STORE_STORE when storage failed. The token is never logged. */
int token_store_verify(struct store *s, const struct token_kind *k, const char *token, char id[37]);

#endif
