/* template_filters: Jinja's filters (SPEC section 9 lists the required
 * ones), following jinja2/filters.py of Jinja 3.1 with autoescape off.
 * Case changes, whitespace and number parsing are Unicode-aware as Python's
 * str methods are (template_unicode). `safe`, `tojson` and `urlencode` mark
 * their result safe: it is inserted as is in JSON and URL modes. */
#include "template_internal.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"

/* Positional argument pos, or the keyword kw; NULL when not given. */
struct tval *tpl_arg(const struct tpl_node *n, struct tval *args, int nargs, int pos,
                     const char *kw)
{
    int p = 0;
    for (int k = 0; k < nargs; k++) {
        if (n->kwnames == NULL || n->kwnames[k] == NULL) {
            if (p++ == pos)
                return &args[k];
        } else if (kw != NULL && strcmp(n->kwnames[k], kw) == 0) {
            return &args[k];
        }
    }
    return NULL;
}

static void take(struct tval *from, struct tval *out)
{
    *out = *from;
    memset(from, 0, sizeof(*from));
}

static int as_str(struct tpl_render *r, const struct tpl_node *n, const struct tval *v,
                  struct buf *b)
{
    buf_init(b, r->max_output);
    return tv_write_str(r, n, v, b);
}

int tpl_new_list(struct tpl_render *r, const struct tpl_node *n, cJSON **list)
{
    *list = cJSON_CreateArray();
    return *list == NULL ? tpl_fail(r, n, TEMPLATE_ENOMEM, "out of memory") : 0;
}

static void list_value(cJSON *list, struct tval *out)
{
    memset(out, 0, sizeof(*out));
    out->kind = TV_LIST;
    out->j = list;
    out->flags = TVF_OWNED;
}

int tpl_list_result(cJSON *list, int rc, struct tval *out)
{
    if (rc != 0)
        cJSON_Delete(list);
    else
        list_value(list, out);
    return rc;
}

static int list_add(struct tpl_render *r, const struct tpl_node *n, cJSON *list, struct tval *item)
{
    cJSON *j;
    item->flags |= TVF_MORTAL;
    if ((j = tv_take_json(r, n, item)) == NULL)
        return tpl_status(r);
    cJSON_AddItemToArray(list, j);
    return 0;
}

/* Jinja's attribute paths: "a.b.0" */
int tpl_get_path(struct tpl_render *r, const struct tpl_node *n, const struct tval *v,
                 const struct tval *path, struct tval *out)
{
    const char *p, *end, *dot;
    struct tval cur = *v;
    cur.flags &= ~TVF_OWNED;
    if (path->kind == TV_INT)
        return tv_getitem(r, n, &cur, path, out);
    if (path->kind != TV_STR)
        return tpl_fail(r, n, TEMPLATE_ERENDER, "attribute must be a string");
    for (p = path->s, end = p + path->len; p <= end; p = dot + 1) {
        struct tval key, next;
        dot = memchr(p, '.', (size_t)(end - p));
        if (dot == NULL)
            dot = end;
        tv_str_borrow(p, (size_t)(dot - p), &key);
        if (dot > p && p[0] >= '0' && p[0] <= '9') {
            const char *q = p;
            tv_int(0, &key);
            for (; q < dot && *q >= '0' && *q <= '9'; q++) /* too big: past any list's end */
                key.i = key.i > LLONG_MAX / 10 - 10 ? LLONG_MAX : key.i * 10 + (*q - '0');
        }
        tv_getitem(r, n, &cur, &key, &next);
        cur = next;
        if (cur.kind == TV_UNDEF)
            break;
    }
    *out = cur;
    return 0;
}

static int f_default(struct tpl_render *r, const struct tpl_node *n, struct tval *val,
                     struct tval *args, int nargs, struct tval *out)
{
    struct tval *def = tpl_arg(n, args, nargs, 0, "default_value");
    struct tval *boolean = tpl_arg(n, args, nargs, 1, "boolean");
    (void)r;
    if (val->kind == TV_UNDEF || (boolean != NULL && tv_truthy(boolean) && !tv_truthy(val))) {
        if (def != NULL)
            take(def, out);
        else
            tv_str_borrow("", 0, out);
    } else {
        take(val, out);
    }
    return 0;
}

