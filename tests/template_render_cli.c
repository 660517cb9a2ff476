/* template_render_cli: renders templates with the C engine for the
 * differential test and by hand.
 *   template_render_cli [-m text|json|url|header] TEMPLATE_FILE [DATA_FILE]
 *       prints the output; warnings and errors ("error: ...") on stderr,
 *       exit 1 on error.
 *   template_render_cli --batch CASES.jsonl
 *       one case per line {"id", "template", "data", "mode"}; prints one
 *       line per case: {"id": ..., "output": ...} or {"id": ..., "error": ...}
 *       with "warnings": [...].
 *   template_render_cli
 *       (no arguments, as make check runs it) renders one built-in case and
 *       exits 0 when the output is right. */
#include "json.h"
#include "template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct buf b;
    char chunk[65536];
    size_t n;
    if (f == NULL)
        return NULL;
    buf_init(&b, 64 * 1024 * 1024);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (buf_append(&b, chunk, n) != 0)
            break;
    fclose(f);
    *len = b.len;
    return buf_take(&b);
}

/* Compiles and renders; result text into out, or the error into err. */
static int render(const char *src, size_t len, const cJSON *data, enum template_mode mode,
                  struct buf *out, struct template_warnings *w, struct template_error *err)
{
    struct template *t = NULL;
    int rc = template_compile(src, len, &t, err);
    if (rc == 0)
        rc = template_render(t, data, mode, NULL, out, w, err);
    template_free(t);
    return rc;
}

static int batch_line(const char *line, size_t len)
{
    struct json_error jerr;
    struct template_error err;
    struct template_warnings w;
    struct buf out, res;
    cJSON *c = NULL;
    enum template_mode mode = TEMPLATE_TEXT;
    const char *tpl, *m;
    int rc;
    if (json_parse(line, len, 1000, &c, &jerr) != 0) {
        fprintf(stderr, "bad case line: %s\n", jerr.message);
        return 1;
    }
    tpl = json_get_string(c, "template");
    m = json_get_string(c, "mode");
    if (m != NULL && template_mode_parse(m, &mode) != 0)
        fprintf(stderr, "unknown mode %s\n", m);
    buf_init(&out, 4 * 1024 * 1024);
    buf_init(&res, 8 * 1024 * 1024);
    rc = render(tpl ? tpl : "", tpl ? strlen(tpl) : 0, json_get(c, "data"), mode, &out, &w, &err);
    buf_puts(&res, "{\"id\":");
    json_print(json_get(c, "id"), &res);
    buf_puts(&res, rc == 0 ? ",\"output\":" : ",\"error\":");
    if (rc == 0)
        json_print_string(buf_str(&out), out.len, &res);
    else
        json_print_string(err.message, strlen(err.message), &res);
    buf_puts(&res, ",\"warnings\":[");
    for (int k = 0; rc == 0 && k < w.count; k++) {
        if (k > 0)
            buf_putc(&res, ',');
        json_print_string(w.msg[k], strlen(w.msg[k]), &res);
    }
    buf_puts(&res, "]}\n");
    fwrite(buf_str(&res), 1, res.len, stdout);
    buf_free(&out);
    buf_free(&res);
    cJSON_Delete(c);
    return 0;
}

static int batch(const char *path)
{
    size_t len, start = 0, i;
    char *text = read_file(path, &len);
    int rc = 0;
    if (text == NULL) {
        perror(path);
        return 2;
    }
    for (i = 0; i <= len; i++) {
        if (i == len || text[i] == '\n') {
            if (i > start)
                rc |= batch_line(text + start, i - start);
            start = i + 1;
        }
    }
    free(text);
    return rc;
}

static int self_test(void)
{
    static const char tpl[] = "{{ request.body.n }} {{ request.headers['x-id'] }}";
    static const char data[] = "{\"request\": {\"body\": {\"n\": 1e400}, "
                               "\"headers\": {\"X-Id\": \"a\\\"b\"}}}";
    struct template_error err;
    struct json_error jerr;
    struct buf out;
    cJSON *c = NULL;
    int rc;
    buf_init(&out, 4096);
    if (json_parse(data, sizeof(data) - 1, 64, &c, &jerr) != 0)
        return 1;
    rc = render(tpl, sizeof(tpl) - 1, c, TEMPLATE_JSON, &out, NULL, &err);
    rc = rc == 0 && strcmp(buf_str(&out), "1e400 a\\\"b") == 0 ? 0 : 1;
    printf("template_render_cli self test: %s (%s)\n", rc ? "FAIL" : "ok", buf_str(&out));
    buf_free(&out);
    cJSON_Delete(c);
    return rc;
}

int main(int argc, char **argv)
{
    enum template_mode mode = TEMPLATE_TEXT;
    struct template_error err;
    struct template_warnings w;
    struct json_error jerr;
    struct buf out;
    cJSON *data = NULL;
    char *src, *dtext;
    size_t len, dlen;
    int argi = 1, rc;
    if (argc == 1)
        return self_test();
    if (argc == 3 && strcmp(argv[1], "--batch") == 0)
        return batch(argv[2]);
    if (argc > 2 && strcmp(argv[1], "-m") == 0) {
        if (template_mode_parse(argv[2], &mode) != 0) {
            fprintf(stderr, "unknown mode %s\n", argv[2]);
            return 2;
        }
        argi = 3;
    }
    if (argi >= argc) {
        fprintf(stderr,
                "usage: %s [-m text|json|url|header] TEMPLATE [DATA]\n"
                "       %s --batch CASES.jsonl\n",
                argv[0], argv[0]);
        return 2;
    }
    if ((src = read_file(argv[argi], &len)) == NULL) {
        perror(argv[argi]);
        return 2;
    }
    if (argi + 1 < argc) {
        if ((dtext = read_file(argv[argi + 1], &dlen)) == NULL) {
            perror(argv[argi + 1]);
            return 2;
        }
        rc = json_parse(dtext, dlen, 1000, &data, &jerr);
        free(dtext);
        if (rc != 0) {
            fprintf(stderr, "%s: %s\n", argv[argi + 1], jerr.message);
            return 2;
        }
    }
    buf_init(&out, 64 * 1024 * 1024);
    rc = render(src, len, data, mode, &out, &w, &err);
    if (rc == 0) {
        fwrite(buf_str(&out), 1, out.len, stdout);
        for (int k = 0; k < w.count; k++)
            fprintf(stderr, "warning: %s\n", w.msg[k]);
    } else {
        fprintf(stderr, "error: %s\n", err.message);
    }
    buf_free(&out);
    free(src);
    cJSON_Delete(data);
    return rc == 0 ? 0 : 1;
}
