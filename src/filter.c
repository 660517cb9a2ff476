/* filter: validation, compilation and evaluation of Business Event filters
 * (see include/filter.h for the language and its semantics).
 *
 * A filter is compiled once into a tree of nodes: groups hold their
 * children in one array, conditions hold their param split into path
 * segments, a private copy of their value and, for "matches", the compiled
 * regex. Evaluation walks the envelope along the segments (fanning out at
 * [*]) and allocates nothing. Values are compared by filter_value.c. */
#include "filter.h"

#include "filter_internal.h"
#include "flatten.h"
#include "json.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PATH_MAX_LEN 1024
#define MAX_SEGS 64

enum node_kind { N_TRUE, N_ALL, N_ANY, N_NOT, N_COND };

enum seg_kind { SEG_NAME, SEG_INDEX, SEG_ANY };

struct seg {
    enum seg_kind kind;
    int nocase; /* a member directly under the top-level "headers" */
    char *name; /* owned, SEG_NAME */
    size_t index;
};

struct fnode {
    enum node_kind kind;
    struct fnode *kids; /* owned array of nkids (groups; N_NOT has one) */
    size_t nkids;
    struct seg *segs; /* owned, N_COND */
    size_t nsegs;
    enum filter_op op;
    cJSON *value; /* owned copy, may be NULL for exists/not_exists */
    regex_t re;
    int has_re;
};

struct filter {
    struct fnode root;
};

/* Compilation state: the path of the member being read, for messages. */
struct comp {
    char path[PATH_MAX_LEN];
    size_t conditions, nodes;
    char *err;
    size_t errlen;
};

static const char *const op_names[] = {
    [FOP_EQ] = "eq",
    [FOP_NE] = "ne",
    [FOP_GT] = "gt",
    [FOP_GTE] = "gte",
    [FOP_LT] = "lt",
    [FOP_LTE] = "lte",
    [FOP_CONTAINS] = "contains",
    [FOP_NOT_CONTAINS] = "not_contains",
    [FOP_STARTS_WITH] = "starts_with",
    [FOP_ENDS_WITH] = "ends_with",
    [FOP_MATCHES] = "matches",
    [FOP_EXISTS] = "exists",
    [FOP_NOT_EXISTS] = "not_exists",
    [FOP_IN] = "in",
};

static int fail(struct comp *c, const char *member, const char *msg)
{
    snprintf(c->err, c->errlen, "%s%s%s: %s", c->path, member ? "." : "", member ? member : "",
             msg);
    return FILTER_INVALID;
}

static void node_clear(struct fnode *n)
{
    for (size_t i = 0; i < n->nkids; i++)
        node_clear(&n->kids[i]);
    free(n->kids);
    for (size_t i = 0; i < n->nsegs; i++)
        free(n->segs[i].name);
    free(n->segs);
    cJSON_Delete(n->value);
    if (n->has_re)
        regfree(&n->re);
    memset(n, 0, sizeof(*n));
}

/* Appends one segment; name (len bytes) is copied for SEG_NAME. */
static int add_seg(struct fnode *n, enum seg_kind kind, const char *name, size_t len, size_t index)
{
    struct seg *s;

    if (n->nsegs == MAX_SEGS)
        return -1;
    if (n->segs == NULL) {
        n->segs = calloc(MAX_SEGS, sizeof(*n->segs));
        if (n->segs == NULL)
            return FILTER_NOMEM;
    }
    s = &n->segs[n->nsegs];
    s->kind = kind;
    s->index = index;
    if (kind == SEG_NAME) {
        s->name = strndup(name, len);
        if (s->name == NULL)
            return FILTER_NOMEM;
        s->nocase = n->nsegs == 1 && strcmp(n->segs[0].name, "headers") == 0;
    }
    n->nsegs++;
    return 0;
}

static int ident_char(char ch, int first)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_' ||
           (!first && ch >= '0' && ch <= '9');
}

/* ["json string"] or ['raw'] at *pp (which points at the quote). */
static int parse_quoted(struct fnode *n, const char **pp)
{
    struct buf name;
    int rc;

    buf_init(&name, 1u << 20);
    rc = flatten_quoted_member(pp, &name);
    if (rc == 0)
        rc = add_seg(n, SEG_NAME, buf_str(&name), name.len, 0);
    else if (rc == -2)
        rc = FILTER_NOMEM;
    buf_free(&name);
    return rc;
}

