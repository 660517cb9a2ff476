/* template_filters_list: Jinja's filters over sequences (sort, unique, map,
 * select/reject, selectattr/rejectattr, sum, min, max, list, reverse), with
 * Jinja's defaults: case-insensitive sort/unique/min/max for strings, stable
 * sort, first occurrence kept by unique. Results are new lists holding
 * copies, so they stay valid whatever happens to their source. */
#include "template_internal.h"

#include <stdlib.h>
#include <string.h>

static int list_add(struct tpl_render *r, const struct tpl_node *n, cJSON *list, struct tval item)
{
    cJSON *j;
    item.flags |= TVF_MORTAL;
    item.flags &= ~TVF_OWNED;
    if ((j = tv_take_json(r, n, &item)) == NULL)
        return tpl_status(r);
    cJSON_AddItemToArray(list, j);
    return 0;
}

/* Items of v into a malloc'd array of borrowed values (and keys: the
 * attribute's value when attr is given, else the item). */
static int collect(struct tpl_render *r, const struct tpl_node *n, const struct tval *v,
                   const struct tval *attr, struct tval **items, struct tval **keys, long *count)
{
    struct tv_iter it;
    long len = tv_length(v), k = 0;
    int rc = 0;
    *items = *keys = NULL;
    *count = 0;
    if (tv_iter_begin(v, &it) != 0 || len < 0)
        return tpl_fail(r, n, TEMPLATE_ERENDER, "'%s' object is not iterable", tv_type_name(v));
    *items = calloc((size_t)len + 1, sizeof(**items));
    *keys = calloc((size_t)len + 1, sizeof(**keys));
    if (*items == NULL || *keys == NULL)
        return tpl_fail(r, n, TEMPLATE_ENOMEM, "out of memory");
    while (rc == 0 && k < len && tv_iter_next(&it, &(*items)[k]) == 1) {
        if (attr != NULL && attr->kind != TV_NONE)
            rc = tpl_get_path(r, n, &(*items)[k], attr, &(*keys)[k]);
        else
            (*keys)[k] = (*items)[k];
        k++;
    }
    *count = k;
    return rc;
}

struct sorter {
    struct tpl_render *r;
    const struct tpl_node *n;
    const struct tval *keys;
    int icase, reverse, rc;
};

static int key_cmp(struct sorter *s, long a, long b)
{
    int c = 0;
    if (s->rc == 0)
        s->rc = tv_compare(s->r, s->n, &s->keys[a], &s->keys[b], s->icase, &c);
    return s->reverse ? -c : c;
}

/* Stable merge sort of the index array idx[0..n) by key. */
static void merge_sort(struct sorter *s, long *idx, long *tmp, long n)
{
    long mid = n / 2, i = 0, j = mid, k = 0;
    if (n < 2)
        return;
    merge_sort(s, idx, tmp, mid);
    merge_sort(s, idx + mid, tmp, n - mid);
    while (i < mid && j < n)
        tmp[k++] = key_cmp(s, idx[j], idx[i]) < 0 ? idx[j++] : idx[i++];
    while (i < mid)
        tmp[k++] = idx[i++];
    while (j < n)
        tmp[k++] = idx[j++];
    memcpy(idx, tmp, (size_t)n * sizeof(*idx));
}

static int truthy_arg(const struct tval *v)
{
    return v != NULL && tv_truthy(v);
}

