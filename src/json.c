/* json: a strict RFC 8259 parser into cJSON trees whose number nodes keep
 * their exact text, and printers that write numbers by that text.
 *
 * The parser is recursive descent bounded by max_depth (itself capped at
 * JSON_DEPTH_CAP so no caller can exhaust the stack). It allocates once per
 * node and once per string or number, never per character: strings are
 * scanned and validated first, then decoded into one buffer of the exact
 * size. Line and column are computed only when an error is reported.
 * The printers are in json_print.c. */
#include "json.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numparse.h"

#define JSON_DEPTH_CAP 1024
/* Objects with more members than this are checked for duplicate keys with a
 * hash table instead of pairwise comparison. */
#define DEDUP_LINEAR_MAX 8

struct parser {
    const unsigned char *start;
    const unsigned char *p;
    const unsigned char *end;
    int max_depth;
    struct json_error *err;
};

static int parse_value(struct parser *ps, int depth, cJSON **out);

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when the bytes there
 * are not one (overlong, surrogate, above U+10FFFF, truncated). */
static size_t utf8_seq(const unsigned char *s, const unsigned char *end)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xBF;
    size_t n;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4;
    else
        return 0;
    if (c == 0xE0)
        lo = 0xA0;
    else if (c == 0xED)
        hi = 0x9F;
    else if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F;
    if ((size_t)(end - s) < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return n;
}

/* Code point of the valid sequence of n bytes at s. */
static unsigned utf8_decode(const unsigned char *s, size_t n)
{
    if (n == 1)
        return s[0];
    if (n == 2)
        return ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu);
    if (n == 3)
        return ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
    return ((s[0] & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
}

static size_t utf8_encode(unsigned cp, unsigned char *o)
{
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

size_t json_utf8_seq(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    return len == 0 ? 0 : utf8_seq(p, p + len);
}

int json_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        size_t n = *p < 0x80 ? 1 : utf8_seq(p, end);
        if (n == 0)
            return 0;
        p += n;
    }
    return 1;
}

/* ---- errors ---- */

/* Fills ps->err: what, then " at line L, column C" for the byte at `at`.
 * Always returns -1 so callers can `return fail(...)`. */
static int fail(struct parser *ps, const unsigned char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct parser *ps, const unsigned char *at, const char *fmt, ...)
{
    struct json_error *e = ps->err;
    const unsigned char *line_start = ps->start;
    size_t line = 1, col;
    char what[96];
    va_list ap;

    for (const unsigned char *q = ps->start; q < at; q++) {
        if (*q == '\n') {
            line++;
            line_start = q + 1;
        }
    }
    col = (size_t)(at - line_start) + 1;
    e->line = line > INT32_MAX ? INT32_MAX : (int)line;
    e->column = col > INT32_MAX ? INT32_MAX : (int)col;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    snprintf(e->message, sizeof(e->message), "%s at line %d, column %d", what, e->line, e->column);
    return -1;
}

/* Describes the byte at `at` that the grammar did not expect. */
static int unexpected(struct parser *ps, const unsigned char *at)
{
    size_t n;

    if (at >= ps->end)
        return fail(ps, at, "unexpected end of input");
    if (*at >= 0x20 && *at < 0x7F)
        return fail(ps, at, "unexpected '%c'", *at);
    if (*at < 0x80)
        return fail(ps, at, "unexpected byte 0x%02X", *at);
    n = utf8_seq(at, ps->end);
    if (n == 0)
        return fail(ps, at, "invalid UTF-8");
    return fail(ps, at, "unexpected character U+%04X", utf8_decode(at, n));
}

static int oom(struct parser *ps)
{
    return fail(ps, ps->p, "out of memory");
}

/* ---- scanning ---- */

static void skip_ws(struct parser *ps)
{
    const unsigned char *p = ps->p, *end = ps->end;
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    ps->p = p;
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* End of the JSON number starting at s, or NULL when s..end does not start
 * with a valid one (leading zeros, "1.", "-", "1e" ...). */
static const unsigned char *scan_number(const unsigned char *s, const unsigned char *end)
{
    const unsigned char *q = s;

    if (q < end && *q == '-')
        q++;
    if (q >= end || !is_digit(*q))
        return NULL;
    if (*q == '0') {
        q++;
        if (q < end && is_digit(*q))
            return NULL;
    } else {
        while (q < end && is_digit(*q))
            q++;
    }
    if (q < end && *q == '.') {
        q++;
        if (q >= end || !is_digit(*q))
            return NULL;
        while (q < end && is_digit(*q))
            q++;
    }
    if (q < end && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < end && (*q == '+' || *q == '-'))
            q++;
        if (q >= end || !is_digit(*q))
            return NULL;
        while (q < end && is_digit(*q))
            q++;
    }
    return q;
}

