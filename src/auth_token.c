/* auth_token: issuing JWTs for API keys. */
#include "auth_token.h"

#include "apikey.h"
#include "json.h"
#include "jwt_auth.h"
#include "log.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOKEN_BODY_MAX 4096

int auth_token_server_key(const struct config *cfg, unsigned char key[SECRET_SERVER_KEY_BYTES])
{
    char path[600];

    snprintf(path, sizeof(path), "%s/server.key", cfg->data_dir);
    if (secret_key_load_or_create(path, key, SECRET_SERVER_KEY_BYTES) != SECRET_OK) {
        LOG_ERR("cannot load or create the server key %s", path);
        return -1;
    }
    return 0;
}

int auth_token_params(struct http_request *req, struct jwt_auth_params *p)
{
    static unsigned char key[SECRET_SERVER_KEY_BYTES];
    static int key_loaded;

    if (!key_loaded && auth_token_server_key(req->cfg, key) != 0) {
        http_send_error(req, 503, "unavailable", "the server key is unavailable",
                        "Retry-After: 5\r\n");
        return -1;
    }
    key_loaded = 1;
    memset(p, 0, sizeof(*p));
    p->server_key = key;
    p->server_key_len = sizeof(key);
    p->leeway = (long)req->cfg->jwt_leeway_seconds;
    p->now = time(NULL);
    return 0;
}

void auth_token_refuse(struct http_request *req, int st, const char *desc)
{
    char www[300], hdr[340];

    if (jwt_auth_www_authenticate(st, desc, www, sizeof(www)) != 0)
        snprintf(www, sizeof(www), "Bearer realm=\"%s\"", JWT_AUTH_REALM);
    snprintf(hdr, sizeof(hdr), "WWW-Authenticate: %s\r\n", www);
    if (st == JWT_AUTH_FORBIDDEN)
        http_send_error(req, 403, "forbidden", desc[0] ? desc : "token is for another API key",
                        hdr);
    else
        http_send_error(req, 401, "unauthorized", desc[0] ? desc : "a Bearer token is required",
                        hdr);
}

int auth_token_issue_for(const struct config *cfg, const char *apikey_id, char **token)
{
    unsigned char key[SECRET_SERVER_KEY_BYTES];
    int rc;

    *token = NULL;
    if (auth_token_server_key(cfg, key) != 0)
        return -1;
    rc = jwt_auth_issue(key, sizeof(key), apikey_id, time(NULL), (long)cfg->token_ttl_seconds,
                        token);
    memset(key, 0, sizeof(key));
    return rc;
}

void auth_token_handle(struct http_request *req)
{
    struct json_error jerr;
    struct buf body, out;
    cJSON *doc = NULL, *key = NULL;
    const cJSON *secret;
    char *token = NULL;
    int st;

    buf_init(&body, TOKEN_BODY_MAX);
    buf_init(&out, 16384);
    if (strcmp(req->method, "POST") != 0) {
        http_send_error(req, 405, "method_not_allowed", "only POST is accepted here",
                        "Allow: POST\r\n");
        goto out;
    }
    if (req->store == NULL) {
        http_send_error(req, 503, "unavailable", "storage is unavailable", "Retry-After: 5\r\n");
        goto out;
    }
    st = http_read_body(req, &body);
    if (st == 413) {
        http_send_error(req, 413, "payload_too_large", "body is larger than 4096 bytes", NULL);
        goto out;
    }
    if (st != 0 || json_parse(body.data, body.len, 8, &doc, &jerr) != 0) {
        http_send_error(req, 400, "invalid_json", st ? "body is incomplete" : jerr.message, NULL);
        goto out;
    }
    secret = json_get(doc, "apiKey");
    if (!cJSON_IsString(secret) || secret->valuestring[0] == '\0') {
        http_send_error(req, 400, "invalid_request", "apiKey: required, a string", NULL);
        goto out;
    }
    st = apikey_find_by_secret(req->store, secret->valuestring, &key);
    if (st == APIKEY_STORE) {
        http_send_error(req, 503, "unavailable", "storage is unavailable", "Retry-After: 5\r\n");
        goto out;
    }
    if (st != APIKEY_OK || strcmp(json_get_string(key, "state"), "active") != 0) {
        http_send_error(req, 401, "unauthorized", "unknown or revoked API key",
                        "WWW-Authenticate: Bearer realm=\"incoming\"\r\n");
        goto out;
    }
    if (auth_token_issue_for(req->cfg, json_get_string(key, "id"), &token) != 0) {
        http_send_error(req, 503, "unavailable", "cannot issue a token now", "Retry-After: 5\r\n");
        goto out;
    }
    buf_printf(&out, "{\"token\": \"%s\", \"tokenType\": \"Bearer\", \"expiresIn\": %lld}", token,
               req->cfg->token_ttl_seconds);
    http_send_json(req, 200, "", buf_str(&out), out.len);
out:
    free(token);
    cJSON_Delete(doc);
    cJSON_Delete(key);
    buf_free(&body);
    buf_free(&out);
}