/* [digits] or [*] at *pp (which points after the '['). */
static int parse_index(struct fnode *n, const char **pp)
{
    const char *p = *pp, *d = p;
    size_t index = 0;

    if (p[0] == '*' && p[1] == ']') {
        *pp = p + 2;
        return add_seg(n, SEG_ANY, NULL, 0, 0);
    }
    while (*p >= '0' && *p <= '9' && p - d < 9)
        index = index * 10 + (size_t)(*p++ - '0');
    if (p == d || *p != ']')
        return -1;
    *pp = p + 1;
    return add_seg(n, SEG_INDEX, NULL, 0, index);
}

/* Splits a flattened key (with [*]) into segments. Returns 0, -1 when it
 * is not a key, FILTER_NOMEM. */
static int parse_param(struct fnode *n, const char *key)
{
    const char *p = key;
    int rc = 0;

    while (*p != '\0' && rc == 0) {
        if (*p == '[' && (p[1] == '"' || p[1] == '\'')) {
            p++;
            rc = parse_quoted(n, &p);
        } else if (*p == '[') {
            p++;
            rc = p - 1 == key ? -1 : parse_index(n, &p);
        } else {
            const char *name;
            if ((*p == '.') != (p != key))
                return -1;
            if (*p == '.')
                p++;
            name = p;
            if (!ident_char(*p, 1))
                return -1;
            while (ident_char(*p, 0))
                p++;
            rc = add_seg(n, SEG_NAME, name, (size_t)(p - name), 0);
        }
    }
    return rc;
}

static int parse_op(const char *s)
{
    for (size_t i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++)
        if (strcmp(s, op_names[i]) == 0)
            return (int)i;
    return -1;
}

/* 1 when pattern holds a back-reference (\1..\9), which glibc supports in
 * EREs with exponential matching time. */
static int has_backref(const char *p)
{
    for (; *p; p++) {
        if (*p == '\\' && p[1] >= '1' && p[1] <= '9')
            return 1;
        if (*p == '\\' && p[1] != '\0')
            p++;
    }
    return 0;
}

/* What a pattern may cost. glibc's regcomp copies a repeated part once per
 * repetition ("x{3}" is "xxx", "x+" is "xx*"), so stacked or nested
 * repetitions grow the compiled tree exponentially (a 200-byte pattern of
 * "+" after "+" took over 2 GB), and optional parts inside nested repeated
 * groups make its closure computations slow (seconds for a 100-byte
 * pattern); both found by the workflow fuzz target. Refused: a quantifier
 * right after another ("a++", "a*?": undefined in POSIX anyway), repeated
 * groups nested more than REGEX_MAX_NEST deep, and patterns whose
 * repetitions expand them past REGEX_MAX_COST elements. */
#define REGEX_MAX_COST 2048
#define REGEX_MAX_NEST 2
#define REGEX_REFUSED (REGEX_MAX_COST + 1)

static unsigned long cost_add(unsigned long a, unsigned long b)
{
    return a + b > REGEX_REFUSED ? REGEX_REFUSED : a + b;
}

static unsigned long cost_mul(unsigned long a, unsigned long b)
{
    return a != 0 && b > REGEX_REFUSED / a ? REGEX_REFUSED : a * b;
}

/* Past a bracket expression at p ('['), classes like [:alpha:] included. */
static const char *skip_bracket(const char *p)
{
    p++;
    if (*p == '^')
        p++;
    if (*p == ']')
        p++;
    while (*p && *p != ']') {
        if (p[0] == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
            char end[3] = {p[1], ']', '\0'};
            const char *e = strstr(p + 2, end);
            p = e ? e + 2 : p + 2;
        } else {
            p++;
        }
    }
    return *p ? p + 1 : p;
}

/* The length of an interval "{m}", "{m,}" or "{m,n}" at p, its copies in
 * *copies; 0 when p is a literal '{'. */
static size_t interval(const char *p, unsigned long *copies)
{
    unsigned long m = 0, n = 0;
    int comma = 0;
    const char *q = p + 1;

    /* glibc also reads "{,n}" as "{0,n}" (found by the workflow target). */
    if ((*q < '0' || *q > '9') && *q != ',')
        return 0;
    for (; *q >= '0' && *q <= '9'; q++)
        m = m > 100000 ? m : m * 10 + (unsigned long)(*q - '0');
    if (*q == ',') {
        comma = 1;
        for (q++; *q >= '0' && *q <= '9'; q++)
            n = n > 100000 ? n : n * 10 + (unsigned long)(*q - '0');
    }
    if (*q != '}')
        return 0;
    *copies = !comma ? m : n != 0 ? n : m + 1;
    if (*copies == 0)
        *copies = 1;
    return (size_t)(q + 1 - p);
}

