/* Tests of the jwt_auth module: the attack list of issue 3 (each refused
 * with the right status), tokens from an independent implementation
 * (PyJWT, through tests/jwt_fixtures.py) accepted, tokens we issue checked
 * by PyJWT, and the exact WWW-Authenticate values. Hand-made tokens are
 * signed with a real HS256 MAC, so a refusal proves the rule, not a bad
 * signature. */
#include "jwt_auth.h"

#include "b64.h"

#include <CUnit/Basic.h>
#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOW 1700000000L
#define LEEWAY 60
#define K "2f1c0000-0000-4000-8000-00000000000a" /* the integration's key */
#define O "3a2b0000-0000-4000-8000-00000000000b" /* another active key */
#define R "4c3d0000-0000-4000-8000-00000000000c" /* a revoked key */
#define N "5d4e0000-0000-4000-8000-00000000000d" /* a key without incoming:execute */
#define F "6e5f0000-0000-4000-8000-00000000000e" /* its lookup fails (storage) */
#define K_SECRET "ik_kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
#define O_SECRET "ik_ooooooooooooooooooooooooooooooooooooooooooo"
#define R_SECRET "ik_rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr"
#define N_SECRET "ik_nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
#define SERVER_KEY_HEX "8f3a0c1d2e4b5a69788796a5b4c3d2e1f1112233445566778899aabbccddeeff"

static unsigned char server_key[32];
static int lookups;

static int lookup(void *ctx, const char *id, struct jwt_auth_key *k)
{
    static const struct {
        const char *id, *secret;
        int active, exec;
    } keys[] = {{K, K_SECRET, 1, 1}, {O, O_SECRET, 1, 1}, {R, R_SECRET, 0, 1}, {N, N_SECRET, 1, 0}};
    size_t i;

    (void)ctx;
    lookups++;
    if (strcmp(id, F) == 0)
        return -1;
    for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (strcmp(id, keys[i].id) == 0) {
            k->active = keys[i].active;
            k->can_execute = keys[i].exec;
            k->secret_len = strlen(keys[i].secret);
            memcpy(k->secret, keys[i].secret, k->secret_len);
            return 0;
        }
    }
    return 1;
}

static int check_for(const char *bound, const char *auth, long now, char *desc)
{
    struct jwt_auth_params p = {server_key, sizeof server_key, LEEWAY, (time_t)now, lookup, NULL};
    return jwt_auth_check(&p, bound, auth, desc, JWT_AUTH_DESC_MAX);
}

static char last_desc[JWT_AUTH_DESC_MAX];

static int check(const char *auth)
{
    return check_for(K, auth, NOW, last_desc);
}

static void b64url(const void *p, size_t n, char *out)
{
    CU_ASSERT_EQUAL_FATAL(b64_encode(B64_URL, p, n, out, b64_encoded_len(B64_URL, n) + 1), 0);
}

/* "Bearer <hdr>.<pay>.<HS256 MAC with key>" in a static buffer; key NULL
 * leaves the signature empty. */
static const char *token(const char *hdr, size_t hlen, const char *pay, const char *key)
{
    static char out[4 * 8192];
    unsigned char mac[32];
    unsigned int maclen = 0;
    size_t o;

    strcpy(out, "Bearer ");
    b64url(hdr, hlen, out + 7);
    o = strlen(out);
    out[o++] = '.';
    b64url(pay, strlen(pay), out + o);
    o = strlen(out);
    if (key)
        HMAC(EVP_sha256(), key, (int)strlen(key), (unsigned char *)out + 7, o - 7, mac, &maclen);
    out[o++] = '.';
    out[o] = '\0';
    if (key)
        b64url(mac, maclen, out + o);
    return out;
}

static const char *tok(const char *hdr, const char *pay, const char *key)
{
    return token(hdr, strlen(hdr), pay, key);
}

static const char *srv_key_str(void)
{
    static char k[33];
    memcpy(k, server_key, 32); /* no NUL inside: see init_suite */
    k[32] = '\0';
    return k;
}

#define KID_HDR "{\"alg\":\"HS256\",\"kid\":\"" K "\"}"
#define SRV_HDR "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
#define EXP_OK "\"exp\":1700000600"

static void check_should_accept_well_formed_tokens_of_both_kinds(void)
{
    lookups = 0;
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "{" EXP_OK "}", K_SECRET)), JWT_AUTH_OK);
    CU_ASSERT_STRING_EQUAL(last_desc, "");
    CU_ASSERT_EQUAL(
        check(tok(SRV_HDR, "{\"iss\":\"incoming\",\"sub\":\"" K "\"," EXP_OK "}", srv_key_str())),
        JWT_AUTH_OK);
    CU_ASSERT_EQUAL(lookups, 2);
}

