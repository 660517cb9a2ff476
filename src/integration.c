/* integration: validation, state machine and storage of integrations. */
#include "integration.h"

#include "apikey.h"
#include "b64.h"
#include "buf.h"
#include "docstore.h"
#include "hmac_auth.h"
#include "isotime.h"
#include "json.h"
#include "log.h"
#include "uuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 100

static const char *const builtin_icons[] = {
    "webhook", "cart", "mail", "user",  "bell", "bolt",  "cloud", "database",
    "globe",   "link", "lock", "chart", "tag",  "truck", "star",  "code",
};

/* A data URL is taken at its word only when its bytes agree: PNG starts
 * with 89 50 4E 47 0D 0A 1A 0A, JPEG with FF D8 FF. SVG (which can carry
 * script) and every other type are refused. */
int integration_icon_ok(const char *icon)
{
    static const unsigned char png[8] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
    static const unsigned char jpeg[3] = {0xff, 0xd8, 0xff};
    const char *b64;
    unsigned char *bytes;
    size_t len = strlen(icon), n = 0;
    int is_png, ok;

    if (integration_icon_builtin(icon))
        return 1;
    if (len > INTEGRATION_ICON_MAX)
        return 0;
    if (strncmp(icon, "data:image/png;base64,", 22) == 0)
        is_png = 1, b64 = icon + 22;
    else if (strncmp(icon, "data:image/jpeg;base64,", 23) == 0)
        is_png = 0, b64 = icon + 23;
    else
        return 0;
    bytes = malloc(b64_decoded_max(strlen(b64)) + 1);
    if (bytes == NULL)
        return 0;
    ok = b64_decode(B64_STD, b64, strlen(b64), bytes, b64_decoded_max(strlen(b64)) + 1, &n) ==
             B64_OK &&
         (is_png ? n > sizeof(png) && memcmp(bytes, png, sizeof(png)) == 0
                 : n > sizeof(jpeg) && memcmp(bytes, jpeg, sizeof(jpeg)) == 0);
    free(bytes);
    return ok;
}

int integration_icon_builtin(const char *name)
{
    for (size_t i = 0; i < sizeof(builtin_icons) / sizeof(builtin_icons[0]); i++)
        if (strcmp(builtin_icons[i], name) == 0)
            return 1;
    return 0;
}

const char *integration_state(const cJSON *doc)
{
    const char *s = json_get_string(doc, "state");
    return s ? s : "";
}

const char *integration_auth(const cJSON *doc)
{
    const char *s = json_get_string(doc, "auth");
    return s ? s : "none";
}

static int validate_name(const cJSON *req, char *err, size_t errlen)
{
    const cJSON *name = json_get(req, "name");
    size_t len;

    if (!cJSON_IsString(name)) {
        snprintf(err, errlen, "name: required, a string");
        return -1;
    }
    len = strlen(name->valuestring);
    if (len < 1 || len > NAME_MAX_LEN) {
        snprintf(err, errlen, "name: must be 1 to %d characters", NAME_MAX_LEN);
        return -1;
    }
    if (json_text_has_control(name->valuestring)) {
        snprintf(err, errlen, "name: control characters are not allowed");
        return -1;
    }
    return 0;
}

/* Checks auth with its companions (apiKeyId for jwt, hmac for hmac). The
 * API key must exist; its state is checked at each request. */
static int validate_auth(struct store *s, const cJSON *req, char *err, size_t errlen)
{
    const cJSON *it = json_get(req, "auth");
    const char *auth = cJSON_IsString(it) ? it->valuestring : "none";
    const cJSON *kid = json_get(req, "apiKeyId");
    const cJSON *hmac = json_get(req, "hmac");

    if (it != NULL && !cJSON_IsString(it)) {
        snprintf(err, errlen, "auth: must be one of none, jwt, hmac");
        return -1;
    }
    if (strcmp(auth, "none") != 0 && strcmp(auth, "jwt") != 0 && strcmp(auth, "hmac") != 0) {
        snprintf(err, errlen, "auth: must be one of none, jwt, hmac");
        return -1;
    }
    if (strcmp(auth, "jwt") == 0) {
        cJSON *key = NULL;
        int rc;
        if (!cJSON_IsString(kid) || !uuid_valid(kid->valuestring)) {
            snprintf(err, errlen, "apiKeyId: required for auth jwt, the id of an API key");
            return -1;
        }
        rc = apikey_load(s, kid->valuestring, &key);
        cJSON_Delete(key);
        if (rc != STORE_OK) {
            snprintf(err, errlen, "apiKeyId: %s",
                     rc == STORE_NOTFOUND ? "no such API key" : store_strerror(rc));
            return -1;
        }
    } else if (kid != NULL && !cJSON_IsNull(kid)) {
        snprintf(err, errlen, "apiKeyId: only for auth jwt");
        return -1;
    }
    if (strcmp(auth, "hmac") == 0) {
        if (hmac_auth_config_parse(hmac, NULL, err, errlen) != 0)
            return -1;
    } else if (hmac != NULL && !cJSON_IsNull(hmac)) {
        snprintf(err, errlen, "hmac: only for auth hmac");
        return -1;
    }
    return 0;
}

