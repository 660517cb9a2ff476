/* Tests of the config module: defaults, every type of key, and error text
 * naming file, line and key. */
#include "config.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[64];

static void write_conf(const char *text)
{
    FILE *f;
    strcpy(path, "/tmp/test_config_XXXXXX");
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
}

static int load(const char *text, struct config *cfg, char *err, size_t errlen)
{
    int rc;
    write_conf(text);
    config_defaults(cfg);
    rc = config_load(cfg, path, err, errlen);
    unlink(path);
    return rc;
}

static void config_defaults_should_match_the_spec(void)
{
    struct config c;
    config_defaults(&c);
    CU_ASSERT_EQUAL(c.max_body_bytes, 1048576);
    CU_ASSERT_EQUAL(c.max_json_depth, 64);
    CU_ASSERT_EQUAL(c.capture_seconds, 90);
    CU_ASSERT_EQUAL(c.runner_max, 4);
    CU_ASSERT_EQUAL(c.retry_max_attempts, 8);
    CU_ASSERT_EQUAL(c.business_profile_id, 1);
    CU_ASSERT_EQUAL(c.durability, CONFIG_DURABILITY_SYNC);
    CU_ASSERT_EQUAL(c.outgoing_allow_private, 0);
    CU_ASSERT_STRING_EQUAL(c.public_base_url, "http://localhost:8080");
    CU_ASSERT_STRING_EQUAL(c.base_path, "");
    CU_ASSERT_EQUAL(c.redact_count, 3);
    CU_ASSERT_TRUE(config_is_redacted(&c, "authorization"));
    CU_ASSERT_TRUE(config_is_redacted(&c, "COOKIE"));
    CU_ASSERT_FALSE(config_is_redacted(&c, "X-Request-Id"));
}

static void config_should_read_keys_comments_and_spaces(void)
{
    struct config c;
    char err[256] = "";
    int rc = load("# a comment\n\n  runner_max = 7  \ndata_dir=/tmp/x\n"
                  "base_path = /hooks/\npublic_base_url = https://ex.org/\n"
                  "durability = nosync\noutgoing_allow_private = yes\n"
                  "redact_headers = X-Secret, Cookie\n",
                  &c, err, sizeof(err));
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL(c.runner_max, 7);
    CU_ASSERT_STRING_EQUAL(c.data_dir, "/tmp/x");
    CU_ASSERT_STRING_EQUAL(c.base_path, "/hooks");
    CU_ASSERT_STRING_EQUAL(c.public_base_url, "https://ex.org");
    CU_ASSERT_EQUAL(c.durability, CONFIG_DURABILITY_NOSYNC);
    CU_ASSERT_EQUAL(c.outgoing_allow_private, 1);
    CU_ASSERT_EQUAL(c.redact_count, 2);
    CU_ASSERT_TRUE(config_is_redacted(&c, "x-secret"));
    CU_ASSERT_FALSE(config_is_redacted(&c, "Authorization"));
}

