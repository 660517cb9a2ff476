/* template_parse: recursive-descent parser from tokens to the tree, with
 * Jinja's grammar and operator precedence (parser.py of Jinja 3.1): condexpr
 * < or < and < not < compare < + - < ~ < * / // % < ** (left-associative)
 * < unary - + < postfix (. [] ()) < filters and tests. Nesting is bounded
 * so a hostile template cannot exhaust the stack. */
#include "template_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct parser {
    const struct tpl_token *t;
    size_t pos, n;
    struct tpl_arena *a;
    struct template_error *err;
    int depth, max_depth;
};

static int parse_expr(struct parser *p, struct tpl_node **out);
static int parse_or(struct parser *p, struct tpl_node **out);
static int parse_unary(struct parser *p, int with_filter, struct tpl_node **out);
static int parse_body(struct parser *p, const char *const *ends, struct tpl_node **out,
                      const char **found);

static const struct tpl_token *cur(const struct parser *p)
{
    return &p->t[p->pos];
}

static const char *tok_desc(const struct tpl_token *t)
{
    switch (t->type) {
    case TK_EOF:
        return "end of template";
    case TK_DATA:
        return "template data";
    case TK_VAR_BEGIN:
        return "'{{'";
    case TK_VAR_END:
        return "end of print statement";
    case TK_BLOCK_BEGIN:
        return "'{%'";
    case TK_BLOCK_END:
        return "end of statement block";
    case TK_STRING:
        return "string";
    case TK_INT:
    case TK_FLOAT:
        return "number";
    default:
        return t->s;
    }
}

static int pfail(struct parser *p, const struct tpl_token *t, const char *what)
{
    if (t->type == TK_EOF)
        return tpl_fail_at(p->err, t->line, t->col, TEMPLATE_ESYNTAX,
                           "unexpected end of template, expected %s", what);
    return tpl_fail_at(p->err, t->line, t->col, TEMPLATE_ESYNTAX, "expected %s, got %s%s%s", what,
                       t->type == TK_NAME ? "'" : "", tok_desc(t), t->type == TK_NAME ? "'" : "");
}

static int is_op(const struct tpl_token *t, const char *op)
{
    return t->type == TK_OP && strcmp(t->s, op) == 0;
}

static int is_name(const struct tpl_token *t, const char *name)
{
    return t->type == TK_NAME && strcmp(t->s, name) == 0;
}

static int expect_op(struct parser *p, const char *op)
{
    char what[8] = "'";
    if (is_op(cur(p), op)) {
        p->pos++;
        return 0;
    }
    strcat(strcat(what, op), "'");
    return pfail(p, cur(p), what);
}

static int expect_type(struct parser *p, enum tpl_tok type, const char *what)
{
    if (cur(p)->type == type) {
        p->pos++;
        return 0;
    }
    return pfail(p, cur(p), what);
}

static int enter(struct parser *p)
{
    if (++p->depth > p->max_depth)
        return tpl_fail_at(p->err, cur(p)->line, cur(p)->col, TEMPLATE_ELIMIT,
                           "template nested too deeply (limit %d)", p->max_depth);
    return 0;
}

static struct tpl_node *node_new(struct parser *p, enum tpl_node_kind kind,
                                 const struct tpl_token *at)
{
    struct tpl_node *n = tpl_arena_alloc(p->a, sizeof(*n));
    if (n != NULL) {
        n->kind = kind;
        n->line = at->line;
        n->col = at->col;
    }
    return n;
}

#define NEW(var, kind, at)                                                                         \
    do {                                                                                           \
        (var) = node_new(p, (kind), (at));                                                         \
        if ((var) == NULL)                                                                         \
            return TEMPLATE_ENOMEM;                                                                \
    } while (0)

/* Growable item list while parsing; copied into the arena when done. */
struct items {
    struct tpl_node *v[256];
    const char *kw[256];
    int ops[256];
    int n;
};

static int items_add(struct parser *p, struct items *it, struct tpl_node *n, const char *kw, int op)
{
    if (it->n >= 256)
        return tpl_fail_at(p->err, n->line, n->col, TEMPLATE_ELIMIT, "too many items (limit 256)");
    it->v[it->n] = n;
    it->kw[it->n] = kw;
    it->ops[it->n++] = op;
    return 0;
}

