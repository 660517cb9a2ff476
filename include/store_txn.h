/* store_txn: what a transaction carries between store.c, which runs it,
 * and store_ops.c, whose operations run inside it. Internal to the store. */
#ifndef INCOMING_STORE_TXN_H
#define INCOMING_STORE_TXN_H

#include "store_env.h"

struct store_txn {
    struct store *s;
    DB_TXN *txn;
    int wrote;          /* a put or delete: the commit writes a log record */
    int catalog_bumped; /* the catalog generation was raised in this txn */
};

#endif
