/* store_internal: what the store's own files share; not for other modules. */
#ifndef INCOMING_STORE_INTERNAL_H
#define INCOMING_STORE_INTERNAL_H

#include <db.h>
#include <stdint.h>

#include "store.h"

struct store {
    DB_ENV *env;
    DB *dbs[STORE_DB_COUNT];
    char home[512];
    enum config_durability durability;
    int need_reopen; /* set on DB_RUNRECOVERY; the next operation reopens */
    int creating;    /* store_open with STORE_CREATE is under way */
};

struct store_txn {
    struct store *s;
    DB_TXN *txn;
};

/* Maps a Berkeley DB code to a store status (logs unexpected ones). */
int store_map(struct store *s, int ret, const char *what);

#define STORE_EVKEY_LEN (36 + 8 + 36)
/* Writes the events-by-integration key into k (STORE_EVKEY_LEN bytes). */
void store_event_index_key(const char *integration_id, int64_t time_ms, const char *event_id,
                           unsigned char *k);

#endif
