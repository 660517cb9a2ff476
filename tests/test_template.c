/* Tests of the template module: exact numbers, case-insensitive headers,
 * escaping by mode, Jinja scoping, warnings, error positions and limits,
 * Unicode case and whitespace (template_unicode) and bytes that are not
 * UTF-8. (Jinja compatibility at large is tests/template_diff.py's job.) */
#include "json.h"
#include "template.h"
#include "template_unicode.h"

#include <CUnit/Basic.h>
#include <stdlib.h>
#include <string.h>

static const char seed[] =
    "{\"request\": {\"body\": {\"customer_email\": \"ann@example.com\", \"name\": \"A \\\"q\\\" "
    "\\\\ "
    "b\\nc\", \"big\": 9007199254740993, \"huge\": 1e400, \"tiny\": 0.1, "
    "\"products\": [{\"name\": \"Tea\", \"price\": 4.5}, {\"name\": \"Jam\", \"price\": 2}]}, "
    "\"headers\": {\"X-Request-Id\": \"r-1\"}}, "
    "\"nodes\": {\"send\": {\"headers\": {\"Retry-After\": \"5\"}}}}";

static struct template_error err;
static struct template_warnings warn;
static char *result;

/* Renders src against the seed data; returns the status, text in result. */
static int run_limits(const char *src, enum template_mode mode, const struct template_limits *lim)
{
    struct template *t = NULL;
    struct json_error jerr;
    struct buf out;
    cJSON *ctx = NULL;
    int rc;
    free(result);
    result = NULL;
    CU_ASSERT_FATAL(json_parse(seed, strlen(seed), 64, &ctx, &jerr) == 0);
    buf_init(&out, 8 * 1024 * 1024);
    rc = template_compile(src, strlen(src), &t, &err);
    if (rc == 0)
        rc = template_render(t, ctx, mode, lim, &out, &warn, &err);
    result = buf_take(&out);
    template_free(t);
    cJSON_Delete(ctx);
    return rc;
}

static int run(const char *src, enum template_mode mode)
{
    return run_limits(src, mode, NULL);
}

#define RENDERS(src, mode, want)                                                                   \
    do {                                                                                           \
        CU_ASSERT_EQUAL(run((src), (mode)), 0);                                                    \
        CU_ASSERT_STRING_EQUAL(result, (want));                                                    \
    } while (0)

static void template_should_print_numbers_with_their_exact_text(void)
{
    RENDERS("{{ request.body.big }} {{ request.body.huge }} {{ request.body.tiny }}", TEMPLATE_TEXT,
            "9007199254740993 1e400 0.1");
    RENDERS("{{ request.body.tiny + 0.2 }} {{ 7 / 2 }} {{ 1e16 }}", TEMPLATE_TEXT,
            "0.30000000000000004 3.5 1e+16");
    RENDERS("{{ request.body|tojson }}", TEMPLATE_TEXT,
            "{\"customer_email\":\"ann@example.com\",\"name\":\"A \\\"q\\\" \\\\ b\\nc\","
            "\"big\":9007199254740993,\"huge\":1e400,\"tiny\":0.1,\"products\":[{\"name\":\"Tea\","
            "\"price\":4.5},{\"name\":\"Jam\",\"price\":2}]}");
}

static void template_should_look_up_header_names_case_insensitively(void)
{
    RENDERS("{{ request.headers['x-request-id'] }}|{{ request.headers.X_Missing }}|"
            "{{ nodes.send.headers['retry-after'] }}",
            TEMPLATE_TEXT, "r-1||5");
    RENDERS("{{ request.body['Customer_Email'] }}", TEMPLATE_TEXT, ""); /* other objects: exact */
}

