/* origin: origins of URLs and Host headers in one comparable spelling. */
#include "origin.h"

#include "numparse.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Characters of a registered name or an IPv4 address (RFC 3986 unreserved
 * and pct-encoded; sub-delims are refused: no browser sends them). */
static int name_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '%';
}

static int v6_char(char c)
{
    return isxdigit((unsigned char)c) || c == ':' || c == '.';
}

/* Splits authority[0..len) (userinfo already dropped) into host and port
 * and writes "scheme://host:port". Returns 0 or -1. */
static int write_origin(const char *scheme, long long defport, const char *auth, size_t len,
                        char *out, size_t outlen)
{
    const char *colon = NULL, *errstr;
    size_t hlen, i;
    long long port = defport;
    int n;

    if (len == 0)
        return -1;
    if (auth[0] == '[') {
        const char *close = memchr(auth, ']', len);
        if (close == NULL || close == auth + 1)
            return -1;
        for (const char *p = auth + 1; p < close; p++)
            if (!v6_char(*p))
                return -1;
        hlen = (size_t)(close - auth) + 1;
        if (hlen < len) {
            if (auth[hlen] != ':')
                return -1;
            colon = auth + hlen;
        }
    } else {
        colon = memchr(auth, ':', len);
        hlen = colon ? (size_t)(colon - auth) : len;
        if (hlen == 0)
            return -1;
        for (i = 0; i < hlen; i++)
            if (!name_char(auth[i]))
                return -1;
    }
    /* "host:" means the default port, as in URLs. */
    if (colon != NULL && colon + 1 < auth + len &&
        num_parse_lln(colon + 1, (size_t)(auth + len - colon - 1), 1, 65535, &port, &errstr) != 0)
        return -1;
    n = snprintf(out, outlen, "%s://%.*s:%lld", scheme, (int)hlen, auth, port);
    if (n < 0 || (size_t)n >= outlen)
        return -1;
    for (i = 0; i < hlen; i++)
        out[strlen(scheme) + 3 + i] = (char)tolower((unsigned char)auth[i]);
    return 0;
}

int origin_of_url(const char *url, char *out, size_t outlen)
{
    const char *scheme, *auth, *end, *at;
    long long defport;

    if (url == NULL)
        return -1;
    if (strncasecmp(url, "http://", 7) == 0) {
        scheme = "http";
        defport = 80;
        auth = url + 7;
    } else if (strncasecmp(url, "https://", 8) == 0) {
        scheme = "https";
        defport = 443;
        auth = url + 8;
    } else {
        return -1;
    }
    end = auth + strcspn(auth, "/?#");
    for (at = end; at > auth && at[-1] != '@'; at--)
        ;
    if (at > auth) /* userinfo: not part of the origin */
        auth = at;
    return write_origin(scheme, defport, auth, (size_t)(end - auth), out, outlen);
}

int origin_of_host(const char *scheme, const char *host, char *out, size_t outlen)
{
    char url[ORIGIN_MAX];
    int n;

    if (scheme == NULL || host == NULL || host[strcspn(host, "/?#@")] != '\0')
        return -1;
    n = snprintf(url, sizeof(url), "%s://%s", scheme, host);
    if (n < 0 || (size_t)n >= sizeof(url))
        return -1;
    return origin_of_url(url, out, outlen);
}
