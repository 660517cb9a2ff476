/* hmac_auth: signed webhooks (SPEC section 6, auth "hmac"). Verifies a
 * request's signature over its raw body for the schemes standard-webhooks,
 * github and custom, comparing in constant time, and validates an
 * integration's hmac configuration. Pure: no storage, no globals. */
#ifndef INCOMING_HMAC_AUTH_H
#define INCOMING_HMAC_AUTH_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <time.h>

#define HMAC_AUTH_SECRET_MAX 256 /* characters of the configured secret */
#define HMAC_AUTH_KEY_MAX 192    /* bytes of a decoded whsec_ key */
#define HMAC_AUTH_HEADER_MAX 64  /* characters of a custom header name */
#define HMAC_AUTH_PREFIX_MAX 32  /* characters of a custom prefix */
#define HMAC_AUTH_TOLERANCE 300  /* seconds of webhook-timestamp skew */
#define HMAC_AUTH_VALUE_MAX 4096 /* longest signature header examined */

enum hmac_auth_scheme { HMAC_SCHEME_STANDARD_WEBHOOKS = 0, HMAC_SCHEME_GITHUB, HMAC_SCHEME_CUSTOM };
enum hmac_auth_alg { HMAC_ALG_SHA256 = 0, HMAC_ALG_SHA1, HMAC_ALG_SHA512 };
enum hmac_auth_encoding { HMAC_ENC_HEX = 0, HMAC_ENC_BASE64 };

/* A validated configuration (a plain value: copy freely, nothing to free).
 * key holds the bytes used as the HMAC key: the decoded whsec_ part for
 * standard-webhooks, the secret text itself for github and custom. */
struct hmac_auth_config {
    enum hmac_auth_scheme scheme;
    enum hmac_auth_alg alg;
    enum hmac_auth_encoding encoding;
    char header[HMAC_AUTH_HEADER_MAX + 1];   /* custom only */
    char prefix[HMAC_AUTH_PREFIX_MAX + 1];   /* custom only, may be "" */
    unsigned char key[HMAC_AUTH_SECRET_MAX]; /* >= HMAC_AUTH_KEY_MAX */
    size_t key_len;
};

enum hmac_auth_status {
    HMAC_AUTH_OK = 0,
    HMAC_AUTH_MISSING = -1,   /* a required header is absent or empty */
    HMAC_AUTH_MALFORMED = -2, /* a header is not in the scheme's format */
    HMAC_AUTH_STALE = -3,     /* webhook-timestamp outside the tolerance */
    HMAC_AUTH_MISMATCH = -4,  /* no signature matches */
    HMAC_AUTH_INTERNAL = -5   /* configuration unusable or crypto failure */
};

/* Returns the value of request header name (matched case-insensitively),
 * or NULL when absent. The string is borrowed for the duration of the
 * hmac_auth_verify call. */
typedef const char *(*hmac_auth_header_fn)(void *ctx, const char *name);

/* Checks an integration's "hmac" object:
 *   {"scheme": "standard-webhooks"|"github"|"custom" (default the first),
 *    "secret": "...", "header", "algorithm", "encoding", "prefix"}
 * (the last four for custom only; algorithm sha1|sha256|sha512, default
 * sha256; encoding hex|base64, default hex; prefix default ""). A
 * standard-webhooks secret is "whsec_" + base64 of 16..192 bytes; other
 * secrets are 1..256 printable ASCII characters (spaces allowed). Unknown or repeated fields are
 * refused. Returns 0 and fills *out (may be NULL to only validate), or -1
 * with a message naming the field in err ("hmac.algorithm: expected
 * sha1, sha256 or sha512"); the message never contains the secret. */
int hmac_auth_config_parse(const cJSON *obj, struct hmac_auth_config *out, char *err,
                           size_t errlen);

/* Verifies the request: headers through get(ctx, name), the raw body bytes,
 * now (Unix seconds) for the timestamp window. Returns HMAC_AUTH_OK or an
 * hmac_auth_status with a short reason for the 401 message in reason
 * ("signature mismatch"); the reason never contains the secret or the
 * expected signature. */
int hmac_auth_verify(const struct hmac_auth_config *cfg, hmac_auth_header_fn get, void *ctx,
                     const void *body, size_t body_len, time_t now, char *reason, size_t reasonlen);

/* Computes the HMAC of data with key (out needs 64 bytes); for tests and
 * for clients such as incomingctl that sign requests. Returns the digest
 * length, or -1. */
int hmac_auth_compute(enum hmac_auth_alg alg, const void *key, size_t key_len, const void *data,
                      size_t len, unsigned char out[64]);

#endif
