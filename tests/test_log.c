/* Tests of the log module's file cap (log_to_file): a runner's runner.log
 * is renamed to runner.log.old when it grows past the cap, by one process
 * when several share it, and every line stays whole. */
#include "log.h"

#include <CUnit/Basic.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64];
static char path[128];
static char old[140];
static int saved_stderr = -1;

/* A fresh directory per test, and the test's own stderr kept aside. */
static void start(void)
{
    snprintf(dir, sizeof(dir), "/tmp/test_log.XXXXXX");
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/runner.log", dir);
    snprintf(old, sizeof(old), "%s/runner.log.old", dir);
    saved_stderr = dup(STDERR_FILENO);
    log_set_level(LOG_LVL_INFO);
}

static void finish(void)
{
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    unlink(path);
    unlink(old);
    rmdir(dir);
}

static long long size_of(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? (long long)st.st_size : -1;
}

/* Counts the lines of file p holding marker; -1 when a line is not whole
 * (not starting with the timestamp's century, or the file not ending in a
 * newline). */
static long count_lines(const char *p, const char *marker)
{
    char line[4096];
    long n = 0;
    FILE *f = fopen(p, "r");

    if (f == NULL)
        return 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        size_t len = strlen(line);
        if (len == 0 || line[len - 1] != '\n' || strncmp(line, "20", 2) != 0) {
            n = -1;
            break;
        }
        if (strstr(line, marker) != NULL)
            n++;
    }
    fclose(f);
    return n;
}

static void log_to_file_should_rename_the_file_past_the_cap_and_keep_writing(void)
{
    struct stat st;
    int i;

    start();
    CU_ASSERT_EQUAL_FATAL(log_to_file(path, 4096), 0);
    for (i = 0; i < 200; i++)
        LOG_INFO("line %03d %s", i, "..................................................");
    LOG_INFO("the last line");
    CU_ASSERT(size_of(path) > 0);
    CU_ASSERT(size_of(path) <= 4096 + 200);
    CU_ASSERT(size_of(old) > 4096);
    CU_ASSERT(size_of(old) <= 4096 + 200);
    CU_ASSERT_EQUAL(count_lines(path, "the last line"), 1);
    CU_ASSERT_EQUAL(count_lines(old, "the last line"), 0);
    CU_ASSERT(count_lines(old, "line 1") > 0);
    CU_ASSERT_EQUAL(stat(path, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
    finish();
}

static void log_to_file_should_not_rotate_under_the_cap(void)
{
    start();
    CU_ASSERT_EQUAL_FATAL(log_to_file(path, 1 << 20), 0);
    for (int i = 0; i < 100; i++)
        LOG_INFO("line %d", i);
    CU_ASSERT(size_of(path) > 0);
    CU_ASSERT_EQUAL(size_of(old), -1);
    CU_ASSERT_EQUAL(count_lines(path, "line "), 100);
    finish();
}

/* Four processes over the cap at once: each renames only a file that is
 * still the one it writes to, so the pair stays bounded (the old file may
 * take the few lines written by the others before they reopen) and no line
 * is torn. */
static void log_to_file_should_stay_bounded_when_processes_share_the_file(void)
{
    const long long cap = 8192;
    pid_t kids[4];
    int i, status;

    start();
    for (i = 0; i < 4; i++) {
        kids[i] = fork();
        CU_ASSERT_FATAL(kids[i] >= 0);
        if (kids[i] == 0) {
            if (log_to_file(path, cap) != 0)
                _exit(1);
            for (int j = 0; j < 400; j++)
                LOG_INFO("child %d line %d ........................................", i, j);
            _exit(0);
        }
    }
    for (i = 0; i < 4; i++) {
        CU_ASSERT_EQUAL(waitpid(kids[i], &status, 0), kids[i]);
        CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    CU_ASSERT(size_of(path) <= cap + 4 * 200);
    CU_ASSERT(size_of(old) > 0);
    CU_ASSERT(size_of(old) <= cap + 4 * 200);
    CU_ASSERT(count_lines(path, "child") >= 0);
    CU_ASSERT(count_lines(old, "child") > 0);
    finish();
}

static void log_to_file_should_refuse_a_path_it_cannot_open_and_keep_stderr(void)
{
    struct stat before, after;

    start();
    CU_ASSERT_EQUAL(fstat(STDERR_FILENO, &before), 0);
    CU_ASSERT_EQUAL(log_to_file("/nonexistent/dir/runner.log", 4096), -1);
    CU_ASSERT_EQUAL(errno, ENOENT);
    CU_ASSERT_EQUAL(fstat(STDERR_FILENO, &after), 0);
    CU_ASSERT_EQUAL(before.st_ino, after.st_ino);
    CU_ASSERT_EQUAL(before.st_dev, after.st_dev);
    finish();
}

int main(void)
{
    CU_pSuite s;
    unsigned fails;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("log", NULL, NULL);
    CU_ADD_TEST(s, log_to_file_should_rename_the_file_past_the_cap_and_keep_writing);
    CU_ADD_TEST(s, log_to_file_should_not_rotate_under_the_cap);
    CU_ADD_TEST(s, log_to_file_should_stay_bounded_when_processes_share_the_file);
    CU_ADD_TEST(s, log_to_file_should_refuse_a_path_it_cannot_open_and_keep_stderr);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    fails = CU_get_number_of_failures();
    CU_cleanup_registry();
    return fails == 0 ? 0 : 1;
}