static void check_should_report_a_missing_token(void)
{
    CU_ASSERT_EQUAL(check(NULL), JWT_AUTH_MISSING);
    CU_ASSERT_EQUAL(check(""), JWT_AUTH_MISSING);
    CU_ASSERT_EQUAL(check("Basic dXNlcjpwYXNz"), JWT_AUTH_MISSING);
    CU_ASSERT_EQUAL(check("Bearer"), JWT_AUTH_MISSING);
    CU_ASSERT_EQUAL(check("Bearertoken"), JWT_AUTH_MISSING);
    CU_ASSERT_EQUAL(check("Bearer "), JWT_AUTH_INVALID);
}

static void check_should_take_the_bearer_scheme_in_any_case(void)
{
    const char *t = tok(KID_HDR, "{" EXP_OK "}", K_SECRET);
    char buf[1024];

    snprintf(buf, sizeof buf, "bearer %s", t + 7);
    CU_ASSERT_EQUAL(check(buf), JWT_AUTH_OK);
    snprintf(buf, sizeof buf, "  BEARER   %s  ", t + 7);
    CU_ASSERT_EQUAL(check(buf), JWT_AUTH_OK);
}

static void check_should_refuse_alg_none_in_any_case(void)
{
    static const char *const algs[] = {"none", "None", "NONE", "nOnE", ""};
    char hdr[128];
    size_t i;

    for (i = 0; i < sizeof algs / sizeof algs[0]; i++) {
        snprintf(hdr, sizeof hdr, "{\"alg\":\"%s\",\"kid\":\"" K "\"}", algs[i]);
        CU_ASSERT_EQUAL(check(tok(hdr, "{" EXP_OK "}", NULL)), JWT_AUTH_INVALID);
        CU_ASSERT_EQUAL(check(tok(hdr, "{" EXP_OK "}", K_SECRET)), JWT_AUTH_INVALID);
        CU_ASSERT_STRING_EQUAL(last_desc, "unsupported algorithm");
        snprintf(hdr, sizeof hdr, "{\"alg\":\"%s\"}", algs[i]);
        CU_ASSERT_EQUAL(
            check(tok(hdr, "{\"iss\":\"incoming\",\"sub\":\"" K "\"," EXP_OK "}", srv_key_str())),
            JWT_AUTH_INVALID);
    }
    CU_ASSERT_EQUAL(check(tok("{\"kid\":\"" K "\"}", "{" EXP_OK "}", K_SECRET)), JWT_AUTH_INVALID);
    CU_ASSERT_EQUAL(check(tok("{\"alg\":null}", "{" EXP_OK "}", K_SECRET)), JWT_AUTH_INVALID);
}

/* The MAC is a valid HS256 one: only the header's claim differs. */
static void check_should_refuse_every_other_algorithm_whatever_the_key(void)
{
    static const char *const algs[] = {"HS384", "HS512", "RS256",  "ES256",  "PS256",
                                       "hs256", "Hs256", "HS256 ", " HS256", "HS2560"};
    char hdr[128];
    size_t i;

    for (i = 0; i < sizeof algs / sizeof algs[0]; i++) {
        snprintf(hdr, sizeof hdr, "{\"alg\":\"%s\",\"kid\":\"" K "\"}", algs[i]);
        CU_ASSERT_EQUAL(check(tok(hdr, "{" EXP_OK "}", K_SECRET)), JWT_AUTH_INVALID);
        CU_ASSERT_STRING_EQUAL(last_desc, "unsupported algorithm");
    }
}

static void check_should_refuse_a_wrong_key(void)
{
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "{" EXP_OK "}", O_SECRET)), JWT_AUTH_INVALID);
    CU_ASSERT_STRING_EQUAL(last_desc, "invalid signature");
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "{" EXP_OK "}", srv_key_str())), JWT_AUTH_INVALID);
    /* a server-kind token signed with the API key's secret */
    CU_ASSERT_EQUAL(
        check(tok(SRV_HDR, "{\"iss\":\"incoming\",\"sub\":\"" K "\"," EXP_OK "}", K_SECRET)),
        JWT_AUTH_INVALID);
    CU_ASSERT_STRING_EQUAL(last_desc, "invalid signature");
    /* a token without kid that is not ours */
    CU_ASSERT_EQUAL(check(tok(SRV_HDR, "{\"sub\":\"" K "\"," EXP_OK "}", srv_key_str())),
                    JWT_AUTH_INVALID);
    CU_ASSERT_STRING_EQUAL(last_desc, "unknown issuer");
}

static void check_should_refuse_expired_tokens_within_the_leeway_rules(void)
{
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "{\"exp\":1699999939}", K_SECRET)), JWT_AUTH_INVALID);
    CU_ASSERT_STRING_EQUAL(last_desc, "token expired");
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "{\"exp\":1699999940}", K_SECRET)), JWT_AUTH_INVALID);
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "{\"exp\":1699999941}", K_SECRET)), JWT_AUTH_OK);
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "{\"exp\":-1e400}", K_SECRET)), JWT_AUTH_INVALID);
}