/* sort, unique, min, max */
static int f_ordered(struct tpl_render *r, const struct tpl_node *n, struct tval *val,
                     struct tval *args, int nargs, struct tval *out)
{
    int is_sort = n->s[0] == 's', is_unique = n->s[0] == 'u';
    struct tval *rev = is_sort ? tpl_arg(n, args, nargs, 0, "reverse") : NULL;
    struct tval *cs = tpl_arg(n, args, nargs, is_sort ? 1 : 0, "case_sensitive");
    struct tval *attr = tpl_arg(n, args, nargs, is_sort ? 2 : 1, "attribute");
    struct sorter s = {r, n, NULL, !truthy_arg(cs), truthy_arg(rev), 0};
    struct tval *items = NULL, *keys = NULL;
    long count = 0, *idx = NULL, *tmp = NULL, k, kept = 0;
    cJSON *list = NULL;
    int rc = collect(r, n, val, attr, &items, &keys, &count);
    s.keys = keys;
    if (rc == 0 && ((idx = calloc((size_t)count + 1, sizeof(*idx))) == NULL ||
                    (tmp = calloc((size_t)count + 1, sizeof(*tmp))) == NULL))
        rc = tpl_fail(r, n, TEMPLATE_ENOMEM, "out of memory");
    for (k = 0; rc == 0 && k < count; k++)
        idx[k] = k;
    if (rc == 0 && is_unique) {
        for (k = 0; rc == 0 && k < count; k++) {
            int dup = 0;
            for (long q = 0; rc == 0 && !dup && q < kept; q++) {
                const struct tval *a = &keys[idx[q]], *b = &keys[k];
                int c = 1;
                if (s.icase && a->kind == TV_STR && b->kind == TV_STR)
                    rc = tv_compare(r, n, a, b, 1, &c), dup = c == 0;
                else
                    rc = tv_equal(r, n, a, b, &dup);
            }
            if (!dup)
                idx[kept++] = k;
        }
        count = kept;
    } else if (rc == 0) {
        merge_sort(&s, idx, tmp, count);
        rc = s.rc;
    }
    if (rc == 0 && !is_sort && !is_unique) { /* min / max */
        memset(out, 0, sizeof(*out));
        if (count == 0)
            out->src = n;
        else
            *out = items[n->s[1] == 'i' ? idx[0] : idx[count - 1]];
        if (n->s[1] == 'a' && count > 0) /* max: the first of the largest */
            for (k = count - 1; k > 0 && key_cmp(&s, idx[k - 1], idx[count - 1]) == 0; k--)
                *out = items[idx[k - 1]];
        if (val->flags & TVF_OWNED) {
            out->flags |= TVF_MORTAL;
            rc = tv_detach(r, n, out);
        }
    } else if (rc == 0 && (rc = tpl_new_list(r, n, &list)) == 0) {
        for (k = 0; rc == 0 && k < count; k++)
            rc = list_add(r, n, list, items[idx[k]]);
        rc = tpl_list_result(list, rc, out);
    }
    free(items);
    free(keys);
    free(idx);
    free(tmp);
    return rc;
}

/* Runs the test (name in tname, NULL: truthiness) on v with extra args. */
static int run_test(struct tpl_render *r, const struct tpl_node *n, const struct tval *tname,
                    struct tval *v, struct tval *args, int nargs, int *res)
{
    char name[64];
    if (tname == NULL) {
        *res = tv_truthy(v);
        return 0;
    }
    if (tname->kind != TV_STR || tname->len >= sizeof(name))
        return tpl_fail(r, n, TEMPLATE_ERENDER, "test name must be a string");
    memcpy(name, tname->s, tname->len);
    name[tname->len] = '\0';
    return tpl_test(r, n, name, v, args, nargs, res);
}

/* select, reject, selectattr, rejectattr */
static int f_select(struct tpl_render *r, const struct tpl_node *n, struct tval *val,
                    struct tval *args, int nargs, struct tval *out)
{
    int by_attr = strstr(n->s, "attr") != NULL, want = n->s[0] == 's';
    int first = by_attr ? 1 : 0, rc;
    struct tval *attr = by_attr ? tpl_arg(n, args, nargs, 0, NULL) : NULL;
    struct tval *tname = tpl_arg(n, args, nargs, first, NULL);
    struct tv_iter it;
    struct tval item, key;
    cJSON *list;
    if (by_attr && attr == NULL)
        return tpl_fail(r, n, TEMPLATE_ERENDER, "%s needs an attribute", n->s);
    if (tv_iter_begin(val, &it) != 0)
        return tpl_fail(r, n, TEMPLATE_ERENDER, "'%s' object is not iterable", tv_type_name(val));
    if ((rc = tpl_new_list(r, n, &list)) != 0)
        return rc;
    while (rc == 0 && tv_iter_next(&it, &item) == 1) {
        int res = 0, extra = nargs - first - 1;
        key = item;
        if (by_attr)
            rc = tpl_get_path(r, n, &item, attr, &key);
        if (rc == 0)
            rc = run_test(r, n, tname, &key, args + first + 1, extra > 0 ? extra : 0, &res);
        if (rc == 0 && res == want)
            rc = list_add(r, n, list, item);
    }
    return tpl_list_result(list, rc, out);
}