static int items_store(struct parser *p, const struct items *it, struct tpl_node *n)
{
    size_t k = (size_t)(it->n > 0 ? it->n : 1);
    n->items = tpl_arena_alloc(p->a, k * sizeof(*n->items));
    n->kwnames = tpl_arena_alloc(p->a, k * sizeof(*n->kwnames));
    n->ops = tpl_arena_alloc(p->a, k * sizeof(*n->ops));
    if (n->items == NULL || n->kwnames == NULL || n->ops == NULL)
        return TEMPLATE_ENOMEM;
    memcpy(n->items, it->v, (size_t)it->n * sizeof(*n->items));
    memcpy(n->kwnames, it->kw, (size_t)it->n * sizeof(*n->kwnames));
    memcpy(n->ops, it->ops, (size_t)it->n * sizeof(*n->ops));
    n->nitems = it->n;
    return 0;
}

/* Number literal: underscores dropped; an integer beyond 64 bits becomes a
 * float that still prints its digits. */
static int number_const(struct parser *p, const struct tpl_token *t, struct tpl_node *n)
{
    char *txt = tpl_arena_alloc(p->a, t->len + 1), *end;
    size_t i, k = 0;
    if (txt == NULL)
        return TEMPLATE_ENOMEM;
    for (i = 0; i < t->len; i++)
        if (t->s[i] != '_')
            txt[k++] = t->s[i];
    txt[k] = '\0';
    n->kind = N_CONST;
    errno = 0;
    if (t->type == TK_INT) {
        n->cval.i = strtoll(txt, &end, 10);
        if (errno == 0) {
            n->cval.kind = CV_INT;
            return 0;
        }
        while (txt[0] == '0' && txt[1] != '\0')
            txt++;
        n->cval.s = txt;
        n->cval.len = strlen(txt);
    }
    n->cval.kind = CV_FLOAT;
    n->cval.f = strtod(txt, &end);
    return 0;
}

static int empty_items(struct parser *p, struct tpl_node *n)
{
    n->items = tpl_arena_alloc(p->a, sizeof(*n->items));
    n->kwnames = tpl_arena_alloc(p->a, sizeof(*n->kwnames));
    return n->items == NULL || n->kwnames == NULL ? TEMPLATE_ENOMEM : 0;
}

static int parse_call_args(struct parser *p, struct tpl_node *n)
{
    struct items *it = calloc(1, sizeof(*it));
    int rc = 0;
    if (it == NULL)
        return TEMPLATE_ENOMEM;
    p->pos++; /* ( */
    while (rc == 0 && !is_op(cur(p), ")")) {
        const char *kw = NULL;
        struct tpl_node *arg = NULL;
        if (it->n > 0 && (rc = expect_op(p, ",")) != 0)
            break;
        if (is_op(cur(p), ")"))
            break;
        if (cur(p)->type == TK_NAME && is_op(&p->t[p->pos + 1], "=")) {
            kw = cur(p)->s;
            p->pos += 2;
        } else if (it->n > 0 && it->kw[it->n - 1] != NULL) {
            rc = tpl_fail_at(p->err, cur(p)->line, cur(p)->col, TEMPLATE_ESYNTAX,
                             "positional argument follows keyword argument");
            break;
        }
        if (it->n >= TPL_MAX_ARGS) {
            rc = tpl_fail_at(p->err, cur(p)->line, cur(p)->col, TEMPLATE_ELIMIT,
                             "too many arguments (limit %d)", TPL_MAX_ARGS);
            break;
        }
        rc = parse_expr(p, &arg);
        if (rc == 0)
            rc = items_add(p, it, arg, kw, 0);
    }
    if (rc == 0)
        rc = expect_op(p, ")");
    if (rc == 0)
        rc = items_store(p, it, n);
    free(it);
    return rc;
}

/* Comma-separated expressions up to `close`; explicit tuples and lists. */
static int parse_seq(struct parser *p, const char *close, int dict, struct tpl_node *n)
{
    struct items *it = calloc(1, sizeof(*it));
    int rc = 0;
    if (it == NULL)
        return TEMPLATE_ENOMEM;
    while (rc == 0 && !is_op(cur(p), close)) {
        struct tpl_node *e = NULL;
        if (it->n > 0 && (rc = expect_op(p, ",")) != 0)
            break;
        if (is_op(cur(p), close))
            break;
        rc = parse_expr(p, &e);
        if (rc == 0)
            rc = items_add(p, it, e, NULL, 0);
        if (rc == 0 && dict && (rc = expect_op(p, ":")) == 0 && (rc = parse_expr(p, &e)) == 0)
            rc = items_add(p, it, e, NULL, 0);
    }
    if (rc == 0)
        rc = expect_op(p, close);
    if (rc == 0)
        rc = items_store(p, it, n);
    free(it);
    return rc;
}