static void check_should_require_a_numeric_exp(void)
{
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "{\"iat\":1700000000}", K_SECRET)), JWT_AUTH_INVALID);
    CU_ASSERT_STRING_EQUAL(last_desc, "missing exp");
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "{\"exp\":\"1700000600\"}", K_SECRET)), JWT_AUTH_INVALID);
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "{\"exp\":null}", K_SECRET)), JWT_AUTH_INVALID);
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "{\"exp\":true}", K_SECRET)), JWT_AUTH_INVALID);
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "{\"exp\":[1700000600]}", K_SECRET)), JWT_AUTH_INVALID);
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "{\"Exp\":1700000600}", K_SECRET)), JWT_AUTH_INVALID);
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "{\"exp\":1e400}", K_SECRET)), JWT_AUTH_INVALID);
}

static void check_should_refuse_nbf_ahead_beyond_the_leeway(void)
{
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "{\"nbf\":1700000061," EXP_OK "}", K_SECRET)),
                    JWT_AUTH_INVALID);
    CU_ASSERT_STRING_EQUAL(last_desc, "token not yet valid");
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "{\"nbf\":1700000060," EXP_OK "}", K_SECRET)), JWT_AUTH_OK);
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "{\"nbf\":\"0\"," EXP_OK "}", K_SECRET)), JWT_AUTH_INVALID);
}

static void check_should_refuse_iat_ahead_beyond_the_leeway(void)
{
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "{\"iat\":1700000061," EXP_OK "}", K_SECRET)),
                    JWT_AUTH_INVALID);
    CU_ASSERT_STRING_EQUAL(last_desc, "token issued in the future");
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "{\"iat\":1700000060," EXP_OK "}", K_SECRET)), JWT_AUTH_OK);
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "{\"iat\":{}," EXP_OK "}", K_SECRET)), JWT_AUTH_INVALID);
}

static void check_should_refuse_lifetimes_over_24_hours(void)
{
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "{\"iat\":1700000000,\"exp\":1700086400}", K_SECRET)),
                    JWT_AUTH_OK);
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "{\"iat\":1700000000,\"exp\":1700086401}", K_SECRET)),
                    JWT_AUTH_INVALID);
    CU_ASSERT_STRING_EQUAL(last_desc, "token lifetime too long");
    /* an old iat with a still valid exp */
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "{\"iat\":1699913599,\"exp\":1700000600}", K_SECRET)),
                    JWT_AUTH_INVALID);
    /* no iat: counted from now, with leeway */
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "{\"exp\":1700086460}", K_SECRET)), JWT_AUTH_OK);
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "{\"exp\":1700086461}", K_SECRET)), JWT_AUTH_INVALID);
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "{\"iat\":-1e400,\"exp\":1700000600}", K_SECRET)),
                    JWT_AUTH_INVALID);
}

static void check_should_forbid_a_valid_token_of_another_key(void)
{
    /* kid of another key, signed with that key's secret: 403 */
    CU_ASSERT_EQUAL(check(tok("{\"alg\":\"HS256\",\"kid\":\"" O "\"}", "{" EXP_OK "}", O_SECRET)),
                    JWT_AUTH_FORBIDDEN);
    CU_ASSERT_STRING_EQUAL(last_desc, "token for another key");
    /* ... but signed with anything else: 401 */
    CU_ASSERT_EQUAL(check(tok("{\"alg\":\"HS256\",\"kid\":\"" O "\"}", "{" EXP_OK "}", K_SECRET)),
                    JWT_AUTH_INVALID);
    CU_ASSERT_EQUAL(
        check(tok("{\"alg\":\"HS256\",\"kid\":\"no-such-key\"}", "{" EXP_OK "}", K_SECRET)),
        JWT_AUTH_INVALID);
    CU_ASSERT_STRING_EQUAL(last_desc, "unknown key");
    /* a server token for another existing key: 403; for no key: 401 */
    CU_ASSERT_EQUAL(
        check(tok(SRV_HDR, "{\"iss\":\"incoming\",\"sub\":\"" O "\"," EXP_OK "}", srv_key_str())),
        JWT_AUTH_FORBIDDEN);
    CU_ASSERT_EQUAL(
        check(tok(SRV_HDR, "{\"iss\":\"incoming\",\"sub\":\"nobody\"," EXP_OK "}", srv_key_str())),
        JWT_AUTH_INVALID);
    CU_ASSERT_EQUAL(check(tok(SRV_HDR, "{\"iss\":\"incoming\"," EXP_OK "}", srv_key_str())),
                    JWT_AUTH_INVALID);
    CU_ASSERT_EQUAL(
        check(tok(SRV_HDR, "{\"iss\":\"incoming\",\"sub\":7," EXP_OK "}", srv_key_str())),
        JWT_AUTH_INVALID);
}

