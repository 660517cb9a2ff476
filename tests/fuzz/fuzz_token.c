/* libFuzzer target over token parsing and checking: jwt_auth_check on raw
 * Authorization values and on well-signed tokens built from fuzzed header
 * and payload JSON (so the claim rules past the signature are reached),
 * the strict base64/hex codecs (canonical round trip), Standard Webhooks
 * verification and the WWW-Authenticate formatter. The first input byte
 * picks the mode. Invariants that must hold abort() when broken. */
#include "b64.h"
#include "hmac_auth.h"
#include "jwt_auth.h"

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define K "2f1c0000-0000-4000-8000-00000000000a"
#define O "3a2b0000-0000-4000-8000-00000000000b"
#define K_SECRET "ik_kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
#define O_SECRET "ik_ooooooooooooooooooooooooooooooooooooooooooo"
#define NOW 1700000000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char server_key[32] = "fuzz-server-key-0123456789abcdef";

static int lookup(void *ctx, const char *id, struct jwt_auth_key *k)
{
    (void)ctx;
    if (strcmp(id, K) == 0 || strcmp(id, O) == 0) {
        const char *s = strcmp(id, K) == 0 ? K_SECRET : O_SECRET;
        k->active = 1;
        k->can_execute = 1;
        k->secret_len = strlen(s);
        memcpy(k->secret, s, k->secret_len);
        return 0;
    }
    return strcmp(id, "fail") == 0 ? -1 : 1;
}

static int check(const char *auth)
{
    struct jwt_auth_params p = {server_key, sizeof server_key, 60, NOW, lookup, NULL};
    char desc[JWT_AUTH_DESC_MAX], www[256];
    int rc = jwt_auth_check(&p, K, auth, desc, sizeof desc);

    if (rc == JWT_AUTH_INVALID || rc == JWT_AUTH_FORBIDDEN || rc == JWT_AUTH_MISSING)
        if (jwt_auth_www_authenticate(rc, desc, www, sizeof www) != 0)
            abort(); /* every description must fit a header */
    return rc;
}

/* An accepted token must have said alg "HS256" and carried a numeric exp:
 * re-derive both from the token independently of jwt_auth. */
static void assert_accepted_token_is_sane(const char *tok)
{
    const char *d1 = strchr(tok, '.');
    const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    char buf[JWT_AUTH_TOKEN_MAX];
    size_t n = 0;
    cJSON *h, *p;

    if (!d2 || b64_decode(B64_URL, tok, (size_t)(d1 - tok), buf, sizeof buf - 1, &n) != 0)
        abort();
    buf[n] = '\0';
    h = cJSON_Parse(buf);
    if (!h || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(h, "alg")) ||
        strcmp(cJSON_GetObjectItemCaseSensitive(h, "alg")->valuestring, "HS256") != 0)
        abort();
    cJSON_Delete(h);
    if (b64_decode(B64_URL, d1 + 1, (size_t)(d2 - d1 - 1), buf, sizeof buf - 1, &n) != 0)
        abort();
    buf[n] = '\0';
    p = cJSON_Parse(buf);
    if (!p || !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(p, "exp")))
        abort();
    cJSON_Delete(p);
}

/* Mode 1: "header JSON \n payload JSON", signed with the server key or
 * K's secret (by the second byte). */
static void fuzz_signed(const uint8_t *data, size_t size)
{
    static char auth[3 * JWT_AUTH_TOKEN_MAX];
    const uint8_t *nl;
    const char *key;
    int use_secret;
    unsigned char mac[32];
    unsigned int maclen = 0;
    size_t hlen, o;

    if (size < 1 || size > JWT_AUTH_TOKEN_MAX)
        return;
    use_secret = data[0] & 1;
    key = use_secret ? K_SECRET : (const char *)server_key;
    data++;
    size--;
    nl = memchr(data, '\n', size);
    if (!nl)
        return;
    hlen = (size_t)(nl - data);
    memcpy(auth, "Bearer ", 7);
    b64_encode(B64_URL, data, hlen, auth + 7, sizeof auth - 7);
    o = strlen(auth);
    auth[o++] = '.';
    b64_encode(B64_URL, nl + 1, size - hlen - 1, auth + o, sizeof auth - o);
    o = strlen(auth);
    HMAC(EVP_sha256(), key, use_secret ? (int)strlen(K_SECRET) : 32, (unsigned char *)auth + 7,
         o - 7, mac, &maclen);
    auth[o++] = '.';
    b64_encode(B64_URL, mac, maclen, auth + o, sizeof auth - o);
    if (check(auth) == JWT_AUTH_OK)
        assert_accepted_token_is_sane(auth + 7);
}

