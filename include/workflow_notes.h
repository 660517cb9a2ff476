/* workflow_notes: what the admin API tells about a workflow and the things
 * it depends on, besides the documents themselves (README, "Dependencies
 * and orphaned workflows"):
 *   - orphaned: its trigger's integration was deleted (or is gone), or an
 *     Outgoing Integration node's api_key auth names a revoked (or gone) API
 *     key. Such a workflow cannot be published, and says why;
 *   - warnings: URL templates whose runs the SSRF rules would refuse
 *     (target.h), naming the configuration key that would allow them;
 *   - usedBy: the workflows (and integrations) that depend on an
 *     integration or an API key, so that deleting or revoking it can name
 *     them first.
 * Nothing here is stored: it is computed from the current documents on
 * each call. */
#ifndef INCOMING_WORKFLOW_NOTES_H
#define INCOMING_WORKFLOW_NOTES_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "config.h"
#include "store.h"

/* Appends to reasons (an array) one message per dependency of doc that is
 * gone: "nodes.trigger: integrationId: the integration \"Cart\" was
 * deleted". Reads inside t. Returns a store status. */
int workflow_notes_orphan(struct store_txn *t, const cJSON *doc, cJSON *reasons);

/* Adds "orphaned" (bool) and "orphanReasons" (array of strings) to doc (a
 * public workflow document), and with urls also "warnings" (array of
 * strings, "nodes.send: url: ..."). A storage failure leaves orphaned
 * false. */
void workflow_notes_add(struct store *s, const struct config *cfg, cJSON *doc, int urls);

/* The fields that workflow_notes_add adds, removed (a document sent back
 * as it was read must not store them). */
void workflow_notes_strip(cJSON *doc);

/* {"workflows": [{id, name, state}]} of the workflows whose trigger names
 * integration id; for an API key (apikey true) also {"integrations": [{id,
 * name, state}]} of the integrations (not deleted) that accept its tokens,
 * and the workflows whose api_key auth names it. *out: caller frees. */
int workflow_notes_used_by(struct store *s, const char *id, int apikey, cJSON **out);

#endif
