/* auth_token: the server signing key and POST /auth/token (SPEC 4.2). */
#ifndef INCOMING_AUTH_TOKEN_H
#define INCOMING_AUTH_TOKEN_H

#include <stddef.h>

#include "config.h"
#include "http.h"
#include "secret.h"

/* Loads <data_dir>/server.key, creating it (0600, random) when absent.
 * Returns 0, or -1 (logged). */
int auth_token_server_key(const struct config *cfg, unsigned char key[SECRET_SERVER_KEY_BYTES]);

/* Fills p (zeroed first) for checking a token this server issued: the
 * server key, loaded once per process, the configured leeway and the time.
 * Returns 0, or answers 503 and returns -1. */
struct jwt_auth_params;
int auth_token_params(struct http_request *req, struct jwt_auth_params *p);
/* Answers a failed token check st (a jwt_auth status) with 401, or 403 for
 * JWT_AUTH_FORBIDDEN, and the WWW-Authenticate header of SPEC section 6. */
void auth_token_refuse(struct http_request *req, int st, const char *desc);

/* Answers POST /auth/token {"apiKey": "<secret>"} with a token, 400 for a
 * malformed body, 401 for an unknown or revoked key. */
void auth_token_handle(struct http_request *req);

/* Issues a token for API key id as /auth/token would (for the runner's
 * api_key auth). *token: caller frees with free(). */
int auth_token_issue_for(const struct config *cfg, const char *apikey_id, char **token);

#endif
