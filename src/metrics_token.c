/* metrics_token: the read-only tokens of GET /metrics, a kind of
 * include/token_store.h. */
#include "metrics_token.h"

static const struct token_kind metrics_kind = {STORE_DB_METRICS_TOKENS, METRICS_TOKEN_PREFIX,
                                               "metrics token", "metrics"};

int metrics_token_create(struct store *s, const char *name, char id[37],
                         char token[TOKEN_STORE_LEN + 1], cJSON **out, char *err, size_t errlen)
{
    return token_store_create(s, &metrics_kind, name, id, token, out, err, errlen);
}

int metrics_token_list(struct store *s, cJSON **items, char *err, size_t errlen)
{
    return token_store_list(s, &metrics_kind, items, err, errlen);
}

int metrics_token_revoke(struct store *s, const char *id, cJSON **out, char *err, size_t errlen)
{
    return token_store_revoke(s, &metrics_kind, id, out, err, errlen);
}

int metrics_token_verify(struct store *s, const char *token, char id[37])
{
    return token_store_verify(s, &metrics_kind, token, id);
}