/* A failed append to a string being built: the output limit, or memory. */
static int str_fail(struct tpl_render *r, const struct tpl_node *n, int rc)
{
    return rc == BUF_NOMEM ? tpl_fail(r, n, TEMPLATE_ENOMEM, "out of memory")
                           : tpl_fail(r, n, TEMPLATE_ELIMIT, "string too large");
}

int tpl_str_case(struct tpl_render *r, const struct tpl_node *n, struct tval *val,
                 enum tpl_u_case mode, struct tval *out)
{
    struct buf s, b;
    int rc = 0;
    buf_init(&s, r->max_output);
    buf_init(&b, r->max_output);
    if (val->kind != TV_STR)
        rc = tv_write_str(r, n, val, &s);
    if (rc == 0) {
        rc = val->kind == TV_STR ? tpl_u_case(mode, val->s, val->len, &b)
                                 : tpl_u_case(mode, buf_str(&s), s.len, &b);
        rc = rc != 0 ? str_fail(r, n, rc) : tv_str_own(r, n, &b, out);
    }
    buf_free(&s);
    buf_free(&b);
    return rc;
}

/* The characters of set (Python: c in chars). */
static int in_chars(const char *set, size_t setlen, const char *c, size_t k)
{
    for (size_t i = 0, m; i < setlen; i += m) {
        m = tpl_u_char_len(set + i, setlen - i);
        if (m == k && memcmp(set + i, c, k) == 0)
            return 1;
    }
    return 0;
}

/* str.strip(): Unicode whitespace, or the characters of chars. */
static int f_trim(struct tpl_render *r, const struct tpl_node *n, struct tval *val,
                  struct tval *args, int nargs, struct tval *out)
{
    struct tval *set = tpl_arg(n, args, nargs, 0, "chars");
    struct buf b;
    size_t s = 0, e, k;
    int rc = as_str(r, n, val, &b);
    const char *d = buf_str(&b);
    if (set != NULL && set->kind != TV_STR)
        set = NULL;
    e = b.len;
    for (; s < e; s += k) {
        k = set != NULL ? tpl_u_char_len(d + s, e - s) : tpl_u_space(d + s, e - s);
        if (k == 0 || (set != NULL && !in_chars(set->s, set->len, d + s, k)))
            break;
    }
    for (; e > s; e -= k) {
        k = set != NULL ? tpl_u_char_back(d + s, e - s) : tpl_u_space_back(d + s, e - s);
        if (k == 0 || (set != NULL && !in_chars(set->s, set->len, d + e - k, k)))
            break;
    }
    if (rc == 0)
        rc = tv_str_copy(r, n, d + s, e - s, out);
    buf_free(&b);
    return rc;
}

static int f_replace(struct tpl_render *r, const struct tpl_node *n, struct tval *val,
                     struct tval *args, int nargs, struct tval *out)
{
    struct tval *old = tpl_arg(n, args, nargs, 0, "old"), *new = tpl_arg(n, args, nargs, 1, "new");
    struct tval *count = tpl_arg(n, args, nargs, 2, "count");
    struct buf s, o, ob, nb;
    long long left = count != NULL && count->kind == TV_INT ? count->i : -1;
    int rc;
    if (old == NULL || new == NULL)
        return tpl_fail(r, n, TEMPLATE_ERENDER, "replace() needs old and new");
    rc = as_str(r, n, val, &s);
    buf_init(&ob, r->max_output);
    buf_init(&nb, r->max_output);
    buf_init(&o, r->max_output);
    if (rc == 0 && (rc = tv_write_str(r, n, old, &ob)) == 0)
        rc = tv_write_str(r, n, new, &nb);
    for (size_t i = 0; rc == 0 && i <= s.len;) {
        /* an empty old matches between characters, not bytes */
        size_t step = ob.len == 0 && i < s.len ? tpl_u_char_len(s.data + i, s.len - i) : 1;
        int hit = left != 0 && ob.len <= s.len - i &&
                  (ob.len == 0 || memcmp(s.data + i, ob.data, ob.len) == 0);
        if (hit) {
            rc = buf_append(&o, buf_str(&nb), nb.len);
            left--;
        }
        if (rc == 0 && i < s.len && (ob.len == 0 || !hit))
            rc = buf_append(&o, s.data + i, step);
        i += hit && ob.len > 0 ? ob.len : step;
    }
    if (rc > 0 || rc == BUF_TOOBIG || rc == BUF_NOMEM)
        rc = tpl_fail(r, n, TEMPLATE_ELIMIT, "string too large");
    if (rc == 0)
        rc = tv_str_own(r, n, &o, out);
    buf_free(&s);
    buf_free(&ob);
    buf_free(&nb);
    buf_free(&o);
    return rc;
}

