/* catalog: what a long-lived process keeps in memory between requests of
 * the store's catalog (integrations by endpoint, API keys, the published
 * workflows of an integration), so that accepting an event takes one
 * transaction instead of three.
 *
 * Everything kept was read at one catalog generation (store_catalog_gen),
 * which every write to those databases raises in the same transaction.
 * What is kept is only trusted after checking that generation again:
 * inside the transaction that stores an event (catalog_check), or in a
 * transaction of its own before answering a refusal (catalog_verify).
 * When the generation moved, everything kept is retired and the caller
 * starts over with fresh reads; integration documents handed out stay
 * valid until the next catalog_begin, even if retired meanwhile. Bounded: past
 * CATALOG_MAX entries of a kind, everything is retired. */
#ifndef INCOMING_CATALOG_H
#define INCOMING_CATALOG_H

#include <cjson/cJSON.h>

#include "jwt_auth.h"
#include "plan.h"
#include "store.h"

#define CATALOG_MAX 128

struct catalog;

int catalog_new(struct catalog **out); /* STORE_OK or STORE_NOMEM */
void catalog_free(struct catalog *c);  /* c may be NULL */

/* Starts a request against store s (may be NULL): frees what was retired
 * and forgets that the generation was checked. */
void catalog_begin(struct catalog *c, struct store *s);
/* 1 when the generation was read from the store since catalog_begin (by a
 * load or a check that found it current), so everything kept is current
 * as of that read. */
int catalog_verified(const struct catalog *c);

/* The integration whose endpoint id is endpoint (borrowed until the next
 * catalog_begin). Kept, or read in a transaction of its own. STORE_OK,
 * STORE_NOTFOUND, or a store error. */
int catalog_integration(struct catalog *c, const char *endpoint, const cJSON **doc);
/* jwt_auth_lookup_fn with ctx = the catalog: API key key_id, kept or read. */
int catalog_jwt_lookup(void *ctx, const char *key_id, struct jwt_auth_key *out);

/* Inside the caller's transaction t: 1 when what is kept is current, 0
 * when the generation moved (everything kept is retired: start over), or
 * a negative store status. */
int catalog_check(struct catalog *c, struct store_txn *t);
/* catalog_check in a transaction of its own. */
int catalog_verify(struct catalog *c);
/* A hint, outside any transaction: the number of published workflows kept
 * for integration_id, or -1 when none are kept (unknown). */
int catalog_plan_hint(const struct catalog *c, const char *integration_id);
/* Inside t, after catalog_check returned 1: the published workflows of
 * integration_id (borrowed until t ends). */
int catalog_plan_set(struct catalog *c, struct store_txn *t, const char *integration_id,
                     const struct plan_set **out);

#endif
