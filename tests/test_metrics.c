/* Tests of the counters behind GET /metrics over a real store (counter,
 * metrics) and of the exposition's own rules (metrics_expo): counters
 * add up across transactions and processes' flushes, a failed flush keeps
 * its counts, series names and label values follow the text format, and a
 * metrics token is no admin token. */
#include "admin_token.h"
#include "counter.h"
#include "metrics.h"
#include "metrics_expo.h"
#include "metrics_token.h"

#include <CUnit/Basic.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int setup(void)
{
    char err[512];

    strcpy(tmpdir, "/tmp/test_metrics_XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return 1;
    config_defaults(&cfg);
    snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s/data", tmpdir);
    return store_open(&cfg, STORE_CREATE, &st, err, sizeof(err)) == STORE_OK ? 0 : 1;
}

static int teardown(void)
{
    store_close(st);
    nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

struct find_arg {
    const char *name;
    unsigned long long value;
    int found;
};

static int find_cb(const char *name, unsigned long long value, void *arg)
{
    struct find_arg *a = arg;
    if (strcmp(name, a->name) == 0) {
        a->value = value;
        a->found = 1;
    }
    return 0;
}

static int find_fn(struct store_txn *t, void *arg)
{
    struct find_arg *a = arg;
    a->found = 0;
    a->value = 0;
    return counter_scan(t, find_cb, a);
}

static unsigned long long counter_value(const char *name)
{
    struct find_arg a = {name, 0, 0};
    CU_ASSERT_EQUAL(store_txn_run(st, find_fn, &a), STORE_OK);
    return a.value;
}

static int add_fn(struct store_txn *t, void *arg)
{
    return counter_add(t, arg, 5);
}

static void counter_add_should_add_up_across_transactions(void)
{
    CU_ASSERT_EQUAL(counter_value("incoming_test_total"), 0);
    CU_ASSERT_EQUAL(store_txn_run(st, add_fn, "incoming_test_total"), STORE_OK);
    CU_ASSERT_EQUAL(store_txn_run(st, add_fn, "incoming_test_total"), STORE_OK);
    CU_ASSERT_EQUAL(counter_value("incoming_test_total"), 10);
}

static void metrics_flush_should_add_kept_counts_once(void)
{
    const char *series = "incoming_http_requests_total{route=\"healthz\",status=\"200\"}";

    metrics_note_request("/healthz", 200);
    metrics_note_request("/healthz", 200);
    metrics_note_request("/incoming/x", 404);
    CU_ASSERT_EQUAL(counter_value(series), 0); /* kept, not yet in the store */
    CU_ASSERT_EQUAL(metrics_flush(st), STORE_OK);
    CU_ASSERT_EQUAL(counter_value(series), 2);
    CU_ASSERT_EQUAL(
        counter_value("incoming_http_requests_total{route=\"incoming\",status=\"404\"}"), 1);
    CU_ASSERT_EQUAL(metrics_flush(st), STORE_OK); /* nothing kept: nothing added */
    CU_ASSERT_EQUAL(counter_value(series), 2);
}

static void metrics_flush_should_keep_counts_when_storage_fails(void)
{
    const char *series = "incoming_http_requests_total{route=\"api\",status=\"201\"}";

    metrics_note_request("/api/v1/apikeys", 201);
    CU_ASSERT_NOT_EQUAL(metrics_flush(NULL), STORE_OK);
    CU_ASSERT_EQUAL(metrics_flush(st), STORE_OK);
    CU_ASSERT_EQUAL(counter_value(series), 1);
}

static void metrics_route_should_name_every_route(void)
{
    CU_ASSERT_STRING_EQUAL(metrics_route("/incoming/abc"), "incoming");
    CU_ASSERT_STRING_EQUAL(metrics_route("/healthz"), "healthz");
    CU_ASSERT_STRING_EQUAL(metrics_route("/metrics"), "metrics");
    CU_ASSERT_STRING_EQUAL(metrics_route("/auth/token"), "auth_token");
    CU_ASSERT_STRING_EQUAL(metrics_route("/v4/events/custom"), "custom_event");
    CU_ASSERT_STRING_EQUAL(metrics_route("/api/v1/runs"), "api");
    CU_ASSERT_STRING_EQUAL(metrics_route("/ui/app.js"), "ui");
    CU_ASSERT_STRING_EQUAL(metrics_route("/"), "ui");
    CU_ASSERT_STRING_EQUAL(metrics_route("/healthzz"), "other");
    CU_ASSERT_STRING_EQUAL(metrics_route("/x"), "other");
}

static void metrics_expo_label_should_escape_what_the_format_says(void)
{
    struct buf b;

    buf_init(&b, 1024);
    CU_ASSERT_EQUAL(metrics_expo_label(&b, "a\\b\"c\nd"), BUF_OK);
    CU_ASSERT_STRING_EQUAL(buf_str(&b), "a\\\\b\\\"c\\nd");
    buf_free(&b);
}

static void metrics_expo_series_ok_should_take_only_well_formed_series(void)
{
    CU_ASSERT_TRUE(metrics_expo_series_ok("incoming_a_total"));
    CU_ASSERT_TRUE(metrics_expo_series_ok("incoming_a_total{x=\"1\",y=\"q\\\"\\n\\\\\"}"));
    CU_ASSERT_FALSE(metrics_expo_series_ok(""));
    CU_ASSERT_FALSE(metrics_expo_series_ok("1a"));
    CU_ASSERT_FALSE(metrics_expo_series_ok("a b"));
    CU_ASSERT_FALSE(metrics_expo_series_ok("a{x=1}"));
    CU_ASSERT_FALSE(metrics_expo_series_ok("a{x=\"1\"")); /* unterminated */
    CU_ASSERT_FALSE(metrics_expo_series_ok("a{x=\"\\t\"}"));
    CU_ASSERT_FALSE(metrics_expo_series_ok("a{x=\"1\"} 3"));
    CU_ASSERT_FALSE(metrics_expo_series_ok("a{x=\"1\"\n}"));
}

static void metrics_token_should_grant_nothing_an_admin_token_does(void)
{
    char id[37], got[37], token[TOKEN_STORE_LEN + 1], err[256];

    CU_ASSERT_EQUAL_FATAL(metrics_token_create(st, NULL, id, token, NULL, err, sizeof(err)),
                          TOKEN_STORE_OK);
    CU_ASSERT_EQUAL(strncmp(token, METRICS_TOKEN_PREFIX, 4), 0);
    CU_ASSERT_EQUAL(metrics_token_verify(st, token, got), TOKEN_STORE_OK);
    CU_ASSERT_EQUAL(admin_token_verify(st, token, got), ADMIN_TOKEN_DENIED);
    /* Same id and secret under the admin prefix: still not an admin token. */
    memcpy(token, ADMIN_TOKEN_PREFIX, 4);
    CU_ASSERT_EQUAL(admin_token_verify(st, token, got), ADMIN_TOKEN_DENIED);
    CU_ASSERT_EQUAL(metrics_token_verify(st, token, got), TOKEN_STORE_DENIED);
    CU_ASSERT_EQUAL(metrics_token_revoke(st, id, NULL, err, sizeof(err)), TOKEN_STORE_OK);
    memcpy(token, METRICS_TOKEN_PREFIX, 4);
    CU_ASSERT_EQUAL(metrics_token_verify(st, token, got), TOKEN_STORE_DENIED);
}

int main(void)
{
    CU_pSuite s;
    unsigned failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("metrics", setup, teardown);
    CU_add_test(s, "counter_add adds up across transactions",
                counter_add_should_add_up_across_transactions);
    CU_add_test(s, "metrics_flush adds kept counts once",
                metrics_flush_should_add_kept_counts_once);
    CU_add_test(s, "metrics_flush keeps counts when storage fails",
                metrics_flush_should_keep_counts_when_storage_fails);
    CU_add_test(s, "metrics_route names every route", metrics_route_should_name_every_route);
    CU_add_test(s, "metrics_expo_label escapes what the format says",
                metrics_expo_label_should_escape_what_the_format_says);
    CU_add_test(s, "metrics_expo_series_ok takes only well-formed series",
                metrics_expo_series_ok_should_take_only_well_formed_series);
    CU_add_test(s, "a metrics token grants nothing an admin token does",
                metrics_token_should_grant_nothing_an_admin_token_does);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
