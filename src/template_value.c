/* template_value: the values a render works with. Scalars live in struct
 * tval; lists and dicts are cJSON trees, borrowed from the context or owned
 * by the value. Numbers keep the exact text they came with (JSON data,
 * literals) and print by it; computed floats print as Python's repr. These
 * functions give Python/Jinja semantics for str(), ==, <, `in`, lookups and
 * iteration, and compact JSON for tojson. Value nesting is bounded. */
#include "template_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define VALUE_DEPTH 512 /* count_nodes only: deeper parts are not counted */

void tv_free(struct tval *v)
{
    if (v->flags & TVF_OWNED) {
        if (v->kind == TV_LIST || v->kind == TV_DICT)
            cJSON_Delete(v->j);
        else
            free((char *)v->s);
    }
    memset(v, 0, sizeof(*v));
}

/* A number from its text: integer when it has no '.', exponent or letters
 * and fits 64 bits; otherwise a float (1e400 is inf). */
static void number_from_text(const char *s, struct tval *out)
{
    char *end;
    out->s = s;
    out->len = strlen(s);
    if (strpbrk(s, ".eEinIN") == NULL) {
        errno = 0;
        out->i = strtoll(s, &end, 10);
        if (errno == 0 && *end == '\0') {
            out->kind = TV_INT;
            return;
        }
    }
    out->kind = TV_FLOAT;
    out->f = strtod(s, &end);
}

void tv_from_json(const cJSON *j, unsigned flags, struct tval *out)
{
    memset(out, 0, sizeof(*out));
    out->flags = flags & (TVF_MORTAL | TVF_ICASE | TVF_ENVELOPE | TVF_NODES);
    if (j == NULL)
        return;
    switch (j->type & 0xFF) {
    case cJSON_False:
    case cJSON_True:
        out->kind = TV_BOOL;
        out->i = (j->type & 0xFF) == cJSON_True;
        break;
    case cJSON_NULL:
        out->kind = TV_NONE;
        break;
    case cJSON_Number:
        if (j->valuestring != NULL) {
            number_from_text(j->valuestring, out);
        } else if (fabs(j->valuedouble) < 9007199254740992.0 &&
                   j->valuedouble == (double)(long long)j->valuedouble) {
            out->kind = TV_INT;
            out->i = (long long)j->valuedouble;
        } else {
            out->kind = TV_FLOAT;
            out->f = j->valuedouble;
        }
        break;
    case cJSON_String:
        out->kind = TV_STR;
        out->s = j->valuestring != NULL ? j->valuestring : "";
        out->len = strlen(out->s);
        break;
    case cJSON_Array:
        out->kind = TV_LIST;
        out->j = (cJSON *)j;
        break;
    case cJSON_Object:
        out->kind = TV_DICT;
        out->j = (cJSON *)j;
        break;
    default:
        out->kind = TV_NONE;
    }
}

void tv_str_borrow(const char *s, size_t len, struct tval *out)
{
    memset(out, 0, sizeof(*out));
    out->kind = TV_STR;
    out->s = s;
    out->len = len;
}

int tv_str_copy(struct tpl_render *r, const struct tpl_node *at, const char *s, size_t len,
                struct tval *out)
{
    char *p;
    int rc = tpl_charge(r, at, len + 16);
    if (rc != 0)
        return rc;
    if ((p = malloc(len + 1)) == NULL)
        return tpl_fail(r, at, TEMPLATE_ENOMEM, "out of memory");
    if (len > 0)
        memcpy(p, s, len);
    p[len] = '\0';
    tv_str_borrow(p, len, out);
    out->flags = TVF_OWNED;
    return 0;
}

int tv_str_own(struct tpl_render *r, const struct tpl_node *at, struct buf *b, struct tval *out)
{
    size_t len = b->len;
    int rc = tpl_charge(r, at, len + 16);
    char *p;
    if (rc != 0) {
        buf_free(b);
        return rc;
    }
    if ((p = buf_take(b)) == NULL)
        return tpl_fail(r, at, TEMPLATE_ENOMEM, "out of memory");
    tv_str_borrow(p, len, out);
    out->flags = TVF_OWNED;
    return 0;
}

void tv_int(long long i, struct tval *out)
{
    memset(out, 0, sizeof(*out));
    out->kind = TV_INT;
    out->i = i;
}

void tv_float(double f, struct tval *out)
{
    memset(out, 0, sizeof(*out));
    out->kind = TV_FLOAT;
    out->f = f;
}

