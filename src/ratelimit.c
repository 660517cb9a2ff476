/* ratelimit: token bucket kept as "tokens_millis last_ms" text per key. */
#include "ratelimit.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

struct take_arg {
    const char *id;
    long long rate, now;
    int limited;
    long retry_after;
};

static int take_fn(struct store_txn *t, void *arg)
{
    struct take_arg *a = arg;
    long long cap = a->rate * 1000; /* tokens in thousandths */
    long long tokens = cap, last = a->now;
    struct buf v;
    char text[64];
    int rc, n;

    buf_init(&v, 64);
    rc = store_get_rmw(t, STORE_DB_RATE, a->id, strlen(a->id), &v);
    /* Longer than any bucket written here (v's limit): a damaged record,
     * read as unparsable so that it is replaced rather than refusing every
     * event of the integration from now on. */
    if (rc == STORE_NOMEM) {
        rc = STORE_OK;
        buf_reset(&v);
    }
    /* A record that does not hold what this function writes (a damaged
     * one) starts a full bucket: its numbers must not reach the arithmetic
     * below, where a time far in the past would overflow. */
    if (rc == STORE_OK && (sscanf(buf_str(&v), "%lld %lld", &tokens, &last) != 2 || tokens < 0 ||
                           tokens > cap || last < 0))
        tokens = cap, last = a->now;
    buf_free(&v);
    if (rc != STORE_OK && rc != STORE_NOTFOUND)
        return rc;
    if (a->now > last) {
        /* rate tokens per second = rate thousandths per millisecond; both
         * times are >= 0, so the difference cannot overflow, and a bucket
         * that would be full is set full before multiplying. */
        long long elapsed = a->now - last;
        if (elapsed > (cap - tokens) / a->rate)
            tokens = cap;
        else
            tokens += elapsed * a->rate;
    }
    a->limited = tokens < 1000;
    if (a->limited) {
        long long missing = 1000 - tokens; /* thousandths */
        long long wait_ms = (missing + a->rate - 1) / a->rate;
        a->retry_after = (long)((wait_ms + 999) / 1000);
        if (a->retry_after < 1)
            a->retry_after = 1;
    } else {
        tokens -= 1000;
    }
    n = snprintf(text, sizeof(text), "%lld %lld", tokens, a->now);
    return store_put(t, STORE_DB_RATE, a->id, strlen(a->id), text, (size_t)n, 0);
}

int ratelimit_take(struct store *s, const char *integration_id, long long rate, long long now_ms,
                   long *retry_after)
{
    struct take_arg a = {integration_id, rate, now_ms, 0, 0};
    int rc;

    if (rate <= 0)
        return 0;
    rc = store_txn_run_flags(s, STORE_TXN_NOSYNC, take_fn, &a);
    if (rc != STORE_OK)
        return rc;
    *retry_after = a.retry_after;
    return a.limited ? 1 : 0;
}
