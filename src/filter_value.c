/* filter_value: the comparisons behind filter operators. Numbers are
 * compared by their exact decimal text (SPEC 5 keeps it in each number
 * node's valuestring), never as doubles: the text is reduced to a sign, its
 * significant digits and the decimal exponent of the first of them, and
 * those are compared. Exponents are saturated at +-10^15, far beyond what
 * any text that fits in a request can distinguish. */
#include "filter_internal.h"

#include "json.h"

#include <string.h>

#define EXP_SAT 1000000000000000LL
#define VALUE_MAX_DEPTH 256

/* A number as 0.d1d2d3... x 10^adj with d1 != 0 (or zero). The digits are
 * those of the integer part followed by the fraction part, from first to
 * last (leading and trailing zeros skipped). */
struct dec {
    int neg, zero;
    const char *ip, *fp; /* integer and fraction digits */
    size_t ilen, flen;
    size_t first, last; /* significant digits: [first, last) of ip+fp */
    long long adj;
};

static char digit_at(const struct dec *d, size_t k)
{
    return k < d->ilen ? d->ip[k] : d->fp[k - d->ilen];
}

static size_t digits(const char *s, size_t i, size_t n)
{
    size_t j = i;
    while (j < n && s[j] >= '0' && s[j] <= '9')
        j++;
    return j - i;
}

/* Parses s (n bytes) as exactly one JSON number. Returns 0 or -1. */
static int dec_parse(const char *s, size_t n, struct dec *d)
{
    size_t i = 0, total;
    long long e = 0;
    int eneg = 0;

    memset(d, 0, sizeof(*d));
    if (i < n && s[i] == '-')
        d->neg = 1, i++;
    d->ip = s + i;
    d->ilen = digits(s, i, n);
    if (d->ilen == 0 || (d->ilen > 1 && d->ip[0] == '0'))
        return -1;
    i += d->ilen;
    if (i < n && s[i] == '.') {
        d->fp = s + ++i;
        d->flen = digits(s, i, n);
        if (d->flen == 0)
            return -1;
        i += d->flen;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t k;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        k = digits(s, i, n);
        if (k == 0)
            return -1;
        for (; k > 0; k--, i++)
            if (e < EXP_SAT)
                e = e * 10 + (s[i] - '0');
        if (eneg)
            e = -e;
    }
    if (i != n)
        return -1;
    total = d->ilen + d->flen;
    while (d->first < total && digit_at(d, d->first) == '0')
        d->first++;
    d->zero = d->first == total;
    d->last = total;
    while (d->last > d->first && digit_at(d, d->last - 1) == '0')
        d->last--;
    d->adj = (long long)(total - d->first) - (long long)d->flen + e;
    return 0;
}

/* Magnitude order of two non-zero numbers. */
static int dec_cmp_abs(const struct dec *a, const struct dec *b)
{
    size_t na = a->last - a->first, nb = b->last - b->first;

    if (a->adj != b->adj)
        return a->adj < b->adj ? -1 : 1;
    for (size_t k = 0; k < na || k < nb; k++) {
        char x = k < na ? digit_at(a, a->first + k) : '0';
        char y = k < nb ? digit_at(b, b->first + k) : '0';
        if (x != y)
            return x < y ? -1 : 1;
    }
    return 0;
}

static int dec_cmp(const struct dec *a, const struct dec *b)
{
    int sa = a->zero ? 0 : (a->neg ? -1 : 1), sb = b->zero ? 0 : (b->neg ? -1 : 1);

    if (sa != sb)
        return sa < sb ? -1 : 1;
    if (sa == 0)
        return 0;
    return sa * dec_cmp_abs(a, b);
}

int filter_number_compare(const char *a, size_t alen, const char *b, size_t blen, int *cmp)
{
    struct dec x, y;

    if (dec_parse(a, alen, &x) != 0 || dec_parse(b, blen, &y) != 0)
        return -1;
    *cmp = dec_cmp(&x, &y);
    return 0;
}

/* The text of a number node, or of a string node (for coercion). */
static const char *num_text(const cJSON *v, char *tmp, size_t tmplen)
{
    if (cJSON_IsNumber(v))
        return json_number_text(v, tmp, tmplen);
    return v->valuestring ? v->valuestring : "";
}

/* Numeric order when one side is a number and the other a number or a
 * numeric string. Returns 0 and *cmp, or -1. */
static int numeric(const cJSON *a, const cJSON *b, int *cmp)
{
    char ta[64], tb[64];
    const char *x, *y;

    if (!(cJSON_IsNumber(a) && (cJSON_IsNumber(b) || cJSON_IsString(b))) &&
        !(cJSON_IsNumber(b) && cJSON_IsString(a)))
        return -1;
    x = num_text(a, ta, sizeof(ta));
    y = num_text(b, tb, sizeof(tb));
    return filter_number_compare(x, strlen(x), y, strlen(y), cmp);
}

static int equal(const cJSON *a, const cJSON *b, int depth);

static int objects_equal(const cJSON *a, const cJSON *b, int depth)
{
    int na = cJSON_GetArraySize(a), nb = cJSON_GetArraySize(b);

    if (na != nb)
        return 0;
    for (const cJSON *m = a->child; m; m = m->next) {
        const cJSON *o = json_get(b, m->string);
        if (o == NULL || !equal(m, o, depth + 1))
            return 0;
    }
    return 1;
}

static int equal(const cJSON *a, const cJSON *b, int depth)
{
    int cmp;

    if (depth > VALUE_MAX_DEPTH)
        return 0;
    if (numeric(a, b, &cmp) == 0)
        return cmp == 0;
    if (cJSON_IsNumber(a) || cJSON_IsNumber(b))
        return 0;
    if (cJSON_IsString(a) && cJSON_IsString(b))
        return strcmp(a->valuestring, b->valuestring) == 0;
    if (cJSON_IsBool(a) && cJSON_IsBool(b))
        return cJSON_IsTrue(a) == cJSON_IsTrue(b);
    if (cJSON_IsNull(a) || cJSON_IsNull(b))
        return cJSON_IsNull(a) && cJSON_IsNull(b);
    if (cJSON_IsArray(a) && cJSON_IsArray(b)) {
        const cJSON *x = a->child, *y = b->child;
        for (; x && y; x = x->next, y = y->next)
            if (!equal(x, y, depth + 1))
                return 0;
        return x == NULL && y == NULL;
    }
    if (cJSON_IsObject(a) && cJSON_IsObject(b))
        return objects_equal(a, b, depth);
    return 0;
}

int filter_value_equal(const cJSON *a, const cJSON *b)
{
    return equal(a, b, 0);
}

int filter_value_compare(const cJSON *a, const cJSON *b, int *cmp)
{
    int c;

    if (numeric(a, b, cmp) == 0)
        return 0;
    if (cJSON_IsString(a) && cJSON_IsString(b)) {
        c = strcmp(a->valuestring, b->valuestring);
        *cmp = c < 0 ? -1 : c > 0;
        return 0;
    }
    return -1;
}

int filter_value_contains(const cJSON *a, const cJSON *b)
{
    if (cJSON_IsString(a))
        return cJSON_IsString(b) && strstr(a->valuestring, b->valuestring) != NULL;
    if (cJSON_IsArray(a))
        for (const cJSON *e = a->child; e; e = e->next)
            if (equal(e, b, 0))
                return 1;
    return 0;
}
