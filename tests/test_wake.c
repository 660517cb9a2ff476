/* Tests of the wake module: what a responder sees of a runner, through
 * two separate wake handles on one data directory (flocks on separate
 * open files conflict within one process as between processes). A runner
 * counts as waiting while it waits, and between two waits that timed out
 * (its look for due retries), but not once woken or busy; a poke with no
 * listener says so. A runner counts as awake from wake_awake until it lets
 * go, and not during a request longer than the grace. Responders testing
 * at once never see each other as runners. */
#include "config.h"
#include "wake.h"

#include <CUnit/Basic.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char tmpdir[64];
static struct config cfg;

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static int setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/incoming-test-wake-XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return 1;
    config_defaults(&cfg);
    snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s", tmpdir);
    return 0;
}

static int teardown(void)
{
    nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

/* A runner's and a responder's handles on the same directory. */
static int open_pair(struct wake *runner, struct wake *responder)
{
    return wake_open(runner, &cfg) == 0 && wake_open(responder, &cfg) == 0 ? 0 : -1;
}

static void close_pair(struct wake *runner, struct wake *responder)
{
    wake_close(runner);
    wake_close(responder);
}

static void wake_should_report_nobody_before_a_runner_listens(void)
{
    struct wake responder;

    CU_ASSERT_EQUAL_FATAL(wake_open(&responder, &cfg), 0);
    CU_ASSERT_EQUAL(wake_someone_waiting(&responder), 0);
    CU_ASSERT_EQUAL(wake_poke(&responder), 0);
    wake_close(&responder);
}

static void wake_should_keep_a_runner_waiting_between_waits_that_timed_out(void)
{
    struct wake runner, responder;

    CU_ASSERT_EQUAL_FATAL(open_pair(&runner, &responder), 0);
    CU_ASSERT_EQUAL_FATAL(wake_listen(&runner), 0);
    /* Listening but not yet waiting (it does its first work). */
    CU_ASSERT_EQUAL(wake_someone_waiting(&responder), 0);
    CU_ASSERT_EQUAL(wake_wait(&runner, 20), 0);
    /* Timed out: it looks for due retries, still a waiting runner. */
    CU_ASSERT_EQUAL(wake_someone_waiting(&responder), 1);
    /* A poke meanwhile is kept for its next wait. */
    CU_ASSERT_EQUAL(wake_poke(&responder), 1);
    CU_ASSERT_EQUAL(wake_wait(&runner, 2000), 1);
    /* Woken: it works, new work calls for another runner. */
    CU_ASSERT_EQUAL(wake_someone_waiting(&responder), 0);
    CU_ASSERT_EQUAL(wake_wait(&runner, 20), 0);
    CU_ASSERT_EQUAL(wake_someone_waiting(&responder), 1);
    /* It found due work in its look. */
    wake_busy(&runner);
    CU_ASSERT_EQUAL(wake_someone_waiting(&responder), 0);
    CU_ASSERT_EQUAL(wake_wait(&runner, 20), 0);
    CU_ASSERT_EQUAL(wake_someone_waiting(&responder), 1);
    /* Leaving: no longer waiting, and nobody listens. */
    wake_unlisten(&runner);
    CU_ASSERT_EQUAL(wake_someone_waiting(&responder), 0);
    CU_ASSERT_EQUAL(wake_poke(&responder), 0);
    close_pair(&runner, &responder);
}

static void wake_should_swallow_every_byte_written_before_a_wait(void)
{
    struct wake runner, responder;

    CU_ASSERT_EQUAL_FATAL(open_pair(&runner, &responder), 0);
    CU_ASSERT_EQUAL_FATAL(wake_listen(&runner), 0);
    for (int i = 0; i < 1000; i++)
        CU_ASSERT_EQUAL(wake_poke(&responder), 1);
    CU_ASSERT_EQUAL(wake_wait(&runner, 2000), 1);
    CU_ASSERT_EQUAL(wake_wait(&runner, 20), 0);
    close_pair(&runner, &responder);
}

static void wake_should_count_a_runner_awake_until_it_lets_go(void)
{
    struct wake runner, responder;

    CU_ASSERT_EQUAL_FATAL(open_pair(&runner, &responder), 0);
    CU_ASSERT_EQUAL(wake_someone_awake(&responder), 0);
    wake_awake(&runner);
    CU_ASSERT_EQUAL(wake_is_awake(&runner), 1);
    CU_ASSERT_EQUAL(wake_someone_awake(&responder), 1);
    wake_awake(&runner); /* already: no change */
    wake_asleep(&runner);
    CU_ASSERT_EQUAL(wake_is_awake(&runner), 0);
    CU_ASSERT_EQUAL(wake_someone_awake(&responder), 0);
    wake_awake(&runner);
    wake_close(&runner); /* a runner that leaves lets go */
    CU_ASSERT_EQUAL(wake_someone_awake(&responder), 0);
    wake_close(&responder);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    /* The grace timer's signal interrupts the sleep: sleep the rest. */
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static void wake_should_let_go_during_a_request_longer_than_the_grace(void)
{
    struct wake runner, responder;

    CU_ASSERT_EQUAL_FATAL(open_pair(&runner, &responder), 0);
    /* A short request: still awake throughout. */
    wake_awake(&runner);
    wake_grace_begin(&runner);
    CU_ASSERT_EQUAL(wake_someone_awake(&responder), 1);
    wake_grace_end(&runner);
    CU_ASSERT_EQUAL(wake_someone_awake(&responder), 1);
    /* A long one: not awake once the grace is over, awake after it. */
    wake_grace_begin(&runner);
    sleep_ms(WAKE_AWAKE_GRACE_MS * 3);
    CU_ASSERT_EQUAL(wake_someone_awake(&responder), 0);
    wake_grace_end(&runner);
    CU_ASSERT_EQUAL(wake_is_awake(&runner), 1);
    CU_ASSERT_EQUAL(wake_someone_awake(&responder), 1);
    /* Not awake: the grace does nothing, and nothing fires later. */
    wake_asleep(&runner);
    wake_grace_begin(&runner);
    sleep_ms(WAKE_AWAKE_GRACE_MS * 3);
    wake_grace_end(&runner);
    CU_ASSERT_EQUAL(wake_is_awake(&runner), 0);
    CU_ASSERT_EQUAL(wake_someone_awake(&responder), 0);
    close_pair(&runner, &responder);
}

/* Two responders testing at once, with no runner anywhere: neither ever
 * sees a runner waiting or awake (a test that took a lock for an instant
 * looked like a runner to the other). */
static void wake_should_not_take_one_responders_test_for_a_runner(void)
{
    struct wake a, b;
    long seen = 0;
    pid_t child;
    int status = -1;

    CU_ASSERT_EQUAL_FATAL(open_pair(&a, &b), 0);
    child = fork();
    CU_ASSERT_FATAL(child >= 0);
    if (child == 0) {
        for (int i = 0; i < 100000; i++)
            (void)(wake_someone_waiting(&b) + wake_someone_awake(&b));
        _exit(0);
    }
    for (int i = 0; i < 100000; i++)
        seen += wake_someone_waiting(&a) + wake_someone_awake(&a);
    CU_ASSERT_EQUAL(waitpid(child, &status, 0), child);
    CU_ASSERT_EQUAL(status, 0);
    CU_ASSERT_EQUAL(seen, 0);
    close_pair(&a, &b);
}

int main(void)
{
    CU_pSuite s;
    unsigned fails;

    /* As in a responder: a poke after the last listener left fails with
     * EPIPE instead. */
    signal(SIGPIPE, SIG_IGN);
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("wake", setup, teardown);
    CU_ADD_TEST(s, wake_should_report_nobody_before_a_runner_listens);
    CU_ADD_TEST(s, wake_should_keep_a_runner_waiting_between_waits_that_timed_out);
    CU_ADD_TEST(s, wake_should_swallow_every_byte_written_before_a_wait);
    CU_ADD_TEST(s, wake_should_count_a_runner_awake_until_it_lets_go);
    CU_ADD_TEST(s, wake_should_let_go_during_a_request_longer_than_the_grace);
    CU_ADD_TEST(s, wake_should_not_take_one_responders_test_for_a_runner);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    fails = CU_get_number_of_failures();
    CU_cleanup_registry();
    return fails == 0 ? 0 : 1;
}
