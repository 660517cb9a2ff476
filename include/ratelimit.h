/* ratelimit: a token bucket per integration (rateLimitPerSecond), shared by
 * every responder through the store. Bucket updates commit without a log
 * flush: losing one in a crash only forgives a few requests. */
#ifndef INCOMING_RATELIMIT_H
#define INCOMING_RATELIMIT_H

#include "store.h"

/* Takes one token from integration_id's bucket of rate tokens per second
 * (burst: rate). Returns 0 when admitted, 1 when over the limit (then
 * *retry_after holds whole seconds to wait, at least 1), or a store error. */
int ratelimit_take(struct store *s, const char *integration_id, long long rate, long long now_ms,
                   long *retry_after);

#endif