/* The size of the tree regcomp builds for the ERE at *pp, up to the ')'
 * closing the group at depth (depth 0: the end), counting each repetition
 * as the copies glibc makes; REGEX_REFUSED for a pattern refused above.
 * *nest gets the deepest nesting of repeated groups. */
static unsigned long regex_cost(const char **pp, int depth, int *nest)
{
    const char *p = *pp;
    unsigned long total = 0, atom = 0; /* atom: the last piece, open to a quantifier */
    int atom_nest = 0, quantified = 0; /* the last token was a quantifier */

    *nest = 0;
    while (*p && !(*p == ')' && depth > 0)) {
        unsigned long copies = 1;
        size_t ilen = *p == '{' ? interval(p, &copies) : 0;

        if (*p == '*' || *p == '?' || *p == '+' || ilen > 0) {
            if (quantified)
                return REGEX_REFUSED; /* stacked */
            if (atom != 0) {          /* else a literal, as glibc reads it */
                atom = *p == '+' ? cost_mul(atom, 2) : cost_mul(atom, copies);
                atom = cost_add(atom, 1);
                if (atom_nest > *nest)
                    *nest = atom_nest;
                p += ilen > 0 ? ilen : 1;
                quantified = 1;
                continue;
            }
        }
        total = cost_add(total, atom);
        quantified = 0;
        atom_nest = 0;
        if (*p == '(') {
            int inner;
            p++;
            atom = cost_add(regex_cost(&p, depth + 1, &inner), 1);
            atom_nest = inner + 1; /* counts once the group is repeated */
            if (inner > *nest)
                *nest = inner;
            if (*p == ')')
                p++;
        } else if (*p == '|') {
            atom = 0;
            p++;
        } else {
            atom = 1;
            if (*p == '[')
                p = skip_bracket(p);
            else
                p += *p == '\\' && p[1] != '\0' ? 2 : 1;
        }
        if (total >= REGEX_REFUSED || atom >= REGEX_REFUSED)
            break;
    }
    *pp = p;
    return cost_add(total, atom);
}

/* Checks value against what op needs and compiles a regex. */
static int cond_value(struct comp *c, struct fnode *n, const cJSON *value)
{
    switch (n->op) {
    case FOP_EXISTS:
    case FOP_NOT_EXISTS:
        return 0; /* a value is ignored */
    case FOP_GT:
    case FOP_GTE:
    case FOP_LT:
    case FOP_LTE:
        if (!cJSON_IsNumber(value) && !cJSON_IsString(value))
            return fail(c, "value", "expected a number or a string");
        break;
    case FOP_STARTS_WITH:
    case FOP_ENDS_WITH:
    case FOP_MATCHES:
        if (!cJSON_IsString(value))
            return fail(c, "value", "expected a string");
        break;
    case FOP_IN:
        if (!cJSON_IsArray(value))
            return fail(c, "value", "expected an array");
        if (cJSON_GetArraySize(value) > FILTER_MAX_LIST)
            return fail(c, "value", "more than 1000 elements");
        break;
    default:
        break;
    }
    if (value == NULL)
        return fail(c, "value", "required");
    if (n->op == FOP_MATCHES) {
        char msg[200], why[128];
        int rc;
        if (strlen(value->valuestring) > FILTER_MAX_PATTERN)
            return fail(c, "value", "regular expression longer than 512 bytes");
        if (has_backref(value->valuestring))
            return fail(c, "value", "back-references are not supported");
        {
            const char *p = value->valuestring;
            int nest = 0;
            if (regex_cost(&p, 0, &nest) > REGEX_MAX_COST || nest > REGEX_MAX_NEST)
                return fail(c, "value",
                            "regular expression too complex (a repetition right after another, "
                            "repeated groups nested more than 2 deep, or repetitions expanding "
                            "it past 2048 elements)");
        }
        rc = regcomp(&n->re, value->valuestring, REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
            regerror(rc, NULL, why, sizeof(why));
            snprintf(msg, sizeof(msg), "invalid regular expression: %s", why);
            return fail(c, "value", msg);
        }
        n->has_re = 1;
    }
    n->value = cJSON_Duplicate(value, 1);
    return n->value ? 0 : FILTER_NOMEM;
}