static void check_should_refuse_tokens_of_a_revoked_key(void)
{
    char d[JWT_AUTH_DESC_MAX];

    CU_ASSERT_EQUAL(
        check_for(R, tok("{\"alg\":\"HS256\",\"kid\":\"" R "\"}", "{" EXP_OK "}", R_SECRET), NOW,
                  d),
        JWT_AUTH_INVALID);
    CU_ASSERT_STRING_EQUAL(d, "key revoked");
    CU_ASSERT_EQUAL(check_for(R,
                              tok(SRV_HDR, "{\"iss\":\"incoming\",\"sub\":\"" R "\"," EXP_OK "}",
                                  srv_key_str()),
                              NOW, d),
                    JWT_AUTH_INVALID);
    /* a revoked other key's token is not "valid for another key" */
    CU_ASSERT_EQUAL(check(tok("{\"alg\":\"HS256\",\"kid\":\"" R "\"}", "{" EXP_OK "}", R_SECRET)),
                    JWT_AUTH_INVALID);
}

static void check_should_forbid_a_key_without_the_permission(void)
{
    char d[JWT_AUTH_DESC_MAX];

    CU_ASSERT_EQUAL(
        check_for(N, tok("{\"alg\":\"HS256\",\"kid\":\"" N "\"}", "{" EXP_OK "}", N_SECRET), NOW,
                  d),
        JWT_AUTH_FORBIDDEN);
    CU_ASSERT_STRING_EQUAL(d, "key lacks incoming:execute");
    CU_ASSERT_EQUAL(check_for(N,
                              tok(SRV_HDR, "{\"iss\":\"incoming\",\"sub\":\"" N "\"," EXP_OK "}",
                                  srv_key_str()),
                              NOW, d),
                    JWT_AUTH_FORBIDDEN);
}

static void check_should_refuse_malformed_base64(void)
{
    char buf[1024];
    size_t n;

    strcpy(buf, tok(KID_HDR, "{" EXP_OK "}", K_SECRET));
    CU_ASSERT_EQUAL(check(buf), JWT_AUTH_OK);
    n = strlen(buf);
    /* the last character of a 32-byte MAC carries 2 unused bits */
    buf[n - 1] = (char)(buf[n - 1] == 'A' ? 'B' : buf[n - 1] + 1);
    CU_ASSERT_EQUAL(check(buf), JWT_AUTH_INVALID);
    strcpy(buf, tok(KID_HDR, "{" EXP_OK "}", K_SECRET));
    strcat(buf, "=");
    CU_ASSERT_EQUAL(check(buf), JWT_AUTH_INVALID);
    strcpy(buf, tok(KID_HDR, "{" EXP_OK "}", K_SECRET));
    buf[10] = '+';
    CU_ASSERT_EQUAL(check(buf), JWT_AUTH_INVALID);
    buf[10] = '%';
    CU_ASSERT_EQUAL(check(buf), JWT_AUTH_INVALID);
    strcpy(buf, tok(KID_HDR, "{" EXP_OK "}", K_SECRET));
    memmove(buf + 21, buf + 20, strlen(buf + 20) + 1);
    buf[20] = ' ';
    CU_ASSERT_EQUAL(check(buf), JWT_AUTH_INVALID);
    CU_ASSERT_EQUAL(check("Bearer eyJhbGciOiJIUzI1NiJ9x.eyJleHAiOjF9.AAAA"), JWT_AUTH_INVALID);
}

static void check_should_refuse_a_wrong_number_of_dots(void)
{
    static const char *const bad[] = {"Bearer abc",  "Bearer abc.def", "Bearer a.b.c.d",
                                      "Bearer ..",   "Bearer a..c",    "Bearer .b.c",
                                      "Bearer a.b.", "Bearer ...",     "Bearer a.b.c."};
    char buf[1024];
    size_t i;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CU_ASSERT_EQUAL(check(bad[i]), JWT_AUTH_INVALID);
        CU_ASSERT_STRING_EQUAL(last_desc, "malformed token");
    }
    snprintf(buf, sizeof buf, "%s.", tok(KID_HDR, "{" EXP_OK "}", K_SECRET));
    CU_ASSERT_EQUAL(check(buf), JWT_AUTH_INVALID);
}

