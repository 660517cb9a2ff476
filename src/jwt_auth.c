/* jwt_auth: issuing and checking the JWTs of SPEC 4.2 and section 6.
 *
 * Issuing uses libjwt. Checking does NOT hand the token to libjwt 1.10.2's
 * jwt_decode: that function takes the algorithm from the token itself,
 * accepts "alg: none" with an empty key, decodes base64 leniently and parses
 * JSON with its own parser (jansson), whose idea of duplicate claims and of
 * the header need not match ours. Every rule here (exact "HS256", no
 * duplicate claims, strict base64url) must hold for the very bytes that are
 * signed, so this file parses the token once, with cJSON, and verifies the
 * HS256 MAC itself: HMAC-SHA256 over the raw "header.payload" text and
 * CRYPTO_memcmp against the decoded signature. That is the whole of HS256;
 * it leaves no second parser to disagree with the first. The tests check
 * the result against libjwt and PyJWT tokens. */
#include "jwt_auth.h"

#include "b64.h"
#include "log.h"
#include "secret.h"

#include <cjson/cJSON.h>
#include <jwt.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DECODED_MAX (JWT_AUTH_TOKEN_MAX / 4 * 3 + 3)
#define MAX_MEMBERS 64 /* header parameters or claims; more is not a token of ours */

/* A token split into its three parts; hdr and pay are owned cJSON trees. */
struct token {
    const char *text;
    size_t len, dot1, dot2; /* positions of the two dots */
    cJSON *hdr, *pay;
    const char *kid; /* borrowed from hdr, NULL when absent */
};

static int fail(char *desc, size_t desclen, int status, const char *msg)
{
    snprintf(desc, desclen, "%s", msg);
    return status;
}

int jwt_auth_issue(const unsigned char *key, size_t key_len, const char *key_id, time_t now,
                   long ttl, char **token)
{
    jwt_t *jwt = NULL;
    char jti[37];
    int rc = -1;

    *token = NULL;
    if (key_len == 0 || key_len > 0x7fffffff || ttl <= 0 || ttl > JWT_AUTH_MAX_LIFETIME ||
        !key_id || !key_id[0])
        return -1;
    if (secret_uuid4(jti) != 0 || jwt_new(&jwt) != 0)
        goto out;
    if (jwt_add_grant(jwt, "iss", JWT_AUTH_ISSUER) != 0 || jwt_add_grant(jwt, "sub", key_id) != 0 ||
        jwt_add_grant_int(jwt, "iat", (long)now) != 0 ||
        jwt_add_grant_int(jwt, "exp", (long)now + ttl) != 0 || jwt_add_grant(jwt, "jti", jti) != 0)
        goto out;
    if (jwt_set_alg(jwt, JWT_ALG_HS256, key, (int)key_len) != 0)
        goto out;
    *token = jwt_encode_str(jwt);
    if (*token)
        rc = 0;
out:
    if (rc != 0)
        LOG_ERR("cannot issue a token");
    jwt_free(jwt);
    return rc;
}

/* Finds the token in "Bearer <token>" (scheme case-insensitive, spaces
 * around allowed). No header or another scheme counts as missing. */
static int bearer(const char *auth, struct token *t, char *desc, size_t desclen)
{
    size_t n;

    if (!auth)
        return JWT_AUTH_MISSING;
    while (*auth == ' ' || *auth == '\t')
        auth++;
    if (strncasecmp(auth, "Bearer", 6) != 0 || (auth[6] != ' ' && auth[6] != '\t'))
        return JWT_AUTH_MISSING;
    auth += 6;
    while (*auth == ' ' || *auth == '\t')
        auth++;
    n = strnlen(auth, JWT_AUTH_TOKEN_MAX + 1);
    if (n > JWT_AUTH_TOKEN_MAX)
        return fail(desc, desclen, JWT_AUTH_INVALID, "token too large");
    while (n > 0 && (auth[n - 1] == ' ' || auth[n - 1] == '\t'))
        n--;
    t->text = auth;
    t->len = n;
    return JWT_AUTH_OK;
}

/* Exactly two dots, three non-empty parts of base64url characters. */
static int split(struct token *t)
{
    size_t i, dots = 0;

    for (i = 0; i < t->len; i++) {
        unsigned char c = (unsigned char)t->text[i];
        if (c == '.') {
            if (++dots == 1)
                t->dot1 = i;
            else if (dots == 2)
                t->dot2 = i;
        } else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '_')) {
            return -1;
        }
    }
    if (dots != 2 || t->dot1 == 0 || t->dot2 == t->dot1 + 1 || t->dot2 + 1 == t->len)
        return -1;
    return 0;
}

