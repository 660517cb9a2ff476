/* ctl_render: `incomingctl render TEMPLATE [DATA]`, the command-line twin of
 * POST /api/v1/templates/render (SPEC section 9): renders a template
 * against a JSON object with the escaping of a destination (--mode). The
 * template and the data come from files ("-": standard input, for one of
 * them) or literally from --template and --data. */
#include "ctl.h"

#include "json.h"
#include "template.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define TEMPLATE_FILE_MAX (1u << 20)
#define DATA_FILE_MAX (16u << 20)

struct render_args {
    const char *template_text; /* --template */
    const char *data_text;     /* --data */
    const char *template_path; /* TEMPLATE */
    const char *data_path;     /* DATA */
    enum template_mode mode;
};

/* Sorts the options and positionals out; anything contradictory is a
 * usage error. */
static int check_args(const char *mode, char **pos, int npos, struct render_args *a)
{
    int i = 0;

    if (mode && template_mode_parse(mode, &a->mode) != 0)
        return ctl_usage("render: --mode must be one of text, json, url, header");
    if (a->template_text == NULL) {
        if (npos == 0)
            return ctl_usage("render: give a TEMPLATE file or --template TEXT");
        a->template_path = pos[i++];
    }
    if (i < npos)
        a->data_path = pos[i++];
    if (i < npos)
        return ctl_usage("render: unexpected argument '%s'", pos[i]);
    if (a->data_path && a->data_text)
        return ctl_usage("render: give DATA or --data, not both");
    if (a->template_path && a->data_path && strcmp(a->template_path, "-") == 0 &&
        strcmp(a->data_path, "-") == 0)
        return ctl_usage("render: only one of TEMPLATE and DATA can be '-' (standard input)");
    return CTL_OK;
}

/* Reads the data (file or --data) into *data: an object, or NULL. */
static int load_data(const struct ctl *c, const struct render_args *a, cJSON **data)
{
    struct buf text;
    struct json_error jerr;
    const char *src, *name = a->data_path ? a->data_path : "--data";
    size_t len;
    int rc = CTL_OK;

    *data = NULL;
    if (a->data_path == NULL && a->data_text == NULL)
        return CTL_OK;
    buf_init(&text, DATA_FILE_MAX);
    if (a->data_path)
        rc = ctl_read_input("render: DATA", a->data_path, &text);
    src = a->data_path ? buf_str(&text) : a->data_text;
    len = a->data_path ? text.len : strlen(a->data_text);
    if (rc == CTL_OK && json_parse(src, len, (int)c->cfg.max_json_depth, data, &jerr) != 0)
        rc = ctl_fail("render: data (%s): invalid JSON: %s", name, jerr.message);
    else if (rc == CTL_OK && !cJSON_IsObject(*data) && !cJSON_IsNull(*data))
        rc = ctl_fail("render: data (%s): must be a JSON object", name);
    buf_free(&text);
    if (rc != CTL_OK || !cJSON_IsObject(*data)) {
        cJSON_Delete(*data);
        *data = NULL;
    }
    return rc;
}

/* Compiles and renders; out gets the text, w the warnings. */
static int render(const struct render_args *a, const cJSON *data, struct buf *out,
                  struct template_warnings *w)
{
    struct buf src;
    struct template *t = NULL;
    struct template_error err;
    const char *text = a->template_text;
    size_t len = text ? strlen(text) : 0;
    int rc = CTL_OK;

    buf_init(&src, TEMPLATE_FILE_MAX);
    if (a->template_path) {
        rc = ctl_read_input("render: TEMPLATE", a->template_path, &src);
        text = buf_str(&src);
        len = src.len;
    }
    if (rc == CTL_OK && template_compile(text, len, &t, &err) != TEMPLATE_OK)
        rc = ctl_fail("render: %s", err.message);
    if (rc == CTL_OK && template_render(t, data, a->mode, NULL, out, w, &err) != TEMPLATE_OK)
        rc = ctl_fail("render: %s", err.message);
    template_free(t);
    buf_free(&src);
    return rc;
}

/* Prints {output, warnings} (--json) or the output as is with the
 * warnings on stderr. */
static int print_result(const struct ctl *c, const struct buf *out,
                        const struct template_warnings *w)
{
    cJSON *res, *list;
    int rc;

    if (!c->json) {
        fwrite(out->data ? out->data : "", 1, out->len, stdout);
        if (isatty(STDOUT_FILENO) && (out->len == 0 || out->data[out->len - 1] != '\n'))
            fputc('\n', stdout);
        for (int i = 0; i < w->count; i++)
            fprintf(stderr, "incomingctl: warning: %s\n", w->msg[i]);
        if (w->dropped > 0)
            fprintf(stderr, "incomingctl: warning: %d more warning(s)\n", w->dropped);
        return fflush(stdout) == 0 ? CTL_OK : ctl_fail("cannot write the result");
    }
    res = cJSON_CreateObject();
    if (res == NULL || !cJSON_AddStringToObject(res, "output", buf_str(out)) ||
        (list = cJSON_AddArrayToObject(res, "warnings")) == NULL) {
        cJSON_Delete(res);
        return ctl_fail("out of memory");
    }
    for (int i = 0; i < w->count; i++)
        cJSON_AddItemToArray(list, cJSON_CreateString(w->msg[i]));
    rc = ctl_print_json(res);
    cJSON_Delete(res);
    return rc;
}

int ctl_cmd_render(struct ctl *c, int argc, char **argv)
{
    struct render_args a = {NULL, NULL, NULL, NULL, TEMPLATE_TEXT};
    const char *mode = NULL;
    const struct ctl_opt opts[] = {{"template", &a.template_text, NULL},
                                   {"data", &a.data_text, NULL},
                                   {"mode", &mode, NULL},
                                   {NULL, NULL, NULL}};
    struct template_warnings w;
    struct buf out;
    char *pos[2];
    cJSON *data = NULL;
    int n, rc;

    memset(&w, 0, sizeof(w));
    rc = ctl_parse(c, "render", argc, argv, opts, pos, 0, 2, &n);
    if (rc == CTL_OK)
        rc = check_args(mode, pos, n, &a);
    if (rc == CTL_OK)
        rc = load_data(c, &a, &data);
    if (rc != CTL_OK)
        return rc;
    buf_init(&out, TEMPLATE_MAX_OUTPUT);
    rc = render(&a, data, &out, &w);
    if (rc == CTL_OK)
        rc = print_result(c, &out, &w);
    buf_free(&out);
    cJSON_Delete(data);
    return rc;
}
