/* fuzz_envelope: libFuzzer target for what the store reads back from disk
 * about an event: the binary record (store_event_decode) and what the admin
 * API and incomingctl build from it (events_item for lists, events_document
 * for GET, events_envelope for the runner). A damaged record must give a
 * clear refusal, never a crash or a document that is not JSON.
 *
 * The first input byte picks the mode:
 *   even        the rest is a record as stored (header and envelope);
 *   odd, bit 1 clear  the next 4 bytes pick body_off and body_len inside
 *         the envelope (the low bits of each, so both in and out of range
 *         happen) and the rest is the envelope text, wrapped in a
 *         well-formed header, so that the envelope's own content is
 *         explored;
 *   odd, bit 1 set    the rest is written as a record of the real store
 *         (tests/fuzz/fuzz_store.h) and read back by the code that reads
 *         it: the next byte picks which (modulo 6): 0 an event record
 *         (events_get, events_list: the index callback decodes it on the
 *         way in), 1 a dedup record (dedup_check_and_put), 2 a rate-limit
 *         bucket (ratelimit_take), 3 a Retrieve data window (capture_status,
 *         capture_parameters, capture_waiting, capture_take), 4 a run lease
 *         (run_lease_extend, run_reap), 5 the JSON documents of an
 *         integration, a workflow and a run (integration_load,
 *         workflow_load_public, run_load, and workflow_order over the
 *         stored workflow, as the runner does).
 * Invariants: a record that decodes re-encodes to the same bytes; decoded
 * ids are NUL-terminated; body_off + body_len lies inside the envelope;
 * events_item, events_document and events_envelope agree on whether the
 * envelope is usable (JSON at ENVELOPE_MAX_DEPTH); every document they
 * build prints as text json_parse accepts, and events_document's "event",
 * when it is the stored text, is the envelope byte for byte. Read from the
 * store, a damaged record gives a status (never a crash, an overflow or a
 * negative wait) and whatever is built prints as JSON.
 * Build and run with tests/fuzz/run -t envelope. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "capture.h"
#include "dedup.h"
#include "events.h"
#include "fuzz_store.h"
#include "integration.h"
#include "json.h"
#include "log.h"
#include "ratelimit.h"
#include "run.h"
#include "store_event.h"
#include "workflow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_envelope: check failed: %s (line %d)\n", #cond, __LINE__);       \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define EV_ID "0e1f0000-0000-4000-8000-0000000000e1"
#define IN_ID "1a2b0000-0000-4000-8000-0000000000a1"
#define EP_ID "2c3d0000-0000-4000-8000-0000000000c1"

/* doc prints as JSON that parses back. */
static void check_prints(const cJSON *doc)
{
    struct buf b;
    struct json_error err;
    cJSON *back = NULL;

    buf_init(&b, SIZE_MAX / 4);
    CHECK(json_print(doc, &b) == BUF_OK);
    if (json_parse(b.data, b.len, 1100, &back, &err) != 0) {
        fprintf(stderr, "built document is not JSON (%s):\n%.*s\n", err.message, (int)b.len,
                b.data);
        abort();
    }
    cJSON_Delete(back);
    buf_free(&b);
}

