/* fuzz_api: libFuzzer target for the admin API's JSON request bodies, through
 * the functions the handlers call: api_parse_body (api_read_body's parser),
 * then, picked by the first input byte (its low 7 bits modulo 7; the top bit
 * picks the integration a PATCH changes),
 *   0 POST /integrations          integration_create
 *   1 PATCH /integrations/{id}    integration_update (a plain and a JWT one)
 *   2 POST /apikeys               apikey_create
 *   3 POST /workflows             workflow_create
 *   4 PUT /workflows/{id}         workflow_replace (over one with credentials)
 *   5 POST /templates/render      api_templates_render
 *   6 POST /session               admin_token_verify of body.token
 * against a real store (tests/fuzz/fuzz_store.h). Invariants: a refused body
 * gets one non-empty sentence that never holds a secret of the body (a
 * workflow's password, token, header-auth value or credential header, an
 * integration's hmac.secret, at least 8 bytes long); what is accepted comes
 * back printable as JSON without its secrets (apikey_public without
 * "secret", integration_public without hmac.secret, the workflow's public
 * form); a render answers 200 with {output, warnings} or 400 with a code;
 * no session is opened by a token nobody made. Build and run with
 * tests/fuzz/run -t api. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "admin_token.h"
#include "api.h"
#include "apikey.h"
#include "fuzz_store.h"
#include "integration.h"
#include "json.h"
#include "redact.h"
#include "workflow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_api: check failed: %s (line %d)\n", #cond, __LINE__);            \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define MIN_SECRET 8

static char *print(const cJSON *v)
{
    struct buf b;
    struct json_error err;
    cJSON *back = NULL;

    buf_init(&b, SIZE_MAX / 4);
    CHECK(json_print(v, &b) == BUF_OK);
    CHECK(json_parse(b.data, b.len, 1100, &back, &err) == 0);
    cJSON_Delete(back);
    return buf_take(&b);
}

/* 1 when s is part of a string or member name of v that is not a secret
 * (a node id holding the same letters): then text may show it. */
static int public_elsewhere(const cJSON *v, const char *s)
{
    for (; v != NULL; v = v->next) {
        if (v->string != NULL && strstr(v->string, s) != NULL)
            return 1;
        if (cJSON_IsString(v) && v->valuestring != s && strstr(v->valuestring, s) != NULL)
            return 1;
        if (public_elsewhere(v->child, s))
            return 1;
    }
    return 0;
}

static const cJSON *current_body;

/* text does not hold secret s (when s is long enough to tell and is not
 * also written, as a substring, somewhere public in the body). */
static void check_not_in(const char *text, const char *s, const char *what)
{
    if (s == NULL || strlen(s) < MIN_SECRET || public_elsewhere(current_body, s))
        return;
    if (strstr(text, s) != NULL) {
        fprintf(stderr, "%s shows a secret: %s\n", what, text);
        abort();
    }
}

/* The secrets a workflow body carries, checked against text. */
static void check_workflow_secrets(const cJSON *body, const char *text, const char *what)
{
    const cJSON *n, *h;

    cJSON_ArrayForEach(n, json_get(body, "nodes"))
    {
        const cJSON *auth = json_get(n, "auth");
        const char *aname = json_get_string(auth, "name");
        check_not_in(text, json_get_string(auth, "password"), what);
        check_not_in(text, json_get_string(auth, "token"), what);
        check_not_in(text, json_get_string(auth, "value"), what);
        cJSON_ArrayForEach(h, json_get(n, "headers"))
        {
            if (cJSON_IsString(h) && h->string != NULL &&
                (redact_header(&fuzz_cfg, h->string) ||
                 (aname != NULL && strcasecmp(aname, h->string) == 0)))
                check_not_in(text, h->valuestring, what);
        }
    }
}

static void refused(const char *err)
{
    CHECK(err[0] != '\0');
}

