/* Tests of the profile module: ISO 8601 times, validation of custom events
 * (each field's message), and the store: find-or-create by identifier,
 * case-insensitive email, attaching identifiers, eventSalt replacement,
 * newest-first listing and the per-profile bound. */
#include "config.h"
#include "isotime.h"
#include "json.h"
#include "profile.h"
#include "store.h"

#include <CUnit/Basic.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1700000000000LL /* 2023-11-14T22:13:20.000Z */

static char tmpdir[64];
static struct config cfg;
static struct store *st;

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int suite_init(void)
{
    char err[512];
    strcpy(tmpdir, "/tmp/test_profile_XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    config_defaults(&cfg);
    cfg.durability = CONFIG_DURABILITY_NOSYNC;
    snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s/data", tmpdir);
    if (store_open(&cfg, STORE_CREATE, &st, err, sizeof(err)) != STORE_OK) {
        fprintf(stderr, "store_open: %s\n", err);
        return -1;
    }
    return 0;
}

static int suite_clean(void)
{
    store_close(st);
    nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

static cJSON *parse(const char *text)
{
    cJSON *t = NULL;
    struct json_error e;
    if (json_parse(text, strlen(text), 64, &t, &e) != 0)
        fprintf(stderr, "bad test JSON %s: %s\n", text, e.message);
    return t;
}

static void isotime_should_parse_zones_and_fractions(void)
{
    struct {
        const char *s;
        long long ms;
    } ok[] = {
        {"2021-04-28T14:09:27.000Z", 1619618967000LL},
        {"2021-04-28T14:09:27Z", 1619618967000LL},
        {"2021-04-28T14:09:27.123456789Z", 1619618967123LL},
        {"2021-04-28T14:09:27.5z", 1619618967500LL},
        {"2021-04-28T16:09:27+02:00", 1619618967000LL},
        {"2021-04-28T09:09:27-0500", 1619618967000LL},
        {"2021-04-28T16:09:27+02", 1619618967000LL},
        {"2021-04-28 14:09:27", 1619618967000LL},
        {"2021-04-28T14:09Z", 1619618940000LL},
        {"2021-04-28", 1619568000000LL},
        {"2020-02-29T00:00:00Z", 1582934400000LL},
        {"1970-01-01T00:00:00Z", 0},
        {"2016-12-31T23:59:60Z", 1483228800000LL},
    };
    const char *bad[] = {"",
                         "2021-4-28",
                         "2021-04-28T",
                         "2021-02-29",
                         "2021-13-01",
                         "2021-04-31",
                         "2021-04-28T24:00:00Z",
                         "2021-04-28T14:60Z",
                         "2021-04-28T14:09:27.Z",
                         "2021-04-28T14:09:27+2",
                         "2021-04-28T14:09:27+02:",
                         "2021-04-28T14:09:27 Z",
                         "1969-12-31T23:59:59Z",
                         "2021-04-28T14:09:27.0000000001Z",
                         "2021-04-28T14:09:27ZZ",
                         "1619618967000"};
    long long ms;
    char out[ISOTIME_LEN + 1];

    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        ms = -1;
        CU_ASSERT_EQUAL(isotime_parse(ok[i].s, &ms), 0);
        CU_ASSERT_EQUAL(ms, ok[i].ms);
        if (ms != ok[i].ms)
            fprintf(stderr, "\n  %s -> %lld\n", ok[i].s, ms);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CU_ASSERT_EQUAL(isotime_parse(bad[i], &ms), -1);
        if (isotime_parse(bad[i], &ms) != -1)
            fprintf(stderr, "\n  accepted %s\n", bad[i]);
    }
    CU_ASSERT_EQUAL(isotime_format(1619618967123LL, out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(out, "2021-04-28T14:09:27.123Z");
    CU_ASSERT_EQUAL(isotime_format(0, out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(out, "1970-01-01T00:00:00.000Z");
    CU_ASSERT_EQUAL(isotime_format(-1, out, sizeof(out)), -1);
}

/* Parses text as a custom event at NOW; returns the status, err filled. */
static char err[200];
static struct profile_event ev;
static cJSON *body;

static int check(const char *text)
{
    cJSON_Delete(body);
    body = parse(text);
    err[0] = '\0';
    return profile_event_parse(body, NOW, &ev, err, sizeof(err));
}

static void parse_should_accept_the_seed_example(void)
{
    CU_ASSERT_EQUAL(check("{\"action\": \"goal.achieve\", \"label\": \"l\", \"client\": "
                          "{\"email\": \"A@Example.com\"}, \"params\": {\"group_id\": \"g1\"}, "
                          "\"time\": \"2021-04-28T14:09:27.000Z\", \"eventSalt\": \"s\"}"),
                    PROFILE_OK);
    CU_ASSERT_STRING_EQUAL(ev.action, "goal.achieve");
    CU_ASSERT_STRING_EQUAL(ev.label, "l");
    CU_ASSERT_STRING_EQUAL(ev.salt, "s");
    CU_ASSERT_STRING_EQUAL(ev.key[PROFILE_EMAIL], "e:a@example.com");
    CU_ASSERT_EQUAL(ev.key[PROFILE_UUID][0], '\0');
    CU_ASSERT_EQUAL(ev.time_ms, 1619618967000LL);
    CU_ASSERT_EQUAL(ev.received_ms, NOW);
}

static void parse_should_default_and_clamp_the_time(void)
{
    CU_ASSERT_EQUAL(check("{\"action\": \"a\", \"client\": {\"customId\": \"c1\"}}"), PROFILE_OK);
    CU_ASSERT_EQUAL(ev.time_ms, NOW);
    CU_ASSERT_PTR_NULL(ev.params);
    CU_ASSERT_EQUAL(check("{\"action\": \"a\", \"client\": {\"id\": 42}, "
                          "\"time\": \"2999-01-01T00:00:00Z\"}"),
                    PROFILE_OK);
    CU_ASSERT_EQUAL(ev.time_ms, NOW);
    CU_ASSERT_STRING_EQUAL(ev.key[PROFILE_ID], "i:42");
}

static void parse_should_name_each_invalid_field(void)
{
    struct {
        const char *text, *msg;
    } cases[] = {
        {"[]", "body: expected a JSON object"},
        {"{\"client\": {\"email\": \"a@b.c\"}}",
         "action: 1 to 32 characters of A-Z a-z 0-9 . _ / -"},
        {"{\"action\": \"\", \"client\": {\"email\": \"a@b.c\"}}",
         "action: 1 to 32 characters of A-Z a-z 0-9 . _ / -"},
        {"{\"action\": \"a b\", \"client\": {\"email\": \"a@b.c\"}}",
         "action: 1 to 32 characters of A-Z a-z 0-9 . _ / -"},
        {"{\"action\": \"123456789012345678901234567890123\", \"client\": {\"email\": \"a@b.c\"}}",
         "action: 1 to 32 characters of A-Z a-z 0-9 . _ / -"},
        {"{\"action\": 5, \"client\": {\"email\": \"a@b.c\"}}",
         "action: 1 to 32 characters of A-Z a-z 0-9 . _ / -"},
        {"{\"action\": \"a\", \"label\": 1, \"client\": {\"email\": \"a@b.c\"}}",
         "label: a string of at most 256 characters"},
        {"{\"action\": \"a\"}", "client: an object with at least one of email, customId, uuid, id"},
        {"{\"action\": \"a\", \"client\": {}}",
         "client: an object with at least one of email, customId, uuid, id"},
        {"{\"action\": \"a\", \"client\": {\"phone\": \"1\"}}",
         "client: an object with at least one of email, customId, uuid, id"},
        {"{\"action\": \"a\", \"client\": {\"email\": \"\"}}",
         "client.email: an email address of at most 254 characters"},
        {"{\"action\": \"a\", \"client\": {\"email\": \"no-at\"}}",
         "client.email: an email address of at most 254 characters"},
        {"{\"action\": \"a\", \"client\": {\"email\": \"a b@c.d\"}}",
         "client.email: an email address of at most 254 characters"},
        {"{\"action\": \"a\", \"client\": {\"customId\": \"\"}}",
         "client.customId: a string of 1 to 256 characters without control characters"},
        {"{\"action\": \"a\", \"client\": {\"uuid\": \"nope\"}}",
         "client.uuid: a UUID such as 123e4567-e89b-12d3-a456-426614174000"},
        {"{\"action\": \"a\", \"client\": {\"id\": -1}}",
         "client.id: a non-negative integer or a string of 1 to 64 characters"},
        {"{\"action\": \"a\", \"client\": {\"id\": 1.5}}",
         "client.id: a non-negative integer or a string of 1 to 64 characters"},
        {"{\"action\": \"a\", \"client\": {\"email\": \"a@b.c\"}, \"params\": []}",
         "params: an object"},
        {"{\"action\": \"a\", \"client\": {\"email\": \"a@b.c\"}, \"time\": \"yesterday\"}",
         "time: an ISO 8601 date-time after 1970 such as 2021-04-28T14:09:27.000Z"},
        {"{\"action\": \"a\", \"client\": {\"email\": \"a@b.c\"}, \"time\": 1619618967000}",
         "time: an ISO 8601 date-time after 1970 such as 2021-04-28T14:09:27.000Z"},
        {"{\"action\": \"a\", \"client\": {\"email\": \"a@b.c\"}, \"eventSalt\": \"\"}",
         "eventSalt: a string of 1 to 256 characters"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        CU_ASSERT_EQUAL(check(cases[i].text), PROFILE_INVALID);
        CU_ASSERT_STRING_EQUAL(err, cases[i].msg);
        if (strcmp(err, cases[i].msg) != 0)
            fprintf(stderr, "\n  %s\n  got:  %s\n", cases[i].text, err);
    }
}

/* Adds an event from text; returns the status and the two ids. */
static int add(const char *text, char eid[37], char pid[37])
{
    int rc = check(text);
    if (rc != PROFILE_OK) {
        fprintf(stderr, "\n  refused %s: %s\n", text, err);
        return rc;
    }
    return profile_add_event(st, &ev, eid, pid);
}

static void store_should_find_profiles_by_email_in_any_case(void)
{
    char e1[37], p1[37], e2[37], p2[37];
    cJSON *doc = NULL;

    CU_ASSERT_EQUAL_FATAL(add("{\"action\": \"a\", \"client\": {\"email\": \"Mixed@Example.COM\"}, "
                              "\"params\": {\"n\": 9007199254740993}}",
                              e1, p1),
                          PROFILE_OK);
    CU_ASSERT_EQUAL_FATAL(
        add("{\"action\": \"b\", \"client\": {\"email\": \"mixed@example.com\"}}", e2, p2),
        PROFILE_OK);
    CU_ASSERT_STRING_EQUAL(p1, p2);
    CU_ASSERT_STRING_NOT_EQUAL(e1, e2);
    CU_ASSERT_EQUAL_FATAL(profile_lookup(st, PROFILE_EMAIL, "MIXED@example.com", &doc), PROFILE_OK);
    CU_ASSERT_STRING_EQUAL(json_get_string(doc, "id"), p1);
    CU_ASSERT_STRING_EQUAL(json_get_string(json_get(doc, "identifiers"), "email"),
                           "Mixed@Example.COM");
    CU_ASSERT_EQUAL(json_get_ll(doc, "eventCount", 0), 2);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(json_get(doc, "events")), 2);
    {
        char *text = json_to_string(doc);
        CU_ASSERT_PTR_NOT_NULL(strstr(text, "9007199254740993"));
        free(text);
    }
    cJSON_Delete(doc);
    CU_ASSERT_EQUAL(profile_lookup(st, PROFILE_EMAIL, "other@example.com", &doc), PROFILE_NOTFOUND);
    CU_ASSERT_PTR_NULL(doc);
}

static void store_should_attach_other_identifiers_but_never_move_them(void)
{
    char e[37], p1[37], p2[37], p3[37];
    cJSON *doc = NULL;

    CU_ASSERT_EQUAL_FATAL(add("{\"action\": \"a\", \"client\": {\"customId\": \"cust-1\"}}", e, p1),
                          PROFILE_OK);
    /* email unknown, customId known: the customId's profile gets the email. */
    CU_ASSERT_EQUAL_FATAL(add("{\"action\": \"a\", \"client\": {\"email\": \"c1@x.org\", "
                              "\"customId\": \"cust-1\", \"id\": 77}}",
                              e, p2),
                          PROFILE_OK);
    CU_ASSERT_STRING_EQUAL(p1, p2);
    CU_ASSERT_EQUAL_FATAL(profile_lookup(st, PROFILE_ID, "77", &doc), PROFILE_OK);
    CU_ASSERT_STRING_EQUAL(json_get_string(doc, "id"), p1);
    CU_ASSERT_STRING_EQUAL(json_get_string(json_get(doc, "identifiers"), "email"), "c1@x.org");
    cJSON_Delete(doc);
    /* A second profile; its email is not taken from the first one. */
    CU_ASSERT_EQUAL_FATAL(add("{\"action\": \"a\", \"client\": {\"customId\": \"cust-2\"}}", e, p3),
                          PROFILE_OK);
    CU_ASSERT_STRING_NOT_EQUAL(p1, p3);
    CU_ASSERT_EQUAL_FATAL(add("{\"action\": \"a\", \"client\": {\"customId\": \"cust-2\", "
                              "\"email\": \"c1@x.org\"}}",
                              e, p2),
                          PROFILE_OK);
    /* email comes first in the order: it finds the first profile. */
    CU_ASSERT_STRING_EQUAL(p2, p1);
    CU_ASSERT_EQUAL_FATAL(profile_lookup(st, PROFILE_CUSTOM_ID, "cust-2", &doc), PROFILE_OK);
    CU_ASSERT_PTR_NULL(json_get(json_get(doc, "identifiers"), "email"));
    cJSON_Delete(doc);
}

static void salt_should_replace_the_event_and_keep_its_id(void)
{
    char e1[37], e2[37], e3[37], e4[37], p[37];
    cJSON *doc = NULL, *events;

    CU_ASSERT_EQUAL_FATAL(add("{\"action\": \"cart\", \"client\": {\"email\": \"salt@x.org\"}, "
                              "\"eventSalt\": \"s1\", \"params\": {\"v\": 1}, "
                              "\"time\": \"2021-01-01T00:00:00Z\"}",
                              e1, p),
                          PROFILE_OK);
    CU_ASSERT_EQUAL_FATAL(add("{\"action\": \"cart\", \"client\": {\"email\": \"salt@x.org\"}, "
                              "\"eventSalt\": \"s1\", \"params\": {\"v\": 2}, "
                              "\"time\": \"2022-01-01T00:00:00Z\"}",
                              e2, p),
                          PROFILE_OK);
    CU_ASSERT_STRING_EQUAL(e1, e2);
    /* Same salt, other action: a new event. No salt: a new event. */
    CU_ASSERT_EQUAL_FATAL(add("{\"action\": \"view\", \"client\": {\"email\": \"salt@x.org\"}, "
                              "\"eventSalt\": \"s1\", \"time\": \"2020-01-01T00:00:00Z\"}",
                              e3, p),
                          PROFILE_OK);
    CU_ASSERT_STRING_NOT_EQUAL(e3, e1);
    CU_ASSERT_EQUAL_FATAL(add("{\"action\": \"cart\", \"client\": {\"email\": \"salt@x.org\"}, "
                              "\"time\": \"2019-01-01T00:00:00Z\"}",
                              e4, p),
                          PROFILE_OK);
    CU_ASSERT_EQUAL_FATAL(profile_lookup(st, PROFILE_EMAIL, "salt@x.org", &doc), PROFILE_OK);
    events = json_get(doc, "events");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(events), 3);
    CU_ASSERT_EQUAL(json_get_ll(doc, "eventCount", 0), 3);
    /* Newest first by event time. */
    CU_ASSERT_STRING_EQUAL(json_get_string(cJSON_GetArrayItem(events, 0), "eventId"), e1);
    CU_ASSERT_STRING_EQUAL(json_get_string(cJSON_GetArrayItem(events, 0), "time"),
                           "2022-01-01T00:00:00.000Z");
    CU_ASSERT_EQUAL(json_get_ll(json_get(cJSON_GetArrayItem(events, 0), "params"), "v", 0), 2);
    CU_ASSERT_STRING_EQUAL(json_get_string(cJSON_GetArrayItem(events, 1), "eventId"), e3);
    CU_ASSERT_STRING_EQUAL(json_get_string(cJSON_GetArrayItem(events, 2), "eventId"), e4);
    cJSON_Delete(doc);
}

static void store_should_keep_only_the_newest_events(void)
{
    char text[256], e[37], p[37], first[37] = "";
    cJSON *doc = NULL, *events;
    int n = PROFILE_EVENTS_MAX + 5;

    for (int i = 0; i < n; i++) {
        /* Times ascend; the first carries a salt, so its salt entry must go too. */
        snprintf(text, sizeof(text),
                 "{\"action\": \"tick\", \"client\": {\"uuid\": "
                 "\"123E4567-E89B-12D3-A456-426614174000\"}, \"params\": {\"i\": %d}, "
                 "\"time\": \"2020-01-01T00:%02d:%02dZ\"%s}",
                 i, i / 60, i % 60, i == 0 ? ", \"eventSalt\": \"first\"" : "");
        CU_ASSERT_EQUAL_FATAL(add(text, e, p), PROFILE_OK);
        if (i == 0)
            memcpy(first, e, sizeof(first));
    }
    CU_ASSERT_EQUAL_FATAL(
        profile_lookup(st, PROFILE_UUID, "123e4567-e89b-12d3-a456-426614174000", &doc), PROFILE_OK);
    events = json_get(doc, "events");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(events), PROFILE_EVENTS_MAX);
    CU_ASSERT_EQUAL(json_get_ll(doc, "eventCount", 0), PROFILE_EVENTS_MAX);
    CU_ASSERT_EQUAL(json_get_ll(json_get(cJSON_GetArrayItem(events, 0), "params"), "i", -1), n - 1);
    CU_ASSERT_EQUAL(
        json_get_ll(json_get(cJSON_GetArrayItem(events, PROFILE_EVENTS_MAX - 1), "params"), "i",
                    -1),
        5);
    CU_ASSERT_STRING_EQUAL(json_get_string(json_get(doc, "identifiers"), "uuid"),
                           "123e4567-e89b-12d3-a456-426614174000");
    cJSON_Delete(doc);
    /* The dropped event's salt is forgotten: reusing it makes a new event. */
    CU_ASSERT_EQUAL_FATAL(
        add("{\"action\": \"tick\", \"client\": {\"uuid\": "
            "\"123e4567-e89b-12d3-a456-426614174000\"}, \"eventSalt\": \"first\"}",
            e, p),
        PROFILE_OK);
    CU_ASSERT_STRING_NOT_EQUAL(e, first);
}

/* Adds an event from text as if received at received_ms. */
static int add_at(const char *text, long long received_ms, char pid[37])
{
    char eid[37];
    int rc = check(text);
    if (rc != PROFILE_OK)
        return rc;
    ev.received_ms = received_ms;
    return profile_add_event(st, &ev, eid, pid);
}

static void list_should_page_newest_first_and_move_updated_profiles(void)
{
    /* Later than anything the other tests stored, so these lead the list. */
    const long long base = 4000000000000LL;
    char a[37], b[37], c[37], again[37], next[PROFILE_CURSOR_LEN], next2[PROFILE_CURSOR_LEN];
    cJSON *items = NULL, *it;

    CU_ASSERT_EQUAL_FATAL(
        add_at("{\"action\": \"a\", \"client\": {\"email\": \"A@l.org\"}}", base, a), PROFILE_OK);
    CU_ASSERT_EQUAL_FATAL(
        add_at("{\"action\": \"a\", \"client\": {\"customId\": \"l-b\"}}", base + 1, b),
        PROFILE_OK);
    CU_ASSERT_EQUAL_FATAL(add_at("{\"action\": \"a\", \"client\": {\"id\": 4711}}", base + 2, c),
                          PROFILE_OK);
    /* a again: it moves to the top, once. */
    CU_ASSERT_EQUAL_FATAL(
        add_at("{\"action\": \"a\", \"client\": {\"email\": \"a@l.org\"}}", base + 3, again),
        PROFILE_OK);
    CU_ASSERT_STRING_EQUAL(again, a);

    CU_ASSERT_EQUAL_FATAL(profile_list(st, NULL, 2, &items, next), PROFILE_OK);
    CU_ASSERT_EQUAL_FATAL(cJSON_GetArraySize(items), 2);
    it = cJSON_GetArrayItem(items, 0);
    CU_ASSERT_STRING_EQUAL(json_get_string(it, "id"), a);
    CU_ASSERT_STRING_EQUAL(json_get_string(it, "email"), "A@l.org");
    CU_ASSERT_EQUAL(json_get_ll(it, "eventCount", 0), 2);
    CU_ASSERT_EQUAL(json_get_ll(it, "updatedAt", 0), base + 3);
    CU_ASSERT_PTR_NULL(json_get(it, "events"));
    it = cJSON_GetArrayItem(items, 1);
    CU_ASSERT_STRING_EQUAL(json_get_string(it, "id"), c);
    CU_ASSERT_EQUAL(json_get_ll(it, "clientId", 0), 4711);
    CU_ASSERT_PTR_NULL(json_get(it, "email"));
    CU_ASSERT_EQUAL(strlen(next), PROFILE_CURSOR_LEN - 1);
    cJSON_Delete(items);

    CU_ASSERT_EQUAL_FATAL(profile_list(st, next, 1, &items, next2), PROFILE_OK);
    CU_ASSERT_EQUAL_FATAL(cJSON_GetArraySize(items), 1);
    CU_ASSERT_STRING_EQUAL(json_get_string(cJSON_GetArrayItem(items, 0), "id"), b);
    CU_ASSERT_STRING_EQUAL(json_get_string(cJSON_GetArrayItem(items, 0), "customId"), "l-b");
    CU_ASSERT_STRING_NOT_EQUAL(next2, ""); /* the other tests' profiles remain */
    cJSON_Delete(items);

    items = NULL;
    CU_ASSERT_EQUAL(profile_list(st, "zz", 2, &items, next), PROFILE_INVALID);
    CU_ASSERT_PTR_NULL(items);
    next2[0] = 'g';
    CU_ASSERT_EQUAL(profile_list(st, next2, 2, &items, next), PROFILE_INVALID);
}

static void list_should_end_without_a_cursor(void)
{
    char next[PROFILE_CURSOR_LEN];
    cJSON *items = NULL;

    CU_ASSERT_EQUAL_FATAL(profile_list(st, NULL, 500, &items, next), PROFILE_OK);
    CU_ASSERT(cJSON_GetArraySize(items) >= 3);
    CU_ASSERT_STRING_EQUAL(next, "");
    cJSON_Delete(items);
}

int main(void)
{
    CU_pSuite s;
    int failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("profile", suite_init, suite_clean);
#define T(f) CU_add_test(s, #f, f)
    T(isotime_should_parse_zones_and_fractions);
    T(parse_should_accept_the_seed_example);
    T(parse_should_default_and_clamp_the_time);
    T(parse_should_name_each_invalid_field);
    T(store_should_find_profiles_by_email_in_any_case);
    T(store_should_attach_other_identifiers_but_never_move_them);
    T(salt_should_replace_the_event_and_keep_its_id);
    T(store_should_keep_only_the_newest_events);
    T(list_should_page_newest_first_and_move_updated_profiles);
    T(list_should_end_without_a_cursor);
#undef T
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = (int)CU_get_number_of_failures();
    CU_cleanup_registry();
    cJSON_Delete(body);
    return failed != 0;
}
