/* docstore: JSON documents by id. */
#include "docstore.h"

#include "buf.h"
#include "json.h"
#include "uuid.h"

#include <stdio.h>
#include <string.h>

int docstore_get(struct store_txn *t, enum store_db db, const char *id, int rmw, cJSON **out)
{
    char key[UUID_LEN + 1];
    struct json_error jerr;
    struct buf v;
    int rc;

    *out = NULL;
    if (uuid_parse(id, strlen(id), key) != 0)
        return STORE_NOTFOUND;
    buf_init(&v, 64u << 20);
    rc = rmw ? store_get_rmw(t, db, key, UUID_LEN, &v) : store_get(t, db, key, UUID_LEN, &v);
    if (rc == STORE_OK && json_parse(v.data, v.len, 128, out, &jerr) != 0)
        rc = STORE_ERROR;
    buf_free(&v);
    return rc;
}

int docstore_put(struct store_txn *t, enum store_db db, const cJSON *doc, int flags)
{
    const char *id = json_get_string(doc, "id");
    char *text;
    int rc;

    if (id == NULL || strlen(id) != UUID_LEN)
        return STORE_ERROR;
    text = json_to_string(doc);
    if (text == NULL)
        return STORE_NOMEM;
    rc = store_put(t, db, id, UUID_LEN, text, strlen(text), flags);
    cJSON_free(text);
    return rc;
}

struct load_arg {
    enum store_db db;
    const char *id;
    cJSON *doc;
};

static int load_fn(struct store_txn *t, void *arg)
{
    struct load_arg *a = arg;
    cJSON_Delete(a->doc);
    return docstore_get(t, a->db, a->id, 0, &a->doc);
}

int docstore_load(struct store *s, enum store_db db, const char *id, cJSON **out)
{
    struct load_arg a = {db, id, NULL};
    int rc = store_txn_run(s, load_fn, &a);
    if (rc != STORE_OK) {
        cJSON_Delete(a.doc);
        a.doc = NULL;
    }
    *out = a.doc;
    return rc;
}

struct list_arg {
    enum store_db db;
    const char *cursor;
    int limit, count, more;
    docstore_item_fn fn;
    void *fn_arg;
    cJSON *items;
    char last[UUID_LEN + 1];
};

static int list_cb(const void *key, size_t klen, const void *pkey, size_t pklen, const void *val,
                   size_t vlen, void *arg)
{
    struct list_arg *a = arg;
    struct json_error jerr;
    cJSON *doc = NULL, *item;

    (void)pkey;
    (void)pklen;
    if (a->count == a->limit) {
        a->more = 1;
        return 1;
    }
    if (klen == UUID_LEN) {
        memcpy(a->last, key, UUID_LEN);
        a->last[UUID_LEN] = '\0';
    }
    if (json_parse(val, vlen, 128, &doc, &jerr) != 0)
        return 0; /* a damaged record is skipped here; verify reports it */
    item = a->fn ? a->fn(doc, a->fn_arg) : doc;
    if (item == NULL)
        return 0;
    cJSON_AddItemToArray(a->items, item);
    a->count++;
    return 0;
}

static int list_fn(struct store_txn *t, void *arg)
{
    struct list_arg *a = arg;
    char start[UUID_LEN + 1];

    cJSON_Delete(a->items);
    a->items = cJSON_CreateArray();
    a->count = a->more = 0;
    if (a->items == NULL)
        return STORE_NOMEM;
    if (a->cursor[0] == '\0')
        return store_scan(t, a->db, NULL, 0, 0, list_cb, a);
    /* The smallest key after the cursor is the cursor followed by a NUL. */
    memcpy(start, a->cursor, UUID_LEN);
    start[UUID_LEN] = '\0';
    return store_scan(t, a->db, start, UUID_LEN + 1, 0, list_cb, a);
}

int docstore_list(struct store *s, enum store_db db, const char *cursor, int limit,
                  docstore_item_fn fn, void *arg, cJSON **items, char next[64])
{
    char key[UUID_LEN + 1] = "";
    struct list_arg a;
    int rc;

    *items = NULL;
    next[0] = '\0';
    if (cursor && *cursor && uuid_parse(cursor, strlen(cursor), key) != 0)
        return STORE_NOTFOUND;
    memset(&a, 0, sizeof(a));
    a.db = db;
    a.cursor = key;
    a.limit = limit;
    a.fn = fn;
    a.fn_arg = arg;
    rc = store_txn_run(s, list_fn, &a);
    if (rc != STORE_OK) {
        cJSON_Delete(a.items);
        return rc;
    }
    if (a.more)
        snprintf(next, 64, "%s", a.last);
    *items = a.items;
    return STORE_OK;
}
