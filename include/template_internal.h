/* template_internal: what the parts of the template module share (lexer,
 * parser, evaluator, values, filters). Not for use outside src/template_*.c
 * and their tests. */
#ifndef INCOMING_TEMPLATE_INTERNAL_H
#define INCOMING_TEMPLATE_INTERNAL_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "buf.h"
#include "template.h"
#include "template_unicode.h"

/* ---- arena: every node and string of a compiled template lives here ---- */
struct tpl_arena_chunk;
struct tpl_arena {
    struct tpl_arena_chunk *head;
};
void *tpl_arena_alloc(struct tpl_arena *a, size_t n); /* zeroed; NULL on OOM */
char *tpl_arena_strndup(struct tpl_arena *a, const char *s, size_t n);
void tpl_arena_free(struct tpl_arena *a);

/* ---- lexer ---- */
enum tpl_tok {
    TK_EOF = 0,
    TK_DATA,        /* literal text (whitespace control already applied) */
    TK_VAR_BEGIN,   /* {{ */
    TK_VAR_END,     /* }} */
    TK_BLOCK_BEGIN, /* {% */
    TK_BLOCK_END,   /* %} */
    TK_NAME,
    TK_STRING, /* decoded value in s/len */
    TK_INT,    /* text in s */
    TK_FLOAT,  /* text in s */
    TK_OP      /* operator text in s: + - * / // % ** ~ == != < <= > >= = . , : | ( ) [ ] { } */
};

struct tpl_token {
    enum tpl_tok type;
    int line, col;
    const char *s; /* arena */
    size_t len;
};

struct tpl_tokens {
    struct tpl_token *v;
    size_t n, cap;
};

/* Splits src into tokens (strings decoded, raw blocks as data). Returns 0 or
 * TEMPLATE_ESYNTAX/ENOMEM with err filled. toks->v is malloc'd (caller
 * frees); token strings live in the arena. */
int tpl_lex(const char *src, size_t len, struct tpl_arena *a, struct tpl_tokens *toks,
            struct template_error *err);

/* ---- syntax tree ---- */
enum tpl_node_kind {
    /* statements (linked through next) */
    N_DATA,   /* s/len */
    N_OUTPUT, /* a */
    N_IF,     /* a cond, body, else_body */
    N_FOR,    /* names (1..n targets), a iterable, c filter, body, else_body */
    N_SET,    /* names, a value (or body for the block form) */
    /* expressions */
    N_CONST,   /* cval */
    N_NAME,    /* s */
    N_GETATTR, /* a . s */
    N_GETITEM, /* a [ b ] */
    N_SLICE,   /* a [ items[0] : items[1] : items[2] ] (entries may be NULL) */
    N_CALL,    /* a ( args ) */
    N_FILTER,  /* a | s ( args ) */
    N_TEST,    /* a is [not] s ( args ); op = 1 for not */
    N_LIST,    /* items */
    N_DICT,    /* items: key, value, key, value ... */
    N_NEG,     /* - a */
    N_POS,     /* + a */
    N_NOT,     /* not a */
    N_BINOP,   /* a op b: op is a tpl_op */
    N_AND,     /* a and b */
    N_OR,      /* a or b */
    N_COMPARE, /* a then (ops[i], items[i]) chained */
    N_CONCAT,  /* items joined with ~ */
    N_COND     /* b if a else c (c may be NULL) */
};

enum tpl_op {
    OP_ADD = 1,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_FLOORDIV,
    OP_MOD,
    OP_POW,
    OP_EQ,
    OP_NE,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
    OP_IN,
    OP_NOTIN
};

enum tpl_cval_kind { CV_NONE, CV_BOOL, CV_INT, CV_FLOAT, CV_STR };
struct tpl_cval {
    enum tpl_cval_kind kind;
    long long i;
    double f;
    const char *s; /* string value, or number text */
    size_t len;
};

/* Most arguments a call, filter or test takes; the parser refuses more, so
 * the evaluator's fixed argument arrays (struct tval args[TPL_MAX_ARGS])
 * always hold every argument of a node. */
#define TPL_MAX_ARGS 16

struct tpl_node {
    enum tpl_node_kind kind;
    int line, col;
    int op;
    const char *s;
    size_t len;
    struct tpl_node *a, *b, *c;
    struct tpl_node **items; /* args of calls/filters/tests too */
    const char **kwnames;    /* per item: keyword name or NULL */
    int *ops;                /* N_COMPARE operators */
    int nitems;
    const char **names; /* N_FOR / N_SET targets */
    int nnames;
    struct tpl_node *body, *else_body;
    struct tpl_node *next;
    struct tpl_cval cval;
};