/* Mode 2: decoders accept only canonical text: re-encoding gives it back. */
static void fuzz_codecs(const uint8_t *data, size_t size)
{
    static unsigned char out[8192];
    static char back[12000];
    size_t n = 0;
    int v;

    if (size > 8000)
        return;
    for (v = B64_STD; v <= B64_URL; v++) {
        if (b64_decode(v, (const char *)data, size, out, sizeof out, &n) != B64_OK)
            continue;
        if (b64_encode(v, out, n, back, sizeof back) != B64_OK || strlen(back) != size ||
            memcmp(back, data, size) != 0)
            abort();
    }
    if (b64_hex_decode((const char *)data, size, out, sizeof out, &n) == B64_OK) {
        if (b64_hex_encode(out, n, back, sizeof back) != B64_OK ||
            strncasecmp(back, (const char *)data, size) != 0)
            abort();
    }
}

struct sw_headers {
    const char *v[3];
};

static const char *sw_get(void *ctx, const char *name)
{
    struct sw_headers *h = ctx;
    if (strcasecmp(name, "webhook-id") == 0)
        return h->v[0];
    if (strcasecmp(name, "webhook-timestamp") == 0)
        return h->v[1];
    if (strcasecmp(name, "webhook-signature") == 0)
        return h->v[2];
    return NULL;
}

/* Mode 3: Standard Webhooks with id, timestamp, signature and body taken
 * from four newline-separated fields. Fuzzed signatures never verify. */
static void fuzz_webhook(const uint8_t *data, size_t size)
{
    static const char cfgjson[] = "{\"secret\":\"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"}";
    static struct hmac_auth_config cfg;
    static int have_cfg;
    struct sw_headers h;
    char *copy = malloc(size + 1), *p, reason[64];
    int i;

    if (!copy)
        return;
    if (!have_cfg) {
        cJSON *o = cJSON_Parse(cfgjson);
        if (hmac_auth_config_parse(o, &cfg, reason, sizeof reason) != 0)
            abort();
        cJSON_Delete(o);
        have_cfg = 1;
    }
    memcpy(copy, data, size);
    copy[size] = '\0';
    p = copy;
    for (i = 0; i < 3; i++) {
        char *nl = strchr(p, '\n');
        h.v[i] = p;
        if (!nl) {
            free(copy);
            return;
        }
        *nl = '\0';
        p = nl + 1;
    }
    if (hmac_auth_verify(&cfg, sw_get, &h, p, strlen(p), 1614265330, reason, sizeof reason) ==
            HMAC_AUTH_OK &&
        strcmp(p, "{\"test\": 2432232314}") != 0)
        abort(); /* a forged MAC verified */
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char auth[2 * JWT_AUTH_TOKEN_MAX + 2];
    char www[512];

    if (size < 1)
        return 0;
    switch (data[0] % 5) {
    case 0: /* raw Authorization value */
        if (size - 1 < sizeof auth) {
            memcpy(auth, data + 1, size - 1);
            auth[size - 1] = '\0';
            check(auth);
        }
        break;
    case 1:
        fuzz_signed(data + 1, size - 1);
        break;
    case 2:
        fuzz_codecs(data + 1, size - 1);
        break;
    case 3:
        fuzz_webhook(data + 1, size - 1);
        break;
    default:
        if (size - 1 < sizeof auth) {
            memcpy(auth, data + 1, size - 1);
            auth[size - 1] = '\0';
            if (jwt_auth_www_authenticate(JWT_AUTH_INVALID, auth, www, sizeof www) == 0 &&
                (strpbrk(www, "\r\n") || www[strlen(www) - 1] != '"'))
                abort();
        }
        break;
    }
    return 0;
}
