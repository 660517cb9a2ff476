/* template_bench: renders one template N times against one JSON context
 * with the C engine (compiled once) and prints renders per second.
 *   template_bench TEMPLATE_FILE DATA_FILE N [MODE]
 * Output: "c renders=N seconds=S per_sec=R bytes=B". Used by tests/bench/template. */
#include "json.h"
#include "template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *p;
    long n;
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
        perror(path);
        exit(2);
    }
    rewind(f);
    p = malloc((size_t)n + 1);
    if (p == NULL || fread(p, 1, (size_t)n, f) != (size_t)n)
        exit(2);
    fclose(f);
    p[n] = '\0';
    *len = (size_t)n;
    return p;
}

int main(int argc, char **argv)
{
    struct template *t = NULL;
    struct template_error err;
    struct json_error jerr;
    enum template_mode mode = TEMPLATE_JSON;
    struct timespec a, b;
    struct buf out;
    cJSON *ctx = NULL;
    size_t tlen, dlen, bytes = 0;
    char *tpl, *data;
    long n, k;
    double secs;
    if (argc < 4) {
        fprintf(stderr, "usage: %s TEMPLATE DATA N [text|json|url|header]\n", argv[0]);
        return 2;
    }
    tpl = slurp(argv[1], &tlen);
    data = slurp(argv[2], &dlen);
    n = atol(argv[3]);
    if (argc > 4 && template_mode_parse(argv[4], &mode) != 0)
        return 2;
    if (json_parse(data, dlen, 64, &ctx, &jerr) != 0) {
        fprintf(stderr, "%s\n", jerr.message);
        return 2;
    }
    if (template_compile(tpl, tlen, &t, &err) != 0) {
        fprintf(stderr, "%s\n", err.message);
        return 2;
    }
    buf_init(&out, TEMPLATE_MAX_OUTPUT);
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (k = 0; k < n; k++) {
        buf_reset(&out);
        if (template_render(t, ctx, mode, NULL, &out, NULL, &err) != 0) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
        bytes = out.len;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    printf("c renders=%ld seconds=%.3f per_sec=%.0f bytes=%zu\n", n, secs, (double)n / secs, bytes);
    if (getenv("BENCH_SHOW") != NULL)
        fprintf(stderr, "%s\n", buf_str(&out));
    buf_free(&out);
    template_free(t);
    cJSON_Delete(ctx);
    free(tpl);
    free(data);
    return 0;
}
