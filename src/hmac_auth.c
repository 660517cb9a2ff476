/* hmac_auth: signed webhook verification and hmac configuration checks.
 * Signatures are decoded from the request and compared as bytes with
 * CRYPTO_memcmp, so neither hex case nor timing reveals anything. */
#include "hmac_auth.h"

#include "b64.h"
#include "log.h"
#include "numparse.h"
#include "secret.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define WHSEC_PREFIX "whsec_"
#define WHSEC_MIN_BYTES 16
#define SW_MAX_ID 256

static const char *alg_names[] = {"SHA256", "SHA1", "SHA512"};
static const int alg_sizes[] = {32, 20, 64};

/* HMAC over the concatenation of nparts byte strings (secret_hmac).
 * Returns the digest length or -1. */
static int mac_parts(enum hmac_auth_alg alg, const void *key, size_t key_len,
                     const void *const *parts, const size_t *lens, int nparts,
                     unsigned char out[64])
{
    if ((unsigned)alg > HMAC_ALG_SHA512 ||
        secret_hmac(alg_names[alg], key, key_len, parts, lens, nparts, out) != alg_sizes[alg])
        return -1;
    return alg_sizes[alg];
}

int hmac_auth_compute(enum hmac_auth_alg alg, const void *key, size_t key_len, const void *data,
                      size_t len, unsigned char out[64])
{
    const void *parts[1] = {data};
    size_t lens[1] = {len};

    return mac_parts(alg, key, key_len, parts, lens, 1, out);
}

/* ---- configuration ---- */

static int cfg_fail(char *err, size_t errlen, const char *field, const char *msg)
{
    snprintf(err, errlen, "hmac.%s: %s", field, msg);
    return -1;
}

/* 1 when s is 1..max printable ASCII characters (from lo: 0x20 allows
 * spaces, 0x21 does not). */
static int printable(const char *s, size_t max, unsigned char lo)
{
    size_t n = strlen(s), i;

    if (n == 0 || n > max)
        return 0;
    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] < lo || (unsigned char)s[i] > 0x7e)
            return 0;
    return 1;
}

/* 1 when s is a header field name (RFC 9110 token) of 1..max characters. */
static int header_name_ok(const char *s, size_t max)
{
    size_t n = strlen(s), i;

    if (n == 0 || n > max)
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              strchr("!#$%&'*+-.^_`|~", c)))
            return 0;
    }
    return 1;
}

