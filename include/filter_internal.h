/* filter_internal: what filter.c and filter_value.c share; not for other
 * modules (tests include it to reach the comparisons). */
#ifndef INCOMING_FILTER_INTERNAL_H
#define INCOMING_FILTER_INTERNAL_H

#include <cjson/cJSON.h>
#include <stddef.h>

enum filter_op {
    FOP_EQ,
    FOP_NE,
    FOP_GT,
    FOP_GTE,
    FOP_LT,
    FOP_LTE,
    FOP_CONTAINS,
    FOP_NOT_CONTAINS,
    FOP_STARTS_WITH,
    FOP_ENDS_WITH,
    FOP_MATCHES,
    FOP_EXISTS,
    FOP_NOT_EXISTS,
    FOP_IN
};

/* Exact comparison of two JSON number texts (strict JSON grammar). Returns
 * 0 and *cmp (<0, 0, >0), or -1 when either is not a JSON number. */
int filter_number_compare(const char *a, size_t alen, const char *b, size_t blen, int *cmp);

/* Deep JSON equality with exact numbers; a number equals a string holding
 * exactly an equal JSON number. */
int filter_value_equal(const cJSON *a, const cJSON *b);
/* Order of two numbers (or number and numeric string) or two strings.
 * Returns 0 and *cmp, or -1 when they do not compare. */
int filter_value_compare(const cJSON *a, const cJSON *b, int *cmp);
/* a is a string holding b (a string), or an array with an element equal
 * to b. */
int filter_value_contains(const cJSON *a, const cJSON *b);

#endif