static int f_join(struct tpl_render *r, const struct tpl_node *n, struct tval *val,
                  struct tval *args, int nargs, struct tval *out)
{
    struct tval *sep = tpl_arg(n, args, nargs, 0, "d"),
                *attr = tpl_arg(n, args, nargs, 1, "attribute");
    struct tv_iter it;
    struct tval item, part;
    struct buf b;
    int rc = 0, first = 1;
    if (tv_iter_begin(val, &it) != 0)
        return tpl_fail(r, n, TEMPLATE_ERENDER, "can only join an iterable");
    buf_init(&b, r->max_output);
    while (rc == 0 && tv_iter_next(&it, &item) == 1) {
        if (!first && sep != NULL)
            rc = tv_write_str(r, n, sep, &b);
        first = 0;
        if (rc == 0 && attr != NULL && (rc = tpl_get_path(r, n, &item, attr, &part)) == 0)
            item = part;
        if (rc == 0)
            rc = tv_write_str(r, n, &item, &b);
    }
    if (rc == 0)
        return tv_str_own(r, n, &b, out);
    buf_free(&b);
    return rc;
}

static int f_first_last(struct tpl_render *r, const struct tpl_node *n, struct tval *val,
                        struct tval *out)
{
    struct tv_iter it;
    struct tval item;
    int got = 0;
    if (tv_iter_begin(val, &it) != 0)
        return tpl_fail(r, n, TEMPLATE_ERENDER, "'%s' object is not iterable", tv_type_name(val));
    memset(out, 0, sizeof(*out));
    while (tv_iter_next(&it, &item) == 1) {
        *out = item;
        got = 1;
        if (n->s[0] == 'f')
            break;
    }
    if (!got)
        out->src = n;
    return (val->flags & TVF_OWNED) ? (out->flags |= TVF_MORTAL, tv_detach(r, n, out)) : 0;
}

