/* metrics_token: read-only tokens for GET /metrics (SPEC 4.5), made by
 * `incomingctl metrics-token create` so that a Prometheus server need not
 * hold an admin token. A kind of include/token_store.h: shown once, kept
 * as a hash in their own database, text "imt_<id>_<64 hex>". They grant
 * /metrics and nothing else (the admin API checks admin tokens only). */
#ifndef INCOMING_METRICS_TOKEN_H
#define INCOMING_METRICS_TOKEN_H

#include "token_store.h"

#define METRICS_TOKEN_PREFIX "imt_"

/* As token_store_create, _list, _revoke and _verify for this kind. */
int metrics_token_create(struct store *s, const char *name, char id[37],
                         char token[TOKEN_STORE_LEN + 1], cJSON **out, char *err, size_t errlen);
int metrics_token_list(struct store *s, cJSON **items, char *err, size_t errlen);
int metrics_token_revoke(struct store *s, const char *id, cJSON **out, char *err, size_t errlen);
int metrics_token_verify(struct store *s, const char *token, char id[37]);

#endif
