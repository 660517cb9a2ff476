/* profile: validation of custom events (SPEC 4.3) and the identifier keys
 * the profile store indexes. Storage is in profile_store.c. */
#include "profile.h"

#include "isotime.h"
#include "json.h"
#include "profile_internal.h"
#include "uuid.h"

#include <stdio.h>
#include <string.h>

static const char *const ident_names[PROFILE_IDENTS] = {"email", "customId", "uuid", "id"};

const char *profile_ident_name(enum profile_ident kind)
{
    return (unsigned)kind < PROFILE_IDENTS ? ident_names[kind] : "";
}

static int bad(char *err, size_t errlen, const char *msg)
{
    snprintf(err, errlen, "%s", msg);
    return PROFILE_INVALID;
}

/* Characters (UTF-8 code points; json_parse validated the encoding) of s,
 * or -1 when s holds a control character. */
static long chars(const char *s)
{
    long n = 0;

    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return -1;
        if ((*p & 0xC0) != 0x80)
            n++;
    }
    return n;
}

static int action_ok(const char *s)
{
    size_t n = strlen(s);

    if (n < 1 || n > PROFILE_ACTION_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '/' || c == '-'))
            return 0;
    }
    return 1;
}

/* Something@something, no spaces or controls, at most PROFILE_EMAIL_MAX
 * bytes. Deliberately loose: the sender's system owns the address. */
static int email_ok(const char *s)
{
    const char *at = strrchr(s, '@');
    size_t n = strlen(s);

    if (n < 3 || n > PROFILE_EMAIL_MAX || at == NULL || at == s || at[1] == '\0')
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

/* A client id given as a number: a non-negative integer's text. */
static int integer_text_ok(const char *s)
{
    size_t n = strlen(s);

    if (n < 1 || n > 20 || (n > 1 && s[0] == '0'))
        return 0;
    return strspn(s, "0123456789") == n;
}

int profile_ident_key(enum profile_ident kind, const char *text, char key[PROFILE_KEY_MAX])
{
    static const char prefix[PROFILE_IDENTS] = {'e', 'c', 'u', 'i'};
    size_t n = strlen(text);
    long nc = chars(text);

    key[0] = '\0';
    switch (kind) {
    case PROFILE_EMAIL:
        if (!email_ok(text))
            return -1;
        break;
    case PROFILE_CUSTOM_ID:
        if (nc < 1 || nc > PROFILE_CUSTOM_ID_MAX || n > PROFILE_KEY_MAX - 3)
            return -1;
        break;
    case PROFILE_UUID:
        if (!uuid_valid(text))
            return -1;
        break;
    case PROFILE_ID:
        if (nc < 1 || nc > PROFILE_CLIENT_ID_MAX || n > PROFILE_KEY_MAX - 3)
            return -1;
        break;
    default:
        return -1;
    }
    key[0] = prefix[kind];
    key[1] = ':';
    memcpy(key + 2, text, n + 1);
    if (kind == PROFILE_EMAIL || kind == PROFILE_UUID)
        for (char *p = key + 2; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
    return 0;
}

/* The client object: at least one valid identifier. */
static int parse_client(const cJSON *client, struct profile_event *ev, char *err, size_t errlen)
{
    static const char *const msgs[PROFILE_IDENTS] = {
        "client.email: an email address of at most 254 characters",
        "client.customId: a string of 1 to 256 characters without control characters",
        "client.uuid: a UUID such as 123e4567-e89b-12d3-a456-426614174000",
        "client.id: a non-negative integer or a string of 1 to 64 characters",
    };
    int any = 0;

    if (!cJSON_IsObject(client))
        return bad(err, errlen, "client: an object with at least one of email, customId, uuid, id");
    for (int i = 0; i < PROFILE_IDENTS; i++) {
        const cJSON *v = json_get(client, ident_names[i]);
        char tmp[64];
        const char *text = NULL;
        if (v == NULL || cJSON_IsNull(v))
            continue;
        if (cJSON_IsString(v))
            text = v->valuestring;
        else if (i == PROFILE_ID && cJSON_IsNumber(v))
            text = json_number_text(v, tmp, sizeof(tmp));
        if (text == NULL || (i == PROFILE_ID && cJSON_IsNumber(v) && !integer_text_ok(text)) ||
            profile_ident_key((enum profile_ident)i, text, ev->key[i]) != 0)
            return bad(err, errlen, msgs[i]);
        ev->ident[i] = v;
        any = 1;
    }
    if (!any)
        return bad(err, errlen, "client: an object with at least one of email, customId, uuid, id");
    return PROFILE_OK;
}

/* An optional string member: NULL when absent or null, -1 when invalid. */
static int opt_string(const cJSON *body, const char *name, long min, long max, const char **out)
{
    const cJSON *v = json_get(body, name);
    long n;

    *out = NULL;
    if (v == NULL || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v))
        return -1;
    n = chars(v->valuestring);
    if (n < min || n > max)
        return -1;
    *out = v->valuestring;
    return 0;
}

static int parse_time(const cJSON *body, long long now_ms, struct profile_event *ev, char *err,
                      size_t errlen)
{
    const cJSON *v = json_get(body, "time");
    long long ms;

    ev->time_ms = now_ms;
    if (v == NULL || cJSON_IsNull(v))
        return PROFILE_OK;
    if (!cJSON_IsString(v) || isotime_parse(v->valuestring, &ms) != 0)
        return bad(err, errlen,
                   "time: an ISO 8601 date-time after 1970 such as 2021-04-28T14:09:27.000Z");
    if (ms < now_ms)
        ev->time_ms = ms; /* a time in the future becomes the receipt time */
    return PROFILE_OK;
}

int profile_event_parse(const cJSON *body, long long now_ms, struct profile_event *ev, char *err,
                        size_t errlen)
{
    const cJSON *v;
    int rc;

    memset(ev, 0, sizeof(*ev));
    ev->received_ms = now_ms;
    if (!cJSON_IsObject(body))
        return bad(err, errlen, "body: expected a JSON object");
    v = json_get(body, "action");
    if (!cJSON_IsString(v) || !action_ok(v->valuestring))
        return bad(err, errlen, "action: 1 to 32 characters of A-Z a-z 0-9 . _ / -");
    ev->action = v->valuestring;
    if (opt_string(body, "label", 0, PROFILE_LABEL_MAX, &ev->label) != 0)
        return bad(err, errlen, "label: a string of at most 256 characters");
    rc = parse_client(json_get(body, "client"), ev, err, errlen);
    if (rc != PROFILE_OK)
        return rc;
    v = json_get(body, "params");
    if (v != NULL && !cJSON_IsNull(v) && !cJSON_IsObject(v))
        return bad(err, errlen, "params: an object");
    ev->params = cJSON_IsObject(v) ? v : NULL;
    rc = parse_time(body, now_ms, ev, err, errlen);
    if (rc != PROFILE_OK)
        return rc;
    if (opt_string(body, "eventSalt", 1, PROFILE_SALT_MAX, &ev->salt) != 0)
        return bad(err, errlen, "eventSalt: a string of 1 to 256 characters");
    return PROFILE_OK;
}
