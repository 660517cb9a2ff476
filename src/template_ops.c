/* template_ops: arithmetic with Python semantics (int results stay exact
 * while they fit 64 bits, then become floats; / always gives a float; //
 * and % floor toward negative infinity), Jinja's tests (`is defined`, ...)
 * and the few methods templates call on values (s.upper(), d.items(), ...).
 * s.title() is Python's str.title(), which differs from Jinja's title
 * filter ("they're".title() is "They'Re", "they're"|title is "They're"). */
#include "template_internal.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_num(const struct tval *v)
{
    return v->kind == TV_INT || v->kind == TV_FLOAT || v->kind == TV_BOOL;
}

static double num_d(const struct tval *v)
{
    return v->kind == TV_FLOAT ? v->f : (double)v->i;
}

static const char *op_text(int op)
{
    static const char *const t[] = {"", "+", "-", "*", "/", "//", "%", "**"};
    return op >= OP_ADD && op <= OP_POW ? t[op] : "?";
}

static int int_pow(long long b, long long e, long long *out)
{
    long long r = 1;
    while (e > 0) {
        if ((e & 1) && __builtin_mul_overflow(r, b, &r))
            return -1;
        e >>= 1;
        if (e > 0 && __builtin_mul_overflow(b, b, &b))
            return -1;
    }
    *out = r;
    return 0;
}

static int int_arith(struct tpl_render *r, const struct tpl_node *at, int op, long long a,
                     long long b, struct tval *out)
{
    long long v = 0;
    int ovf = 0;
    switch (op) {
    case OP_ADD:
        ovf = __builtin_add_overflow(a, b, &v);
        break;
    case OP_SUB:
        ovf = __builtin_sub_overflow(a, b, &v);
        break;
    case OP_MUL:
        ovf = __builtin_mul_overflow(a, b, &v);
        break;
    case OP_DIV:
        if (b == 0)
            return tpl_fail(r, at, TEMPLATE_ERENDER, "division by zero");
        tv_float((double)a / (double)b, out);
        return 0;
    case OP_FLOORDIV:
    case OP_MOD:
        if (b == 0)
            return tpl_fail(r, at, TEMPLATE_ERENDER, "integer division or modulo by zero");
        if (a == LLONG_MIN && b == -1) {
            ovf = 1;
            break;
        }
        v = op == OP_FLOORDIV ? a / b : a % b;
        if (op == OP_FLOORDIV && (a % b != 0) && ((a < 0) != (b < 0)))
            v--;
        if (op == OP_MOD && v != 0 && ((v < 0) != (b < 0)))
            v += b;
        break;
    case OP_POW:
        if (b < 0) {
            if (a == 0)
                return tpl_fail(r, at, TEMPLATE_ERENDER, "0 cannot be raised to a negative power");
            tv_float(pow((double)a, (double)b), out);
            return 0;
        }
        ovf = int_pow(a, b, &v) != 0;
        break;
    }
    if (ovf) { /* beyond 64 bits: continue in floating point */
        double x = (double)a, y = (double)b;
        tv_float(op == OP_ADD   ? x + y
                 : op == OP_SUB ? x - y
                 : op == OP_MUL ? x * y
                 : op == OP_POW ? pow(x, y)
                                : floor(x / y),
                 out);
        return 0;
    }
    tv_int(v, out);
    return 0;
}

static int float_arith(struct tpl_render *r, const struct tpl_node *at, int op, double a, double b,
                       struct tval *out)
{
    double v = 0;
    if ((op == OP_DIV || op == OP_FLOORDIV || op == OP_MOD) && b == 0.0)
        return tpl_fail(r, at, TEMPLATE_ERENDER, "float division by zero");
    switch (op) {
    case OP_ADD:
        v = a + b;
        break;
    case OP_SUB:
        v = a - b;
        break;
    case OP_MUL:
        v = a * b;
        break;
    case OP_DIV:
        v = a / b;
        break;
    case OP_FLOORDIV:
        v = floor(a / b);
        break;
    case OP_MOD:
        v = fmod(a, b);
        if (v != 0 && ((v < 0) != (b < 0)))
            v += b;
        else if (v == 0)
            v = copysign(0.0, b);
        break;
    case OP_POW:
        if (a == 0.0 && b < 0)
            return tpl_fail(r, at, TEMPLATE_ERENDER, "0.0 cannot be raised to a negative power");
        v = pow(a, b);
        break;
    }
    tv_float(v, out);
    return 0;
}