static int parse_primary(struct parser *p, struct tpl_node **out)
{
    const struct tpl_token *t = cur(p);
    struct tpl_node *n;
    NEW(n, N_CONST, t);
    *out = n;
    if (t->type == TK_NAME) {
        p->pos++;
        if (!strcmp(t->s, "true") || !strcmp(t->s, "True") || !strcmp(t->s, "false") ||
            !strcmp(t->s, "False")) {
            n->cval.kind = CV_BOOL;
            n->cval.i = (t->s[0] | 32) == 't';
        } else if (!strcmp(t->s, "none") || !strcmp(t->s, "None")) {
            n->cval.kind = CV_NONE;
        } else {
            n->kind = N_NAME;
            n->s = t->s;
            n->len = t->len;
        }
        return 0;
    }
    if (t->type == TK_STRING) { /* adjacent strings concatenate */
        size_t len = 0, i;
        char *s;
        for (i = p->pos; p->t[i].type == TK_STRING; i++)
            len += p->t[i].len;
        if ((s = tpl_arena_alloc(p->a, len + 1)) == NULL)
            return TEMPLATE_ENOMEM;
        n->cval.kind = CV_STR;
        n->cval.s = s;
        n->cval.len = len;
        for (; cur(p)->type == TK_STRING; p->pos++) {
            memcpy(s, cur(p)->s, cur(p)->len);
            s += cur(p)->len;
        }
        return 0;
    }
    if (t->type == TK_INT || t->type == TK_FLOAT) {
        p->pos++;
        return number_const(p, t, n);
    }
    if (is_op(t, "(")) {
        p->pos++;
        n->kind = N_LIST;
        if (is_op(cur(p), ")")) {
            p->pos++;
            return empty_items(p, n);
        }
        int rc = parse_expr(p, out);
        if (rc != 0 || is_op(cur(p), ")"))
            return rc != 0 ? rc : expect_op(p, ")");
        if ((rc = expect_op(p, ",")) != 0) /* a tuple: (a, b, ...) */
            return rc;
        struct tpl_node *first = *out;
        *out = n;
        if ((rc = parse_seq(p, ")", 0, n)) != 0)
            return rc;
        struct tpl_node **v = tpl_arena_alloc(p->a, (size_t)(n->nitems + 1) * sizeof(*v));
        const char **kw = tpl_arena_alloc(p->a, (size_t)(n->nitems + 1) * sizeof(*kw));
        if (v == NULL || kw == NULL)
            return TEMPLATE_ENOMEM;
        v[0] = first;
        memcpy(v + 1, n->items, (size_t)n->nitems * sizeof(*v));
        n->items = v;
        n->kwnames = kw;
        n->nitems++;
        return 0;
    }
    if (is_op(t, "[") || is_op(t, "{")) {
        p->pos++;
        n->kind = t->s[0] == '[' ? N_LIST : N_DICT;
        return parse_seq(p, t->s[0] == '[' ? "]" : "}", n->kind == N_DICT, n);
    }
    return pfail(p, t, "an expression");
}

static int parse_subscript(struct parser *p, struct tpl_node *base, struct tpl_node **out)
{
    const struct tpl_token *t = cur(p);
    struct tpl_node *n, *parts[3] = {NULL, NULL, NULL};
    int rc = 0, k = 0;
    p->pos++; /* [ */
    NEW(n, N_GETITEM, t);
    n->a = base;
    *out = n;
    if (!is_op(cur(p), ":") && (rc = parse_expr(p, &parts[0])) != 0)
        return rc;
    if (!is_op(cur(p), ":")) {
        n->b = parts[0];
        return expect_op(p, "]");
    }
    n->kind = N_SLICE;
    while (k < 2 && is_op(cur(p), ":")) {
        p->pos++;
        k++;
        if (!is_op(cur(p), ":") && !is_op(cur(p), "]") && (rc = parse_expr(p, &parts[k])) != 0)
            return rc;
    }
    n->items = tpl_arena_alloc(p->a, sizeof(parts));
    if (n->items == NULL)
        return TEMPLATE_ENOMEM;
    memcpy(n->items, parts, sizeof(parts));
    n->nitems = 3;
    return expect_op(p, "]");
}

