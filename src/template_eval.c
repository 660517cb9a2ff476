/* template_eval: compiles (lex + parse) and renders templates. Rendering
 * walks the tree with Jinja's semantics: `set` binds in the innermost scope,
 * a for loop gets a fresh scope on every iteration (so a set inside a loop
 * never leaks out), undefined values chain and render empty with a warning.
 * Output goes through the mode's escaping (template.h). Loop iterations,
 * output size and created values are counted against the limits. */
#include "template_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tpl_fail(struct tpl_render *r, const struct tpl_node *at, int code, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    r->last_rc = code;
    return tpl_fail_at(r->err, at != NULL ? at->line : 0, at != NULL ? at->col : 0, code, "%s",
                       msg);
}

int tpl_status(const struct tpl_render *r)
{
    return r->last_rc != 0 ? r->last_rc : TEMPLATE_ENOMEM;
}

int tpl_charge(struct tpl_render *r, const struct tpl_node *at, size_t n)
{
    r->mem_used += n;
    if (r->mem_used > r->max_memory)
        return tpl_fail(r, at, TEMPLATE_ELIMIT, "template uses too much memory (limit %zu bytes)",
                        r->max_memory);
    return 0;
}

/* The expression's source form for messages: a.b["c"][0]. */
static void expr_name(const struct tpl_node *n, struct buf *b, int depth)
{
    if (n == NULL || depth > 32) {
        buf_puts(b, "...");
        return;
    }
    switch (n->kind) {
    case N_NAME:
        buf_append(b, n->s, n->len);
        break;
    case N_GETATTR:
        expr_name(n->a, b, depth + 1);
        buf_putc(b, '.');
        buf_append(b, n->s, n->len);
        break;
    case N_GETITEM:
        expr_name(n->a, b, depth + 1);
        if (n->b->kind == N_CONST && n->b->cval.kind == CV_STR)
            buf_printf(b, "[\"%.*s\"]", (int)n->b->cval.len, n->b->cval.s);
        else if (n->b->kind == N_CONST && n->b->cval.kind == CV_INT)
            buf_printf(b, "[%lld]", n->b->cval.i);
        else
            buf_puts(b, "[...]");
        break;
    case N_FILTER:
        expr_name(n->a, b, depth + 1);
        buf_printf(b, "|%.*s", (int)n->len, n->s);
        break;
    default:
        buf_puts(b, "(expression)");
    }
}

void tpl_warn_undefined(struct tpl_render *r, const struct tpl_node *src)
{
    struct buf b;
    int k;
    if (r->warn == NULL || src == NULL)
        return;
    buf_init(&b, 150);
    buf_puts(&b, "undefined: ");
    expr_name(src, &b, 0);
    for (k = 0; k < r->warn->count; k++)
        if (strcmp(r->warn->msg[k], buf_str(&b)) == 0)
            goto out;
    if (r->warn->count < TEMPLATE_MAX_WARNINGS)
        snprintf(r->warn->msg[r->warn->count++], sizeof(r->warn->msg[0]), "%s", buf_str(&b));
    else
        r->warn->dropped++;
out:
    buf_free(&b);
}

/* ---- scopes ---- */
int tpl_scope_set(struct tpl_render *r, const struct tpl_node *at, const char *name, struct tval *v,
                  int detach)
{
    struct tpl_scope *s = r->scope;
    int k, rc = detach ? tv_detach(r, at, v) : 0;
    if (rc != 0)
        return rc;
    for (k = 0; k < s->n; k++)
        if (strcmp(s->vars[k].name, name) == 0) {
            tv_free(&s->vars[k].v);
            s->vars[k].v = *v;
            memset(v, 0, sizeof(*v));
            return 0;
        }
    if (s->n == s->cap) {
        int cap = s->cap ? s->cap * 2 : 8;
        struct tpl_var *vars = realloc(s->vars, (size_t)cap * sizeof(*vars));
        if (vars == NULL)
            return tpl_fail(r, at, TEMPLATE_ENOMEM, "out of memory");
        s->vars = vars;
        s->cap = cap;
    }
    s->vars[s->n].name = name;
    s->vars[s->n++].v = *v;
    memset(v, 0, sizeof(*v));
    return 0;
}