/* Python int(x) / float(x) for a string; 0 on success. */
static int parse_int_str(const char *s, size_t len, long long *out)
{
    char tmp[64];
    size_t k = 0, i = 0;
    char *end;
    while (i < len && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')))
        i++;
    while (len > i && (s[len - 1] == ' ' || (s[len - 1] >= '\t' && s[len - 1] <= '\r')))
        len--;
    for (; i < len && k < sizeof(tmp) - 1; i++) {
        if (s[i] == '_' && k > 0 && tmp[k - 1] >= '0' && tmp[k - 1] <= '9' && i + 1 < len &&
            s[i + 1] >= '0' && s[i + 1] <= '9')
            continue;
        tmp[k++] = s[i];
    }
    tmp[k] = '\0';
    if (k == 0 || i < len || strchr("+-0123456789", tmp[0]) == NULL || tmp[k - 1] < '0' ||
        tmp[k - 1] > '9' || strpbrk(tmp + 1, "+- \t") != NULL)
        return -1;
    errno = 0;
    *out = strtoll(tmp, &end, 10);
    return *end == '\0' && errno == 0 ? 0 : -1;
}

static int parse_float_str(const char *s, size_t len, double *out)
{
    char tmp[128];
    char *end;
    size_t k = 0, i;
    for (i = 0; i < len && k < sizeof(tmp) - 1; i++)
        if (s[i] != '_')
            tmp[k++] = s[i];
    if (i < len || k == 0)
        return -1;
    tmp[k] = '\0';
    if (strpbrk(tmp, "xXpP") != NULL)
        return -1;
    *out = strtod(tmp, &end);
    while (*end == ' ' || (*end >= '\t' && *end <= '\r'))
        end++;
    return end != tmp && *end == '\0' && !(tmp[0] == ' ' && k == 1) ? 0 : -1;
}

/* A string read as Python's int() (is_int; Jinja's int filter then tries
 * float()) or float() reads it, Unicode whitespace and decimal digits
 * included: 'i' with *i, 'f' with *d, 0 when it is no number. */
static int str_number(const char *s, size_t len, int is_int, long long *i, double *d)
{
    struct buf b;
    int kind = 0;
    buf_init(&b, len + 1);
    if (tpl_u_number_ascii(s, len, &b) == 0) {
        if (is_int && parse_int_str(buf_str(&b), b.len, i) == 0)
            kind = 'i';
        else if (parse_float_str(buf_str(&b), b.len, d) == 0)
            kind = 'f';
    }
    buf_free(&b);
    return kind;
}

static int f_int_float(struct tpl_render *r, const struct tpl_node *n, struct tval *val,
                       struct tval *args, int nargs, struct tval *out)
{
    struct tval *def = tpl_arg(n, args, nargs, 0, "default");
    int is_int = n->s[0] == 'i', kind = 0;
    double d = 0;
    long long i = 0;
    if (val->kind == TV_INT || val->kind == TV_BOOL) {
        if (is_int)
            tv_int(val->i, out);
        else
            tv_float((double)val->i, out);
        return 0;
    }
    if (val->kind == TV_FLOAT) {
        d = val->f;
    } else if (val->kind == TV_STR &&
               (kind = str_number(val->s, val->len, is_int, &i, &d)) == 'i') {
        tv_int(i, out);
        return 0;
    } else if (val->kind != TV_STR || kind == 0) {
        if (def != NULL)
            take(def, out);
        else if (is_int)
            tv_int(0, out);
        else
            tv_float(0.0, out);
        return 0;
    }
    if (!is_int) {
        tv_float(d, out);
        return 0;
    }
    if (isnan(d)) {
        if (def != NULL)
            take(def, out);
        else
            tv_int(0, out);
        return 0;
    }
    if (!(d > -9.2e18 && d < 9.2e18))
        return tpl_fail(r, n, TEMPLATE_ERENDER, "cannot convert %g to an integer", d);
    tv_int((long long)d, out);
    return 0;
}

static int f_round(struct tpl_render *r, const struct tpl_node *n, struct tval *val,
                   struct tval *args, int nargs, struct tval *out)
{
    struct tval *prec = tpl_arg(n, args, nargs, 0, "precision");
    struct tval *method = tpl_arg(n, args, nargs, 1, "method");
    long long p = prec != NULL && prec->kind == TV_INT ? prec->i : 0;
    char tmp[400];
    double x, scale;
    if (val->kind != TV_INT && val->kind != TV_FLOAT && val->kind != TV_BOOL)
        return tpl_fail(r, n, TEMPLATE_ERENDER, "round() needs a number, not %s",
                        tv_type_name(val));
    x = val->kind == TV_FLOAT ? val->f : (double)val->i;
    if (p < -300 || p > 300)
        return tpl_fail(r, n, TEMPLATE_ERENDER, "round() precision out of range");
    scale = pow(10.0, (double)p);
    if (method != NULL && method->kind == TV_STR &&
        ((method->len == 4 && !memcmp(method->s, "ceil", 4)) ||
         (method->len == 5 && !memcmp(method->s, "floor", 5)))) {
        tv_float((method->s[0] == 'c' ? ceil(x * scale) : floor(x * scale)) / scale, out);
        return 0;
    }
    if (method != NULL &&
        (method->kind != TV_STR || method->len != 6 || memcmp(method->s, "common", 6) != 0))
        return tpl_fail(r, n, TEMPLATE_ERENDER, "method must be common, ceil or floor");
    if (val->kind != TV_FLOAT) { /* round(int, p) stays an int */
        tv_int(val->i, out);
        return 0;
    }
    if (!isfinite(x)) {
        tv_float(x, out);
        return 0;
    }
    if (p >= 0) { /* correctly rounded, half to even on the exact value */
        snprintf(tmp, sizeof(tmp), "%.*f", (int)p, x);
        tv_float(strtod(tmp, NULL), out);
    } else {
        tv_float(nearbyint(x / pow(10.0, (double)-p)) * pow(10.0, (double)-p), out);
    }
    return 0;
}

static int f_abs(struct tpl_render *r, const struct tpl_node *n, struct tval *val, struct tval *out)
{
    if (val->kind == TV_INT || val->kind == TV_BOOL) {
        if (val->i == LLONG_MIN)
            tv_float(-(double)val->i, out);
        else
            tv_int(val->i < 0 ? -val->i : val->i, out);
        return 0;
    }
    if (val->kind == TV_FLOAT) {
        tv_float(fabs(val->f), out);
        return 0;
    }
    return tpl_fail(r, n, TEMPLATE_ERENDER, "bad operand type for abs(): '%s'", tv_type_name(val));
}

static int quote(const char *s, size_t len, int for_qs, struct buf *b)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~' || (c == '/' && !for_qs))
            rc = buf_putc(b, (char)c);
        else if (c == ' ' && for_qs)
            rc = buf_putc(b, '+');
        else
            rc = buf_append(b, (char[]){'%', hex[c >> 4], hex[c & 15]}, 3);
    }
    return rc;
}

