/* ctl: option parsing, exit codes and output helpers shared by the
 * commands of incomingctl (see include/ctl.h). */
#include "ctl.h"

#include "buf.h"
#include "json.h"
#include "numparse.h"
#include "uuid.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define VALUE_MAX 200 /* longer values are cut in the human table */

int ctl_fail(const char *fmt, ...)
{
    va_list ap;

    fputs("incomingctl: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CTL_USER;
}

int ctl_usage(const char *fmt, ...)
{
    va_list ap;

    fputs("incomingctl: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (see 'incomingctl help')\n", stderr);
    return CTL_USAGE;
}

/* Finds the option called name (without "--"); its text may end at '='. */
static const struct ctl_opt *find_opt(const struct ctl_opt *opts, const char *arg, size_t len)
{
    for (; opts && opts->name; opts++)
        if (strlen(opts->name) == len && strncmp(opts->name, arg, len) == 0)
            return opts;
    return NULL;
}

int ctl_parse(struct ctl *c, const char *cmd, int argc, char **argv, const struct ctl_opt *opts,
              char **pos, int minpos, int maxpos, int *npos)
{
    int only_pos = 0;

    *npos = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const struct ctl_opt *o;
        const char *eq;

        if (only_pos || a[0] != '-' || a[1] == '\0') {
            if (*npos == maxpos)
                return ctl_usage("%s: unexpected argument '%s'", cmd, a);
            pos[(*npos)++] = argv[i];
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (strcmp(a, "--json") == 0) {
            c->json = 1;
            continue;
        }
        eq = strchr(a, '=');
        o = strncmp(a, "--", 2) == 0
                ? find_opt(opts, a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2))
                : NULL;
        if (o == NULL)
            return ctl_usage("%s: unknown option '%s'", cmd, a);
        if (o->flag) {
            if (eq)
                return ctl_usage("%s: option --%s takes no value", cmd, o->name);
            *o->flag = 1;
        } else if (eq) {
            *o->value = eq + 1;
        } else if (i + 1 < argc) {
            *o->value = argv[++i];
        } else {
            return ctl_usage("%s: option --%s needs a value", cmd, o->name);
        }
    }
    if (*npos < minpos)
        return ctl_usage("%s: missing argument", cmd);
    return CTL_OK;
}

int ctl_parse_id(const char *what, const char *arg, char out[37])
{
    if (uuid_parse(arg, strlen(arg), out) != 0)
        return ctl_usage("%s '%.60s' is not a UUID", what, arg);
    return CTL_OK;
}

int ctl_parse_num(const char *what, const char *arg, long long min, long long max, long long *out)
{
    const char *errstr = NULL;

    if (num_parse_ll(arg, min, max, out, &errstr) != 0)
        return ctl_usage("%s '%.40s': %s (expected %lld..%lld)", what, arg, errstr, min, max);
    return CTL_OK;
}

int ctl_store(struct ctl *c, int create)
{
    char err[1024];
    int rc;

    if (c->store)
        return CTL_OK;
    rc = store_open(&c->cfg, create ? STORE_CREATE : 0, &c->store, err, sizeof(err));
    if (rc != STORE_OK)
        return ctl_fail("%s", err);
    return CTL_OK;
}

int ctl_print_json(const cJSON *doc)
{
    struct buf out;
    int rc;

    buf_init(&out, (size_t)1 << 30);
    rc = json_print_pretty(doc, &out);
    if (rc == BUF_OK) {
        fwrite(out.data, 1, out.len, stdout);
        fputc('\n', stdout);
    }
    buf_free(&out);
    if (rc != BUF_OK)
        return ctl_fail("cannot print the result: out of memory");
    return fflush(stdout) == 0 ? CTL_OK : ctl_fail("cannot write the result");
}

int ctl_print_page(cJSON *items, const char *next)
{
    cJSON *page = cJSON_CreateObject();
    int rc;

    if (page == NULL)
        return ctl_fail("out of memory");
    cJSON_AddItemReferenceToObject(page, "items", items);
    if (next && *next)
        cJSON_AddStringToObject(page, "next", next);
    rc = ctl_print_json(page);
    cJSON_Delete(page);
    return rc;
}

void ctl_format_time(long long ms, char *out, size_t outlen)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    char day[32];

    if (ms < 0 || gmtime_r(&secs, &tm) == NULL) {
        snprintf(out, outlen, "%lld", ms);
        return;
    }
    strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, outlen, "%s.%03dZ", day, (int)(ms % 1000));
}

void ctl_print_flat_table(const cJSON *flat)
{
    const cJSON *it;
    int width = 3;

    cJSON_ArrayForEach(it, flat)
    {
        const char *key = json_get_string(it, "key");
        int len = key ? (int)strlen(key) : 0;
        if (len > width)
            width = len > 60 ? 60 : len;
    }
    printf("%-*s  %-7s  %s\n", width, "KEY", "TYPE", "VALUE");
    cJSON_ArrayForEach(it, flat)
    {
        const char *key = json_get_string(it, "key"), *type = json_get_string(it, "type");
        char *value = json_to_string(json_get(it, "value"));
        size_t len = value ? strlen(value) : 0;
        printf("%-*s  %-7s  %.*s%s\n", width, key ? key : "", type ? type : "", VALUE_MAX,
               value ? value : "", len > VALUE_MAX ? "..." : "");
        cJSON_free(value);
    }
}

