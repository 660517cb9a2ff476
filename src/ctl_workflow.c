/* ctl_workflow: `incomingctl workflow import|export|list|publish|unpublish|
 * delete`, on top of the workflow module (SPEC section 8). import reads a
 * workflow document from a file (or standard input) and creates it, or
 * replaces the workflow whose id the document carries when it exists, so
 * export, edit, import round-trips. Credentials are never exported (they
 * read back as set, see workflow_secrets.h): importing an exported document
 * keeps them in the data directory it came from, and is refused elsewhere
 * until the document carries the values. */
#include "ctl.h"

#include "json.h"
#include "uuid.h"
#include "workflow.h"

#include <stdio.h>
#include <string.h>

#define DOC_MAX (4u << 20) /* bytes of a workflow document */
#define DOC_DEPTH 64

static const char *str(const cJSON *doc, const char *name)
{
    const char *s = json_get_string(doc, name);
    return s ? s : "";
}

/* Reads and parses the document at path into *doc (caller frees). */
static int read_document(const char *path, cJSON **doc)
{
    struct buf text;
    struct json_error jerr;
    const char *name = strcmp(path, "-") == 0 ? "standard input" : path;
    int rc;

    *doc = NULL;
    buf_init(&text, DOC_MAX);
    rc = ctl_read_input("workflow import", path, &text);
    if (rc == CTL_OK && json_parse(buf_str(&text), text.len, DOC_DEPTH, doc, &jerr) != 0)
        rc = ctl_fail("workflow import: %s: invalid JSON: %s", name, jerr.message);
    else if (rc == CTL_OK && !cJSON_IsObject(*doc))
        rc = ctl_fail("workflow import: %s: a workflow document must be a JSON object", name);
    buf_free(&text);
    if (rc != CTL_OK) {
        cJSON_Delete(*doc);
        *doc = NULL;
    }
    return rc;
}

/* Creates doc, or replaces the workflow it names by id when that exists.
 * *replaced tells which. */
static int store_document(struct ctl *c, const cJSON *doc, cJSON **out, int *replaced)
{
    const char *id = json_get_string(doc, "id");
    char key[37], err[512];
    cJSON *old = NULL;
    int rc;

    *replaced = 0;
    if (id && uuid_parse(id, strlen(id), key) == 0 &&
        workflow_load_public(c->store, &c->cfg, key, &old, NULL) == STORE_OK) {
        cJSON_Delete(old);
        *replaced = 1;
        rc = workflow_replace(c->store, &c->cfg, key, doc, out, err, sizeof(err));
    } else {
        rc = workflow_create(c->store, &c->cfg, doc, out, err, sizeof(err));
    }
    if (rc == WORKFLOW_INVALID)
        return ctl_fail("workflow import: %s", err);
    if (rc != WORKFLOW_OK)
        return ctl_fail("workflow import: %s", err[0] ? err : "cannot store the workflow");
    return CTL_OK;
}

static int import(struct ctl *c, int argc, char **argv)
{
    char *pos[1];
    cJSON *doc = NULL, *out = NULL;
    int n, rc, replaced = 0;

    rc = ctl_parse(c, "workflow import", argc, argv, NULL, pos, 1, 1, &n);
    if (rc == CTL_OK)
        rc = ctl_store(c, 0);
    if (rc == CTL_OK)
        rc = read_document(pos[0], &doc);
    if (rc == CTL_OK)
        rc = store_document(c, doc, &out, &replaced);
    if (rc == CTL_OK && c->json)
        rc = ctl_print_json(out);
    else if (rc == CTL_OK)
        printf("%s workflow %s (%s, state %s)\n", replaced ? "replaced" : "created", str(out, "id"),
               str(out, "name"), str(out, "state"));
    cJSON_Delete(doc);
    cJSON_Delete(out);
    return rc;
}

/* Loads workflow id's public form; a one-line error when it does not
 * exist. *masked: the number of credentials it hides. */
static int load(struct ctl *c, const char *id, cJSON **doc, int *masked)
{
    int rc = workflow_load_public(c->store, &c->cfg, id, doc, masked);

    if (rc == STORE_NOTFOUND)
        return ctl_fail("no workflow with id %s", id);
    if (rc != STORE_OK)
        return ctl_fail("cannot read workflow %s: %s", id, store_strerror(rc));
    return CTL_OK;
}

static void print_row(const cJSON *wf)
{
    const cJSON *trigger = workflow_trigger(wf);
    char when[40];

    ctl_format_time(json_get_ll(wf, "updatedAt", 0), when, sizeof(when));
    printf("%-36s  %-11s  %-36s  %-24s  %s\n", str(wf, "id"), str(wf, "state"),
           trigger ? str(trigger, "integrationId") : "", when, str(wf, "name"));
}

