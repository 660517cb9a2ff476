/* jsonscan: a token-by-token JSON scanner (see include/jsonscan.h). A state
 * machine over the text with a fixed stack of open containers, so neither
 * deep nesting nor a large document costs memory or recursion. The grammar
 * checks mirror json.c's parser; what json_parse accepts this accepts. */
#include "jsonscan.h"

#include "json.h"

#include <string.h>

struct scanner {
    const unsigned char *p;
    const unsigned char *end;
    int max_depth;
    int depth;
    unsigned char open[JSONSCAN_DEPTH_CAP]; /* '{' or '[' of each open container */
    jsonscan_fn fn;
    void *arg;
};

/* What the scanner expects next. */
enum state {
    S_VALUE,  /* a value */
    S_FIRST,  /* the first member or element, or the end of an empty container */
    S_MEMBER, /* a member name (after a comma in an object) */
    S_AFTER   /* a comma or the end of the container (or of the text) */
};

static void skip_ws(struct scanner *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
        s->p++;
}

static int emit(struct scanner *s, enum jsonscan_token t, const unsigned char *text, size_t len)
{
    struct jsonscan_event ev = {t, (const char *)text, len, s->depth};
    return s->fn(s->arg, &ev);
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The 4 hex digits at q into *cp. Returns 0, or -1 when they are not. */
static int hex4(const unsigned char *q, const unsigned char *end, unsigned *cp)
{
    unsigned v = 0;

    if (end - q < 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        int h = hex_value(q[i]);
        if (h < 0)
            return -1;
        v = (v << 4) | (unsigned)h;
    }
    *cp = v;
    return 0;
}

/* Past the \u escape at q (a surrogate pair takes two), or NULL when it is
 * malformed, U+0000 or an unpaired surrogate. */
static const unsigned char *scan_u_escape(const unsigned char *q, const unsigned char *end)
{
    unsigned cp = 0, lo = 0;

    if (hex4(q + 2, end, &cp) != 0 || cp == 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
        return NULL;
    if (cp < 0xD800 || cp > 0xDBFF)
        return q + 6;
    if (end - q < 12 || q[6] != '\\' || q[7] != 'u' || hex4(q + 8, end, &lo) != 0 || lo < 0xDC00 ||
        lo > 0xDFFF)
        return NULL;
    return q + 12;
}

/* Past the string token whose opening quote is at s, or NULL. */
static const unsigned char *scan_string(const unsigned char *s, const unsigned char *end)
{
    const unsigned char *q = s + 1;

    while (q < end) {
        unsigned char c = *q;
        if (c == '"')
            return q + 1;
        if (c < 0x20)
            return NULL;
        if (c >= 0x80) {
            size_t n = json_utf8_seq((const char *)q, (size_t)(end - q));
            if (n == 0)
                return NULL;
            q += n;
        } else if (c != '\\') {
            q++;
        } else if (end - q < 2) {
            return NULL;
        } else if (q[1] == 'u') {
            q = scan_u_escape(q, end);
            if (q == NULL)
                return NULL;
        } else if (q[1] != '\0' && strchr("\"\\/bfnrt", q[1]) != NULL) {
            q += 2;
        } else {
            return NULL;
        }
    }
    return NULL;
}

static const unsigned char *scan_digits(const unsigned char *q, const unsigned char *end)
{
    if (q >= end || *q < '0' || *q > '9')
        return NULL;
    while (q < end && *q >= '0' && *q <= '9')
        q++;
    return q;
}

/* Past the number at s, or NULL (leading zeros, "1.", "-", "1e" ...). */
static const unsigned char *scan_number(const unsigned char *s, const unsigned char *end)
{
    const unsigned char *q = s;

    if (q < end && *q == '-')
        q++;
    if (q < end && *q == '0')
        q++;
    else if ((q = scan_digits(q, end)) == NULL)
        return NULL;
    if (q < end && *q == '.' && (q = scan_digits(q + 1, end)) == NULL)
        return NULL;
    if (q < end && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < end && (*q == '+' || *q == '-'))
            q++;
        q = scan_digits(q, end);
    }
    return q;
}

static const unsigned char *scan_literal(const unsigned char *s, const unsigned char *end,
                                         const char *lit)
{
    size_t n = strlen(lit);
    return (size_t)(end - s) >= n && memcmp(s, lit, n) == 0 ? s + n : NULL;
}

/* A scalar, or the opening bracket of a container, at s->p. */
static int value(struct scanner *s)
{
    const unsigned char *start = s->p, *q = NULL;
    enum jsonscan_token t = JSONSCAN_NUMBER;
    int rc;

    if (start >= s->end)
        return JSONSCAN_INVALID;
    if (*start == '{' || *start == '[') {
        if (s->depth >= s->max_depth)
            return JSONSCAN_INVALID;
        rc = emit(s, *start == '{' ? JSONSCAN_OBJECT_BEGIN : JSONSCAN_ARRAY_BEGIN, start, 1);
        s->open[s->depth++] = *start;
        s->p++;
        return rc;
    }
    if (*start == '"') {
        t = JSONSCAN_STRING;
        q = scan_string(start, s->end);
    } else if (*start == 't') {
        t = JSONSCAN_TRUE;
        q = scan_literal(start, s->end, "true");
    } else if (*start == 'f') {
        t = JSONSCAN_FALSE;
        q = scan_literal(start, s->end, "false");
    } else if (*start == 'n') {
        t = JSONSCAN_NULL;
        q = scan_literal(start, s->end, "null");
    } else {
        q = scan_number(start, s->end);
    }
    if (q == NULL)
        return JSONSCAN_INVALID;
    s->p = q;
    return emit(s, t, start, (size_t)(q - start));
}

/* The closing bracket at s->p of the innermost container. */
static int close_container(struct scanner *s)
{
    const unsigned char *at = s->p;
    int is_obj = s->open[s->depth - 1] == '{';

    if (*at != (is_obj ? '}' : ']'))
        return JSONSCAN_INVALID;
    s->depth--;
    s->p++;
    return emit(s, is_obj ? JSONSCAN_OBJECT_END : JSONSCAN_ARRAY_END, at, 1);
}

/* A member name at s->p and the colon after it. */
static int member_name(struct scanner *s)
{
    const unsigned char *start = s->p, *q;
    int rc;

    if (start >= s->end || *start != '"' || (q = scan_string(start, s->end)) == NULL)
        return JSONSCAN_INVALID;
    s->p = q;
    rc = emit(s, JSONSCAN_NAME, start, (size_t)(q - start));
    if (rc != 0)
        return rc;
    skip_ws(s);
    if (s->p >= s->end || *s->p != ':')
        return JSONSCAN_INVALID;
    s->p++;
    return 0;
}

/* One step from state: consumes a token and says what comes next. */
static int step(struct scanner *s, enum state *state)
{
    int depth = s->depth, rc;

    switch (*state) {
    case S_VALUE:
        rc = value(s);
        *state = s->depth > depth ? S_FIRST : S_AFTER;
        return rc;
    case S_FIRST:
        if (s->p < s->end && (*s->p == '}' || *s->p == ']')) {
            *state = S_AFTER;
            return close_container(s);
        }
        *state = s->open[depth - 1] == '{' ? S_MEMBER : S_VALUE;
        return 0;
    case S_MEMBER:
        *state = S_VALUE;
        return member_name(s);
    case S_AFTER:
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            *state = s->open[depth - 1] == '{' ? S_MEMBER : S_VALUE;
            return 0;
        }
        return s->p < s->end ? close_container(s) : JSONSCAN_INVALID;
    }
    return JSONSCAN_INVALID;
}

