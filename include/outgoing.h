/* outgoing: one HTTP request of an Outgoing Integration node, with libcurl
 * (SPEC section 8): http and https only, no redirects, no proxy (none is
 * configurable) (CURLOPT_PROXY ""), connect and total
 * timeouts, and refusal of loopback, private and link-local addresses and
 * of this machine's own interface addresses (IPv4-mapped IPv6 included)
 * unless allowed; the origin of public_base_url (the product itself) is
 * always allowed. Every address libcurl resolves is checked just before it
 * connects (CURLOPT_OPENSOCKETFUNCTION), so DNS answers cannot slip past.
 * A header line whose name is not a token or is a hop-by-hop/framing
 * header, or whose value holds a control character (header_rules.h), is
 * refused before anything is sent.
 * The answer's body is kept up to a cap. */
#ifndef INCOMING_OUTGOING_H
#define INCOMING_OUTGOING_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <sys/socket.h>

#include "buf.h"

#define OUTGOING_BODY_MAX (1u << 20)

struct outgoing_request {
    const char *method;
    const char *url;
    const char *const *headers; /* "Name: value" lines, NULL-terminated */
    const char *body;           /* may be NULL */
    size_t body_len;
    long timeout_ms;
    int allow_private;
    const char *self_url;    /* public_base_url: its origin is always allowed; may be NULL */
    const char *allow_hosts; /* outgoing_allow_hosts (target.h); may be NULL */
};

struct outgoing_response {
    int status;      /* 0 when no answer arrived */
    cJSON *headers;  /* object of canonical name -> value; caller frees */
    struct buf body; /* up to OUTGOING_BODY_MAX bytes */
    int truncated;
    long retry_after_s; /* from Retry-After, -1 when absent */
    long duration_ms;
    int retryable;   /* connection error, timeout, 408, 429, 5xx */
    char error[256]; /* "" on an HTTP answer; else what went wrong */
};

/* Once per process, before any request. */
int outgoing_global_init(void);
/* Has tick called now and then while a request is in flight (at least
 * soon after a signal handled in the process), from the thread sending
 * it; NULL for none. The runner hands new work over from it (see
 * include/wake.h). Process-wide. */
void outgoing_set_tick(void (*tick)(void));
/* Sends req and fills resp (which the caller frees with
 * outgoing_response_free). Returns 0 when an HTTP answer arrived (any
 * status), -1 otherwise (resp->error says why, resp->retryable whether
 * trying again may help). */
int outgoing_send(const struct outgoing_request *req, struct outgoing_response *resp);
void outgoing_response_free(struct outgoing_response *resp);

/* 1 when the address is loopback, private, link-local, unspecified,
 * multicast or otherwise not a public unicast address. */
int outgoing_address_private(const struct sockaddr *sa);

#endif
