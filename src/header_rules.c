/* header_rules: names and values an outgoing request's headers may have. */
#include "header_rules.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The headers that frame the message or concern one connection (RFC 9110
 * 7.6.1 and 6.6, RFC 9112, RFC 9113 8.2.2): libcurl writes the ones the
 * request needs, and one set twice is how a body gets framed two ways. */
static const char *const reserved[] = {
    "Host",    "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive",    "TE",
    "Trailer", "Upgrade",        "Proxy-Connection",  "Expect",     "HTTP2-Settings"};

int header_rules_name_valid(const char *name)
{
    size_t len = name ? strlen(name) : 0;

    if (len == 0 || len > HEADER_RULES_NAME_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL)))
            return 0;
    }
    return 1;
}

int header_rules_name_reserved(const char *name)
{
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
        if (strcasecmp(name, reserved[i]) == 0)
            return 1;
    return 0;
}

int header_rules_check_name(const char *name, char *err, size_t errlen)
{
    if (!header_rules_name_valid(name)) {
        snprintf(err, errlen,
                 "a header name is fixed text of 1 to %d letters, digits and !#$%%&'*+-.^_`|~ "
                 "(no template, space or colon)",
                 HEADER_RULES_NAME_MAX);
        return -1;
    }
    if (header_rules_name_reserved(name)) {
        snprintf(err, errlen,
                 "%s is a hop-by-hop or framing header, which only the HTTP client sets "
                 "(Host, Content-Length, Transfer-Encoding, Connection, Keep-Alive, TE, Trailer, "
                 "Upgrade, Proxy-Connection, Expect, HTTP2-Settings)",
                 name);
        return -1;
    }
    return 0;
}

long header_rules_find_control(const char *v, size_t len, unsigned *cp)
{
    const unsigned char *s = (const unsigned char *)v;

    for (size_t i = 0; i < len; i++) {
        unsigned c = s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            if (cp)
                *cp = c;
            return (long)i;
        }
        /* C1 controls U+0080..U+009F are C2 80..C2 9F in UTF-8. */
        if (c == 0xc2 && i + 1 < len && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f) {
            if (cp)
                *cp = s[i + 1];
            return (long)i;
        }
        /* U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR: E2 80 A8/A9. */
        if (c == 0xe2 && i + 2 < len && s[i + 1] == 0x80 &&
            (s[i + 2] == 0xa8 || s[i + 2] == 0xa9)) {
            if (cp)
                *cp = 0x2000u + (s[i + 2] - 0x80u);
            return (long)i;
        }
    }
    return -1;
}

int header_rules_check_value(const char *v, size_t len, char *err, size_t errlen)
{
    unsigned cp = 0;
    long at = header_rules_find_control(v, len, &cp);

    if (at < 0)
        return 0;
    snprintf(err, errlen, "holds a control character (U+%04X) at byte %ld", cp, at);
    return -1;
}