static void check_event(const struct store_event *ev, const void *rec, size_t len)
{
    struct json_error err;
    struct buf again;
    cJSON *tree = NULL, *item, *doc = NULL;
    int parsed;

    CHECK(strlen(ev->event_id) <= 36 && strlen(ev->integration_id) <= 36 &&
          strlen(ev->endpoint_id) <= 36);
    CHECK(ev->envelope == (const char *)rec + STORE_EVENT_HDR_LEN);
    CHECK(ev->envelope_len == len - STORE_EVENT_HDR_LEN);
    CHECK((size_t)ev->body_off + ev->body_len <= ev->envelope_len);

    buf_init(&again, SIZE_MAX / 4);
    CHECK(store_event_encode(ev, &again) == BUF_OK);
    CHECK(again.len == len && memcmp(again.data, rec, len) == 0);
    buf_free(&again);

    parsed = events_envelope(ev, &tree, &err) == 0;
    CHECK(parsed == (tree != NULL));
    if (!parsed)
        CHECK(err.message[0] != '\0');

    item = events_item(ev);
    if (item != NULL) {
        CHECK(parsed); /* a listed event has a usable envelope */
        check_prints(item);
        cJSON_Delete(item);
    }
    if (events_document(ev, &doc) == 0) {
        const cJSON *event = cJSON_GetObjectItemCaseSensitive(doc, "event");
        CHECK(parsed && doc != NULL && event != NULL);
        if (cJSON_IsRaw(event))
            CHECK(strlen(event->valuestring) == ev->envelope_len &&
                  memcmp(event->valuestring, ev->envelope, ev->envelope_len) == 0);
        check_prints(doc);
        cJSON_Delete(doc);
    } else {
        CHECK(doc == NULL);
        CHECK(!parsed); /* only a damaged envelope is refused */
    }
    cJSON_Delete(tree);
}

#define FIX_RUN "77777777-7777-4777-8777-777777777777"
#define NOW 1700000000000LL

struct rec_arg {
    enum store_db db;
    const char *key;
    size_t klen;
    const uint8_t *val;
    size_t vlen;
    int del;
};

static int put_fn(struct store_txn *t, void *arg)
{
    struct rec_arg *a = arg;
    if (a->del) {
        int rc = store_del(t, a->db, a->key, a->klen);
        return rc == STORE_NOTFOUND ? STORE_OK : rc;
    }
    return store_put(t, a->db, a->key, a->klen, a->val, a->vlen, 0);
}

static int put_rec(enum store_db db, const char *key, const uint8_t *val, size_t vlen)
{
    struct rec_arg a = {db, key, strlen(key), val, vlen, 0};
    return store_txn_run(fuzz_store_get(), put_fn, &a);
}

static void del_rec(enum store_db db, const char *key)
{
    struct rec_arg a = {db, key, strlen(key), NULL, 0, 1};
    CHECK(store_txn_run(fuzz_store_get(), put_fn, &a) == STORE_OK);
}

static void print_free(cJSON *doc)
{
    if (doc != NULL)
        check_prints(doc);
    cJSON_Delete(doc);
}

static void stored_event(const uint8_t *val, size_t vlen)
{
    char err[256], next[EVENTS_CURSOR_LEN];
    cJSON *out = NULL;
    int rc = put_rec(STORE_DB_EVENTS, EV_ID, val, vlen);

    if (rc != STORE_OK)
        return;
    err[0] = '\0';
    rc = events_get(fuzz_store_get(), EV_ID, &out, err, sizeof(err));
    CHECK(rc == EVENTS_OK || rc == EVENTS_STORE || rc == EVENTS_NOTFOUND);
    CHECK((rc == EVENTS_OK) == (out != NULL));
    print_free(out);
    out = NULL;
    rc = events_list(fuzz_store_get(), IN_ID, NULL, 10, &out, next, err, sizeof(err));
    if (!(rc == EVENTS_OK || rc == EVENTS_STORE))
        fprintf(stderr, "events_list: %d %s\n", rc, err);
    CHECK(rc == EVENTS_OK || rc == EVENTS_STORE); /* IN_ID is FIX_INTEG_EV */
    print_free(out);
    out = NULL;
    rc = events_list(fuzz_store_get(), NULL, NULL, 10, &out, next, err, sizeof(err));
    CHECK(rc == EVENTS_OK || rc == EVENTS_STORE);
    print_free(out);
    del_rec(STORE_DB_EVENTS, EV_ID);
}

struct dedup_arg {
    const uint8_t *val;
    size_t vlen;
    long long window;
    int rc;
    char dup[37];
};

