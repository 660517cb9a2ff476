/* outgoing: libcurl requests with the product's safety rules. */
#include "acconfig.h"
#include "outgoing.h"

#include "header_rules.h"
#include "log.h"
#include "target.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

struct ctx {
    struct outgoing_response *resp;
    int allow_private;
    const char *allow_hosts; /* outgoing_allow_hosts: addresses and blocks */
    int refused;             /* an address was refused by the private-address rule */
};

int outgoing_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static void (*tick_fn)(void);

void outgoing_set_tick(void (*tick)(void))
{
    tick_fn = tick;
}

/* libcurl's progress callback, called during a transfer and again soon
 * after a signal interrupts its wait. */
static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)arg, (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    if (tick_fn != NULL)
        tick_fn();
    return 0;
}

static int v4_private(uint32_t a)
{
    return (a >> 24) == 0 || (a >> 24) == 10 || (a >> 24) == 127 ||
           (a >> 16) == ((169u << 8) | 254) || (a >> 20) == ((172u << 4) | 1) ||
           (a >> 16) == ((192u << 8) | 168) || (a >> 22) == ((100u << 2) | 1) || /* 100.64/10 */
           (a >> 28) >= 14 /* multicast and reserved */ || (a >> 8) == 0xc00000 /* 192.0.0/24 */;
}

int outgoing_address_private(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        return v4_private(ntohl(in->sin_addr.s_addr));
    }
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        const unsigned char *b = a->s6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a) || IN6_IS_ADDR_V4COMPAT(a)) {
            uint32_t v4 =
                ((uint32_t)b[12] << 24) | ((uint32_t)b[13] << 16) | ((uint32_t)b[14] << 8) | b[15];
            return v4_private(v4);
        }
        return IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_LINKLOCAL(a) ||
               IN6_IS_ADDR_SITELOCAL(a) || IN6_IS_ADDR_MULTICAST(a) ||
               (b[0] & 0xfe) == 0xfc /* unique local fc00::/7 */ ||
               (b[0] == 0x20 && b[1] == 0x02) /* 6to4 may embed anything */ ||
               (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b) /* NAT64 */;
    }
    return 1;
}

static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr)
{
    struct ctx *c = clientp;
    (void)purpose;
    if (!c->allow_private && target_address_internal(&addr->addr) &&
        !target_allow_addr(c->allow_hosts, &addr->addr)) {
        c->refused = 1;
        return CURL_SOCKET_BAD;
    }
    return socket(addr->family, addr->socktype, addr->protocol);
}

static size_t on_body(char *p, size_t size, size_t n, void *userdata)
{
    struct ctx *c = userdata;
    size_t len = size * n;
    size_t room = OUTGOING_BODY_MAX - c->resp->body.len;

    if (len > room) {
        c->resp->truncated = 1;
        buf_append(&c->resp->body, p, room);
        return len; /* keep reading; the rest is dropped */
    }
    buf_append(&c->resp->body, p, len);
    return len;
}

static long parse_retry_after(const char *v)
{
    char *end;
    long n;

    while (*v == ' ')
        v++;
    if (isdigit((unsigned char)*v)) {
        n = strtol(v, &end, 10);
        return n < 0 ? -1 : (n > 86400 ? 86400 : n);
    }
    {
        time_t when = curl_getdate(v, NULL);
        time_t now = time(NULL);
        if (when < 0)
            return -1;
        return when <= now ? 0 : (when - now > 86400 ? 86400 : (long)(when - now));
    }
}

static size_t on_header(char *p, size_t size, size_t n, void *userdata)
{
    struct ctx *c = userdata;
    size_t len = size * n;
    char name[128], value[1024];
    const char *colon = memchr(p, ':', len);
    size_t nl, vl;

    if (colon == NULL || (size_t)(colon - p) >= sizeof(name))
        return len;
    if (strncmp(p, "HTTP/", 5) == 0)
        return len;
    nl = (size_t)(colon - p);
    memcpy(name, p, nl);
    name[nl] = '\0';
    colon++;
    while (colon < p + len && (*colon == ' ' || *colon == '\t'))
        colon++;
    vl = (size_t)(p + len - colon);
    while (vl > 0 && (colon[vl - 1] == '\r' || colon[vl - 1] == '\n' || colon[vl - 1] == ' '))
        vl--;
    if (vl >= sizeof(value))
        vl = sizeof(value) - 1;
    memcpy(value, colon, vl);
    value[vl] = '\0';
    /* Canonical form: each hyphen-separated word capitalised. */
    for (size_t i = 0; i < nl; i++)
        name[i] = (char)((i == 0 || name[i - 1] == '-') ? toupper((unsigned char)name[i])
                                                        : tolower((unsigned char)name[i]));
    if (strcasecmp(name, "Retry-After") == 0)
        c->resp->retry_after_s = parse_retry_after(value);
    if (cJSON_GetArraySize(c->resp->headers) < 100) {
        cJSON_DeleteItemFromObjectCaseSensitive(c->resp->headers, name);
        cJSON_AddStringToObject(c->resp->headers, name, value);
    }
    return len;
}