static int chain(struct parser *p, int *links);

static int parse_postfix_links(struct parser *p, struct tpl_node **node, int *links)
{
    for (;;) {
        const struct tpl_token *t = cur(p);
        struct tpl_node *n;
        int rc;
        if ((is_op(t, ".") || is_op(t, "[") || is_op(t, "(")) && (rc = chain(p, links)) != 0)
            return rc;
        if (is_op(t, ".")) {
            const struct tpl_token *name = &p->t[p->pos + 1];
            p->pos += 2;
            if (name->type == TK_INT) {
                NEW(n, N_GETITEM, t);
                NEW(n->b, N_CONST, name);
                if ((rc = number_const(p, name, n->b)) != 0)
                    return rc;
            } else if (name->type == TK_NAME) {
                NEW(n, N_GETATTR, t);
                n->s = name->s;
                n->len = name->len;
            } else {
                return pfail(p, name, "a name after '.'");
            }
            n->a = *node;
            *node = n;
        } else if (is_op(t, "[")) {
            if ((rc = parse_subscript(p, *node, node)) != 0)
                return rc;
        } else if (is_op(t, "(")) {
            NEW(n, N_CALL, t);
            n->a = *node;
            *node = n;
            if ((rc = parse_call_args(p, n)) != 0)
                return rc;
        } else {
            return 0;
        }
    }
}

/* Each link of a chain (a.b.c, x|f|g, 1+2+3) nests the tree one level
 * deeper, so it counts against the depth limit like a parenthesis. */
static int chain(struct parser *p, int *links)
{
    (*links)++;
    return enter(p);
}

static int parse_postfix(struct parser *p, struct tpl_node **node)
{
    int links = 0, rc = parse_postfix_links(p, node, &links);
    p->depth -= links;
    return rc;
}

static int parse_filter_or_test(struct parser *p, struct tpl_node **node, int test)
{
    const struct tpl_token *t = cur(p);
    struct tpl_node *n;
    int rc;
    p->pos++; /* | or is */
    NEW(n, test ? N_TEST : N_FILTER, t);
    n->a = *node;
    *node = n;
    if (test && is_name(cur(p), "not")) {
        n->op = 1;
        p->pos++;
    }
    if (cur(p)->type != TK_NAME)
        return pfail(p, cur(p), test ? "a test name" : "a filter name");
    n->s = cur(p)->s;
    n->len = cur(p)->len;
    p->pos++;
    if (is_op(cur(p), "("))
        return parse_call_args(p, n);
    t = cur(p);
    if (test &&
        (t->type == TK_NAME || t->type == TK_STRING || t->type == TK_INT || t->type == TK_FLOAT ||
         is_op(t, "[") || is_op(t, "{")) &&
        !is_name(t, "else") && !is_name(t, "or") && !is_name(t, "and")) {
        struct tpl_node *arg = NULL;
        if (is_name(t, "is"))
            return pfail(p, t, "no second 'is' (tests cannot be chained)");
        if ((rc = parse_primary(p, &arg)) != 0 || (rc = parse_postfix(p, &arg)) != 0)
            return rc;
        n->items = tpl_arena_alloc(p->a, sizeof(*n->items));
        n->kwnames = tpl_arena_alloc(p->a, sizeof(*n->kwnames));
        if (n->items == NULL || n->kwnames == NULL)
            return TEMPLATE_ENOMEM;
        n->items[0] = arg;
        n->nitems = 1;
    }
    return 0;
}

static int parse_unary(struct parser *p, int with_filter, struct tpl_node **out)
{
    const struct tpl_token *t = cur(p);
    int rc = enter(p), links = 0;
    if (rc != 0)
        return rc;
    if (is_op(t, "-") || is_op(t, "+")) {
        struct tpl_node *n;
        NEW(n, t->s[0] == '-' ? N_NEG : N_POS, t);
        p->pos++;
        rc = parse_unary(p, 0, &n->a);
        *out = n;
    } else {
        rc = parse_primary(p, out);
    }
    if (rc == 0)
        rc = parse_postfix(p, out);
    while (rc == 0 && with_filter) {
        if ((is_op(cur(p), "|") || is_name(cur(p), "is") || is_op(cur(p), "(")) &&
            (rc = chain(p, &links)) != 0)
            break;
        if (is_op(cur(p), "|"))
            rc = parse_filter_or_test(p, out, 0);
        else if (is_name(cur(p), "is"))
            rc = parse_filter_or_test(p, out, 1);
        else if (is_op(cur(p), "(")) {
            struct tpl_node *n;
            NEW(n, N_CALL, cur(p));
            n->a = *out;
            *out = n;
            rc = parse_call_args(p, n);
        } else
            break;
    }
    p->depth -= 1 + links;
    return rc;
}

