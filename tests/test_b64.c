/* Tests of the b64 module: RFC 4648 test vectors in both variants, strict
 * rejection of bad characters, padding and trailing bits, bounded output,
 * and hex. */
#include "b64.h"

#include <CUnit/Basic.h>
#include <stdlib.h>
#include <string.h>

/* RFC 4648 section 10 vectors. */
static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
static const char *const std[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
static const char *const url[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};

static int dec(enum b64_variant v, const char *s, unsigned char *out, size_t cap, size_t *n)
{
    return b64_decode(v, s, strlen(s), out, cap, n);
}

static void b64_should_encode_rfc4648_vectors_in_both_variants(void)
{
    char out[16];
    size_t i;

    for (i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        CU_ASSERT_EQUAL(b64_encode(B64_STD, plain[i], strlen(plain[i]), out, sizeof out), B64_OK);
        CU_ASSERT_STRING_EQUAL(out, std[i]);
        CU_ASSERT_EQUAL(b64_encoded_len(B64_STD, strlen(plain[i])), strlen(std[i]));
        CU_ASSERT_EQUAL(b64_encode(B64_URL, plain[i], strlen(plain[i]), out, sizeof out), B64_OK);
        CU_ASSERT_STRING_EQUAL(out, url[i]);
        CU_ASSERT_EQUAL(b64_encoded_len(B64_URL, strlen(plain[i])), strlen(url[i]));
    }
}

static void b64_should_decode_rfc4648_vectors_in_both_variants(void)
{
    unsigned char out[16];
    size_t i, n;

    for (i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        CU_ASSERT_EQUAL(dec(B64_STD, std[i], out, sizeof out, &n), B64_OK);
        CU_ASSERT_EQUAL(n, strlen(plain[i]));
        CU_ASSERT_EQUAL(memcmp(out, plain[i], n), 0);
        CU_ASSERT_EQUAL(dec(B64_URL, url[i], out, sizeof out, &n), B64_OK);
        CU_ASSERT_EQUAL(n, strlen(plain[i]));
        CU_ASSERT_EQUAL(memcmp(out, plain[i], n), 0);
    }
}

static void b64_should_use_the_alphabet_of_each_variant(void)
{
    const unsigned char bytes[] = {0xfb, 0xff, 0xbf};
    unsigned char out[8];
    char text[8];
    size_t n;

    b64_encode(B64_STD, bytes, 3, text, sizeof text);
    CU_ASSERT_STRING_EQUAL(text, "+/+/");
    b64_encode(B64_URL, bytes, 3, text, sizeof text);
    CU_ASSERT_STRING_EQUAL(text, "-_-_");
    CU_ASSERT_EQUAL(dec(B64_STD, "-_-_", out, sizeof out, &n), B64_BADCHAR);
    CU_ASSERT_EQUAL(dec(B64_URL, "+/+/", out, sizeof out, &n), B64_BADCHAR);
    CU_ASSERT_EQUAL(dec(B64_URL, "-_-_", out, sizeof out, &n), B64_OK);
    CU_ASSERT_EQUAL(memcmp(out, bytes, 3), 0);
}

static void b64_should_refuse_bad_characters_and_whitespace(void)
{
    unsigned char out[16];
    size_t n;

    CU_ASSERT_EQUAL(dec(B64_STD, "Zm9v YmFy", out, sizeof out, &n), B64_BADLEN);
    CU_ASSERT_EQUAL(dec(B64_STD, "Zm9v\nYmF", out, sizeof out, &n), B64_BADCHAR);
    CU_ASSERT_EQUAL(dec(B64_URL, "Zm9v.mFy", out, sizeof out, &n), B64_BADCHAR);
    CU_ASSERT_EQUAL(b64_decode(B64_URL, "Zm\0v", 4, out, sizeof out, &n), B64_BADCHAR);
    CU_ASSERT_EQUAL(dec(B64_STD, "Zm9\xc3\xa9", out, sizeof out, &n), B64_BADLEN);
    CU_ASSERT_EQUAL(dec(B64_STD, "Zm\xc3\xa9", out, sizeof out, &n), B64_BADCHAR);
}

static void b64_should_enforce_padding_rules_per_variant(void)
{
    unsigned char out[16];
    size_t n;

    /* padded variant: length a multiple of 4, '=' only at the end */
    CU_ASSERT_EQUAL(dec(B64_STD, "Zg", out, sizeof out, &n), B64_BADLEN);
    CU_ASSERT_EQUAL(dec(B64_STD, "Zg=", out, sizeof out, &n), B64_BADLEN);
    CU_ASSERT_EQUAL(dec(B64_STD, "Z===", out, sizeof out, &n), B64_BADCHAR);
    CU_ASSERT_EQUAL(dec(B64_STD, "====", out, sizeof out, &n), B64_BADCHAR);
    CU_ASSERT_EQUAL(dec(B64_STD, "Zg==Zg==", out, sizeof out, &n), B64_BADCHAR);
    CU_ASSERT_EQUAL(dec(B64_STD, "Z=g=", out, sizeof out, &n), B64_BADCHAR);
    /* unpadded variant: no '=', no lone character in the last group */
    CU_ASSERT_EQUAL(dec(B64_URL, "Zg==", out, sizeof out, &n), B64_BADCHAR);
    CU_ASSERT_EQUAL(dec(B64_URL, "Zm9vY", out, sizeof out, &n), B64_BADLEN);
    CU_ASSERT_EQUAL(dec(B64_URL, "Z", out, sizeof out, &n), B64_BADLEN);
}

static void b64_should_refuse_non_zero_trailing_bits(void)
{
    unsigned char out[16];
    size_t n;

    /* "Zh" and "Zm9" with stray low bits would also decode to "f"/"fo" */
    CU_ASSERT_EQUAL(dec(B64_URL, "Zh", out, sizeof out, &n), B64_BADLEN);
    CU_ASSERT_EQUAL(dec(B64_STD, "Zh==", out, sizeof out, &n), B64_BADLEN);
    CU_ASSERT_EQUAL(dec(B64_URL, "Zm9", out, sizeof out, &n), B64_BADLEN);
    CU_ASSERT_EQUAL(dec(B64_STD, "Zm9=", out, sizeof out, &n), B64_BADLEN);
}

static void b64_should_never_write_past_the_output_capacity(void)
{
    unsigned char out[8];
    char text[9];
    size_t n = 99;

    memset(out, 0xaa, sizeof out);
    CU_ASSERT_EQUAL(dec(B64_STD, "Zm9vYmFy", out, 5, &n), B64_SPACE);
    CU_ASSERT_EQUAL(out[0], 0xaa);
    CU_ASSERT_EQUAL(n, 99);
    CU_ASSERT_EQUAL(dec(B64_STD, "Zm9vYmFy", out, 6, &n), B64_OK);
    CU_ASSERT_EQUAL(n, 6);
    CU_ASSERT_EQUAL(b64_encode(B64_STD, "foobar", 6, text, 8), B64_SPACE);
    CU_ASSERT_EQUAL(b64_encode(B64_STD, "foobar", 6, text, 9), B64_OK);
    CU_ASSERT_TRUE(b64_decoded_max(8) >= 6);
}

static void b64_should_round_trip_every_length_and_byte(void)
{
    unsigned char in[300], out[300];
    char text[420];
    size_t len, n;
    int v;

    for (len = 0; len < sizeof in; len++)
        in[len] = (unsigned char)(len * 7 + 3);
    for (v = B64_STD; v <= B64_URL; v++) {
        for (len = 0; len <= sizeof in; len += 1 + len / 16) {
            CU_ASSERT_EQUAL_FATAL(b64_encode(v, in, len, text, sizeof text), B64_OK);
            CU_ASSERT_EQUAL(strlen(text), b64_encoded_len(v, len));
            CU_ASSERT_EQUAL_FATAL(dec(v, text, out, sizeof out, &n), B64_OK);
            CU_ASSERT_EQUAL(n, len);
            CU_ASSERT_EQUAL(memcmp(in, out, len), 0);
        }
    }
}

static void hex_should_encode_lower_case_and_decode_either_case(void)
{
    const unsigned char bytes[] = {0x00, 0x7f, 0xab, 0xff};
    unsigned char out[4];
    char text[9];
    size_t n;

    CU_ASSERT_EQUAL(b64_hex_encode(bytes, 4, text, sizeof text), B64_OK);
    CU_ASSERT_STRING_EQUAL(text, "007fabff");
    CU_ASSERT_EQUAL(b64_hex_encode(bytes, 4, text, 8), B64_SPACE);
    CU_ASSERT_EQUAL(b64_hex_decode("007FabFF", 8, out, sizeof out, &n), B64_OK);
    CU_ASSERT_EQUAL(n, 4);
    CU_ASSERT_EQUAL(memcmp(out, bytes, 4), 0);
}

static void hex_should_refuse_odd_length_bad_digits_and_overflow(void)
{
    unsigned char out[4];
    size_t n;

    CU_ASSERT_EQUAL(b64_hex_decode("abc", 3, out, sizeof out, &n), B64_BADLEN);
    CU_ASSERT_EQUAL(b64_hex_decode("zz", 2, out, sizeof out, &n), B64_BADCHAR);
    CU_ASSERT_EQUAL(b64_hex_decode("0x12", 4, out, sizeof out, &n), B64_BADCHAR);
    CU_ASSERT_EQUAL(b64_hex_decode(" 1", 2, out, sizeof out, &n), B64_BADCHAR);
    CU_ASSERT_EQUAL(b64_hex_decode("0011223344", 10, out, sizeof out, &n), B64_SPACE);
}

static void form_decode_should_decode_plus_and_percent_and_keep_bad_escapes(void)
{
    char out[16];
    size_t n;

    n = b64_form_decode("a+b%41%4a%zz%4", 14, out, sizeof out);
    CU_ASSERT_EQUAL(n, 10);
    CU_ASSERT_EQUAL(memcmp(out, "a bAJ%zz%4", 10), 0);
    CU_ASSERT_EQUAL(b64_form_decode("%00x", 4, out, sizeof out), 2);
    CU_ASSERT_EQUAL(out[0], '\0');
    CU_ASSERT_EQUAL(b64_form_decode("abcdef", 6, out, 3), 3); /* never past outcap */
    CU_ASSERT_EQUAL(memcmp(out, "abc", 3), 0);
    CU_ASSERT_EQUAL(b64_hex_digit('F'), 15);
    CU_ASSERT_EQUAL(b64_hex_digit('g'), -1);
}

int main(void)
{
    CU_pSuite s;
    unsigned fails;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("b64", NULL, NULL);
    CU_ADD_TEST(s, b64_should_encode_rfc4648_vectors_in_both_variants);
    CU_ADD_TEST(s, b64_should_decode_rfc4648_vectors_in_both_variants);
    CU_ADD_TEST(s, b64_should_use_the_alphabet_of_each_variant);
    CU_ADD_TEST(s, b64_should_refuse_bad_characters_and_whitespace);
    CU_ADD_TEST(s, b64_should_enforce_padding_rules_per_variant);
    CU_ADD_TEST(s, b64_should_refuse_non_zero_trailing_bits);
    CU_ADD_TEST(s, b64_should_never_write_past_the_output_capacity);
    CU_ADD_TEST(s, b64_should_round_trip_every_length_and_byte);
    CU_ADD_TEST(s, hex_should_encode_lower_case_and_decode_either_case);
    CU_ADD_TEST(s, hex_should_refuse_odd_length_bad_digits_and_overflow);
    CU_ADD_TEST(s, form_decode_should_decode_plus_and_percent_and_keep_bad_escapes);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    fails = CU_get_number_of_failures();
    CU_cleanup_registry();
    return fails == 0 ? 0 : 1;
}
