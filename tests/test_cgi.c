/* Tests of the cgi module: the body is read from fd 0 up to CONTENT_LENGTH
 * (or to its end), the answer reaches fd 1 in full and fd 1 is closed by
 * the finish, a body left unread is drained, and the scrub removes a request's variables and
 * nothing else. fds 0 and 1 are swapped for pipes and restored around each test. */
#include "cgi.h"

#include <CUnit/Basic.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Puts the read end of a pipe holding text on fd 0; returns the saved fd 0. */
static int stdin_from(const char *text)
{
    int p[2], saved = dup(STDIN_FILENO);

    CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
    CU_ASSERT_EQUAL(write(p[1], text, strlen(text)), (ssize_t)strlen(text));
    close(p[1]);
    dup2(p[0], STDIN_FILENO);
    close(p[0]);
    return saved;
}

static void restore(int saved, int fd)
{
    dup2(saved, fd);
    close(saved);
}

static void cgi_request_should_read_no_more_than_content_length(void)
{
    static struct cgi_request c;
    char *envp[] = {"CONTENT_LENGTH=5", "REQUEST_METHOD=POST", NULL};
    char got[64];
    int saved = stdin_from("hello, and what follows");

    cgi_request_init(&c, envp);
    CU_ASSERT_EQUAL(FCGX_GetStr(got, sizeof(got), c.fcgx.in), 5);
    CU_ASSERT_EQUAL(memcmp(got, "hello", 5), 0);
    CU_ASSERT_EQUAL(FCGX_GetStr(got, sizeof(got), c.fcgx.in), 0);
    CU_ASSERT_STRING_EQUAL(FCGX_GetParam("REQUEST_METHOD", c.fcgx.envp), "POST");
    restore(saved, STDIN_FILENO);
}

static void cgi_request_should_read_to_the_end_without_content_length(void)
{
    static struct cgi_request c;
    char *envp[] = {NULL};
    char big[40000], got[50000];
    int n = 0, saved;

    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    /* Larger than the stream's buffer, smaller than a pipe's. */
    saved = stdin_from(big);
    cgi_request_init(&c, envp);
    for (;;) {
        int r = FCGX_GetStr(got + n, (int)sizeof(got) - n, c.fcgx.in);
        if (r <= 0)
            break;
        n += r;
    }
    CU_ASSERT_EQUAL(n, (int)strlen(big));
    restore(saved, STDIN_FILENO);
}

static void cgi_request_finish_should_write_the_answer_and_close_stdout(void)
{
    static struct cgi_request c;
    char *envp[] = {NULL};
    char chunk[1000], got[80000];
    int p[2], saved = dup(STDOUT_FILENO);
    ssize_t n, total = 0;

    CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
    fflush(stdout); /* CUnit's lines must not land in the pipe */
    dup2(p[1], STDOUT_FILENO);
    close(p[1]);
    cgi_request_init(&c, envp);
    memset(chunk, 'a', sizeof(chunk));
    for (int i = 0; i < 60; i++) /* several buffers' worth, within a pipe */
        CU_ASSERT_EQUAL(FCGX_PutStr(chunk, (int)sizeof(chunk), c.fcgx.out), (int)sizeof(chunk));
    CU_ASSERT_EQUAL(cgi_request_finish(&c), 0);
    /* fd 1 is /dev/null now: the pipe's only writer is gone. */
    while ((n = read(p[0], got + total, sizeof(got) - (size_t)total)) > 0)
        total += n;
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_EQUAL(total, 60 * (ssize_t)sizeof(chunk));
    close(p[0]);
    restore(saved, STDOUT_FILENO);
}

static void cgi_request_finish_should_drain_a_body_left_unread(void)
{
    static struct cgi_request c;
    char *envp[] = {"CONTENT_LENGTH=30000", NULL};
    char body[30001];
    int p[2], saved_in = dup(STDIN_FILENO), saved_out = dup(STDOUT_FILENO), left = -1;
    int null = open("/dev/null", O_WRONLY);

    memset(body, 'b', 30000);
    body[30000] = '\0';
    CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
    CU_ASSERT_EQUAL(write(p[1], body, 30000), 30000);
    dup2(p[0], STDIN_FILENO);
    fflush(stdout);
    dup2(null, STDOUT_FILENO);
    close(null);
    cgi_request_init(&c, envp);
    /* Refused before reading: the body is still in the pipe. */
    CU_ASSERT_EQUAL(FCGX_PutStr("Status: 401\r\n\r\n", 15, c.fcgx.out), 15);
    CU_ASSERT_EQUAL(cgi_request_finish(&c), 0);
    CU_ASSERT_EQUAL(ioctl(p[0], FIONREAD, &left), 0);
    CU_ASSERT_EQUAL(left, 0);
    close(p[0]);
    close(p[1]);
    restore(saved_in, STDIN_FILENO);
    restore(saved_out, STDOUT_FILENO);
}

static void cgi_scrub_should_remove_request_variables_and_keep_the_rest(void)
{
    setenv("HTTP_AUTHORIZATION", "Bearer secret", 1);
    setenv("CONTENT_LENGTH", "5", 1);
    setenv("REQUEST_URI", "/incoming/x", 1);
    setenv("QUERY_STRING", "a=1", 1);
    setenv("REDIRECT_HTTP_AUTHORIZATION", "Bearer secret", 1);
    setenv("INCOMING_CONF", "/etc/incoming.conf", 1);
    setenv("PATH", "/usr/bin:/bin", 1);
    cgi_scrub_environment();
    CU_ASSERT_PTR_NULL(getenv("HTTP_AUTHORIZATION"));
    CU_ASSERT_PTR_NULL(getenv("CONTENT_LENGTH"));
    CU_ASSERT_PTR_NULL(getenv("REQUEST_URI"));
    CU_ASSERT_PTR_NULL(getenv("QUERY_STRING"));
    CU_ASSERT_PTR_NULL(getenv("REDIRECT_HTTP_AUTHORIZATION"));
    CU_ASSERT_PTR_NOT_NULL(getenv("INCOMING_CONF"));
    CU_ASSERT_PTR_NOT_NULL(getenv("PATH"));
}

int main(void)
{
    CU_pSuite s;
    unsigned fails;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("cgi", NULL, NULL);
    CU_ADD_TEST(s, cgi_request_should_read_no_more_than_content_length);
    CU_ADD_TEST(s, cgi_request_should_read_to_the_end_without_content_length);
    CU_ADD_TEST(s, cgi_request_finish_should_write_the_answer_and_close_stdout);
    CU_ADD_TEST(s, cgi_request_finish_should_drain_a_body_left_unread);
    CU_ADD_TEST(s, cgi_scrub_should_remove_request_variables_and_keep_the_rest);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    fails = CU_get_number_of_failures();
    CU_cleanup_registry();
    return fails == 0 ? 0 : 1;
}
