/* profile: customer profiles and their custom events (SPEC 4.3), the
 * product's own stand-in for a CDP's POST /v4/events/custom.
 *
 * A profile is {id, identifiers: {email?, customId?, uuid?, id?},
 * createdAt, updatedAt, eventCount} with id a random UUID. Each identifier
 * is indexed (email lower-cased, uuid lower-cased, id by its text, so 5 and
 * "5" are the same id) and belongs to at most one profile. Events are kept
 * apart from the profile, ordered by their time: {eventId, action, label?,
 * params, time (ISO 8601 UTC text, ms precision), receivedAt (ms),
 * eventSalt?}. Only the newest PROFILE_EVENTS_MAX events (by time) of a
 * profile are kept; adding one more drops the oldest.
 *
 * Finding the profile: the identifiers given are tried in the order email,
 * customId, uuid, id; the first that is known names the profile, else a new
 * one is created. The other identifiers given are attached to it when it
 * has none of that kind and no other profile holds them; otherwise they
 * are ignored (an identifier never moves between profiles, and a profile's
 * identifier is never replaced). All of it, event included, is one
 * transaction: concurrent first events for one new email make one profile.
 *
 * eventSalt: an event with the salt of an earlier, still kept event of the
 * same profile and action replaces that event (keeping its eventId). */
#ifndef INCOMING_PROFILE_H
#define INCOMING_PROFILE_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "store.h"

#define PROFILE_BODY_MAX (256u * 1024u) /* bytes of a custom event request */
#define PROFILE_EVENTS_MAX 1000         /* events kept per profile */
#define PROFILE_ACTION_MAX 32
#define PROFILE_LABEL_MAX 256
#define PROFILE_SALT_MAX 256
#define PROFILE_EMAIL_MAX 254
#define PROFILE_CUSTOM_ID_MAX 256
#define PROFILE_CLIENT_ID_MAX 64
#define PROFILE_CURSOR_LEN 89 /* hex of updatedAt BE64 | profile id, and NUL */
#define PROFILE_KEY_MAX 264   /* an index key: "e:" + at most 256 bytes + NUL */

enum profile_ident { PROFILE_EMAIL, PROFILE_CUSTOM_ID, PROFILE_UUID, PROFILE_ID, PROFILE_IDENTS };

enum profile_status {
    PROFILE_OK = 0,
    PROFILE_INVALID = -40, /* err names the field */
    PROFILE_NOTFOUND = -41,
    PROFILE_STORE = -42, /* storage failed (logged) */
    PROFILE_NOMEM = -43
};

/* A validated custom event. Pointers are borrowed from the body it was
 * read from, which must outlive it. */
struct profile_event {
    const char *action;
    const char *label;   /* NULL when absent */
    const cJSON *params; /* an object, or NULL for {} */
    const char *salt;    /* NULL when absent */
    long long time_ms;   /* given time, or receipt time when absent or future */
    long long received_ms;
    const cJSON *ident[PROFILE_IDENTS];        /* client members as sent, NULL when absent */
    char key[PROFILE_IDENTS][PROFILE_KEY_MAX]; /* index keys, "" when absent */
};

/* The member name of an identifier: "email", "customId", "uuid", "id". */
const char *profile_ident_name(enum profile_ident kind);

/* Validates body (SPEC 4.3) received at now_ms into ev. Returns PROFILE_OK,
 * or PROFILE_INVALID with err naming the field ("action: 1 to 32
 * characters of A-Z a-z 0-9 . _ / -"). */
int profile_event_parse(const cJSON *body, long long now_ms, struct profile_event *ev, char *err,
                        size_t errlen);

/* Finds or creates the profile and stores the event, in one transaction.
 * Writes the event's id (the replaced event's id for a repeated salt) and
 * the profile's id. Returns PROFILE_OK, PROFILE_STORE or PROFILE_NOMEM. */
int profile_add_event(struct store *s, const struct profile_event *ev, char event_id[37],
                      char profile_id[37]);

/* The profile holding identifier kind = value, with "events" newest first.
 * *out: caller frees with cJSON_Delete. PROFILE_NOTFOUND when none. */
int profile_lookup(struct store *s, enum profile_ident kind, const char *value, cJSON **out);

/* A page of the most recently updated profiles, newest first, at most
 * limit (1..500) of them, each a summary {id, email?, customId?, uuid?,
 * clientId? (the client's id), updatedAt, eventCount} without events. cursor is NULL or "" for the
 * first page, else a next value from an earlier page. *items: caller
 * frees. next is set when more remain, else "". Returns PROFILE_OK,
 * PROFILE_INVALID (not a cursor), PROFILE_STORE or PROFILE_NOMEM. */
int profile_list(struct store *s, const char *cursor, int limit, cJSON **items,
                 char next[PROFILE_CURSOR_LEN]);

#endif
