/* workflow: workflow documents (SPEC section 8): validation, storage and
 * states (draft, published, unpublished). A workflow is a connected acyclic
 * graph from one business_event trigger through outgoing_integration nodes
 * to end nodes. Validation names the node at fault. */
#ifndef INCOMING_WORKFLOW_H
#define INCOMING_WORKFLOW_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "config.h"
#include "store.h"

enum workflow_status {
    WORKFLOW_OK = 0,
    WORKFLOW_INVALID = -50,
    WORKFLOW_NOTFOUND = -51,
    WORKFLOW_STORE = -52,
    WORKFLOW_ORPHANED = -53 /* publish refused: an integration or API key it needs is gone */
};

#define WORKFLOW_MAX_NODES 50

/* Checks doc (see SPEC 8): "nodes.send: url: line 1, column 9: ...". doc
 * is a stored form: credential flags and markers (workflow_secrets.h) are
 * resolved before. */
int workflow_validate(struct store *s, const cJSON *doc, char *err, size_t errlen);

/* Every function below that hands a document to the caller hands its public
 * form (workflow_secrets.h: credentials read back as set or unset), except
 * workflow_load, whose stored form holds the secrets and is for the runner
 * alone. cfg says which headers are credentials (redact_headers). */

/* Creates from doc (its id, if any, is ignored; state "draft" unless doc
 * says "published"/"unpublished"). Credential flags and markers in doc are
 * refused: there is nothing stored to keep. *out: the stored document's
 * public form. */
int workflow_create(struct store *s, const struct config *cfg, const cJSON *doc, cJSON **out,
                    char *err, size_t errlen);
/* Replaces workflow id's definition (PUT); its state is kept unless doc
 * names one. Credentials read back as set are kept (workflow_secrets_merge). */
int workflow_replace(struct store *s, const struct config *cfg, const char *id, const cJSON *doc,
                     cJSON **out, char *err, size_t errlen);
int workflow_delete(struct store *s, const char *id);
/* "published" or "unpublished". Publishing an orphaned workflow (its
 * trigger's integration deleted, an api_key auth's key revoked: see
 * workflow_notes.h) is refused with WORKFLOW_ORPHANED and the reason in
 * err. */
int workflow_set_state(struct store *s, const struct config *cfg, const char *id, const char *state,
                       cJSON **out, char *err, size_t errlen);
/* The stored form, secrets included: for running the workflow only. */
int workflow_load(struct store *s, const char *id, cJSON **out);
/* The public form; *masked (may be NULL): how many credentials it hides. */
int workflow_load_public(struct store *s, const struct config *cfg, const char *id, cJSON **out,
                         int *masked);
int workflow_list(struct store *s, const struct config *cfg, const char *cursor, int limit,
                  cJSON **items, char next[64]);

/* Every published workflow whose trigger names integration_id, as an array
 * (caller frees). Read inside t. */
int workflow_matching(struct store_txn *t, const char *integration_id, cJSON **out);

/* Helpers on a validated document (borrowed). */
const cJSON *workflow_node(const cJSON *doc, const char *id);
const cJSON *workflow_trigger(const cJSON *doc);
/* The node ids in execution order (a topological order from the trigger),
 * at most WORKFLOW_MAX_NODES. Returns the count, or -1 (no trigger, too
 * many nodes, a node without an id: a document validation refuses, such as
 * a damaged record; edges that are not pairs of strings are passed over). */
int workflow_order(const cJSON *doc, const char *order[WORKFLOW_MAX_NODES]);

#endif