static void template_should_escape_values_by_mode(void)
{
    RENDERS("{\"n\": \"{{ request.body.name }}\"}", TEMPLATE_JSON,
            "{\"n\": \"A \\\"q\\\" \\\\ b\\nc\"}");
    RENDERS("{\"n\": {{ request.body.name|tojson }}}", TEMPLATE_JSON,
            "{\"n\": \"A \\\"q\\\" \\\\ b\\nc\"}");
    RENDERS("{{ '<\"x\">'|safe }}", TEMPLATE_JSON, "<\"x\">");
    RENDERS("http://h/?e={{ request.body.customer_email }}&s={{ 'a/b'|safe }}", TEMPLATE_URL,
            "http://h/?e=ann%40example.com&s=a/b");
    RENDERS("{{ 'a b/c'|urlencode }}", TEMPLATE_URL, "a%20b/c");
    RENDERS("Bearer {{ request.headers['X-Request-Id'] }}", TEMPLATE_HEADER, "Bearer r-1");
}

static void template_should_refuse_cr_and_lf_in_header_mode(void)
{
    CU_ASSERT_EQUAL(run("x{{ request.body.name }}", TEMPLATE_HEADER), TEMPLATE_ERENDER);
    CU_ASSERT_STRING_EQUAL(err.message, "line 1, column 2: header value contains CR or LF");
    CU_ASSERT_EQUAL(run("{{ request.body.name|safe }}", TEMPLATE_HEADER), TEMPLATE_ERENDER);
    CU_ASSERT_EQUAL(run("a\r\nb", TEMPLATE_HEADER), TEMPLATE_ERENDER);
}

static void template_should_keep_sets_inside_loops_local(void)
{
    RENDERS("{% set y = 0 %}{% for i in [1, 2, 3] %}[{{ y }}]{% set y = i %}{% endfor %}{{ y }}",
            TEMPLATE_TEXT, "[0][0][0]0");
    RENDERS("{% if 1 %}{% set w = 'v' %}{% endif %}{{ w }}", TEMPLATE_TEXT, "v");
    RENDERS("{% set x = 'a' %}{% set y = x %}{% set x = 'b' %}{{ y }}{{ x }}", TEMPLATE_TEXT, "ab");
}

static void template_should_render_loops_with_loop_variables(void)
{
    RENDERS("{% for p in request.body.products %}{{ loop.index }}/{{ loop.length }} {{ p.name }}"
            "{% if not loop.last %}, {% endif %}{% endfor %}",
            TEMPLATE_TEXT, "1/2 Tea, 2/2 Jam");
    RENDERS("{% for x in [] %}x{% else %}empty{% endfor %}", TEMPLATE_TEXT, "empty");
    RENDERS("{{ request.body.products|map(attribute='price')|sum }}", TEMPLATE_TEXT, "6.5");
    /* found by fuzz_template: a huge index in an attribute path */
    RENDERS("{{ request.body.products|map(attribute='55555555555555555555555')|list }}",
            TEMPLATE_TEXT, "[None, None]");
}

static void template_should_warn_about_undefined_values(void)
{
    RENDERS("[{{ request.body.nme }}][{{ request.body.nme }}][{{ x|default('d') }}]", TEMPLATE_TEXT,
            "[][][d]");
    CU_ASSERT_EQUAL(warn.count, 1);
    CU_ASSERT_STRING_EQUAL(warn.msg[0], "undefined: request.body.nme");
}

static void template_should_report_errors_with_line_and_column(void)
{
    CU_ASSERT_EQUAL(run("a\nb\n  {% for x in y %}\n{{ x }}", TEMPLATE_TEXT), TEMPLATE_ESYNTAX);
    CU_ASSERT_STRING_EQUAL(err.message, "line 4, column 8: unexpected end of template, "
                                        "expected 'endfor'");
    CU_ASSERT_EQUAL(err.line, 4);
    CU_ASSERT_EQUAL(run("ok\n{{ 1 +* 2 }}", TEMPLATE_TEXT), TEMPLATE_ESYNTAX);
    CU_ASSERT_STRING_EQUAL(err.message, "line 2, column 7: expected an expression, got *");
    CU_ASSERT_EQUAL(run("{{ 1 // 0 }}", TEMPLATE_TEXT), TEMPLATE_ERENDER);
    CU_ASSERT_EQUAL(err.column, 6);
    CU_ASSERT_EQUAL(run("{{ 'x'|nosuch }}", TEMPLATE_TEXT), TEMPLATE_ERENDER);
    CU_ASSERT_STRING_EQUAL(err.message, "line 1, column 7: no filter named 'nosuch'");
}

