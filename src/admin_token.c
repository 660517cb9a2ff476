/* admin_token: the admin API's tokens, a kind of include/token_store.h. */
#include "admin_token.h"

#include "token_store.h"

static const struct token_kind admin_kind = {STORE_DB_ADMIN_TOKENS, ADMIN_TOKEN_PREFIX,
                                             "admin token", "admin"};

int admin_token_create(struct store *s, const char *name, char id[37],
                       char token[ADMIN_TOKEN_LEN + 1], cJSON **out, char *err, size_t errlen)
{
    return token_store_create(s, &admin_kind, name, id, token, out, err, errlen);
}

int admin_token_list(struct store *s, cJSON **items, char *err, size_t errlen)
{
    return token_store_list(s, &admin_kind, items, err, errlen);
}

int admin_token_revoke(struct store *s, const char *id, cJSON **out, char *err, size_t errlen)
{
    return token_store_revoke(s, &admin_kind, id, out, err, errlen);
}

int admin_token_verify(struct store *s, const char *token, char id[37])
{
    return token_store_verify(s, &admin_kind, token, id);
}
