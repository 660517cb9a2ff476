/* dedup: deduplication keys and their records ("<event id> <time ms>"). */
#include "dedup.h"

#include "buf.h"
#include "flatten.h"
#include "json.h"
#include "secret.h"

#include <stdio.h>
#include <string.h>

static const char *const dedup_headers[] = {"X-Deduplication-Hash", "Idempotency-Key",
                                            "webhook-id"};

/* The text hashed for dedupParams: each param's flattened value (or an
 * absent marker) separated by a unit separator. Returns 0, or 1 when no
 * param is present at all (nothing to deduplicate on). */
static int params_text(const cJSON *params, const cJSON *envelope, struct buf *out)
{
    struct flat_list fl = {NULL, 0, 0};
    const cJSON *p;
    int present = 0;

    if (envelope == NULL || flatten(envelope, &fl) != 0)
        return 1;
    buf_puts(out, "p:");
    cJSON_ArrayForEach(p, params)
    {
        const struct flat_item *it;
        if (!cJSON_IsString(p))
            continue;
        it = flatten_find(&fl, p->valuestring);
        if (it) {
            present = 1;
            buf_puts(out, it->value);
        } else {
            buf_puts(out, "\x1e");
        }
        buf_putc(out, '\x1f');
    }
    flat_list_free(&fl);
    return present ? 0 : 1;
}

/* GitHub (and Meta) sign the body alone, with no timestamp, so a
 * byte-identical replay verifies again. Their X-GitHub-Delivery (a GUID
 * per delivery, kept when GitHub redelivers) is what such senders give as
 * an idempotency key: integrations of the github scheme deduplicate on it
 * unless a SPEC header or their dedupParams decided already. */
static const char *github_delivery(const cJSON *integration, dedup_header_fn header, void *ctx)
{
    const char *auth = json_get_string(integration, "auth");
    const char *scheme = json_get_string(json_get(integration, "hmac"), "scheme");

    if (auth == NULL || strcmp(auth, "hmac") != 0 || scheme == NULL ||
        strcmp(scheme, "github") != 0)
        return NULL;
    return header(ctx, "X-GitHub-Delivery");
}

int dedup_key(const char *endpoint_id, const cJSON *integration, const cJSON *envelope,
              dedup_header_fn header, void *ctx, char key[DEDUP_KEY_LEN + 1])
{
    const cJSON *params = json_get(integration, "dedupParams");
    struct buf text;
    char hex[65];
    int rc = 1;

    buf_init(&text, 1u << 20);
    for (size_t i = 0; i < sizeof(dedup_headers) / sizeof(dedup_headers[0]); i++) {
        const char *v = header(ctx, dedup_headers[i]);
        if (v != NULL && *v != '\0') {
            buf_puts(&text, "h:");
            buf_puts(&text, v);
            rc = 0;
            break;
        }
    }
    if (rc != 0 && cJSON_IsArray(params) && cJSON_GetArraySize(params) > 0)
        rc = params_text(params, envelope, &text);
    if (rc != 0) {
        const char *v = github_delivery(integration, header, ctx);
        if (v != NULL && *v != '\0') {
            buf_reset(&text);
            buf_puts(&text, "g:");
            buf_puts(&text, v);
            rc = 0;
        }
    }
    if (rc == 0) {
        secret_sha256_hex(text.data, text.len, hex);
        memcpy(key, endpoint_id, 36);
        memcpy(key + 36, hex, 64);
        key[DEDUP_KEY_LEN] = '\0';
    }
    buf_free(&text);
    return rc;
}

int dedup_check_and_put(struct store_txn *t, const char *key, const char *event_id,
                        long long now_ms, long long window_s, char dup_event_id[37])
{
    char rec[64];
    struct buf v;
    long long when = 0;
    int rc, n;

    buf_init(&v, 128);
    rc = store_get_rmw(t, STORE_DB_DEDUP, key, DEDUP_KEY_LEN, &v);
    /* Longer than any record written here (v's limit): a damaged one, read
     * as no record and overwritten, so the key is not refused for good. */
    if (rc == STORE_NOMEM) {
        rc = STORE_OK;
        buf_reset(&v);
    }
    /* when comes from the record: compared, never subtracted (a damaged
     * record's far-away time would overflow now_ms - when). */
    if (rc == STORE_OK && v.len > 37 && sscanf(v.data + 37, "%lld", &when) == 1 &&
        when > now_ms - window_s * 1000) {
        memcpy(dup_event_id, v.data, 36);
        dup_event_id[36] = '\0';
        buf_free(&v);
        return 1;
    }
    buf_free(&v);
    if (rc != STORE_OK && rc != STORE_NOTFOUND)
        return rc;
    n = snprintf(rec, sizeof(rec), "%.36s %lld", event_id, now_ms);
    /* An expired record is replaced; a fresh one written by a concurrent
     * request since our read makes the put fail and the transaction retry. */
    rc = store_put(t, STORE_DB_DEDUP, key, DEDUP_KEY_LEN, rec, (size_t)n,
                   rc == STORE_NOTFOUND ? STORE_NOOVERWRITE : 0);
    return rc == STORE_EXISTS ? STORE_RETRY : rc;
}
