/* localaddr: this machine's interface addresses, cached for a second. */
#include "localaddr.h"

#include "log.h"

#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define LOCALADDR_TTL_MS 1000

static struct ifaddrs *cached;
static int listed; /* cached holds a successful listing (possibly empty) */
static struct timespec fetched;

static long long ms_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)(now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

void localaddr_refresh(void)
{
    struct ifaddrs *fresh = NULL;

    clock_gettime(CLOCK_MONOTONIC, &fetched);
    if (getifaddrs(&fresh) != 0) {
        LOG_WARN("getifaddrs: %s; every address counts as this machine's own", strerror(errno));
        /* Keep no stale list: a failure refuses rather than guesses. */
        freeifaddrs(cached);
        cached = NULL;
        listed = 0;
        return;
    }
    freeifaddrs(cached);
    cached = fresh;
    listed = 1;
}

/* The IPv4 address (host order) that sa is or holds in *v4, and 1; or 0
 * with the IPv6 address in *v6. -1 for other families. */
static int normalise(const struct sockaddr *sa, uint32_t *v4, struct in6_addr *v6)
{
    if (sa->sa_family == AF_INET) {
        *v4 = ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);
        return 1;
    }
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        const unsigned char *b = a->s6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a) || (IN6_IS_ADDR_V4COMPAT(a))) {
            *v4 =
                ((uint32_t)b[12] << 24) | ((uint32_t)b[13] << 16) | ((uint32_t)b[14] << 8) | b[15];
            return 1;
        }
        *v6 = *a;
        return 0;
    }
    return -1;
}

int localaddr_is_own(const struct sockaddr *sa)
{
    uint32_t want4 = 0, have4 = 0;
    struct in6_addr want6, have6;
    int kind;

    memset(&want6, 0, sizeof(want6));
    kind = normalise(sa, &want4, &want6);
    if (kind < 0)
        return 0;
    if (!listed || ms_since(&fetched) >= LOCALADDR_TTL_MS)
        localaddr_refresh();
    if (!listed)
        return 1;
    for (const struct ifaddrs *i = cached; i != NULL; i = i->ifa_next) {
        if (i->ifa_addr == NULL || normalise(i->ifa_addr, &have4, &have6) != kind)
            continue;
        if (kind == 1 ? have4 == want4 : memcmp(&have6, &want6, sizeof(have6)) == 0)
            return 1;
    }
    return 0;
}