int jsonscan(const char *text, size_t len, int max_depth, jsonscan_fn fn, void *arg)
{
    struct scanner s;
    enum state state = S_VALUE;
    int rc;

    s.p = (const unsigned char *)text;
    s.end = s.p + len;
    s.max_depth = max_depth < 0                    ? 0
                  : max_depth > JSONSCAN_DEPTH_CAP ? JSONSCAN_DEPTH_CAP
                                                   : max_depth;
    s.depth = 0;
    s.fn = fn;
    s.arg = arg;
    for (;;) {
        skip_ws(&s);
        if (state == S_AFTER && s.depth == 0)
            return s.p == s.end ? JSONSCAN_OK : JSONSCAN_INVALID;
        rc = step(&s, &state);
        if (rc != 0)
            return rc;
    }
}

/* Appends code point cp as UTF-8. */
static int put_utf8(struct buf *out, unsigned cp)
{
    unsigned char o[4];
    size_t n;

    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        o[0] = (unsigned char)(0xF0 | (cp >> 18));
        o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return buf_append(out, o, n);
}

int jsonscan_decode_string(const char *tok, size_t len, struct buf *out)
{
    const unsigned char *s = (const unsigned char *)tok + 1;
    const unsigned char *end = (const unsigned char *)tok + (len > 0 ? len - 1 : 0), *run = s;
    static const char from[] = "bfnrt\"\\/", to[] = "\b\f\n\r\t\"\\/";
    int rc = BUF_OK;

    while (s < end && rc == BUF_OK) {
        unsigned cp = 0, lo = 0;
        if (*s != '\\') {
            s++;
            continue;
        }
        rc = buf_append(out, run, (size_t)(s - run));
        if (rc == BUF_OK && s[1] == 'u' && hex4(s + 2, end, &cp) == 0) {
            s += 6;
            if (cp >= 0xD800 && cp <= 0xDBFF && hex4(s + 2, end, &lo) == 0) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                s += 6;
            }
            rc = put_utf8(out, cp);
        } else if (rc == BUF_OK) {
            const char *f = s[1] != '\0' ? strchr(from, s[1]) : NULL;
            rc = buf_putc(out, f ? to[f - from] : (char)s[1]);
            s += 2;
        }
        run = s;
    }
    if (rc == BUF_OK && run < end)
        rc = buf_append(out, run, (size_t)(end - run));
    return rc;
}