/* urlencode: a string is quoted keeping '/'; a dict or list of pairs
 * becomes a query string (k=v&...), with '+' for spaces. */
static int f_urlencode(struct tpl_render *r, const struct tpl_node *n, struct tval *val,
                       struct tval *out)
{
    struct buf b, s;
    int rc = 0;
    buf_init(&b, r->max_output);
    if (val->kind == TV_DICT || val->kind == TV_LIST) {
        const cJSON *c;
        for (c = val->j->child; rc == 0 && c != NULL; c = c->next) {
            struct tval k, v;
            if (val->kind == TV_DICT) {
                tv_str_borrow(c->string ? c->string : "", c->string ? strlen(c->string) : 0, &k);
                tv_from_json(c, 0, &v);
            } else if (cJSON_IsArray(c) && cJSON_GetArraySize(c) == 2) {
                tv_from_json(c->child, 0, &k);
                tv_from_json(c->child->next, 0, &v);
            } else {
                rc = tpl_fail(r, n, TEMPLATE_ERENDER, "urlencode needs pairs");
                break;
            }
            for (int part = 0; rc == 0 && part < 2; part++) {
                if ((rc = as_str(r, n, part ? &v : &k, &s)) == 0)
                    rc = quote(s.data ? s.data : "", s.len, 1, &b);
                buf_free(&s);
                if (rc == 0)
                    rc = buf_puts(&b, part ? (c->next ? "&" : "") : "=");
            }
        }
    } else if ((rc = as_str(r, n, val, &s)) == 0) {
        rc = quote(s.data ? s.data : "", s.len, 0, &b);
        buf_free(&s);
    }
    if (rc == 0 && (rc = tv_str_own(r, n, &b, out)) == 0)
        out->flags |= TVF_SAFE;
    buf_free(&b);
    return rc;
}