void tv_bool(int b, struct tval *out)
{
    memset(out, 0, sizeof(*out));
    out->kind = TV_BOOL;
    out->i = b != 0;
}

int tv_truthy(const struct tval *v)
{
    switch (v->kind) {
    case TV_BOOL:
    case TV_INT:
        return v->i != 0;
    case TV_FLOAT:
        return v->f != 0.0;
    case TV_STR:
        return v->len > 0;
    case TV_LIST:
    case TV_DICT:
        return v->j->child != NULL;
    case TV_LOOP:
        return 1;
    default:
        return 0;
    }
}

const char *tv_type_name(const struct tval *v)
{
    static const char *const names[] = {"Undefined", "NoneType", "bool", "int",        "float",
                                        "str",       "list",     "dict", "LoopContext"};
    return names[v->kind];
}

static size_t count_nodes(const cJSON *j, int depth)
{
    size_t n = 1;
    if (depth > VALUE_DEPTH)
        return n;
    for (j = j->child; j != NULL; j = j->next)
        n += count_nodes(j, depth + 1);
    return n;
}

int tv_detach(struct tpl_render *r, const struct tpl_node *at, struct tval *v)
{
    int rc;
    if (!(v->flags & TVF_MORTAL) || (v->flags & TVF_OWNED)) {
        v->flags &= ~TVF_MORTAL;
        return 0;
    }
    v->flags &= ~TVF_MORTAL;
    if (v->kind == TV_LIST || v->kind == TV_DICT) {
        cJSON *c;
        if ((rc = tpl_charge(r, at, 32 * count_nodes(v->j, 0))) != 0)
            return rc;
        if ((c = cJSON_Duplicate(v->j, 1)) == NULL)
            return tpl_fail(r, at, TEMPLATE_ENOMEM, "out of memory");
        v->j = c;
        v->flags |= TVF_OWNED;
    } else if ((v->kind == TV_STR || v->kind == TV_INT || v->kind == TV_FLOAT) && v->s != NULL) {
        struct tval copy;
        if ((rc = tv_str_copy(r, at, v->s, v->len, &copy)) != 0)
            return rc;
        v->s = copy.s;
        v->flags |= TVF_OWNED;
    }
    return 0;
}

void tpl_float_repr(double f, char *buf, size_t cap)
{
    char tmp[40], digits[24];
    int prec, exp10, nd = 0, decpt, k;
    char *p, *o = buf, *end = buf + cap - 1;
    if (isnan(f) || isinf(f)) {
        snprintf(buf, cap, "%s", isnan(f) ? "nan" : f < 0 ? "-inf" : "inf");
        return;
    }
    for (prec = 1; prec <= 17; prec++) { /* shortest text that round-trips */
        snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, f);
        if (strtod(tmp, NULL) == f)
            break;
    }
    p = tmp;
    if (*p == '-') {
        *o++ = '-';
        p++;
    }
    for (; *p != 'e'; p++)
        if (*p != '.')
            digits[nd++] = *p;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    exp10 = atoi(p + 1);
    decpt = exp10 + 1;
    if (decpt > -4 && decpt <= 16) {
        if (decpt <= 0) {
            o += snprintf(o, (size_t)(end - o), "0.");
            for (k = 0; k < -decpt; k++)
                *o++ = '0';
            for (k = 0; k < nd; k++)
                *o++ = digits[k];
        } else {
            for (k = 0; k < decpt; k++)
                *o++ = k < nd ? digits[k] : '0';
            *o++ = '.';
            if (nd <= decpt)
                *o++ = '0';
            for (k = decpt; k < nd; k++)
                *o++ = digits[k];
        }
        *o = '\0';
        return;
    }
    *o++ = digits[0];
    if (nd > 1) {
        *o++ = '.';
        for (k = 1; k < nd; k++)
            *o++ = digits[k];
    }
    snprintf(o, (size_t)(end - o), "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
}

static int put(struct tpl_render *r, const struct tpl_node *at, struct buf *out, const char *s,
               size_t n)
{
    int rc = buf_append(out, s, n);
    if (rc == BUF_TOOBIG)
        return tpl_fail(r, at, TEMPLATE_ELIMIT, "output too large (limit %zu bytes)", out->limit);
    if (rc != 0)
        return tpl_fail(r, at, TEMPLATE_ENOMEM, "out of memory");
    return 0;
}

