/* target_allow: the outgoing_allow_hosts list, parsed and matched (see
 * target.h). Text and addresses only, so that config.c can check the key
 * without the outgoing code. */
#include "target.h"

#include "numparse.h"

#include <arpa/inet.h>
#include <ctype.h>
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

int target_literal_address(const char *host, struct sockaddr_storage *ss)
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
    if (target_literal_address(host, &ss))
        return target_allow_addr(allow, (struct sockaddr *)&ss);
    while (next_entry(&p, &e) == 1)
        if (e.family == 0 && strcasecmp(e.name, host) == 0)
            return 1;
    return 0;
}
