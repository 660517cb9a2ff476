/* template: the public entry points (compile, render, free) and the
 * statements of a render: data, {{ }} output with the mode's escaping, if,
 * for (with loop.*, else, and an optional `if` filter) and set. */
#include "template.h"
#include "template_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void template_limits_default(struct template_limits *l)
{
    l->max_output = TEMPLATE_MAX_OUTPUT;
    l->max_iterations = TEMPLATE_MAX_ITERATIONS;
    l->max_depth = TEMPLATE_MAX_DEPTH;
    l->max_memory = TEMPLATE_MAX_MEMORY;
}

static const char *const mode_names[] = {"text", "json", "url", "header"};

const char *template_mode_name(enum template_mode mode)
{
    return (unsigned)mode < 4 ? mode_names[mode] : "?";
}

int template_mode_parse(const char *name, enum template_mode *out)
{
    for (int k = 0; k < 4; k++)
        if (strcmp(name, mode_names[k]) == 0) {
            *out = (enum template_mode)k;
            return 0;
        }
    return -1;
}

int template_compile(const char *src, size_t len, struct template **out, struct template_error *err)
{
    struct template *t = calloc(1, sizeof(*t));
    struct tpl_tokens toks = {0};
    struct template_error dummy;
    int rc;
    *out = NULL;
    if (err == NULL)
        err = &dummy;
    memset(err, 0, sizeof(*err));
    if (t == NULL)
        return tpl_fail_at(err, 0, 0, TEMPLATE_ENOMEM, "out of memory");
    rc = tpl_lex(src, len, &t->arena, &toks, err);
    if (rc == 0)
        rc = tpl_parse(&toks, &t->arena, TEMPLATE_MAX_DEPTH * 4, &t->root, err);
    free(toks.v);
    if (rc != 0) {
        if (rc == TEMPLATE_ENOMEM)
            tpl_fail_at(err, 0, 0, rc, "out of memory");
        template_free(t);
        return rc == TEMPLATE_ENOMEM ? rc : TEMPLATE_ESYNTAX;
    }
    *out = t;
    return 0;
}

void template_free(struct template *t)
{
    if (t == NULL)
        return;
    tpl_arena_free(&t->arena);
    free(t);
}

static int out_status(struct tpl_render *r, const struct tpl_node *at, int rc)
{
    if (rc == 0)
        return 0;
    if (rc == BUF_TOOBIG)
        return tpl_fail(r, at, TEMPLATE_ELIMIT, "output too large (limit %zu bytes)",
                        r->max_output);
    return tpl_fail(r, at, TEMPLATE_ENOMEM, "out of memory");
}

static int percent_encode(const char *s, size_t len, struct buf *out)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            rc = buf_putc(out, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc = buf_append(out, e, 3);
        }
    }
    return rc;
}

/* Appends text produced by the template (literal data or a value's text),
 * escaped for the mode unless raw. */
static int emit(struct tpl_render *r, const struct tpl_node *at, const char *s, size_t len, int raw)
{
    if (r->mode == TEMPLATE_HEADER && (memchr(s, '\r', len) || memchr(s, '\n', len)))
        return tpl_fail(r, at, TEMPLATE_ERENDER, "header value contains CR or LF");
    if (raw || r->mode == TEMPLATE_TEXT || r->mode == TEMPLATE_HEADER)
        return out_status(r, at, buf_append(r->out, s, len));
    if (r->mode == TEMPLATE_JSON)
        return out_status(r, at, tpl_json_escape(s, len, r->out));
    return out_status(r, at, percent_encode(s, len, r->out));
}

static int render_output(struct tpl_render *r, const struct tpl_node *n)
{
    struct tval v;
    struct buf tmp;
    int rc = tpl_eval(r, n->a, &v);
    if (rc != 0)
        return rc;
    if (v.kind == TV_UNDEF) {
        tpl_warn_undefined(r, v.src);
    } else if (v.kind == TV_STR) {
        rc = emit(r, n, v.s, v.len, (v.flags & TVF_SAFE) != 0);
    } else {
        buf_init(&tmp, r->max_output);
        rc = tv_write_str(r, n, &v, &tmp);
        if (rc == 0)
            rc = emit(r, n, buf_str(&tmp), tmp.len, (v.flags & TVF_SAFE) != 0);
        buf_free(&tmp);
    }
    tv_free(&v);
    return rc;
}