static int validate_options(const cJSON *req, char *err, size_t errlen)
{
    const cJSON *it = json_get(req, "icon");
    const cJSON *p;

    if (it != NULL && !(cJSON_IsString(it) && integration_icon_ok(it->valuestring))) {
        snprintf(err, errlen,
                 "icon: must be a built-in icon name or a PNG/JPEG data URL "
                 "of at most 64 KiB");
        return -1;
    }
    it = json_get(req, "dedupParams");
    if (it != NULL) {
        if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) > 5) {
            snprintf(err, errlen, "dedupParams: must be an array of at most 5 flattened keys");
            return -1;
        }
        cJSON_ArrayForEach(p, it)
        {
            if (!cJSON_IsString(p) || p->valuestring[0] == '\0' || strlen(p->valuestring) > 512) {
                snprintf(err, errlen,
                         "dedupParams: each must be a flattened key such as "
                         "body.order_id");
                return -1;
            }
        }
    }
    it = json_get(req, "rateLimitPerSecond");
    if (it != NULL && !cJSON_IsNull(it) &&
        (!cJSON_IsNumber(it) || it->valuedouble < 0 || it->valuedouble > 100000 ||
         it->valuedouble != (double)(long long)it->valuedouble)) {
        snprintf(err, errlen, "rateLimitPerSecond: must be an integer from 0 (no limit) to 100000");
        return -1;
    }
    return 0;
}

/* Checks a create request (or, with patch, a change); unknown fields are
 * refused so a typo never passes silently. */
static int validate_request(struct store *s, const cJSON *req, int patch, char *err, size_t errlen)
{
    static const char *const known[] = {"name", "auth",        "apiKeyId",          "hmac",
                                        "icon", "dedupParams", "rateLimitPerSecond"};
    const cJSON *it;

    if (!cJSON_IsObject(req)) {
        snprintf(err, errlen, "body: must be a JSON object");
        return -1;
    }
    cJSON_ArrayForEach(it, req)
    {
        size_t i;
        for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
            if (strcmp(it->string, known[i]) == 0)
                break;
        if (i == sizeof(known) / sizeof(known[0])) {
            snprintf(err, errlen, "%.60s: unknown field", it->string);
            return -1;
        }
    }
    if (patch)
        return 0; /* the merged result is validated as a whole */
    if (validate_name(req, err, errlen) != 0)
        return -1;
    if (validate_auth(s, req, err, errlen) != 0)
        return -1;
    return validate_options(req, err, errlen);
}

/* Copies the optional fields of req into doc. */
static int copy_fields(cJSON *doc, const cJSON *req)
{
    static const char *const fields[] = {"name", "auth",        "apiKeyId",          "hmac",
                                         "icon", "dedupParams", "rateLimitPerSecond"};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        const cJSON *v = json_get(req, fields[i]);
        cJSON *copy;
        if (v == NULL)
            continue;
        cJSON_DeleteItemFromObjectCaseSensitive(doc, fields[i]);
        if (cJSON_IsNull(v))
            continue;
        copy = cJSON_Duplicate(v, 1);
        if (copy == NULL || !cJSON_AddItemToObject(doc, fields[i], copy)) {
            cJSON_Delete(copy);
            return -1;
        }
    }
    return 0;
}