/* Appends a copy of every item of src to list. */
static int append_items(struct tpl_render *r, const struct tpl_node *at, cJSON *list,
                        const struct tval *src)
{
    struct tv_iter it;
    struct tval item;
    int rc = 0;

    tv_iter_begin(src, &it);
    while (rc == 0 && tv_iter_next(&it, &item) == 1) {
        cJSON *j;
        item.flags |= TVF_MORTAL;
        j = tv_take_json(r, at, &item);
        if (j == NULL)
            rc = tpl_status(r);
        else
            cJSON_AddItemToArray(list, j);
    }
    return rc;
}

/* str * n and list * n */
static int repeat(struct tpl_render *r, const struct tpl_node *at, const struct tval *s,
                  long long n, struct tval *out)
{
    struct buf b;
    long long k;
    int rc = 0;
    /* Nothing to repeat gives nothing at once: counting to n (up to 2^63)
     * to append nothing would hang the render. */
    long len = s->kind == TV_STR ? (long)(s->len > 0) : tv_length(s);
    if (len <= 0)
        n = 0;
    if (s->kind == TV_STR) {
        if (n > 0 && (size_t)n > r->max_output / s->len)
            return tpl_fail(r, at, TEMPLATE_ELIMIT, "string too large");
        buf_init(&b, r->max_output);
        for (k = 0; rc == 0 && k < n; k++)
            rc = buf_append(&b, s->s, s->len);
        return rc != 0 ? tpl_fail(r, at, TEMPLATE_ENOMEM, "out of memory")
                       : tv_str_own(r, at, &b, out);
    }
    /* A list of more items than the output may hold bytes could never be
     * shown; like a string, it is refused before it is built. */
    if (n > 0 && (unsigned long long)n > r->max_output / (unsigned long)len)
        return tpl_fail(r, at, TEMPLATE_ELIMIT, "list too large");
    cJSON *list;
    if ((rc = tpl_new_list(r, at, &list)) != 0)
        return rc;
    for (k = 0; rc == 0 && k < n; k++)
        rc = append_items(r, at, list, s);
    return tpl_list_result(list, rc, out);
}

static int concat_lists(struct tpl_render *r, const struct tpl_node *at, const struct tval *a,
                        const struct tval *b, struct tval *out)
{
    cJSON *list;
    int rc = tpl_new_list(r, at, &list);

    if (rc != 0)
        return rc;
    rc = append_items(r, at, list, a);
    if (rc == 0)
        rc = append_items(r, at, list, b);
    return tpl_list_result(list, rc, out);
}

int tpl_arith(struct tpl_render *r, const struct tpl_node *at, int op, const struct tval *a,
              const struct tval *b, struct tval *out)
{
    memset(out, 0, sizeof(*out));
    if (is_num(a) && is_num(b)) {
        if (a->kind != TV_FLOAT && b->kind != TV_FLOAT)
            return int_arith(r, at, op, a->i, b->i, out);
        return float_arith(r, at, op, num_d(a), num_d(b), out);
    }
    if (op == OP_ADD && a->kind == TV_STR && b->kind == TV_STR) {
        struct buf s;
        buf_init(&s, r->max_output);
        if (buf_append(&s, a->s, a->len) != 0 || buf_append(&s, b->s, b->len) != 0) {
            buf_free(&s);
            return tpl_fail(r, at, TEMPLATE_ELIMIT, "string too large");
        }
        return tv_str_own(r, at, &s, out);
    }
    if (op == OP_ADD && a->kind == TV_LIST && b->kind == TV_LIST)
        return concat_lists(r, at, a, b, out);
    if (op == OP_MUL && (a->kind == TV_STR || a->kind == TV_LIST) &&
        (b->kind == TV_INT || b->kind == TV_BOOL))
        return repeat(r, at, a, b->i, out);
    if (op == OP_MUL && (b->kind == TV_STR || b->kind == TV_LIST) &&
        (a->kind == TV_INT || a->kind == TV_BOOL))
        return repeat(r, at, b, a->i, out);
    if (a->kind == TV_UNDEF || b->kind == TV_UNDEF) {
        struct tval e = a->kind == TV_UNDEF ? *a : *b;
        (void)e;
        return tpl_fail(r, at, TEMPLATE_ERENDER, "undefined value in arithmetic");
    }
    return tpl_fail(r, at, TEMPLATE_ERENDER, "unsupported operand type(s) for %s: '%s' and '%s'",
                    op_text(op), tv_type_name(a), tv_type_name(b));
}

