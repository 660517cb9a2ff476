/* fuzz_template: libFuzzer target over template compile + render.
 * The input is a template rendered against a fixed context (an envelope like
 * the seed's); when it holds a NUL byte, the part before is the template and
 * the part after is JSON data used as the context instead. The mode is picked
 * from the input length. Checks: no crash, leak or hang, header-mode output
 * never holds CR or LF, a failed render always says why. */
#include "json.h"
#include "template.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char fixed[] =
    "{\"request\": {\"body\": {\"type\": \"email\", \"name\": \"A \\\"q\\\"\\n\", \"n\": 1e400,"
    " \"big\": 9007199254740993, \"l\": [3, 1, 2], \"products\": [{\"name\": \"Tea\", \"price\": "
    "4.5,"
    " \"tags\": [\"a\"]}, {\"name\": \"jam\", \"price\": 2}], \"o\": {\"b\": null, \"a\": true}},"
    " \"headers\": {\"X-Request-Id\": \"r\"}}, \"nodes\": {\"s\": {\"headers\": {\"A\": \"b\"}}},"
    " \"now\": 1}";

static cJSON *fixed_ctx;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *src = (const char *)data, *nul = memchr(data, '\0', size);
    size_t tlen = nul != NULL ? (size_t)(nul - src) : size;
    struct template_limits lim;
    struct template_error err;
    struct template_warnings warn;
    struct json_error jerr;
    struct template *t = NULL;
    cJSON *ctx = NULL;
    struct buf out;
    enum template_mode mode = (enum template_mode)(size % 4);
    int rc;
    if (fixed_ctx == NULL && json_parse(fixed, strlen(fixed), 64, &fixed_ctx, &jerr) != 0)
        abort();
    if (nul != NULL && json_parse(nul + 1, size - tlen - 1, 64, &ctx, &jerr) != 0)
        return 0;
    template_limits_default(&lim);
    lim.max_output = 64 * 1024;
    lim.max_iterations = 20000;
    lim.max_memory = 8 * 1024 * 1024;
    buf_init(&out, 1024 * 1024);
    rc = template_compile(src, tlen, &t, &err);
    if (rc != 0 && err.message[0] == '\0')
        abort();
    if (rc == 0) {
        rc = template_render(t, nul != NULL ? ctx : fixed_ctx, mode, &lim, &out, &warn, &err);
        if (rc != 0 && err.message[0] == '\0')
            abort();
        if (rc == 0 && mode == TEMPLATE_HEADER &&
            (memchr(buf_str(&out), '\r', out.len) || memchr(buf_str(&out), '\n', out.len)))
            abort();
    }
    template_free(t);
    buf_free(&out);
    cJSON_Delete(ctx);
    return 0;
}