static void template_should_stop_at_its_limits(void)
{
    struct template_limits lim;
    char *deep = malloc(16384);
    template_limits_default(&lim);
    CU_ASSERT_EQUAL(run("{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}"
                        "{% endfor %}",
                        TEMPLATE_TEXT),
                    TEMPLATE_ELIMIT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "too many loop iterations (limit 100000)"));
    CU_ASSERT_EQUAL(run("{% for i in range(100000) %}{{ 'x' * 100 }}{% endfor %}", TEMPLATE_TEXT),
                    TEMPLATE_ELIMIT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "output too large"));
    /* doubling a string or a list (sets in a loop are loop-local, so unrolled) */
    strcpy(deep, "{% set s = 'ab' %}");
    for (int k = 0; k < 40; k++)
        strcat(deep, "{% set s = s ~ s %}");
    CU_ASSERT_EQUAL(run(deep, TEMPLATE_TEXT), TEMPLATE_ELIMIT);
    strcpy(deep, "{% set x = [1] %}");
    for (int k = 0; k < 60; k++)
        strcat(deep, "{% set x = [x, x] %}");
    CU_ASSERT_EQUAL(run(deep, TEMPLATE_TEXT), TEMPLATE_ELIMIT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "too much memory"));
    strcpy(deep, "{{ ");
    for (int k = 0; k < 500; k++)
        strcat(deep, "(");
    strcat(deep, "1");
    for (int k = 0; k < 500; k++)
        strcat(deep, ")");
    strcat(deep, " }}");
    CU_ASSERT_EQUAL(run(deep, TEMPLATE_TEXT), TEMPLATE_ESYNTAX);
    strcpy(deep, "{{ 1");
    for (int k = 0; k < 1000; k++)
        strcat(deep, "+1");
    strcat(deep, " }}");
    CU_ASSERT_EQUAL(run(deep, TEMPLATE_TEXT), TEMPLATE_ESYNTAX); /* a chain nests too */
    strcpy(deep, "{% if 0 %}");
    for (int k = 0; k < 500; k++)
        strcat(deep, "{% elif 0 %}");
    strcat(deep, "{% endif %}");
    CU_ASSERT_EQUAL(run(deep, TEMPLATE_TEXT), TEMPLATE_ESYNTAX);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "nested too deeply"));
    lim.max_output = 5;
    CU_ASSERT_EQUAL(run_limits("123456", TEMPLATE_TEXT, &lim), TEMPLATE_ELIMIT);
    free(deep);
}

/* Found by tests/fuzz/run -t template (a 10 s timeout): '' * n and [] * n
 * counted to n to append nothing, so a large n hung the render. Nothing
 * repeated is nothing at once; a list repeated past the output limit is
 * refused like a string. */
static void template_should_repeat_nothing_at_once(void)
{
    RENDERS("{{ ('' * 1000000000000000000) ~ 'x' }}", TEMPLATE_TEXT, "x");
    RENDERS("{{ ('a' | b64encode * 0 * 700245 * 35061245) ~ '|' }}", TEMPLATE_TEXT, "|");
    RENDERS("{{ ([] * 1000000000000000000) | length }}", TEMPLATE_TEXT, "0");
    RENDERS("{{ ([1, 2] * 3) | length }} {{ 'ab' * 2 }}", TEMPLATE_TEXT, "6 abab");
    CU_ASSERT_EQUAL(run("{{ ([1] * 1000000000000000000) | length }}", TEMPLATE_TEXT),
                    TEMPLATE_ELIMIT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "list too large"));
}

/* The evaluator keeps a call's arguments in a fixed array of 16: 17 once
 * wrote past it and freed stack memory (issue 11, item 1). */
