/* filter: the Business Event trigger's filter (SPEC section 8). A filter is
 *   {"all": [f...]}   every member holds (an empty list holds)
 *   {"any": [f...]}   some member holds (an empty list also holds: an empty
 *                     group imposes no condition)
 *   {"not": f}        f does not hold
 *   {"param": "body.items[*].sku", "op": "eq", "value": "A1"}   a condition
 * nested at most FILTER_MAX_DEPTH groups deep, FILTER_MAX_CONDITIONS
 * conditions and FILTER_MAX_NODES objects in all. An absent filter (NULL, JSON null) or {} matches
 * every event. Unknown members are refused.
 *
 * param is a flattened key (SPEC 5: body.a, body["a-b"], body['a'],
 * headers["X-Request-Id"], body.list[0]) where [*] stands for any element of
 * an array. It is resolved against the envelope tree itself, so it may also
 * name an object or an array (exists body.products). Member names directly
 * under the top-level "headers" compare case-insensitively.
 *
 * Semantics. A param resolves to zero, one or (through [*]) several values.
 * The positive operators hold when they hold for at least one value:
 *   eq        equal JSON values (objects and arrays compared deeply)
 *   gt gte lt lte   numbers numerically, strings by bytes (UTF-8 code point
 *             order); other types never compare
 *   contains  a string holding value (a string) as a substring, or an array
 *             with an element eq value
 *   starts_with ends_with  strings only (value must be a string)
 *   matches   POSIX extended regular expression (value: a string of at most
 *             FILTER_MAX_PATTERN bytes, no back-references, no quantifier
 *             right after another ("a++", "a*?"), repeated groups nested at
 *             most 2 deep, and not expanded by its repetitions past 2048
 *             elements: "x{3}" counts as three x, "x+" as two; glibc would
 *             take gigabytes or seconds to compile such patterns), unanchored
 *   in        value is an array with an element eq the param's value
 *   exists    the param resolves to at least one value (null counts)
 * The negative ones are exact negations of their positive twins:
 *   ne = not eq, not_contains = not contains, not_exists = not exists.
 * So a missing param is "ne" anything, and over [*] "ne" means no element
 * is equal; {"not": {cond}} and the negative operator always agree.
 * Numbers are compared exactly by their decimal text (9007199254740993 !=
 * 9007199254740992, 0.1 == 0.10 == 1e-1, 1e400 > 1e399), never as doubles.
 * A number and a string compare (eq, gt, ... in, contains over arrays) when
 * the string is exactly a JSON number ("10" eq 10); otherwise a string never
 * equals a number. */
#ifndef INCOMING_FILTER_H
#define INCOMING_FILTER_H

#include <cjson/cJSON.h>
#include <stddef.h>

#define FILTER_MAX_DEPTH 16       /* nested all/any/not groups */
#define FILTER_MAX_CONDITIONS 200 /* conditions in one filter */
#define FILTER_MAX_NODES 1000     /* groups, conditions and {} in one filter */
#define FILTER_MAX_PARAM 512      /* bytes of a param */
#define FILTER_MAX_PATTERN 512    /* bytes of a matches pattern */
#define FILTER_MAX_LIST 1000      /* elements of an "in" value */

enum filter_status {
    FILTER_OK = 0,
    FILTER_INVALID = -1, /* err names the path: "filter.all[2].op: unknown operator" */
    FILTER_NOMEM = -2
};

struct filter;

/* Validates and compiles filter (may be NULL or JSON null: match all).
 * path prefixes error messages (NULL means "filter"). The filter keeps its
 * own copy of what it needs: filter may be freed after. On success *out
 * (caller frees with filter_free); on failure *out is NULL and err holds
 * one sentence naming the offending member. */
int filter_compile(const cJSON *filter, const char *path, struct filter **out, char *err,
                   size_t errlen);
void filter_free(struct filter *f); /* f may be NULL */

/* Only validates (compile and free). */
int filter_validate(const cJSON *filter, const char *path, char *err, size_t errlen);

/* 1 when envelope (borrowed; exact-number tree from json_parse) matches f,
 * else 0. Allocates nothing; never fails. A NULL f matches. */
int filter_match(const struct filter *f, const cJSON *envelope);

#endif
