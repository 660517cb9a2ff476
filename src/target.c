/* target: where the outgoing requests of workflows may go (see target.h;
 * the allow list itself is src/target_allow.c). */
#include "target.h"

#include "localaddr.h"
#include "outgoing.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

int target_address_internal(const struct sockaddr *sa)
{
    return outgoing_address_private(sa) || localaddr_is_own(sa);
}

/* Scheme, host and port of url as libcurl parses them (where libcurl would
 * connect). Returns 0 (the caller frees the parts with curl_free), or -1. */
static int url_parts(const char *url, char **scheme, char **host, char **port)
{
    CURLU *u = curl_url();
    int rc = -1;

    *scheme = *host = *port = NULL;
    if (u != NULL && url != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, port, CURLU_DEFAULT_PORT) == CURLUE_OK)
        rc = 0;
    curl_url_cleanup(u);
    if (rc != 0) {
        curl_free(*scheme);
        curl_free(*host);
        curl_free(*port);
        *scheme = *host = *port = NULL;
    }
    return rc;
}

int target_origin(const char *url, char *out, size_t outlen)
{
    char *scheme, *host, *port;
    int n;

    if (url_parts(url, &scheme, &host, &port) != 0)
        return -1;
    n = snprintf(out, outlen, "%s://%s:%s", scheme, host, port);
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    if (n < 0 || (size_t)n >= outlen)
        return -1;
    for (char *p = out; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return 0;
}

int target_same_origin(const char *url, const char *self_url)
{
    char a[512], b[512];

    return self_url != NULL && *self_url != '\0' && target_origin(url, a, sizeof(a)) == 0 &&
           target_origin(self_url, b, sizeof(b)) == 0 && strcmp(a, b) == 0;
}

int target_url_host_allowed(const char *url, const char *allow)
{
    char *scheme, *host, *port;
    int ok;

    if (allow == NULL || *allow == '\0' || url_parts(url, &scheme, &host, &port) != 0)
        return 0;
    ok = target_allow_host(allow, host);
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    return ok;
}

/* The fixed start of a URL template up to the end of its authority, in
 * out; -1 when the scheme, host or port hold template code. */
static int fixed_authority(const char *url, char *out, size_t outlen)
{
    const char *code = url, *sep, *auth;
    size_t end;

    while ((code = strchr(code, '{')) != NULL && code[1] != '{' && code[1] != '%' && code[1] != '#')
        code++;
    sep = strstr(url, "://");
    if (sep == NULL || (code != NULL && code < sep))
        return -1;
    auth = sep + 3;
    end = strcspn(auth, "/?#");
    if (code != NULL && code <= auth + end)
        return -1; /* "http://{{ host }}/" or "http://h:80{{ x }}" */
    if ((size_t)(auth + end - url) + 2 > outlen)
        return -1;
    memcpy(out, url, (size_t)(auth + end - url));
    memcpy(out + (auth + end - url), "/", 2);
    return 0;
}

/* 1 when every address of host would be refused (and there is one). */
static int host_refused(const struct config *cfg, const char *host, const char *port, char *addr,
                        size_t addrlen)
{
    struct sockaddr_storage ss;
    struct addrinfo hints, *res = NULL;
    int refused = 0, seen = 0;

    if (target_literal_address(host, &ss)) {
        if (!target_address_internal((struct sockaddr *)&ss) ||
            target_allow_addr(cfg->outgoing_allow_hosts, (struct sockaddr *)&ss))
            return 0;
        snprintf(addr, addrlen, "%s", host);
        return 1;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &res) != 0)
        return 0;
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        seen++;
        if (target_address_internal(ai->ai_addr) &&
            !target_allow_addr(cfg->outgoing_allow_hosts, ai->ai_addr)) {
            if (refused++ == 0) {
                char a[INET6_ADDRSTRLEN] = "";
                const void *p =
                    ai->ai_family == AF_INET
                        ? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
                        : (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
                inet_ntop(ai->ai_family, p, a, sizeof(a));
                snprintf(addr, addrlen, "%s (%s)", host, a);
            }
        }
    }
    freeaddrinfo(res);
    return seen > 0 && refused == seen;
}

int target_check_url(const struct config *cfg, const char *url, char *why, size_t whylen)
{
    char fixed[600], addr[300];
    char *scheme = NULL, *host = NULL, *port = NULL;
    int refused = 0;

    if (cfg->outgoing_allow_private || url == NULL ||
        fixed_authority(url, fixed, sizeof(fixed)) != 0 ||
        target_same_origin(fixed, cfg->public_base_url) ||
        url_parts(fixed, &scheme, &host, &port) != 0)
        return 0;
    if (!target_allow_host(cfg->outgoing_allow_hosts, host) &&
        host_refused(cfg, host, port, addr, sizeof(addr))) {
        snprintf(why, whylen,
                 "%s is a loopback, private or link-local address or one of this machine's: its "
                 "runs will be refused. Allow it with outgoing_allow_hosts = %s (or "
                 "outgoing_allow_private = yes) in incoming.conf; this server's own routes are "
                 "always allowed at the origin of public_base_url (%s)",
                 addr, host, cfg->public_base_url);
        refused = 1;
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    return refused;
}
