/* store_admin: whole-environment maintenance for `incomingctl verify` and
 * `incomingctl backup` (SPEC section 10), on an open store. */
#ifndef INCOMING_STORE_ADMIN_H
#define INCOMING_STORE_ADMIN_H

#include "buf.h"
#include "store.h"

/* Checkpoints, then runs Berkeley DB's structural check (DB->verify) on
 * every database file through a separate handle, then reads every record
 * of the JSON and event databases and checks that it decodes and that the
 * event index has one entry per event. Appends one line per finding or per
 * database ("ok  events.db  12 records") to report. Returns STORE_OK when
 * every check passed, STORE_ERROR when at least one failed (*problems says
 * how many), or another store status when the checks could not run.
 * Verification takes no locks: run it while the data directory is quiet. */
int store_admin_verify(struct store *s, struct buf *report, int *problems);

/* Makes a consistent hot copy of the environment in dir, which must not
 * exist or be an empty directory: checkpoint, DB_ENV->backup (database
 * files, then log files), a copy of DB_CONFIG, then catastrophic recovery
 * in dir so it opens as a data_dir of its own. err gets one sentence. */
int store_admin_backup(struct store *s, const char *dir, char *err, size_t errlen);

#endif