static void lookup_name(struct tpl_render *r, const struct tpl_node *n, struct tval *out)
{
    const struct tpl_scope *s;
    const cJSON *j;
    memset(out, 0, sizeof(*out));
    for (s = r->scope; s != NULL; s = s->parent)
        for (int k = 0; k < s->n; k++)
            if (strcmp(s->vars[k].name, n->s) == 0) {
                *out = s->vars[k].v;
                if (out->flags & (TVF_OWNED | TVF_MORTAL))
                    out->flags = (out->flags & ~TVF_OWNED) | TVF_MORTAL;
                return;
            }
    if (strcmp(n->s, "loop") == 0)
        for (s = r->scope; s != NULL; s = s->parent)
            if (s->loop != NULL) {
                out->kind = TV_LOOP;
                out->loop = s->loop;
                return;
            }
    j = cJSON_IsObject(r->ctx) ? cJSON_GetObjectItemCaseSensitive(r->ctx, n->s) : NULL;
    if (j != NULL) {
        unsigned flags = 0;
        if (strcmp(n->s, "request") == 0 || strcmp(n->s, "event") == 0)
            flags = TVF_ENVELOPE;
        else if (strcmp(n->s, "nodes") == 0)
            flags = TVF_NODES;
        tv_from_json(j, flags, out);
        return;
    }
    out->src = n;
}

/* ---- expressions ---- */
static int undefined_error(struct tpl_render *r, const struct tpl_node *at, const struct tval *v)
{
    struct buf b;
    int rc;
    buf_init(&b, 150);
    expr_name(v->src, &b, 0);
    rc = tpl_fail(r, at, TEMPLATE_ERENDER, "'%s' is undefined", buf_str(&b));
    buf_free(&b);
    return rc;
}

static void eval_const(const struct tpl_node *n, struct tval *out)
{
    memset(out, 0, sizeof(*out));
    switch (n->cval.kind) {
    case CV_NONE:
        out->kind = TV_NONE;
        break;
    case CV_BOOL:
        tv_bool((int)n->cval.i, out);
        break;
    case CV_INT:
        tv_int(n->cval.i, out);
        break;
    case CV_FLOAT:
        tv_float(n->cval.f, out);
        out->s = n->cval.s; /* digits of a huge integer literal */
        out->len = n->cval.len;
        break;
    case CV_STR:
        tv_str_borrow(n->cval.s, n->cval.len, out);
        break;
    }
}

/* c[key] or c.name; the result is made independent of c when c is a
 * temporary that is freed here. */
static int eval_lookup(struct tpl_render *r, const struct tpl_node *n, struct tval *out)
{
    struct tval c, key;
    int rc = tpl_eval(r, n->a, &c);
    memset(&key, 0, sizeof(key));
    if (rc == 0 && n->kind == N_GETITEM)
        rc = tpl_eval(r, n->b, &key);
    if (rc == 0 && c.kind == TV_UNDEF)
        memset(out, 0, sizeof(*out));
    else if (rc == 0 && n->kind == N_GETATTR)
        rc = tv_getattr(r, n, &c, n->s, n->len, out);
    else if (rc == 0)
        rc = tv_getitem(r, n, &c, &key, out);
    if (rc == 0 && out->kind == TV_UNDEF)
        out->src = n;
    if (rc == 0 && (c.flags & TVF_OWNED))
        rc = tv_detach(r, n, out);
    tv_free(&c);
    tv_free(&key);
    return rc;
}

static int slice_index(struct tpl_render *r, const struct tpl_node *e, long len, long def,
                       int is_step, long *out)
{
    struct tval v;
    int rc;
    *out = def;
    if (e == NULL)
        return 0;
    if ((rc = tpl_eval(r, e, &v)) != 0)
        return rc;
    if (v.kind == TV_INT || v.kind == TV_BOOL) {
        long k = (long)v.i;
        if (is_step) {
            *out = k;
        } else {
            if (k < 0)
                k += len;
            *out = k < 0 ? 0 : k > len ? len : k;
        }
    } else if (v.kind != TV_NONE) {
        rc = tpl_fail(r, e, TEMPLATE_ERENDER, "slice indices must be integers");
    }
    tv_free(&v);
    return rc;
}

