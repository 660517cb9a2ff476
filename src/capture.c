/* capture: Retrieve data windows. A record is JSON:
 *   {"expiresAt": ms, "sample": {"eventId", "time", "raw": <envelope>}}
 * with the envelope spliced in as sent, so numbers stay exact. */
#include "capture.h"

#include "buf.h"
#include "flatten.h"
#include "json.h"
#include "uuid.h"

#include <stdio.h>
#include <string.h>

/* The longest record of a window still waiting: {"expiresAt": <19 digits>} */
#define CAPTURE_WAITING_MAX 40

static int get_record(struct store_txn *t, const char *id, int rmw, cJSON **out)
{
    struct json_error jerr;
    struct buf v;
    int rc;

    *out = NULL;
    buf_init(&v, 64u << 20);
    rc = rmw ? store_get_rmw(t, STORE_DB_CAPTURES, id, UUID_LEN, &v)
             : store_get(t, STORE_DB_CAPTURES, id, UUID_LEN, &v);
    if (rc == STORE_OK && json_parse(v.data, v.len, 600, out, &jerr) != 0)
        rc = STORE_ERROR;
    buf_free(&v);
    return rc;
}

struct open_arg {
    const char *id;
    long long expires;
};

static int open_fn(struct store_txn *t, void *arg)
{
    struct open_arg *a = arg;
    char rec[64];
    int n = snprintf(rec, sizeof(rec), "{\"expiresAt\": %lld}", a->expires);
    return store_put(t, STORE_DB_CAPTURES, a->id, UUID_LEN, rec, (size_t)n, 0);
}

int capture_open(struct store *s, const struct config *cfg, const char *integration_id,
                 long long now_ms, long long *expires_at)
{
    struct open_arg a = {integration_id, now_ms + cfg->capture_seconds * 1000};
    int rc = store_txn_run(s, open_fn, &a);
    if (rc == STORE_OK)
        *expires_at = a.expires;
    return rc;
}

static int waiting(const cJSON *rec, long long now_ms)
{
    return json_get(rec, "sample") == NULL && json_get_ll(rec, "expiresAt", 0) > now_ms;
}

int capture_waiting(struct store_txn *t, const char *integration_id, long long now_ms)
{
    cJSON *rec = NULL;
    int w = get_record(t, integration_id, 0, &rec) == STORE_OK && waiting(rec, now_ms);
    cJSON_Delete(rec);
    return w;
}

int capture_take(struct store_txn *t, const char *integration_id, long long now_ms,
                 const char *event_id, const char *envelope, size_t envelope_len, int *taken)
{
    cJSON *rec = NULL;
    struct buf out;
    size_t size = 0;
    int rc;

    *taken = 0;
    /* Every accepted event comes here. A window still waiting is a short
     * record ({"expiresAt": N}); one that holds a sample is longer and is
     * not read (nor parsed) at all. */
    rc = store_get_size(t, STORE_DB_CAPTURES, integration_id, UUID_LEN, &size);
    if (rc == STORE_NOTFOUND || (rc == STORE_OK && size > CAPTURE_WAITING_MAX))
        return STORE_OK;
    if (rc != STORE_OK)
        return rc;
    rc = get_record(t, integration_id, 1, &rec);
    if (rc == STORE_NOTFOUND)
        return STORE_OK;
    if (rc != STORE_OK)
        return rc;
    if (!waiting(rec, now_ms)) {
        cJSON_Delete(rec);
        return STORE_OK;
    }
    buf_init(&out, envelope_len + 256);
    buf_printf(&out,
               "{\"expiresAt\": %lld, \"sample\": {\"eventId\": \"%.36s\", \"time\": %lld, "
               "\"raw\": ",
               json_get_ll(rec, "expiresAt", 0), event_id, now_ms);
    buf_append(&out, envelope, envelope_len);
    rc = buf_puts(&out, "}}") == BUF_OK ? STORE_OK : STORE_NOMEM;
    if (rc == STORE_OK)
        rc = store_put(t, STORE_DB_CAPTURES, integration_id, UUID_LEN, out.data, out.len, 0);
    if (rc == STORE_OK)
        *taken = 1;
    buf_free(&out);
    cJSON_Delete(rec);
    return rc;
}

struct read_arg {
    const char *id;
    cJSON *rec;
};

static int read_fn(struct store_txn *t, void *arg)
{
    struct read_arg *a = arg;
    cJSON_Delete(a->rec);
    return get_record(t, a->id, 0, &a->rec);
}

static int read_record(struct store *s, const char *id, cJSON **rec)
{
    struct read_arg a = {id, NULL};
    int rc = store_txn_run(s, read_fn, &a);
    if (rc != STORE_OK) {
        cJSON_Delete(a.rec);
        a.rec = NULL;
    }
    *rec = a.rec;
    return rc;
}

int capture_status(struct store *s, const char *integration_id, long long now_ms, cJSON **out)
{
    cJSON *rec = NULL, *res, *sample;
    long long expires;
    int rc = read_record(s, integration_id, &rec);

    *out = NULL;
    if (rc != STORE_OK)
        return rc;
    expires = json_get_ll(rec, "expiresAt", 0);
    sample = cJSON_DetachItemFromObjectCaseSensitive(rec, "sample");
    res = cJSON_CreateObject();
    cJSON_AddStringToObject(res, "status",
                            sample ? "received" : (expires > now_ms ? "waiting" : "expired"));
    cJSON_AddItemToObject(
        res, "secondsLeft",
        json_number_from_ll(!sample && expires > now_ms ? (expires - now_ms + 999) / 1000 : 0));
    cJSON_AddItemToObject(res, "expiresAt", json_number_from_ll(expires));
    if (sample) {
        struct flat_list fl = {NULL, 0, 0};
        if (flatten(json_get(sample, "raw"), &fl) == 0)
            cJSON_AddItemToObject(sample, "flattened", flatten_to_json(&fl));
        flat_list_free(&fl);
        cJSON_AddItemToObject(res, "sample", sample);
    }
    cJSON_Delete(rec);
    *out = res;
    return STORE_OK;
}

int capture_parameters(struct store *s, const char *integration_id, cJSON **out)
{
    struct flat_list fl = {NULL, 0, 0};
    const cJSON *raw;
    cJSON *rec = NULL, *params;
    int rc = read_record(s, integration_id, &rec);

    *out = NULL;
    if (rc != STORE_OK)
        return rc;
    raw = json_get(json_get(rec, "sample"), "raw");
    if (raw == NULL || flatten(raw, &fl) != 0) {
        cJSON_Delete(rec);
        return STORE_NOTFOUND;
    }
    params = cJSON_CreateArray();
    for (size_t i = 0; i < fl.count; i++) {
        cJSON *p = cJSON_CreateObject();
        struct json_error jerr;
        cJSON *example = NULL;
        cJSON_AddStringToObject(p, "key", fl.items[i].key);
        cJSON_AddStringToObject(p, "type", flat_type_name(fl.items[i].type));
        if (json_parse(fl.items[i].value, strlen(fl.items[i].value), 4, &example, &jerr) == 0)
            cJSON_AddItemToObject(p, "example", example);
        cJSON_AddItemToArray(params, p);
    }
    flat_list_free(&fl);
    cJSON_Delete(rec);
    *out = params;
    return STORE_OK;
}
