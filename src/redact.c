/* redact: credential headers and URL userinfo, for the run log. */
#include "redact.h"

#include <string.h>
#include <strings.h>

int redact_header(const struct config *cfg, const char *name)
{
    static const char *const always[] = {"Authorization", "Proxy-Authorization", "Cookie"};

    for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++)
        if (strcasecmp(name, always[i]) == 0)
            return 1;
    return cfg != NULL && config_is_redacted(cfg, name);
}

/* Length of "scheme://" at the start of url, or 0. */
static size_t scheme_len(const char *url)
{
    size_t i = 0;

    if (!((url[0] >= 'A' && url[0] <= 'Z') || (url[0] >= 'a' && url[0] <= 'z')))
        return 0;
    while (url[i] && (strchr("+-.", url[i]) || (url[i] >= '0' && url[i] <= '9') ||
                      (url[i] >= 'A' && url[i] <= 'Z') || (url[i] >= 'a' && url[i] <= 'z')))
        i++;
    return strncmp(url + i, "://", 3) == 0 ? i + 3 : 0;
}

int redact_url(const char *url, struct buf *out)
{
    size_t start = scheme_len(url), end;
    const char *at = NULL;
    int rc;

    if (start == 0 && strncmp(url, "//", 2) == 0)
        start = 2;
    /* The authority ends at the path, the query or the fragment; its last
     * '@' ends the userinfo (RFC 3986 3.2, as libcurl reads it). */
    end = start + strcspn(url + start, "/?#");
    for (const char *p = url + start; p < url + end; p++)
        if (*p == '@')
            at = p;
    if (at == NULL)
        return buf_puts(out, url);
    rc = buf_append(out, url, start);
    if (rc == BUF_OK)
        rc = buf_puts(out, REDACT_MARK);
    return rc == BUF_OK ? buf_puts(out, at) : rc;
}
