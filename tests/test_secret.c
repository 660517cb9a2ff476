/* Tests of the secret module: UUID v4 format, API key secrets, SHA-256,
 * HMAC-SHA256, constant-time comparison and the 0600 key file; and the
 * time-ordered UUIDs of uuid.h that event ids are. */
#include "secret.h"
#include "uuid.h"

#include <CUnit/Basic.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64];

static int make_dir(void)
{
    strcpy(dir, "/tmp/test_secret_XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int count_entries(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void random_should_fill_large_buffers_differently_each_time(void)
{
    unsigned char a[4096], b[4096];
    size_t i, zeros = 0;

    CU_ASSERT_EQUAL(secret_random(a, sizeof a), SECRET_OK);
    CU_ASSERT_EQUAL(secret_random(b, sizeof b), SECRET_OK);
    CU_ASSERT_NOT_EQUAL(memcmp(a, b, sizeof a), 0);
    for (i = 0; i < sizeof a; i++)
        zeros += a[i] == 0;
    CU_ASSERT_TRUE(zeros < 64); /* about 16 expected */
}

static void uuid4_should_have_version_and_variant_bits(void)
{
    char u[37], v[37];
    int i;

    for (i = 0; i < 100; i++) {
        CU_ASSERT_EQUAL_FATAL(secret_uuid4(u), SECRET_OK);
        CU_ASSERT_EQUAL(strlen(u), 36);
        CU_ASSERT_TRUE(secret_is_uuid(u));
        CU_ASSERT_EQUAL(u[14], '4');
        CU_ASSERT_PTR_NOT_NULL(strchr("89ab", u[19]));
        CU_ASSERT_EQUAL(strspn(u, "0123456789abcdef-"), 36);
    }
    secret_uuid4(v);
    CU_ASSERT_STRING_NOT_EQUAL(u, v);
}

static void is_uuid_should_refuse_near_misses(void)
{
    CU_ASSERT_TRUE(secret_is_uuid("2F1C0000-0000-4000-8000-00000000000A"));
    CU_ASSERT_FALSE(secret_is_uuid(""));
    CU_ASSERT_FALSE(secret_is_uuid("2f1c0000-0000-4000-8000-00000000000"));
    CU_ASSERT_FALSE(secret_is_uuid("2f1c0000-0000-4000-8000-00000000000a0"));
    CU_ASSERT_FALSE(secret_is_uuid("2f1c0000x0000-4000-8000-00000000000a"));
    CU_ASSERT_FALSE(secret_is_uuid("2f1c0000-0000-4000-8000-00000000000g"));
    CU_ASSERT_FALSE(secret_is_uuid("../../etc/passwd-0000-8000-000000000"));
}

static void apikey_should_be_prefixed_base64url_of_256_bits(void)
{
    char k[SECRET_APIKEY_LEN + 1], k2[SECRET_APIKEY_LEN + 1];

    CU_ASSERT_EQUAL_FATAL(secret_apikey(k), SECRET_OK);
    CU_ASSERT_EQUAL(strlen(k), SECRET_APIKEY_LEN);
    CU_ASSERT_EQUAL(strncmp(k, "ik_", 3), 0);
    CU_ASSERT_EQUAL(
        strspn(k + 3, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), 43);
    CU_ASSERT_EQUAL_FATAL(secret_apikey(k2), SECRET_OK);
    CU_ASSERT_STRING_NOT_EQUAL(k, k2);
}

/* The context is kept from call to call: each digest must still start
 * afresh, so the known digests hold in any order, repeated. */
static void sha256_hex_should_match_known_digests(void)
{
    static const char two_blocks[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    char h[65];

    for (int round = 0; round < 2; round++) {
        CU_ASSERT_EQUAL(secret_sha256_hex("", 0, h), SECRET_OK);
        CU_ASSERT_STRING_EQUAL(h,
                               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        CU_ASSERT_EQUAL(secret_sha256_hex("abc", 3, h), SECRET_OK);
        CU_ASSERT_STRING_EQUAL(h,
                               "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        CU_ASSERT_EQUAL(secret_sha256_hex(two_blocks, strlen(two_blocks), h), SECRET_OK);
        CU_ASSERT_STRING_EQUAL(h,
                               "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    }
}

static void equal_should_compare_bytes_and_strings(void)
{
    CU_ASSERT_TRUE(secret_equal("abcd", "abcd", 4));
    CU_ASSERT_FALSE(secret_equal("abcd", "abce", 4));
    CU_ASSERT_TRUE(secret_equal("x", "y", 0));
    CU_ASSERT_TRUE(secret_streq("ik_secret", "ik_secret"));
    CU_ASSERT_FALSE(secret_streq("ik_secret", "ik_secreT"));
    CU_ASSERT_FALSE(secret_streq("ik_secre", "ik_secret"));
    CU_ASSERT_FALSE(secret_streq("ik_secret!", "ik_secret"));
    CU_ASSERT_FALSE(secret_streq("", "a"));
    CU_ASSERT_TRUE(secret_streq("", ""));
}

static void write_file_should_create_mode_0600_and_replace_atomically(void)
{
    char path[128], buf[64];
    struct stat st;
    size_t n = 0;

    CU_ASSERT_FATAL(make_dir() == 0);
    snprintf(path, sizeof path, "%s/key", dir);
    umask(022);
    CU_ASSERT_EQUAL(secret_write_file(path, "first", 5), SECRET_OK);
    CU_ASSERT_EQUAL(stat(path, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
    CU_ASSERT_EQUAL(secret_write_file(path, "second", 6), SECRET_OK);
    CU_ASSERT_EQUAL(secret_read_file(path, buf, sizeof buf, &n), SECRET_OK);
    CU_ASSERT_EQUAL(n, 6);
    CU_ASSERT_EQUAL(memcmp(buf, "second", 6), 0);
    CU_ASSERT_EQUAL(count_entries(), 1); /* no temporary file left behind */
    remove_dir();
}

static void read_file_should_be_bounded_and_report_absence(void)
{
    char path[128], buf[8];
    size_t n = 0;

    CU_ASSERT_FATAL(make_dir() == 0);
    snprintf(path, sizeof path, "%s/key", dir);
    CU_ASSERT_EQUAL(secret_read_file(path, buf, sizeof buf, &n), SECRET_NOENT);
    CU_ASSERT_EQUAL(secret_write_file(path, "123456789", 9), SECRET_OK);
    CU_ASSERT_EQUAL(secret_read_file(path, buf, sizeof buf, &n), SECRET_TOOBIG);
    CU_ASSERT_EQUAL(secret_write_file(path, "12345678", 8), SECRET_OK);
    CU_ASSERT_EQUAL(secret_read_file(path, buf, sizeof buf, &n), SECRET_OK);
    CU_ASSERT_EQUAL(n, 8);
    CU_ASSERT_EQUAL(secret_read_file(dir, buf, sizeof buf, &n), SECRET_ERR);
    remove_dir();
}

static void key_load_or_create_should_keep_the_first_key(void)
{
    unsigned char k1[32], k2[32];
    char path[128];
    struct stat st;

    CU_ASSERT_FATAL(make_dir() == 0);
    snprintf(path, sizeof path, "%s/server.key", dir);
    CU_ASSERT_EQUAL(secret_key_load_or_create(path, k1, sizeof k1), SECRET_OK);
    CU_ASSERT_EQUAL(stat(path, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
    CU_ASSERT_EQUAL(st.st_size, 32);
    CU_ASSERT_EQUAL(secret_key_load_or_create(path, k2, sizeof k2), SECRET_OK);
    CU_ASSERT_EQUAL(memcmp(k1, k2, 32), 0);
    /* a file of another size is an error, not silently replaced */
    CU_ASSERT_EQUAL(secret_write_file(path, "short", 5), SECRET_OK);
    CU_ASSERT_EQUAL(secret_key_load_or_create(path, k2, sizeof k2), SECRET_BADSIZE);
    remove_dir();
}

/* Several processes starting at once must end up with one key. */
static void key_load_or_create_should_agree_across_concurrent_starts(void)
{
    unsigned char keys[6][32];
    char path[128];
    int fds[6][2], i;

    CU_ASSERT_FATAL(make_dir() == 0);
    snprintf(path, sizeof path, "%s/server.key", dir);
    for (i = 0; i < 6; i++) {
        CU_ASSERT_FATAL(pipe(fds[i]) == 0);
        if (fork() == 0) {
            unsigned char k[32];
            int rc = secret_key_load_or_create(path, k, sizeof k);
            if (rc == SECRET_OK && write(fds[i][1], k, 32) == 32)
                _exit(0);
            _exit(1);
        }
        close(fds[i][1]);
    }
    for (i = 0; i < 6; i++) {
        int status = 0;
        CU_ASSERT_EQUAL(read(fds[i][0], keys[i], 32), 32);
        close(fds[i][0]);
        wait(&status);
        CU_ASSERT_EQUAL(status, 0);
    }
    for (i = 1; i < 6; i++)
        CU_ASSERT_EQUAL(memcmp(keys[0], keys[i], 32), 0);
    remove_dir();
}

static void hex_of(const unsigned char *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
}

/* RFC 4231 test cases 1, 2 and 6 (a key longer than the block), in one
 * process so that each call must take its own key; then an empty key. */
static void hmac_sha256_should_match_rfc4231_with_a_new_key_each_call(void)
{
    unsigned char key1[20], key6[131], mac[32];
    const char *msg6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    char hex[65];

    memset(key1, 0x0b, sizeof key1);
    memset(key6, 0xaa, sizeof key6);
    for (int round = 0; round < 2; round++) {
        CU_ASSERT_EQUAL(secret_hmac_sha256(key1, sizeof key1, "Hi There", 8, mac), SECRET_OK);
        hex_of(mac, 32, hex);
        CU_ASSERT_STRING_EQUAL(hex,
                               "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
        CU_ASSERT_EQUAL(secret_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, mac),
                        SECRET_OK);
        hex_of(mac, 32, hex);
        CU_ASSERT_STRING_EQUAL(hex,
                               "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        CU_ASSERT_EQUAL(secret_hmac_sha256(key6, sizeof key6, msg6, strlen(msg6), mac), SECRET_OK);
        hex_of(mac, 32, hex);
        CU_ASSERT_STRING_EQUAL(hex,
                               "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
        /* Not the previous key: an empty one (Python's hmac agrees). */
        CU_ASSERT_EQUAL(secret_hmac_sha256(NULL, 0, "abc", 3, mac), SECRET_OK);
        hex_of(mac, 32, hex);
        CU_ASSERT_STRING_EQUAL(hex,
                               "fd7adb152c05ef80dccf50a1fa4c05d5a3ec6da95575fc312ae7c5d091836351");
    }
}

static void ordered_uuid_should_carry_its_time_and_sort_by_it(void)
{
    char a[UUID_LEN + 1], b[UUID_LEN + 1], c[UUID_LEN + 1];
    long long t = 1764720000123LL * 1000 + 500; /* 2025-12-03, ms 0x019ae1823c7b, +500 µs */

    CU_ASSERT_EQUAL(uuid_generate_ordered(t, a), 0);
    CU_ASSERT_TRUE(uuid_valid(a));
    /* The milliseconds, version 7, then 500 µs as 2048/4096 of a ms. */
    CU_ASSERT_NSTRING_EQUAL(a, "019ae182-3c7b-7800", 18);
    CU_ASSERT_PTR_NOT_NULL(strchr("89ab", a[19])); /* RFC 9562 variant */
    CU_ASSERT_EQUAL(uuid_generate_ordered(t, b), 0);
    CU_ASSERT_NSTRING_EQUAL(a, b, 18);
    CU_ASSERT_STRING_NOT_EQUAL(a, b); /* 62 random bits after the time */
    /* A later microsecond sorts after, as text, whatever the random bits,
     * across the whole millisecond and into the next. */
    for (long long us = 0; us < 1001; us++) {
        CU_ASSERT_EQUAL(uuid_generate_ordered(t + us, a), 0);
        CU_ASSERT_EQUAL(uuid_generate_ordered(t + us + 1, c), 0);
        CU_ASSERT_TRUE(strcmp(a, c) < 0);
    }
    CU_ASSERT_EQUAL(uuid_generate_ordered(-5, a), 0); /* before 1970: time 0 */
    CU_ASSERT_NSTRING_EQUAL(a, "00000000-0000-7000", 18);
}

int main(void)
{
    CU_pSuite s;
    unsigned failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("secret", NULL, NULL);
    CU_ADD_TEST(s, random_should_fill_large_buffers_differently_each_time);
    CU_ADD_TEST(s, uuid4_should_have_version_and_variant_bits);
    CU_ADD_TEST(s, is_uuid_should_refuse_near_misses);
    CU_ADD_TEST(s, apikey_should_be_prefixed_base64url_of_256_bits);
    CU_ADD_TEST(s, sha256_hex_should_match_known_digests);
    CU_ADD_TEST(s, hmac_sha256_should_match_rfc4231_with_a_new_key_each_call);
    CU_ADD_TEST(s, ordered_uuid_should_carry_its_time_and_sort_by_it);
    CU_ADD_TEST(s, equal_should_compare_bytes_and_strings);
    CU_ADD_TEST(s, write_file_should_create_mode_0600_and_replace_atomically);
    CU_ADD_TEST(s, read_file_should_be_bounded_and_report_absence);
    CU_ADD_TEST(s, key_load_or_create_should_keep_the_first_key);
    CU_ADD_TEST(s, key_load_or_create_should_agree_across_concurrent_starts);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