static void check_should_refuse_a_16_kib_token_before_parsing(void)
{
    static char big[16384 + 16];
    char pay[8200];

    strcpy(big, "Bearer ");
    memset(big + 7, 'A', 16384);
    big[7 + 100] = '.';
    big[7 + 200] = '.';
    big[7 + 16384] = '\0';
    lookups = 0;
    CU_ASSERT_EQUAL(check(big), JWT_AUTH_INVALID);
    CU_ASSERT_STRING_EQUAL(last_desc, "token too large");
    /* the same for a well-signed token just over the cap */
    snprintf(pay, sizeof pay, "{\"pad\":\"%06100d\"," EXP_OK "}", 0);
    CU_ASSERT_EQUAL(check(tok(KID_HDR, pay, K_SECRET)), JWT_AUTH_INVALID);
    CU_ASSERT_STRING_EQUAL(last_desc, "token too large");
    CU_ASSERT_EQUAL(lookups, 0);
    snprintf(pay, sizeof pay, "{\"pad\":\"%05800d\"," EXP_OK "}", 0);
    CU_ASSERT_EQUAL(check(tok(KID_HDR, pay, K_SECRET)), JWT_AUTH_OK);
}

static void check_should_refuse_a_header_that_is_not_json(void)
{
    static const char nul_hdr[] = "{\"alg\":\"HS256\",\"kid\":\"" K "\"}\0x";

    CU_ASSERT_EQUAL(check(tok("not json", "{" EXP_OK "}", K_SECRET)), JWT_AUTH_INVALID);
    CU_ASSERT_STRING_EQUAL(last_desc, "malformed token header");
    CU_ASSERT_EQUAL(check(tok("[\"HS256\"]", "{" EXP_OK "}", K_SECRET)), JWT_AUTH_INVALID);
    CU_ASSERT_EQUAL(check(tok("\"HS256\"", "{" EXP_OK "}", K_SECRET)), JWT_AUTH_INVALID);
    CU_ASSERT_EQUAL(check(tok(KID_HDR " {}", "{" EXP_OK "}", K_SECRET)), JWT_AUTH_INVALID);
    CU_ASSERT_EQUAL(check(tok("{\"alg\":\"HS256\",\"kid\":\"" K "\"", "{" EXP_OK "}", K_SECRET)),
                    JWT_AUTH_INVALID);
    CU_ASSERT_EQUAL(check(token(nul_hdr, sizeof nul_hdr - 1, "{" EXP_OK "}", K_SECRET)),
                    JWT_AUTH_INVALID);
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "not json", K_SECRET)), JWT_AUTH_INVALID);
    CU_ASSERT_STRING_EQUAL(last_desc, "malformed token payload");
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "[" EXP_OK "]", K_SECRET)), JWT_AUTH_INVALID);
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "{" EXP_OK "}{}", K_SECRET)), JWT_AUTH_INVALID);
}

static void check_should_refuse_duplicate_claims_and_header_parameters(void)
{
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "{\"exp\":1,\"exp\":1700000600}", K_SECRET)),
                    JWT_AUTH_INVALID);
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "{" EXP_OK "," EXP_OK "}", K_SECRET)), JWT_AUTH_INVALID);
    CU_ASSERT_EQUAL(
        check(tok(SRV_HDR, "{\"iss\":\"incoming\",\"sub\":\"" K "\",\"sub\":\"" O "\"," EXP_OK "}",
                  srv_key_str())),
        JWT_AUTH_INVALID);
    CU_ASSERT_EQUAL(check(tok("{\"alg\":\"HS256\",\"alg\":\"none\",\"kid\":\"" K "\"}",
                              "{" EXP_OK "}", K_SECRET)),
                    JWT_AUTH_INVALID);
    CU_ASSERT_EQUAL(check(tok("{\"alg\":\"none\",\"alg\":\"HS256\",\"kid\":\"" K "\"}",
                              "{" EXP_OK "}", K_SECRET)),
                    JWT_AUTH_INVALID);
    CU_ASSERT_EQUAL(check(tok("{\"alg\":\"HS256\",\"kid\":\"" O "\",\"kid\":\"" K "\"}",
                              "{" EXP_OK "}", K_SECRET)),
                    JWT_AUTH_INVALID);
}

/* cJSON cuts strings at NUL: "kid\0junk" or "...\u0000junk" must not be
 * read as "kid" or as a shorter value (found by fuzz_token). */