/* s[a:b:c] for lists and strings (step may be negative). */
static int eval_slice(struct tpl_render *r, const struct tpl_node *n, struct tval *out)
{
    struct tval c, item;
    long len, start, stop, step, k;
    int rc = tpl_eval(r, n->a, &c);
    struct buf b;
    cJSON *list = NULL;
    memset(out, 0, sizeof(*out));
    if (rc != 0)
        return rc;
    len = tv_length(&c);
    if (c.kind != TV_LIST && c.kind != TV_STR) {
        tv_free(&c);
        out->src = n;
        return 0;
    }
    rc = slice_index(r, n->items[2], len, 1, 1, &step);
    if (rc == 0 && step == 0)
        rc = tpl_fail(r, n, TEMPLATE_ERENDER, "slice step cannot be zero");
    if (rc == 0)
        rc = slice_index(r, n->items[0], len, step > 0 ? 0 : len - 1, 0, &start);
    if (rc == 0)
        rc = slice_index(r, n->items[1], len, step > 0 ? len : -1, 0, &stop);
    if (rc == 0 && step < 0 && n->items[0] != NULL && start >= len)
        start = len - 1;
    if (rc == 0 && step < 0 && n->items[1] != NULL && stop <= 0) {
        struct tval v;
        rc = tpl_eval(r, n->items[1], &v);
        if (rc == 0 && (v.kind == TV_INT) && v.i + len < 0)
            stop = -1;
        tv_free(&v);
    }
    buf_init(&b, r->max_memory);
    if (rc == 0 && c.kind == TV_LIST && (list = cJSON_CreateArray()) == NULL)
        rc = tpl_fail(r, n, TEMPLATE_ENOMEM, "out of memory");
    for (k = start; rc == 0 && (step > 0 ? k < stop : k > stop); k += step) {
        struct tval key;
        tv_int(k, &key);
        if ((rc = tv_getitem(r, n, &c, &key, &item)) != 0)
            break;
        if (c.kind == TV_STR) {
            buf_append(&b, item.s, item.len);
        } else {
            item.flags |= TVF_MORTAL;
            cJSON *j = tv_take_json(r, n, &item);
            if (j == NULL)
                rc = tpl_status(r);
            else
                cJSON_AddItemToArray(list, j);
        }
    }
    if (rc == 0 && c.kind == TV_STR)
        rc = tv_str_own(r, n, &b, out);
    else if (rc == 0) {
        out->kind = TV_LIST;
        out->j = list;
        out->flags = TVF_OWNED;
        list = NULL;
    }
    buf_free(&b);
    cJSON_Delete(list);
    tv_free(&c);
    return rc;
}

static void free_args(struct tval *args, int n)
{
    for (int k = 0; k < n; k++)
        tv_free(&args[k]);
}

/* Evaluates a call's arguments into args, which holds TPL_MAX_ARGS values
 * (the parser refuses calls with more). On failure nothing is left for the
 * caller to free; on success the caller frees n->nitems values. */
static int eval_args(struct tpl_render *r, const struct tpl_node *n, struct tval *args)
{
    int k, rc;
    if (n->nitems > TPL_MAX_ARGS)
        return tpl_fail(r, n, TEMPLATE_ELIMIT, "too many arguments (limit %d)", TPL_MAX_ARGS);
    for (k = 0; k < n->nitems; k++) {
        if ((rc = tpl_eval(r, n->items[k], &args[k])) != 0) {
            free_args(args, k); /* a failed tpl_eval owns nothing */
            return rc;
        }
    }
    return 0;
}

/* range(stop) / range(start, stop[, step]) */
static int eval_range(struct tpl_render *r, const struct tpl_node *n, struct tval *args,
                      struct tval *out)
{
    long long a = 0, b, step = 1, k, count;
    cJSON *list;
    for (k = 0; k < n->nitems; k++)
        if (args[k].kind != TV_INT && args[k].kind != TV_BOOL)
            return tpl_fail(r, n, TEMPLATE_ERENDER, "range() takes integers");
    if (n->nitems < 1 || n->nitems > 3)
        return tpl_fail(r, n, TEMPLATE_ERENDER, "range() takes 1 to 3 arguments");
    b = args[n->nitems == 1 ? 0 : 1].i;
    if (n->nitems >= 2)
        a = args[0].i;
    if (n->nitems == 3)
        step = args[2].i;
    if (step == 0)
        return tpl_fail(r, n, TEMPLATE_ERENDER, "range() arg 3 must not be zero");
    count = step > 0 ? (b > a ? (b - a + step - 1) / step : 0)
                     : (a > b ? (a - b - step - 1) / -step : 0);
    if (count > r->max_iterations)
        return tpl_fail(r, n, TEMPLATE_ELIMIT, "range too large (limit %ld)", r->max_iterations);
    if ((list = cJSON_CreateArray()) == NULL)
        return tpl_fail(r, n, TEMPLATE_ENOMEM, "out of memory");
    for (k = 0; k < count; k++) {
        struct tval v;
        cJSON *j;
        tv_int(a + k * step, &v);
        if ((j = tv_take_json(r, n, &v)) == NULL) {
            cJSON_Delete(list);
            return tpl_status(r);
        }
        cJSON_AddItemToArray(list, j);
    }
    memset(out, 0, sizeof(*out));
    out->kind = TV_LIST;
    out->j = list;
    out->flags = TVF_OWNED;
    return 0;
}

