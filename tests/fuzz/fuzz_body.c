/* fuzz_body: libFuzzer target for what a POST body goes through.
 * json_parse (depth 64); on success flatten, json_print, and a re-parse of
 * the printed text whose own printing must be identical (round trip), the
 * pretty form must print back to the same compact text, every flattened key
 * must be found again and listed by flatten_to_json, and the envelope
 * built around the body must re-parse and hold the body byte-exact. The
 * input also serves as query string and header value of an envelope, which
 * must always be valid JSON. Build and run with tests/fuzz/run. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "event.h"
#include "flatten.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_body: check failed: %s (line %d)\n", #cond, __LINE__);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static struct config cfg;

/* Builds an envelope with body, the input as query and header, and checks
 * that it re-parses and carries the body unchanged. */
static void check_envelope(const char *body, size_t body_len, const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    char *hdr = malloc(size + 16);
    char *envp[4];
    struct event_input in = {0};
    struct json_error err;
    struct buf env;
    size_t off = 0;
    cJSON *root = NULL;

    CHECK(text != NULL && hdr != NULL);
    memcpy(text, data, size);
    text[size] = '\0';
    snprintf(hdr, size + 16, "HTTP_X_FUZZ=%s", text);
    envp[0] = hdr;
    envp[1] = "HTTP_AUTHORIZATION=Bearer secret";
    envp[2] = "CONTENT_TYPE=application/json";
    envp[3] = NULL;
    in.method = "POST";
    in.query_string = text;
    in.envp = envp;
    in.body = body;
    in.body_len = body_len;
    in.event_id = "e";
    in.endpoint_id = text;
    in.time_ms = 1583206296408LL;
    buf_init(&env, 64 * 1024 * 1024);
    CHECK(event_build_envelope(&in, &cfg, &env, &off) == BUF_OK);
    CHECK(memcmp(env.data + off, body, body_len) == 0);
    if (json_parse(env.data, env.len, 65, &root, &err) != 0) {
        fprintf(stderr, "envelope does not parse: %s\n%s\n", err.message, env.data);
        abort();
    }
    CHECK(cJSON_GetObjectItemCaseSensitive(root, "body") != NULL);
    CHECK(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "headers"),
                                           "Authorization") == NULL);
    cJSON_Delete(root);
    buf_free(&env);
    free(hdr);
    free(text);
}

/* Printing, re-parsing and printing again gives the same text; the pretty
 * form parses back to the same tree. */
static void check_round_trip(const cJSON *root, struct buf *printed)
{
    struct buf again, pretty;
    cJSON *re = NULL;
    struct json_error err;

    buf_init(&again, SIZE_MAX / 4);
    buf_init(&pretty, SIZE_MAX / 4);
    CHECK(json_print(root, printed) == BUF_OK);
    if (json_parse(printed->data, printed->len, 64, &re, &err) != 0) {
        fprintf(stderr, "printed text does not parse: %s\n", err.message);
        abort();
    }
    CHECK(json_print(re, &again) == BUF_OK);
    CHECK(again.len == printed->len && memcmp(again.data, printed->data, again.len) == 0);
    cJSON_Delete(re);
    re = NULL;
    buf_reset(&again);
    CHECK(json_print_pretty(root, &pretty) == BUF_OK);
    CHECK(json_parse(pretty.data, pretty.len, 64, &re, &err) == 0);
    CHECK(json_print(re, &again) == BUF_OK);
    CHECK(again.len == printed->len && memcmp(again.data, printed->data, again.len) == 0);
    cJSON_Delete(re);
    buf_free(&again);
    buf_free(&pretty);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct json_error err;
    struct flat_list fl;
    struct buf printed;
    cJSON *root = NULL, *list;

    if (cfg.max_json_depth == 0)
        config_defaults(&cfg);
    if (json_parse((const char *)data, size, 64, &root, &err) != 0) {
        CHECK(root == NULL);
        CHECK(err.line >= 1 && err.column >= 1 && err.message[0] != '\0');
        CHECK(json_utf8_valid(err.message, strlen(err.message)));
        check_envelope("{}", 2, data, size);
        return 0;
    }
    CHECK(json_utf8_valid((const char *)data, size));
    CHECK(flatten(root, &fl) == 0);
    CHECK(fl.count >= 1);
    for (size_t i = 0; i < fl.count; i++)
        CHECK(flatten_find(&fl, fl.items[i].key) != NULL);
    list = flatten_to_json(&fl);
    CHECK(list != NULL && cJSON_GetArraySize(list) == (int)fl.count);
    cJSON_Delete(list);
    flat_list_free(&fl);
    buf_init(&printed, SIZE_MAX / 4);
    check_round_trip(root, &printed);
    cJSON_Delete(root);
    check_envelope((const char *)data, size, data, size);
    buf_free(&printed);
    return 0;
}
