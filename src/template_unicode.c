/* template_unicode: Python's str case mappings, case tests and whitespace
 * for the template engine, on libunistring's tables (see the header).
 *
 * libunistring maps whole strings with the SpecialCasing.txt rules
 * (u8_ct_toupper: 'ß' -> "SS"; u8_ct_tolower: 'İ' -> "i̇"); with no
 * language given, none of its mappings depends on the neighbouring
 * characters except final sigma, and CPython applies the same
 * unconditional rules plus that one. Two things differ and are done here:
 *  - final sigma: libunistring never lets a cased character count as
 *    case-ignorable (U+02B0 'ʰ', U+0345) and does not skip the apostrophe,
 *    so "ΑΣ'" and "AʰΣ" come out otherwise than in Python. Each capital
 *    sigma is therefore decided here as CPython's handle_capital_sigma does,
 *    on libunistring's Cased and Case_Ignorable properties (which equal
 *    CPython's for every code point), and only the text between sigmas goes
 *    to u8_ct_tolower. Each scan stops at the next non-ignorable character,
 *    so the work stays linear in the string.
 *  - titlecasing: u8_totitle titlecases the first cased letter of each word
 *    found by Unicode word breaking ("they're" -> "They're", "1st" ->
 *    "1st"); CPython titlecases every character that follows an uncased one
 *    ("They'Re", "1St"). str.title() and str.capitalize() are CPython's
 *    loops, with libunistring mapping one character to its titlecase.
 * Jinja's title filter is neither: it splits at whitespace and -({[< and
 * applies upper() to the first character of each piece, lower() to the rest.
 *
 * Checked against CPython 3.11 (Unicode 14, as libunistring 1.0) for every
 * code point alone and for random strings of cased, case-ignorable and
 * special-cased characters: upper, lower, capitalize, title, Jinja's title,
 * isupper, islower, isspace and int()'s digits all agree. */
#include "template_unicode.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <unictype.h>
#include <unistr.h>

#define U8(p) ((const uint8_t *)(p))
#define NOT_UTF8 ((ucs4_t)0xFFFFFFFF) /* a byte that starts no valid character */
#define SIGMA "\xce\xa3"              /* U+03A3 GREEK CAPITAL LETTER SIGMA */

typedef uint8_t *ct_map_fn(const uint8_t *s, size_t n, casing_prefix_context_t prefix,
                           casing_suffix_context_t suffix, const char *iso639_language,
                           uninorm_t nf, uint8_t *resultbuf, size_t *lengthp);

/* The character at s (len > 0): its length, its code point in *uc
 * (NOT_UTF8 for a byte that is not valid UTF-8, length 1). */
static size_t char_at(const char *s, size_t len, ucs4_t *uc)
{
    int k;
    if ((unsigned char)s[0] < 0x80) {
        *uc = (unsigned char)s[0];
        return 1;
    }
    k = u8_mbtoucr(uc, U8(s), len);
    if (k > 0)
        return (size_t)k;
    *uc = NOT_UTF8;
    return 1;
}

static int is_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return 0;
    return 1;
}

static int is_cased(ucs4_t uc)
{
    if (uc < 0x80)
        return (uc | 32) >= 'a' && (uc | 32) <= 'z';
    return uc != NOT_UTF8 && uc_is_property_cased(uc);
}

/* CPython's Py_UNICODE_ISSPACE: bidirectional class WS, B or S, or
 * category Zs. */
static int is_space(ucs4_t uc)
{
    int bidi;
    if (uc < 0x80)
        return uc == ' ' || (uc >= 0x09 && uc <= 0x0d) || (uc >= 0x1c && uc <= 0x1f);
    if (uc == NOT_UTF8)
        return 0;
    bidi = uc_bidi_class(uc);
    return bidi == UC_BIDI_WS || bidi == UC_BIDI_B || bidi == UC_BIDI_S ||
           uc_is_general_category(uc, UC_CATEGORY_Zs);
}

static int ascii_map(const char *s, size_t n, int upper, struct buf *out)
{
    size_t at = out->len;
    int rc = buf_append(out, s, n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char c = out->data[at + i];
        if (upper && c >= 'a' && c <= 'z')
            out->data[at + i] = (char)(c - 32);
        else if (!upper && c >= 'A' && c <= 'Z')
            out->data[at + i] = (char)(c + 32);
    }
    return rc;
}

