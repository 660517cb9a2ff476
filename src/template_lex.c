/* template_lex: turns template source into tokens, as Jinja's lexer does
 * with its default settings: newlines normalised to \n, one trailing newline
 * dropped, `-` whitespace control on {{ }}, {% %} and {# #} (whitespace is
 * Unicode's, as Python's \s: U+00A0, U+3000, ... also part tokens), {% raw %}
 * blocks passed through as data, and tag ends recognised only outside
 * brackets (so {{ {'a': {'b': 1}} }} works). Also holds the arena that owns
 * a compiled template's memory. */
#include "template_internal.h"

#include "b64.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- arena ---- */
struct tpl_arena_chunk {
    struct tpl_arena_chunk *next;
    size_t used, cap;
    max_align_t data[];
};

void *tpl_arena_alloc(struct tpl_arena *a, size_t n)
{
    struct tpl_arena_chunk *c = a->head;
    void *p;
    n = (n + 15) & ~(size_t)15;
    if (c == NULL || c->cap - c->used < n) {
        size_t cap = n > 8192 ? n : 8192;
        c = calloc(1, sizeof(*c) + cap);
        if (c == NULL)
            return NULL;
        c->cap = cap;
        c->next = a->head;
        a->head = c;
    }
    p = (char *)c->data + c->used;
    c->used += n;
    return p;
}

char *tpl_arena_strndup(struct tpl_arena *a, const char *s, size_t n)
{
    char *p = tpl_arena_alloc(a, n + 1);
    if (p != NULL && n > 0)
        memcpy(p, s, n);
    return p;
}

void tpl_arena_free(struct tpl_arena *a)
{
    struct tpl_arena_chunk *c = a->head, *next;
    for (; c != NULL; c = next) {
        next = c->next;
        free(c);
    }
    a->head = NULL;
}

int tpl_fail_at(struct template_error *err, int line, int col, int code, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    if (err == NULL)
        return code;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    err->line = line;
    err->column = col;
    if (line > 0)
        snprintf(err->message, sizeof(err->message), "line %d, column %d: %s", line, col, msg);
    else
        snprintf(err->message, sizeof(err->message), "%s", msg);
    return code;
}

/* ---- lexer ---- */
struct lexer {
    const char *s;
    size_t n, pos;
    size_t scanned, lstart; /* line/column bookkeeping, monotonic */
    int line;
    struct tpl_arena *a;
    struct tpl_tokens *t;
    struct template_error *err;
    int depth; /* open ( [ { inside a tag */
};

static void linecol(struct lexer *lx, size_t off, int *line, int *col)
{
    if (off < lx->scanned) { /* rare: recount from the start */
        lx->scanned = 0;
        lx->lstart = 0;
        lx->line = 1;
    }
    for (; lx->scanned < off; lx->scanned++) {
        if (lx->s[lx->scanned] == '\n') {
            lx->line++;
            lx->lstart = lx->scanned + 1;
        }
    }
    *line = lx->line;
    *col = (int)(off - lx->lstart) + 1;
}

static int lfail(struct lexer *lx, size_t off, const char *fmt, const char *arg)
{
    int line, col;
    linecol(lx, off, &line, &col);
    return tpl_fail_at(lx->err, line, col, TEMPLATE_ESYNTAX, fmt, arg);
}

static int emit(struct lexer *lx, enum tpl_tok type, size_t off, const char *s, size_t len)
{
    struct tpl_token *tk;
    if (lx->t->n == lx->t->cap) {
        size_t cap = lx->t->cap ? lx->t->cap * 2 : 64;
        struct tpl_token *v = realloc(lx->t->v, cap * sizeof(*v));
        if (v == NULL)
            return TEMPLATE_ENOMEM;
        lx->t->v = v;
        lx->t->cap = cap;
    }
    tk = &lx->t->v[lx->t->n++];
    memset(tk, 0, sizeof(*tk));
    tk->type = type;
    linecol(lx, off, &tk->line, &tk->col);
    if (s != NULL) {
        tk->s = tpl_arena_strndup(lx->a, s, len);
        if (tk->s == NULL)
            return TEMPLATE_ENOMEM;
        tk->len = len;
    }
    return 0;
}