static void check_should_refuse_nul_and_control_characters_in_json(void)
{
    static const char raw_nul[] = "{\"alg\":\"HS256\",\"kid\0junk\":\"" K "\"}";

    CU_ASSERT_EQUAL(check(token(raw_nul, sizeof raw_nul - 1, "{" EXP_OK "}", K_SECRET)),
                    JWT_AUTH_INVALID);
    CU_ASSERT_EQUAL(
        check(tok("{\"alg\":\"HS256\",\"kid\":\"" K "\\u0000junk\"}", "{" EXP_OK "}", K_SECRET)),
        JWT_AUTH_INVALID);
    CU_ASSERT_EQUAL(
        check(tok(SRV_HDR, "{\"iss\":\"incoming\\u0000x\",\"sub\":\"" K "\"," EXP_OK "}",
                  srv_key_str())),
        JWT_AUTH_INVALID);
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "{\"x\":\"a\x01b\"," EXP_OK "}", K_SECRET)),
                    JWT_AUTH_INVALID);
    CU_ASSERT_EQUAL(check(tok(KID_HDR, "{\n\t\"x\":\"a\\nb\",\r\n" EXP_OK "}", K_SECRET)),
                    JWT_AUTH_OK);
}

static void check_should_refuse_crit_and_odd_kids(void)
{
    CU_ASSERT_EQUAL(
        check(tok("{\"alg\":\"HS256\",\"crit\":[\"b64\"],\"b64\":false,\"kid\":\"" K "\"}",
                  "{" EXP_OK "}", K_SECRET)),
        JWT_AUTH_INVALID);
    CU_ASSERT_EQUAL(check(tok("{\"alg\":\"HS256\",\"kid\":\"\"}", "{" EXP_OK "}", K_SECRET)),
                    JWT_AUTH_INVALID);
    CU_ASSERT_EQUAL(check(tok("{\"alg\":\"HS256\",\"kid\":7}", "{" EXP_OK "}", K_SECRET)),
                    JWT_AUTH_INVALID);
}

static void check_should_report_a_failed_lookup_as_unavailable(void)
{
    CU_ASSERT_EQUAL(check(tok("{\"alg\":\"HS256\",\"kid\":\"" F "\"}", "{" EXP_OK "}", K_SECRET)),
                    JWT_AUTH_UNAVAILABLE);
    CU_ASSERT_EQUAL(jwt_auth_http_status(JWT_AUTH_UNAVAILABLE), 503);
    CU_ASSERT_EQUAL(jwt_auth_http_status(JWT_AUTH_FORBIDDEN), 403);
    CU_ASSERT_EQUAL(jwt_auth_http_status(JWT_AUTH_INVALID), 401);
    CU_ASSERT_EQUAL(jwt_auth_http_status(JWT_AUTH_MISSING), 401);
}

/* Decodes the payload of a token into a cJSON tree (caller deletes). */
static cJSON *payload_of(const char *t)
{
    char json[2048];
    const char *d1 = strchr(t, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    size_t n = 0;

    if (!d2 || b64_decode(B64_URL, d1 + 1, (size_t)(d2 - d1 - 1), json, sizeof json - 1, &n))
        return NULL;
    json[n] = '\0';
    return cJSON_Parse(json);
}

static void issue_should_make_a_token_that_check_accepts(void)
{
    char *t = NULL, auth[2048];
    cJSON *p;

    CU_ASSERT_EQUAL_FATAL(jwt_auth_issue(server_key, sizeof server_key, K, NOW, 3600, &t), 0);
    snprintf(auth, sizeof auth, "Bearer %s", t);
    CU_ASSERT_EQUAL(check(auth), JWT_AUTH_OK);
    CU_ASSERT_EQUAL(check_for(O, auth, NOW, last_desc), JWT_AUTH_FORBIDDEN);
    CU_ASSERT_EQUAL(check_for(K, auth, NOW + 3600 + LEEWAY, last_desc), JWT_AUTH_INVALID);
    p = payload_of(t);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItemCaseSensitive(p, "iss")->valuestring, "incoming");
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItemCaseSensitive(p, "sub")->valuestring, K);
    CU_ASSERT_EQUAL(cJSON_GetObjectItemCaseSensitive(p, "iat")->valuedouble, NOW);
    CU_ASSERT_EQUAL(cJSON_GetObjectItemCaseSensitive(p, "exp")->valuedouble, NOW + 3600);
    CU_ASSERT_EQUAL(strlen(cJSON_GetObjectItemCaseSensitive(p, "jti")->valuestring), 36);
    cJSON_Delete(p);
    free(t);
    CU_ASSERT_EQUAL(jwt_auth_issue(server_key, 0, K, NOW, 3600, &t), -1);
    CU_ASSERT_PTR_NULL(t);
    CU_ASSERT_EQUAL(jwt_auth_issue(server_key, sizeof server_key, K, NOW, 86401, &t), -1);
}

