/* Tests of the hmac_auth module: the Standard Webhooks specification's
 * example, GitHub's documented example, RFC/Wikipedia HMAC vectors for the
 * custom scheme, stale and tampered requests, and configuration errors. */
#include "hmac_auth.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Example from the Standard Webhooks specification. */
#define SW_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define SW_ID "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define SW_TS "1614265330"
#define SW_NOW 1614265330
#define SW_BODY "{\"test\": 2432232314}"
#define SW_SIG "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
/* GitHub's "Validating webhook deliveries" example. */
#define GH_SECRET "It's a Secret to Everybody"
#define GH_BODY "Hello, World!"
#define GH_SIG "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
/* HMAC examples with key "key" (Wikipedia, checked with Python's hmac). */
#define FOX "The quick brown fox jumps over the lazy dog"

struct hdrs {
    const char *names[4];
    const char *values[4];
};

static const char *get_header(void *ctx, const char *name)
{
    struct hdrs *h = ctx;
    int i;

    for (i = 0; i < 4 && h->names[i]; i++)
        if (strcasecmp(h->names[i], name) == 0)
            return h->values[i];
    return NULL;
}

static struct hmac_auth_config config(const char *json)
{
    struct hmac_auth_config c;
    char err[128] = "";
    cJSON *o = cJSON_Parse(json);