/* The end of the whitespace (Python's \s: Unicode, as Jinja's lexer
 * sees it) that starts at s[from], not past to. */
static size_t skip_space(const char *s, size_t from, size_t to)
{
    size_t k;
    for (; from < to; from += k) {
        k = tpl_u_space(s + from, to - from);
        if (k == 0)
            break;
    }
    return from;
}

/* The start of the whitespace that ends at s[to], not before from. */
static size_t skip_space_back(const char *s, size_t from, size_t to)
{
    size_t k;
    for (; to > from; to -= k) {
        k = tpl_u_space_back(s + from, to - from);
        if (k == 0)
            break;
    }
    return to;
}

/* Emits text [from, to) as data, trimmed as whitespace control asks. */
static int emit_data(struct lexer *lx, size_t from, size_t to, int lstrip, int rstrip)
{
    if (lstrip)
        from = skip_space(lx->s, from, to);
    if (rstrip)
        to = skip_space_back(lx->s, from, to);
    if (to == from)
        return 0;
    return emit(lx, TK_DATA, from, lx->s + from, to - from);
}

/* Finds the next "{{", "{%" or "{#" at or after pos; n when none. */
static size_t find_tag(const struct lexer *lx, size_t pos)
{
    for (; pos + 1 < lx->n; pos++) {
        if (lx->s[pos] == '{') {
            char c = lx->s[pos + 1];
            if (c == '{' || c == '%' || c == '#')
                return pos;
        }
    }
    return lx->n;
}

static void put_utf8(struct buf *b, unsigned long cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    buf_append(b, u, n);
}

/* Decodes one escape after a backslash at s[*i] (Python unicode-escape:
 * unknown escapes stay as written). */
static void unescape_one(const char *s, size_t end, size_t *i, struct buf *b)
{
    static const char from[] = "\\'\"abfnrtv", to[] = "\\'\"\a\b\f\n\r\t\v";
    char c = s[*i];
    const char *p = strchr(from, c);
    int digits = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : 0;
    if (c != '\0' && p != NULL) {
        buf_putc(b, to[p - from]);
        (*i)++;
        return;
    }
    if (c >= '0' && c <= '7') {
        unsigned long v = 0;
        int k;
        for (k = 0; k < 3 && *i < end && s[*i] >= '0' && s[*i] <= '7'; k++, (*i)++)
            v = v * 8 + (unsigned long)(s[*i] - '0');
        put_utf8(b, v);
        return;
    }
    if (digits > 0 && *i + (size_t)digits < end + 1) {
        unsigned long v = 0;
        int k;
        for (k = 1; k <= digits && b64_hex_digit((unsigned char)s[*i + (size_t)k]) >= 0; k++)
            v = v * 16 + (unsigned long)b64_hex_digit((unsigned char)s[*i + (size_t)k]);
        if (k > digits && v <= 0x10FFFF && (v < 0xD800 || v > 0xDFFF)) {
            put_utf8(b, v);
            *i += (size_t)digits + 1;
            return;
        }
    }
    buf_putc(b, '\\');
}

