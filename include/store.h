/* store: the one Berkeley DB transactional environment in data_dir, shared
 * by every process (responders, runners, incomingctl); its public face,
 * the transaction layer (src/store.c, src/store_ops.c). Each process opens
 * its own handles once and keeps them (never across fork). Every use of
 * the environment happens inside the gate (include/store_gate.h), one
 * process at a time, so that the process after one killed inside recovers
 * with nobody else inside. Every transaction goes through store_txn_run,
 * which retries on deadlock, recovers on DB_RUNRECOVERY and, with sync
 * durability, returns only once the commit is on disk. How it all fits:
 * docs/storage.md. */
#ifndef INCOMING_STORE_H
#define INCOMING_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "store_event.h"

#define STORE_SCHEMA_VERSION 1

enum store_status {
    STORE_OK = 0,
    STORE_NOTFOUND = -1,
    STORE_EXISTS = -2,      /* put with STORE_NOOVERWRITE found the key */
    STORE_UNAVAILABLE = -3, /* environment cannot be opened or recovered */
    STORE_ERROR = -4,       /* any other Berkeley DB failure (logged) */
    STORE_SCHEMA = -5,      /* data_dir holds another schema version */
    STORE_NOMEM = -6,
    STORE_RETRY = -7, /* deadlock: store_txn_run aborts and retries */
    STORE_ABORT = -8  /* the callback chose to abort (no retry) */
};

/* The databases of the environment. Each is a btree in its own file unless
 * noted. Later modules add theirs here and in store.c's table. */
enum store_db {
    STORE_DB_META = 0,              /* "schema" -> version, misc. singletons */
    STORE_DB_INTEGRATIONS,          /* integration id -> integration JSON */
    STORE_DB_ENDPOINTS,             /* endpoint id -> integration id */
    STORE_DB_EVENTS,                /* event id -> event record (store_event_*) */
    STORE_DB_EVENTS_BY_INTEGRATION, /* secondary: integration id|time|event id */
    STORE_DB_QUEUE,                 /* DB_QUEUE of event ids awaiting a runner */
    STORE_DB_ADMIN_TOKENS,          /* token id -> admin token JSON (hash only) */
    STORE_DB_APIKEYS,               /* API key id -> API key JSON (with its secret) */
    STORE_DB_APIKEY_SECRETS,        /* SHA-256 hex of a secret -> API key id */
    STORE_DB_DEDUP,                 /* endpoint id|SHA-256 hex of a dedup key -> event id|time */
    STORE_DB_RATE,                  /* integration id -> token bucket state */
    STORE_DB_CAPTURES,              /* integration id -> Retrieve data window + sample */
    STORE_DB_WORKFLOWS,             /* workflow id -> workflow JSON */
    STORE_DB_RUNS,                  /* run id -> run JSON */
    STORE_DB_RUNS_DUE,              /* due time (8 bytes BE) | run id -> "" : runs to start */
    STORE_DB_RUNS_LEASES,           /* run id -> "pid lease_until_ms" : runs being executed */
    STORE_DB_RUNS_BY_EVENT,         /* event id | run id -> "" */
    STORE_DB_RUNS_BY_TIME,          /* created (8 bytes BE) | run id -> "" : newest-first lists */
    STORE_DB_SESSIONS,              /* SHA-256 hex of a UI session id -> session JSON */
    STORE_DB_PROFILES,              /* profile id -> profile JSON (identifiers, counts) */
    STORE_DB_PROFILE_IDENTS, /* "e:"lower(email) | "c:"customId | "u:"uuid | "i:"id -> profile id */
    STORE_DB_PROFILE_EVENTS, /* profile id | time ms (8 bytes BE) | event id -> event JSON */
    STORE_DB_PROFILE_SALTS,  /* profile id | action NUL eventSalt -> profile event key */
    STORE_DB_COUNTERS,       /* series name -> 8-byte big-endian count (include/counter.h) */
    STORE_DB_METRICS_TOKENS, /* token id -> metrics token JSON (hash only) */
    STORE_DB_PROFILES_BY_TIME, /* updatedAt ms (8 bytes BE) | profile id -> "" : newest-first list
                                */
    STORE_DB_COUNT
};

struct store;
struct store_txn; /* valid only inside a store_txn_run callback */

#define STORE_CREATE 0x1 /* create data_dir and databases (init) */

/* Opens (and with STORE_CREATE, creates) the environment of cfg->data_dir.
 * Returns STORE_OK and *out, or an error with a sentence in err. */
int store_open(const struct config *cfg, int flags, struct store **out, char *err, size_t errlen);
void store_close(struct store *s); /* s may be NULL */

/* Rebuilds the environment's shared regions and runs recovery now, inside
 * the gate (other processes wait, then reopen their handles). Never needed
 * after a crash, which the next process notices by itself; for an operator
 * who wants it anyway. */
int store_recover(const struct config *cfg, char *err, size_t errlen);

/* Runs failchk (frees what processes killed outside Berkeley DB left
 * registered); called periodically. */
