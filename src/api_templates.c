/* api_templates: POST /api/v1/templates/render {template, data, mode}, the
 * UI's live preview (SPEC sections 7 and 9). */
#include "api.h"

#include "json.h"
#include "target.h"
#include "template.h"

#include <stdio.h>
#include <string.h>

int api_templates_render(const cJSON *body, cJSON **out, const char **code, char *msg,
                         size_t msglen)
{
    const char *src = json_get_string(body, "template");
    const char *mode_name = json_get_string(body, "mode");
    const cJSON *data = json_get(body, "data");
    enum template_mode mode = TEMPLATE_TEXT;
    struct template_warnings w;
    struct template_error err;
    struct template *t = NULL;
    struct buf text;
    cJSON *res, *list;
    int rc;

    *out = NULL;
    *code = "invalid_request";
    if (src == NULL) {
        snprintf(msg, msglen, "template: required, a string");
        return 400;
    }
    if (mode_name && template_mode_parse(mode_name, &mode) != 0) {
        snprintf(msg, msglen, "mode: one of text, json, url, header");
        return 400;
    }
    if (data != NULL && !cJSON_IsObject(data) && !cJSON_IsNull(data)) {
        snprintf(msg, msglen, "data: must be an object");
        return 400;
    }
    *code = "template_error";
    if (template_compile(src, strlen(src), &t, &err) != TEMPLATE_OK) {
        snprintf(msg, msglen, "%s", err.message);
        return 400;
    }
    buf_init(&text, TEMPLATE_MAX_OUTPUT);
    rc = template_render(t, cJSON_IsObject(data) ? data : NULL, mode, NULL, &text, &w, &err);
    template_free(t);
    if (rc != TEMPLATE_OK) {
        buf_free(&text);
        snprintf(msg, msglen, "%s", err.message);
        return 400;
    }
    res = cJSON_CreateObject();
    cJSON_AddStringToObject(res, "output", buf_str(&text));
    list = cJSON_AddArrayToObject(res, "warnings");
    for (int i = 0; i < w.count; i++)
        cJSON_AddItemToArray(list, cJSON_CreateString(w.msg[i]));
    buf_free(&text);
    *out = res;
    return 200;
}

void api_templates(struct api_call *c)
{
    const char *code = NULL, *mode_name;
    char msg[512];
    cJSON *res = NULL;
    int status;

    if (c->nseg != 2 || strcmp(c->seg[1], "render") != 0) {
        api_error(c, 404, "not_found", "no such route");
        return;
    }
    if (!api_is(c, "POST")) {
        api_method_not_allowed(c, "POST");
        return;
    }
    status = api_templates_render(c->body, &res, &code, msg, sizeof(msg));
    if (status != 200) {
        api_error(c, status, code, "%s", msg);
        return;
    }
    mode_name = json_get_string(c->body, "mode");
    if (mode_name != NULL && strcmp(mode_name, "url") == 0) {
        /* The editor's preview says at once when runs would be refused. */
        char why[700];
        const char *url = json_get_string(res, "output");
        if (url != NULL && target_check_url(c->req->cfg, url, why, sizeof(why)) == 1)
            cJSON_AddStringToObject(res, "urlWarning", why);
    }
    api_send(c, 200, res);
}
