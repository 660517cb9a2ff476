/* b64: strict base64, base64url and hex codecs (see b64.h for the rules). */
#include "b64.h"

#include <stdint.h>

static const char alpha_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char alpha_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t b64_encoded_len(enum b64_variant v, size_t n)
{
    if (v == B64_STD)
        return (n + 2) / 3 * 4;
    return n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

size_t b64_decoded_max(size_t n)
{
    return n / 4 * 3 + 2;
}

int b64_encode(enum b64_variant v, const void *in, size_t n, char *out, size_t outcap)
{
    const unsigned char *p = in;
    const char *a = v == B64_STD ? alpha_std : alpha_url;
    size_t need = b64_encoded_len(v, n);
    size_t i, o = 0;

    if (n > ((size_t)-1 - 4) / 4 * 3 || outcap < need + 1)
        return B64_SPACE;
    for (i = 0; i + 2 < n; i += 3) {
        uint32_t w = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        out[o++] = a[w >> 18 & 63];
        out[o++] = a[w >> 12 & 63];
        out[o++] = a[w >> 6 & 63];
        out[o++] = a[w & 63];
    }
    if (n - i == 1) {
        uint32_t w = (uint32_t)p[i] << 16;
        out[o++] = a[w >> 18 & 63];
        out[o++] = a[w >> 12 & 63];
        if (v == B64_STD) {
            out[o++] = '=';
            out[o++] = '=';
        }
    } else if (n - i == 2) {
        uint32_t w = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        out[o++] = a[w >> 18 & 63];
        out[o++] = a[w >> 12 & 63];
        out[o++] = a[w >> 6 & 63];
        if (v == B64_STD)
            out[o++] = '=';
    }
    out[o] = '\0';
    return B64_OK;
}

/* The 6-bit value of c in the variant's alphabet, or -1. */
static int dec_char(enum b64_variant v, unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (v == B64_STD) {
        if (c == '+')
            return 62;
        if (c == '/')
            return 63;
    } else {
        if (c == '-')
            return 62;
        if (c == '_')
            return 63;
    }
    return -1;
}

/* Works out how many characters carry data: the padded variant must be a
 * multiple of 4 long with at most two trailing '='; the unpadded one must
 * not leave a single character in its last group. */
static int data_len(enum b64_variant v, const char *in, size_t n, size_t *d)
{
    size_t pad = 0;

    if (v == B64_STD) {
        if (n % 4 != 0)
            return B64_BADLEN;
        while (pad < n && pad < 2 && in[n - 1 - pad] == '=')
            pad++;
    }
    *d = n - pad;
    if (*d % 4 == 1)
        return B64_BADLEN;
    return B64_OK;
}

int b64_decode(enum b64_variant v, const char *in, size_t n, void *out, size_t outcap,
               size_t *outlen)
{
    unsigned char *q = out;
    size_t d, i, o = 0, need;
    uint32_t w = 0;
    int rc = data_len(v, in, n, &d);

    if (rc != B64_OK)
        return rc;
    need = d / 4 * 3 + (d % 4 == 0 ? 0 : d % 4 - 1);
    if (need > outcap)
        return B64_SPACE;
    for (i = 0; i < d; i++) {
        int x = dec_char(v, (unsigned char)in[i]);
        if (x < 0)
            return B64_BADCHAR;
        w = w << 6 | (uint32_t)x;
        if (i % 4 == 3) {
            q[o++] = (unsigned char)(w >> 16);
            q[o++] = (unsigned char)(w >> 8);
            q[o++] = (unsigned char)w;
            w = 0;
        }
    }
    if (d % 4 == 2) {
        if (w & 0xf)
            return B64_BADLEN;
        q[o++] = (unsigned char)(w >> 4);
    } else if (d % 4 == 3) {
        if (w & 0x3)
            return B64_BADLEN;
        q[o++] = (unsigned char)(w >> 10);
        q[o++] = (unsigned char)(w >> 2);
    }
    *outlen = o;
    return B64_OK;
}

int b64_hex_encode(const void *in, size_t n, char *out, size_t outcap)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *p = in;
    size_t i;

    if (n > ((size_t)-1 - 1) / 2 || outcap < 2 * n + 1)
        return B64_SPACE;
    for (i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
    return B64_OK;
}

int b64_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int b64_hex_decode(const char *in, size_t n, void *out, size_t outcap, size_t *outlen)
{
    unsigned char *q = out;
    size_t i;

    if (n % 2 != 0)
        return B64_BADLEN;
    if (n / 2 > outcap)
        return B64_SPACE;
    for (i = 0; i < n; i += 2) {
        int hi = b64_hex_digit((unsigned char)in[i]);
        int lo = b64_hex_digit((unsigned char)in[i + 1]);
        if (hi < 0 || lo < 0)
            return B64_BADCHAR;
        q[i / 2] = (unsigned char)(hi << 4 | lo);
    }
    *outlen = n / 2;
    return B64_OK;
}

size_t b64_form_decode(const char *in, size_t n, char *out, size_t outcap)
{
    size_t o = 0;

    for (size_t i = 0; i < n && o < outcap; i++) {
        int hi = i + 2 < n ? b64_hex_digit((unsigned char)in[i + 1]) : -1;
        int lo = i + 2 < n ? b64_hex_digit((unsigned char)in[i + 2]) : -1;
        if (in[i] == '%' && hi >= 0 && lo >= 0) {
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[o++] = in[i] == '+' ? ' ' : in[i];
        }
    }
    return o;
}
