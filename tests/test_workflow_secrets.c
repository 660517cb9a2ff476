/* Tests of the workflow_secrets module: credentials of a workflow document
 * read back as set or unset, and a document sent back keeps, replaces or
 * removes them (issue 11 item 5). */
#include "workflow_secrets.h"

#include "json.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct config cfg;
static char err[600];

/* A stored document: one node per auth type plus credential headers. */
static const char *const STORED =
    "{\"id\": \"11111111-1111-4111-8111-111111111111\", \"name\": \"wf\", \"nodes\": ["
    "{\"id\": \"trigger\", \"type\": \"business_event\", \"integrationId\": \"x\"},"
    "{\"id\": \"basic\", \"type\": \"outgoing_integration\", \"url\": \"http://h/\","
    " \"headers\": {\"Content-Type\": \"application/json\", \"Authorization\": \"Bearer s-hdr\","
    "  \"cookie\": \"sid=s-cookie\", \"X-Api-Key\": \"s-xapi\", \"X-Plain\": \"{{ a }}\"},"
    " \"auth\": {\"type\": \"basic\", \"username\": \"ann\", \"password\": \"s-pass\"}},"
    "{\"id\": \"bearer\", \"type\": \"outgoing_integration\", \"url\": \"http://h/\","
    " \"auth\": {\"type\": \"bearer\", \"token\": \"s-token\"}},"
    "{\"id\": \"header\", \"type\": \"outgoing_integration\", \"url\": \"http://h/\","
    " \"headers\": {\"X-Token\": \"s-dup\"},"
    " \"auth\": {\"type\": \"header\", \"name\": \"X-Token\", \"value\": \"s-value\"}},"
    "{\"id\": \"keyed\", \"type\": \"outgoing_integration\", \"url\": \"http://h/\","
    " \"auth\": {\"type\": \"api_key\", \"apiKeyId\": \"k\"}},"
    "{\"id\": \"end\", \"type\": \"end\"}]}";

static cJSON *parse(const char *text)
{
    struct json_error jerr;
    cJSON *doc = NULL;

    CU_ASSERT_EQUAL_FATAL(json_parse(text, strlen(text), 64, &doc, &jerr), 0);
    return doc;
}

static cJSON *node(const cJSON *doc, const char *id)
{
    cJSON *n;
    cJSON_ArrayForEach(n, json_get(doc, "nodes"))
    {
        if (strcmp(json_get_string(n, "id"), id) == 0)
            return n;
    }
    return NULL;
}

static cJSON *auth_of(const cJSON *doc, const char *id)
{
    return json_get(node(doc, id), "auth");
}

static cJSON *headers_of(const cJSON *doc, const char *id)
{
    return json_get(node(doc, id), "headers");
}

static int has_secret(const cJSON *doc)
{
    char *text = cJSON_PrintUnformatted(doc);
    int found = text != NULL && strstr(text, "s-") != NULL;
    free(text);
    return found;
}

static int is_set_marker(const cJSON *v)
{
    return cJSON_IsObject(v) && cJSON_GetArraySize(v) == 1 && cJSON_IsTrue(json_get(v, "set"));
}

/* doc with node id's auth (or headers) member replaced by json. */
static cJSON *with(cJSON *doc, const char *id, const char *member, const char *json)
{
    cJSON_ReplaceItemInObjectCaseSensitive(node(doc, id), member, parse(json));
    return doc;
}

static void public_should_show_auth_secrets_as_set_and_keep_the_rest(void)
{
    cJSON *stored = parse(STORED), *pub = workflow_secrets_public(stored, &cfg, NULL);
    cJSON *a;

    CU_ASSERT_PTR_NOT_NULL_FATAL(pub);
    a = auth_of(pub, "basic");
    CU_ASSERT_STRING_EQUAL(json_get_string(a, "username"), "ann");
    CU_ASSERT_PTR_NULL(json_get(a, "password"));
    CU_ASSERT_TRUE(cJSON_IsTrue(json_get(a, "passwordSet")));
    a = auth_of(pub, "bearer");
    CU_ASSERT_PTR_NULL(json_get(a, "token"));
    CU_ASSERT_TRUE(cJSON_IsTrue(json_get(a, "tokenSet")));
    a = auth_of(pub, "header");
    CU_ASSERT_STRING_EQUAL(json_get_string(a, "name"), "X-Token");
    CU_ASSERT_PTR_NULL(json_get(a, "value"));
    CU_ASSERT_TRUE(cJSON_IsTrue(json_get(a, "valueSet")));
    a = auth_of(pub, "keyed");
    CU_ASSERT_STRING_EQUAL(json_get_string(a, "apiKeyId"), "k");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(a), 2);
    CU_ASSERT_FALSE(has_secret(pub));
    /* The stored document is left as it was. */
    CU_ASSERT_STRING_EQUAL(json_get_string(auth_of(stored, "basic"), "password"), "s-pass");
    cJSON_Delete(pub);
    cJSON_Delete(stored);
}