struct template
{
    struct tpl_arena arena;
    struct tpl_node *root;
};

/* Builds the tree from tokens. Returns 0 or TEMPLATE_ESYNTAX/ENOMEM. */
int tpl_parse(const struct tpl_tokens *toks, struct tpl_arena *a, int max_depth,
              struct tpl_node **root, struct template_error *err);

/* ---- values during a render ---- */
enum tv_kind {
    TV_UNDEF = 0,
    TV_NONE,
    TV_BOOL,  /* i */
    TV_INT,   /* i; s = exact text when it came from JSON or a literal */
    TV_FLOAT, /* f; s = exact text when it came from JSON or a literal */
    TV_STR,   /* s/len (UTF-8) */
    TV_LIST,  /* j: cJSON array */
    TV_DICT,  /* j: cJSON object */
    TV_LOOP   /* loop: the innermost for loop's state */
};

#define TVF_OWNED 1u    /* s (TV_STR) or j (list/dict) is ours to free */
#define TVF_SAFE 2u     /* inserted as is in JSON and URL modes */
#define TVF_ICASE 4u    /* dict looked up case-insensitively (headers) */
#define TVF_ENVELOPE 8u /* dict whose "headers" member gets TVF_ICASE */
#define TVF_NODES 16u   /* dict whose members get TVF_ENVELOPE */
#define TVF_MORTAL 32u  /* borrowed from a variable that a later set may free */

struct tpl_loop {
    long index0, length;
    struct tpl_loop *parent;
};

struct tval {
    enum tv_kind kind;
    unsigned flags;
    long long i;
    double f;
    const char *s;
    size_t len;
    cJSON *j;
    const struct tpl_node *src; /* for TV_UNDEF: the expression, for warnings */
    struct tpl_loop *loop;
};

struct tpl_var {
    const char *name;
    struct tval v; /* owned by the scope when TVF_OWNED */
};

struct tpl_scope {
    struct tpl_var *vars;
    int n, cap;
    struct tpl_scope *parent;
    struct tpl_loop *loop;
};

struct tpl_render {
    const cJSON *ctx;
    enum template_mode mode;
    struct buf *out;
    size_t out_start;
    size_t max_output;
    long iterations, max_iterations;
    int max_depth;
    size_t mem_used, max_memory;
    struct tpl_scope *scope;
    struct template_warnings *warn;
    struct template_error *err;
    int last_rc; /* code of the last tpl_fail, for callers that got NULL */
};

