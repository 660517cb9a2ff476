/* api_templates: POST /api/v1/templates/render {template, data, mode}, the
 * UI's live preview (SPEC sections 7 and 9). */
#include "api.h"

#include "json.h"
#include "target.h"
#include "template.h"

#include <string.h>

void api_templates(struct api_call *c)
{
    const char *src = json_get_string(c->body, "template");
    const char *mode_name = json_get_string(c->body, "mode");
    const cJSON *data = json_get(c->body, "data");
    enum template_mode mode = TEMPLATE_TEXT;
    struct template_warnings w;
    struct template_error err;
    struct template *t = NULL;
    struct buf out;
    cJSON *res, *list;
    int rc;

    if (c->nseg != 2 || strcmp(c->seg[1], "render") != 0) {
        api_error(c, 404, "not_found", "no such route");
        return;
    }
    if (!api_is(c, "POST")) {
        api_method_not_allowed(c, "POST");
        return;
    }
    if (src == NULL) {
        api_error(c, 400, "invalid_request", "template: required, a string");
        return;
    }
    if (mode_name && template_mode_parse(mode_name, &mode) != 0) {
        api_error(c, 400, "invalid_request", "mode: one of text, json, url, header");
        return;
    }
    if (data != NULL && !cJSON_IsObject(data) && !cJSON_IsNull(data)) {
        api_error(c, 400, "invalid_request", "data: must be an object");
        return;
    }
    if (template_compile(src, strlen(src), &t, &err) != TEMPLATE_OK) {
        api_error(c, 400, "template_error", "%s", err.message);
        return;
    }
    buf_init(&out, TEMPLATE_MAX_OUTPUT);
    rc = template_render(t, cJSON_IsObject(data) ? data : NULL, mode, NULL, &out, &w, &err);
    template_free(t);
    if (rc != TEMPLATE_OK) {
        buf_free(&out);
        api_error(c, 400, "template_error", "%s", err.message);
        return;
    }
    res = cJSON_CreateObject();
    cJSON_AddStringToObject(res, "output", buf_str(&out));
    list = cJSON_AddArrayToObject(res, "warnings");
    for (int i = 0; i < w.count; i++)
        cJSON_AddItemToArray(list, cJSON_CreateString(w.msg[i]));
    if (mode == TEMPLATE_URL) {
        /* The editor's preview says at once when runs would be refused. */
        char why[700];
        if (target_check_url(c->req->cfg, buf_str(&out), why, sizeof(why)) == 1)
            cJSON_AddStringToObject(res, "urlWarning", why);
    }
    buf_free(&out);
    api_send(c, 200, res);
}