static int render_list(struct tpl_render *r, const struct tpl_node *n);

static void scope_push(struct tpl_render *r, struct tpl_scope *s, struct tpl_loop *loop)
{
    memset(s, 0, sizeof(*s));
    s->parent = r->scope;
    s->loop = loop;
    r->scope = s;
}

static void scope_clear(struct tpl_scope *s)
{
    for (int k = 0; k < s->n; k++)
        tv_free(&s->vars[k].v);
    s->n = 0;
}

static void scope_pop(struct tpl_render *r, struct tpl_scope *s)
{
    scope_clear(s);
    free(s->vars);
    r->scope = s->parent;
}

static int render_if(struct tpl_render *r, const struct tpl_node *n)
{
    struct tval v;
    int rc = tpl_eval(r, n->a, &v), yes = tv_truthy(&v);
    tv_free(&v);
    if (rc != 0)
        return rc;
    return render_list(r, yes ? n->body : n->else_body);
}

/* Binds the target(s) to item (borrowed), unpacking for "a, b". */
static int bind_targets(struct tpl_render *r, const struct tpl_node *n, const struct tval *item,
                        int detach)
{
    struct tval v = *item, part;
    int rc = 0;
    if (n->nnames == 1)
        return tpl_scope_set(r, n, n->names[0], &v, detach);
    if (v.kind != TV_LIST || tv_length(&v) != n->nnames) {
        rc = tpl_fail(r, n, TEMPLATE_ERENDER, "cannot unpack %s into %d names", tv_type_name(&v),
                      n->nnames);
        if (detach)
            tv_free(&v);
        return rc;
    }
    for (int k = 0; rc == 0 && k < n->nnames; k++) {
        struct tval key;
        tv_int(k, &key);
        if ((rc = tv_getitem(r, n, &v, &key, &part)) == 0)
            rc = tpl_scope_set(r, n, n->names[k], &part, detach);
    }
    if (detach)
        tv_free(&v);
    return rc;
}

static int count_iteration(struct tpl_render *r, const struct tpl_node *n)
{
    if (++r->iterations > r->max_iterations)
        return tpl_fail(r, n, TEMPLATE_ELIMIT, "too many loop iterations (limit %ld)",
                        r->max_iterations);
    return 0;
}

/* The items a loop visits: all of seq, or those passing the loop's `if`.
 * *items is malloc'd (borrowed values). */
static int loop_items(struct tpl_render *r, const struct tpl_node *n, const struct tval *seq,
                      struct tval **items, long *count)
{
    struct tv_iter it;
    struct tval item, cond;
    struct tpl_scope s;
    long cap = 0;
    int rc = 0;
    *items = NULL;
    *count = 0;
    if (tv_iter_begin(seq, &it) != 0)
        return tpl_fail(r, n, TEMPLATE_ERENDER, "'%s' object is not iterable", tv_type_name(seq));
    scope_push(r, &s, NULL);
    while (rc == 0 && tv_iter_next(&it, &item) == 1) {
        if (n->c != NULL) {
            scope_clear(&s);
            if ((rc = count_iteration(r, n)) != 0 || (rc = bind_targets(r, n, &item, 0)) != 0 ||
                (rc = tpl_eval(r, n->c, &cond)) != 0)
                break;
            int keep = tv_truthy(&cond);
            tv_free(&cond);
            if (!keep)
                continue;
        }
        if (*count == cap) {
            struct tval *v;
            cap = cap ? cap * 2 : 16;
            if ((rc = tpl_charge(r, n, (size_t)cap * sizeof(*v) / 2)) != 0)
                break;
            if ((v = realloc(*items, (size_t)cap * sizeof(*v))) == NULL) {
                rc = tpl_fail(r, n, TEMPLATE_ENOMEM, "out of memory");
                break;
            }
            *items = v;
        }
        (*items)[(*count)++] = item;
    }
    scope_pop(r, &s);
    return rc;
}

