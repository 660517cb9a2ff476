/* testnode: "Test with the sample" of the workflow editor (POST
 * /api/v1/workflows/test-node, README "Admin API"). One Outgoing
 * Integration node, validated exactly as a workflow save validates it, is
 * rendered and really sent by the runs' own code path (runexec_attempt)
 * against the sample of its trigger's integration, and the attempt record
 * comes back in the shape a run's attempt has, credentials redacted.
 * Nothing is stored: no workflow, no run, no event, no counter.
 *
 * The sample is the one the editor's live preview shows: the integration's
 * received Retrieve data sample, else its newest event.
 *
 * Unlike every other route, this one makes the responder wait for an
 * outgoing request (SPEC section 2 says a responder never blocks on
 * outgoing traffic): the operator asked for the answer and waits for it.
 * The wait is bounded by TESTNODE_TIMEOUT_MAX_MS, and it is an admin
 * action behind the admin token or the session's CSRF token. */
#ifndef INCOMING_TESTNODE_H
#define INCOMING_TESTNODE_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "config.h"
#include "store.h"

enum testnode_status {
    TESTNODE_OK = 0,
    TESTNODE_BAD_REQUEST = -60, /* 400 invalid_request: the call's own fields */
    TESTNODE_INVALID = -61,     /* 400 invalid_workflow: the node, as a save says it */
    TESTNODE_NOTFOUND = -62,    /* 404: no such integration or workflow */
    TESTNODE_NO_SAMPLE = -63,   /* 409: the integration has no sample and no event */
    TESTNODE_STORE = -64        /* 503 */
};

/* The longest wait for the target's answer, whatever the node's timeoutMs. */
#define TESTNODE_TIMEOUT_MAX_MS 10000

/* Runs req (borrowed, may be NULL): {"node": {an outgoing_integration node},
 * "integrationId": "...", "workflowId": "..." (optional: a credential the
 * node leaves masked, {"set": true} or passwordSet/tokenSet/valueSet, takes
 * that workflow's stored value of the same node id, as a save does)}.
 * On TESTNODE_OK *out (caller frees) is {"attempt": {...}, "sample":
 * {"source": "capture"|"event", "eventId": "..."}}; the attempt may hold an
 * "error" (a render error, a refused URL, a failed send): that is still
 * TESTNODE_OK. Otherwise *out is NULL and err holds one sentence naming
 * the field ("nodes.send: url: ..."). Calls outgoing_global_init the
 * first time. */
int testnode_run(struct store *s, const struct config *cfg, const cJSON *req, cJSON **out,
                 char *err, size_t errlen);

#endif