/* Appends fn(s[0..n)) for a valid UTF-8 s. No language is given, and the
 * only mapping that looks at its neighbours (final sigma) never gets here,
 * so the contexts are empty. */
static int lib_map(ct_map_fn *fn, const char *s, size_t n, struct buf *out)
{
    uint8_t local[256];
    size_t rlen = sizeof(local);
    uint8_t *res = fn(U8(s), n, unicase_empty_prefix_context, unicase_empty_suffix_context, NULL,
                      NULL, local, &rlen);
    int rc;
    if (res == NULL)
        return BUF_NOMEM;
    rc = buf_append(out, res, rlen);
    if (res != local)
        free(res);
    return rc;
}

static int is_case_ignorable(ucs4_t uc)
{
    return uc != NOT_UTF8 && uc_is_property_case_ignorable(uc);
}

/* CPython's handle_capital_sigma: is the capital sigma at s[at] final in
 * the valid stretch s[lo..hi)? Preceded by a cased letter and not followed
 * by one, case-ignorable characters skipped (libunistring's own rule skips
 * fewer: it never skips a cased character such as U+02B0 or U+0345, and
 * does not skip the apostrophe). */
static int final_sigma(const char *s, size_t lo, size_t at, size_t hi)
{
    ucs4_t uc = NOT_UTF8;
    size_t i, k;
    for (i = at; i > lo;) {
        k = tpl_u_char_back(s + lo, i - lo);
        i -= k;
        char_at(s + i, k, &uc);
        if (!is_case_ignorable(uc))
            break;
        uc = NOT_UTF8;
    }
    if (!is_cased(uc))
        return 0;
    for (i = at + 2; i < hi; i += k) {
        k = char_at(s + i, hi - i, &uc);
        if (!is_case_ignorable(uc))
            return !is_cased(uc);
    }
    return 1;
}

/* Lowercases s[a..b), part of the valid stretch s[lo..hi) that a final
 * sigma looks at. Without a language no other mapping of libunistring
 * depends on the neighbours, so the pieces between sigmas go to it alone. */
static int lower_valid(const char *s, size_t lo, size_t a, size_t b, size_t hi, struct buf *out)
{
    int rc = 0;
    while (rc == 0 && a < b) {
        const char *sigma = memmem(s + a, b - a, SIGMA, 2);
        size_t end = sigma != NULL ? (size_t)(sigma - s) : b;
        if (end > a && is_ascii(s + a, end - a))
            rc = ascii_map(s + a, end - a, 0, out);
        else if (end > a)
            rc = lib_map(u8_ct_tolower, s + a, end - a, out);
        if (rc == 0 && sigma != NULL) {
            rc = buf_append(out, final_sigma(s, lo, end, hi) ? "\xcf\x82" : "\xcf\x83", 2);
            end += 2;
        }
        a = end;
    }
    return rc;
}

/* str.upper() or str.lower() of s[0..n). */
static int map_all(int upper, const char *s, size_t n, struct buf *out)
{
    int rc = 0;
    if (is_ascii(s, n))
        return ascii_map(s, n, upper, out);
    while (rc == 0 && n > 0) {
        const uint8_t *bad = u8_check(U8(s), n);
        size_t good = bad != NULL ? (size_t)((const char *)bad - s) : n;
        if (good > 0 && upper)
            rc = lib_map(u8_ct_toupper, s, good, out);
        else if (good > 0)
            rc = lower_valid(s, 0, 0, good, good, out);
        if (rc == 0 && bad != NULL)
            rc = buf_append(out, s + good++, 1);
        s += good;
        n -= good;
    }
    return rc;
}

/* Titlecase (upper != 0: uppercase) of the one character s[0..k) (code
 * point uc). A character without the Changes_When_Titlecased (or
 * _Uppercased) property maps to itself: no need to ask for its mapping. */
static int char_map(const char *s, size_t k, ucs4_t uc, int upper, struct buf *out)
{
    if (uc < 0x80 || uc == NOT_UTF8)
        return ascii_map(s, k, 1, out);
    if (upper ? !uc_is_property_changes_when_uppercased(uc)
              : !uc_is_property_changes_when_titlecased(uc))
        return buf_append(out, s, k);
    return lib_map(upper ? u8_ct_toupper : u8_ct_totitle, s, k, out);
}