/* One left-associative binary level: ops is a NULL-terminated list. */
static int parse_binary(struct parser *p, int level, struct tpl_node **out)
{
    static const char *const lv[4][5] = {
        {"+", "-", NULL}, {"~", NULL}, {"*", "/", "//", "%", NULL}, {"**", NULL}};
    static const int codes[4][4] = {
        {OP_ADD, OP_SUB}, {0}, {OP_MUL, OP_DIV, OP_FLOORDIV, OP_MOD}, {OP_POW}};
    int rc = level == 3 ? parse_unary(p, 1, out) : parse_binary(p, level + 1, out), links = 0;
    for (int k = 0; rc == 0 && lv[level][k] != NULL; k++) {
        const struct tpl_token *t = cur(p);
        struct tpl_node *n;
        if (!is_op(t, lv[level][k]))
            continue;
        if ((rc = chain(p, &links)) != 0)
            break;
        p->pos++;
        NEW(n, level == 1 ? N_CONCAT : N_BINOP, t);
        n->op = codes[level][k];
        n->a = *out;
        *out = n;
        rc = level == 3 ? parse_unary(p, 1, &n->b) : parse_binary(p, level + 1, &n->b);
        k = -1; /* look for another operator of this level */
    }
    p->depth -= links;
    return rc;
}

static int compare_op(struct parser *p)
{
    static const char *const ops[] = {"==", "!=", "<", "<=", ">", ">="};
    static const int codes[] = {OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE};
    const struct tpl_token *t = cur(p);
    for (size_t k = 0; k < 6; k++)
        if (is_op(t, ops[k]))
            return codes[k];
    if (is_name(t, "in"))
        return OP_IN;
    if (is_name(t, "not") && is_name(&p->t[p->pos + 1], "in"))
        return OP_NOTIN;
    return 0;
}

static int parse_compare(struct parser *p, struct tpl_node **out)
{
    struct items *it = NULL;
    struct tpl_node *n = NULL, *rhs;
    int rc = parse_binary(p, 0, out), op;
    while (rc == 0 && (op = compare_op(p)) != 0) {
        if (n == NULL) {
            n = node_new(p, N_COMPARE, cur(p));
            it = calloc(1, sizeof(*it));
            if (n == NULL || it == NULL) {
                rc = TEMPLATE_ENOMEM;
                break;
            }
            n->a = *out;
        }
        p->pos += op == OP_NOTIN ? 2 : 1;
        if ((rc = parse_binary(p, 0, &rhs)) == 0)
            rc = items_add(p, it, rhs, NULL, op);
    }
    if (rc == 0 && n != NULL) {
        *out = n;
        rc = items_store(p, it, n);
    }
    free(it);
    return rc;
}

static int parse_not(struct parser *p, struct tpl_node **out)
{
    struct tpl_node *n;
    int rc;
    if (!is_name(cur(p), "not"))
        return parse_compare(p, out);
    if ((rc = enter(p)) != 0)
        return rc;
    NEW(n, N_NOT, cur(p));
    p->pos++;
    *out = n;
    rc = parse_not(p, &n->a);
    p->depth--;
    return rc;
}

static int parse_andor(struct parser *p, int is_or, struct tpl_node **out)
{
    int rc = is_or ? parse_andor(p, 0, out) : parse_not(p, out), links = 0;
    while (rc == 0 && is_name(cur(p), is_or ? "or" : "and")) {
        struct tpl_node *n;
        if ((rc = chain(p, &links)) != 0)
            break;
        NEW(n, is_or ? N_OR : N_AND, cur(p));
        p->pos++;
        n->a = *out;
        *out = n;
        rc = is_or ? parse_andor(p, 0, &n->b) : parse_not(p, &n->b);
    }
    p->depth -= links;
    return rc;
}