static int f_map(struct tpl_render *r, const struct tpl_node *n, struct tval *val,
                 struct tval *args, int nargs, struct tval *out)
{
    struct tval *attr = tpl_arg(n, args, nargs, -1, "attribute");
    struct tval *def = tpl_arg(n, args, nargs, -1, "default");
    struct tval *fname = tpl_arg(n, args, nargs, 0, NULL);
    struct tpl_node fake = *n;
    struct tv_iter it;
    struct tval item, res;
    char name[64];
    cJSON *list;
    int rc;
    if (attr == NULL && (fname == NULL || fname->kind != TV_STR || fname->len >= sizeof(name)))
        return tpl_fail(r, n, TEMPLATE_ERENDER, "map needs attribute= or a filter name");
    if (attr == NULL) {
        memcpy(name, fname->s, fname->len);
        name[fname->len] = '\0';
        fake.s = name;
        fake.kwnames = n->kwnames + 1;
    }
    if (tv_iter_begin(val, &it) != 0)
        return tpl_fail(r, n, TEMPLATE_ERENDER, "'%s' object is not iterable", tv_type_name(val));
    if ((rc = tpl_new_list(r, n, &list)) != 0)
        return rc;
    while (rc == 0 && tv_iter_next(&it, &item) == 1) {
        if (attr != NULL) {
            rc = tpl_get_path(r, n, &item, attr, &res);
            if (rc == 0 && res.kind == TV_UNDEF && def != NULL)
                res = *def;
            if (rc == 0)
                rc = list_add(r, n, list, res);
            continue;
        }
        item.flags |= TVF_MORTAL;
        if ((rc = tpl_filter(r, &fake, &item, args + 1, nargs - 1, &res)) == 0) {
            res.flags |= (res.flags & TVF_OWNED) ? 0 : TVF_MORTAL;
            cJSON *j = tv_take_json(r, n, &res);
            if (j == NULL)
                rc = tpl_status(r);
            else
                cJSON_AddItemToArray(list, j);
        }
    }
    return tpl_list_result(list, rc, out);
}

static int f_sum(struct tpl_render *r, const struct tpl_node *n, struct tval *val,
                 struct tval *args, int nargs, struct tval *out)
{
    struct tval *attr = tpl_arg(n, args, nargs, 0, "attribute");
    struct tval *start = tpl_arg(n, args, nargs, 1, "start");
    struct tv_iter it;
    struct tval item, acc, next;
    int rc = 0;
    if (tv_iter_begin(val, &it) != 0)
        return tpl_fail(r, n, TEMPLATE_ERENDER, "'%s' object is not iterable", tv_type_name(val));
    if (start != NULL) {
        acc = *start;
        acc.flags &= ~TVF_OWNED;
    } else {
        tv_int(0, &acc);
    }
    while (rc == 0 && tv_iter_next(&it, &item) == 1) {
        if (attr != NULL && attr->kind != TV_NONE && (rc = tpl_get_path(r, n, &item, attr, &item)))
            break;
        if ((rc = tpl_arith(r, n, OP_ADD, &acc, &item, &next)) == 0) {
            tv_free(&acc);
            acc = next;
        }
    }
    if (rc != 0) {
        tv_free(&acc);
        return rc;
    }
    if (!(acc.flags & TVF_OWNED) && (acc.kind == TV_LIST || acc.kind == TV_STR)) {
        acc.flags |= TVF_MORTAL;
        if ((rc = tv_detach(r, n, &acc)) != 0)
            return rc;
    }
    *out = acc;
    return 0;
}

/* list and reverse */
static int f_list(struct tpl_render *r, const struct tpl_node *n, struct tval *val,
                  struct tval *out)
{
    struct tval *items = NULL, *keys = NULL;
    long count = 0, k;
    cJSON *list = NULL;
    int rc, rev = n->s[0] == 'r';
    if (rev && val->kind == TV_STR) {
        struct buf b;
        buf_init(&b, r->max_output);
        rc = collect(r, n, val, NULL, &items, &keys, &count);
        for (k = count - 1; rc == 0 && k >= 0; k--)
            rc = buf_append(&b, items[k].s, items[k].len) == 0 ? 0 : TEMPLATE_ENOMEM;
        rc = rc == 0 ? tv_str_own(r, n, &b, out) : rc;
        buf_free(&b);
        free(items);
        free(keys);
        return rc;
    }
    rc = collect(r, n, val, NULL, &items, &keys, &count);
    if (rc == 0 && (rc = tpl_new_list(r, n, &list)) == 0) {
        for (k = 0; rc == 0 && k < count; k++)
            rc = list_add(r, n, list, items[rev ? count - 1 - k : k]);
        rc = tpl_list_result(list, rc, out);
    }
    free(items);
    free(keys);
    return rc;
}

int tpl_filter_list(struct tpl_render *r, const struct tpl_node *n, struct tval *val,
                    struct tval *args, int nargs, struct tval *out)
{
    const char *f = n->s;
    memset(out, 0, sizeof(*out));
    if (!strcmp(f, "sort") || !strcmp(f, "unique") || !strcmp(f, "min") || !strcmp(f, "max"))
        return f_ordered(r, n, val, args, nargs, out);
    if (!strcmp(f, "select") || !strcmp(f, "reject") || !strcmp(f, "selectattr") ||
        !strcmp(f, "rejectattr"))
        return f_select(r, n, val, args, nargs, out);
    if (!strcmp(f, "map"))
        return f_map(r, n, val, args, nargs, out);
    if (!strcmp(f, "sum"))
        return f_sum(r, n, val, args, nargs, out);
    if (!strcmp(f, "list") || !strcmp(f, "reverse"))
        return f_list(r, n, val, out);
    return tpl_fail(r, n, TEMPLATE_ERENDER, "no filter named '%s'", f);
}
