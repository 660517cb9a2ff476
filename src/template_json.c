/* template_json: compact JSON output for the tojson filter and the JSON
 * mode's string escaping. Numbers print by their exact text; infinities and
 * NaN (which JSON cannot carry) print as null, as does undefined. */
#include "template_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

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

int tpl_json_escape(const char *s, size_t len, struct buf *out)
{
    size_t i, start = 0;
    char esc[8];
    int rc = 0;
    for (i = 0; rc == 0 && i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        if ((rc = buf_append(out, s + start, i - start)) != 0)
            return rc;
        start = i + 1;
        switch (c) {
        case '"':
        case '\\':
            snprintf(esc, sizeof(esc), "\\%c", c);
            break;
        case '\n':
            strcpy(esc, "\\n");
            break;
        case '\r':
            strcpy(esc, "\\r");
            break;
        case '\t':
            strcpy(esc, "\\t");
            break;
        case '\b':
            strcpy(esc, "\\b");
            break;
        case '\f':
            strcpy(esc, "\\f");
            break;
        default:
            snprintf(esc, sizeof(esc), "\\u%04x", c);
        }
        rc = buf_append(out, esc, strlen(esc));
    }
    return rc != 0 ? rc : buf_append(out, s + start, len - start);
}

static int write_json(struct tpl_render *r, const struct tpl_node *at, const struct tval *v,
                      int depth, struct buf *out);

static int write_json_container(struct tpl_render *r, const struct tpl_node *at, const cJSON *j,
                                int depth, struct buf *out)
{
    int dict = cJSON_IsObject(j), rc;
    const cJSON *c;
    struct tval item;
    if (depth > r->max_depth * 8)
        return tpl_fail(r, at, TEMPLATE_ELIMIT, "value nested too deeply");
    rc = put(r, at, out, dict ? "{" : "[", 1);
    for (c = j->child; rc == 0 && c != NULL; c = c->next) {
        if (c != j->child && (rc = put(r, at, out, ",", 1)) != 0)
            break;
        if (dict) {
            const char *k = c->string != NULL ? c->string : "";
            struct tval key;
            tv_str_borrow(k, strlen(k), &key);
            if ((rc = write_json(r, at, &key, depth, out)) != 0 ||
                (rc = put(r, at, out, ":", 1)) != 0)
                break;
        }
        tv_from_json(c, 0, &item);
        rc = write_json(r, at, &item, depth + 1, out);
    }
    return rc != 0 ? rc : put(r, at, out, dict ? "}" : "]", 1);
}

static int write_json(struct tpl_render *r, const struct tpl_node *at, const struct tval *v,
                      int depth, struct buf *out)
{
    int rc;
    switch (v->kind) {
    case TV_STR:
        rc = buf_putc(out, '"');
        if (rc == 0)
            rc = tpl_json_escape(v->s, v->len, out);
        if (rc == 0)
            rc = buf_putc(out, '"');
        if (rc == BUF_TOOBIG)
            return tpl_fail(r, at, TEMPLATE_ELIMIT, "output too large (limit %zu bytes)",
                            out->limit);
        return rc == 0 ? 0 : tpl_fail(r, at, TEMPLATE_ENOMEM, "out of memory");
    case TV_INT:
    case TV_FLOAT:
        if (v->kind == TV_FLOAT && v->s == NULL && !isfinite(v->f))
            return put(r, at, out, "null", 4);
        if (v->s != NULL && strpbrk(v->s, "inIN") != NULL)
            return put(r, at, out, "null", 4);
        return tv_write_str(r, at, v, out);
    case TV_BOOL:
        return put(r, at, out, v->i ? "true" : "false", v->i ? 4 : 5);
    case TV_LIST:
    case TV_DICT:
        return write_json_container(r, at, v->j, depth, out);
    default:
        return put(r, at, out, "null", 4);
    }
}

int tv_write_json(struct tpl_render *r, const struct tpl_node *at, const struct tval *v,
                  struct buf *out)
{
    return write_json(r, at, v, 0, out);
}