static int parse_or(struct parser *p, struct tpl_node **out)
{
    return parse_andor(p, 1, out);
}

static int parse_expr(struct parser *p, struct tpl_node **out)
{
    int rc = enter(p);
    if (rc == 0)
        rc = parse_or(p, out);
    while (rc == 0 && is_name(cur(p), "if")) {
        struct tpl_node *n;
        NEW(n, N_COND, cur(p));
        p->pos++;
        n->b = *out;
        *out = n;
        if ((rc = parse_or(p, &n->a)) != 0)
            break;
        if (is_name(cur(p), "else")) {
            p->pos++;
            rc = parse_expr(p, &n->c);
        }
    }
    p->depth--;
    return rc;
}

/* An expression, or a bare tuple "a, b" (as a list) where Jinja allows one. */
static int parse_tuple(struct parser *p, int condexpr, struct tpl_node **out)
{
    struct items *it;
    struct tpl_node *n, *e = NULL;
    int rc = condexpr ? parse_expr(p, out) : parse_or(p, out);
    if (rc != 0 || !is_op(cur(p), ","))
        return rc;
    if ((it = calloc(1, sizeof(*it))) == NULL)
        return TEMPLATE_ENOMEM;
    n = node_new(p, N_LIST, cur(p));
    rc = n == NULL ? TEMPLATE_ENOMEM : items_add(p, it, *out, NULL, 0);
    while (rc == 0 && is_op(cur(p), ",")) {
        p->pos++;
        if (cur(p)->type == TK_BLOCK_END || cur(p)->type == TK_VAR_END || is_name(cur(p), "if"))
            break;
        rc = condexpr ? parse_expr(p, &e) : parse_or(p, &e);
        if (rc == 0)
            rc = items_add(p, it, e, NULL, 0);
    }
    if (rc == 0) {
        rc = items_store(p, it, n);
        *out = n;
    }
    free(it);
    return rc;
}

static int parse_targets(struct parser *p, struct tpl_node *n)
{
    const char *names[16];
    int k = 0;
    do {
        if (k > 0)
            p->pos++;
        if (k >= 16)
            return tpl_fail_at(p->err, cur(p)->line, cur(p)->col, TEMPLATE_ELIMIT,
                               "too many names (limit 16)");
        if (cur(p)->type != TK_NAME)
            return pfail(p, cur(p), "a variable name");
        names[k++] = cur(p)->s;
        p->pos++;
    } while (is_op(cur(p), ","));
    n->names = tpl_arena_alloc(p->a, (size_t)k * sizeof(*names));
    if (n->names == NULL)
        return TEMPLATE_ENOMEM;
    memcpy(n->names, names, (size_t)k * sizeof(*names));
    n->nnames = k;
    return 0;
}

static int parse_if(struct parser *p, struct tpl_node *n)
{
    static const char *const ends[] = {"endif", "elif", "else", NULL};
    static const char *const endonly[] = {"endif", NULL};
    const char *found = NULL;
    int rc = parse_expr(p, &n->a);
    if (rc == 0)
        rc = expect_type(p, TK_BLOCK_END, "end of statement block");
    if (rc == 0)
        rc = parse_body(p, ends, &n->body, &found);
    if (rc == 0 && strcmp(found, "elif") == 0) {
        NEW(n->else_body, N_IF, &p->t[p->pos - 1]);
        if ((rc = enter(p)) == 0) /* each elif nests one level deeper */
            rc = parse_if(p, n->else_body);
        p->depth--;
        return rc;
    }
    if (rc == 0 && strcmp(found, "else") == 0) {
        rc = expect_type(p, TK_BLOCK_END, "end of statement block");
        if (rc == 0)
            rc = parse_body(p, endonly, &n->else_body, &found);
    }
    return rc != 0 ? rc : expect_type(p, TK_BLOCK_END, "end of statement block");
}