static int put_doc(struct store_txn *t, const cJSON *doc)
{
    char *text = json_to_string(doc);
    const char *id = json_get_string(doc, "id");
    int rc;

    if (text == NULL || id == NULL) {
        cJSON_free(text);
        return STORE_NOMEM;
    }
    rc = store_put(t, STORE_DB_INTEGRATIONS, id, strlen(id), text, strlen(text), 0);
    cJSON_free(text);
    return rc;
}

struct create_arg {
    const cJSON *doc;
};

static int create_fn(struct store_txn *t, void *arg)
{
    struct create_arg *a = arg;
    const char *id = json_get_string(a->doc, "id");
    const char *ep = json_get_string(a->doc, "endpointId");
    int rc = store_put(t, STORE_DB_ENDPOINTS, ep, strlen(ep), id, strlen(id), STORE_NOOVERWRITE);
    if (rc == STORE_OK)
        rc = put_doc(t, a->doc);
    return rc;
}

int integration_create(struct store *s, const cJSON *req, cJSON **out, char *err, size_t errlen)
{
    char id[UUID_LEN + 1], ep[UUID_LEN + 1];
    struct create_arg a;
    cJSON *doc = NULL;
    long long now = isotime_now_ms();
    int rc;

    *out = NULL;
    if (validate_request(s, req, 0, err, errlen) != 0)
        return INTEGRATION_INVALID;
    if (uuid_generate(id) != 0 || uuid_generate(ep) != 0) {
        snprintf(err, errlen, "cannot generate ids: no random source");
        return INTEGRATION_STORE;
    }
    doc = cJSON_CreateObject();
    if (doc == NULL)
        goto oom;
    if (!cJSON_AddStringToObject(doc, "id", id) ||
        !cJSON_AddStringToObject(doc, "state", "draft") ||
        !cJSON_AddStringToObject(doc, "auth", "none") ||
        !cJSON_AddStringToObject(doc, "endpointId", ep) || copy_fields(doc, req) != 0 ||
        !cJSON_AddItemToObject(doc, "createdAt", json_number_from_ll(now)) ||
        !cJSON_AddItemToObject(doc, "updatedAt", json_number_from_ll(now)))
        goto oom;
    a.doc = doc;
    rc = store_txn_run(s, create_fn, &a);
    if (rc != STORE_OK) {
        snprintf(err, errlen, "cannot store the integration: %s", store_strerror(rc));
        cJSON_Delete(doc);
        return INTEGRATION_STORE;
    }
    *out = doc;
    return INTEGRATION_OK;
oom:
    cJSON_Delete(doc);
    snprintf(err, errlen, "out of memory");
    return INTEGRATION_STORE;
}

static int parse_doc(const struct buf *v, cJSON **out)
{
    struct json_error jerr;
    if (json_parse(v->data, v->len, 64, out, &jerr) != 0) {
        LOG_ERR("stored integration does not parse: %s", jerr.message);
        return STORE_ERROR;
    }
    return STORE_OK;
}

int integration_get(struct store_txn *t, const char *id, cJSON **out)
{
    char key[UUID_LEN + 1];
    struct buf v;
    int rc;

    *out = NULL;
    if (uuid_parse(id, strlen(id), key) != 0)
        return STORE_NOTFOUND;
    buf_init(&v, 16u << 20);
    rc = store_get(t, STORE_DB_INTEGRATIONS, key, UUID_LEN, &v);
    if (rc == STORE_OK)
        rc = parse_doc(&v, out);
    buf_free(&v);
    return rc;
}

int integration_get_by_endpoint(struct store_txn *t, const char *endpoint_id, cJSON **out)
{
    char key[UUID_LEN + 1];
    struct buf v;
    int rc;

    *out = NULL;
    if (uuid_parse(endpoint_id, strlen(endpoint_id), key) != 0)
        return STORE_NOTFOUND;
    buf_init(&v, 64);
    rc = store_get(t, STORE_DB_ENDPOINTS, key, UUID_LEN, &v);
    if (rc == STORE_OK)
        rc = integration_get(t, buf_str(&v), out);
    buf_free(&v);
    return rc;
}

struct load_arg {
    const char *id;
    cJSON *doc;
};

static int load_fn(struct store_txn *t, void *arg)
{
    struct load_arg *a = arg;
    cJSON_Delete(a->doc);
    a->doc = NULL;
    return integration_get(t, a->id, &a->doc);
}