static int compile_cond(struct comp *c, struct fnode *n, const cJSON *obj)
{
    const cJSON *param = NULL, *op = NULL, *value = NULL;
    int rc, o;

    for (const cJSON *m = obj->child; m; m = m->next) {
        if (strcmp(m->string, "param") == 0)
            param = m;
        else if (strcmp(m->string, "op") == 0)
            op = m;
        else if (strcmp(m->string, "value") == 0)
            value = m;
        else
            return fail(c, m->string, "unknown member");
    }
    n->kind = N_COND;
    if (++c->conditions > FILTER_MAX_CONDITIONS)
        return fail(c, NULL, "more than 200 conditions in the filter");
    if (!cJSON_IsString(param) || param->valuestring[0] == '\0')
        return fail(c, "param", "required: a flattened key such as body.items[0].name");
    if (strlen(param->valuestring) > FILTER_MAX_PARAM)
        return fail(c, "param", "longer than 512 bytes");
    rc = parse_param(n, param->valuestring);
    if (rc == FILTER_NOMEM)
        return rc;
    if (rc != 0)
        return fail(c, "param",
                    "not a flattened key (such as body.items[*].name or "
                    "headers[\"X-Request-Id\"])");
    if (op == NULL)
        return fail(c, "op", "required");
    o = cJSON_IsString(op) ? parse_op(op->valuestring) : -1;
    if (o < 0)
        return fail(c, "op", "unknown operator");
    n->op = (enum filter_op)o;
    return cond_value(c, n, value);
}

static int compile_node(struct comp *c, struct fnode *n, const cJSON *obj, int depth);

/* all/any: compiles each element with the path extended by [i]. */
static int compile_group(struct comp *c, struct fnode *n, const cJSON *list, int depth)
{
    size_t mark = strlen(c->path), count = (size_t)cJSON_GetArraySize(list), i = 0;
    int rc = 0;

    if (!cJSON_IsArray(list))
        return fail(c, NULL, "expected an array");
    n->kids = calloc(count ? count : 1, sizeof(*n->kids));
    if (n->kids == NULL)
        return FILTER_NOMEM;
    n->nkids = count;
    for (const cJSON *e = list->child; e && rc == 0; e = e->next, i++) {
        snprintf(c->path + mark, sizeof(c->path) - mark, "[%zu]", i);
        rc = compile_node(c, &n->kids[i], e, depth + 1);
    }
    if (rc == 0)
        c->path[mark] = '\0';
    return rc;
}

static int compile_node(struct comp *c, struct fnode *n, const cJSON *obj, int depth)
{
    const cJSON *m;
    size_t mark = strlen(c->path);
    int rc;

    if (!cJSON_IsObject(obj))
        return fail(c, NULL, "expected an object");
    if (++c->nodes > FILTER_MAX_NODES)
        return fail(c, NULL, "more than 1000 groups and conditions in the filter");
    if (depth > FILTER_MAX_DEPTH)
        return fail(c, NULL, "groups nested deeper than 16");
    m = obj->child;
    if (m == NULL) {
        n->kind = N_TRUE;
        return 0;
    }
    if (strcmp(m->string, "all") != 0 && strcmp(m->string, "any") != 0 &&
        strcmp(m->string, "not") != 0)
        return compile_cond(c, n, obj);
    if (m->next != NULL)
        return fail(c, m->next->string,
                    "unknown member (a group has exactly one of all, any, not)");
    snprintf(c->path + mark, sizeof(c->path) - mark, ".%s", m->string);
    if (strcmp(m->string, "not") == 0) {
        n->kind = N_NOT;
        n->kids = calloc(1, sizeof(*n->kids));
        if (n->kids == NULL)
            return FILTER_NOMEM;
        n->nkids = 1;
        rc = compile_node(c, n->kids, m, depth + 1);
    } else {
        n->kind = m->string[1] == 'l' ? N_ALL : N_ANY;
        rc = compile_group(c, n, m, depth);
    }
    if (rc == 0)
        c->path[mark] = '\0';
    return rc;
}

int filter_compile(const cJSON *filter, const char *path, struct filter **out, char *err,
                   size_t errlen)
{
    struct comp c;
    struct filter *f;
    int rc = 0;

    *out = NULL;
    if (errlen)
        err[0] = '\0';
    f = calloc(1, sizeof(*f));
    if (f == NULL)
        return FILTER_NOMEM;
    memset(&c, 0, sizeof(c));
    snprintf(c.path, sizeof(c.path), "%s", path ? path : "filter");
    c.err = err;
    c.errlen = errlen;
    if (filter == NULL || cJSON_IsNull(filter))
        f->root.kind = N_TRUE;
    else
        rc = compile_node(&c, &f->root, filter, 0);
    if (rc != 0) {
        if (rc == FILTER_NOMEM)
            snprintf(err, errlen, "out of memory");
        filter_free(f);
        return rc;
    }
    *out = f;
    return FILTER_OK;
}