static int eval_call(struct tpl_render *r, const struct tpl_node *n, struct tval *out)
{
    struct tval args[TPL_MAX_ARGS], self;
    int rc;
    memset(out, 0, sizeof(*out));
    if ((rc = eval_args(r, n, args)) != 0)
        return rc;
    memset(&self, 0, sizeof(self));
    if (n->a->kind == N_GETATTR) {
        if ((rc = tpl_eval(r, n->a->a, &self)) == 0)
            rc = tpl_method(r, n, &self, n->a->s, args, n->nitems, out);
    } else if (n->a->kind == N_NAME && strcmp(n->a->s, "range") == 0) {
        rc = eval_range(r, n, args, out);
    } else {
        rc = tpl_fail(r, n, TEMPLATE_ERENDER, "object is not callable");
    }
    tv_free(&self);
    free_args(args, n->nitems);
    return rc;
}

static int eval_filter_or_test(struct tpl_render *r, const struct tpl_node *n, struct tval *out)
{
    struct tval args[TPL_MAX_ARGS], val;
    int rc = tpl_eval(r, n->a, &val), res = 0;
    if (rc == 0)
        rc = eval_args(r, n, args);
    if (rc != 0) {
        tv_free(&val);
        return rc;
    }
    if (n->kind == N_FILTER) {
        if (val.kind == TV_UNDEF && strcmp(n->s, "default") != 0 && strcmp(n->s, "d") != 0)
            tpl_warn_undefined(r, val.src);
        rc = tpl_filter(r, n, &val, args, n->nitems, out);
    } else {
        rc = tpl_test(r, n, n->s, &val, args, n->nitems, &res);
        tv_bool(n->op ? !res : res, out);
    }
    tv_free(&val);
    free_args(args, n->nitems);
    return rc;
}

static int eval_container(struct tpl_render *r, const struct tpl_node *n, struct tval *out)
{
    cJSON *c = n->kind == N_LIST ? cJSON_CreateArray() : cJSON_CreateObject();
    int rc = c == NULL ? tpl_fail(r, n, TEMPLATE_ENOMEM, "out of memory") : 0;
    for (int k = 0; rc == 0 && k < n->nitems; k++) {
        struct tval key, v;
        cJSON *j;
        if (n->kind == N_DICT) {
            if ((rc = tpl_eval(r, n->items[k++], &key)) != 0)
                break;
            if (key.kind != TV_STR) {
                tv_free(&key);
                rc = tpl_fail(r, n->items[k - 1], TEMPLATE_ERENDER, "dict keys must be strings");
                break;
            }
        }
        if ((rc = tpl_eval(r, n->items[k], &v)) != 0 || (j = tv_take_json(r, n, &v)) == NULL) {
            rc = rc != 0 ? rc : tpl_status(r);
            if (n->kind == N_DICT)
                tv_free(&key);
            break;
        }
        if (n->kind == N_LIST) {
            cJSON_AddItemToArray(c, j);
        } else {
            char *name = strndup(key.s, key.len);
            tv_free(&key);
            if (name == NULL || cJSON_GetObjectItemCaseSensitive(c, name) != NULL
                    ? !cJSON_ReplaceItemInObjectCaseSensitive(c, name, j)
                    : !cJSON_AddItemToObject(c, name, j))
                rc = tpl_fail(r, n, TEMPLATE_ENOMEM, "out of memory");
            free(name);
        }
    }
    if (rc != 0) {
        cJSON_Delete(c);
        return rc;
    }
    memset(out, 0, sizeof(*out));
    out->kind = n->kind == N_LIST ? TV_LIST : TV_DICT;
    out->j = c;
    out->flags = TVF_OWNED;
    return 0;
}

