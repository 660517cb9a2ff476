/* integration: the incoming integration object (SPEC section 7): its
 * validation, its states, and its storage as a JSON document keyed by id,
 * with endpoint id -> id as a second mapping. Secrets kept in the stored
 * document never leave through integration_public. */
#ifndef INCOMING_INTEGRATION_H
#define INCOMING_INTEGRATION_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "config.h"
#include "store.h"

enum integration_status {
    INTEGRATION_OK = 0,
    INTEGRATION_INVALID = -20, /* bad input; err names the field */
    INTEGRATION_NOTFOUND = -21,
    INTEGRATION_GONE = -22,     /* deleted */
    INTEGRATION_CONFLICT = -23, /* transition not allowed from this state */
    INTEGRATION_STORE = -24     /* storage failed; err says why */
};

/* Creates an integration from req ({name, auth?, apiKeyId?, hmac?, icon?,
 * dedupParams?, rateLimitPerSecond?}) in state
 * draft with fresh id and endpointId. *out (caller frees) is the stored
 * document. err gets "name: must be 1 to 100 characters" and the like. */
int integration_create(struct store *s, const cJSON *req, cJSON **out, char *err, size_t errlen);

/* Reads by id (any case) or by endpoint id inside a transaction. Deleted
 * integrations are returned too (state "deleted"). *out: caller frees. */
int integration_get(struct store_txn *t, const char *id, cJSON **out);
int integration_get_by_endpoint(struct store_txn *t, const char *endpoint_id, cJSON **out);
/* Same, each in its own transaction. */
int integration_load(struct store *s, const char *id, cJSON **out);

/* Moves to "published", "unpublished" or "deleted", checking the state
 * machine (draft|unpublished -> published -> unpublished; anything ->
 * deleted; deleted is final). *out may be NULL. */
int integration_set_state(struct store *s, const char *id, const char *state, cJSON **out,
                          char *err, size_t errlen);

/* Applies patch (fields as in create; null removes an optional one) after
 * validating the result as a whole. Deleted integrations are GONE. */
int integration_update(struct store *s, const char *id, const cJSON *patch, cJSON **out, char *err,
                       size_t errlen);
/* Stores params (Apply: [{key, type, example}]) as "parameters". */
int integration_set_parameters(struct store *s, const char *id, const cJSON *params, cJSON **out,
                               char *err, size_t errlen);

/* A page of integrations in id order after cursor (NULL for the first
 * page): *items is a JSON array of public objects (caller frees); next gets
 * the cursor of the next page or "" when none remain. */
int integration_list(struct store *s, const struct config *cfg, const char *cursor, int limit,
                     cJSON **items, char next[64]);

/* A copy of doc for people and the API: secrets removed, endpointUrl
 * added. Caller frees. NULL on OOM. */
cJSON *integration_public(const cJSON *doc, const struct config *cfg);

/* Helpers on a document (borrowed strings, "" when absent). */
const char *integration_state(const cJSON *doc);
const char *integration_auth(const cJSON *doc);

/* 1 when name is one of the built-in icon names. */
int integration_icon_builtin(const char *name);
#define INTEGRATION_ICON_MAX (64 * 1024) /* characters of a data URL */

/* 1 when icon is acceptable: a built-in name, or a PNG/JPEG data URL of at
 * most 64 KiB whose bytes start with the format's magic. */
int integration_icon_ok(const char *icon);

#endif
