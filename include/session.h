/* session: the web UI's sign-in (SPEC section 7). POST /api/v1/session
 * {token} exchanges an admin token for a random session id, sent as an
 * HttpOnly, SameSite=Strict cookie, and a CSRF token that mutating calls
 * send back in X-CSRF-Token. Only the session id's SHA-256 is stored, with
 * the admin token's id (revoking the token ends its sessions). */
#ifndef INCOMING_SESSION_H
#define INCOMING_SESSION_H

#include "api.h"

#define SESSION_COOKIE "incoming_session"
#define SESSION_TTL_SECONDS (12 * 3600)

/* Handles POST and DELETE /api/v1/session (no prior authentication). */
void session_handle(struct api_call *c);

/* Authenticates a call by its session cookie: 1 when valid (and, for
 * mutating methods, when X-CSRF-Token matches), 0 when there is no session
 * cookie, -1 when the cookie or CSRF token is wrong (then it answered 401 or
 * 403), -2 when storage failed (answered 503). */
int session_authenticate(struct api_call *c);

#endif