/* Python repr() of a string: single quotes unless it holds ' and no ". */
static int write_repr_str(struct tpl_render *r, const struct tpl_node *at, const char *s,
                          size_t len, struct buf *out)
{
    char q = memchr(s, '\'', len) != NULL && memchr(s, '"', len) == NULL ? '"' : '\'';
    char esc[8];
    size_t i, start = 0;
    int rc = put(r, at, out, &q, 1);
    for (i = 0; rc == 0 && i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != 0x7f && c != '\\' && c != (unsigned char)q)
            continue;
        if ((rc = put(r, at, out, s + start, i - start)) != 0)
            return rc;
        start = i + 1;
        if (c == '\n' || c == '\r' || c == '\t')
            snprintf(esc, sizeof(esc), "\\%c", c == '\n' ? 'n' : c == '\r' ? 'r' : 't');
        else if (c == '\\' || c == (unsigned char)q)
            snprintf(esc, sizeof(esc), "\\%c", c);
        else
            snprintf(esc, sizeof(esc), "\\x%02x", c);
        rc = put(r, at, out, esc, strlen(esc));
    }
    if (rc == 0)
        rc = put(r, at, out, s + start, len - start);
    return rc != 0 ? rc : put(r, at, out, &q, 1);
}

static int write_value(struct tpl_render *r, const struct tpl_node *at, const struct tval *v,
                       int repr, int depth, struct buf *out);

static int write_container(struct tpl_render *r, const struct tpl_node *at, const cJSON *j,
                           int depth, struct buf *out)
{
    int dict = cJSON_IsObject(j), rc;
    const cJSON *c;
    struct tval item;
    if (depth > r->max_depth * 8)
        return tpl_fail(r, at, TEMPLATE_ELIMIT, "value nested too deeply");
    rc = put(r, at, out, dict ? "{" : "[", 1);
    for (c = j->child; rc == 0 && c != NULL; c = c->next) {
        if (c != j->child && (rc = put(r, at, out, ", ", 2)) != 0)
            break;
        if (dict) {
            const char *k = c->string != NULL ? c->string : "";
            if ((rc = write_repr_str(r, at, k, strlen(k), out)) != 0 ||
                (rc = put(r, at, out, ": ", 2)) != 0)
                break;
        }
        tv_from_json(c, 0, &item);
        rc = write_value(r, at, &item, 1, depth + 1, out);
    }
    return rc != 0 ? rc : put(r, at, out, dict ? "}" : "]", 1);
}

static int write_value(struct tpl_render *r, const struct tpl_node *at, const struct tval *v,
                       int repr, int depth, struct buf *out)
{
    char tmp[64];
    switch (v->kind) {
    case TV_UNDEF:
        return repr ? put(r, at, out, "Undefined", 9) : 0;
    case TV_NONE:
        return put(r, at, out, "None", 4);
    case TV_BOOL:
        return put(r, at, out, v->i ? "True" : "False", v->i ? 4 : 5);
    case TV_INT:
    case TV_FLOAT:
        if (v->s != NULL)
            return put(r, at, out, v->s, v->len);
        if (v->kind == TV_INT)
            snprintf(tmp, sizeof(tmp), "%lld", v->i);
        else
            tpl_float_repr(v->f, tmp, sizeof(tmp));
        return put(r, at, out, tmp, strlen(tmp));
    case TV_STR:
        return repr ? write_repr_str(r, at, v->s, v->len, out) : put(r, at, out, v->s, v->len);
    case TV_LIST:
    case TV_DICT:
        return write_container(r, at, v->j, depth, out);
    case TV_LOOP:
        snprintf(tmp, sizeof(tmp), "<LoopContext %ld/%ld>", v->loop->index0 + 1, v->loop->length);
        return put(r, at, out, tmp, strlen(tmp));
    }
    return 0;
}

int tv_write_str(struct tpl_render *r, const struct tpl_node *at, const struct tval *v,
                 struct buf *out)
{
    return write_value(r, at, v, 0, 0, out);
}

static int is_num(const struct tval *v)
{
    return v->kind == TV_INT || v->kind == TV_FLOAT || v->kind == TV_BOOL;
}

static double num_d(const struct tval *v)
{
    return v->kind == TV_FLOAT ? v->f : (double)v->i;
}

