/* localaddr: whether an address is one of this machine's own, assigned to
 * one of its network interfaces (getifaddrs: IPv4 and IPv6, whatever the
 * interface's state). A service listening on such an address answers
 * connections from this host as it would from loopback, so the outgoing
 * requests of workflows treat these like loopback (SSRF through the
 * machine's own interface address). IPv4-mapped and IPv4-compatible IPv6
 * addresses are compared as the IPv4 address they hold.
 *
 * The interface list is read again when it is older than a second: one
 * runner sending many requests asks the kernel about once a second, and an
 * address added since is seen at its next request a second later at most.
 * Not thread-safe (the runner sends one request at a time). */
#ifndef INCOMING_LOCALADDR_H
#define INCOMING_LOCALADDR_H

#include <sys/socket.h>

/* 1 when sa (AF_INET or AF_INET6) is assigned to an interface of this
 * machine, 0 when not or for other families. When the interfaces cannot be
 * listed it answers 1: a caller refusing own addresses fails closed. */
int localaddr_is_own(const struct sockaddr *sa);

/* Reads the interface list now, whatever its age (tests). */
void localaddr_refresh(void);

#endif