static int render_for(struct tpl_render *r, const struct tpl_node *n)
{
    struct tval seq, *items = NULL;
    struct tpl_loop loop = {0};
    struct tpl_scope s;
    long count = 0;
    int rc = tpl_eval(r, n->a, &seq);
    if (rc != 0)
        return rc;
    if (seq.kind == TV_UNDEF)
        tpl_warn_undefined(r, seq.src);
    if (seq.flags & TVF_OWNED) /* items borrow from a temporary */
        seq.flags |= TVF_MORTAL;
    if ((rc = loop_items(r, n, &seq, &items, &count)) == 0) {
        loop.length = count;
        for (struct tpl_scope *p = r->scope; p != NULL && loop.parent == NULL; p = p->parent)
            loop.parent = p->loop;
        scope_push(r, &s, &loop);
        for (loop.index0 = 0; rc == 0 && loop.index0 < count; loop.index0++) {
            scope_clear(&s);
            if ((rc = count_iteration(r, n)) == 0 &&
                (rc = bind_targets(r, n, &items[loop.index0], 0)) == 0)
                rc = render_list(r, n->body);
        }
        scope_pop(r, &s);
    }
    if (rc == 0 && count == 0)
        rc = render_list(r, n->else_body);
    free(items);
    tv_free(&seq);
    return rc;
}

static int render_set(struct tpl_render *r, const struct tpl_node *n)
{
    struct tval v;
    int rc;
    if (n->a != NULL) {
        if ((rc = tpl_eval(r, n->a, &v)) != 0)
            return rc;
        if (n->nnames > 1 && !(v.flags & TVF_OWNED))
            v.flags |= TVF_MORTAL; /* parts are copied out */
        return bind_targets(r, n, &v, 1);
    }
    struct buf *saved = r->out, body;
    size_t start = r->out_start;
    buf_init(&body, r->max_output);
    r->out = &body;
    r->out_start = 0;
    rc = render_list(r, n->body);
    r->out = saved;
    r->out_start = start;
    if (rc == 0 && (rc = tv_str_own(r, n, &body, &v)) == 0)
        return tpl_scope_set(r, n, n->names[0], &v, 1);
    buf_free(&body);
    return rc;
}

static int render_list(struct tpl_render *r, const struct tpl_node *n)
{
    int rc = 0;
    for (; rc == 0 && n != NULL; n = n->next) {
        switch (n->kind) {
        case N_DATA:
            rc = emit(r, n, n->s, n->len, 1);
            break;
        case N_OUTPUT:
            rc = render_output(r, n);
            break;
        case N_IF:
            rc = render_if(r, n);
            break;
        case N_FOR:
            rc = render_for(r, n);
            break;
        case N_SET:
            rc = render_set(r, n);
            break;
        default:
            rc = tpl_fail(r, n, TEMPLATE_ERENDER, "not a statement");
        }
    }
    return rc;
}

int template_render(const struct template *t, const cJSON *context, enum template_mode mode,
                    const struct template_limits *limits, struct buf *out,
                    struct template_warnings *warnings, struct template_error *err)
{
    struct template_limits def;
    struct template_error dummy;
    struct tpl_render r;
    struct tpl_scope root;
    size_t saved_limit = out->limit;
    int rc;
    if (limits == NULL) {
        template_limits_default(&def);
        limits = &def;
    }
    if (err == NULL)
        err = &dummy;
    memset(err, 0, sizeof(*err));
    if (warnings != NULL)
        memset(warnings, 0, sizeof(*warnings));
    memset(&r, 0, sizeof(r));
    r.ctx = context;
    r.mode = mode;
    r.out = out;
    r.out_start = out->len;
    r.max_output = limits->max_output;
    r.max_iterations = limits->max_iterations;
    r.max_depth = limits->max_depth;
    r.max_memory = limits->max_memory;
    r.warn = warnings;
    r.err = err;
    if (out->limit - out->len > r.max_output) /* cap this render's share */
        out->limit = out->len + r.max_output;
    scope_push(&r, &root, NULL);
    rc = render_list(&r, t->root);
    scope_pop(&r, &root);
    out->limit = saved_limit;
    return rc;
}