/* The separators of Jinja's title filter: r"[-\s({\[<]". */
static int is_title_sep(ucs4_t uc)
{
    return uc == '-' || uc == '(' || uc == '{' || uc == '[' || uc == '<' || is_space(uc);
}

static size_t title_sep(const char *s, size_t len)
{
    ucs4_t uc;
    size_t k = char_at(s, len, &uc);
    return is_title_sep(uc) ? k : 0;
}

/* Both titles of an ASCII string: a word starts after an uncased character
 * (str.title()) or after a separator (jinja). */
static int ascii_title(const char *s, size_t n, int jinja, struct buf *out)
{
    size_t at = out->len;
    int start = 1, rc = buf_append(out, s, n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        unsigned char c = (unsigned char)out->data[at + i];
        if (start && c >= 'a' && c <= 'z')
            out->data[at + i] = (char)(c - 32);
        else if (!start && c >= 'A' && c <= 'Z')
            out->data[at + i] = (char)(c + 32);
        start = jinja ? is_title_sep(c) : !is_cased(c);
    }
    return rc;
}

/* CPython's do_title on a valid stretch: a character that follows a cased
 * one is lowercased, any other titlecased. */
static int title_valid(const char *s, size_t n, struct buf *out)
{
    size_t i = 0, run = 0;
    int prev_cased = 0, rc = 0;
    while (rc == 0 && i < n) {
        ucs4_t uc;
        size_t k = char_at(s + i, n - i, &uc);
        if (!prev_cased) {
            rc = lower_valid(s, 0, run, i, n, out);
            if (rc == 0)
                rc = char_map(s + i, k, uc, 0, out);
            run = i + k;
        }
        prev_cased = is_cased(uc);
        i += k;
    }
    return rc == 0 ? lower_valid(s, 0, run, n, n, out) : rc;
}

static int title_py(const char *s, size_t n, struct buf *out)
{
    int rc = 0;
    if (is_ascii(s, n))
        return ascii_title(s, n, 0, out);
    while (rc == 0 && n > 0) {
        const uint8_t *bad = u8_check(U8(s), n);
        size_t good = bad != NULL ? (size_t)((const char *)bad - s) : n;
        rc = title_valid(s, good, out);
        if (rc == 0 && bad != NULL)
            rc = buf_append(out, s + good++, 1);
        s += good;
        n -= good;
    }
    return rc;
}

/* str.capitalize(): the first character titlecased, the rest lowercased
 * (a final sigma there sees the first character). */
static int capitalize(const char *s, size_t n, struct buf *out)
{
    const uint8_t *bad;
    size_t k, good;
    ucs4_t uc;
    int rc;
    if (n == 0)
        return 0;
    k = char_at(s, n, &uc);
    rc = char_map(s, k, uc, 0, out);
    if (rc != 0 || uc == NOT_UTF8 || is_ascii(s + k, n - k))
        return rc == 0 ? map_all(0, s + k, n - k, out) : rc;
    bad = u8_check(U8(s), n);
    good = bad != NULL ? (size_t)((const char *)bad - s) : n;
    rc = lower_valid(s, 0, k, good, good, out);
    return rc == 0 ? map_all(0, s + good, n - good, out) : rc;
}

/* Jinja's do_title: item[0].upper() + item[1:].lower() for every item of
 * the string split at runs of separators (which have no case). */
static int title_jinja(const char *s, size_t n, struct buf *out)
{
    size_t i = 0;
    int rc = 0;
    if (is_ascii(s, n))
        return ascii_title(s, n, 1, out);
    while (rc == 0 && i < n) {
        size_t k = title_sep(s + i, n - i), first, end;
        ucs4_t c0, uc;
        if (k > 0) {
            rc = buf_append(out, s + i, k);
            i += k;
            continue;
        }
        first = char_at(s + i, n - i, &c0);
        for (end = i + first; end < n && title_sep(s + end, n - end) == 0;)
            end += char_at(s + end, n - end, &uc);
        rc = char_map(s + i, first, c0, 1, out);
        if (rc == 0)
            rc = map_all(0, s + i + first, end - i - first, out);
        i = end;
    }
    return rc;
}

