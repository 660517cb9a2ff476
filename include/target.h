/* target: where the outgoing requests of workflows may go (SSRF rules).
 * The runner refuses loopback, private, link-local and this machine's own
 * addresses (src/outgoing.c) except for three ways in, so that a default
 * install can still reach what it is meant to:
 *   - the origin of public_base_url (the product's own /v4/events/custom);
 *   - outgoing_allow_hosts: host names (as written in the URL) and IP
 *     addresses or CIDR blocks (10.0.0.0/8, fd00::/8) the operator allows;
 *   - outgoing_allow_private = yes: everything.
 * The same rules are applied ahead of time to the URL templates of a
 * workflow (target_check_url), so the editor and publish can warn about a
 * URL whose runs would be refused, naming the key that would allow it. */
#ifndef INCOMING_TARGET_H
#define INCOMING_TARGET_H

#include <stddef.h>
#include <sys/socket.h>

#include "config.h"

#define TARGET_ALLOW_MAX 32    /* entries of outgoing_allow_hosts */
#define TARGET_ALLOW_TEXT 1024 /* its normalised text, NUL included */

/* Checks and normalises the text of outgoing_allow_hosts (entries
 * separated by commas or blanks: names, IPv4/IPv6 addresses, CIDR blocks)
 * into out ("a.example, 10.0.0.0/8"; names in lower case). Returns 0, or
 * -1 with what was expected in exp. */
int target_allow_parse(const char *text, char *out, size_t outlen, char *exp, size_t explen);

/* 1 when sa (AF_INET/AF_INET6; IPv4-mapped compared as IPv4) is in one of
 * the addresses or blocks of allow (normalised text, may be NULL). */
int target_allow_addr(const char *allow, const struct sockaddr *sa);

/* The address of a literal host ("127.0.0.1", "[::1]", "::1") in *ss.
 * Returns 1, or 0 when host is not an address. */
int target_literal_address(const char *host, struct sockaddr_storage *ss);

/* 1 when host (a URL's host, any case; an IPv6 literal in brackets or not)
 * is one of the names, or one of the addresses or blocks, of allow. */
int target_allow_host(const char *allow, const char *host);

/* 1 when the host of url (as libcurl parses it) is allowed by allow. */
int target_url_host_allowed(const char *url, const char *allow);

/* The origin of url as libcurl parses it -- the host and port it will
 * connect to -- in *out ("http://host:80", lower case). Returns 0, or -1
 * when curl cannot parse it. */
int target_origin(const char *url, char *out, size_t outlen);

/* 1 when url has the origin of self_url (public_base_url; may be NULL). */
int target_same_origin(const char *url, const char *self_url);

/* 1 when sa would be refused without an allowance: loopback, private,
 * link-local and the like (outgoing_address_private) or an address of
 * this machine (localaddr). */
int target_address_internal(const struct sockaddr *sa);

/* Looks ahead at a workflow's URL template: when its scheme, host and port
 * are fixed text and the host is (or resolves to) an address that the
 * runner would refuse under cfg, writes why, naming the keys that would
 * allow it, into why and returns 1. Returns 0 when it would be allowed or
 * cannot be told (the host is templated, does not resolve, ...). May ask
 * the resolver (getaddrinfo) about a host name. */
int target_check_url(const struct config *cfg, const char *url, char *why, size_t whylen);

#endif