static int f_b64encode(struct tpl_render *r, const struct tpl_node *n, struct tval *val,
                       struct tval *out)
{
    struct buf s, b;
    size_t need;
    int rc = as_str(r, n, val, &s);
    need = b64_encoded_len(B64_STD, s.len) + 1;
    buf_init(&b, need + 1);
    if (rc == 0 && (rc = buf_reserve(&b, need)) == 0 &&
        b64_encode(B64_STD, s.data ? s.data : "", s.len, b.data, need) == B64_OK) {
        b.len = need - 1;
        rc = tv_str_own(r, n, &b, out);
    } else if (rc == 0) {
        rc = tpl_fail(r, n, TEMPLATE_ENOMEM, "out of memory");
    }
    buf_free(&s);
    buf_free(&b);
    return rc;
}

static int f_truncate(struct tpl_render *r, const struct tpl_node *n, struct tval *val,
                      struct tval *args, int nargs, struct tval *out)
{
    struct tval *lenv = tpl_arg(n, args, nargs, 0, "length"),
                *kill = tpl_arg(n, args, nargs, 1, "killwords");
    struct tval *endv = tpl_arg(n, args, nargs, 2, "end"),
                *lw = tpl_arg(n, args, nargs, 3, "leeway");
    long long length = lenv && lenv->kind == TV_INT ? lenv->i : 255;
    long long leeway = lw && lw->kind == TV_INT ? lw->i : 5;
    const char *end = endv && endv->kind == TV_STR ? endv->s : "...";
    size_t endlen = endv && endv->kind == TV_STR ? endv->len : 3, cut, k;
    long long endchars = (long long)tpl_utf8_count(end, endlen);
    struct buf s, o;
    int rc;
    if (length < endchars || leeway < 0)
        return tpl_fail(r, n, TEMPLATE_ERENDER, "expected length >= %lld, got %lld", endchars,
                        length);
    if ((rc = as_str(r, n, val, &s)) != 0) {
        buf_free(&s);
        return rc;
    }
    if ((long long)tpl_utf8_count(buf_str(&s), s.len) <= length + leeway)
        return tv_str_own(r, n, &s, out);
    for (cut = 0, k = 0; cut < s.len && k < (size_t)(length - endchars); k++) {
        cut++;
        while (cut < s.len && ((unsigned char)s.data[cut] & 0xC0) == 0x80)
            cut++;
    }
    if (!(kill && tv_truthy(kill))) { /* rsplit(" ", 1)[0] */
        size_t sp = cut;
        while (sp > 0 && s.data[sp - 1] != ' ')
            sp--;
        if (sp > 0)
            cut = sp - 1;
    }
    buf_init(&o, r->max_output);
    if ((rc = buf_append(&o, s.data, cut)) == 0 && (rc = buf_append(&o, end, endlen)) == 0)
        rc = tv_str_own(r, n, &o, out);
    buf_free(&o);
    buf_free(&s);
    return rc;
}

/* The index of the first character at or after i of d[0..len) that is not
 * Unicode whitespace. */
static size_t skip_space(const char *d, size_t i, size_t len)
{
    size_t k;
    for (; i < len; i += k) {
        k = tpl_u_space(d + i, len - i);
        if (k == 0)
            break;
    }
    return i;
}

/* str.split(): at runs of Unicode whitespace (no sep), or at sep. */
static int f_split(struct tpl_render *r, const struct tpl_node *n, struct tval *val,
                   struct tval *args, int nargs, struct tval *out)
{
    struct tval *sep = tpl_arg(n, args, nargs, 0, "sep"),
                *maxv = tpl_arg(n, args, nargs, 1, "maxsplit");
    long long maxsplit = maxv && maxv->kind == TV_INT ? maxv->i : -1;
    struct buf s;
    cJSON *list = NULL;
    size_t i = 0, st;
    int rc = as_str(r, n, val, &s), ws = sep == NULL || sep->kind == TV_NONE;
    const char *d = buf_str(&s);
    if (rc == 0 && !ws && (sep->kind != TV_STR || sep->len == 0))
        rc = tpl_fail(r, n, TEMPLATE_ERENDER, "empty separator");
    if (rc == 0)
        rc = tpl_new_list(r, n, &list);
    while (rc == 0 && i <= s.len) {
        struct tval part;
        if (ws) {
            i = skip_space(d, i, s.len);
            if (i >= s.len)
                break;
        }
        st = i;
        if (maxsplit == 0) { /* the rest as it is, trailing whitespace too */
            i = s.len;
        } else if (ws) {
            while (i < s.len && tpl_u_space(d + i, s.len - i) == 0)
                i += tpl_u_char_len(d + i, s.len - i);
        } else {
            const char *hit = memmem(d + i, s.len - i, sep->s, sep->len);
            i = hit != NULL ? (size_t)(hit - d) : s.len;
        }
        maxsplit--;
        tv_str_borrow(d + st, i - st, &part);
        rc = list_add(r, n, list, &part);
        if (!ws && i < s.len)
            i += sep->len;
        else if (!ws)
            break;
        if (!ws && i == s.len) { /* trailing separator: one empty part */
            tv_str_borrow("", 0, &part);
            rc = rc == 0 ? list_add(r, n, list, &part) : rc;
            break;
        }
    }
    buf_free(&s);
    return tpl_list_result(list, rc, out);
}

