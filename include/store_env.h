/* store_env: the lowest layer of the store, internal to it. One process's
 * handles on the Berkeley DB environment in data_dir: the environment and
 * every database (opened once per process and kept), DB_CONFIG, the
 * mapping of Berkeley DB codes to store statuses, and the flush of a log
 * file to disk.
 *
 * Layers, each calling only the ones below it:
 *   store_env  (this)  handles, DB_CONFIG, log files
 *   store_gate         one process at a time inside Berkeley DB; recovery
 *   store, store_ops   transactions and what runs inside them (store.h)
 * store_event (records) is a leaf any of them may use.
 *
 * Nothing here takes the gate: store_env_open, _close, _log_current and
 * store_map's callers run inside it; store_env_log_sync runs outside it
 * (it touches only a log file through its own descriptor). */
#ifndef INCOMING_STORE_ENV_H
#define INCOMING_STORE_ENV_H

#include <db.h>

#include "config.h"
#include "store.h"

struct store_gate_file;

struct store {
    DB_ENV *env;
    DB *dbs[STORE_DB_COUNT];
    char home[512];
    enum config_durability durability;
    int need_recover; /* set on DB_RUNRECOVERY: recover before going on */
    int creating;     /* store_open with STORE_CREATE is under way */
    /* The gate (store_gate.c). */
    int gate_fd;
    struct store_gate_file *gate; /* data_dir/store.lock, mapped */
    int depth;                    /* store_enter nesting in this process */
    unsigned long long gen;       /* environment generation the handles belong to */
    int dropped;                  /* handle sets dropped after another's recovery */
    /* Log flushes (store_env_log_sync). */
    int log_fd;          /* descriptor of log file log_file, -1 when none */
    unsigned log_file;   /* its number */
    unsigned dir_synced; /* newest log file whose directory entry is synced */
};

/* Opens the environment (with recovery first when recover is set) and
 * every database, creating what is missing when s->creating. Returns
 * STORE_OK, or STORE_UNAVAILABLE / STORE_ERROR with a sentence in err. */
int store_env_open(struct store *s, int recover, char *err, size_t errlen);
/* Closes the handles (they must belong to the current regions). */
void store_env_close(struct store *s);
/* Forgets handles attached to regions another process has since rebuilt,
 * without closing them: closing would touch the old regions. Their
 * descriptors and mappings stay until the process exits. */
void store_env_drop(struct store *s);
/* Writes cfg->data_dir/DB_CONFIG when what it says changed. 0 or -1. */
int store_env_write_config(const struct config *cfg, char *err, size_t errlen);

/* Maps a Berkeley DB return code to a store status, logging unexpected
 * ones and remembering a panic in s->need_recover. */
int store_map(struct store *s, int ret, const char *what);

/* The number of the log file that holds the newest record. Inside the
 * gate, right after a commit, that is the file holding the commit: no
 * other process can have written since, and a record never spans files. */
int store_env_log_current(struct store *s, unsigned *file);
/* Makes log file `file` durable: fdatasync through this process's own
 * descriptor, and the first time a file is seen, an fsync of data_dir so
 * that its directory entry survives a power loss too. Berkeley DB itself
 * flushes a log file before it switches to the next, so every earlier
 * file is already on disk. A file no longer there was removed after a
 * checkpoint had written its records to the databases: nothing to do.
 * Runs outside the gate; several processes' flushes of one file coalesce
 * in the kernel (group commit). Returns STORE_OK or STORE_ERROR (logged). */
int store_env_log_sync(struct store *s, unsigned file);
/* Closes the log descriptor (store_close). */
void store_env_log_close(struct store *s);

#endif
