/* event: the stored envelope of an accepted request (SPEC section 5).
 * Header and query names and values are made valid UTF-8 (U+FFFD for bad
 * bytes and NULs) before they are compared, so the envelope never holds two
 * members that print alike and always re-parses with json_parse. Duplicate
 * names keep their first position and take the last value, found through a
 * small hash table so a long query string costs linear time. */
#include "event.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "json.h"

struct kv {
    char *key; /* owned, valid UTF-8 */
    char *val; /* owned, valid UTF-8 */
};

/* Ordered name -> value set; slot[] holds index + 1 into v, 0 when free. */
struct kvset {
    struct kv *v;
    size_t n, cap;
    size_t *slot;
    size_t nslot;
};

static size_t str_hash(const char *s)
{
    size_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void kvset_free(struct kvset *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i].key);
        free(s->v[i].val);
    }
    free(s->v);
    free(s->slot);
    memset(s, 0, sizeof(*s));
}

static size_t *kvset_find(const struct kvset *s, const char *key)
{
    size_t i = str_hash(key) & (s->nslot - 1);
    while (s->slot[i] != 0 && strcmp(s->v[s->slot[i] - 1].key, key) != 0)
        i = (i + 1) & (s->nslot - 1);
    return &s->slot[i];
}

/* Makes room for one more entry, rehashing when the table is half full. */
static int kvset_grow(struct kvset *s)
{
    if (s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 16;
        struct kv *nv = realloc(s->v, ncap * sizeof(*nv));
        if (nv == NULL)
            return -1;
        s->v = nv;
        s->cap = ncap;
    }
    if ((s->n + 1) * 2 > s->nslot) {
        size_t nslot = s->nslot ? s->nslot * 2 : 32;
        size_t *old = s->slot;
        s->slot = calloc(nslot, sizeof(*s->slot));
        if (s->slot == NULL) {
            s->slot = old;
            return -1;
        }
        s->nslot = nslot;
        for (size_t i = 0; i < s->n; i++)
            *kvset_find(s, s->v[i].key) = i + 1;
        free(old);
    }
    return 0;
}

/* Takes ownership of key and val (freed here on failure or duplicate). */
static int kvset_put(struct kvset *s, char *key, char *val)
{
    size_t *slot;

    if (key == NULL || val == NULL || kvset_grow(s) != 0) {
        free(key);
        free(val);
        return BUF_NOMEM;
    }
    slot = kvset_find(s, key);
    if (*slot != 0) {
        struct kv *e = &s->v[*slot - 1];
        free(e->val);
        e->val = val;
        free(key);
        return BUF_OK;
    }
    s->v[s->n].key = key;
    s->v[s->n].val = val;
    *slot = ++s->n;
    return BUF_OK;
}

/* A malloc'd valid-UTF-8 copy of s[0..len), or NULL on OOM. */
static char *clean_copy(const char *s, size_t len)
{
    struct buf b;
    buf_init(&b, len * 3 + 1);
    if (json_utf8_repair(s, len, &b) != BUF_OK) {
        buf_free(&b);
        return NULL;
    }
    return buf_take(&b);
}

/* Percent-decodes s[0..len) ('+' is a space; a '%' not followed by two hex
 * digits stays as it is) and returns a malloc'd valid-UTF-8 copy. */
static char *query_decode(const char *s, size_t len)
{
    char *raw = malloc(len + 1), *res;

    if (raw == NULL)
        return NULL;
    res = clean_copy(raw, b64_form_decode(s, len, raw, len));
    free(raw);
    return res;
}

static int parse_query(const char *qs, struct kvset *q)
{
    const char *p = qs ? qs : "";

    while (*p != '\0') {
        const char *amp = strchr(p, '&');
        size_t seg = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', seg);
        if (seg > 0) {
            size_t klen = eq ? (size_t)(eq - p) : seg;
            char *k = query_decode(p, klen);
            char *v = eq ? query_decode(eq + 1, seg - klen - 1) : strdup("");
            if (kvset_put(q, k, v) != BUF_OK)
                return BUF_NOMEM;
        }
        p += seg;
        if (*p == '&')
            p++;
    }
    return BUF_OK;
}

static int collect_headers(char *const *envp, const struct config *cfg, struct kvset *h)
{
    char name[256];

    for (size_t i = 0; envp != NULL && envp[i] != NULL; i++) {
        const char *var = envp[i], *eq = strchr(var, '=');
        if (eq == NULL || event_header_from_cgi(var, (size_t)(eq - var), name, sizeof(name)) != 0 ||
            config_is_redacted(cfg, name))
            continue;
        if (kvset_put(h, strdup(name), clean_copy(eq + 1, strlen(eq + 1))) != BUF_OK)
            return BUF_NOMEM;
    }
    return BUF_OK;
}