static void www_authenticate_should_format_each_result(void)
{
    char out[256];

    CU_ASSERT_EQUAL(jwt_auth_www_authenticate(JWT_AUTH_MISSING, NULL, out, sizeof out), 0);
    CU_ASSERT_STRING_EQUAL(out, "Bearer realm=\"incoming\"");
    CU_ASSERT_EQUAL(jwt_auth_www_authenticate(JWT_AUTH_INVALID, "token expired", out, sizeof out),
                    0);
    CU_ASSERT_STRING_EQUAL(out, "Bearer realm=\"incoming\", error=\"invalid_token\", "
                                "error_description=\"token expired\"");
    CU_ASSERT_EQUAL(
        jwt_auth_www_authenticate(JWT_AUTH_FORBIDDEN, "token for another key", out, sizeof out), 0);
    CU_ASSERT_STRING_EQUAL(out, "Bearer realm=\"incoming\", error=\"insufficient_scope\", "
                                "error_description=\"token for another key\"");
    CU_ASSERT_EQUAL(
        jwt_auth_www_authenticate(JWT_AUTH_INVALID, "a\"b\\c\r\nd\xc3", out, sizeof out), 0);
    CU_ASSERT_STRING_EQUAL(out, "Bearer realm=\"incoming\", error=\"invalid_token\", "
                                "error_description=\"a\\\"b\\\\c??d?\"");
    CU_ASSERT_EQUAL(jwt_auth_www_authenticate(JWT_AUTH_INVALID, "token expired", out, 70), -1);
    CU_ASSERT_EQUAL(jwt_auth_www_authenticate(JWT_AUTH_OK, "", out, sizeof out), -1);
    CU_ASSERT_EQUAL(jwt_auth_www_authenticate(JWT_AUTH_MISSING, NULL, out, 10), -1);
}

/* ---- PyJWT, an independent implementation ---- */

static FILE *run_fixtures(const char *args)
{
    char cmd[1024];
    const char *py = getenv("PYTHON_JWT");
    const char *top = getenv("top_srcdir");
    char here[512];

    if (!py)
        py = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
    if (!top) { /* run by hand: the tests directory is next to this file */
        const char *slash = strrchr(__FILE__, '/');
        snprintf(here, sizeof here, "%.*s/..", slash ? (int)(slash - __FILE__) : 1,
                 slash ? __FILE__ : ".");
        top = here;
    }
    snprintf(cmd, sizeof cmd, "'%s' '%s/tests/jwt_fixtures.py' %s", py, top, args);
    return popen(cmd, "r");
}

static void check_should_agree_with_pyjwt_tokens(void)
{
    char line[4096], auth[4096], name[64], expect[16], tokbuf[4000];
    int n = 0, st;
    FILE *f = run_fixtures("make 1700000000 " SERVER_KEY_HEX " " K " " K_SECRET);

    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    while (fgets(line, sizeof line, f)) {
        int want, got;
        if (sscanf(line, "%63s %15s %3999s", name, expect, tokbuf) != 3)
            continue;
        snprintf(auth, sizeof auth, "Bearer %s", tokbuf);
        want = strcmp(expect, "ok") == 0 ? JWT_AUTH_OK : JWT_AUTH_INVALID;
        got = check(auth);
        if (got != want)
            fprintf(stderr, "\n  PyJWT fixture %s: got %d (%s), want %s\n", name, got, last_desc,
                    expect);
        CU_ASSERT_EQUAL(got, want);
        n++;
    }
    st = pclose(f);
    CU_ASSERT_EQUAL(st, 0);
    CU_ASSERT_EQUAL(n, 17); /* fails when python3-jwt is missing */
}

static void issue_should_make_tokens_pyjwt_accepts(void)
{
    char *t = NULL, args[2048], line[256] = "";
    FILE *f;

    CU_ASSERT_EQUAL_FATAL(jwt_auth_issue(server_key, sizeof server_key, K, time(NULL), 3600, &t),
                          0);
    snprintf(args, sizeof args, "verify %s %s", SERVER_KEY_HEX, t);
    f = run_fixtures(args);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    if (!fgets(line, sizeof line, f))
        line[0] = '\0';
    CU_ASSERT_EQUAL(pclose(f), 0);
    CU_ASSERT_STRING_EQUAL(line, "sub=" K " lifetime=3600\n");
    free(t);
}

/* jwt_auth_verify_issued: server tokens only (no kid), sub copied out, no
 * key lookup; every other rule as jwt_auth_check. */