static int parse_for(struct parser *p, struct tpl_node *n)
{
    static const char *const ends[] = {"endfor", "else", NULL};
    static const char *const endonly[] = {"endfor", NULL};
    const char *found = NULL;
    int rc = parse_targets(p, n);
    if (rc == 0 && !is_name(cur(p), "in"))
        rc = pfail(p, cur(p), "'in'");
    if (rc == 0) {
        p->pos++;
        rc = parse_tuple(p, 0, &n->a);
    }
    if (rc == 0 && is_name(cur(p), "if")) {
        p->pos++;
        rc = parse_expr(p, &n->c);
    }
    if (rc == 0)
        rc = expect_type(p, TK_BLOCK_END, "end of statement block");
    if (rc == 0)
        rc = parse_body(p, ends, &n->body, &found);
    if (rc == 0 && strcmp(found, "else") == 0) {
        rc = expect_type(p, TK_BLOCK_END, "end of statement block");
        if (rc == 0)
            rc = parse_body(p, endonly, &n->else_body, &found);
    }
    return rc != 0 ? rc : expect_type(p, TK_BLOCK_END, "end of statement block");
}

static int parse_set(struct parser *p, struct tpl_node *n)
{
    static const char *const ends[] = {"endset", NULL};
    const char *found;
    int rc = parse_targets(p, n);
    if (rc == 0 && is_op(cur(p), "=")) {
        p->pos++;
        rc = parse_tuple(p, 1, &n->a);
        return rc != 0 ? rc : expect_type(p, TK_BLOCK_END, "end of statement block");
    }
    if (rc == 0 && n->nnames != 1)
        return pfail(p, cur(p), "'='");
    if (rc == 0)
        rc = expect_type(p, TK_BLOCK_END, "'=' or end of statement block");
    if (rc == 0)
        rc = parse_body(p, ends, &n->body, &found);
    return rc != 0 ? rc : expect_type(p, TK_BLOCK_END, "end of statement block");
}

static int parse_tag(struct parser *p, const char *const *ends, struct tpl_node **out)
{
    const struct tpl_token *t = cur(p);
    struct tpl_node *n;
    p->pos++;
    if (is_name(t, "if") || is_name(t, "for") || is_name(t, "set")) {
        NEW(n, t->s[0] == 'i' ? N_IF : t->s[0] == 'f' ? N_FOR : N_SET, t);
        *out = n;
        return n->kind == N_IF    ? parse_if(p, n)
               : n->kind == N_FOR ? parse_for(p, n)
                                  : parse_set(p, n);
    }
    if (t->type != TK_NAME)
        return pfail(p, t, "a tag name");
    if (ends != NULL)
        return tpl_fail_at(p->err, t->line, t->col, TEMPLATE_ESYNTAX,
                           "unexpected '%s', expected '%s'", t->s, ends[0]);
    return tpl_fail_at(p->err, t->line, t->col, TEMPLATE_ESYNTAX, "unknown tag '%s'", t->s);
}

/* Statements up to a {% NAME %} with NAME in ends (NULL: up to the end of
 * the template); *found is that name, the position is just after it. */
static int parse_body(struct parser *p, const char *const *ends, struct tpl_node **out,
                      const char **found)
{
    struct tpl_node **tail = out, *n = NULL;
    int rc = enter(p);
    *out = NULL;
    while (rc == 0) {
        const struct tpl_token *t = cur(p);
        if (t->type == TK_EOF) {
            if (ends != NULL)
                rc = tpl_fail_at(p->err, t->line, t->col, TEMPLATE_ESYNTAX,
                                 "unexpected end of template, expected '%s'", ends[0]);
            break;
        }
        p->pos++;
        if (t->type == TK_DATA) {
            NEW(n, N_DATA, t);
            n->s = t->s;
            n->len = t->len;
        } else if (t->type == TK_VAR_BEGIN) {
            NEW(n, N_OUTPUT, t);
            if ((rc = parse_tuple(p, 1, &n->a)) == 0)
                rc = expect_type(p, TK_VAR_END, "end of print statement");
        } else if (t->type == TK_BLOCK_BEGIN) {
            int k;
            for (k = 0; ends != NULL && ends[k] != NULL; k++)
                if (is_name(cur(p), ends[k])) {
                    *found = ends[k];
                    p->pos++;
                    p->depth--;
                    return 0;
                }
            rc = parse_tag(p, ends, &n);
        } else {
            rc = pfail(p, t, "template data or a tag");
        }
        if (rc == 0) {
            *tail = n;
            tail = &n->next;
        }
    }
    p->depth--;
    return rc;
}

int tpl_parse(const struct tpl_tokens *toks, struct tpl_arena *a, int max_depth,
              struct tpl_node **root, struct template_error *err)
{
    struct parser p = {.t = toks->v, .n = toks->n, .a = a, .err = err, .max_depth = max_depth};
    return parse_body(&p, NULL, root, NULL);
}