static void template_should_refuse_calls_with_more_than_16_arguments(void)
{
    static const char *const over[] = {
        "{{ n(n,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1) }}",           /* the fuzzer's finding */
        "{{ 'x'|replace(1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1) }}", /* a filter */
        "{{ 'x' is in(1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1) }}",   /* a test */
        "{{ 'x'.upper(1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1) }}",   /* a method */
        "{% for a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q in [] %}{% endfor %}",
    };
    for (size_t k = 0; k < sizeof(over) / sizeof(over[0]); k++) {
        CU_ASSERT_EQUAL(run(over[k], TEMPLATE_TEXT), TEMPLATE_ESYNTAX); /* at compile time */
        CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "(limit 16)"));
        CU_ASSERT_EQUAL(err.line, 1);
    }
    /* 16 is still a call; an argument that fails frees the ones before it */
    CU_ASSERT_EQUAL(run("{{ range(1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1) }}", TEMPLATE_TEXT),
                    TEMPLATE_ERENDER);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "range() takes 1 to 3 arguments"));
    CU_ASSERT_EQUAL(run("{{ 'a'|replace('x' ~ 'y', [1, 2] ~ 'z', 1 // 0) }}", TEMPLATE_TEXT),
                    TEMPLATE_ERENDER);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "by zero"));
    RENDERS("{{ range(1, 2, 1)|list }}", TEMPLATE_TEXT, "[1]");
}

static void template_should_handle_whitespace_control_and_raw(void)
{
    RENDERS("a  {%- if 1 -%}  b  {%- endif -%}  c\n", TEMPLATE_TEXT, "abc");
    RENDERS("{% raw %}{{ x }}{% endraw %}{# note #}", TEMPLATE_TEXT, "{{ x }}");
}

/* upper, lower, capitalize, title and is upper/lower follow Python's str
 * methods, with libunistring's tables (issue 11, item 11). */
static void template_should_change_case_as_python_does(void)
{
    RENDERS("{{ 'zażółć gęślą jaźń'|upper }}|{{ 'ZAŻÓŁĆ'|lower }}", TEMPLATE_TEXT,
            "ZAŻÓŁĆ GĘŚLĄ JAŹŃ|zażółć");
    RENDERS("{{ 'straße'|upper }} {{ 'ß'.title() }} {{ 'ﬁnal'|capitalize }}", TEMPLATE_TEXT,
            "STRASSE Ss Final");
    RENDERS("{{ 'ΟΔΟΣ ΟΔΥΣΣΕΥΣ'|lower }} {{ 'Σ'|lower }} {{ 'ΣΑΣ'|capitalize }}", TEMPLATE_TEXT,
            "οδος οδυσσευς σ Σας");
    RENDERS("{{ 'İ'|lower }} {{ 'ı'|upper }}", TEMPLATE_TEXT, "i\xcc\x87 I");
    /* digraphs: titlecase is its own letter; Jinja's title filter uses upper() */
    RENDERS("{{ 'ǆemal'|capitalize }} {{ 'ǆemal'.title() }} {{ 'ǆemal'|title }}", TEMPLATE_TEXT,
            "ǅemal ǅemal Ǆemal");
    /* str.title() starts a word after any uncased character, the filter after space and -({[< */
    RENDERS("{{ \"they're bill's 1st\".title() }}|{{ \"they're bill's 1st\"|title }}",
            TEMPLATE_TEXT, "They'Re Bill'S 1St|They're Bill's 1st");
    RENDERS("{{ 'łukasz żółkiewski-óla'|title }}", TEMPLATE_TEXT, "Łukasz Żółkiewski-Óla");
    RENDERS("{{ 'ǅ' is upper }} {{ 'ǅ' is lower }} {{ 'ŁÓDŹ 2' is upper }} {{ 'łódź' is lower }} "
            "{{ '١٢' is lower }} {{ ['A'] is upper }}",
            TEMPLATE_TEXT, "False False True True False True");
    RENDERS("{{ ['émile', 'Zoë', 'Émile', 'zed', 'ÉMILE']|sort|join(',') }}|"
            "{{ ['Émile', 'émile', 'ÉMILE', 'Straße', 'STRASSE']|unique|join(',') }}",
            TEMPLATE_TEXT, "zed,Zoë,émile,Émile,ÉMILE|Émile,Straße,STRASSE");
}

