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
    int need_recover; /* set on DB_RUNRECOVERY: recover before going on */
    int creating;     /* store_open with STORE_CREATE is under way */
    /* The gate (store_gate.c): one process at a time inside Berkeley DB. */
    int gate_fd;
    int depth;              /* store_enter nesting in this process */
    unsigned long long gen; /* environment generation the handles belong to */
    int dropped;            /* handle sets dropped after another's recovery */
};

/* Handle sets a process may drop before store_should_restart says so: from
 * this many to twice as many, by pid (each set holds a few dozen
 * descriptors). */
#define STORE_DROPPED_MAX 8

struct store_txn {
    struct store *s;
    DB_TXN *txn;
};

/* The gate, an exclusive flock on data_dir/store.lock held for every use of
 * Berkeley DB (store_gate.c). store_enter recovers the environment first
 * when the last holder died inside it, and (re)opens this process's handles
 * when they are missing or belong to regions since rebuilt. Nests. */
int store_gate_open(struct store *s, char *err, size_t errlen);
void store_gate_close(struct store *s); /* closes the handles too */
int store_enter(struct store *s, char *err, size_t errlen);
void store_leave(struct store *s);
/* Inside the gate: drops the handles, recovers, opens them again. */
int store_recover_inside(struct store *s);

/* store.c's side of the gate. */
int store_open_handles(struct store *s, int recover, char *err, size_t errlen);
void store_close_handles(struct store *s);
void store_drop_handles(struct store *s);

/* Maps a Berkeley DB code to a store status (logs unexpected ones). */
int store_map(struct store *s, int ret, const char *what);

#define STORE_EVKEY_LEN (36 + 8 + 36)
/* Writes the events-by-integration key into k (STORE_EVKEY_LEN bytes). */
void store_event_index_key(const char *integration_id, int64_t time_ms, const char *event_id,
                           unsigned char *k);

#endif