static int equal_d(struct tpl_render *r, const struct tpl_node *at, const struct tval *a,
                   const struct tval *b, int depth, int *eq)
{
    const cJSON *x, *y;
    int rc = 0;
    *eq = 0;
    if (depth > r->max_depth * 8)
        return tpl_fail(r, at, TEMPLATE_ELIMIT, "value nested too deeply");
    if (is_num(a) && is_num(b)) {
        *eq = a->kind != TV_FLOAT && b->kind != TV_FLOAT ? a->i == b->i : num_d(a) == num_d(b);
    } else if (a->kind != b->kind) {
        *eq = 0;
    } else if (a->kind == TV_STR) {
        *eq = a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
    } else if (a->kind == TV_LIST) {
        for (x = a->j->child, y = b->j->child; rc == 0 && x != NULL && y != NULL;
             x = x->next, y = y->next) {
            struct tval u, w;
            tv_from_json(x, 0, &u);
            tv_from_json(y, 0, &w);
            if ((rc = equal_d(r, at, &u, &w, depth + 1, eq)) != 0 || !*eq)
                return rc;
        }
        *eq = x == NULL && y == NULL;
    } else if (a->kind == TV_DICT) {
        if (cJSON_GetArraySize(a->j) != cJSON_GetArraySize(b->j))
            return 0;
        for (x = a->j->child; rc == 0 && x != NULL; x = x->next) {
            struct tval u, w;
            y = cJSON_GetObjectItemCaseSensitive(b->j, x->string);
            if (y == NULL)
                return 0;
            tv_from_json(x, 0, &u);
            tv_from_json(y, 0, &w);
            if ((rc = equal_d(r, at, &u, &w, depth + 1, eq)) != 0 || !*eq)
                return rc;
        }
        *eq = 1;
    } else if (a->kind == TV_LOOP) {
        *eq = a->loop == b->loop;
    } else {
        *eq = 1; /* None == None, Undefined == Undefined */
    }
    return rc;
}

int tv_equal(struct tpl_render *r, const struct tpl_node *at, const struct tval *a,
             const struct tval *b, int *eq)
{
    return equal_d(r, at, a, b, 0, eq);
}

/* Python's str ordering: by code point, which is UTF-8 byte order. */
static int cmp_str(const char *a, size_t al, const char *b, size_t bl)
{
    int c = al > 0 && bl > 0 ? memcmp(a, b, al < bl ? al : bl) : 0;
    if (c != 0)
        return c < 0 ? -1 : 1;
    return al < bl ? -1 : al > bl ? 1 : 0;
}

static int compare_d(struct tpl_render *r, const struct tpl_node *at, const struct tval *a,
                     const struct tval *b, int icase, int depth, int *cmp)
{
    if (depth > r->max_depth * 8)
        return tpl_fail(r, at, TEMPLATE_ELIMIT, "value nested too deeply");
    if (is_num(a) && is_num(b)) {
        if (a->kind != TV_FLOAT && b->kind != TV_FLOAT)
            *cmp = a->i < b->i ? -1 : a->i > b->i;
        else
            *cmp = num_d(a) < num_d(b) ? -1 : num_d(a) > num_d(b);
        return 0;
    }
    if (a->kind == TV_STR && b->kind == TV_STR) {
        if (!icase) /* icase: a.lower() against b.lower(), as Jinja's ignore_case */
            *cmp = cmp_str(a->s, a->len, b->s, b->len);
        else if (tpl_u_casecmp(a->s, a->len, b->s, b->len, cmp) != 0)
            return tpl_fail(r, at, TEMPLATE_ENOMEM, "out of memory");
        return 0;
    }
    if (a->kind == TV_LIST && b->kind == TV_LIST) {
        const cJSON *x = a->j->child, *y = b->j->child;
        for (; x != NULL && y != NULL; x = x->next, y = y->next) {
            struct tval u, w;
            int eq, rc;
            tv_from_json(x, 0, &u);
            tv_from_json(y, 0, &w);
            if ((rc = equal_d(r, at, &u, &w, depth + 1, &eq)) != 0)
                return rc;
            if (!eq) /* Jinja lowercases strings only, not what a list holds */
                return compare_d(r, at, &u, &w, 0, depth + 1, cmp);
        }
        *cmp = x == NULL ? (y == NULL ? 0 : -1) : 1;
        return 0;
    }
    return tpl_fail(r, at, TEMPLATE_ERENDER, "cannot compare '%s' with '%s'", tv_type_name(a),
                    tv_type_name(b));
}

int tv_compare(struct tpl_render *r, const struct tpl_node *at, const struct tval *a,
               const struct tval *b, int icase, int *cmp)
{
    return compare_d(r, at, a, b, icase, 0, cmp);
}

