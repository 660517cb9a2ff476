/* flatten_text: the flattened leaves of JSON text read token by token
 * (jsonscan), for documents whose tree would be far larger than their text:
 * a 1 MB body of 116,000 "{"a":[]}" is 25 MB of cJSON nodes and 116,000
 * leaves, of which a listing shows twenty.
 *
 * The hazard is duplicate member names: SPEC section 5 says the last value
 * wins at the first one's position, which a single forward pass cannot know
 * when it meets the first. The rule: every object's member names are hashed
 * (64-bit FNV-1a of the decoded name) as they come, and when the object
 * closes its hashes are sorted and compared; any repeat (or a collision,
 * which is as good as impossible) ends the walk with FLATTEN_DUPLICATE and
 * the caller falls back to a parsed tree. The cost: 8 bytes per member of
 * the objects open at one time, and senders who repeat names pay for a tree
 * like everyone did before. */
#include "flatten.h"

#include "flatten_internal.h"
#include "jsonscan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* One open container. */
struct frame {
    size_t key_mark; /* length of the container's own key */
    size_t index;    /* next element index (arrays) */
    size_t children;
    size_t hashes; /* where the member-name hashes of this object start */
    int is_obj;
};

struct text_walk {
    struct frame frames[JSONSCAN_DEPTH_CAP];
    struct buf key;
    struct buf name; /* a decoded member name */
    uint64_t *hash;  /* member-name hashes of the open objects */
    size_t nhash;
    size_t hcap;
    flatten_sink sink;
    void *arg;
    int status; /* why the walk stopped (jsonscan only sees "stop") */
};

static uint64_t fnv1a(const char *s, size_t len)
{
    uint64_t h = 14695981039346656037u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return h;
}

static int hash_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int hash_push(struct text_walk *w, uint64_t h)
{
    if (w->nhash == w->hcap) {
        size_t cap = w->hcap ? w->hcap * 2 : 64;
        uint64_t *p = realloc(w->hash, cap * sizeof(*p));
        if (p == NULL)
            return FLATTEN_NOMEM;
        w->hash = p;
        w->hcap = cap;
    }
    w->hash[w->nhash++] = h;
    return 0;
}

/* FLATTEN_DUPLICATE when two names of the object closing at f repeat. */
static int check_names(struct text_walk *w, const struct frame *f)
{
    size_t n = w->nhash - f->hashes;
    uint64_t *h;
    int rc = 0;

    /* An object without members has pushed nothing: hash may still be
     * NULL, and NULL + 0 is undefined behaviour. */
    if (n == 0)
        return 0;
    h = w->hash + f->hashes;
    if (n > 1)
        qsort(h, n, sizeof(*h), hash_cmp);
    for (size_t i = 1; i < n && rc == 0; i++)
        if (h[i] == h[i - 1])
            rc = FLATTEN_DUPLICATE;
    w->nhash = f->hashes;
    return rc;
}

static int leaf(struct text_walk *w, enum flat_type t, const char *value, size_t len)
{
    struct flat_leaf l = {buf_str(&w->key), w->key.len, t, value, len};
    return w->sink(w->arg, &l);
}

/* A member name: its key segment replaces the previous member's. */
static int on_name(struct text_walk *w, struct frame *f, const struct jsonscan_event *ev)
{
    const char *name = ev->text + 1;
    size_t len = ev->len - 2;

    if (memchr(name, '\\', len) != NULL) {
        buf_reset(&w->name);
        if (jsonscan_decode_string(ev->text, ev->len, &w->name) != BUF_OK)
            return FLATTEN_NOMEM;
        name = buf_str(&w->name);
        len = w->name.len;
    }
    flatten_key_truncate(&w->key, f->key_mark);
    f->children++;
    if (hash_push(w, fnv1a(name, len)) != 0 || flatten_put_member(&w->key, name, len) != 0)
        return FLATTEN_NOMEM;
    return 0;
}

/* The end of the container of frame f: an empty one is a leaf. */
static int on_end(struct text_walk *w, struct frame *f)
{
    int rc = 0;

    flatten_key_truncate(&w->key, f->key_mark);
    if (f->children == 0)
        rc = f->is_obj ? leaf(w, FLAT_OBJECT, "{}", 2) : leaf(w, FLAT_ARRAY, "[]", 2);
    if (rc == 0 && f->is_obj)
        rc = check_names(w, f);
    return rc;
}

static enum flat_type scalar_type(enum jsonscan_token t)
{
    switch (t) {
    case JSONSCAN_STRING:
        return FLAT_STRING;
    case JSONSCAN_NUMBER:
        return FLAT_NUMBER;
    case JSONSCAN_TRUE:
    case JSONSCAN_FALSE:
        return FLAT_BOOLEAN;
    default:
        return FLAT_NULL;
    }
}

static int token(struct text_walk *w, const struct jsonscan_event *ev)
{
    struct frame *parent = ev->depth > 0 ? &w->frames[ev->depth - 1] : NULL;
    int is_value = ev->token != JSONSCAN_NAME && ev->token != JSONSCAN_OBJECT_END &&
                   ev->token != JSONSCAN_ARRAY_END;

    if (ev->token == JSONSCAN_NAME)
        return on_name(w, parent, ev);
    if (ev->token == JSONSCAN_OBJECT_END || ev->token == JSONSCAN_ARRAY_END)
        return on_end(w, &w->frames[ev->depth]);
    if (is_value && parent != NULL && !parent->is_obj) {
        flatten_key_truncate(&w->key, parent->key_mark);
        parent->children++;
        if (flatten_put_index(&w->key, parent->index++) != 0)
            return FLATTEN_NOMEM;
    }
    if (ev->token == JSONSCAN_OBJECT_BEGIN || ev->token == JSONSCAN_ARRAY_BEGIN) {
        struct frame *f = &w->frames[ev->depth];
        f->key_mark = w->key.len;
        f->index = 0;
        f->children = 0;
        f->hashes = w->nhash;
        f->is_obj = ev->token == JSONSCAN_OBJECT_BEGIN;
        return 0;
    }
    return leaf(w, scalar_type(ev->token), ev->text, ev->len);
}

static int on_token(void *arg, const struct jsonscan_event *ev)
{
    struct text_walk *w = arg;

    w->status = token(w, ev);
    return w->status != 0;
}

int flatten_text(const char *text, size_t len, int max_depth, flatten_sink sink, void *arg)
{
    struct text_walk *w = malloc(sizeof(*w));
    int rc;

    if (w == NULL)
        return FLATTEN_NOMEM;
    /* A key is at most three bytes per byte of text ("[0]" for "[") plus
     * its quoting: this bound is never reached by JSON text. */
    buf_init(&w->key, 4 * len + 64);
    buf_init(&w->name, len + 1);
    w->hash = NULL;
    w->nhash = 0;
    w->hcap = 0;
    w->sink = sink;
    w->arg = arg;
    w->status = 0;
    rc = jsonscan(text, len, max_depth, on_token, w);
    rc = rc == JSONSCAN_INVALID ? FLATTEN_INVALID : w->status;
    buf_free(&w->key);
    buf_free(&w->name);
    free(w->hash);
    free(w);
    return rc;
}
