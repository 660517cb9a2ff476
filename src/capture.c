/* capture: Retrieve data windows. A record is JSON:
 *   {"expiresAt": ms, "sample": {"eventId", "time", "raw": <envelope>}}
 * with the envelope spliced in as sent, so numbers stay exact. Requests
 * refused while a window waits are noted beside it, under the integration
 * id followed by '!': {"refused": [{at, status, error, message}]}, the last
 * CAPTURE_REFUSED_MAX of them. They are kept apart because the window's own
 * record must stay short while it waits (capture_take reads only short
 * records). */
#include "capture.h"

#include "buf.h"
#include "flatten.h"
#include "json.h"
#include "uuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The longest record of a window still waiting: {"expiresAt": <19 digits>} */
#define CAPTURE_WAITING_MAX 40
#define CAPTURE_REFUSED_MAX 5
#define REFUSED_KEY_LEN (UUID_LEN + 1)

static void refused_key(const char *id, char key[REFUSED_KEY_LEN])
{
    memcpy(key, id, UUID_LEN);
    key[UUID_LEN] = '!';
}

/* The refusals noted for id's window (an array), or NULL. */
static int get_refused(struct store_txn *t, const char *id, int rmw, cJSON **out)
{
    char key[REFUSED_KEY_LEN];
    struct json_error jerr;
    struct buf v;
    int rc;

    *out = NULL;
    refused_key(id, key);
    buf_init(&v, 64u << 10);
    rc = rmw ? store_get_rmw(t, STORE_DB_CAPTURES, key, sizeof(key), &v)
             : store_get(t, STORE_DB_CAPTURES, key, sizeof(key), &v);
    if (rc == STORE_OK && json_parse(v.data, v.len, 8, out, &jerr) != 0)
        rc = STORE_ERROR;
    buf_free(&v);
    return rc;
}

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
    char rec[64], key[REFUSED_KEY_LEN];
    int n = snprintf(rec, sizeof(rec), "{\"expiresAt\": %lld}", a->expires);
    int rc = store_put(t, STORE_DB_CAPTURES, a->id, UUID_LEN, rec, (size_t)n, 0);

    refused_key(a->id, key);
    if (rc == STORE_OK)
        rc = store_del(t, STORE_DB_CAPTURES, key, sizeof(key)); /* a new window */
    return rc == STORE_NOTFOUND ? STORE_OK : rc;
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

struct note_arg {
    const char *id;
    long long now;
    int status;
    const char *error, *message;
};

static int note_fn(struct store_txn *t, void *arg)
{
    struct note_arg *a = arg;
    char key[REFUSED_KEY_LEN], msg[201];
    cJSON *rec = NULL, *doc = NULL, *list, *item;
    char *text = NULL;
    int rc = get_record(t, a->id, 0, &rec);

    if (rc == STORE_NOTFOUND || (rc == STORE_OK && !waiting(rec, a->now))) {
        cJSON_Delete(rec);
        return STORE_OK; /* no window waits: nothing to tell */
    }
    cJSON_Delete(rec);
    if (rc != STORE_OK)
        return rc;
    rc = get_refused(t, a->id, 1, &doc);
    if (rc == STORE_NOTFOUND || (rc == STORE_OK && !cJSON_IsArray(json_get(doc, "refused")))) {
        cJSON_Delete(doc);
        doc = cJSON_CreateObject();
        cJSON_AddItemToObject(doc, "refused", cJSON_CreateArray());
        rc = STORE_OK;
    }
    if (rc != STORE_OK) {
        cJSON_Delete(doc);
        return rc;
    }
    list = json_get(doc, "refused");
    while (cJSON_GetArraySize(list) >= CAPTURE_REFUSED_MAX)
        cJSON_DeleteItemFromArray(list, 0);
    /* The message as the sender got it, cut on a character boundary. */
    snprintf(msg, sizeof(msg), "%s", a->message ? a->message : "");
    for (size_t n = strlen(msg); n > 0 && json_utf8_valid(msg, n) == 0; n--)
        msg[n - 1] = '\0';
    item = cJSON_CreateObject();
    cJSON_AddItemToObject(item, "at", json_number_from_ll(a->now));
    cJSON_AddItemToObject(item, "status", json_number_from_ll(a->status));
    cJSON_AddStringToObject(item, "error", a->error ? a->error : "");
    cJSON_AddStringToObject(item, "message", msg);
    cJSON_AddItemToArray(list, item);
    text = json_to_string(doc);
    refused_key(a->id, key);
    rc = text ? store_put(t, STORE_DB_CAPTURES, key, sizeof(key), text, strlen(text), 0)
              : STORE_NOMEM;
    free(text);
    cJSON_Delete(doc);
    return rc;
}

int capture_note_refusal(struct store *s, const char *integration_id, long long now_ms, int status,
                         const char *error, const char *message)
{
    struct note_arg a = {integration_id, now_ms, status, error, message};
    return store_txn_run(s, note_fn, &a);
}

struct read_arg {
    const char *id;
    cJSON *rec, *refused;
};

static int read_fn(struct store_txn *t, void *arg)
{
    struct read_arg *a = arg;
    int rc;

    cJSON_Delete(a->rec);
    cJSON_Delete(a->refused);
    a->rec = a->refused = NULL;
    rc = get_record(t, a->id, 0, &a->rec);
    if (rc == STORE_OK && get_refused(t, a->id, 0, &a->refused) == STORE_ERROR)
        rc = STORE_ERROR;
    return rc;
}

/* The window's record and, when refused is not NULL, the refusals noted
 * for it (an array, empty when none). */
static int read_record(struct store *s, const char *id, cJSON **rec, cJSON **refused)
{
    struct read_arg a = {id, NULL, NULL};
    int rc = store_txn_run(s, read_fn, &a);
    cJSON *list = NULL;

    if (rc != STORE_OK) {
        cJSON_Delete(a.rec);
        a.rec = NULL;
    }
    if (refused != NULL) {
        list = cJSON_DetachItemFromObjectCaseSensitive(a.refused, "refused");
        *refused = cJSON_IsArray(list) ? list : cJSON_CreateArray();
        if (!cJSON_IsArray(list))
            cJSON_Delete(list);
    }
    cJSON_Delete(a.refused);
    *rec = a.rec;
    return rc;
}

int capture_status(struct store *s, const char *integration_id, long long now_ms, cJSON **out)
{
    cJSON *rec = NULL, *res, *sample, *refused = NULL;
    long long expires;
    int rc = read_record(s, integration_id, &rec, &refused);

    *out = NULL;
    if (rc != STORE_OK) {
        cJSON_Delete(refused);
        return rc;
    }
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
    cJSON_AddItemToObject(res, "refused", refused);
    cJSON_Delete(rec);
    *out = res;
    return STORE_OK;
}

int capture_parameters(struct store *s, const char *integration_id, cJSON **out)
{
    struct flat_list fl = {NULL, 0, 0};
    const cJSON *raw;
    cJSON *rec = NULL, *params;
    int rc = read_record(s, integration_id, &rec, NULL);

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

int capture_sample(struct store *s, const char *integration_id, cJSON **out)
{
    cJSON *rec = NULL, *sample;
    int rc = read_record(s, integration_id, &rec, NULL);

    *out = NULL;
    if (rc != STORE_OK)
        return rc;
    sample = cJSON_DetachItemFromObjectCaseSensitive(json_get(rec, "sample"), "raw");
    cJSON_Delete(rec);
    if (!cJSON_IsObject(sample)) {
        cJSON_Delete(sample);
        return STORE_NOTFOUND;
    }
    *out = sample;
    return STORE_OK;
}
