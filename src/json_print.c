/* json_print: the printers of the json module. Numbers are written by
 * their exact text (valuestring) when they have one; strings are escaped
 * and their invalid UTF-8 (and NUL bytes) replaced by U+FFFD, so whatever
 * tree is printed, json_parse accepts the result. Recursion follows the
 * tree's depth, which json_parse (or cJSON's own 1000 limit) bounds. */
#include "json.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int put_repl(struct buf *out)
{
    return buf_append(out, "\xEF\xBF\xBD", 3);
}

/* Appends s with invalid UTF-8 and NUL replaced, escaping for JSON when
 * quote is set. */
static int put_text(const char *str, size_t len, int quote, struct buf *out)
{
    const unsigned char *s = (const unsigned char *)str, *end = s + len, *run = s;
    static const char hex[] = "0123456789abcdef";
    int rc = BUF_OK;

    while (s < end && rc == BUF_OK) {
        unsigned char c = *s;
        size_t n = 1;
        char esc[7] = "\\u00";
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            s++;
            continue;
        }
        if (c >= 0x80) {
            n = json_utf8_seq((const char *)s, (size_t)(end - s));
            if (n != 0) {
                s += n;
                continue;
            }
        }
        if (c != 0 && c < 0x80 && !quote) {
            s++;
            continue;
        }
        rc = buf_append(out, run, (size_t)(s - run));
        if (rc != BUF_OK)
            break;
        if (c == 0 || c >= 0x80)
            rc = put_repl(out);
        else if (c == '"' || c == '\\')
            rc = buf_append(out, c == '"' ? "\\\"" : "\\\\", 2);
        else if (c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f')
            rc = buf_append(out,
                            c == '\n'   ? "\\n"
                            : c == '\r' ? "\\r"
                            : c == '\t' ? "\\t"
                            : c == '\b' ? "\\b"
                                        : "\\f",
                            2);
        else {
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            rc = buf_append(out, esc, 6);
        }
        s++;
        run = s;
    }
    if (rc == BUF_OK)
        rc = buf_append(out, run, (size_t)(s - run));
    return rc;
}

int json_utf8_repair(const char *s, size_t len, struct buf *out)
{
    return put_text(s, len, 0, out);
}

int json_print_string(const char *s, size_t len, struct buf *out)
{
    int rc = buf_putc(out, '"');
    if (rc == BUF_OK)
        rc = put_text(s, len, 1, out);
    if (rc == BUF_OK)
        rc = buf_putc(out, '"');
    return rc;
}

const char *json_number_text(const cJSON *item, char *tmp, size_t tmplen)
{
    double d = item->valuedouble;

    if (item->valuestring != NULL)
        return item->valuestring;
    if (isnan(d) || isinf(d)) {
        snprintf(tmp, tmplen, "null");
    } else if (fabs(d) < 9007199254740992.0 && d == floor(d)) {
        snprintf(tmp, tmplen, "%lld", (long long)d);
    } else {
        snprintf(tmp, tmplen, "%.15g", d);
        if (strtod(tmp, NULL) != d)
            snprintf(tmp, tmplen, "%.17g", d);
    }
    return tmp;
}

static int indent(struct buf *out, int pretty, int level)
{
    int rc = BUF_OK;
    if (pretty) {
        rc = buf_putc(out, '\n');
        for (int i = 0; i < level && rc == BUF_OK; i++)
            rc = buf_append(out, "  ", 2);
    }
    return rc;
}

static int print_value(const cJSON *item, struct buf *out, int pretty, int level);

static int print_container(const cJSON *item, struct buf *out, int pretty, int level)
{
    int is_obj = (item->type & 0xFF) == cJSON_Object;
    int rc = buf_putc(out, is_obj ? '{' : '[');

    for (const cJSON *c = item->child; c != NULL && rc == BUF_OK; c = c->next) {
        if (c != item->child)
            rc = buf_putc(out, ',');
        if (rc == BUF_OK)
            rc = indent(out, pretty, level + 1);
        if (rc == BUF_OK && is_obj) {
            const char *k = c->string ? c->string : "";
            rc = json_print_string(k, strlen(k), out);
            if (rc == BUF_OK)
                rc = buf_append(out, ": ", pretty ? 2 : 1);
        }
        if (rc == BUF_OK)
            rc = print_value(c, out, pretty, level + 1);
    }
    if (rc == BUF_OK && item->child != NULL)
        rc = indent(out, pretty, level);
    if (rc == BUF_OK)
        rc = buf_putc(out, is_obj ? '}' : ']');
    return rc;
}

static int print_value(const cJSON *item, struct buf *out, int pretty, int level)
{
    char tmp[64];

    switch (item->type & 0xFF) {
    case cJSON_False:
        return buf_append(out, "false", 5);
    case cJSON_True:
        return buf_append(out, "true", 4);
    case cJSON_Number:
        return buf_puts(out, json_number_text(item, tmp, sizeof(tmp)));
    case cJSON_String:
        return json_print_string(item->valuestring ? item->valuestring : "",
                                 item->valuestring ? strlen(item->valuestring) : 0, out);
    case cJSON_Raw:
        return buf_puts(out, item->valuestring ? item->valuestring : "null");
    case cJSON_Array:
    case cJSON_Object:
        return print_container(item, out, pretty, level);
    default:
        return buf_append(out, "null", 4);
    }
}

int json_print(const cJSON *item, struct buf *out)
{
    return print_value(item, out, 0, 0);
}

int json_print_pretty(const cJSON *item, struct buf *out)
{
    return print_value(item, out, 1, 0);
}

int json_print_pretty_at(const cJSON *item, int level, struct buf *out)
{
    return print_value(item, out, 1, level < 0 ? 0 : level);
}

cJSON *json_raw(const char *text, size_t len)
{
    char *copy = malloc(len + 1);
    cJSON *n;

    if (copy == NULL)
        return NULL;
    memcpy(copy, text, len);
    copy[len] = '\0';
    n = cJSON_CreateRaw(""); /* NULL would fail: cJSON copies the text */
    if (n == NULL) {
        free(copy);
        return NULL;
    }
    cJSON_free(n->valuestring);
    n->valuestring = copy;
    return n;
}

char *json_to_string(const cJSON *item)
{
    struct buf b;
    buf_init(&b, SIZE_MAX / 4);
    if (json_print(item, &b) != BUF_OK) {
        buf_free(&b);
        return NULL;
    }
    return buf_take(&b);
}
