/* counter: monotonic counters in the store (see include/counter.h). */
#include "counter.h"

#include "buf.h"

#include <string.h>

static unsigned long long decode(const unsigned char *p)
{
    unsigned long long v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

int counter_add(struct store_txn *t, const char *name, unsigned long long n)
{
    unsigned char out[8];
    unsigned long long v = 0;
    size_t len = strlen(name);
    struct buf cur;
    int rc;

    if (n == 0)
        return STORE_OK;
    if (len == 0 || len > COUNTER_NAME_MAX)
        return STORE_ERROR;
    buf_init(&cur, 64);
    rc = store_get_rmw(t, STORE_DB_COUNTERS, name, len, &cur);
    if (rc == STORE_OK && cur.len == 8)
        v = decode((const unsigned char *)cur.data);
    buf_free(&cur);
    if (rc != STORE_OK && rc != STORE_NOTFOUND)
        return rc;
    v += n;
    for (int i = 7; i >= 0; i--) {
        out[i] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
    return store_put(t, STORE_DB_COUNTERS, name, len, out, sizeof(out), 0);
}

struct scan_arg {
    counter_fn fn;
    void *arg;
};

static int scan_cb(const void *key, size_t klen, const void *pkey, size_t pklen, const void *val,
                   size_t vlen, void *arg)
{
    struct scan_arg *a = arg;
    char name[COUNTER_NAME_MAX + 1];

    (void)pkey;
    (void)pklen;
    if (klen == 0 || klen > COUNTER_NAME_MAX || vlen != 8)
        return 0; /* not ours: skipped */
    memcpy(name, key, klen);
    name[klen] = '\0';
    return a->fn(name, decode(val), a->arg) != 0;
}

int counter_scan(struct store_txn *t, counter_fn fn, void *arg)
{
    struct scan_arg a = {fn, arg};
    return store_scan(t, STORE_DB_COUNTERS, NULL, 0, 0, scan_cb, &a);
}