static int dedup_fn(struct store_txn *t, void *arg)
{
    struct dedup_arg *a = arg;
    static const char key[] =
        EP_ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    int rc = store_put(t, STORE_DB_DEDUP, key, DEDUP_KEY_LEN, a->val, a->vlen, 0);

    if (rc != STORE_OK)
        return rc;
    a->rc = dedup_check_and_put(t, key, EV_ID, NOW, a->window, a->dup);
    return STORE_ABORT; /* nothing is kept */
}

static void stored_dedup(const uint8_t *val, size_t vlen, uint8_t pick)
{
    struct dedup_arg a = {val, vlen, pick * 1000LL, -99, ""};

    if (store_txn_run(fuzz_store_get(), dedup_fn, &a) != STORE_ABORT)
        return;
    CHECK(a.rc == 0 || a.rc == 1);
    if (a.rc == 1)
        CHECK(strlen(a.dup) <= 36);
}

static void stored_rate(const uint8_t *val, size_t vlen, uint8_t pick)
{
    long retry = -1;
    int rc;

    if (put_rec(STORE_DB_RATE, IN_ID, val, vlen) != STORE_OK)
        return;
    rc = ratelimit_take(fuzz_store_get(), IN_ID, 1 + pick * 400LL, NOW, &retry);
    CHECK(rc == 0 || rc == 1);
    if (rc == 1)
        CHECK(retry >= 1);
}

struct take_arg {
    const uint8_t *val;
    size_t vlen;
    int waiting, taken, rc;
};

static int take_fn(struct store_txn *t, void *arg)
{
    struct take_arg *a = arg;
    static const char env[] = "{\"body\":{\"a\":1}}";

    a->waiting = capture_waiting(t, IN_ID, NOW);
    a->rc = capture_take(t, IN_ID, NOW, EV_ID, env, sizeof(env) - 1, &a->taken);
    return STORE_ABORT;
}

static void stored_capture(const uint8_t *val, size_t vlen)
{
    struct take_arg a = {val, vlen, 0, 0, 0};
    cJSON *out = NULL;
    int rc;

    if (put_rec(STORE_DB_CAPTURES, IN_ID, val, vlen) != STORE_OK)
        return;
    rc = capture_status(fuzz_store_get(), IN_ID, NOW, &out);
    CHECK((rc == STORE_OK) == (out != NULL));
    print_free(out);
    out = NULL;
    rc = capture_parameters(fuzz_store_get(), IN_ID, &out);
    CHECK((rc == STORE_OK) == (out != NULL));
    print_free(out);
    CHECK(store_txn_run(fuzz_store_get(), take_fn, &a) == STORE_ABORT);
    CHECK(a.waiting == 0 || a.waiting == 1);
    /* capture_take reads only records short enough to be a waiting
     * window ({"expiresAt": N}, at most 40 bytes: capture.c); a longer one
     * is taken to hold a sample already, whatever it holds. */
    if (a.rc == STORE_OK)
        CHECK(vlen > 40 ? a.taken == 0 : a.taken == a.waiting);
}

static int extend_fn(struct store_txn *t, void *arg)
{
    (void)arg;
    return run_lease_extend(t, FIX_RUN, getpid(), NOW + 1000);
}

static void stored_lease(const uint8_t *val, size_t vlen)
{
    int rc;

    if (put_rec(STORE_DB_RUNS_LEASES, FIX_RUN, val, vlen) != STORE_OK)
        return;
    /* A runner extending the lease of a run it sends reads it first
     * (run_lease_extend): whatever is stored, ours or not, no crash. */
    rc = store_txn_run(fuzz_store_get(), extend_fn, NULL);
    CHECK(rc == STORE_OK || rc == STORE_NOTFOUND || rc == STORE_ERROR);
    rc = run_reap(fuzz_store_get(), NOW);
    CHECK(rc >= 0 || rc == STORE_NOTFOUND || rc == STORE_ERROR);
    del_rec(STORE_DB_RUNS_LEASES, FIX_RUN);
    fuzz_store_wrote(); /* a due entry may stay */
}

