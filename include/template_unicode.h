/* template_unicode: the Unicode side of the template engine's string
 * filters, with the semantics of Python 3's str methods that Jinja calls
 * (upper, lower, capitalize, title, isupper, islower, strip, split, int).
 * The case tables and character properties are libunistring's; this module
 * only arranges them the way CPython does.
 *
 * Strings are UTF-8. Bytes that are not valid UTF-8 (a template literal or
 * a JSON body may hold them) never make these functions fail: each such byte
 * is a character of its own, uncased and not whitespace, and is copied
 * unchanged. ASCII text takes a fast path that calls no library. */
#ifndef INCOMING_TEMPLATE_UNICODE_H
#define INCOMING_TEMPLATE_UNICODE_H

#include <stddef.h>

#include "buf.h"

enum tpl_u_case {
    TPL_U_UPPER,       /* str.upper(): full mappings ('ß' -> "SS") */
    TPL_U_LOWER,       /* str.lower(): final sigma ('ΟΔΟΣ' -> "οδος") */
    TPL_U_CAPITALIZE,  /* str.capitalize() (3.8+): first character titlecased, the rest lower */
    TPL_U_TITLE,       /* str.title(): a character after an uncased one is titlecased, the
                          rest lowered ("they're" -> "They'Re") */
    TPL_U_JINJA_TITLE, /* Jinja's title filter: words split at whitespace and -({[< ; each
                          word's first character upper(), the rest lower() */
};

/* Appends the case mapping of s[0..len) to out. Returns 0, or BUF_TOOBIG /
 * BUF_NOMEM from out (out then holds a partial result). */
int tpl_u_case(enum tpl_u_case mode, const char *s, size_t len, struct buf *out);

/* Python's str.isupper() (upper != 0) or str.islower(): some character is
 * cased that way and none is of the other case or titlecase. */
int tpl_u_is_cased(const char *s, size_t len, int upper);

/* Length in bytes of the character that starts s (len > 0), or that ends
 * s[0..len) for tpl_u_char_back: 1 for a byte that is not valid UTF-8. */
size_t tpl_u_char_len(const char *s, size_t len);
size_t tpl_u_char_back(const char *s, size_t len);

/* Length of the whitespace character (str.isspace(): U+0009-000D,
 * U+001C-0020, U+0085, U+00A0, U+2028, U+3000, ...) that starts s, or that
 * ends s[0..len) for tpl_u_space_back; 0 when that character is not
 * whitespace or len is 0. */
size_t tpl_u_space(const char *s, size_t len);
size_t tpl_u_space_back(const char *s, size_t len);

/* Compares s.lower() with t.lower() by code point (what Jinja's
 * case-insensitive sort, unique, min and max do): *cmp < 0, 0 or > 0.
 * Returns 0, or -1 when out of memory. */
int tpl_u_casecmp(const char *s, size_t slen, const char *t, size_t tlen, int *cmp);

/* What CPython does to a string before int() or float() parse it: appends s
 * to out with each non-ASCII whitespace character as ' ' and each non-ASCII
 * decimal digit ('٤', '４') as its ASCII digit. Returns 0; 1 when s holds
 * another non-ASCII character or invalid UTF-8 (not a number, out unusable);
 * BUF_TOOBIG / BUF_NOMEM from out. */
int tpl_u_number_ascii(const char *s, size_t len, struct buf *out);

#endif