int integration_load(struct store *s, const char *id, cJSON **out)
{
    struct load_arg a = {id, NULL};
    int rc = store_txn_run(s, load_fn, &a);
    *out = rc == STORE_OK ? a.doc : NULL;
    if (rc != STORE_OK)
        cJSON_Delete(a.doc);
    return rc;
}

/* A change applied to a document inside integration_modify's transaction.
 * Returns INTEGRATION_OK or a status (with err filled). */
typedef int (*modify_fn)(cJSON *doc, void *arg, char *err, size_t errlen);

struct modify_arg {
    const char *id;
    modify_fn fn;
    void *fn_arg;
    cJSON *doc;
    int result;
    char *err;
    size_t errlen;
};

static int modify_txn(struct store_txn *t, void *arg)
{
    struct modify_arg *a = arg;
    int rc;

    cJSON_Delete(a->doc);
    a->doc = NULL;
    a->result = INTEGRATION_OK;
    rc = integration_get(t, a->id, &a->doc);
    if (rc == STORE_NOTFOUND) {
        a->result = INTEGRATION_NOTFOUND;
        snprintf(a->err, a->errlen, "no integration with id %.40s", a->id);
        return STORE_ABORT;
    }
    if (rc != STORE_OK)
        return rc;
    if (strcmp(integration_state(a->doc), "deleted") == 0) {
        a->result = INTEGRATION_GONE;
        snprintf(a->err, a->errlen, "integration %.40s was deleted", a->id);
        return STORE_ABORT;
    }
    a->result = a->fn(a->doc, a->fn_arg, a->err, a->errlen);
    if (a->result != INTEGRATION_OK)
        return STORE_ABORT;
    cJSON_ReplaceItemInObjectCaseSensitive(a->doc, "updatedAt",
                                           json_number_from_ll(isotime_now_ms()));
    return put_doc(t, a->doc);
}

/* Reads id, applies fn, stores the result: one transaction. */
static int integration_modify(struct store *s, const char *id, modify_fn fn, void *fn_arg,
                              cJSON **out, char *err, size_t errlen)
{
    struct modify_arg a = {id, fn, fn_arg, NULL, INTEGRATION_OK, err, errlen};
    int rc = store_txn_run(s, modify_txn, &a);

    if (out)
        *out = NULL;
    if (rc == STORE_ABORT) {
        cJSON_Delete(a.doc);
        return a.result;
    }
    if (rc != STORE_OK) {
        cJSON_Delete(a.doc);
        snprintf(err, errlen, "cannot update the integration: %s", store_strerror(rc));
        return INTEGRATION_STORE;
    }
    if (out)
        *out = a.doc;
    else
        cJSON_Delete(a.doc);
    return INTEGRATION_OK;
}

static int transition_allowed(const char *from, const char *to)
{
    if (strcmp(to, "deleted") == 0)
        return 1;
    if (strcmp(to, "published") == 0)
        return strcmp(from, "draft") == 0 || strcmp(from, "unpublished") == 0 ||
               strcmp(from, "published") == 0;
    if (strcmp(to, "unpublished") == 0)
        return strcmp(from, "published") == 0 || strcmp(from, "unpublished") == 0;
    return 0;
}

static int set_state_fn(cJSON *doc, void *arg, char *err, size_t errlen)
{
    const char *to = arg;
    const char *from = integration_state(doc);

    if (!transition_allowed(from, to)) {
        snprintf(err, errlen, "integration is %s; it cannot become %s", from, to);
        return INTEGRATION_CONFLICT;
    }
    cJSON_ReplaceItemInObjectCaseSensitive(doc, "state", cJSON_CreateString(to));
    return INTEGRATION_OK;
}

int integration_set_state(struct store *s, const char *id, const char *state, cJSON **out,
                          char *err, size_t errlen)
{
    return integration_modify(s, id, set_state_fn, (void *)state, out, err, errlen);
}

static int patch_fn(cJSON *doc, void *arg, char *err, size_t errlen)
{
    const cJSON *patch = arg;
    (void)err;
    (void)errlen;
    if (copy_fields(doc, patch) != 0)
        return INTEGRATION_STORE;
    /* A change of authentication drops the other type's companions. */
    if (strcmp(integration_auth(doc), "jwt") != 0)
        cJSON_DeleteItemFromObjectCaseSensitive(doc, "apiKeyId");
    if (strcmp(integration_auth(doc), "hmac") != 0)
        cJSON_DeleteItemFromObjectCaseSensitive(doc, "hmac");
    return INTEGRATION_OK;
}

