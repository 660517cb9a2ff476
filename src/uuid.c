/* uuid: RFC 9562 versions 4 and 7 from getrandom(2). */
#include "uuid.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

/* Fills r[from..15] from getrandom(2). Returns 0, or -1. */
static int random_from(unsigned char r[16], size_t from)
{
    size_t got = from;

    while (got < 16) {
        ssize_t n = getrandom(r + got, 16 - got, 0);
        if (n < 0)
            return -1;
        got += (size_t)n;
    }
    return 0;
}

/* r as text, with its version nibble and the RFC 9562 variant set. */
static void format(unsigned char r[16], unsigned version, char out[UUID_LEN + 1])
{
    r[6] = (unsigned char)((r[6] & 0x0f) | (version << 4));
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
    snprintf(out, UUID_LEN + 1,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1],
             r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14],
             r[15]);
}

int uuid_generate(char out[UUID_LEN + 1])
{
    unsigned char r[16];

    if (random_from(r, 0) != 0)
        return -1;
    format(r, 4, out);
    return 0;
}

int uuid_generate_ordered(long long time_us, char out[UUID_LEN + 1])
{
    unsigned long long t = time_us > 0 ? (unsigned long long)time_us : 0;
    unsigned long long ms = t / 1000;
    unsigned frac = (unsigned)(t % 1000) * 4096 / 1000; /* 12 bits, distinct per µs */
    unsigned char r[16];

    if (random_from(r, 8) != 0)
        return -1;
    for (int i = 0; i < 6; i++) /* 48 bits, most significant first */
        r[i] = (unsigned char)(ms >> (40 - 8 * i));
    r[6] = (unsigned char)(frac >> 8); /* format() puts the version above */
    r[7] = (unsigned char)frac;
    format(r, 7, out);
    return 0;
}

int uuid_valid(const char *s)
{
    for (int i = 0; i < UUID_LEN; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return 0;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return 0;
        }
    }
    return s[UUID_LEN] == '\0';
}

int uuid_parse(const char *in, size_t len, char out[UUID_LEN + 1])
{
    if (len != UUID_LEN)
        return -1;
    for (size_t i = 0; i < UUID_LEN; i++) {
        char c = in[i];
        out[i] = (c >= 'A' && c <= 'F') ? (char)(c - 'A' + 'a') : c;
    }
    out[UUID_LEN] = '\0';
    return uuid_valid(out) ? 0 : -1;
}
