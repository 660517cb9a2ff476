/* events_item: what one stored event looks like in a list page and in
 * GET /api/v1/events/{id} (see include/events.h for the shapes).
 *
 * The hazard: a body under max_body_bytes can hold 116,000 tiny containers.
 * Parsed, that is 25 MB of cJSON nodes; flattened into cJSON rows, 50 MB
 * more; printed, 7 MB of answer, per event, so a page of twenty was 68 MB
 * of answer and 1.5 GB of responder. The rule: no tree of the envelope is
 * built at all. The flattened rows come from flatten_text over the stored
 * text (only the rows kept are turned into nodes, the rest are counted), the
 * envelope of GET is the stored text itself, validated by that same scan,
 * and raw is either the body parsed (when it is small) or a cut of its text.
 * Only an envelope whose body repeats a member name is parsed, because
 * "last wins, first position kept" needs the whole object; that costs one
 * tree of one event at a time, freed before the next. */
#include "events.h"

#include "flatten.h"
#include "json.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

/* Stored envelopes were validated on the way in (bodies nest at most
 * max_json_depth <= 512 levels, wrapped a few levels deeper); this only
 * bounds the scan. */
#define ENVELOPE_MAX_DEPTH 1024

/* The flattened rows kept within a row and a byte budget, and the count of
 * all of them. */
struct rows {
    cJSON *arr;
    size_t max_rows;
    size_t max_bytes;
    size_t shown;
    size_t bytes; /* key and value text of the rows kept */
    long long count;
    int full; /* a row did not fit: the rest are only counted */
};

static int rows_init(struct rows *r, size_t max_rows, size_t max_bytes)
{
    memset(r, 0, sizeof(*r));
    r->arr = cJSON_CreateArray();
    r->max_rows = max_rows;
    r->max_bytes = max_bytes;
    return r->arr ? 0 : -1;
}

/* A row {key, type, value}; value is the leaf's JSON text as is. */
static cJSON *row(const struct flat_leaf *leaf)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *v = json_raw(leaf->value, leaf->value_len);

    if (o == NULL || v == NULL || !cJSON_AddStringToObject(o, "key", leaf->key) ||
        !cJSON_AddStringToObject(o, "type", flat_type_name(leaf->type))) {
        cJSON_Delete(v);
        cJSON_Delete(o);
        return NULL;
    }
    cJSON_AddItemToObject(o, "value", v);
    return o;
}

static int rows_sink(void *arg, const struct flat_leaf *leaf)
{
    struct rows *r = arg;
    cJSON *o;

    r->count++;
    if (r->full)
        return 0;
    if (r->shown == r->max_rows || leaf->key_len + leaf->value_len > r->max_bytes - r->bytes) {
        r->full = 1;
        return 0;
    }
    if ((o = row(leaf)) == NULL)
        return FLATTEN_NOMEM;
    cJSON_AddItemToArray(r->arr, o);
    r->shown++;
    r->bytes += leaf->key_len + leaf->value_len;
    return 0;
}

/* Fills r from the envelope's text. When the envelope repeats a member name
 * the rows so far are dropped and *tree gets the parsed envelope (caller
 * frees), which gives the right ones. Returns 0 or a flatten status. */
static int flatten_rows(const struct store_event *ev, struct rows *r, cJSON **tree)
{
    int rc = flatten_text(ev->envelope, ev->envelope_len, ENVELOPE_MAX_DEPTH, rows_sink, r);

    if (rc != FLATTEN_DUPLICATE)
        return rc;
    while (cJSON_GetArraySize(r->arr) > 0)
        cJSON_DeleteItemFromArray(r->arr, 0);
    r->shown = r->bytes = 0;
    r->count = 0;
    r->full = 0;
    if (events_envelope(ev, tree, NULL) != 0)
        return FLATTEN_INVALID;
    return flatten_each(*tree, rows_sink, r);
}

/* Adds "flattened", "flattenedCount" and "flattenedTruncated"; r->arr is
 * taken. Returns 0 or -1. */