    memset(&c, 0, sizeof c);
    CU_ASSERT_PTR_NOT_NULL(o);
    CU_ASSERT_EQUAL(hmac_auth_config_parse(o, &c, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(err, "");
    cJSON_Delete(o);
    return c;
}

static int sw_verify(const char *id, const char *ts, const char *sig, const char *body, long now,
                     char *reason)
{
    struct hmac_auth_config c = config("{\"secret\": \"" SW_SECRET "\"}");
    struct hdrs h = {{"Webhook-Id", "WEBHOOK-TIMESTAMP", "webhook-signature", NULL},
                     {id, ts, sig, NULL}};

    return hmac_auth_verify(&c, get_header, &h, body, strlen(body), (time_t)now, reason, 64);
}

static void standard_webhooks_should_verify_the_specification_example(void)
{
    char reason[64] = "";

    CU_ASSERT_EQUAL(sw_verify(SW_ID, SW_TS, SW_SIG, SW_BODY, SW_NOW, reason), HMAC_AUTH_OK);
    CU_ASSERT_EQUAL(sw_verify(SW_ID, SW_TS, SW_SIG, SW_BODY, SW_NOW + 299, reason), HMAC_AUTH_OK);
    CU_ASSERT_EQUAL(sw_verify(SW_ID, SW_TS, SW_SIG, SW_BODY, SW_NOW - 299, reason), HMAC_AUTH_OK);
}

static void standard_webhooks_should_accept_any_matching_entry_of_the_list(void)
{
    char reason[64] = "";
    const char *list = "v1a,AAAA v1,bm90IHRoZSBzaWduYXR1cmUgb2YgdGhpcyBib2R5IQ== " SW_SIG;

    CU_ASSERT_EQUAL(sw_verify(SW_ID, SW_TS, list, SW_BODY, SW_NOW, reason), HMAC_AUTH_OK);
    CU_ASSERT_EQUAL(sw_verify(SW_ID, SW_TS,
                              "v1,garbage!! v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                              SW_BODY, SW_NOW, reason),
                    HMAC_AUTH_MISMATCH);
}

static void standard_webhooks_should_refuse_stale_or_future_timestamps(void)
{
    char reason[64] = "";

    CU_ASSERT_EQUAL(sw_verify(SW_ID, SW_TS, SW_SIG, SW_BODY, SW_NOW + 301, reason),
                    HMAC_AUTH_STALE);
    CU_ASSERT_STRING_EQUAL(reason, "webhook-timestamp outside tolerance");
    CU_ASSERT_EQUAL(sw_verify(SW_ID, SW_TS, SW_SIG, SW_BODY, SW_NOW - 301, reason),
                    HMAC_AUTH_STALE);
    CU_ASSERT_EQUAL(sw_verify(SW_ID, "-1", SW_SIG, SW_BODY, SW_NOW, reason), HMAC_AUTH_MALFORMED);
    CU_ASSERT_EQUAL(sw_verify(SW_ID, "1614265330.5", SW_SIG, SW_BODY, SW_NOW, reason),
                    HMAC_AUTH_MALFORMED);
    CU_ASSERT_EQUAL(sw_verify(SW_ID, "99999999999999999999", SW_SIG, SW_BODY, SW_NOW, reason),
                    HMAC_AUTH_MALFORMED);
}

static void standard_webhooks_should_refuse_tampered_requests(void)
{
    char reason[64] = "";

    CU_ASSERT_EQUAL(sw_verify(SW_ID, SW_TS, SW_SIG, "{\"test\": 2432232315}", SW_NOW, reason),
                    HMAC_AUTH_MISMATCH);
    CU_ASSERT_STRING_EQUAL(reason, "signature mismatch");
    CU_ASSERT_EQUAL(sw_verify(SW_ID, SW_TS, SW_SIG, SW_BODY " ", SW_NOW, reason),
                    HMAC_AUTH_MISMATCH);
    CU_ASSERT_EQUAL(
        sw_verify("msg_p5jXN8AQM9LWM0D4loKWxJeK", SW_TS, SW_SIG, SW_BODY, SW_NOW, reason),
        HMAC_AUTH_MISMATCH);
    CU_ASSERT_EQUAL(sw_verify(SW_ID, "1614265331", SW_SIG, SW_BODY, SW_NOW, reason),
                    HMAC_AUTH_MISMATCH);
    CU_ASSERT_EQUAL(sw_verify(SW_ID, SW_TS, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=",
                              SW_BODY, SW_NOW, reason),
                    HMAC_AUTH_MISMATCH);
    /* a truncated MAC is not a match, even of its prefix */
    CU_ASSERT_EQUAL(sw_verify(SW_ID, SW_TS, "v1,g0hM9SsE+OTPJTGt", SW_BODY, SW_NOW, reason),
                    HMAC_AUTH_MISMATCH);
    CU_ASSERT_EQUAL(sw_verify(SW_ID, SW_TS, "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                              SW_BODY, SW_NOW, reason),
                    HMAC_AUTH_MISMATCH);
}

static void standard_webhooks_should_name_a_missing_header(void)
{
    char reason[64] = "";

    CU_ASSERT_EQUAL(sw_verify(SW_ID, SW_TS, NULL, SW_BODY, SW_NOW, reason), HMAC_AUTH_MISSING);
    CU_ASSERT_STRING_EQUAL(reason, "missing webhook-signature header");
    CU_ASSERT_EQUAL(sw_verify(NULL, SW_TS, SW_SIG, SW_BODY, SW_NOW, reason), HMAC_AUTH_MISSING);
    CU_ASSERT_STRING_EQUAL(reason, "missing webhook-id header");
    CU_ASSERT_EQUAL(sw_verify(SW_ID, "  ", SW_SIG, SW_BODY, SW_NOW, reason), HMAC_AUTH_MISSING);
}

static int single_verify(const char *cfg, const char *name, const char *value, const char *body,
                         char *reason)
{
    struct hmac_auth_config c = config(cfg);
    struct hdrs h = {{name, NULL}, {value, NULL}};

    return hmac_auth_verify(&c, get_header, &h, body, strlen(body), 0, reason, 64);
}

#define GH_CFG "{\"scheme\": \"github\", \"secret\": \"It's a Secret to Everybody\"}"

static void github_should_verify_the_documented_example(void)
{
    char reason[64] = "";
    char upper[100];
    size_t i;

    CU_ASSERT_EQUAL(single_verify(GH_CFG, "x-hub-signature-256", GH_SIG, GH_BODY, reason),
                    HMAC_AUTH_OK);
    for (i = 0; i <= strlen(GH_SIG); i++)
        upper[i] = i >= 7 && GH_SIG[i] >= 'a' && GH_SIG[i] <= 'f' ? GH_SIG[i] - 32 : GH_SIG[i];
    CU_ASSERT_EQUAL(single_verify(GH_CFG, "X-Hub-Signature-256", upper, GH_BODY, reason),
                    HMAC_AUTH_OK);
}

static void github_should_refuse_tampered_body_and_bad_headers(void)
{
    char reason[64] = "";

    CU_ASSERT_EQUAL(single_verify(GH_CFG, "X-Hub-Signature-256", GH_SIG, "Hello, World?", reason),
                    HMAC_AUTH_MISMATCH);
    CU_ASSERT_PTR_NULL(strstr(reason, "757107"));
    CU_ASSERT_EQUAL(single_verify(GH_CFG, "X-Hub-Signature", GH_SIG, GH_BODY, reason),
                    HMAC_AUTH_MISSING);
    CU_ASSERT_STRING_EQUAL(reason, "missing X-Hub-Signature-256 header");
    CU_ASSERT_EQUAL(single_verify(GH_CFG, "X-Hub-Signature-256", GH_SIG + 7, GH_BODY, reason),
                    HMAC_AUTH_MALFORMED);
    CU_ASSERT_EQUAL(single_verify(GH_CFG, "X-Hub-Signature-256", "sha256=75", GH_BODY, reason),
                    HMAC_AUTH_MISMATCH);
    CU_ASSERT_EQUAL(single_verify(GH_CFG, "X-Hub-Signature-256", "sha256=zz", GH_BODY, reason),
                    HMAC_AUTH_MALFORMED);
}

static void custom_should_verify_each_algorithm_and_encoding(void)
{
    char reason[64] = "";

    CU_ASSERT_EQUAL(single_verify("{\"scheme\":\"custom\",\"secret\":\"key\",\"header\":\"X-Sig\","
                                  "\"algorithm\":\"sha1\"}",
                                  "x-sig", "de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9", FOX, reason),
                    HMAC_AUTH_OK);
    CU_ASSERT_EQUAL(
        single_verify("{\"scheme\":\"custom\",\"secret\":\"key\",\"header\":\"X-Sig\"}", "X-Sig",
                      "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8", FOX,
                      reason),
        HMAC_AUTH_OK);
    CU_ASSERT_EQUAL(
        single_verify("{\"scheme\":\"custom\",\"secret\":\"key\",\"header\":\"X-Sig\","
                      "\"algorithm\":\"sha256\",\"encoding\":\"base64\",\"prefix\":\"hmac \"}",
                      "X-Sig", "hmac 97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg=", FOX, reason),
        HMAC_AUTH_OK);
    CU_ASSERT_EQUAL(single_verify("{\"scheme\":\"custom\",\"secret\":\"key\",\"header\":\"X-Sig\","
                                  "\"algorithm\":\"sha512\",\"encoding\":\"base64\"}",
                                  "X-Sig",
                                  "tCrwkFe6weLUFwjkipAuCbX/fxKrQopP6GZTxz3SSPuC+UilSfe3kaW0GRXuTR7D"
                                  "k1NX5OIxclDQNyr6Lr7rOg==",
                                  FOX, reason),
                    HMAC_AUTH_OK);
}

static void custom_should_refuse_a_signature_of_another_algorithm(void)
{
    char reason[64] = "";

    /* the SHA-1 MAC where SHA-256 is configured */
    CU_ASSERT_EQUAL(single_verify("{\"scheme\":\"custom\",\"secret\":\"key\",\"header\":\"X-Sig\"}",
                                  "X-Sig", "de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9", FOX, reason),
                    HMAC_AUTH_MISMATCH);
    CU_ASSERT_EQUAL(
        single_verify("{\"scheme\":\"custom\",\"secret\":\"key\",\"header\":\"X-Sig\","
                      "\"prefix\":\"sha256=\"}",
                      "X-Sig", "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
                      FOX, reason),
        HMAC_AUTH_MALFORMED);
}

static int parse_error(const char *json, char *err, size_t errlen)
{
    cJSON *o = cJSON_Parse(json);
    int rc;

    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    err[0] = '\0';
    rc = hmac_auth_config_parse(o, NULL, err, errlen);
    cJSON_Delete(o);
    return rc;
}

static void config_should_name_the_field_in_each_error(void)
{
    char err[128];

    CU_ASSERT_EQUAL(parse_error("{}", err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "hmac.secret: required");
    CU_ASSERT_EQUAL(parse_error("{\"scheme\":\"svix\",\"secret\":\"x\"}", err, sizeof err), -1);
    CU_ASSERT_EQUAL(strncmp(err, "hmac.scheme: ", 13), 0);
    CU_ASSERT_EQUAL(
        parse_error("{\"secret\":\"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"}", err, sizeof err), -1);
    CU_ASSERT_EQUAL(strncmp(err, "hmac.secret: ", 13), 0);
    CU_ASSERT_PTR_NULL(strstr(err, "MfKQ")); /* never echoes the secret */
    CU_ASSERT_EQUAL(parse_error("{\"secret\":\"whsec_QUJD\"}", err, sizeof err), -1);
    CU_ASSERT_EQUAL(parse_error("{\"secret\":\"whsec_not base64!\"}", err, sizeof err), -1);
    CU_ASSERT_EQUAL(parse_error("{\"scheme\":\"custom\",\"secret\":\"k\"}", err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "hmac.header: required with scheme custom");
    CU_ASSERT_EQUAL(
        parse_error("{\"scheme\":\"custom\",\"secret\":\"k\",\"header\":\"X S\"}", err, sizeof err),
        -1);
    CU_ASSERT_EQUAL(strncmp(err, "hmac.header: ", 13), 0);
    CU_ASSERT_EQUAL(parse_error("{\"scheme\":\"custom\",\"secret\":\"k\",\"header\":\"X\","
                                "\"algorithm\":\"md5\"}",
                                err, sizeof err),
                    -1);
    CU_ASSERT_STRING_EQUAL(err, "hmac.algorithm: expected sha1, sha256 or sha512");
    CU_ASSERT_EQUAL(parse_error("{\"scheme\":\"custom\",\"secret\":\"k\",\"header\":\"X\","
                                "\"encoding\":\"base32\"}",
                                err, sizeof err),
                    -1);
    CU_ASSERT_STRING_EQUAL(err, "hmac.encoding: expected hex or base64");
}

static void config_should_refuse_unknown_repeated_and_misplaced_fields(void)
{
    char err[128];

    CU_ASSERT_EQUAL(
        parse_error("{\"scheme\":\"github\",\"secret\":\"k\",\"colour\":1}", err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "hmac.colour: unknown field");
    CU_ASSERT_EQUAL(
        parse_error("{\"scheme\":\"github\",\"secret\":\"k\",\"secret\":\"j\"}", err, sizeof err),
        -1);
    CU_ASSERT_STRING_EQUAL(err, "hmac.secret: given twice");
    CU_ASSERT_EQUAL(
        parse_error("{\"scheme\":\"github\",\"secret\":\"k\",\"header\":\"X\"}", err, sizeof err),
        -1);
    CU_ASSERT_STRING_EQUAL(err, "hmac.header: only allowed with scheme custom");
    CU_ASSERT_EQUAL(parse_error("{\"scheme\":\"github\",\"secret\":\"\"}", err, sizeof err), -1);
    CU_ASSERT_EQUAL(parse_error("{\"scheme\":\"github\",\"secret\":5}", err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "hmac.secret: expected a string");
    CU_ASSERT_EQUAL(parse_error("[]", err, sizeof err), -1);
}

static void config_should_default_to_standard_webhooks(void)
{
    struct hmac_auth_config c = config("{\"secret\": \"" SW_SECRET "\"}");

    CU_ASSERT_EQUAL(c.scheme, HMAC_SCHEME_STANDARD_WEBHOOKS);
    CU_ASSERT_EQUAL(c.key_len, 24);
    c = config("{\"scheme\":\"custom\",\"secret\":\"k\",\"header\":\"X-Signature\"}");
    CU_ASSERT_EQUAL(c.alg, HMAC_ALG_SHA256);
    CU_ASSERT_EQUAL(c.encoding, HMAC_ENC_HEX);
    CU_ASSERT_STRING_EQUAL(c.prefix, "");
}

int main(void)
{
    CU_pSuite s;
    unsigned failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("hmac_auth", NULL, NULL);
    CU_ADD_TEST(s, standard_webhooks_should_verify_the_specification_example);
    CU_ADD_TEST(s, standard_webhooks_should_accept_any_matching_entry_of_the_list);
    CU_ADD_TEST(s, standard_webhooks_should_refuse_stale_or_future_timestamps);
    CU_ADD_TEST(s, standard_webhooks_should_refuse_tampered_requests);
    CU_ADD_TEST(s, standard_webhooks_should_name_a_missing_header);
    CU_ADD_TEST(s, github_should_verify_the_documented_example);
    CU_ADD_TEST(s, github_should_refuse_tampered_body_and_bad_headers);
    CU_ADD_TEST(s, custom_should_verify_each_algorithm_and_encoding);
    CU_ADD_TEST(s, custom_should_refuse_a_signature_of_another_algorithm);
    CU_ADD_TEST(s, config_should_name_the_field_in_each_error);
    CU_ADD_TEST(s, config_should_refuse_unknown_repeated_and_misplaced_fields);
    CU_ADD_TEST(s, config_should_default_to_standard_webhooks);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
