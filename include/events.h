/* events: read-only queries over stored events for incomingctl and the admin
 * API (SPEC section 7). Listing walks the events-by-integration index
 * backwards, so pages come newest first; a cursor is the hex text of the
 * index key of the last item returned (opaque to callers). Listing every
 * integration at once merges the per-integration walks (cheap while there
 * are few integrations; each page costs one short walk per integration). */
#ifndef INCOMING_EVENTS_H
#define INCOMING_EVENTS_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "store.h"

#define EVENTS_LIMIT_DEFAULT 50
#define EVENTS_LIMIT_MAX 500
/* Room for a cursor and its NUL (hex of the 80-byte index key). */
#define EVENTS_CURSOR_LEN 161

enum events_status {
    EVENTS_OK = 0,
    EVENTS_INVALID = -30,  /* bad id, cursor or limit; err says which */
    EVENTS_NOTFOUND = -31, /* no such event */
    EVENTS_STORE = -32     /* storage failed or a record is damaged */
};

/* What one event shows, whatever its body holds (issue 11): a list item is
 * at most a few KiB, so a page of 500 stays a few MiB; GET of one event is
 * the envelope (at most max_body_bytes plus headers) and a capped table. */
#define EVENTS_RAW_EXCERPT 2048      /* list: bytes of body text in raw */
#define EVENTS_LIST_FLAT_ROWS 20     /* list: flattened rows shown */
#define EVENTS_LIST_FLAT_BYTES 2048  /* list: key + value text of those rows */
#define EVENTS_GET_FLAT_ROWS 1000    /* GET: flattened rows shown */
#define EVENTS_GET_FLAT_BYTES 262144 /* GET: key + value text of those rows */

/* One page of events, newest first. integration_id may be NULL for every
 * integration. cursor is NULL or "" for the first page, else a value from
 * an earlier page's next. limit 0 means EVENTS_LIMIT_DEFAULT; more than
 * EVENTS_LIMIT_MAX is EVENTS_INVALID. On success *items (caller frees with
 * cJSON_Delete) is an array of events_item objects and next is the cursor
 * of the following page, or "" when no more remain. err gets one sentence
 * ("cursor: not a cursor from this list"). */
int events_list(struct store *s, const char *integration_id, const char *cursor, int limit,
                cJSON **items, char next[EVENTS_CURSOR_LEN], char *err, size_t errlen);

/* One event as the API returns it (events_document, with "runs": []).
 * *out: caller frees. */
int events_get(struct store *s, const char *event_id, cJSON **out, char *err, size_t errlen);

/* The list item of one stored record (as store_event_decode gives it):
 *   {"eventId", "time",
 *    "flattened": the first rows [{key, type, value}] in document order,
 *        at most EVENTS_LIST_FLAT_ROWS and EVENTS_LIST_FLAT_BYTES of key and
 *        value text (a row that does not fit ends them),
 *    "flattenedCount": every row, "flattenedTruncated": count > rows shown,
 *    "raw": the body when it is at most EVENTS_RAW_EXCERPT bytes, else a
 *        string of its first EVENTS_RAW_EXCERPT bytes or fewer (whole UTF-8
 *        characters), "rawBytes": the body's size, "rawTruncated": bool}.
 * Caller frees; NULL when the envelope is damaged or on OOM. */
cJSON *events_item(const struct store_event *ev);
/* The document of GET /api/v1/events/{id} without its runs:
 *   {"event": the envelope, "flattened": the first rows, at most
 *    EVENTS_GET_FLAT_ROWS and EVENTS_GET_FLAT_BYTES, "flattenedCount",
 *    "flattenedTruncated", "runs": []}.
 * The envelope is the stored text as it is (a raw node) unless the body
 * repeats a member name, when it is parsed (last wins). Returns 0 and *out
 * (caller frees), or -1 when the envelope is damaged or on OOM. */
int events_document(const struct store_event *ev, cJSON **out);
/* Parses the envelope of a stored event into *out (caller frees). Returns 0,
 * or -1 with err (may be NULL) filled: envelopes were validated on the way
 * in, so this means a damaged record. */
struct json_error;
int events_envelope(const struct store_event *ev, cJSON **out, struct json_error *err);

#endif