static void public_should_mark_credential_headers_and_only_those(void)
{
    cJSON *stored = parse(STORED), *pub;
    const cJSON *h;
    int masked = -1;

    pub = workflow_secrets_public(stored, &cfg, &masked);
    h = headers_of(pub, "basic");
    CU_ASSERT_TRUE(is_set_marker(json_get(h, "Authorization")));
    CU_ASSERT_TRUE(is_set_marker(json_get(h, "cookie")));    /* any case */
    CU_ASSERT_TRUE(is_set_marker(json_get(h, "X-Api-Key"))); /* redact_headers */
    CU_ASSERT_STRING_EQUAL(json_get_string(h, "Content-Type"), "application/json");
    CU_ASSERT_STRING_EQUAL(json_get_string(h, "X-Plain"), "{{ a }}");
    /* The header a header auth sets is a credential wherever it appears. */
    CU_ASSERT_TRUE(is_set_marker(json_get(headers_of(pub, "header"), "X-Token")));
    /* Order is kept. */
    CU_ASSERT_STRING_EQUAL(h->child->string, "Content-Type");
    CU_ASSERT_STRING_EQUAL(h->child->next->string, "Authorization");
    /* 4 headers and 3 auth secrets. */
    CU_ASSERT_EQUAL(masked, 7);
    cJSON_Delete(pub);
    /* Without the configuration, the fixed names only. */
    pub = workflow_secrets_public(stored, NULL, &masked);
    CU_ASSERT_STRING_EQUAL(json_get_string(headers_of(pub, "basic"), "X-Api-Key"), "s-xapi");
    CU_ASSERT_EQUAL(masked, 6);
    cJSON_Delete(pub);
    cJSON_Delete(stored);
}

static void merge_should_keep_every_secret_when_the_read_back_form_comes_back(void)
{
    cJSON *stored = parse(STORED), *pub = workflow_secrets_public(stored, &cfg, NULL), *merged;

    CU_ASSERT_EQUAL_FATAL(workflow_secrets_merge(pub, stored, &merged, err, sizeof(err)), 0);
    CU_ASSERT_TRUE(cJSON_Compare(merged, stored, 1));
    cJSON_Delete(merged);
    cJSON_Delete(pub);
    cJSON_Delete(stored);
}

