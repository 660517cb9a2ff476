/* workflow_secrets: the credentials of a workflow document are write-only
 * (SPEC section 8, issue 11 item 5). The stored document holds them, since
 * the runner sends them; every document shown (admin API, incomingctl, and
 * so the web UI) is the public form, where each credential reads back as set
 * or unset and never as its value:
 *
 *   auth basic   {"type": "basic", "username": "u", "passwordSet": true}
 *   auth bearer  {"type": "bearer", "tokenSet": true}
 *   auth header  {"type": "header", "name": "X-Api-Key", "valueSet": true}
 *   headers      {"Authorization": {"set": true}, "Content-Type": "..."}
 *
 * A header is a credential when redact_header() says so or when it is the
 * header the node's header auth sets; its value is hidden whether or not it
 * is a template.
 *
 * A document sent back (PUT, incomingctl workflow import of an existing id)
 * is merged with the stored one, node by node (same node id):
 * - a new value (a string) replaces the stored one;
 * - "passwordSet"/"tokenSet"/"valueSet": true without a value keeps the
 *   stored value of the same auth type, and {"set": true} keeps the stored
 *   value of that header; when there is none (a new workflow, another data
 *   directory, a renamed node, another auth type) the document is refused
 *   naming the node and field: secrets never travel in a document;
 * - a header sent as {"set": false}, or left out, is removed; an auth
 *   secret left out with no true flag is removed, which validation then
 *   refuses for the auth types that need one (switch the type to none).
 * The flags are never stored. */
#ifndef INCOMING_WORKFLOW_SECRETS_H
#define INCOMING_WORKFLOW_SECRETS_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "config.h"

/* The public form of a stored document (a new object, caller frees; NULL
 * when out of memory). *masked (may be NULL) gets the number of credentials
 * it hides. cfg may be NULL (the fixed credential headers only). */
cJSON *workflow_secrets_public(const cJSON *stored, const struct config *cfg, int *masked);

/* Merges doc (borrowed; a document as a client sent it) with stored (the
 * current stored document, NULL for a new workflow) into *out (caller
 * frees), where every flag and marker is resolved. Returns 0, or -1 with
 * "nodes.send: auth: password: ..." in err (*out NULL). */
int workflow_secrets_merge(const cJSON *doc, const cJSON *stored, cJSON **out, char *err,
                           size_t errlen);

#endif