static void stored_documents(const uint8_t *val, size_t vlen)
{
    cJSON *out = NULL;
    int rc;

    if (put_rec(STORE_DB_INTEGRATIONS, FIX_INTEG, val, vlen) == STORE_OK) {
        rc = integration_load(fuzz_store_get(), FIX_INTEG, &out);
        if (rc == STORE_OK) {
            cJSON *pub = integration_public(out, &fuzz_cfg);
            CHECK(integration_state(out) != NULL && integration_auth(out) != NULL);
            print_free(pub);
        }
        cJSON_Delete(out);
        out = NULL;
    }
    if (put_rec(STORE_DB_WORKFLOWS, FIX_WORKFLOW, val, vlen) == STORE_OK) {
        int masked = -1;
        rc = workflow_load_public(fuzz_store_get(), &fuzz_cfg, FIX_WORKFLOW, &out, &masked);
        CHECK((rc == STORE_OK) == (out != NULL));
        print_free(out);
        out = NULL;
        /* What the runner does with the stored form (runexec_run). */
        if (workflow_load(fuzz_store_get(), FIX_WORKFLOW, &out) == STORE_OK) {
            const char *order[WORKFLOW_MAX_NODES];
            int n = workflow_order(out, order);
            CHECK(n == -1 || (n >= 1 && n <= WORKFLOW_MAX_NODES));
            for (int i = 0; i < n; i++)
                CHECK(workflow_node(out, order[i]) != NULL);
        }
        cJSON_Delete(out);
        out = NULL;
    }
    if (put_rec(STORE_DB_RUNS, FIX_RUN, val, vlen) == STORE_OK) {
        rc = run_load(fuzz_store_get(), FIX_RUN, &out);
        CHECK((rc == STORE_OK) == (out != NULL));
        print_free(out);
        del_rec(STORE_DB_RUNS, FIX_RUN);
    }
    fuzz_store_fixtures();
}

static void store_mode(const uint8_t *data, size_t size)
{
    const uint8_t *val = data + 2;
    size_t vlen = size - 2;

    switch (data[1] % 6) {
    case 0:
        stored_event(val, vlen);
        break;
    case 1:
        stored_dedup(val, vlen, data[1]);
        break;
    case 2:
        stored_rate(val, vlen, data[1]);
        break;
    case 3:
        stored_capture(val, vlen);
        break;
    case 4:
        stored_lease(val, vlen);
        break;
    case 5:
        stored_documents(val, vlen);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int quiet;
    struct store_event ev;
    struct buf rec;

    if (!quiet) {
        log_set_sink(fuzz_drop_line, NULL);
        quiet = 1;
    }
    if (size < 1)
        return 0;
    if ((data[0] & 1) == 0) {
        if (store_event_decode(data + 1, size - 1, &ev) == 0)
            check_event(&ev, data + 1, size - 1);
        return 0;
    }
    if ((data[0] & 3) == 3) {
        if (size >= 2)
            store_mode(data, size);
        return 0;
    }
    if (size < 5)
        return 0;
    memset(&ev, 0, sizeof(ev));
    memcpy(ev.event_id, EV_ID, 37);
    memcpy(ev.integration_id, IN_ID, 37);
    memcpy(ev.endpoint_id, EP_ID, 37);
    ev.time_ms = 1583206296408LL;
    ev.state = data[0] >> 7;
    ev.envelope = (const char *)data + 5;
    ev.envelope_len = size - 5;
    ev.body_off = (uint32_t)(data[1] | data[2] << 8) & 0x1fff;
    ev.body_len = (uint32_t)(data[3] | data[4] << 8) & 0x1fff;
    buf_init(&rec, SIZE_MAX / 4);
    CHECK(store_event_encode(&ev, &rec) == BUF_OK);
    if (store_event_decode(rec.data, rec.len, &ev) == 0)
        check_event(&ev, rec.data, rec.len);
    else
        CHECK((size_t)ev.body_off + ev.body_len > size - 5);
    buf_free(&rec);
    return 0;
}
