/* numparse: strtonum-like bounded integer parsing. */
#include "numparse.h"

#include <string.h>

int num_parse_lln(const char *s, size_t len, long long min, long long max, long long *out,
                  const char **errstr)
{
    unsigned long long acc = 0;
    unsigned long long limit;
    size_t i = 0;
    int neg = 0;

    if (len > 0 && s[0] == '-') {
        neg = 1;
        i = 1;
    }
    if (i == len) {
        *errstr = "not a number";
        return -1;
    }
    /* Magnitude limit: |LLONG_MIN| for negatives, LLONG_MAX otherwise. */
    limit = neg ? (unsigned long long)9223372036854775807LL + 1ULL : 9223372036854775807ULL;
    for (; i < len; i++) {
        unsigned d;
        if (s[i] < '0' || s[i] > '9') {
            *errstr = "not a number";
            return -1;
        }
        d = (unsigned)(s[i] - '0');
        if (acc > (limit - d) / 10) {
            *errstr = neg ? "too small" : "too large";
            return -1;
        }
        acc = acc * 10 + d;
    }
    {
        long long v = neg ? (long long)(0ULL - acc) : (long long)acc;
        if (v < min) {
            *errstr = "too small";
            return -1;
        }
        if (v > max) {
            *errstr = "too large";
            return -1;
        }
        *out = v;
    }
    *errstr = NULL;
    return 0;
}

int num_parse_ll(const char *s, long long min, long long max, long long *out, const char **errstr)
{
    return num_parse_lln(s, strlen(s), min, max, out, errstr);
}