int tpl_filter(struct tpl_render *r, const struct tpl_node *n, struct tval *val, struct tval *args,
               int nargs, struct tval *out)
{
    const char *f = n->s;
    struct buf b;
    int rc;
    memset(out, 0, sizeof(*out));
    if (!strcmp(f, "default") || !strcmp(f, "d"))
        return f_default(r, n, val, args, nargs, out);
    if (!strcmp(f, "lower"))
        return tpl_str_case(r, n, val, TPL_U_LOWER, out);
    if (!strcmp(f, "upper"))
        return tpl_str_case(r, n, val, TPL_U_UPPER, out);
    if (!strcmp(f, "capitalize"))
        return tpl_str_case(r, n, val, TPL_U_CAPITALIZE, out);
    if (!strcmp(f, "title"))
        return tpl_str_case(r, n, val, TPL_U_JINJA_TITLE, out);
    if (!strcmp(f, "trim"))
        return f_trim(r, n, val, args, nargs, out);
    if (!strcmp(f, "replace"))
        return f_replace(r, n, val, args, nargs, out);
    if (!strcmp(f, "length") || !strcmp(f, "count")) {
        long len = tv_length(val);
        if (len < 0)
            return tpl_fail(r, n, TEMPLATE_ERENDER, "object of type '%s' has no len()",
                            tv_type_name(val));
        tv_int(len, out);
        return 0;
    }
    if (!strcmp(f, "first") || !strcmp(f, "last"))
        return f_first_last(r, n, val, out);
    if (!strcmp(f, "join"))
        return f_join(r, n, val, args, nargs, out);
    if (!strcmp(f, "tojson") || !strcmp(f, "string") || !strcmp(f, "safe")) {
        if (f[0] == 's' && f[1] == 'a' && val->kind == TV_STR) {
            take(val, out);
            rc = 0;
        } else {
            buf_init(&b, r->max_output);
            rc = f[0] == 't' ? tv_write_json(r, n, val, &b) : tv_write_str(r, n, val, &b);
            rc = rc == 0 ? tv_str_own(r, n, &b, out) : rc;
            buf_free(&b);
        }
        if (rc == 0 && f[1] != 't')
            out->flags |= TVF_SAFE;
        if (rc == 0 && f[1] == 't')
            out->flags &= ~TVF_SAFE;
        return rc;
    }
    if (!strcmp(f, "int") || !strcmp(f, "float"))
        return f_int_float(r, n, val, args, nargs, out);
    if (!strcmp(f, "round"))
        return f_round(r, n, val, args, nargs, out);
    if (!strcmp(f, "abs"))
        return f_abs(r, n, val, out);
    if (!strcmp(f, "urlencode"))
        return f_urlencode(r, n, val, out);
    if (!strcmp(f, "b64encode"))
        return f_b64encode(r, n, val, out);
    if (!strcmp(f, "truncate"))
        return f_truncate(r, n, val, args, nargs, out);
    if (!strcmp(f, "split"))
        return f_split(r, n, val, args, nargs, out);
    return tpl_filter_list(r, n, val, args, nargs, out);
}