/* Member of a dict by name; case-insensitive (last match) for headers. */
static const cJSON *dict_get(const cJSON *d, const char *name, size_t len, int icase)
{
    const cJSON *c, *found = NULL;
    for (c = d->child; c != NULL; c = c->next) {
        if (c->string == NULL || strlen(c->string) != len)
            continue;
        if (icase ? strncasecmp(c->string, name, len) == 0 : memcmp(c->string, name, len) == 0)
            found = c;
    }
    return found;
}

int tv_contains(struct tpl_render *r, const struct tpl_node *at, const struct tval *hay,
                const struct tval *needle, int *in)
{
    struct tv_iter it;
    struct tval item;
    int rc;
    *in = 0;
    if (hay->kind == TV_STR) {
        if (needle->kind != TV_STR)
            return tpl_fail(r, at, TEMPLATE_ERENDER,
                            "'in <string>' requires string as left "
                            "operand, not %s",
                            tv_type_name(needle));
        *in = needle->len == 0 || memmem(hay->s, hay->len, needle->s, needle->len) != NULL;
        return 0;
    }
    if (hay->kind == TV_DICT) {
        *in = needle->kind == TV_STR &&
              dict_get(hay->j, needle->s, needle->len, (hay->flags & TVF_ICASE) != 0) != NULL;
        return 0;
    }
    if (tv_iter_begin(hay, &it) != 0)
        return tpl_fail(r, at, TEMPLATE_ERENDER, "argument of type '%s' is not iterable",
                        tv_type_name(hay));
    while (tv_iter_next(&it, &item) == 1) {
        if ((rc = tv_equal(r, at, &item, needle, in)) != 0 || *in)
            return rc;
    }
    return 0;
}

static void loop_attr(const struct tpl_loop *l, const char *name, struct tval *out)
{
    if (strcmp(name, "index") == 0)
        tv_int(l->index0 + 1, out);
    else if (strcmp(name, "index0") == 0)
        tv_int(l->index0, out);
    else if (strcmp(name, "revindex") == 0)
        tv_int(l->length - l->index0, out);
    else if (strcmp(name, "revindex0") == 0)
        tv_int(l->length - l->index0 - 1, out);
    else if (strcmp(name, "first") == 0)
        tv_bool(l->index0 == 0, out);
    else if (strcmp(name, "last") == 0)
        tv_bool(l->index0 == l->length - 1, out);
    else if (strcmp(name, "length") == 0)
        tv_int(l->length, out);
    else if (strcmp(name, "depth") == 0 || strcmp(name, "depth0") == 0) {
        long d = 0;
        for (const struct tpl_loop *p = l->parent; p != NULL; p = p->parent)
            d++;
        tv_int(d + (name[5] == '\0'), out);
    }
}

int tv_getattr(struct tpl_render *r, const struct tpl_node *at, const struct tval *c,
               const char *name, size_t len, struct tval *out)
{
    (void)r;
    (void)at;
    memset(out, 0, sizeof(*out));
    if (c->kind == TV_DICT) {
        const cJSON *m = dict_get(c->j, name, len, (c->flags & TVF_ICASE) != 0);
        unsigned flags = c->flags & TVF_MORTAL;
        if (m == NULL)
            return 0;
        if ((c->flags & TVF_OWNED) && !(c->flags & TVF_MORTAL))
            flags |= TVF_MORTAL; /* the container is a temporary */
        if ((c->flags & TVF_ENVELOPE) && len == 7 && memcmp(name, "headers", 7) == 0)
            flags |= TVF_ICASE;
        if (c->flags & TVF_NODES)
            flags |= TVF_ENVELOPE;
        tv_from_json(m, flags, out);
    } else if (c->kind == TV_LOOP) {
        loop_attr(c->loop, name, out);
    }
    return 0;
}

/* Byte offset of the k-th character (UTF-8) of s, or len. */
static size_t utf8_offset(const char *s, size_t len, size_t k)
{
    size_t i = 0;
    while (i < len && k > 0) {
        i++;
        while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
        k--;
    }
    return i;
}