/* A number node for the len bytes of valid number text at s. */
static cJSON *number_node(const char *s, size_t len)
{
    char *text = malloc(len + 1);
    cJSON *n;

    if (text == NULL)
        return NULL;
    memcpy(text, s, len);
    text[len] = '\0';
    n = cJSON_CreateNumber(strtod(text, NULL));
    if (n == NULL) {
        free(text);
        return NULL;
    }
    n->valuestring = text;
    return n;
}

static int parse_number(struct parser *ps, cJSON **out)
{
    const unsigned char *s = ps->p, *q = scan_number(s, ps->end);

    if (q == NULL)
        return fail(ps, s, "invalid number");
    *out = number_node((const char *)s, (size_t)(q - s));
    if (*out == NULL)
        return oom(ps);
    ps->p = q;
    return 0;
}

/* Reads 4 hex digits at s. Returns 0, -1 when one is not hex, -2 when the
 * input ends first. */
static int hex4(const unsigned char *s, const unsigned char *end, unsigned *cp)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c;
        if (s + i >= end)
            return -2;
        c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *cp = v;
    return 0;
}

/* Checks the \u escape at q (q[0] == '\\', q[1] == 'u'), pairing
 * surrogates. Sets *cp and *used (6 or 12 bytes). */
static int check_u_escape(struct parser *ps, const unsigned char *q, unsigned *cp, size_t *used)
{
    unsigned lo = 0;
    int rc = hex4(q + 2, ps->end, cp);

    if (rc != 0)
        return rc == -2 ? fail(ps, ps->end, "unexpected end of input")
                        : fail(ps, q, "invalid \\u escape");
    *used = 6;
    if (*cp == 0)
        return fail(ps, q, "\\u0000 (NUL) is not allowed in strings");
    if (*cp >= 0xDC00 && *cp <= 0xDFFF)
        return fail(ps, q, "unpaired surrogate \\u%04X", *cp);
    if (*cp >= 0xD800 && *cp <= 0xDBFF) {
        if (ps->end - q < 12 || q[6] != '\\' || q[7] != 'u' || hex4(q + 8, ps->end, &lo) != 0 ||
            lo < 0xDC00 || lo > 0xDFFF)
            return fail(ps, q, "unpaired surrogate \\u%04X", *cp);
        *cp = 0x10000 + ((*cp - 0xD800) << 10) + (lo - 0xDC00);
        *used = 12;
    }
    return 0;
}

/* Pass 1 over the string whose opening quote is at ps->p: validates it and
 * returns the closing quote in *close, the decoded length in *need and
 * whether any escape was seen. */
static int scan_string(struct parser *ps, const unsigned char **close, size_t *need, int *escaped)
{
    const unsigned char *q = ps->p + 1, *end = ps->end;
    size_t n = 0, used = 0;
    unsigned cp = 0;

    *escaped = 0;
    while (q < end) {
        unsigned char c = *q;
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            q++;
            n++;
        } else if (c == '"') {
            *close = q;
            *need = n;
            return 0;
        } else if (c >= 0x80) {
            used = utf8_seq(q, end);
            if (used == 0)
                return fail(ps, q, "invalid UTF-8");
            q += used;
            n += used;
        } else if (c < 0x20) {
            return fail(ps, q, "unescaped control character 0x%02X in string", c);
        } else { /* backslash */
            *escaped = 1;
            if (end - q < 2)
                return fail(ps, end, "unexpected end of input");
            if (q[1] == 'u') {
                if (check_u_escape(ps, q, &cp, &used) != 0)
                    return -1;
                q += used;
                n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            } else if (strchr("\"\\/bfnrt", q[1]) != NULL && q[1] != '\0') {
                q += 2;
                n++;
            } else {
                return fail(ps, q, "invalid escape in string");
            }
        }
    }
    return fail(ps, end, "unexpected end of input");
}

/* Pass 2: decodes the validated body [s, close) into o. */
static void decode_string(const unsigned char *s, const unsigned char *close, unsigned char *o)
{
    while (s < close) {
        if (*s != '\\') {
            *o++ = *s++;
            continue;
        }
        switch (s[1]) {
        case 'b':
            *o++ = '\b';
            break;
        case 'f':
            *o++ = '\f';
            break;
        case 'n':
            *o++ = '\n';
            break;
        case 'r':
            *o++ = '\r';
            break;
        case 't':
            *o++ = '\t';
            break;
        case 'u': {
            unsigned cp, lo;
            hex4(s + 2, close, &cp);
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                hex4(s + 8, close, &lo);
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                s += 6;
            }
            o += utf8_encode(cp, o);
            s += 6;
            continue;
        }
        default:
            *o++ = s[1];
            break;
        }
        s += 2;
    }
    *o = '\0';
}