static int lex_string(struct lexer *lx)
{
    char q = lx->s[lx->pos];
    size_t start = lx->pos, i = lx->pos + 1;
    struct buf b;
    int rc;
    buf_init(&b, lx->n + 1);
    while (i < lx->n && lx->s[i] != q) {
        if (lx->s[i] == '\\' && i + 1 < lx->n) {
            i++;
            unescape_one(lx->s, lx->n, &i, &b);
        } else {
            buf_putc(&b, lx->s[i++]);
        }
    }
    if (i >= lx->n) {
        buf_free(&b);
        return lfail(lx, start, "unterminated string%s", "");
    }
    rc = emit(lx, TK_STRING, start, buf_str(&b), b.len);
    buf_free(&b);
    lx->pos = i + 1;
    return rc;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Digits with single underscores between them; returns the end. */
static size_t scan_digits(const char *s, size_t n, size_t i)
{
    while (i < n && is_digit(s[i])) {
        i++;
        if (i + 1 < n && s[i] == '_' && is_digit(s[i + 1]))
            i++;
    }
    return i;
}

static int lex_number(struct lexer *lx, int int_only)
{
    const char *s = lx->s;
    size_t start = lx->pos, i = scan_digits(s, lx->n, lx->pos), j;
    int is_float = 0;
    if (!int_only && i + 1 < lx->n && s[i] == '.' && is_digit(s[i + 1])) {
        i = scan_digits(s, lx->n, i + 1);
        is_float = 1;
    }
    if (!int_only && i < lx->n && (s[i] == 'e' || s[i] == 'E')) {
        j = i + 1;
        if (j < lx->n && (s[j] == '+' || s[j] == '-'))
            j++;
        if (j < lx->n && is_digit(s[j])) {
            i = scan_digits(s, lx->n, j);
            is_float = 1;
        }
    }
    lx->pos = i;
    return emit(lx, is_float ? TK_FLOAT : TK_INT, start, s + start, i - start);
}

static int lex_op(struct lexer *lx)
{
    static const char *const two[] = {"**", "//", "==", "!=", "<=", ">="};
    const char *s = lx->s + lx->pos;
    size_t k;
    if (lx->pos + 1 < lx->n)
        for (k = 0; k < sizeof(two) / sizeof(two[0]); k++)
            if (s[0] == two[k][0] && s[1] == two[k][1]) {
                lx->pos += 2;
                return emit(lx, TK_OP, lx->pos - 2, s, 2);
            }
    if (strchr("+-*/%~<>=.,:|()[]{}", s[0]) == NULL || s[0] == '\0')
        return lfail(lx, lx->pos, "unexpected character '%.1s'", s);
    if (s[0] == '(' || s[0] == '[' || s[0] == '{')
        lx->depth++;
    else if ((s[0] == ')' || s[0] == ']' || s[0] == '}') && lx->depth > 0)
        lx->depth--;
    lx->pos++;
    return emit(lx, TK_OP, lx->pos - 1, s, 1);
}

/* At an end delimiter ("}}" or "%}", possibly "-"-prefixed) outside
 * brackets? Returns its length (2 or 3), 0 if not. */
static int at_end(const struct lexer *lx, char close)
{
    const char *s = lx->s + lx->pos;
    size_t left = lx->n - lx->pos;
    if (lx->depth > 0)
        return 0;
    if (left >= 2 && s[0] == close && s[1] == '}')
        return 2;
    if (left >= 3 && s[0] == '-' && s[1] == close && s[2] == '}')
        return 3;
    return 0;
}

/* Tokens of one {{ }} or {% %} tag; *strip_after set for "-}}". */
static int lex_tag(struct lexer *lx, char close, int *strip_after)
{
    int rc, end;
    lx->depth = 0;
    for (;;) {
        size_t before = lx->t->n;
        lx->pos = skip_space(lx->s, lx->pos, lx->n);
        if (lx->pos >= lx->n)
            return lfail(lx, lx->pos, "unexpected end of template, expected '%s'",
                         close == '}' ? "}}" : "%}");
        end = at_end(lx, close);
        if (end) {
            *strip_after = end == 3;
            rc = emit(lx, close == '}' ? TK_VAR_END : TK_BLOCK_END, lx->pos, NULL, 0);
            lx->pos += (size_t)end;
            return rc;
        }
        char c = lx->s[lx->pos];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') {
            size_t st = lx->pos;
            while (lx->pos < lx->n &&
                   (is_digit(lx->s[lx->pos]) || lx->s[lx->pos] == '_' ||
                    ((lx->s[lx->pos] | 32) >= 'a' && (lx->s[lx->pos] | 32) <= 'z')))
                lx->pos++;
            rc = emit(lx, TK_NAME, st, lx->s + st, lx->pos - st);
        } else if (is_digit(c)) {
            int after_dot = before > 0 && lx->t->v[before - 1].type == TK_OP &&
                            lx->t->v[before - 1].s[0] == '.';
            rc = lex_number(lx, after_dot);
        } else if (c == '\'' || c == '"') {
            rc = lex_string(lx);
        } else {
            rc = lex_op(lx);
        }
        if (rc != 0)
            return rc;
    }
}

/* Handles {% raw %}...{% endraw %} once "raw" and "%}" were lexed: drops
 * those tokens and emits the content as data. */