static void verify_issued_should_accept_only_server_tokens(void)
{
    struct jwt_auth_params p = {server_key, sizeof server_key, LEEWAY, (time_t)NOW, lookup, NULL};
    char sub[JWT_AUTH_KEY_ID_MAX + 1], desc[JWT_AUTH_DESC_MAX];
    const char *srv = "{\"iss\":\"incoming\",\"sub\":\"" N "\"," EXP_OK "}";

    lookups = 0;
    CU_ASSERT_EQUAL(jwt_auth_verify_issued(&p, tok(SRV_HDR, srv, srv_key_str()), sub, sizeof sub,
                                           desc, sizeof desc),
                    JWT_AUTH_OK);
    CU_ASSERT_STRING_EQUAL(sub, N);
    CU_ASSERT_EQUAL(lookups, 0);
    CU_ASSERT_EQUAL(jwt_auth_verify_issued(&p, NULL, sub, sizeof sub, desc, sizeof desc),
                    JWT_AUTH_MISSING);
    CU_ASSERT_EQUAL(jwt_auth_verify_issued(&p, tok(KID_HDR, "{" EXP_OK "}", K_SECRET), sub,
                                           sizeof sub, desc, sizeof desc),
                    JWT_AUTH_INVALID);
    CU_ASSERT_STRING_EQUAL(desc, "not a token from /auth/token");
    CU_ASSERT_STRING_EQUAL(sub, "");
    CU_ASSERT_EQUAL(jwt_auth_verify_issued(&p, tok(SRV_HDR, srv, "another key"), sub, sizeof sub,
                                           desc, sizeof desc),
                    JWT_AUTH_INVALID);
    CU_ASSERT_STRING_EQUAL(desc, "invalid signature");
    CU_ASSERT_EQUAL(
        jwt_auth_verify_issued(
            &p, tok(SRV_HDR, "{\"iss\":\"other\",\"sub\":\"" N "\"," EXP_OK "}", srv_key_str()),
            sub, sizeof sub, desc, sizeof desc),
        JWT_AUTH_INVALID);
    CU_ASSERT_EQUAL(jwt_auth_verify_issued(
                        &p,
                        tok(SRV_HDR, "{\"iss\":\"incoming\",\"sub\":\"" N "\",\"exp\":1699999000}",
                            srv_key_str()),
                        sub, sizeof sub, desc, sizeof desc),
                    JWT_AUTH_INVALID);
    CU_ASSERT_STRING_EQUAL(desc, "token expired");
    CU_ASSERT_EQUAL(jwt_auth_verify_issued(&p, tok("{\"alg\":\"none\"}", srv, NULL), sub,
                                           sizeof sub, desc, sizeof desc),
                    JWT_AUTH_INVALID);
}

static int init_suite(void)
{
    size_t n = 0;

    if (b64_hex_decode(SERVER_KEY_HEX, 64, server_key, sizeof server_key, &n) != 0 || n != 32)
        return -1;
    return memchr(server_key, 0, 32) ? -1 : 0;
}

int main(void)
{
    CU_pSuite s;
    unsigned failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("jwt_auth", init_suite, NULL);
    CU_ADD_TEST(s, check_should_accept_well_formed_tokens_of_both_kinds);
    CU_ADD_TEST(s, check_should_report_a_missing_token);
    CU_ADD_TEST(s, check_should_take_the_bearer_scheme_in_any_case);
    CU_ADD_TEST(s, check_should_refuse_alg_none_in_any_case);
    CU_ADD_TEST(s, check_should_refuse_every_other_algorithm_whatever_the_key);
    CU_ADD_TEST(s, check_should_refuse_a_wrong_key);
    CU_ADD_TEST(s, check_should_refuse_expired_tokens_within_the_leeway_rules);
    CU_ADD_TEST(s, check_should_require_a_numeric_exp);
    CU_ADD_TEST(s, check_should_refuse_nbf_ahead_beyond_the_leeway);
    CU_ADD_TEST(s, check_should_refuse_iat_ahead_beyond_the_leeway);
    CU_ADD_TEST(s, check_should_refuse_lifetimes_over_24_hours);
    CU_ADD_TEST(s, check_should_forbid_a_valid_token_of_another_key);
    CU_ADD_TEST(s, check_should_refuse_tokens_of_a_revoked_key);
    CU_ADD_TEST(s, check_should_forbid_a_key_without_the_permission);
    CU_ADD_TEST(s, check_should_refuse_malformed_base64);
    CU_ADD_TEST(s, check_should_refuse_a_wrong_number_of_dots);
    CU_ADD_TEST(s, check_should_refuse_a_16_kib_token_before_parsing);
    CU_ADD_TEST(s, check_should_refuse_a_header_that_is_not_json);
    CU_ADD_TEST(s, check_should_refuse_duplicate_claims_and_header_parameters);
    CU_ADD_TEST(s, check_should_refuse_nul_and_control_characters_in_json);
    CU_ADD_TEST(s, check_should_refuse_crit_and_odd_kids);
    CU_ADD_TEST(s, check_should_report_a_failed_lookup_as_unavailable);
    CU_ADD_TEST(s, issue_should_make_a_token_that_check_accepts);
    CU_ADD_TEST(s, www_authenticate_should_format_each_result);
    CU_ADD_TEST(s, check_should_agree_with_pyjwt_tokens);
    CU_ADD_TEST(s, issue_should_make_tokens_pyjwt_accepts);
    CU_ADD_TEST(s, verify_issued_should_accept_only_server_tokens);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