static void template_should_treat_unicode_whitespace_as_python_does(void)
{
    RENDERS("[{{ '\\u00a0\\u2003 x y\\u3000\\u0085\\u2028\\x1c'|trim }}]", TEMPLATE_TEXT, "[x y]");
    RENDERS("[{{ '\\u200bx'|trim }}]", TEMPLATE_TEXT, "[\xe2\x80\x8bx]"); /* U+200B: not space */
    RENDERS("{{ 'a\\u00a0b\\u3000c\\u200bd\\u2028e'|split|join('|') }}", TEMPLATE_TEXT,
            "a|b|c\xe2\x80\x8b"
            "d|e");
    RENDERS("[{{ ' a  b  '|split(none, 1)|join('|') }}]", TEMPLATE_TEXT, "[a|b  ]");
    RENDERS("{{ 'ćxą'|trim('ą') }} {{ 'żółw'|replace('', '-') }}", TEMPLATE_TEXT, "ćx -ż-ó-ł-w-");
    /* the lexer too: whitespace control and the space between tokens */
    RENDERS("a\xc2\xa0\xe2\x80\x83{{- 1 -}}\xe3\x80\x80"
            "b{{\xc2\xa0'c'\xe2\x80\xa8}}",
            TEMPLATE_TEXT, "a1bc");
    RENDERS("{{ '\\u0664\\u0662'|int + 1 }} {{ '\\u00a042\\u2003'|int }} {{ '4\\u00bd'|int(7) }}",
            TEMPLATE_TEXT, "43 42 7");
}

/* A template literal or a JSON body may hold bytes that are not UTF-8:
 * each is an uncased character of its own, copied as it is. */
static void template_should_pass_invalid_utf8_through_string_filters(void)
{
    static const char nasty[] = "a\xff\xce\xce\xa3"
                                "b\xed\xa0\x80\xf4\x90\x80\x80\xc0\xaf"
                                "\xcd\x85\xce\xa3'\xe2\x80\xa8\xce";
    struct buf b;
    RENDERS("{{ 'a\xff\xce\xce\xa3"
            "b\xce'|upper }}",
            TEMPLATE_TEXT,
            "A\xff\xce\xce\xa3"
            "B\xce");
    RENDERS("{{ '\xce\xa3\xce\xa3\xff\xce\xa3'|lower }}", TEMPLATE_TEXT,
            "\xcf\x83\xcf\x82\xff\xcf\x83"); /* the sigma before the bad byte is final */
    RENDERS("{{ 'x\xffy z'.title() }}|{{ 'x\xffy z'|title }}|{{ '\xff"
            "AB'|capitalize }}",
            TEMPLATE_TEXT,
            "X\xffY Z|X\xffy Z|\xff"
            "ab");
    RENDERS("[{{ ' \xa0x\xc2 '|trim }}]{{ '\xa0 \xc2\xa0\xe3'|split|length }}", TEMPLATE_TEXT,
            "[\xa0x\xc2]2");
    RENDERS("{{ '\xff' is lower }}{{ 'a\xff' is lower }}", TEMPLATE_TEXT, "FalseTrue");
    RENDERS("a\xc2{{- 1 -}}\xa0"
            "b",
            TEMPLATE_TEXT,
            "a\xc2"
            "1\xa0"
            "b"); /* not whitespace */
    CU_ASSERT_EQUAL(run("{{\xff 1 }}", TEMPLATE_TEXT), TEMPLATE_ESYNTAX);
    /* every prefix of nasty, in every mode: no crash, no read past the end */
    for (size_t n = 0; n <= sizeof(nasty) - 1; n++) {
        for (int mode = TPL_U_UPPER; mode <= TPL_U_JINJA_TITLE; mode++) {
            char *copy = malloc(n + 1); /* exactly n bytes for ASan, plus a NUL nobody reads */
            memcpy(copy, nasty, n);
            buf_init(&b, 1024);
            CU_ASSERT_EQUAL(tpl_u_case(mode, copy, n, &b), 0);
            CU_ASSERT(n < 2 || memchr(b.data, 0xff, b.len) != NULL); /* kept as it was */
            buf_free(&b);
            (void)tpl_u_is_cased(copy, n, mode & 1);
            CU_ASSERT(n == 0 || (tpl_u_char_back(copy, n) >= 1 && tpl_u_char_len(copy, n) >= 1));
            CU_ASSERT(tpl_u_space(copy, n) <= n && tpl_u_space_back(copy, n) <= n);
            free(copy);
        }
    }
}

