/* docstore: JSON documents keyed by their "id" (a UUID) in one database of
 * the store: read, write, read in its own transaction, and pages in id
 * order. Workflows and runs are kept this way. */
#ifndef INCOMING_DOCSTORE_H
#define INCOMING_DOCSTORE_H

#include <cjson/cJSON.h>

#include "store.h"

/* Reads document id (any case) from db; STORE_NOTFOUND when absent or when
 * id is not a UUID. *out: caller frees. */
int docstore_get(struct store_txn *t, enum store_db db, const char *id, int rmw, cJSON **out);
/* Writes doc under its "id". */
int docstore_put(struct store_txn *t, enum store_db db, const cJSON *doc, int flags);
/* docstore_get in a transaction of its own. */
int docstore_load(struct store *s, enum store_db db, const char *id, cJSON **out);

/* Turns a stored document into a list item (may return NULL to skip it).
 * Takes ownership of doc. */
typedef cJSON *(*docstore_item_fn)(cJSON *doc, void *arg);
/* A page of at most limit documents after cursor ("" or NULL: from the
 * start), in id order. next gets the cursor of the following page or "". */
int docstore_list(struct store *s, enum store_db db, const char *cursor, int limit,
                  docstore_item_fn fn, void *arg, cJSON **items, char next[64]);

#endif