int ctl_read_input(const char *what, const char *path, struct buf *out)
{
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    char chunk[8192];
    size_t n;
    int rc = CTL_OK;

    if (f == NULL)
        return ctl_fail("%s: cannot open %s: %s", what, path, strerror(errno));
    while (rc == CTL_OK && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (buf_append(out, chunk, n) != BUF_OK)
            rc = ctl_fail("%s: %s is larger than %zu bytes", what,
                          is_stdin ? "standard input" : path, out->limit);
    if (rc == CTL_OK && ferror(f))
        rc = ctl_fail("%s: cannot read %s: %s", what, is_stdin ? "standard input" : path,
                      strerror(errno));
    if (!is_stdin)
        fclose(f);
    return rc;
}

#define CTL_PAGE_MAX 500

/* Output of a list printed page by page: memory holds one page at a time,
 * whatever the size of the collection. */
struct list_out {
    int json;
    int count; /* items printed so far */
    const char *header;
    ctl_row_fn row;
};

/* Prints one page's items (borrowed). Returns CTL_OK or CTL_USER. */
static int list_out_items(struct list_out *o, const cJSON *items)
{
    const cJSON *it;
    struct buf b;
    int rc = BUF_OK;

    if (!o->json) {
        cJSON_ArrayForEach(it, items) o->row(it);
        return CTL_OK;
    }
    buf_init(&b, (size_t)1 << 30);
    cJSON_ArrayForEach(it, items)
    {
        buf_reset(&b);
        rc = buf_puts(&b, o->count++ ? ",\n    " : "\n    ");
        if (rc == BUF_OK)
            rc = json_print_pretty_at(it, 2, &b);
        if (rc != BUF_OK)
            break;
        fwrite(b.data, 1, b.len, stdout);
    }
    buf_free(&b);
    return rc == BUF_OK ? CTL_OK : ctl_fail("cannot print the result: out of memory");
}

static void list_out_begin(struct list_out *o)
{
    if (o->json)
        fputs("{\n  \"items\": [", stdout);
    else
        printf("%s\n", o->header);
}

/* Closes the list; next (may be "") is the cursor of the following page. */
static int list_out_end(struct list_out *o, const char *next)
{
    struct buf b;
    int rc = BUF_OK;

    if (!o->json) {
        if (next[0])
            printf("more: --cursor %s\n", next);
    } else {
        fputs(o->count ? "\n  ]" : "]", stdout);
        if (next[0]) {
            buf_init(&b, 1024);
            rc = json_print_string(next, strlen(next), &b);
            if (rc == BUF_OK)
                printf(",\n  \"next\": %s", b.data);
            buf_free(&b);
        }
        fputs("\n}\n", stdout);
    }
    if (rc != BUF_OK)
        return ctl_fail("cannot print the result: out of memory");
    return fflush(stdout) == 0 ? CTL_OK : ctl_fail("cannot write the result");
}

/* Pages through the collection from cursor (one page when one_page is set)
 * and prints each page as it arrives. The cursor handed to page() and the
 * next one it writes are different buffers: page() clears its next before
 * it reads its cursor, so one buffer for both restarted the listing from the
 * first page forever (issue 11). A page that does not move the cursor
 * stops the listing with an error rather than looping. */
static int list_pages(struct ctl *c, const char *cmd, ctl_page_fn page, const char *cursor,
                      int limit, int one_page, struct list_out *o)
{
    char cur[64], next[64] = "";
    cJSON *items;
    int rc = CTL_OK;

    snprintf(cur, sizeof(cur), "%s", cursor ? cursor : "");
    list_out_begin(o);
    for (;;) {
        items = NULL;
        if (page(c, cur, limit, &items, next) != 0) {
            cJSON_Delete(items);
            return ctl_fail("%s: cannot read from %s", cmd, c->cfg.data_dir);
        }
        rc = list_out_items(o, items);
        cJSON_Delete(items);
        if (rc != CTL_OK || one_page || next[0] == '\0')
            break;
        if (strcmp(next, cur) == 0)
            return ctl_fail("%s: the listing does not move past %s", cmd, cur);
        memcpy(cur, next, sizeof(cur));
        next[0] = '\0';
    }
    if (rc == CTL_OK)
        rc = list_out_end(o, one_page ? next : "");
    return rc;
}

int ctl_list(struct ctl *c, const char *cmd, int argc, char **argv, ctl_page_fn page,
             const char *header, ctl_row_fn row)
{
    const char *limit_s = NULL, *cursor = NULL;
    const struct ctl_opt opts[] = {
        {"limit", &limit_s, NULL}, {"cursor", &cursor, NULL}, {NULL, NULL, NULL}};
    char *pos[1], key[37];
    long long limit = CTL_PAGE_MAX;
    struct list_out o = {0};
    int n, rc;

    rc = ctl_parse(c, cmd, argc, argv, opts, pos, 0, 0, &n);
    if (rc == CTL_OK && limit_s)
        rc = ctl_parse_num("--limit", limit_s, 1, CTL_PAGE_MAX, &limit);
    if (rc == CTL_OK && cursor && *cursor)
        rc = ctl_parse_id("--cursor", cursor, key);
    if (rc == CTL_OK)
        rc = ctl_store(c, 0);
    if (rc != CTL_OK)
        return rc;
    o.json = c->json;
    o.header = header;
    o.row = row;
    return list_pages(c, cmd, page, cursor && *cursor ? key : NULL, (int)limit, limit_s != NULL,
                      &o);
}