static int list_page(struct ctl *c, const char *cursor, int limit, cJSON **items, char next[64])
{
    return workflow_list(c->store, &c->cfg, cursor, limit, items, next);
}

static int list(struct ctl *c, int argc, char **argv)
{
    char header[128];
    snprintf(header, sizeof(header), "%-36s  %-11s  %-36s  %-24s  %s", "ID", "STATE", "INTEGRATION",
             "UPDATED", "NAME");
    return ctl_list(c, "workflow list", argc, argv, list_page, header, print_row);
}

/* export (always JSON: the document as GET /api/v1/workflows/{id}, its
 * credentials shown as set). The note on stderr says what that means for
 * an import. */
static int export(struct ctl *c, const char *id)
{
    cJSON *doc = NULL;
    int masked = 0, rc = load(c, id, &doc, &masked);

    if (rc == CTL_OK)
        rc = ctl_print_json(doc);
    if (rc == CTL_OK && masked > 0)
        fprintf(stderr,
                "incomingctl: note: %d credential(s) of this workflow are not exported (they "
                "read back as passwordSet/tokenSet/valueSet or {\"set\": true}); importing "
                "the document into this data directory keeps them, elsewhere put the values "
                "into it first\n",
                masked);
    cJSON_Delete(doc);
    return rc;
}

static int set_state(struct ctl *c, const char *id, const char *state)
{
    cJSON *doc = NULL;
    char err[600];
    int rc = workflow_set_state(c->store, &c->cfg, id, state, &doc, err, sizeof(err));

    if (rc == WORKFLOW_NOTFOUND)
        return ctl_fail("no workflow with id %s", id);
    if (rc == WORKFLOW_ORPHANED)
        return ctl_fail("workflow %s: %s", id, err);
    if (rc != WORKFLOW_OK)
        return ctl_fail("cannot change workflow %s: storage failed", id);
    if (c->json)
        rc = ctl_print_json(doc);
    else
        printf("workflow %s is now %s%s\n", id, state,
               strcmp(state, "published") == 0 ? ": new events of its integration run it"
                                               : ": it runs no more");
    cJSON_Delete(doc);
    return rc;
}

static int delete (struct ctl *c, const char *id)
{
    cJSON *doc;
    int rc = workflow_delete(c->store, id);

    if (rc == WORKFLOW_NOTFOUND)
        return ctl_fail("no workflow with id %s", id);
    if (rc != WORKFLOW_OK)
        return ctl_fail("cannot delete workflow %s: storage failed", id);
    if (!c->json) {
        printf("workflow %s deleted (its runs are kept)\n", id);
        return CTL_OK;
    }
    if ((doc = cJSON_CreateObject()) == NULL)
        return ctl_fail("out of memory");
    cJSON_AddStringToObject(doc, "id", id);
    cJSON_AddBoolToObject(doc, "deleted", 1);
    rc = ctl_print_json(doc);
    cJSON_Delete(doc);
    return rc;
}

/* export, publish, unpublish and delete take exactly one id. */
static int by_id(struct ctl *c, const char *sub, int argc, char **argv)
{
    char *pos[1], id[37], cmd[40];
    int n, rc;

    snprintf(cmd, sizeof(cmd), "workflow %s", sub);
    rc = ctl_parse(c, cmd, argc, argv, NULL, pos, 1, 1, &n);
    if (rc == CTL_OK)
        rc = ctl_parse_id("workflow id", pos[0], id);
    if (rc == CTL_OK)
        rc = ctl_store(c, 0);
    if (rc != CTL_OK)
        return rc;
    if (strcmp(sub, "export") == 0)
        return export(c, id);
    if (strcmp(sub, "publish") == 0)
        return set_state(c, id, "published");
    if (strcmp(sub, "unpublish") == 0)
        return set_state(c, id, "unpublished");
    return delete (c, id);
}

int ctl_cmd_workflow(struct ctl *c, int argc, char **argv)
{
    static const char *const with_id[] = {"export", "publish", "unpublish", "delete"};

    if (argc < 1)
        return ctl_usage("workflow: expected import, export, list, publish, unpublish or delete");
    if (strcmp(argv[0], "import") == 0)
        return import(c, argc - 1, argv + 1);
    if (strcmp(argv[0], "list") == 0)
        return list(c, argc - 1, argv + 1);
    for (size_t i = 0; i < sizeof(with_id) / sizeof(with_id[0]); i++)
        if (strcmp(argv[0], with_id[i]) == 0)
            return by_id(c, with_id[i], argc - 1, argv + 1);
    return ctl_usage("workflow: unknown subcommand '%s'", argv[0]);
}
