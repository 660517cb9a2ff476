/* workflow_secrets: the public form of workflow documents, and the merge of
 * a document sent back with the stored one. See the header for the shapes. */
#include "workflow_secrets.h"

#include "json.h"
#include "redact.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The secret field of each auth type and the flag that stands for it. */
static const struct {
    const char *type, *field, *flag;
} secret_fields[] = {{"basic", "password", "passwordSet"},
                     {"bearer", "token", "tokenSet"},
                     {"header", "value", "valueSet"}};

#define NFIELDS (sizeof(secret_fields) / sizeof(secret_fields[0]))

static int is_outgoing(const cJSON *node)
{
    const char *type = json_get_string(node, "type");
    return type != NULL && strcmp(type, "outgoing_integration") == 0;
}

/* 1 when the header name of node carries a credential. */
static int credential_header(const struct config *cfg, const cJSON *node, const char *name)
{
    const cJSON *auth = json_get(node, "auth");
    const char *type = json_get_string(auth, "type"), *aname = json_get_string(auth, "name");

    if (redact_header(cfg, name))
        return 1;
    return type && aname && strcmp(type, "header") == 0 && strcasecmp(aname, name) == 0;
}

/* Puts replacement in item's place in the object parent, under item's name
 * (taken over, so nothing is allocated and a duplicate name stays apart);
 * item is freed. */
static int replace_member(cJSON *parent, cJSON *item, cJSON *replacement)
{
    if (replacement == NULL)
        return -1;
    replacement->string = item->string;
    replacement->type |= item->type & cJSON_StringIsConst;
    item->string = NULL;
    return cJSON_ReplaceItemViaPointer(parent, item, replacement) ? 0 : -1;
}

static int mask_auth(cJSON *auth)
{
    const char *type = json_get_string(auth, "type");

    if (type == NULL)
        return 0;
    for (size_t i = 0; i < NFIELDS; i++) {
        if (strcmp(type, secret_fields[i].type) != 0)
            continue;
        int set = cJSON_IsString(json_get(auth, secret_fields[i].field));
        cJSON_DeleteItemFromObjectCaseSensitive(auth, secret_fields[i].field);
        cJSON_DeleteItemFromObjectCaseSensitive(auth, secret_fields[i].flag);
        cJSON_AddBoolToObject(auth, secret_fields[i].flag, set);
        return set;
    }
    return 0;
}

/* Replaces each credential header's value of node by {"set": true}. */
static int mask_headers(cJSON *node, const struct config *cfg, int *masked)
{
    cJSON *headers = cJSON_GetObjectItemCaseSensitive(node, "headers"), *h;

    cJSON_ArrayForEach(h, headers)
    {
        cJSON *marker;
        if (h->string == NULL || !cJSON_IsString(h) || !credential_header(cfg, node, h->string))
            continue;
        marker = cJSON_CreateObject();
        if (marker == NULL || !cJSON_AddBoolToObject(marker, "set", 1)) {
            cJSON_Delete(marker);
            return -1;
        }
        replace_member(headers, h, marker);
        h = marker; /* in h's place, so the walk goes on from there */
        (*masked)++;
    }
    return 0;
}

cJSON *workflow_secrets_public(const cJSON *stored, const struct config *cfg, int *masked)
{
    cJSON *pub = cJSON_Duplicate(stored, 1), *node;
    int count = 0;

    if (pub == NULL)
        return NULL;
    cJSON_ArrayForEach(node, cJSON_GetObjectItemCaseSensitive(pub, "nodes"))
    {
        cJSON *auth = cJSON_GetObjectItemCaseSensitive(node, "auth");
        if (!is_outgoing(node))
            continue;
        if (mask_headers(node, cfg, &count) != 0) {
            cJSON_Delete(pub);
            return NULL;
        }
        if (cJSON_IsObject(auth))
            count += mask_auth(auth);
    }
    if (masked)
        *masked = count;
    return pub;
}

/* The stored value of header name (the exact name first, then any case). */
static const cJSON *stored_header(const cJSON *old, const char *name)
{
    const cJSON *headers = json_get(old, "headers"), *h;

    cJSON_ArrayForEach(h, headers)
    {
        if (h->string && strcmp(h->string, name) == 0 && cJSON_IsString(h))
            return h;
    }
    cJSON_ArrayForEach(h, headers)
    {
        if (h->string && strcasecmp(h->string, name) == 0 && cJSON_IsString(h))
            return h;
    }
    return NULL;
}