static int add_rows(cJSON *o, struct rows *r)
{
    cJSON *arr = r->arr;

    r->arr = NULL;
    if (!cJSON_AddItemToObject(o, "flattened", arr)) {
        cJSON_Delete(arr);
        return -1;
    }
    if (!cJSON_AddItemToObject(o, "flattenedCount", json_number_from_ll(r->count)) ||
        !cJSON_AddBoolToObject(o, "flattenedTruncated", (size_t)r->count > r->shown))
        return -1;
    return 0;
}

/* raw of a list item: the body itself when it is at most
 * EVENTS_RAW_EXCERPT bytes, else a string of its first bytes (cut before a
 * partial UTF-8 character). NULL on OOM or a damaged record. */
static cJSON *raw_excerpt(const struct store_event *ev, int *truncated)
{
    const char *body = ev->envelope + ev->body_off;
    size_t len = ev->body_len;
    char text[EVENTS_RAW_EXCERPT + 1];
    cJSON *v = NULL;

    *truncated = len > EVENTS_RAW_EXCERPT;
    if ((size_t)ev->body_off + len > ev->envelope_len)
        return NULL;
    if (len == 0)
        return cJSON_CreateNull();
    if (!*truncated)
        return json_parse(body, len, ENVELOPE_MAX_DEPTH, &v, NULL) == 0 ? v : NULL;
    len = EVENTS_RAW_EXCERPT;
    while (len > 0 && ((unsigned char)body[len] & 0xC0) == 0x80)
        len--;
    memcpy(text, body, len);
    text[len] = '\0';
    return cJSON_CreateString(text);
}

static int add_raw(cJSON *item, const struct store_event *ev)
{
    int truncated = 0;
    cJSON *raw = raw_excerpt(ev, &truncated);

    if (raw == NULL || !cJSON_AddItemToObject(item, "raw", raw)) {
        cJSON_Delete(raw);
        return -1;
    }
    if (!cJSON_AddItemToObject(item, "rawBytes", json_number_from_ll((long long)ev->body_len)) ||
        !cJSON_AddBoolToObject(item, "rawTruncated", truncated))
        return -1;
    return 0;
}

cJSON *events_item(const struct store_event *ev)
{
    struct rows r;
    cJSON *item = NULL, *tree = NULL;
    int rc = rows_init(&r, EVENTS_LIST_FLAT_ROWS, EVENTS_LIST_FLAT_BYTES);

    if (rc == 0)
        rc = flatten_rows(ev, &r, &tree);
    cJSON_Delete(tree);
    if (rc != 0) {
        LOG_ERR("event %s: the stored envelope cannot be flattened (%d)", ev->event_id, rc);
        goto out;
    }
    item = cJSON_CreateObject();
    if (item == NULL || !cJSON_AddStringToObject(item, "eventId", ev->event_id) ||
        !cJSON_AddItemToObject(item, "time", json_number_from_ll(ev->time_ms)) ||
        add_rows(item, &r) != 0 || add_raw(item, ev) != 0) {
        cJSON_Delete(item);
        item = NULL;
    }
out:
    cJSON_Delete(r.arr);
    return item;
}

int events_document(const struct store_event *ev, cJSON **out)
{
    struct rows r;
    cJSON *doc = NULL, *tree = NULL, *event;
    int rc = rows_init(&r, EVENTS_GET_FLAT_ROWS, EVENTS_GET_FLAT_BYTES);

    *out = NULL;
    if (rc == 0)
        rc = flatten_rows(ev, &r, &tree);
    if (rc != 0) {
        LOG_ERR("event %s: the stored envelope cannot be flattened (%d)", ev->event_id, rc);
        goto out;
    }
    /* The stored text passed flatten_text's scan, so it is JSON as it is. */
    event = tree ? tree : json_raw(ev->envelope, ev->envelope_len);
    tree = NULL;
    doc = cJSON_CreateObject();
    if (doc == NULL || event == NULL || !cJSON_AddItemToObject(doc, "event", event)) {
        cJSON_Delete(event);
        goto out;
    }
    if (add_rows(doc, &r) != 0 || !cJSON_AddArrayToObject(doc, "runs"))
        goto out;
    *out = doc;
    doc = NULL;
out:
    cJSON_Delete(doc);
    cJSON_Delete(tree);
    cJSON_Delete(r.arr);
    return *out ? 0 : -1;
}