size_t tpl_utf8_count(const char *s, size_t len)
{
    size_t n = 0, i;
    for (i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

int tv_getitem(struct tpl_render *r, const struct tpl_node *at, const struct tval *c,
               const struct tval *key, struct tval *out)
{
    memset(out, 0, sizeof(*out));
    if (key->kind == TV_STR)
        return tv_getattr(r, at, c, key->s, key->len, out);
    if ((key->kind == TV_INT || key->kind == TV_BOOL) &&
        (c->kind == TV_LIST || c->kind == TV_STR)) {
        long long n = tv_length(c), k = key->i < 0 ? key->i + n : key->i;
        unsigned flags = c->flags & TVF_MORTAL;
        if ((c->flags & TVF_OWNED) && !(c->flags & TVF_MORTAL))
            flags |= TVF_MORTAL;
        if (k < 0 || k >= n)
            return 0;
        if (c->kind == TV_LIST) {
            tv_from_json(cJSON_GetArrayItem(c->j, (int)k), flags, out);
        } else {
            size_t a = utf8_offset(c->s, c->len, (size_t)k);
            size_t b = a + utf8_offset(c->s + a, c->len - a, 1);
            tv_str_borrow(c->s + a, b - a, out);
            out->flags = flags;
        }
    }
    return 0;
}

long tv_length(const struct tval *v)
{
    switch (v->kind) {
    case TV_STR:
        return (long)tpl_utf8_count(v->s, v->len);
    case TV_LIST:
    case TV_DICT:
        return cJSON_GetArraySize(v->j);
    case TV_UNDEF:
        return 0;
    default:
        return -1;
    }
}

int tv_iter_begin(const struct tval *v, struct tv_iter *it)
{
    memset(it, 0, sizeof(*it));
    it->v = v;
    if (v->kind == TV_LIST || v->kind == TV_DICT)
        it->node = v->j->child;
    return v->kind == TV_LIST || v->kind == TV_DICT || v->kind == TV_STR || v->kind == TV_UNDEF
               ? 0
               : -1;
}

int tv_iter_next(struct tv_iter *it, struct tval *out)
{
    const struct tval *v = it->v;
    unsigned flags = v->flags & TVF_MORTAL;
    if ((v->flags & TVF_OWNED) && !(v->flags & TVF_MORTAL))
        flags |= TVF_MORTAL;
    if (v->kind == TV_LIST || v->kind == TV_DICT) {
        if (it->node == NULL)
            return 0;
        if (v->kind == TV_LIST) {
            tv_from_json(it->node, flags, out);
        } else {
            const char *k = it->node->string != NULL ? it->node->string : "";
            tv_str_borrow(k, strlen(k), out);
            out->flags = flags;
        }
        it->node = it->node->next;
        return 1;
    }
    if (v->kind == TV_STR && it->pos < v->len) {
        size_t n = utf8_offset(v->s + it->pos, v->len - it->pos, 1);
        tv_str_borrow(v->s + it->pos, n, out);
        out->flags = flags;
        it->pos += n;
        return 1;
    }
    return 0;
}

cJSON *tv_take_json(struct tpl_render *r, const struct tpl_node *at, struct tval *v)
{
    cJSON *j = NULL;
    char tmp[64];
    if ((v->kind == TV_LIST || v->kind == TV_DICT) && !(v->flags & TVF_OWNED)) {
        v->flags |= TVF_MORTAL;
        if (tv_detach(r, at, v) != 0)
            return NULL;
    }
    if (tpl_charge(r, at, 32 + (v->kind == TV_STR ? v->len : 0)) != 0)
        return NULL;
    switch (v->kind) {
    case TV_BOOL:
        j = cJSON_CreateBool((int)v->i);
        break;
    case TV_INT:
    case TV_FLOAT:
        if (v->s == NULL) {
            if (v->kind == TV_INT)
                snprintf(tmp, sizeof(tmp), "%lld", v->i);
            else
                tpl_float_repr(v->f, tmp, sizeof(tmp));
        }
        j = cJSON_CreateNumber(num_d(v));
        if (j != NULL && (j->valuestring = strdup(v->s != NULL ? v->s : tmp)) == NULL) {
            cJSON_Delete(j);
            j = NULL;
        }
        break;
    case TV_STR:
        j = cJSON_CreateString("");
        if (j != NULL) {
            char *s = strndup(v->s, v->len);
            cJSON_free(j->valuestring);
            j->valuestring = s;
            if (s == NULL) {
                cJSON_Delete(j);
                j = NULL;
            }
        }
        break;
    case TV_LIST:
    case TV_DICT:
        j = v->j;
        v->flags &= ~TVF_OWNED;
        break;
    default:
        j = cJSON_CreateNull();
    }
    tv_free(v);
    if (j == NULL)
        tpl_fail(r, at, TEMPLATE_ENOMEM, "out of memory");
    return j;
}