/* ---- tests ---- */
static int compare_test(struct tpl_render *r, const struct tpl_node *n, const char *name,
                        struct tval *val, struct tval *arg, int *res)
{
    static const char *const names[][3] = {{"eq", "equalto", "=="},    {"ne", "!=", ""},
                                           {"lt", "lessthan", "<"},    {"le", "<=", ""},
                                           {"gt", "greaterthan", ">"}, {"ge", ">=", ""}};
    int k, c = 0, rc;
    for (k = 0; k < 6; k++)
        if (!strcmp(name, names[k][0]) || !strcmp(name, names[k][1]) ||
            (names[k][2][0] && !strcmp(name, names[k][2])))
            break;
    if (k == 6)
        return 1;
    if (arg == NULL)
        return tpl_fail(r, n, TEMPLATE_ERENDER, "test '%s' needs an argument", name);
    if (k < 2) {
        rc = tv_equal(r, n, val, arg, &c);
        *res = k == 0 ? c : !c;
        return rc;
    }
    if ((rc = tv_compare(r, n, val, arg, 0, &c)) != 0)
        return rc;
    *res = k == 2 ? c < 0 : k == 3 ? c <= 0 : k == 4 ? c > 0 : c >= 0;
    return 0;
}

/* Jinja's `is upper` / `is lower`: str(value).isupper() / .islower(). */
static int case_test(struct tpl_render *r, const struct tpl_node *n, const struct tval *v,
                     int upper, int *res)
{
    struct buf b;
    int rc;
    if (v->kind == TV_STR || v->kind == TV_UNDEF) { /* str(Undefined) is "" */
        *res = v->kind == TV_STR && tpl_u_is_cased(v->s, v->len, upper);
        return 0;
    }
    buf_init(&b, r->max_output);
    rc = tv_write_str(r, n, v, &b);
    *res = rc == 0 && tpl_u_is_cased(buf_str(&b), b.len, upper);
    buf_free(&b);
    return rc;
}

int tpl_test(struct tpl_render *r, const struct tpl_node *n, const char *name, struct tval *val,
             struct tval *args, int nargs, int *res)
{
    enum tv_kind k = val->kind;
    int rc;
    *res = 0;
    if (!strcmp(name, "defined"))
        *res = k != TV_UNDEF;
    else if (!strcmp(name, "undefined"))
        *res = k == TV_UNDEF;
    else if (!strcmp(name, "none"))
        *res = k == TV_NONE;
    else if (!strcmp(name, "number"))
        *res = is_num(val);
    else if (!strcmp(name, "integer"))
        *res = k == TV_INT;
    else if (!strcmp(name, "float"))
        *res = k == TV_FLOAT;
    else if (!strcmp(name, "boolean"))
        *res = k == TV_BOOL;
    else if (!strcmp(name, "true") || !strcmp(name, "false"))
        *res = k == TV_BOOL && val->i == (name[0] == 't');
    else if (!strcmp(name, "string"))
        *res = k == TV_STR;
    else if (!strcmp(name, "mapping"))
        *res = k == TV_DICT;
    else if (!strcmp(name, "sequence") || !strcmp(name, "iterable"))
        *res = k == TV_STR || k == TV_LIST || k == TV_DICT;
    else if (!strcmp(name, "callable") || !strcmp(name, "escaped"))
        *res = 0;
    else if (!strcmp(name, "lower") || !strcmp(name, "upper"))
        return case_test(r, n, val, name[0] == 'u', res);
    else if (!strcmp(name, "odd") || !strcmp(name, "even") || !strcmp(name, "divisibleby")) {
        long long d = 2;
        if (name[0] == 'd') {
            if (nargs < 1 || (args[0].kind != TV_INT && args[0].kind != TV_BOOL))
                return tpl_fail(r, n, TEMPLATE_ERENDER, "divisibleby needs an integer");
            d = args[0].i;
        }
        if ((k != TV_INT && k != TV_BOOL) || d == 0)
            return tpl_fail(r, n, TEMPLATE_ERENDER, "test '%s' needs an integer", name);
        long long m = d == -1 ? 0 : val->i % d;
        *res = name[0] == 'o' ? m != 0 : m == 0;
    } else if (!strcmp(name, "in")) {
        if (nargs < 1)
            return tpl_fail(r, n, TEMPLATE_ERENDER, "test 'in' needs an argument");
        return tv_contains(r, n, &args[0], val, res);
    } else if ((rc = compare_test(r, n, name, val, nargs > 0 ? &args[0] : NULL, res)) <= 0) {
        return rc;
    } else {
        return tpl_fail(r, n, TEMPLATE_ERENDER, "no test named '%s'", name);
    }
    return 0;
}