static void merge_should_replace_secrets_sent_as_new_values(void)
{
    cJSON *stored = parse(STORED), *doc = workflow_secrets_public(stored, &cfg, NULL), *merged;

    with(doc, "basic", "auth",
         "{\"type\": \"basic\", \"username\": \"bob\", \"password\": \"n-pass\","
         " \"passwordSet\": true}");
    with(doc, "bearer", "auth", "{\"type\": \"bearer\", \"token\": \"n-token\"}");
    cJSON_ReplaceItemInObjectCaseSensitive(headers_of(doc, "basic"), "Authorization",
                                           cJSON_CreateString("Bearer n-hdr"));
    CU_ASSERT_EQUAL_FATAL(workflow_secrets_merge(doc, stored, &merged, err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(json_get_string(auth_of(merged, "basic"), "password"), "n-pass");
    CU_ASSERT_STRING_EQUAL(json_get_string(auth_of(merged, "basic"), "username"), "bob");
    CU_ASSERT_PTR_NULL(json_get(auth_of(merged, "basic"), "passwordSet"));
    CU_ASSERT_STRING_EQUAL(json_get_string(auth_of(merged, "bearer"), "token"), "n-token");
    CU_ASSERT_STRING_EQUAL(json_get_string(headers_of(merged, "basic"), "Authorization"),
                           "Bearer n-hdr");
    /* What was sent back unchanged is kept. */
    CU_ASSERT_STRING_EQUAL(json_get_string(headers_of(merged, "basic"), "cookie"), "sid=s-cookie");
    CU_ASSERT_STRING_EQUAL(json_get_string(auth_of(merged, "header"), "value"), "s-value");
    cJSON_Delete(merged);
    cJSON_Delete(doc);
    cJSON_Delete(stored);
}

static void merge_should_remove_what_is_cleared_or_left_out(void)
{
    cJSON *stored = parse(STORED), *doc = workflow_secrets_public(stored, &cfg, NULL), *merged;
    cJSON *h = headers_of(doc, "basic");

    cJSON_ReplaceItemInObjectCaseSensitive(h, "Authorization", parse("{\"set\": false}"));
    cJSON_DeleteItemFromObjectCaseSensitive(h, "cookie");
    with(doc, "bearer", "auth", "{\"type\": \"bearer\", \"tokenSet\": false}");
    with(doc, "header", "auth", "{\"type\": \"header\", \"name\": \"X-Token\"}");
    CU_ASSERT_EQUAL_FATAL(workflow_secrets_merge(doc, stored, &merged, err, sizeof(err)), 0);
    h = headers_of(merged, "basic");
    CU_ASSERT_PTR_NULL(json_get(h, "Authorization"));
    CU_ASSERT_PTR_NULL(json_get(h, "cookie"));
    CU_ASSERT_STRING_EQUAL(json_get_string(h, "X-Api-Key"), "s-xapi");
    /* Left without a token: validation refuses it (bearer needs one). */
    CU_ASSERT_PTR_NULL(json_get(auth_of(merged, "bearer"), "token"));
    CU_ASSERT_PTR_NULL(json_get(auth_of(merged, "bearer"), "tokenSet"));
    CU_ASSERT_PTR_NULL(json_get(auth_of(merged, "header"), "value"));
    cJSON_Delete(merged);
    cJSON_Delete(doc);
    cJSON_Delete(stored);
}

static void merge_should_refuse_set_with_nothing_stored_naming_node_and_field(void)
{
    cJSON *stored = parse(STORED), *pub = workflow_secrets_public(stored, &cfg, NULL), *doc;
    cJSON *merged = (cJSON *)1;

    /* A new workflow, or another data directory: nothing to keep. */
    CU_ASSERT_EQUAL(workflow_secrets_merge(pub, NULL, &merged, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NULL(merged);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "nodes.basic: headers.Authorization:"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "never exported"));
    /* Another auth type than the stored one. */
    doc = with(cJSON_Duplicate(stored, 1), "bearer", "auth",
               "{\"type\": \"header\", \"name\": \"X-T\", \"valueSet\": true}");
    CU_ASSERT_EQUAL(workflow_secrets_merge(doc, stored, &merged, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "nodes.bearer: auth: value: valueSet"));
    cJSON_Delete(doc);
    /* A header that was never stored. */
    doc = cJSON_Duplicate(stored, 1);
    cJSON_AddItemToObject(headers_of(doc, "bearer")
                              ? headers_of(doc, "bearer")
                              : cJSON_AddObjectToObject(node(doc, "bearer"), "headers"),
                          "Cookie", parse("{\"set\": true}"));
    CU_ASSERT_EQUAL(workflow_secrets_merge(doc, stored, &merged, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "nodes.bearer: headers.Cookie:"));
    cJSON_Delete(doc);
    /* A renamed node. */
    doc = cJSON_Duplicate(pub, 1);
    cJSON_ReplaceItemInObjectCaseSensitive(node(doc, "bearer"), "id", cJSON_CreateString("b2"));
    CU_ASSERT_EQUAL(workflow_secrets_merge(doc, stored, &merged, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "nodes.b2: auth: token: tokenSet"));
    cJSON_Delete(doc);
    cJSON_Delete(pub);
    cJSON_Delete(stored);
}

static void merge_should_leave_other_header_objects_to_validation(void)
{
    cJSON *stored = parse(STORED), *doc = cJSON_Duplicate(stored, 1), *merged;

    cJSON_ReplaceItemInObjectCaseSensitive(headers_of(doc, "basic"), "X-Plain",
                                           parse("{\"set\": true, \"value\": \"x\"}"));
    CU_ASSERT_EQUAL_FATAL(workflow_secrets_merge(doc, stored, &merged, err, sizeof(err)), 0);
    CU_ASSERT_TRUE(cJSON_IsObject(json_get(headers_of(merged, "basic"), "X-Plain")));
    cJSON_Delete(merged);
    cJSON_Delete(doc);
    cJSON_Delete(stored);
}

static void merge_should_find_the_stored_header_in_any_case(void)
{
    cJSON *stored = parse(STORED), *doc = workflow_secrets_public(stored, &cfg, NULL), *merged;
    cJSON *h = headers_of(doc, "basic");

    cJSON_DeleteItemFromObjectCaseSensitive(h, "cookie");
    cJSON_AddItemToObject(h, "Cookie", parse("{\"set\": true}"));
    CU_ASSERT_EQUAL_FATAL(workflow_secrets_merge(doc, stored, &merged, err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(json_get_string(headers_of(merged, "basic"), "Cookie"), "sid=s-cookie");
    cJSON_Delete(merged);
    cJSON_Delete(doc);
    cJSON_Delete(stored);
}

int main(void)
{
    CU_pSuite s;
    unsigned fails;

    config_defaults(&cfg);
    snprintf(cfg.redact_headers[cfg.redact_count++], sizeof(cfg.redact_headers[0]), "X-Api-Key");
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("workflow_secrets", NULL, NULL);
    CU_ADD_TEST(s, public_should_show_auth_secrets_as_set_and_keep_the_rest);
    CU_ADD_TEST(s, public_should_mark_credential_headers_and_only_those);
    CU_ADD_TEST(s, merge_should_keep_every_secret_when_the_read_back_form_comes_back);
    CU_ADD_TEST(s, merge_should_replace_secrets_sent_as_new_values);
    CU_ADD_TEST(s, merge_should_remove_what_is_cleared_or_left_out);
    CU_ADD_TEST(s, merge_should_refuse_set_with_nothing_stored_naming_node_and_field);
    CU_ADD_TEST(s, merge_should_leave_other_header_objects_to_validation);
    CU_ADD_TEST(s, merge_should_find_the_stored_header_in_any_case);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    fails = CU_get_number_of_failures();
    CU_cleanup_registry();
    return fails == 0 ? 0 : 1;
}
