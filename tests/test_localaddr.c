/* Tests of the localaddr module: every address getifaddrs lists is this
 * machine's own, in IPv4-mapped form too; documentation addresses are not;
 * other families never are. */
#include "localaddr.h"

#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

static struct sockaddr_in v4(const char *text)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    inet_pton(AF_INET, text, &a.sin_addr);
    return a;
}

static struct sockaddr_in6 v6(const char *text)
{
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof(a));
    a.sin6_family = AF_INET6;
    inet_pton(AF_INET6, text, &a.sin6_addr);
    return a;
}

static void localaddr_should_count_every_interface_address_as_own(void)
{
    struct ifaddrs *all = NULL;
    int seen = 0;

    CU_ASSERT_EQUAL_FATAL(getifaddrs(&all), 0);
    for (struct ifaddrs *i = all; i != NULL; i = i->ifa_next) {
        if (i->ifa_addr == NULL ||
            (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6))
            continue;
        CU_ASSERT_EQUAL(localaddr_is_own(i->ifa_addr), 1);
        seen++;
    }
    freeifaddrs(all);
    CU_ASSERT(seen > 0);
}

static void localaddr_should_see_own_ipv4_addresses_in_mapped_ipv6(void)
{
    struct ifaddrs *all = NULL;

    CU_ASSERT_EQUAL_FATAL(getifaddrs(&all), 0);
    for (struct ifaddrs *i = all; i != NULL; i = i->ifa_next) {
        char text[INET6_ADDRSTRLEN + 8], addr[INET_ADDRSTRLEN];
        struct sockaddr_in6 mapped;
        if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET)
            continue;
        inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, addr, sizeof(addr));
        snprintf(text, sizeof(text), "::ffff:%s", addr);
        mapped = v6(text);
        CU_ASSERT_EQUAL(localaddr_is_own((struct sockaddr *)&mapped), 1);
    }
    freeifaddrs(all);
}

static void localaddr_should_not_count_addresses_of_no_interface(void)
{
    /* TEST-NET-3 and the IPv6 documentation prefix: assigned nowhere. */
    struct sockaddr_in a = v4("203.0.113.77");
    struct sockaddr_in6 b = v6("2001:db8:ffff::77");
    struct sockaddr_in6 c = v6("::ffff:203.0.113.77");

    CU_ASSERT_EQUAL(localaddr_is_own((struct sockaddr *)&a), 0);
    CU_ASSERT_EQUAL(localaddr_is_own((struct sockaddr *)&b), 0);
    CU_ASSERT_EQUAL(localaddr_is_own((struct sockaddr *)&c), 0);
}

static void localaddr_should_answer_no_for_other_families(void)
{
    struct sockaddr_un u;

    memset(&u, 0, sizeof(u));
    u.sun_family = AF_UNIX;
    CU_ASSERT_EQUAL(localaddr_is_own((struct sockaddr *)&u), 0);
}

static void localaddr_should_answer_the_same_after_a_refresh(void)
{
    struct sockaddr_in lo = v4("127.0.0.1");
    int before = localaddr_is_own((struct sockaddr *)&lo);

    localaddr_refresh();
    CU_ASSERT_EQUAL(localaddr_is_own((struct sockaddr *)&lo), before);
}

int main(void)
{
    CU_pSuite s;
    unsigned fails;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    s = CU_add_suite("localaddr", NULL, NULL);
    CU_ADD_TEST(s, localaddr_should_count_every_interface_address_as_own);
    CU_ADD_TEST(s, localaddr_should_see_own_ipv4_addresses_in_mapped_ipv6);
    CU_ADD_TEST(s, localaddr_should_not_count_addresses_of_no_interface);
    CU_ADD_TEST(s, localaddr_should_answer_no_for_other_families);
    CU_ADD_TEST(s, localaddr_should_answer_the_same_after_a_refresh);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    fails = CU_get_number_of_failures();
    CU_cleanup_registry();
    return fails == 0 ? 0 : 1;
}