static int lex_raw(struct lexer *lx, int strip_after, int *strip_next)
{
    size_t p = lx->pos, q;
    lx->t->n -= 3; /* BLOCK_BEGIN raw BLOCK_END */
    for (q = p; q + 1 < lx->n; q++) {
        size_t k = q + 2;
        int rstrip = 0;
        if (lx->s[q] != '{' || lx->s[q + 1] != '%')
            continue;
        if (k < lx->n && (lx->s[k] == '-' || lx->s[k] == '+'))
            rstrip = lx->s[k++] == '-';
        k = skip_space(lx->s, k, lx->n);
        if (lx->n - k < 6 || memcmp(lx->s + k, "endraw", 6) != 0)
            continue;
        k = skip_space(lx->s, k + 6, lx->n);
        *strip_next = k < lx->n && lx->s[k] == '-';
        if (*strip_next)
            k++;
        if (lx->n - k < 2 || lx->s[k] != '%' || lx->s[k + 1] != '}')
            continue;
        lx->pos = k + 2;
        return emit_data(lx, p, q, strip_after, rstrip);
    }
    return lfail(lx, p, "unexpected end of template, expected 'endraw'%s", "");
}

static int lex_comment(struct lexer *lx, size_t start, int *strip_next)
{
    size_t q;
    for (q = start + 2; q + 1 < lx->n; q++) {
        if (lx->s[q] == '#' && lx->s[q + 1] == '}') {
            *strip_next = q > start + 2 && lx->s[q - 1] == '-';
            lx->pos = q + 2;
            return 0;
        }
    }
    return lfail(lx, start, "unexpected end of template, comment not closed%s", "");
}

static int lex_all(struct lexer *lx)
{
    int strip_next = 0, rc;
    while (lx->pos < lx->n) {
        size_t tag = find_tag(lx, lx->pos);
        int strip_before = tag + 2 < lx->n && lx->s[tag + 2] == '-';
        rc = emit_data(lx, lx->pos, tag, strip_next, strip_before);
        if (rc != 0 || tag >= lx->n)
            return rc;
        strip_next = 0;
        lx->pos = tag + 2 + (size_t)(strip_before || (tag + 2 < lx->n && lx->s[tag + 2] == '+'));
        if (lx->s[tag + 1] == '#') {
            rc = lex_comment(lx, tag, &strip_next);
        } else {
            char close = lx->s[tag + 1] == '{' ? '}' : '%';
            size_t first = lx->t->n;
            rc = emit(lx, close == '}' ? TK_VAR_BEGIN : TK_BLOCK_BEGIN, tag, NULL, 0);
            if (rc == 0)
                rc = lex_tag(lx, close, &strip_next);
            if (rc == 0 && close == '%' && lx->t->n == first + 3 &&
                lx->t->v[first + 1].type == TK_NAME && strcmp(lx->t->v[first + 1].s, "raw") == 0)
                rc = lex_raw(lx, strip_next, &strip_next);
        }
        if (rc != 0)
            return rc;
        if (strip_next)
            lx->pos = skip_space(lx->s, lx->pos, lx->n);
        strip_next = 0;
    }
    return 0;
}

int tpl_lex(const char *src, size_t len, struct tpl_arena *a, struct tpl_tokens *toks,
            struct template_error *err)
{
    struct lexer lx;
    char *norm = malloc(len + 1);
    size_t i, n = 0;
    int rc;
    if (norm == NULL)
        return TEMPLATE_ENOMEM;
    for (i = 0; i < len; i++) { /* \r\n and \r become \n, as Jinja does */
        if (src[i] == '\r') {
            norm[n++] = '\n';
            if (i + 1 < len && src[i + 1] == '\n')
                i++;
        } else {
            norm[n++] = src[i];
        }
    }
    if (n > 0 && norm[n - 1] == '\n') /* keep_trailing_newline=False */
        n--;
    norm[n] = '\0';
    memset(&lx, 0, sizeof(lx));
    lx.s = norm;
    lx.n = n;
    lx.line = 1;
    lx.a = a;
    lx.t = toks;
    lx.err = err;
    rc = lex_all(&lx);
    if (rc == 0)
        rc = emit(&lx, TK_EOF, n, NULL, 0);
    free(norm);
    return rc;
}