static int eval_compare(struct tpl_render *r, const struct tpl_node *n, struct tval *out)
{
    struct tval left, right;
    int rc = tpl_eval(r, n->a, &left), res = 1, k;
    for (k = 0; rc == 0 && res && k < n->nitems; k++) {
        int op = n->ops[k], c = 0;
        if ((rc = tpl_eval(r, n->items[k], &right)) != 0)
            break;
        if (op == OP_EQ || op == OP_NE) {
            rc = tv_equal(r, n, &left, &right, &c);
            res = op == OP_EQ ? c : !c;
        } else if (op == OP_IN || op == OP_NOTIN) {
            rc = tv_contains(r, n, &right, &left, &c);
            res = op == OP_IN ? c : !c;
        } else {
            if (left.kind == TV_UNDEF || right.kind == TV_UNDEF)
                rc = undefined_error(r, n, left.kind == TV_UNDEF ? &left : &right);
            else
                rc = tv_compare(r, n, &left, &right, 0, &c);
            res = op == OP_LT ? c < 0 : op == OP_LE ? c <= 0 : op == OP_GT ? c > 0 : c >= 0;
        }
        tv_free(&left);
        left = right;
    }
    tv_free(&left);
    if (rc == 0)
        tv_bool(res, out);
    return rc;
}

static int eval_concat(struct tpl_render *r, const struct tpl_node *n, struct tval *out)
{
    struct buf b;
    int rc = 0;
    buf_init(&b, r->max_output);
    for (int k = 0; rc == 0 && k < 2; k++) {
        struct tval v;
        if ((rc = tpl_eval(r, k == 0 ? n->a : n->b, &v)) == 0)
            rc = tv_write_str(r, n, &v, &b);
        tv_free(&v);
    }
    if (rc == 0)
        return tv_str_own(r, n, &b, out);
    buf_free(&b);
    return rc;
}

static int eval_unary(struct tpl_render *r, const struct tpl_node *n, struct tval *out)
{
    struct tval v, zero;
    int rc = tpl_eval(r, n->a, &v);
    if (rc != 0)
        return rc;
    if (n->kind == N_NOT) {
        tv_bool(!tv_truthy(&v), out);
    } else if (v.kind == TV_UNDEF) {
        rc = undefined_error(r, n, &v);
    } else if (v.kind != TV_INT && v.kind != TV_FLOAT && v.kind != TV_BOOL) {
        rc = tpl_fail(r, n, TEMPLATE_ERENDER, "bad operand type for unary %c: '%s'",
                      n->kind == N_NEG ? '-' : '+', tv_type_name(&v));
    } else if (v.kind == TV_FLOAT && n->kind == N_NEG) {
        tv_float(-v.f, out);
    } else {
        tv_int(0, &zero);
        if (n->kind == N_NEG)
            rc = tpl_arith(r, n, OP_SUB, &zero, &v, out);
        else
            rc = tpl_arith(r, n, OP_ADD, &zero, &v, out);
    }
    tv_free(&v);
    return rc;
}

static int eval_binop(struct tpl_render *r, const struct tpl_node *n, struct tval *out)
{
    struct tval a, b;
    int rc = tpl_eval(r, n->a, &a);
    if (rc != 0)
        return rc;
    if ((rc = tpl_eval(r, n->b, &b)) == 0)
        rc = tpl_arith(r, n, n->op, &a, &b, out);
    tv_free(&a);
    tv_free(&b);
    return rc;
}

int tpl_eval(struct tpl_render *r, const struct tpl_node *n, struct tval *out)
{
    int rc;
    memset(out, 0, sizeof(*out));
    switch (n->kind) {
    case N_CONST:
        eval_const(n, out);
        return 0;
    case N_NAME:
        lookup_name(r, n, out);
        return 0;
    case N_GETATTR:
    case N_GETITEM:
        return eval_lookup(r, n, out);
    case N_SLICE:
        return eval_slice(r, n, out);
    case N_CALL:
        return eval_call(r, n, out);
    case N_FILTER:
    case N_TEST:
        return eval_filter_or_test(r, n, out);
    case N_LIST:
    case N_DICT:
        return eval_container(r, n, out);
    case N_NEG:
    case N_POS:
    case N_NOT:
        return eval_unary(r, n, out);
    case N_BINOP:
        return eval_binop(r, n, out);
    case N_AND:
    case N_OR:
        if ((rc = tpl_eval(r, n->a, out)) != 0 || tv_truthy(out) == (n->kind == N_OR))
            return rc;
        tv_free(out);
        return tpl_eval(r, n->b, out);
    case N_COMPARE:
        return eval_compare(r, n, out);
    case N_CONCAT:
        return eval_concat(r, n, out);
    case N_COND:
        if ((rc = tpl_eval(r, n->a, out)) != 0)
            return rc;
        rc = tv_truthy(out);
        tv_free(out);
        if (rc)
            return tpl_eval(r, n->b, out);
        if (n->c != NULL)
            return tpl_eval(r, n->c, out);
        return 0; /* "x if c" without else: undefined, silently */
    default:
        return tpl_fail(r, n, TEMPLATE_ERENDER, "not an expression");
    }
}
