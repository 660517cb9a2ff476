/* Tests of the admin_token module over a real store: creation shows the
 * token once and stores only its hash, verify accepts exactly the live
 * token, revocation, listing without hashes, and refusal of bad input. */
#include "admin_token.h"

#include "json.h"
#include "secret.h"

#include <CUnit/Basic.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char tmpdir[64];
static struct config cfg;
static struct store *st;

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void)
{
    char err[512];

    strcpy(tmpdir, "/tmp/test_admin_token_XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return 1;
    config_defaults(&cfg);
    snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s/data", tmpdir);
    return store_open(&cfg, STORE_CREATE, &st, err, sizeof(err)) == STORE_OK ? 0 : 1;
}

static int teardown(void)
{
    store_close(st);
    nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

struct raw_arg {
    const char *id;
    struct buf v;
};

static int raw_fn(struct store_txn *t, void *arg)
{
    struct raw_arg *a = arg;
    return store_get(t, STORE_DB_ADMIN_TOKENS, a->id, 36, &a->v);
}

static void admin_token_create_should_store_only_the_hash(void)
{
    char id[37], token[ADMIN_TOKEN_LEN + 1], hash[65], err[256];
    struct raw_arg a;
    cJSON *pub = NULL, *rec = NULL;

    CU_ASSERT_EQUAL_FATAL(admin_token_create(st, "ops", id, token, &pub, err, sizeof(err)),
                          ADMIN_TOKEN_OK);
    CU_ASSERT_EQUAL(strlen(token), ADMIN_TOKEN_LEN);
    CU_ASSERT_EQUAL(strncmp(token, ADMIN_TOKEN_PREFIX, 4), 0);
    CU_ASSERT(secret_is_uuid(id));
    CU_ASSERT_STRING_EQUAL(json_get_string(pub, "id"), id);
    CU_ASSERT_STRING_EQUAL(json_get_string(pub, "name"), "ops");
    CU_ASSERT_STRING_EQUAL(json_get_string(pub, "state"), "active");
    CU_ASSERT(json_get_ll(pub, "createdAt", 0) > 0);
    CU_ASSERT_PTR_NULL(json_get(pub, "hash"));
    cJSON_Delete(pub);

    a.id = id;
    buf_init(&a.v, 1 << 20);
    CU_ASSERT_EQUAL_FATAL(store_txn_run(st, raw_fn, &a), STORE_OK);
    CU_ASSERT_PTR_NULL(strstr(buf_str(&a.v), token + 41)); /* the secret part */
    CU_ASSERT_EQUAL_FATAL(json_parse(a.v.data, a.v.len, 8, &rec, NULL), 0);
    secret_sha256_hex(token, strlen(token), hash);
    CU_ASSERT_STRING_EQUAL(json_get_string(rec, "hash"), hash);
    cJSON_Delete(rec);
    buf_free(&a.v);
}

static void admin_token_verify_should_accept_only_the_exact_live_token(void)
{
    char id[37], got[37], token[ADMIN_TOKEN_LEN + 1], bad[ADMIN_TOKEN_LEN + 2], err[256];

    CU_ASSERT_EQUAL_FATAL(admin_token_create(st, NULL, id, token, NULL, err, sizeof(err)),
                          ADMIN_TOKEN_OK);
    CU_ASSERT_EQUAL(admin_token_verify(st, token, got), ADMIN_TOKEN_OK);
    CU_ASSERT_STRING_EQUAL(got, id);

    memcpy(bad, token, sizeof(token));
    bad[ADMIN_TOKEN_LEN - 1] = bad[ADMIN_TOKEN_LEN - 1] == '0' ? '1' : '0';
    CU_ASSERT_EQUAL(admin_token_verify(st, bad, got), ADMIN_TOKEN_DENIED);
    CU_ASSERT_STRING_EQUAL(got, "");
    memcpy(bad, token, sizeof(token));
    memcpy(bad + 4, "00000000-0000-4000-8000-000000000000", 36); /* unknown id */
    CU_ASSERT_EQUAL(admin_token_verify(st, bad, got), ADMIN_TOKEN_DENIED);
    CU_ASSERT_EQUAL(admin_token_verify(st, "", got), ADMIN_TOKEN_DENIED);
    CU_ASSERT_EQUAL(admin_token_verify(st, NULL, got), ADMIN_TOKEN_DENIED);
    CU_ASSERT_EQUAL(admin_token_verify(st, "iat_short", got), ADMIN_TOKEN_DENIED);
    snprintf(bad, sizeof(bad), "%sx", token);
    CU_ASSERT_EQUAL(admin_token_verify(st, bad, got), ADMIN_TOKEN_DENIED);
}

static void admin_token_revoke_should_stop_verification(void)
{
    char id[37], got[37], token[ADMIN_TOKEN_LEN + 1], err[256];
    cJSON *pub = NULL;

    CU_ASSERT_EQUAL_FATAL(admin_token_create(st, "gone", id, token, NULL, err, sizeof(err)),
                          ADMIN_TOKEN_OK);
    CU_ASSERT_EQUAL(admin_token_revoke(st, id, &pub, err, sizeof(err)), ADMIN_TOKEN_OK);
    CU_ASSERT_STRING_EQUAL(json_get_string(pub, "state"), "revoked");
    CU_ASSERT(json_get_ll(pub, "revokedAt", 0) > 0);
    CU_ASSERT_PTR_NULL(json_get(pub, "hash"));
    cJSON_Delete(pub);
    CU_ASSERT_EQUAL(admin_token_verify(st, token, got), ADMIN_TOKEN_DENIED);
    CU_ASSERT_EQUAL(admin_token_revoke(st, id, NULL, err, sizeof(err)), ADMIN_TOKEN_OK);
    CU_ASSERT_EQUAL(
        admin_token_revoke(st, "00000000-0000-4000-8000-000000000000", NULL, err, sizeof(err)),
        ADMIN_TOKEN_NOTFOUND);
    CU_ASSERT_EQUAL(admin_token_revoke(st, "not-an-id", NULL, err, sizeof(err)),
                    ADMIN_TOKEN_INVALID);
}

static void admin_token_list_should_show_every_token_without_hashes(void)
{
    char err[256];
    cJSON *items = NULL, *it;
    int revoked = 0, named_admin = 0;

    CU_ASSERT_EQUAL_FATAL(admin_token_list(st, &items, err, sizeof(err)), ADMIN_TOKEN_OK);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(items), 3); /* made by the tests above */
    cJSON_ArrayForEach(it, items)
    {
        CU_ASSERT_PTR_NULL(json_get(it, "hash"));
        CU_ASSERT_PTR_NOT_NULL(json_get_string(it, "id"));
        if (strcmp(json_get_string(it, "state"), "revoked") == 0)
            revoked++;
        if (strcmp(json_get_string(it, "name"), "admin") == 0)
            named_admin++;
    }
    CU_ASSERT_EQUAL(revoked, 1);
    CU_ASSERT_EQUAL(named_admin, 1);
    cJSON_Delete(items);
}

static void admin_token_create_should_refuse_bad_names(void)
{
    char id[37], token[ADMIN_TOKEN_LEN + 1], err[256], name[200];

    memset(name, 'n', 101);
    name[101] = '\0';
    CU_ASSERT_EQUAL(admin_token_create(st, name, id, token, NULL, err, sizeof(err)),
                    ADMIN_TOKEN_INVALID);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "name"));
    CU_ASSERT_STRING_EQUAL(token, "");
    CU_ASSERT_EQUAL(admin_token_create(st, "a\nb", id, token, NULL, err, sizeof(err)),
                    ADMIN_TOKEN_INVALID);
    CU_ASSERT_EQUAL(admin_token_create(st, "\xff", id, token, NULL, err, sizeof(err)),
                    ADMIN_TOKEN_INVALID);
}

int main(void)
{
    CU_pSuite s;
    unsigned failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("admin_token", setup, teardown);
    CU_add_test(s, "create stores only the hash", admin_token_create_should_store_only_the_hash);
    CU_add_test(s, "verify accepts only the exact live token",
                admin_token_verify_should_accept_only_the_exact_live_token);
    CU_add_test(s, "revoke stops verification", admin_token_revoke_should_stop_verification);
    CU_add_test(s, "list shows tokens without hashes",
                admin_token_list_should_show_every_token_without_hashes);
    CU_add_test(s, "create refuses bad names", admin_token_create_should_refuse_bad_names);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