/* Parses the string at ps->p into a malloc'd NUL-terminated copy. */
static int parse_string_text(struct parser *ps, char **out)
{
    const unsigned char *close = NULL;
    size_t need = 0;
    int escaped;
    char *s;

    if (scan_string(ps, &close, &need, &escaped) != 0)
        return -1;
    s = malloc(need + 1);
    if (s == NULL)
        return oom(ps);
    if (escaped) {
        decode_string(ps->p + 1, close, (unsigned char *)s);
    } else {
        memcpy(s, ps->p + 1, need);
        s[need] = '\0';
    }
    ps->p = close + 1;
    *out = s;
    return 0;
}

static int parse_literal(struct parser *ps, const char *lit, int type, cJSON **out)
{
    size_t i;
    for (i = 0; lit[i] != '\0'; i++) {
        if (ps->p + i >= ps->end || ps->p[i] != (unsigned char)lit[i])
            return unexpected(ps, ps->p + i);
    }
    *out = type == cJSON_True    ? cJSON_CreateTrue()
           : type == cJSON_False ? cJSON_CreateFalse()
                                 : cJSON_CreateNull();
    if (*out == NULL)
        return oom(ps);
    ps->p += i;
    return 0;
}

/* ---- containers ---- */

/* Appends item to parent's children keeping cJSON's invariant that the first
 * child's prev points at the last one. */
static void link_child(cJSON *parent, cJSON **tail, cJSON *item)
{
    if (*tail == NULL) {
        parent->child = item;
    } else {
        (*tail)->next = item;
        item->prev = *tail;
    }
    parent->child->prev = item;
    *tail = item;
}

/* Last wins, first position kept: keep takes dup's value, dup (now holding
 * keep's old value) is unlinked from obj and freed. */
static void merge_duplicate(cJSON *obj, cJSON *keep, cJSON *dup)
{
    cJSON tmp = *keep;

    keep->type = dup->type;
    keep->valuestring = dup->valuestring;
    keep->valueint = dup->valueint;
    keep->valuedouble = dup->valuedouble;
    keep->child = dup->child;
    dup->type = tmp.type;
    dup->valuestring = tmp.valuestring;
    dup->valueint = tmp.valueint;
    dup->valuedouble = tmp.valuedouble;
    dup->child = tmp.child;

    dup->prev->next = dup->next;
    if (dup->next != NULL)
        dup->next->prev = dup->prev;
    else
        obj->child->prev = dup->prev;
    dup->next = dup->prev = NULL;
    cJSON_Delete(dup);
}

static size_t key_hash(const char *s)
{
    size_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* Removes duplicate keys of obj (count members). Returns -1 on OOM. */
static int dedup_members(cJSON *obj, size_t count)
{
    cJSON *it, *next, **slots;
    size_t nslots = 16, mask;

    if (count <= DEDUP_LINEAR_MAX) {
        for (it = obj->child; it != NULL; it = next) {
            next = it->next;
            for (cJSON *e = obj->child; e != it; e = e->next) {
                if (strcmp(e->string, it->string) == 0) {
                    merge_duplicate(obj, e, it);
                    break;
                }
            }
        }
        return 0;
    }
    while (nslots < count * 2)
        nslots *= 2;
    slots = calloc(nslots, sizeof(*slots));
    if (slots == NULL)
        return -1;
    mask = nslots - 1;
    for (it = obj->child; it != NULL; it = next) {
        size_t i = key_hash(it->string) & mask;
        next = it->next;
        while (slots[i] != NULL && strcmp(slots[i]->string, it->string) != 0)
            i = (i + 1) & mask;
        if (slots[i] == NULL)
            slots[i] = it;
        else
            merge_duplicate(obj, slots[i], it);
    }
    free(slots);
    return 0;
}

/* One "key": value member of an object, linked into obj. */
static int parse_member(struct parser *ps, int depth, cJSON *obj, cJSON **tail)
{
    char *key = NULL;
    cJSON *child = NULL;

    skip_ws(ps);
    if (ps->p >= ps->end || *ps->p != '"')
        return unexpected(ps, ps->p);
    if (parse_string_text(ps, &key) != 0)
        return -1;
    skip_ws(ps);
    if (ps->p >= ps->end || *ps->p != ':') {
        free(key);
        return unexpected(ps, ps->p);
    }
    ps->p++;
    if (parse_value(ps, depth, &child) != 0) {
        free(key);
        return -1;
    }
    child->string = key;
    link_child(obj, tail, child);
    return 0;
}

/* Object or array at ps->p; depth is this container's own depth. */
static int parse_container(struct parser *ps, int depth, cJSON **out)
{
    int is_obj = *ps->p == '{';
    unsigned char close = is_obj ? '}' : ']';
    cJSON *c, *tail = NULL, *child = NULL;
    size_t count = 0;

    if (depth > ps->max_depth)
        return fail(ps, ps->p, "nesting deeper than %d", ps->max_depth);
    c = is_obj ? cJSON_CreateObject() : cJSON_CreateArray();
    if (c == NULL)
        return oom(ps);
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        *out = c;
        return 0;
    }
    for (;;) {
        if (is_obj) {
            if (parse_member(ps, depth, c, &tail) != 0)
                goto fail;
        } else {
            if (parse_value(ps, depth, &child) != 0)
                goto fail;
            link_child(c, &tail, child);
        }
        count++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            break;
        }
        unexpected(ps, ps->p);
        goto fail;
    }
    if (is_obj && count > 1 && dedup_members(c, count) != 0) {
        oom(ps);
        goto fail;
    }
    *out = c;
    return 0;