int integration_update(struct store *s, const char *id, const cJSON *patch, cJSON **out, char *err,
                       size_t errlen)
{
    static const char *const fields[] = {"name", "auth",        "apiKeyId",          "hmac",
                                         "icon", "dedupParams", "rateLimitPerSecond"};
    cJSON *doc = NULL, *merged = NULL;
    int rc;

    if (out)
        *out = NULL;
    rc = integration_load(s, id, &doc);
    if (rc == STORE_NOTFOUND) {
        snprintf(err, errlen, "no integration with id %.40s", id);
        return INTEGRATION_NOTFOUND;
    }
    if (rc != STORE_OK) {
        snprintf(err, errlen, "cannot read the integration: %s", store_strerror(rc));
        return INTEGRATION_STORE;
    }
    /* Validate the result of the change as a whole, as if created anew. */
    merged = cJSON_CreateObject();
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        const cJSON *v =
            json_get(patch, fields[i]) ? json_get(patch, fields[i]) : json_get(doc, fields[i]);
        if (v && !cJSON_IsNull(v))
            cJSON_AddItemToObject(merged, fields[i], cJSON_Duplicate(v, 1));
    }
    /* Switching away from jwt/hmac drops the old companions. */
    if (json_get(patch, "auth")) {
        const char *auth = json_get_string(merged, "auth");
        if (auth && strcmp(auth, "jwt") != 0 && !json_get(patch, "apiKeyId"))
            cJSON_DeleteItemFromObjectCaseSensitive(merged, "apiKeyId");
        if (auth && strcmp(auth, "hmac") != 0 && !json_get(patch, "hmac"))
            cJSON_DeleteItemFromObjectCaseSensitive(merged, "hmac");
    }
    rc = validate_request(s, patch, 1, err, errlen) == 0 &&
                 validate_request(s, merged, 0, err, errlen) == 0
             ? integration_modify(s, id, patch_fn, (void *)patch, out, err, errlen)
             : INTEGRATION_INVALID;
    cJSON_Delete(doc);
    cJSON_Delete(merged);
    return rc;
}

static int params_fn(cJSON *doc, void *arg, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    cJSON_DeleteItemFromObjectCaseSensitive(doc, "parameters");
    cJSON_AddItemToObject(doc, "parameters", cJSON_Duplicate(arg, 1));
    return INTEGRATION_OK;
}

int integration_set_parameters(struct store *s, const char *id, const cJSON *params, cJSON **out,
                               char *err, size_t errlen)
{
    return integration_modify(s, id, params_fn, (void *)params, out, err, errlen);
}

cJSON *integration_public(const cJSON *doc, const struct config *cfg)
{
    cJSON *pub = cJSON_Duplicate(doc, 1);
    const char *ep = json_get_string(doc, "endpointId");
    struct buf url;

    if (pub == NULL)
        return NULL;
    {
        cJSON *hmac = cJSON_GetObjectItemCaseSensitive(pub, "hmac");
        if (cJSON_IsObject(hmac) && json_get(hmac, "secret")) {
            cJSON_DeleteItemFromObjectCaseSensitive(hmac, "secret");
            cJSON_AddBoolToObject(hmac, "secretSet", 1);
        }
    }
    buf_init(&url, 2048);
    if (ep && buf_printf(&url, "%s/incoming/%s", cfg->public_base_url, ep) == BUF_OK)
        cJSON_AddStringToObject(pub, "endpointUrl", buf_str(&url));
    buf_free(&url);
    return pub;
}

static cJSON *public_item(cJSON *doc, void *arg)
{
    cJSON *pub = integration_public(doc, arg);
    cJSON_Delete(doc);
    return pub;
}

int integration_list(struct store *s, const struct config *cfg, const char *cursor, int limit,
                     cJSON **items, char next[64])
{
    int rc = docstore_list(s, STORE_DB_INTEGRATIONS, cursor, limit, public_item, (void *)cfg, items,
                           next);
    if (rc == STORE_NOTFOUND)
        return INTEGRATION_INVALID;
    return rc == STORE_OK ? INTEGRATION_OK : INTEGRATION_STORE;
}