static int retryable_status(int st)
{
    return st == 408 || st == 429 || st >= 500;
}

/* One handle per process, reset between requests: its connection cache
 * keeps connections to the targets open (a runner sends many requests to
 * the same few hosts). A new connection still goes through open_socket's
 * address check; a kept one goes to an address that passed it. */
static CURL *handle(void)
{
    static CURL *h;

    if (h != NULL)
        curl_easy_reset(h);
    else
        h = curl_easy_init();
    return h;
}

/* The last guard before libcurl: every "Name: value" line has a name that
 * may be sent and a value without a control character (header_rules.h),
 * whoever built it. Returns 0, or -1 with the reason (never the value) in
 * err. */
static int check_header_lines(const char *const *lines, char *err, size_t errlen)
{
    for (const char *const *p = lines; p && *p; p++) {
        const char *colon = strchr(*p, ':'), *v;
        char name[HEADER_RULES_NAME_MAX + 2], why[400];
        size_t nl = colon ? (size_t)(colon - *p) : 0;

        if (colon == NULL || nl >= sizeof(name)) {
            snprintf(err, errlen, "refused: header %d is not a \"Name: value\" line",
                     (int)(p - lines) + 1);
            return -1;
        }
        memcpy(name, *p, nl);
        name[nl] = '\0';
        for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
            ;
        if (header_rules_check_name(name, why, sizeof(why)) != 0 ||
            header_rules_check_value(v, strlen(v), why, sizeof(why)) != 0) {
            snprintf(err, errlen, "refused: header %d: %.200s", (int)(p - lines) + 1, why);
            return -1;
        }
    }
    return 0;
}

int outgoing_send(const struct outgoing_request *req, struct outgoing_response *resp)
{
    struct curl_slist *hdrs = NULL;
    struct ctx c;
    struct timeval t0, t1;
    CURLcode cc;
    CURL *h;
    long status = 0;

    memset(resp, 0, sizeof(*resp));
    buf_init(&resp->body, OUTGOING_BODY_MAX);
    resp->headers = cJSON_CreateObject();
    resp->retry_after_s = -1;
    memset(&c, 0, sizeof(c));
    c.resp = resp;
    /* The product's own routes (the origin of public_base_url) and the
     * hosts outgoing_allow_hosts names are reached whatever address they
     * resolve to; the listed addresses and blocks in open_socket. */
    c.allow_private = req->allow_private || target_same_origin(req->url, req->self_url) ||
                      target_url_host_allowed(req->url, req->allow_hosts);
    c.allow_hosts = req->allow_hosts;
    if (check_header_lines(req->headers, resp->error, sizeof(resp->error)) != 0) {
        resp->retryable = 0;
        return -1;
    }
    h = handle();
    if (h == NULL) {
        snprintf(resp->error, sizeof(resp->error), "cannot start an HTTP client");
        resp->retryable = 1;
        return -1;
    }
    for (const char *const *p = req->headers; p && *p; p++)
        hdrs = curl_slist_append(hdrs, *p);
    hdrs = curl_slist_append(hdrs, "Expect:");
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
    if (strcmp(req->method, "GET") == 0)
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    else if (req->body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, req->timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     req->timeout_ms < 5000 ? req->timeout_ms : 5000L);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &c);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &c);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &c);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "incoming/" PACKAGE_VERSION);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)64 << 20);
    if (tick_fn != NULL) {
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    }
    gettimeofday(&t0, NULL);
    cc = curl_easy_perform(h);
    gettimeofday(&t1, NULL);
    resp->duration_ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_usec - t0.tv_usec) / 1000;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hdrs);
    if (c.refused) {
        snprintf(resp->error, sizeof(resp->error),
                 "refused: the URL resolves to a loopback, private or link-local address, "
                 "or to an address of this machine (allow it with outgoing_allow_hosts, or "
                 "outgoing_allow_private = yes; this server's own routes are allowed at the "
                 "origin of public_base_url)");
        resp->retryable = 0;
        return -1;
    }
    if (cc != CURLE_OK && status == 0) {
        snprintf(resp->error, sizeof(resp->error), "%s", curl_easy_strerror(cc));
        resp->retryable = cc != CURLE_UNSUPPORTED_PROTOCOL && cc != CURLE_URL_MALFORMAT;
        return -1;
    }
    resp->status = (int)status;
    resp->retryable = retryable_status(resp->status);
    return 0;
}

void outgoing_response_free(struct outgoing_response *resp)
{
    if (resp == NULL)
        return;
    cJSON_Delete(resp->headers);
    resp->headers = NULL;
    buf_free(&resp->body);
}