/* Maps a string field to an index in names (n entries), or -1. */
static int pick(const char *s, const char *const *names, int n)
{
    int i;

    for (i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

static int parse_secret(const char *s, struct hmac_auth_config *c, char *err, size_t errlen)
{
    size_t n = strlen(s), klen = 0;

    if (!printable(s, HMAC_AUTH_SECRET_MAX, 0x20))
        return cfg_fail(err, errlen, "secret", "expected 1..256 printable characters");
    if (c->scheme != HMAC_SCHEME_STANDARD_WEBHOOKS) {
        memcpy(c->key, s, n);
        c->key_len = n;
        return 0;
    }
    if (strncmp(s, WHSEC_PREFIX, strlen(WHSEC_PREFIX)) != 0 ||
        b64_decode(B64_STD, s + strlen(WHSEC_PREFIX), n - strlen(WHSEC_PREFIX), c->key,
                   HMAC_AUTH_KEY_MAX, &klen) != B64_OK ||
        klen < WHSEC_MIN_BYTES)
        return cfg_fail(err, errlen, "secret",
                        "expected whsec_ followed by base64 of 16..192 bytes");
    c->key_len = klen;
    return 0;
}

/* The fields other than scheme and secret (custom only). */
static int parse_custom_field(const cJSON *it, struct hmac_auth_config *c, char *err, size_t errlen)
{
    static const char *const algs[] = {"sha256", "sha1", "sha512"};
    static const char *const encs[] = {"hex", "base64"};
    const char *k = it->string;
    int i;

    if (c->scheme != HMAC_SCHEME_CUSTOM)
        return cfg_fail(err, errlen, k, "only allowed with scheme custom");
    if (!cJSON_IsString(it))
        return cfg_fail(err, errlen, k, "expected a string");
    if (strcmp(k, "header") == 0) {
        if (!header_name_ok(it->valuestring, HMAC_AUTH_HEADER_MAX))
            return cfg_fail(err, errlen, k, "expected a header name of 1..64 characters");
        strcpy(c->header, it->valuestring);
    } else if (strcmp(k, "algorithm") == 0) {
        i = pick(it->valuestring, algs, 3);
        if (i < 0)
            return cfg_fail(err, errlen, k, "expected sha1, sha256 or sha512");
        c->alg = (enum hmac_auth_alg)i;
    } else if (strcmp(k, "encoding") == 0) {
        i = pick(it->valuestring, encs, 2);
        if (i < 0)
            return cfg_fail(err, errlen, k, "expected hex or base64");
        c->encoding = (enum hmac_auth_encoding)i;
    } else {
        if (strlen(it->valuestring) > HMAC_AUTH_PREFIX_MAX ||
            (it->valuestring[0] && !printable(it->valuestring, HMAC_AUTH_PREFIX_MAX, 0x20)))
            return cfg_fail(err, errlen, k, "expected up to 32 printable characters");
        strcpy(c->prefix, it->valuestring);
    }
    return 0;
}

/* Refuses fields that are unknown or appear twice (cJSON keeps both). */
static int check_fields(const cJSON *obj, char *err, size_t errlen)
{
    static const char *const known[] = {"scheme",    "secret",   "header",
                                        "algorithm", "encoding", "prefix"};
    unsigned seen = 0;
    const cJSON *it;

    cJSON_ArrayForEach(it, obj)
    {
        int i = pick(it->string ? it->string : "", known, 6);
        if (i < 0) {
            char name[40];
            snprintf(name, sizeof name, "%.32s", it->string ? it->string : "");
            return cfg_fail(err, errlen, name, "unknown field");
        }
        if (seen & (1u << i))
            return cfg_fail(err, errlen, known[i], "given twice");
        seen |= 1u << i;
    }
    return 0;
}

int hmac_auth_config_parse(const cJSON *obj, struct hmac_auth_config *out, char *err, size_t errlen)
{
    static const char *const schemes[] = {"standard-webhooks", "github", "custom"};
    struct hmac_auth_config c;
    const cJSON *it;
    int i;

    memset(&c, 0, sizeof c);
    if (!cJSON_IsObject(obj)) {
        snprintf(err, errlen, "hmac: expected an object");
        return -1;
    }
    if (check_fields(obj, err, errlen) != 0)
        return -1;
    it = cJSON_GetObjectItemCaseSensitive(obj, "scheme");
    if (it) {
        i = cJSON_IsString(it) ? pick(it->valuestring, schemes, 3) : -1;
        if (i < 0)
            return cfg_fail(err, errlen, "scheme", "expected standard-webhooks, github or custom");
        c.scheme = (enum hmac_auth_scheme)i;
    }
    it = cJSON_GetObjectItemCaseSensitive(obj, "secret");
    if (!it)
        return cfg_fail(err, errlen, "secret", "required");
    if (!cJSON_IsString(it))
        return cfg_fail(err, errlen, "secret", "expected a string");
    if (parse_secret(it->valuestring, &c, err, errlen) != 0)
        return -1;
    cJSON_ArrayForEach(it, obj)
    {
        if (strcmp(it->string, "scheme") == 0 || strcmp(it->string, "secret") == 0)
            continue;
        if (parse_custom_field(it, &c, err, errlen) != 0)
            return -1;
    }
    if (c.scheme == HMAC_SCHEME_CUSTOM && c.header[0] == '\0')
        return cfg_fail(err, errlen, "header", "required with scheme custom");
    if (out)
        *out = c;
    OPENSSL_cleanse(&c, sizeof c);
    return 0;
}

/* ---- verification ---- */

static int fail(char *reason, size_t reasonlen, int status, const char *msg)
{
    snprintf(reason, reasonlen, "%s", msg);
    return status;
}

/* Fetches a header and trims spaces and tabs around it. Sets *v and *n; returns
 * HMAC_AUTH_MISSING when absent or empty, HMAC_AUTH_MALFORMED when over
 * HMAC_AUTH_VALUE_MAX. */
static int header(hmac_auth_header_fn get, void *ctx, const char *name, const char **v, size_t *n)
{
    const char *s = get(ctx, name);
    size_t len;

    if (!s)
        return HMAC_AUTH_MISSING;
    while (*s == ' ' || *s == '\t')
        s++;
    len = strnlen(s, HMAC_AUTH_VALUE_MAX + 1);
    if (len > HMAC_AUTH_VALUE_MAX)
        return HMAC_AUTH_MALFORMED;
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len == 0)
        return HMAC_AUTH_MISSING;
    *v = s;
    *n = len;
    return HMAC_AUTH_OK;
}

static int need_header(hmac_auth_header_fn get, void *ctx, const char *name, const char **v,
                       size_t *n, char *reason, size_t reasonlen)
{
    int rc = header(get, ctx, name, v, n);

    if (rc == HMAC_AUTH_MISSING)
        snprintf(reason, reasonlen, "missing %s header", name);
    else if (rc != HMAC_AUTH_OK)
        snprintf(reason, reasonlen, "malformed %s header", name);
    return rc;
}

/* Standard Webhooks: HMAC-SHA256 of "id.timestamp.body", any one of the
 * space-separated "v1,<base64>" entries may match; other versions are
 * skipped. */
static int verify_standard(const struct hmac_auth_config *c, hmac_auth_header_fn get, void *ctx,
                           const void *body, size_t blen, time_t now, char *reason,
                           size_t reasonlen)
{
    const char *id, *ts, *sig, *p, *end;
    size_t idlen, tslen, siglen;
    long long t;
    const char *errstr;
    unsigned char want[64];
    int rc, matched = 0;

    rc = need_header(get, ctx, "webhook-id", &id, &idlen, reason, reasonlen);
    if (rc == 0)
        rc = need_header(get, ctx, "webhook-timestamp", &ts, &tslen, reason, reasonlen);
    if (rc == 0)
        rc = need_header(get, ctx, "webhook-signature", &sig, &siglen, reason, reasonlen);
    if (rc != 0)
        return rc;
    if (idlen > SW_MAX_ID)
        return fail(reason, reasonlen, HMAC_AUTH_MALFORMED, "malformed webhook-id header");
    if (num_parse_lln(ts, tslen, 0, 100000000000LL, &t, &errstr) != 0)
        return fail(reason, reasonlen, HMAC_AUTH_MALFORMED, "malformed webhook-timestamp header");
    if (t < (long long)now - HMAC_AUTH_TOLERANCE || t > (long long)now + HMAC_AUTH_TOLERANCE)
        return fail(reason, reasonlen, HMAC_AUTH_STALE, "webhook-timestamp outside tolerance");
    {
        const void *parts[5] = {id, ".", ts, ".", body};
        size_t lens[5] = {idlen, 1, tslen, 1, blen};
        if (mac_parts(HMAC_ALG_SHA256, c->key, c->key_len, parts, lens, 5, want) != 32)
            return fail(reason, reasonlen, HMAC_AUTH_INTERNAL, "signature check failed");
    }
    end = sig + siglen;
    for (p = sig; p < end;) {
        const char *q = memchr(p, ' ', (size_t)(end - p));
        size_t n = q ? (size_t)(q - p) : (size_t)(end - p), got;
        unsigned char mac[48];
        if (n > 3 && memcmp(p, "v1,", 3) == 0 &&
            b64_decode(B64_STD, p + 3, n - 3, mac, sizeof mac, &got) == B64_OK && got == 32)
            matched |= CRYPTO_memcmp(mac, want, 32) == 0;
        p += n + 1;
    }
    OPENSSL_cleanse(want, sizeof want);
    if (!matched)
        return fail(reason, reasonlen, HMAC_AUTH_MISMATCH, "signature mismatch");
    return HMAC_AUTH_OK;
}

/* github and custom: one header, prefix + hex or base64 of HMAC(body). */
static int verify_single(const char *name, enum hmac_auth_alg alg, enum hmac_auth_encoding enc,
                         const char *prefix, const struct hmac_auth_config *c,
                         hmac_auth_header_fn get, void *ctx, const void *body, size_t blen,
                         char *reason, size_t reasonlen)
{
    const char *v;
    size_t n, plen = strlen(prefix), got = 0;
    unsigned char want[64], mac[96];
    int rc, dlen, ok;

    rc = need_header(get, ctx, name, &v, &n, reason, reasonlen);
    if (rc != 0)
        return rc;
    if (n < plen || strncasecmp(v, prefix, plen) != 0)
        return fail(reason, reasonlen, HMAC_AUTH_MALFORMED, "malformed signature header");
    v += plen;
    n -= plen;
    rc = enc == HMAC_ENC_HEX ? b64_hex_decode(v, n, mac, sizeof mac, &got)
                             : b64_decode(B64_STD, v, n, mac, sizeof mac, &got);
    if (rc != B64_OK)
        return fail(reason, reasonlen, HMAC_AUTH_MALFORMED, "malformed signature header");
    dlen = hmac_auth_compute(alg, c->key, c->key_len, body, blen, want);
    if (dlen < 0)
        return fail(reason, reasonlen, HMAC_AUTH_INTERNAL, "signature check failed");
    ok = got == (size_t)dlen && CRYPTO_memcmp(mac, want, (size_t)dlen) == 0;
    OPENSSL_cleanse(want, sizeof want);
    if (!ok)
        return fail(reason, reasonlen, HMAC_AUTH_MISMATCH, "signature mismatch");
    return HMAC_AUTH_OK;
}

int hmac_auth_verify(const struct hmac_auth_config *cfg, hmac_auth_header_fn get, void *ctx,
                     const void *body, size_t body_len, time_t now, char *reason, size_t reasonlen)
{
    if (!body)
        body = "";
    if (cfg->key_len == 0)
        return fail(reason, reasonlen, HMAC_AUTH_INTERNAL, "signature check failed");
    switch (cfg->scheme) {
    case HMAC_SCHEME_STANDARD_WEBHOOKS:
        return verify_standard(cfg, get, ctx, body, body_len, now, reason, reasonlen);
    case HMAC_SCHEME_GITHUB:
        return verify_single("X-Hub-Signature-256", HMAC_ALG_SHA256, HMAC_ENC_HEX, "sha256=", cfg,
                             get, ctx, body, body_len, reason, reasonlen);
    case HMAC_SCHEME_CUSTOM:
        return verify_single(cfg->header, cfg->alg, cfg->encoding, cfg->prefix, cfg, get, ctx, body,
                             body_len, reason, reasonlen);
    }
    return fail(reason, reasonlen, HMAC_AUTH_INTERNAL, "signature check failed");
}
