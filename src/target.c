/* target: where the outgoing requests of workflows may go (see target.h). */
#include "target.h"

#include "localaddr.h"
#include "numparse.h"
#include "outgoing.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* One entry of the allow list: a name, or an address block. */
struct entry {
    int family; /* 0: a name; AF_INET or AF_INET6: a block */
    unsigned char addr[16];
    int prefix;
    char name[254];
};

/* Reads the next entry of *p (separators: commas and blanks). Returns 1
 * with it in *e, 0 at the end, -1 when the entry is malformed. */
static int next_entry(const char **p, struct entry *e)
{
    const char *s = *p, *end, *slash;
    char text[300], *addr;
    size_t len;

    while (*s == ',' || *s == ' ' || *s == '\t')
        s++;
    if (*s == '\0')
        return 0;
    for (end = s; *end && *end != ',' && *end != ' ' && *end != '\t'; end++)
        ;
    *p = end;
    len = (size_t)(end - s);
    if (len >= sizeof(text))
        return -1;
    memcpy(text, s, len);
    text[len] = '\0';
    memset(e, 0, sizeof(*e));
    slash = strchr(text, '/');
    addr = text;
    if (slash != NULL)
        text[slash - text] = '\0';
    if (addr[0] == '[' && addr[strlen(addr) - 1] == ']') {
        addr[strlen(addr) - 1] = '\0';
        addr++;
    }
    if (inet_pton(AF_INET, addr, e->addr) == 1)
        e->family = AF_INET;
    else if (inet_pton(AF_INET6, addr, e->addr) == 1)
        e->family = AF_INET6;
    if (e->family != 0) {
        long long n = e->family == AF_INET ? 32 : 128;
        const char *errstr;
        if (slash != NULL && num_parse_ll(slash + 1, 0, n, &n, &errstr) != 0)
            return -1;
        e->prefix = (int)n;
        return 1;
    }
    if (slash != NULL || len > 253 || text[0] == '.' || text[0] == '-')
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (!isalnum((unsigned char)text[i]) && text[i] != '-' && text[i] != '.')
            return -1;
        e->name[i] = (char)tolower((unsigned char)text[i]);
    }
    return 1;
}

/* 1 when the first prefix bits of a and b agree. */
static int same_prefix(const unsigned char *a, const unsigned char *b, int bits)
{
    int bytes = bits / 8, rest = bits % 8;

    if (memcmp(a, b, (size_t)bytes) != 0)
        return 0;
    return rest == 0 || ((a[bytes] ^ b[bytes]) & (0xff << (8 - rest))) == 0;
}

int target_allow_parse(const char *text, char *out, size_t outlen, char *exp, size_t explen)
{
    const char *p = text;
    struct entry e;
    size_t used = 0;
    int n = 0, rc;

    out[0] = '\0';
    while ((rc = next_entry(&p, &e)) == 1) {
        char one[300];
        int w;

        if (++n > TARGET_ALLOW_MAX) {
            snprintf(exp, explen, "at most %d entries", TARGET_ALLOW_MAX);
            return -1;
        }
        if (e.family != 0) {
            char a[INET6_ADDRSTRLEN];
            inet_ntop(e.family, e.addr, a, sizeof(a));
            snprintf(one, sizeof(one), "%s/%d", a, e.prefix);
        } else {
            snprintf(one, sizeof(one), "%s", e.name);
        }
        w = snprintf(out + used, outlen - used, "%s%s", used ? ", " : "", one);
        if (w < 0 || (size_t)w >= outlen - used) {
            snprintf(exp, explen, "a list of at most %zu bytes", outlen - 1);
            return -1;
        }
        used += (size_t)w;
    }
    if (rc < 0) {
        snprintf(exp, explen,
                 "host names, IP addresses or CIDR blocks (10.0.0.0/8, fd00::/8), separated by "
                 "commas");
        return -1;
    }
    return 0;
}

/* The address sa holds as 4 or 16 bytes; IPv4-mapped IPv6 as IPv4.
 * Returns the family, or 0. */
static int address_bytes(const struct sockaddr *sa, unsigned char out[16])
{
    if (sa->sa_family == AF_INET) {
        memcpy(out, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        return AF_INET;
    }
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a)) {
            memcpy(out, a->s6_addr + 12, 4);
            return AF_INET;
        }
        memcpy(out, a->s6_addr, 16);
        return AF_INET6;
    }
    return 0;
}

int target_allow_addr(const char *allow, const struct sockaddr *sa)
{
    unsigned char want[16];
    int family = address_bytes(sa, want);
    const char *p = allow;
    struct entry e;

    if (allow == NULL || family == 0)
        return 0;
    while (next_entry(&p, &e) == 1)
        if (e.family == family && same_prefix(e.addr, want, e.prefix))
            return 1;
    return 0;
}

/* The address of a literal host ("127.0.0.1", "[::1]", "::1") in *ss.
 * Returns 1, or 0 when host is not an address. */
static int literal_address(const char *host, struct sockaddr_storage *ss)
{
    char h[INET6_ADDRSTRLEN + 2];
    size_t len = strlen(host);

    memset(ss, 0, sizeof(*ss));
    if (len >= sizeof(h))
        return 0;
    if (len > 2 && host[0] == '[' && host[len - 1] == ']') {
        memcpy(h, host + 1, len - 2);
        h[len - 2] = '\0';
    } else {
        memcpy(h, host, len + 1);
    }
    if (inet_pton(AF_INET, h, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
        ss->ss_family = AF_INET;
        return 1;
    }
    if (inet_pton(AF_INET6, h, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
        ss->ss_family = AF_INET6;
        return 1;
    }
    return 0;
}

int target_allow_host(const char *allow, const char *host)
{
    struct sockaddr_storage ss;
    const char *p = allow;
    struct entry e;

    if (allow == NULL || host == NULL)
        return 0;
    if (literal_address(host, &ss))
        return target_allow_addr(allow, (struct sockaddr *)&ss);
    while (next_entry(&p, &e) == 1)
        if (e.family == 0 && strcasecmp(e.name, host) == 0)
            return 1;
    return 0;
}

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

    if (literal_address(host, &ss)) {
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