/* Error helpers: fill r->err with "line L, column C: ..." and return code. */
int tpl_fail(struct tpl_render *r, const struct tpl_node *at, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int tpl_fail_at(struct template_error *err, int line, int col, int code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* The code of the failure already reported (TEMPLATE_ENOMEM if none). */
int tpl_status(const struct tpl_render *r);
void tpl_warn_undefined(struct tpl_render *r, const struct tpl_node *src);
/* Charges n bytes of created values against the memory budget. */
int tpl_charge(struct tpl_render *r, const struct tpl_node *at, size_t n);

/* values (template_value.c) */
void tv_free(struct tval *v); /* frees what the value owns; leaves TV_UNDEF */
void tv_from_json(const cJSON *j, unsigned flags, struct tval *out);
void tv_str_borrow(const char *s, size_t len, struct tval *out);
int tv_str_own(struct tpl_render *r, const struct tpl_node *at, struct buf *b,
               struct tval *out); /* takes b's data */
void tv_int(long long i, struct tval *out);
void tv_float(double f, struct tval *out);
void tv_bool(int b, struct tval *out);
int tv_truthy(const struct tval *v);
/* Makes v independent of variables that may be freed (copies if mortal). */
int tv_detach(struct tpl_render *r, const struct tpl_node *at, struct tval *v);
/* Python str(v) appended to out (repr inside containers). */
int tv_write_str(struct tpl_render *r, const struct tpl_node *at, const struct tval *v,
                 struct buf *out);
/* Compact JSON of v (document order, exact numbers). */
int tv_write_json(struct tpl_render *r, const struct tpl_node *at, const struct tval *v,
                  struct buf *out);
/* Appends s as the inside of a JSON string. */
int tpl_json_escape(const char *s, size_t len, struct buf *out);
/* Python float repr of f into buf (>= 32 bytes). */
void tpl_float_repr(double f, char *buf, size_t cap);
/* Equality (Python ==) and ordering (<0, 0, >0; error on mixed types). */
int tv_equal(struct tpl_render *r, const struct tpl_node *at, const struct tval *a,
             const struct tval *b, int *eq);
int tv_compare(struct tpl_render *r, const struct tpl_node *at, const struct tval *a,
               const struct tval *b, int icase, int *cmp);
int tv_contains(struct tpl_render *r, const struct tpl_node *at, const struct tval *hay,
                const struct tval *needle, int *in);
/* Member / index lookup; *out borrows from c (flags propagate). */
int tv_getattr(struct tpl_render *r, const struct tpl_node *at, const struct tval *c,
               const char *name, size_t len, struct tval *out);
int tv_getitem(struct tpl_render *r, const struct tpl_node *at, const struct tval *c,
               const struct tval *key, struct tval *out);
const char *tv_type_name(const struct tval *v);
size_t tpl_utf8_count(const char *s, size_t len);
/* Iteration: lists by element, dicts by key, strings by character,
 * undefined as empty. tv_iter_begin returns -1 when v is not iterable;
 * tv_iter_next returns 1 with *out borrowed from v, 0 at the end. */
struct tv_iter {
    const struct tval *v;
    const cJSON *node;
    size_t pos;
};
int tv_iter_begin(const struct tval *v, struct tv_iter *it);
int tv_iter_next(struct tv_iter *it, struct tval *out);
/* len(): -1 when v has no length. */
long tv_length(const struct tval *v);
/* Moves v into a new cJSON node (copying what v borrows); v is emptied.
 * NULL on OOM or budget (r->err filled). */
cJSON *tv_take_json(struct tpl_render *r, const struct tpl_node *at, struct tval *v);
/* Owned string value from len bytes of s (copied). */
int tv_str_copy(struct tpl_render *r, const struct tpl_node *at, const char *s, size_t len,
                struct tval *out);

/* evaluation (template_eval.c) */
/* Binds name in the innermost scope, taking v (detached first if asked;
 * loop variables borrow from the loop's sequence instead). */
int tpl_scope_set(struct tpl_render *r, const struct tpl_node *at, const char *name, struct tval *v,
                  int detach);
int tpl_eval(struct tpl_render *r, const struct tpl_node *n, struct tval *out);

/* filters and tests (template_filters.c); args evaluated already */
int tpl_filter(struct tpl_render *r, const struct tpl_node *n, struct tval *val, struct tval *args,
               int nargs, struct tval *out);
int tpl_test(struct tpl_render *r, const struct tpl_node *n, const char *name, struct tval *val,
             struct tval *args, int nargs, int *result);
/* str(val) case-mapped as mode says (template_unicode.h) into a new owned
 * string: the case filters and the str methods upper(), title(), ... */
int tpl_str_case(struct tpl_render *r, const struct tpl_node *n, struct tval *val,
                 enum tpl_u_case mode, struct tval *out);
/* The filters over sequences (template_filters_list.c): sort, unique, map,
 * select, selectattr, reject, rejectattr, sum, min, max, list, reverse. */
int tpl_filter_list(struct tpl_render *r, const struct tpl_node *n, struct tval *val,
                    struct tval *args, int nargs, struct tval *out);
/* A new empty JSON array for a filter's result (tpl_fail on ENOMEM). */
int tpl_new_list(struct tpl_render *r, const struct tpl_node *n, cJSON **list);
/* The end of building a list: with rc 0, out becomes the owned list value
 * wrapping list; otherwise list is freed. Returns rc. */
int tpl_list_result(cJSON *list, int rc, struct tval *out);
/* Positional argument pos, or keyword kw, of a filter call; NULL if absent. */
struct tval *tpl_arg(const struct tpl_node *n, struct tval *args, int nargs, int pos,
                     const char *kw);
/* Value at a Jinja attribute path ("a.b.0") below v; borrowed. */
int tpl_get_path(struct tpl_render *r, const struct tpl_node *n, const struct tval *v,
                 const struct tval *path, struct tval *out);
/* Methods on values: s.upper(), d.items(), ... */
int tpl_method(struct tpl_render *r, const struct tpl_node *n, struct tval *self, const char *name,
               struct tval *args, int nargs, struct tval *out);
int tpl_arith(struct tpl_render *r, const struct tpl_node *at, int op, const struct tval *a,
              const struct tval *b, struct tval *out);

#endif
