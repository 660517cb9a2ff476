/* Tests of workflow_order, which the runner applies to stored documents:
 * the order of a valid graph, and no crash on a document validation would
 * refuse (a damaged record). */
#include "workflow.h"

#include "json.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

static int order_of(const char *text, const char *order[WORKFLOW_MAX_NODES])
{
    cJSON *doc = NULL;
    int n;

    CU_ASSERT_FATAL(json_parse(text, strlen(text), 64, &doc, NULL) == 0);
    n = workflow_order(doc, order);
    /* order points into doc: only the count and the first ids are kept */
    if (n >= 1) {
        static char first[2][65];
        snprintf(first[0], sizeof(first[0]), "%s", order[0]);
        snprintf(first[1], sizeof(first[1]), "%s", n >= 2 ? order[1] : "");
        order[0] = first[0];
        order[1] = first[1];
    }
    cJSON_Delete(doc);
    return n;
}

static void workflow_order_should_start_at_the_trigger_and_follow_edges(void)
{
    const char *order[WORKFLOW_MAX_NODES];

    CU_ASSERT_EQUAL(order_of("{\"nodes\":[{\"id\":\"end\",\"type\":\"end\"},{\"id\":\"s\","
                             "\"type\":\"outgoing_integration\"},{\"id\":\"t\",\"type\":"
                             "\"business_event\"}],\"edges\":[[\"s\",\"end\"],[\"t\",\"s\"]]}",
                             order),
                    3);
    CU_ASSERT_STRING_EQUAL(order[0], "t");
    CU_ASSERT_STRING_EQUAL(order[1], "s");
}

/* Found while writing the envelope and workflow fuzz targets: edges that
 * were not pairs of strings, or a node without an id, made workflow_order
 * read a NULL string, and the runner (which orders the stored document)
 * would crash on a damaged record. */
static void workflow_order_should_refuse_damaged_documents(void)
{
    static const char *const damaged[] = {
        "{\"nodes\":[{\"id\":\"t\",\"type\":\"business_event\"}],\"edges\":[[1]]}",
        "{\"nodes\":[{\"id\":\"t\",\"type\":\"business_event\"}],\"edges\":[[\"t\"],{},\"x\","
        "[\"t\",2],[null,\"t\"]]}",
        "{\"nodes\":[{\"type\":\"business_event\"}]}",
        "{\"nodes\":{\"id\":\"t\",\"type\":\"business_event\"}}",
        "{\"nodes\":[{\"id\":\"x\",\"type\":\"end\"}]}",
        "[]",
    };
    const char *order[WORKFLOW_MAX_NODES];

    CU_ASSERT_EQUAL(order_of(damaged[0], order), 1);
    CU_ASSERT_EQUAL(order_of(damaged[1], order), 1);
    for (size_t i = 2; i < sizeof(damaged) / sizeof(damaged[0]); i++)
        CU_ASSERT_EQUAL(order_of(damaged[i], order), -1);
}

int main(void)
{
    CU_pSuite s;
    unsigned failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("workflow", NULL, NULL);
    CU_add_test(s, "order starts at the trigger and follows edges",
                workflow_order_should_start_at_the_trigger_and_follow_edges);
    CU_add_test(s, "order refuses damaged documents",
                workflow_order_should_refuse_damaged_documents);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed == 0 ? 0 : 1;
}