int tpl_u_case(enum tpl_u_case mode, const char *s, size_t len, struct buf *out)
{
    switch (mode) {
    case TPL_U_UPPER:
    case TPL_U_LOWER:
        return map_all(mode == TPL_U_UPPER, s, len, out);
    case TPL_U_CAPITALIZE:
        return capitalize(s, len, out);
    case TPL_U_TITLE:
        return title_py(s, len, out);
    case TPL_U_JINJA_TITLE:
        return title_jinja(s, len, out);
    }
    return 0;
}

int tpl_u_is_cased(const char *s, size_t len, int upper)
{
    int cased = 0;
    size_t k;
    for (size_t i = 0; i < len; i += k) {
        ucs4_t uc;
        int lo, up, title = 0;
        k = char_at(s + i, len - i, &uc);
        if (uc == NOT_UTF8)
            continue;
        if (uc < 0x80) {
            lo = uc >= 'a' && uc <= 'z';
            up = uc >= 'A' && uc <= 'Z';
        } else {
            lo = uc_is_property_lowercase(uc);
            up = uc_is_property_uppercase(uc);
            title = uc_is_general_category(uc, UC_CATEGORY_Lt);
        }
        if (title || (upper ? lo : up))
            return 0;
        cased |= upper ? up : lo;
    }
    return cased;
}

size_t tpl_u_char_len(const char *s, size_t len)
{
    ucs4_t uc;
    return char_at(s, len, &uc);
}

size_t tpl_u_char_back(const char *s, size_t len)
{
    size_t k = 1;
    ucs4_t uc;
    while (k < 4 && k < len && ((unsigned char)s[len - k] & 0xC0) == 0x80)
        k++;
    return u8_mbtoucr(&uc, U8(s + len - k), k) == (int)k ? k : 1;
}

size_t tpl_u_space(const char *s, size_t len)
{
    ucs4_t uc;
    size_t k;
    if (len == 0)
        return 0;
    k = char_at(s, len, &uc);
    return is_space(uc) ? k : 0;
}

size_t tpl_u_space_back(const char *s, size_t len)
{
    size_t k;
    if (len == 0)
        return 0;
    k = tpl_u_char_back(s, len);
    return tpl_u_space(s + len - k, k) == k ? k : 0;
}

int tpl_u_casecmp(const char *s, size_t slen, const char *t, size_t tlen, int *cmp)
{
    struct buf a, b;
    size_t n;
    int rc, c;
    if (is_ascii(s, slen) && is_ascii(t, tlen)) {
        n = slen < tlen ? slen : tlen;
        for (size_t i = 0; i < n; i++) {
            unsigned char x = (unsigned char)s[i], y = (unsigned char)t[i];
            x = x >= 'A' && x <= 'Z' ? x + 32 : x;
            y = y >= 'A' && y <= 'Z' ? y + 32 : y;
            if (x != y) {
                *cmp = x < y ? -1 : 1;
                return 0;
            }
        }
        *cmp = slen < tlen ? -1 : slen > tlen;
        return 0;
    }
    buf_init(&a, SIZE_MAX / 4); /* bounded by the inputs; SIZE_MAX itself would overflow */
    buf_init(&b, SIZE_MAX / 4);
    rc = tpl_u_case(TPL_U_LOWER, s, slen, &a);
    if (rc == 0)
        rc = tpl_u_case(TPL_U_LOWER, t, tlen, &b);
    if (rc == 0) {
        n = a.len < b.len ? a.len : b.len;
        c = n > 0 ? memcmp(a.data, b.data, n) : 0; /* UTF-8 byte order is code point order */
        *cmp = c != 0 ? (c < 0 ? -1 : 1) : a.len < b.len ? -1 : a.len > b.len;
    }
    buf_free(&a);
    buf_free(&b);
    return rc == 0 ? 0 : -1;
}

int tpl_u_number_ascii(const char *s, size_t len, struct buf *out)
{
    size_t k;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < len; i += k) {
        ucs4_t uc;
        int digit;
        k = char_at(s + i, len - i, &uc);
        if (uc < 0x7f)
            rc = buf_putc(out, (char)uc);
        else if (uc == NOT_UTF8 || uc == 0x7f)
            return 1;
        else if (is_space(uc))
            rc = buf_putc(out, ' ');
        else if ((digit = uc_decimal_value(uc)) >= 0)
            rc = buf_putc(out, (char)('0' + digit));
        else
            return 1;
    }
    return rc;
}
