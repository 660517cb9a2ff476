/* jwt_auth: JWTs for API keys (SPEC 4.2 and section 6). Issues HS256 tokens
 * signed with the server key, and decides whether an Authorization header
 * admits a request to an integration bound to one API key. Pure: keys come
 * through a lookup callback, time through a parameter. */
#ifndef INCOMING_JWT_AUTH_H
#define INCOMING_JWT_AUTH_H

#include <stddef.h>
#include <time.h>

#define JWT_AUTH_TOKEN_MAX 8192     /* longer tokens are refused before parsing */
#define JWT_AUTH_MAX_LIFETIME 86400 /* exp - iat, seconds */
#define JWT_AUTH_ISSUER "incoming"
#define JWT_AUTH_REALM "incoming"
#define JWT_AUTH_KEY_ID_MAX 64  /* characters of an API key id (a UUID: 36) */
#define JWT_AUTH_SECRET_MAX 256 /* bytes of an API key secret */
#define JWT_AUTH_DESC_MAX 64    /* room for an error description */

enum jwt_auth_status {
    JWT_AUTH_OK = 0,
    JWT_AUTH_MISSING = -1,    /* 401, no Bearer token at all */
    JWT_AUTH_INVALID = -2,    /* 401, error="invalid_token" */
    JWT_AUTH_FORBIDDEN = -3,  /* 403, error="insufficient_scope" */
    JWT_AUTH_UNAVAILABLE = -4 /* 503: the key lookup failed (storage) */
};

/* What the lookup callback tells about one API key. */
struct jwt_auth_key {
    int active;                                /* state is "active" (not revoked) */
    int can_execute;                           /* permissions hold "incoming:execute" */
    unsigned char secret[JWT_AUTH_SECRET_MAX]; /* the key's secret as given to the user */
    size_t secret_len;
};

/* Looks up API key id. Returns 0 and fills *out, 1 when no such key, or
 * -1 when storage failed. out is zeroed before the call. */
typedef int (*jwt_auth_lookup_fn)(void *ctx, const char *key_id, struct jwt_auth_key *out);

struct jwt_auth_params {
    const unsigned char *server_key; /* borrowed; must not be empty */
    size_t server_key_len;
    long leeway; /* jwt_leeway_seconds */
    time_t now;  /* Unix seconds */
    jwt_auth_lookup_fn lookup;
    void *lookup_ctx;
};

/* Issues a token for API key key_id: HS256 with key, claims iss
 * "incoming", sub key_id, iat now, exp now + ttl, jti a random UUID.
 * Returns 0 and *token (the caller frees it with free()), or -1. */
int jwt_auth_issue(const unsigned char *key, size_t key_len, const char *key_id, time_t now,
                   long ttl, char **token);

/* Checks the Authorization header value (NULL when absent) for an
 * integration bound to API key api_key_id (SPEC section 6). Returns a
 * jwt_auth_status; for INVALID and FORBIDDEN a short description that
 * reveals no secret ("token expired") is written to desc (desclen bytes,
 * JWT_AUTH_DESC_MAX is enough), otherwise desc is set to "". */
int jwt_auth_check(const struct jwt_auth_params *p, const char *api_key_id,
                   const char *authorization, char *desc, size_t desclen);

/* Verifies a token issued by POST /auth/token (for POST /v4/events/custom):
 * "Bearer <token>", HS256 with p->server_key, no kid header, iss
 * "incoming", exp required, nbf/iat and lifetime as jwt_auth_check, and a
 * sub of at most JWT_AUTH_KEY_ID_MAX characters, copied into sub (subsize
 * bytes; JWT_AUTH_KEY_ID_MAX + 1 is enough). p->lookup is not used: the
 * caller checks the named key's state and permissions. Returns OK, MISSING,
 * INVALID (desc set, sub "") or UNAVAILABLE (no server key). */
int jwt_auth_verify_issued(const struct jwt_auth_params *p, const char *authorization, char *sub,
                           size_t subsize, char *desc, size_t desclen);

/* Writes the WWW-Authenticate value for a result of jwt_auth_check:
 *   MISSING:   Bearer realm="incoming"
 *   INVALID:   Bearer realm="incoming", error="invalid_token", error_description="..."
 *   FORBIDDEN: Bearer realm="incoming", error="insufficient_scope", error_description="..."
 * (quotes and backslashes in desc escaped, other characters outside
 * printable ASCII replaced by '?'). Returns 0, or -1 when out is too small
 * or status needs no header (OK, UNAVAILABLE). */
int jwt_auth_www_authenticate(int status, const char *desc, char *out, size_t outlen);

/* The HTTP status for a result: 200, 401, 403 or 503. */
int jwt_auth_http_status(int status);

#endif