/* ---- methods ---- */
static int dict_view(struct tpl_render *r, const struct tpl_node *n, const struct tval *self,
                     int which, struct tval *out)
{
    cJSON *list = cJSON_CreateArray(), *c;
    int rc = list == NULL ? TEMPLATE_ENOMEM : 0;
    for (c = self->j->child; rc == 0 && c != NULL; c = c->next) {
        struct tval key, val;
        cJSON *item = NULL, *pair;
        tv_str_borrow(c->string != NULL ? c->string : "", c->string ? strlen(c->string) : 0, &key);
        tv_from_json(c, TVF_MORTAL, &val);
        if (which == 0)
            item = tv_take_json(r, n, &key);
        else if (which == 1)
            item = tv_take_json(r, n, &val);
        else if ((pair = cJSON_CreateArray()) != NULL) {
            cJSON *kj = tv_take_json(r, n, &key), *vj = tv_take_json(r, n, &val);
            cJSON_AddItemToArray(pair, kj);
            cJSON_AddItemToArray(pair, vj);
            item = kj != NULL && vj != NULL ? pair : NULL;
            if (item == NULL)
                cJSON_Delete(pair);
        }
        if (item == NULL)
            rc = tpl_status(r);
        else
            cJSON_AddItemToArray(list, item);
    }
    if (rc != 0) {
        cJSON_Delete(list);
        return rc == TEMPLATE_ENOMEM && r->err->message[0] == '\0'
                   ? tpl_fail(r, n, rc, "out of memory")
                   : rc;
    }
    memset(out, 0, sizeof(*out));
    out->kind = TV_LIST;
    out->j = list;
    out->flags = TVF_OWNED;
    return 0;
}

static int starts_ends(const struct tval *s, const struct tval *p, int ends)
{
    if (p->kind != TV_STR || p->len > s->len)
        return 0;
    return memcmp(s->s + (ends ? s->len - p->len : 0), p->s, p->len) == 0;
}

int tpl_method(struct tpl_render *r, const struct tpl_node *n, struct tval *self, const char *name,
               struct tval *args, int nargs, struct tval *out)
{
    static const char *const str_filters[][2] = {
        {"upper", "upper"}, {"lower", "lower"},     {"strip", "trim"},
        {"split", "split"}, {"replace", "replace"}, {"capitalize", "capitalize"}};
    memset(out, 0, sizeof(*out));
    if (self->kind == TV_DICT) {
        if (!strcmp(name, "items") || !strcmp(name, "keys") || !strcmp(name, "values"))
            return dict_view(r, n, self, name[0] == 'k' ? 0 : name[0] == 'v' ? 1 : 2, out);
        if (!strcmp(name, "get") && nargs >= 1) {
            if (args[0].kind == TV_STR)
                tv_getattr(r, n, self, args[0].s, args[0].len, out);
            if (out->kind == TV_UNDEF) {
                if (nargs >= 2) {
                    *out = args[1];
                    memset(&args[1], 0, sizeof(args[1]));
                } else {
                    out->kind = TV_NONE;
                }
            }
            return (self->flags & TVF_OWNED) ? tv_detach(r, n, out) : 0;
        }
    }
    if (self->kind == TV_STR) {
        if ((!strcmp(name, "startswith") || !strcmp(name, "endswith")) && nargs == 1) {
            tv_bool(starts_ends(self, &args[0], name[0] == 'e'), out);
            return 0;
        }
        if (!strcmp(name, "title") && nargs == 0) /* str.title(), not Jinja's title filter */
            return tpl_str_case(r, n, self, TPL_U_TITLE, out);
        for (size_t k = 0; k < sizeof(str_filters) / sizeof(str_filters[0]); k++) {
            if (strcmp(name, str_filters[k][0]) == 0) {
                struct tpl_node fake = *n;
                fake.kind = N_FILTER;
                fake.s = str_filters[k][1];
                return tpl_filter(r, &fake, self, args, nargs, out);
            }
        }
    }
    if (self->kind == TV_UNDEF)
        return tpl_fail(r, n, TEMPLATE_ERENDER, "cannot call '%s' on an undefined value", name);
    return tpl_fail(r, n, TEMPLATE_ERENDER, "'%s' object has no method '%s'", tv_type_name(self),
                    name);
}