/* Case changes can grow a string ('ß' -> "SS", 'ΐ' -> three characters):
 * the output limit holds, and the work stays linear in the input. */
static void template_should_bound_case_changes(void)
{
    struct template_limits lim;
    struct buf b;
    char *big = malloc(300001);
    template_limits_default(&lim);
    lim.max_output = 9;
    CU_ASSERT_EQUAL(run_limits("{{ 'ßßßßß'|upper }}", TEMPLATE_TEXT, &lim), TEMPLATE_ELIMIT);
    buf_init(&b, 5);
    CU_ASSERT_EQUAL(tpl_u_case(TPL_U_UPPER, "\xce\x90\xce\x90", 4, &b), BUF_TOOBIG);
    buf_free(&b);
    /* U+0316 U+0345 U+0316 ...: case-ignorable, some cased, no starter; and sigmas among
       apostrophes: each lowercased run must not rescan the string */
    for (size_t k = 0; k + 6 <= 300000; k += 6)
        memcpy(big + k, k % 12 ? "\xcc\x96\xcd\x85\xcc\x96" : "\xce\xa3'\xce\xa3''", 6);
    buf_init(&b, 4 * 300000);
    for (int mode = TPL_U_UPPER; mode <= TPL_U_JINJA_TITLE; mode++) {
        buf_reset(&b);
        CU_ASSERT_EQUAL(tpl_u_case(mode, big, 300000, &b), 0);
    }
    buf_free(&b);
    free(big);
}

int main(void)
{
    CU_pSuite s;
    unsigned failures;
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("template", NULL, NULL);
    CU_add_test(s, "template_should_print_numbers_with_their_exact_text",
                template_should_print_numbers_with_their_exact_text);
    CU_add_test(s, "template_should_look_up_header_names_case_insensitively",
                template_should_look_up_header_names_case_insensitively);
    CU_add_test(s, "template_should_escape_values_by_mode", template_should_escape_values_by_mode);
    CU_add_test(s, "template_should_refuse_cr_and_lf_in_header_mode",
                template_should_refuse_cr_and_lf_in_header_mode);
    CU_add_test(s, "template_should_keep_sets_inside_loops_local",
                template_should_keep_sets_inside_loops_local);
    CU_add_test(s, "template_should_render_loops_with_loop_variables",
                template_should_render_loops_with_loop_variables);
    CU_add_test(s, "template_should_warn_about_undefined_values",
                template_should_warn_about_undefined_values);
    CU_add_test(s, "template_should_report_errors_with_line_and_column",
                template_should_report_errors_with_line_and_column);
    CU_add_test(s, "template_should_stop_at_its_limits", template_should_stop_at_its_limits);
    CU_add_test(s, "template_should_repeat_nothing_at_once",
                template_should_repeat_nothing_at_once);
    CU_add_test(s, "template_should_refuse_calls_with_more_than_16_arguments",
                template_should_refuse_calls_with_more_than_16_arguments);
    CU_add_test(s, "template_should_handle_whitespace_control_and_raw",
                template_should_handle_whitespace_control_and_raw);
    CU_add_test(s, "template_should_change_case_as_python_does",
                template_should_change_case_as_python_does);
    CU_add_test(s, "template_should_treat_unicode_whitespace_as_python_does",
                template_should_treat_unicode_whitespace_as_python_does);
    CU_add_test(s, "template_should_pass_invalid_utf8_through_string_filters",
                template_should_pass_invalid_utf8_through_string_filters);
    CU_add_test(s, "template_should_bound_case_changes", template_should_bound_case_changes);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failures = CU_get_number_of_failures();
    CU_cleanup_registry();
    free(result);
    return failures != 0;
}