fail:
    cJSON_Delete(c);
    return -1;
}

/* Any value at ps->p (after whitespace). depth is the enclosing depth. */
static int parse_value(struct parser *ps, int depth, cJSON **out)
{
    char *s = NULL;

    *out = NULL;
    skip_ws(ps);
    if (ps->p >= ps->end)
        return unexpected(ps, ps->p);
    switch (*ps->p) {
    case '{':
    case '[':
        return parse_container(ps, depth + 1, out);
    case '"':
        if (parse_string_text(ps, &s) != 0)
            return -1;
        *out = cJSON_CreateNull();
        if (*out == NULL) {
            free(s);
            return oom(ps);
        }
        (*out)->type = cJSON_String;
        (*out)->valuestring = s;
        return 0;
    case 't':
        return parse_literal(ps, "true", cJSON_True, out);
    case 'f':
        return parse_literal(ps, "false", cJSON_False, out);
    case 'n':
        return parse_literal(ps, "null", cJSON_NULL, out);
    case '-':
    case '+':
    case '.':
        return parse_number(ps, out);
    default:
        if (is_digit(*ps->p))
            return parse_number(ps, out);
        return unexpected(ps, ps->p);
    }
}

int json_parse(const char *text, size_t len, int max_depth, cJSON **out, struct json_error *err)
{
    struct json_error local;
    struct parser ps;
    cJSON *root = NULL;

    if (err == NULL)
        err = &local;
    memset(err, 0, sizeof(*err));
    *out = NULL;
    if (text == NULL)
        len = 0;
    ps.start = ps.p = (const unsigned char *)(text ? text : "");
    ps.end = ps.start + len;
    ps.max_depth = max_depth < 0 ? 0 : max_depth > JSON_DEPTH_CAP ? JSON_DEPTH_CAP : max_depth;
    ps.err = err;
    skip_ws(&ps);
    if (ps.p == ps.end) {
        /* SPEC 4.1: this one names its line and column too. */
        return fail(&ps, ps.p, "empty body");
    }
    if (parse_value(&ps, 0, &root) != 0)
        return -1;
    skip_ws(&ps);
    if (ps.p != ps.end) {
        cJSON_Delete(root);
        return fail(&ps, ps.p, "trailing characters");
    }
    *out = root;
    return 0;
}

/* ---- construction and lookup ---- */

cJSON *json_number_from_text(const char *text)
{
    size_t len = text ? strlen(text) : 0;
    const unsigned char *s = (const unsigned char *)text;

    if (len == 0 || scan_number(s, s + len) != s + len)
        return NULL;
    return number_node(text, len);
}

cJSON *json_number_from_ll(long long v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof(tmp), "%lld", v);
    return number_node(tmp, (size_t)n);
}

cJSON *json_get(const cJSON *object, const char *name)
{
    if (object == NULL || name == NULL || !cJSON_IsObject(object))
        return NULL;
    return cJSON_GetObjectItemCaseSensitive(object, name);
}

int json_text_has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

const char *json_get_string(const cJSON *object, const char *name)
{
    const cJSON *it = json_get(object, name);
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

long long json_get_ll(const cJSON *object, const char *name, long long def)
{
    const cJSON *it = json_get(object, name);
    const char *errstr;
    long long v;
    double d;

    if (!cJSON_IsNumber(it))
        return def;
    if (it->valuestring != NULL &&
        num_parse_ll(it->valuestring, LLONG_MIN, LLONG_MAX, &v, &errstr) == 0)
        return v;
    d = it->valuedouble;
    if (d != floor(d) || !(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
        return def;
    return (long long)d;
}