int store_failchk(struct store *s);
/* True once this process has dropped several handle sets after other
 * processes' recoveries: a long-lived process should exit when idle (the
 * web server starts a fresh one) to give back their descriptors. */
int store_should_restart(const struct store *s);
/* Checkpoints the log (runners and incomingctl call this) when
 * STORE_CHECKPOINT_BYTES of log or STORE_CHECKPOINT_SECONDS have passed
 * since the last checkpoint; Berkeley DB then removes log files no longer
 * needed. */
#define STORE_CHECKPOINT_BYTES (4 * 1024 * 1024)
#define STORE_CHECKPOINT_SECONDS 300
int store_checkpoint(struct store *s);
/* 1 when store_checkpoint would checkpoint now, 0 when not, or a negative
 * store status. Responders ask every few seconds: when events arrive but no
 * workflow starts runners and no cron drain runs, they start one for its
 * housekeeping (the checkpoint, and the retention purge). */
int store_checkpoint_due(struct store *s);

typedef int (*store_txn_fn)(struct store_txn *t, void *arg);
/* Begins a transaction, calls fn, commits when fn returns STORE_OK, aborts
 * otherwise. STORE_RETRY from fn or from the commit restarts it (bounded,
 * with a short randomised sleep). fn must be safe to run more than once.
 * With durability = sync, a transaction that wrote returns STORE_OK only
 * once its commit record is on disk (flushed after leaving the gate);
 * with nosync, once it is in the log file (it survives any process's
 * crash, not a power loss). Returns fn's status, or a store error. */
int store_txn_run(struct store *s, store_txn_fn fn, void *arg);
/* Same, with flags: STORE_TXN_NOSYNC never waits for the disk, whatever
 * the durability: for state whose loss in a power cut is harmless, such
 * as rate limits and run bookkeeping. */
#define STORE_TXN_NOSYNC 0x1
int store_txn_run_flags(struct store *s, int flags, store_txn_fn fn, void *arg);
/* The store a transaction belongs to (borrowed). */
struct store *store_txn_store(struct store_txn *t);

/* Plain key/value operations inside a transaction. store_get fills val
 * (reset first) and returns STORE_NOTFOUND when absent. */
#define STORE_NOOVERWRITE 0x1
int store_get(struct store_txn *t, enum store_db db, const void *key, size_t klen, struct buf *val);
/* Like store_get but takes a write lock (read-modify-write without deadlock). */
int store_get_rmw(struct store_txn *t, enum store_db db, const void *key, size_t klen,
                  struct buf *val);
/* The size of a record without reading it. STORE_NOTFOUND when absent. */
int store_get_size(struct store_txn *t, enum store_db db, const void *key, size_t klen,
                   size_t *size);
int store_put(struct store_txn *t, enum store_db db, const void *key, size_t klen, const void *val,
              size_t vlen, int flags);
int store_del(struct store_txn *t, enum store_db db, const void *key, size_t klen);

/* Walks db in key order from the first key >= start (or from the last key
 * <= start when reverse; start may be NULL for an end). cb returns 0 to go
 * on, 1 to stop, or a negative store status to fail. For a secondary index
 * the value given is the primary's record and pkey is the primary key. */
typedef int (*store_scan_fn)(const void *key, size_t klen, const void *pkey, size_t pklen,
                             const void *val, size_t vlen, void *arg);
int store_scan(struct store_txn *t, enum store_db db, const void *start, size_t startlen,
               int reverse, store_scan_fn cb, void *arg);

/* The first key of db (with a write lock when rmw) into key; STORE_NOTFOUND
 * when db is empty. */
int store_first(struct store_txn *t, enum store_db db, struct buf *key, int rmw);

/* The work queue (record-level locking, so appends by many responders do not
 * contend on one page). Items are event ids (36-byte UUID text). */
int store_queue_push(struct store_txn *t, const char *event_id);
/* Takes the oldest item; STORE_NOTFOUND when the queue is empty. */
int store_queue_pop(struct store_txn *t, char event_id[37]);
/* Counts queued items (outside any transaction; approximate under load). */
int store_queue_count(struct store *s, long *out);

/* Event records (layout and codec: include/store_event.h). */
int store_event_put(struct store_txn *t, const struct store_event *ev);
/* Reads one event; ev->envelope points into storage (caller's buffer). */
int store_event_get(struct store_txn *t, const char *event_id, struct store_event *ev,
                    struct buf *storage);
int store_event_set_state(struct store_txn *t, const char *event_id, uint32_t state);

/* The catalog generation (integrations, endpoints, API keys, workflows):
 * raised by every transaction that writes one of those databases, so a
 * process may keep what it read of them and trust it while the generation
 * it reads inside a later transaction is the same. 0 before any write. */
int store_catalog_gen(struct store_txn *t, unsigned long long *gen);

/* A short, human description of a store status ("storage unavailable"). */
const char *store_strerror(int status);

/* The data directory this store was opened on (borrowed). */
const char *store_data_dir(const struct store *s);

/* How many times the environment was recovered since data_dir was made:
 * the gate's generation (data_dir/store.lock), read without the gate. */
unsigned long long store_recoveries(const struct store *s);

#endif