static void integrations(const cJSON *body, int patch, int which)
{
    struct store *s = fuzz_store_get();
    const char *secret = json_get_string(json_get(body, "hmac"), "secret");
    cJSON *doc = NULL, *pub;
    char err[256], *text;
    int rc;

    err[0] = '\0';
    if (patch) {
        if (!cJSON_IsObject(body))
            return; /* the handler answers 400 itself */
        rc = integration_update(s, which ? FIX_INTEG_JWT : FIX_INTEG, body, &doc, err, sizeof(err));
    } else {
        rc = integration_create(s, body, &doc, err, sizeof(err));
    }
    if (rc != INTEGRATION_OK) {
        CHECK(doc == NULL && rc != INTEGRATION_STORE);
        refused(err);
        check_not_in(err, secret, "integration error");
        return;
    }
    pub = integration_public(doc, &fuzz_cfg);
    CHECK(pub != NULL);
    CHECK(json_get(json_get(pub, "hmac"), "secret") == NULL);
    text = print(pub);
    check_not_in(text, secret, "public integration");
    free(text);
    cJSON_Delete(pub);
    cJSON_Delete(doc);
    if (patch)
        fuzz_store_fixtures();
    else
        fuzz_store_wrote();
}

static void apikeys(const cJSON *body)
{
    cJSON *doc = NULL, *pub;
    char err[256], *text;
    int rc;

    err[0] = '\0';
    rc = apikey_create(fuzz_store_get(), body, &doc, err, sizeof(err));
    if (rc != APIKEY_OK) {
        CHECK(doc == NULL && rc == APIKEY_INVALID);
        refused(err);
        return;
    }
    CHECK(json_get_string(doc, "secret") != NULL);
    pub = apikey_public(doc);
    CHECK(pub != NULL && json_get(pub, "secret") == NULL);
    text = print(pub);
    check_not_in(text, json_get_string(doc, "secret"), "public API key");
    free(text);
    cJSON_Delete(pub);
    cJSON_Delete(doc);
    fuzz_store_wrote();
}

static void workflows(const cJSON *body, int replace)
{
    struct store *s = fuzz_store_get();
    cJSON *doc = NULL;
    char err[512], *text;
    int rc;

    err[0] = '\0';
    rc = replace ? workflow_replace(s, &fuzz_cfg, FIX_WORKFLOW, body, &doc, err, sizeof(err))
                 : workflow_create(s, &fuzz_cfg, body, &doc, err, sizeof(err));
    if (rc != WORKFLOW_OK) {
        CHECK(doc == NULL && rc == WORKFLOW_INVALID);
        refused(err);
        check_workflow_secrets(body, err, "workflow error");
        return;
    }
    text = print(doc);
    check_workflow_secrets(body, text, "public workflow");
    free(text);
    cJSON_Delete(doc);
    if (replace)
        fuzz_store_fixtures();
    else
        fuzz_store_wrote();
}

static void render(const cJSON *body)
{
    const char *code = NULL;
    char msg[512], *text;
    cJSON *out = NULL;
    int status;

    msg[0] = '\0';
    status = api_templates_render(body, &out, &code, msg, sizeof(msg));
    if (status != 200) {
        CHECK(status == 400 && out == NULL && code != NULL);
        refused(msg);
        return;
    }
    CHECK(out != NULL && cJSON_IsString(json_get(out, "output")) &&
          cJSON_IsArray(json_get(out, "warnings")));
    text = print(out);
    free(text);
    cJSON_Delete(out);
}

static void session(const cJSON *body)
{
    const char *token = json_get_string(body, "token");
    char id[37];

    if (token == NULL)
        return; /* sign_in answers 400 */
    CHECK(admin_token_verify(fuzz_store_get(), token, id) == ADMIN_TOKEN_DENIED);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct json_error err;
    cJSON *body = NULL;

    if (size < 1 || size - 1 > API_BODY_MAX)
        return 0;
    if (api_parse_body((const char *)data + 1, size - 1, &body, &err) != 0) {
        CHECK(body == NULL && err.message[0] != '\0');
        return 0;
    }
    CHECK((body == NULL) == (size == 1));
    current_body = body;
    switch ((data[0] & 0x7f) % 7) {
    case 0:
    case 1:
        integrations(body, (data[0] & 0x7f) % 7, data[0] & 0x80);
        break;
    case 2:
        apikeys(body);
        break;
    case 3:
    case 4:
        workflows(body, (data[0] & 0x7f) % 7 == 4);
        break;
    case 5:
        render(body);
        break;
    case 6:
        session(body);
        break;
    }
    cJSON_Delete(body);
    return 0;
}
