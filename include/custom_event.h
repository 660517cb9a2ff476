/* custom_event: POST /v4/events/custom (SPEC 4.3), the product's own
 * profile-event endpoint. Checks, in this order: method (405), Bearer token
 * issued by /auth/token for an active API key (401 with WWW-Authenticate),
 * the key's permission events:write (403 insufficient_scope), Content-Type
 * when present (415), body size (413 over PROFILE_BODY_MAX), JSON (400
 * invalid_json), the event's fields (400 invalid_event naming the field),
 * storage (503). Success: 202 {"status": 202, "eventId", "profileId"}. */
#ifndef INCOMING_CUSTOM_EVENT_H
#define INCOMING_CUSTOM_EVENT_H

#include "http.h"

/* Answers req; never leaves it unanswered. */
void custom_event_handle(struct http_request *req);

#endif