/* 1 when two members of object o share a name (cJSON keeps both, and
 * which one a reader sees differs between libraries), or o is too big. */
static int has_duplicates(const cJSON *o)
{
    const cJSON *a, *b;
    int n = 0;

    for (a = o->child; a; a = a->next) {
        if (++n > MAX_MEMBERS)
            return 1;
        for (b = a->next; b; b = b->next)
            if (strcmp(a->string, b->string) == 0)
                return 1;
    }
    return 0;
}

/* 1 when the JSON text holds a byte JSON forbids unescaped (controls other
 * than whitespace, NUL included) or a \u0000 escape: cJSON 1.7.15 takes
 * both and cuts the string short there, so "kid\u0000x" would read as
 * "kid" here and as something else in any other parser. */
static int has_nul_or_control(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
            return 1;
    return memmem(s, n, "\\u0000", 6) != NULL;
}

/* Decodes one base64url part and parses it as a JSON object without
 * duplicate members, NUL characters or trailing bytes. Returns the tree
 * or NULL. */
static cJSON *decode_object(const char *part, size_t n)
{
    char buf[DECODED_MAX + 1];
    const char *end = NULL;
    size_t dlen = 0;
    cJSON *o;

    if (b64_decode(B64_URL, part, n, buf, DECODED_MAX, &dlen) != B64_OK || dlen == 0 ||
        has_nul_or_control(buf, dlen))
        return NULL;
    buf[dlen] = '\0';
    o = cJSON_ParseWithLengthOpts(buf, dlen + 1, &end, 1);
    if (!o || end != buf + dlen || !cJSON_IsObject(o) || has_duplicates(o)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* The JOSE header: alg exactly "HS256", no "crit" (we implement no
 * extension), kid a short string when present. */
static int check_header(struct token *t, char *desc, size_t desclen)
{
    const cJSON *alg, *kid;

    t->hdr = decode_object(t->text, t->dot1);
    if (!t->hdr)
        return fail(desc, desclen, JWT_AUTH_INVALID, "malformed token header");
    alg = cJSON_GetObjectItemCaseSensitive(t->hdr, "alg");
    if (!cJSON_IsString(alg) || strcmp(alg->valuestring, "HS256") != 0)
        return fail(desc, desclen, JWT_AUTH_INVALID, "unsupported algorithm");
    if (cJSON_GetObjectItemCaseSensitive(t->hdr, "crit"))
        return fail(desc, desclen, JWT_AUTH_INVALID, "unsupported header");
    kid = cJSON_GetObjectItemCaseSensitive(t->hdr, "kid");
    if (kid) {
        size_t n = cJSON_IsString(kid) ? strlen(kid->valuestring) : 0;
        if (n == 0 || n > JWT_AUTH_KEY_ID_MAX)
            return fail(desc, desclen, JWT_AUTH_INVALID, "malformed kid");
        t->kid = kid->valuestring;
    }
    return JWT_AUTH_OK;
}

/* HS256: HMAC-SHA256 of the signing input, compared in constant time with
 * the decoded third part (which must be exactly 32 bytes). */
static int signature_ok(const struct token *t, const unsigned char *key, size_t key_len)
{
    unsigned char sig[48], mac[32];
    size_t siglen = 0;
    int ok;

    if (key_len == 0 || key_len > 0x7fffffff)
        return 0;
    if (b64_decode(B64_URL, t->text + t->dot2 + 1, t->len - t->dot2 - 1, sig, sizeof sig,
                   &siglen) != B64_OK ||
        siglen != 32)
        return 0;
    if (secret_hmac_sha256(key, key_len, t->text, t->dot2, mac) != SECRET_OK)
        return 0;
    ok = CRYPTO_memcmp(sig, mac, 32) == 0;
    OPENSSL_cleanse(mac, sizeof mac);
    return ok;
}

/* A NumericDate claim: absent (*present = 0), a number, or an error. */
static int number_claim(const cJSON *pay, const char *name, double *v, int *present)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(pay, name);

    *present = c != NULL;
    if (!c)
        return 0;
    if (!cJSON_IsNumber(c))
        return -1;
    *v = c->valuedouble;
    return 0;
}

/* exp required; nbf and iat honoured with leeway; at most 24 h of life
 * (counted from iat, or from now when iat is absent). Infinite values from
 * numbers like 1e400 fail these comparisons the safe way. */
static int check_times(const cJSON *pay, double now, double leeway, char *desc, size_t desclen)
{
    double exp = 0, nbf = 0, iat = 0;
    int has_exp, has_nbf, has_iat;

    if (number_claim(pay, "exp", &exp, &has_exp) != 0 ||
        number_claim(pay, "nbf", &nbf, &has_nbf) != 0 ||
        number_claim(pay, "iat", &iat, &has_iat) != 0)
        return fail(desc, desclen, JWT_AUTH_INVALID, "malformed time claim");
    if (!has_exp)
        return fail(desc, desclen, JWT_AUTH_INVALID, "missing exp");
    if (!(now - leeway < exp))
        return fail(desc, desclen, JWT_AUTH_INVALID, "token expired");
    if (has_nbf && !(nbf <= now + leeway))
        return fail(desc, desclen, JWT_AUTH_INVALID, "token not yet valid");
    if (has_iat && !(iat <= now + leeway))
        return fail(desc, desclen, JWT_AUTH_INVALID, "token issued in the future");
    if (has_iat ? !(exp - iat <= JWT_AUTH_MAX_LIFETIME)
                : !(exp - now <= JWT_AUTH_MAX_LIFETIME + leeway))
        return fail(desc, desclen, JWT_AUTH_INVALID, "token lifetime too long");
    return JWT_AUTH_OK;
}

/* Calls the lookup callback; maps storage failure to UNAVAILABLE and an
 * unknown key (or one without a secret) to INVALID. */
static int lookup(const struct jwt_auth_params *p, const char *id, struct jwt_auth_key *k,
                  int need_secret, char *desc, size_t desclen)
{
    int rc;

    memset(k, 0, sizeof *k);
    rc = p->lookup(p->lookup_ctx, id, k);
    if (rc < 0) {
        LOG_ERR("API key lookup failed");
        return fail(desc, desclen, JWT_AUTH_UNAVAILABLE, "");
    }
    if (rc > 0 || (need_secret && (k->secret_len == 0 || k->secret_len > JWT_AUTH_SECRET_MAX)))
        return fail(desc, desclen, JWT_AUTH_INVALID, "unknown key");
    return JWT_AUTH_OK;
}

/* The key the token names (kid, or sub for server tokens) has verified the
 * token; decide on scope. k is that key's record. */
static int check_scope(const char *named, const char *api_key_id, const struct jwt_auth_key *k,
                       char *desc, size_t desclen)
{
    if (!k->active)
        return fail(desc, desclen, JWT_AUTH_INVALID, "key revoked");
    if (strcmp(named, api_key_id) != 0)
        return fail(desc, desclen, JWT_AUTH_FORBIDDEN, "token for another key");
    if (!k->can_execute)
        return fail(desc, desclen, JWT_AUTH_FORBIDDEN, "key lacks incoming:execute");
    return JWT_AUTH_OK;
}

/* A server token (no kid): iss "incoming", the server key's MAC, times,
 * then the sub copied out. The key it names is the caller's to check. */
static int verify_issued(const struct jwt_auth_params *p, struct token *t, char *sub,
                         size_t subsize, char *desc, size_t desclen)
{
    const cJSON *iss, *s;
    int rc;

    iss = cJSON_GetObjectItemCaseSensitive(t->pay, "iss");
    if (!cJSON_IsString(iss) || strcmp(iss->valuestring, JWT_AUTH_ISSUER) != 0)
        return fail(desc, desclen, JWT_AUTH_INVALID, "unknown issuer");
    if (!p->server_key || p->server_key_len == 0) {
        LOG_ERR("no server signing key");
        return fail(desc, desclen, JWT_AUTH_UNAVAILABLE, "");
    }
    if (!signature_ok(t, p->server_key, p->server_key_len))
        return fail(desc, desclen, JWT_AUTH_INVALID, "invalid signature");
    rc = check_times(t->pay, (double)p->now, (double)p->leeway, desc, desclen);
    if (rc != JWT_AUTH_OK)
        return rc;
    s = cJSON_GetObjectItemCaseSensitive(t->pay, "sub");
    if (!cJSON_IsString(s) || s->valuestring[0] == '\0' ||
        strlen(s->valuestring) > JWT_AUTH_KEY_ID_MAX || strlen(s->valuestring) >= subsize)
        return fail(desc, desclen, JWT_AUTH_INVALID, "malformed sub");
    snprintf(sub, subsize, "%s", s->valuestring);
    return JWT_AUTH_OK;
}

/* Chooses the verification key, verifies, then checks times and scope. */
static int check_signed(const struct jwt_auth_params *p, const char *api_key_id, struct token *t,
                        char *desc, size_t desclen)
{
    struct jwt_auth_key k;
    char sub[JWT_AUTH_KEY_ID_MAX + 1];
    int rc;

    if (t->kid) {
        rc = lookup(p, t->kid, &k, 1, desc, desclen);
        if (rc == JWT_AUTH_OK && !signature_ok(t, k.secret, k.secret_len))
            rc = fail(desc, desclen, JWT_AUTH_INVALID, "invalid signature");
        if (rc == JWT_AUTH_OK)
            rc = check_times(t->pay, (double)p->now, (double)p->leeway, desc, desclen);
        if (rc == JWT_AUTH_OK)
            rc = check_scope(t->kid, api_key_id, &k, desc, desclen);
        OPENSSL_cleanse(&k, sizeof k);
        return rc;
    }
    rc = verify_issued(p, t, sub, sizeof sub, desc, desclen);
    if (rc != JWT_AUTH_OK)
        return rc;
    rc = lookup(p, sub, &k, 0, desc, desclen);
    if (rc == JWT_AUTH_OK)
        rc = check_scope(sub, api_key_id, &k, desc, desclen);
    OPENSSL_cleanse(&k, sizeof k);
    return rc;
}

/* Finds, splits and decodes the token of an Authorization value, checking
 * its header. On success t->hdr and t->pay are set; either way the caller
 * frees them. */
static int parse_token(const char *authorization, struct token *t, char *desc, size_t desclen)
{
    int rc;

    memset(t, 0, sizeof *t);
    if (desclen > 0)
        desc[0] = '\0';
    rc = bearer(authorization, t, desc, desclen);
    if (rc != JWT_AUTH_OK)
        return rc;
    if (split(t) != 0)
        return fail(desc, desclen, JWT_AUTH_INVALID, "malformed token");
    rc = check_header(t, desc, desclen);
    if (rc != JWT_AUTH_OK)
        return rc;
    t->pay = decode_object(t->text + t->dot1 + 1, t->dot2 - t->dot1 - 1);
    if (!t->pay)
        return fail(desc, desclen, JWT_AUTH_INVALID, "malformed token payload");
    return JWT_AUTH_OK;
}

int jwt_auth_check(const struct jwt_auth_params *p, const char *api_key_id,
                   const char *authorization, char *desc, size_t desclen)
{
    struct token t;
    int rc = parse_token(authorization, &t, desc, desclen);

    if (rc == JWT_AUTH_OK)
        rc = check_signed(p, api_key_id, &t, desc, desclen);
    cJSON_Delete(t.hdr);
    cJSON_Delete(t.pay);
    return rc;
}

int jwt_auth_verify_issued(const struct jwt_auth_params *p, const char *authorization, char *sub,
                           size_t subsize, char *desc, size_t desclen)
{
    struct token t;
    int rc = parse_token(authorization, &t, desc, desclen);

    if (rc == JWT_AUTH_OK && t.kid)
        rc = fail(desc, desclen, JWT_AUTH_INVALID, "not a token from /auth/token");
    if (rc == JWT_AUTH_OK)
        rc = verify_issued(p, &t, sub, subsize, desc, desclen);
    if (rc != JWT_AUTH_OK && subsize > 0)
        sub[0] = '\0';
    cJSON_Delete(t.hdr);
    cJSON_Delete(t.pay);
    return rc;
}

/* Appends desc as the inside of a quoted-string: '"' and '\' escaped,
 * anything outside printable ASCII replaced by '?'. */
static size_t put_quoted(char *out, size_t o, size_t outlen, const char *desc)
{
    for (; *desc && o + 3 < outlen; desc++) {
        unsigned char c = (unsigned char)*desc;
        if (c == '"' || c == '\\')
            out[o++] = '\\';
        out[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    out[o] = '\0';
    return *desc ? (size_t)-1 : o;
}

int jwt_auth_www_authenticate(int status, const char *desc, char *out, size_t outlen)
{
    const char *err;
    int n;
    size_t o;

    if (status == JWT_AUTH_MISSING) {
        n = snprintf(out, outlen, "Bearer realm=\"%s\"", JWT_AUTH_REALM);
        return n < 0 || (size_t)n >= outlen ? -1 : 0;
    }
    if (status == JWT_AUTH_INVALID)
        err = "invalid_token";
    else if (status == JWT_AUTH_FORBIDDEN)
        err = "insufficient_scope";
    else
        return -1;
    n = snprintf(out, outlen, "Bearer realm=\"%s\", error=\"%s\", error_description=\"",
                 JWT_AUTH_REALM, err);
    if (n < 0 || (size_t)n >= outlen)
        return -1;
    o = put_quoted(out, (size_t)n, outlen, desc ? desc : "");
    if (o == (size_t)-1 || o + 2 > outlen)
        return -1;
    out[o++] = '"';
    out[o] = '\0';
    return 0;
}

int jwt_auth_http_status(int status)
{
    switch (status) {
    case JWT_AUTH_OK:
        return 200;
    case JWT_AUTH_MISSING:
    case JWT_AUTH_INVALID:
        return 401;
    case JWT_AUTH_FORBIDDEN:
        return 403;
    default:
        return 503;
    }
}