static void config_should_name_file_line_and_key_for_a_bad_value(void)
{
    struct config c;
    char err[256] = "";
    char want[128];
    CU_ASSERT_EQUAL(load("# x\nrunner_max = 0\n", &c, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s:2: runner_max: expected an integer in 1..64", path);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
}

static void config_should_refuse_unknown_keys(void)
{
    struct config c;
    char err[256] = "";
    CU_ASSERT_EQUAL(load("runner_mx = 3\n", &c, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, ":1: runner_mx: unknown key"));
}

static void config_should_refuse_lines_without_equals_and_repeats(void)
{
    struct config c;
    char err[256] = "";
    CU_ASSERT_EQUAL(load("runner_max\n", &c, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, ":1: expected 'key = value'"));
    CU_ASSERT_EQUAL(load("runner_max = 2\nrunner_max = 3\n", &c, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, ":2: runner_max: set twice"));
}

static void config_should_refuse_bad_types(void)
{
    struct config c;
    char err[256];
    CU_ASSERT_EQUAL(load("data_dir = relative/dir\n", &c, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "data_dir: expected an absolute path"));
    CU_ASSERT_EQUAL(load("durability = maybe\n", &c, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "durability: expected sync or nosync"));
    CU_ASSERT_EQUAL(load("outgoing_allow_private = perhaps\n", &c, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "expected yes or no"));
    CU_ASSERT_EQUAL(load("public_base_url = ftp://x\n", &c, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "public_base_url: expected an http"));
    CU_ASSERT_EQUAL(load("max_body_bytes = 12abc\n", &c, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a number"));
    CU_ASSERT_EQUAL(load("max_body_bytes = 99999999999999999999999\n", &c, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "too large"));
    CU_ASSERT_EQUAL(load("outgoing_allow_hosts = 10.0.0.0/99\n", &c, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, ":1: outgoing_allow_hosts: expected host names, IP"));
    CU_ASSERT_EQUAL(
        load("outgoing_allow_hosts = Intranet.example 10.0.0.0/8\n", &c, err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(c.outgoing_allow_hosts, "intranet.example, 10.0.0.0/8");
    CU_ASSERT_EQUAL(load("log_level = loud\n", &c, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "log_level: expected error, warn, info or debug"));
}

static void config_should_report_an_unreadable_file(void)
{
    struct config c;
    char err[256];
    config_defaults(&c);
    CU_ASSERT_EQUAL(config_load(&c, "/nonexistent/incoming.conf", err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/incoming.conf: cannot read"));
}

static void config_dump_should_round_trip(void)
{
    struct config a, b;
    char text[8192], err[256];
    config_defaults(&a);
    a.runner_max = 9;
    CU_ASSERT_EQUAL_FATAL(config_dump(&a, text, sizeof(text)), 0);
    CU_ASSERT_EQUAL_FATAL(load(text, &b, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(b.runner_max, 9);
    CU_ASSERT_EQUAL(b.redact_count, a.redact_count);
    CU_ASSERT_STRING_EQUAL(b.data_dir, a.data_dir);
}

/* Found by tests/fuzz/run -t config: "base_path=///////\r/" was taken as
 * "///////\r", which config_dump wrote out and a reload read back as ""
 * (the CR trimmed, then the slashes). Paths and URLs with a control
 * character are refused. */
static void config_should_refuse_control_characters_in_paths_and_urls(void)
{
    struct config c;
    char err[256];

    CU_ASSERT_EQUAL(load("base_path=///////\r/\n", &c, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "base_path: expected"));
    CU_ASSERT_EQUAL(load("data_dir = /var/\x01lib\n", &c, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no control characters"));
    CU_ASSERT_EQUAL(load("public_base_url = https://a\rb.example\n", &c, err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(load("base_path = /a\tb\n", &c, err, sizeof(err)), -1);
    /* A CR at the end of a line is the line's end, as before. */
    CU_ASSERT_EQUAL(load("base_path = /hooks/\r\n", &c, err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(c.base_path, "/hooks");
}

/* config_load_stream is config_load's parser (the fuzz target's entry). */
static void config_should_load_from_a_stream(void)
{
    static char text[] = "runner_max = 7\nfoo\n";
    struct config c;
    char err[256];
    FILE *f = fmemopen(text, strlen(text), "r");

    CU_ASSERT_FATAL(f != NULL);
    config_defaults(&c);
    CU_ASSERT_EQUAL(config_load_stream(&c, f, "mem.conf", err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(c.runner_max, 7);
    CU_ASSERT_STRING_EQUAL(err, "mem.conf:2: expected 'key = value'");
    fclose(f);
}

int main(void)
{
    CU_pSuite s;
    unsigned failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("config", NULL, NULL);
    CU_add_test(s, "defaults match the spec", config_defaults_should_match_the_spec);
    CU_add_test(s, "reads keys, comments, spaces", config_should_read_keys_comments_and_spaces);
    CU_add_test(s, "names file:line: key", config_should_name_file_line_and_key_for_a_bad_value);
    CU_add_test(s, "refuses unknown keys", config_should_refuse_unknown_keys);
    CU_add_test(s, "refuses malformed lines and repeats",
                config_should_refuse_lines_without_equals_and_repeats);
    CU_add_test(s, "refuses bad types", config_should_refuse_bad_types);
    CU_add_test(s, "reports unreadable files", config_should_report_an_unreadable_file);
    CU_add_test(s, "dump round-trips", config_dump_should_round_trip);
    CU_add_test(s, "refuses control characters in paths and URLs",
                config_should_refuse_control_characters_in_paths_and_urls);
    CU_add_test(s, "loads from a stream", config_should_load_from_a_stream);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}