void filter_free(struct filter *f)
{
    if (f == NULL)
        return;
    node_clear(&f->root);
    free(f);
}

int filter_validate(const cJSON *filter, const char *path, char *err, size_t errlen)
{
    struct filter *f = NULL;
    int rc = filter_compile(filter, path, &f, err, errlen);

    filter_free(f);
    return rc;
}

/* --- evaluation --- */

/* The positive operator's test on one resolved value. */
static int test_value(const struct fnode *n, const cJSON *v)
{
    int cmp;

    switch (n->op) {
    case FOP_EXISTS:
    case FOP_NOT_EXISTS:
        return 1;
    case FOP_EQ:
    case FOP_NE:
        return filter_value_equal(v, n->value);
    case FOP_GT:
        return filter_value_compare(v, n->value, &cmp) == 0 && cmp > 0;
    case FOP_GTE:
        return filter_value_compare(v, n->value, &cmp) == 0 && cmp >= 0;
    case FOP_LT:
        return filter_value_compare(v, n->value, &cmp) == 0 && cmp < 0;
    case FOP_LTE:
        return filter_value_compare(v, n->value, &cmp) == 0 && cmp <= 0;
    case FOP_CONTAINS:
    case FOP_NOT_CONTAINS:
        return filter_value_contains(v, n->value);
    case FOP_STARTS_WITH:
        return cJSON_IsString(v) &&
               strncmp(v->valuestring, n->value->valuestring, strlen(n->value->valuestring)) == 0;
    case FOP_ENDS_WITH: {
        size_t a, b;
        if (!cJSON_IsString(v))
            return 0;
        a = strlen(v->valuestring);
        b = strlen(n->value->valuestring);
        return a >= b && memcmp(v->valuestring + a - b, n->value->valuestring, b) == 0;
    }
    case FOP_MATCHES:
        return cJSON_IsString(v) && regexec(&n->re, v->valuestring, 0, NULL, 0) == 0;
    case FOP_IN:
        for (const cJSON *e = n->value->child; e; e = e->next)
            if (filter_value_equal(v, e))
                return 1;
        return 0;
    }
    return 0;
}

/* 1 when some value that segments i.. reach from node passes the test. */
static int resolve(const struct fnode *n, const cJSON *node, size_t i)
{
    const struct seg *s;

    if (i == n->nsegs)
        return test_value(n, node);
    s = &n->segs[i];
    if (s->kind == SEG_NAME) {
        const cJSON *last = NULL;
        if (!cJSON_IsObject(node))
            return 0;
        for (const cJSON *m = node->child; m; m = m->next) {
            if (!s->nocase && strcmp(m->string, s->name) == 0)
                last = m; /* duplicate keys: the last one wins */
            else if (s->nocase && strcasecmp(m->string, s->name) == 0 && resolve(n, m, i + 1))
                return 1;
        }
        return last ? resolve(n, last, i + 1) : 0;
    }
    if (!cJSON_IsArray(node))
        return 0;
    if (s->kind == SEG_INDEX) {
        const cJSON *e = node->child;
        for (size_t k = 0; e && k < s->index; k++)
            e = e->next;
        return e ? resolve(n, e, i + 1) : 0;
    }
    for (const cJSON *e = node->child; e; e = e->next)
        if (resolve(n, e, i + 1))
            return 1;
    return 0;
}

static int negated(enum filter_op op)
{
    return op == FOP_NE || op == FOP_NOT_CONTAINS || op == FOP_NOT_EXISTS;
}

static int eval(const struct fnode *n, const cJSON *env)
{
    switch (n->kind) {
    case N_TRUE:
        return 1;
    case N_NOT:
        return !eval(n->kids, env);
    case N_ALL:
        for (size_t i = 0; i < n->nkids; i++)
            if (!eval(&n->kids[i], env))
                return 0;
        return 1;
    case N_ANY:
        for (size_t i = 0; i < n->nkids; i++)
            if (eval(&n->kids[i], env))
                return 1;
        return n->nkids == 0;
    case N_COND:
        return negated(n->op) ? !resolve(n, env, 0) : resolve(n, env, 0);
    }
    return 0;
}

int filter_match(const struct filter *f, const cJSON *envelope)
{
    if (f == NULL)
        return 1;
    return eval(&f->root, envelope);
}