/* Resolves the {"set": true|false} markers of node's headers against old
 * (the stored node, may be NULL). Other values are left to validation. */
static int merge_headers(cJSON *node, const cJSON *old, const char *id, char *err, size_t errlen)
{
    cJSON *headers = cJSON_GetObjectItemCaseSensitive(node, "headers"), *h, *next;

    for (h = headers ? headers->child : NULL; h != NULL; h = next) {
        const cJSON *set = json_get(h, "set"), *was;
        next = h->next;
        if (!cJSON_IsObject(h) || !cJSON_IsBool(set) || cJSON_GetArraySize(h) != 1)
            continue;
        if (cJSON_IsFalse(set)) { /* explicitly cleared */
            cJSON_Delete(cJSON_DetachItemViaPointer(headers, h));
            continue;
        }
        was = h->string ? stored_header(old, h->string) : NULL;
        if (was == NULL) {
            snprintf(err, errlen,
                     "nodes.%s: headers.%.60s: {\"set\": true} keeps the value stored for this "
                     "header of this node, and there is none: send the value (secrets are never "
                     "exported, so a document from another data directory must carry them)",
                     id, h->string ? h->string : "");
            return -1;
        }
        if (replace_member(headers, h, cJSON_CreateString(was->valuestring)) != 0) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    return 0;
}

/* Resolves the passwordSet/tokenSet/valueSet flags of node's auth against
 * old (the stored node, may be NULL), and drops them. */
static int merge_auth(cJSON *node, const cJSON *old, const char *id, char *err, size_t errlen)
{
    cJSON *auth = cJSON_GetObjectItemCaseSensitive(node, "auth");
    const cJSON *old_auth = json_get(old, "auth");
    const char *type = json_get_string(auth, "type"), *old_type = json_get_string(old_auth, "type");

    if (!cJSON_IsObject(auth))
        return 0;
    for (size_t i = 0; i < NFIELDS; i++) {
        const char *field = secret_fields[i].field;
        int keep = cJSON_IsTrue(json_get(auth, secret_fields[i].flag));
        const cJSON *was = json_get(old_auth, field);

        cJSON_DeleteItemFromObjectCaseSensitive(auth, secret_fields[i].flag);
        if (type == NULL || strcmp(type, secret_fields[i].type) != 0 || !keep ||
            cJSON_IsString(json_get(auth, field)))
            continue; /* another type, a new value, or removed */
        if (old_type == NULL || strcmp(old_type, type) != 0 || !cJSON_IsString(was)) {
            snprintf(err, errlen,
                     "nodes.%s: auth: %s: %s keeps the %s stored for this node with auth type "
                     "%s, and there is none: send the %s (secrets are never exported, so a "
                     "document from another data directory must carry them)",
                     id, field, secret_fields[i].flag, field, type, field);
            return -1;
        }
        cJSON_DeleteItemFromObjectCaseSensitive(auth, field); /* a null, say */
        if (!cJSON_AddStringToObject(auth, field, was->valuestring)) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    return 0;
}

int workflow_secrets_merge(const cJSON *doc, const cJSON *stored, cJSON **out, char *err,
                           size_t errlen)
{
    cJSON *merged = cJSON_Duplicate(doc, 1), *node;

    *out = NULL;
    if (merged == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    cJSON_ArrayForEach(node, cJSON_GetObjectItemCaseSensitive(merged, "nodes"))
    {
        const char *id = json_get_string(node, "id");
        const cJSON *old = NULL, *n;

        if (!is_outgoing(node) || id == NULL)
            continue;
        cJSON_ArrayForEach(n, json_get(stored, "nodes"))
        {
            const char *nid = json_get_string(n, "id");
            if (old == NULL && nid && strcmp(nid, id) == 0 && is_outgoing(n))
                old = n;
        }
        if (merge_headers(node, old, id, err, errlen) != 0 ||
            merge_auth(node, old, id, err, errlen) != 0) {
            cJSON_Delete(merged);
            return -1;
        }
    }
    *out = merged;
    return 0;
}
