/* numparse: the one bounded parser for numbers read from text
 * (configuration, query strings, headers, command lines). */
#ifndef INCOMING_NUMPARSE_H
#define INCOMING_NUMPARSE_H

#include <stddef.h>

/* Parses all of s (decimal, optional leading '-', no spaces) into *out and
 * checks min <= value <= max. Returns 0, or -1 with *errstr set to a static
 * description ("not a number", "too small", "too large"). */
int num_parse_ll(const char *s, long long min, long long max, long long *out, const char **errstr);

/* Same for the first len bytes of s (not NUL-terminated). */
int num_parse_lln(const char *s, size_t len, long long min, long long max, long long *out,
                  const char **errstr);

#endif