/* Appends {"k":"v",...} for the set. */
static int put_object(const struct kvset *s, struct buf *out)
{
    int rc = buf_putc(out, '{');
    for (size_t i = 0; i < s->n && rc == BUF_OK; i++) {
        if (i > 0)
            rc = buf_putc(out, ',');
        if (rc == BUF_OK)
            rc = json_print_string(s->v[i].key, strlen(s->v[i].key), out);
        if (rc == BUF_OK)
            rc = buf_putc(out, ':');
        if (rc == BUF_OK)
            rc = json_print_string(s->v[i].val, strlen(s->v[i].val), out);
    }
    if (rc == BUF_OK)
        rc = buf_putc(out, '}');
    return rc;
}

static int put_field_string(struct buf *out, const char *name, const char *value)
{
    int rc = buf_puts(out, name);
    if (value == NULL)
        value = "";
    if (rc == BUF_OK)
        rc = json_print_string(value, strlen(value), out);
    return rc;
}

int event_build_envelope(const struct event_input *in, const struct config *cfg, struct buf *out,
                         size_t *body_off)
{
    struct kvset headers = {0}, query = {0};
    int rc;

    rc = collect_headers(in->envp, cfg, &headers);
    if (rc == BUF_OK)
        rc = parse_query(in->query_string, &query);
    if (rc == BUF_OK)
        rc = buf_puts(out, "{\"body\":");
    if (rc != BUF_OK)
        goto out;
    if (body_off != NULL)
        *body_off = out->len;
    if (in->body_len > 0)
        rc = buf_append(out, in->body, in->body_len);
    else
        rc = buf_puts(out, "null");
    if (rc == BUF_OK)
        rc = buf_printf(out, ",\"businessProfileId\":%lld", cfg->business_profile_id);
    if (rc == BUF_OK)
        rc = put_field_string(out, ",\"endpointId\":", in->endpoint_id);
    if (rc == BUF_OK)
        rc = put_field_string(out, ",\"eventId\":", in->event_id);
    if (rc == BUF_OK)
        rc = buf_puts(out, ",\"headers\":");
    if (rc == BUF_OK)
        rc = put_object(&headers, out);
    if (rc == BUF_OK)
        rc = buf_puts(out, ",\"query\":");
    if (rc == BUF_OK)
        rc = put_object(&query, out);
    if (rc == BUF_OK)
        rc = put_field_string(out, ",\"method\":", in->method);
    if (rc == BUF_OK)
        rc = buf_printf(out, ",\"time\":%lld}", in->time_ms);
out:
    kvset_free(&headers);
    kvset_free(&query);
    return rc;
}

/* Characters allowed in a header name (RFC 9110 tchar). */
static int is_tchar(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Writes the canonical form of in[0..len) into out: each '-'-separated
 * word capitalised, the rest lower case; '_' is read as '-' when cgi. */
static int canonical(const char *in, size_t len, int cgi, char *out, size_t outlen)
{
    int word_start = 1;

    if (len == 0 || len >= outlen)
        return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (cgi && c == '_')
            c = '-';
        if (cgi ? !(c == '-' || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
                    (c >= 'a' && c <= 'z'))
                : !is_tchar(c))
            return -1;
        if (c >= 'a' && c <= 'z' && word_start)
            c = (unsigned char)(c - 'a' + 'A');
        else if (c >= 'A' && c <= 'Z' && !word_start)
            c = (unsigned char)(c - 'A' + 'a');
        out[i] = (char)c;
        word_start = c == '-';
    }
    out[len] = '\0';
    return 0;
}

int event_header_from_cgi(const char *var, size_t varlen, char *out, size_t outlen)
{
    if (varlen > 5 && memcmp(var, "HTTP_", 5) == 0)
        return canonical(var + 5, varlen - 5, 1, out, outlen);
    if ((varlen == 12 && memcmp(var, "CONTENT_TYPE", 12) == 0) ||
        (varlen == 14 && memcmp(var, "CONTENT_LENGTH", 14) == 0))
        return canonical(var, varlen, 1, out, outlen);
    return -1;
}

int event_canonical_header_name(const char *in, char *out, size_t outlen)
{
    return canonical(in, strlen(in), 0, out, outlen);
}
