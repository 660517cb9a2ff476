/* uuid: RFC 4122 version 4 from getrandom(2). */
#include "uuid.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

int uuid_generate(char out[UUID_LEN + 1])
{
    unsigned char r[16];
    size_t got = 0;

    while (got < sizeof(r)) {
        ssize_t n = getrandom(r + got, sizeof(r) - got, 0);
        if (n < 0)
            return -1;
        got += (size_t)n;
    }
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
    snprintf(out, UUID_LEN + 1,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1],
             r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14],
             r[15]);
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
