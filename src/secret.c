/* secret: random bytes, ids, API key secrets, digests, constant-time
 * comparison and private key files (see secret.h). */
#include "secret.h"

#include "uuid.h"

#include "b64.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

int secret_random(void *out, size_t n)
{
    unsigned char *p = out;

    while (n > 0) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            LOG_ERR("getrandom: %s", strerror(errno));
            return SECRET_ERR;
        }
        p += r;
        n -= (size_t)r;
    }
    return SECRET_OK;
}

/* UUIDs have one implementation, in the uuid module. */
int secret_uuid4(char out[37])
{
    return uuid_generate(out) == 0 ? SECRET_OK : SECRET_ERR;
}

int secret_is_uuid(const char *s)
{
    return uuid_valid(s);
}

int secret_apikey(char out[SECRET_APIKEY_LEN + 1])
{
    unsigned char r[SECRET_APIKEY_RANDOM_BYTES];
    size_t plen = strlen(SECRET_APIKEY_PREFIX);
    int rc = secret_random(r, sizeof r);

    if (rc != SECRET_OK)
        return rc;
    memcpy(out, SECRET_APIKEY_PREFIX, plen);
    rc = b64_encode(B64_URL, r, sizeof r, out + plen, SECRET_APIKEY_LEN + 1 - plen);
    OPENSSL_cleanse(r, sizeof r);
    return rc == B64_OK ? SECRET_OK : SECRET_SPACE;
}

/* Per thread, one SHA-256 context and the digest fetched once. With
 * EVP_sha256(), OpenSSL 3 looks the algorithm up in its provider tables on
 * every EVP_Digest: 4 % of a responder's CPU when it plans an event's runs
 * (each run id is a digest, src/plan.c). */
static __thread EVP_MD *sha256_md;
static __thread EVP_MD_CTX *sha256_ctx;

int secret_sha256_hex(const void *data, size_t n, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (sha256_md == NULL)
        sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (sha256_ctx == NULL)
        sha256_ctx = EVP_MD_CTX_new();
    if (sha256_md == NULL || sha256_ctx == NULL ||
        EVP_DigestInit_ex2(sha256_ctx, sha256_md, NULL) != 1 ||
        EVP_DigestUpdate(sha256_ctx, data, n) != 1 ||
        EVP_DigestFinal_ex(sha256_ctx, md, &mdlen) != 1 || mdlen != 32) {
        LOG_ERR("SHA-256 computation failed");
        return SECRET_ERR;
    }
    b64_hex_encode(md, 32, out, 65);
    return SECRET_OK;
}

/* Per thread, one HMAC context per digest, made once and given a new key
 * by each call (include/secret.h says why). */
#define KEPT_DIGESTS 4
static __thread struct {
    const char *digest;
    EVP_MAC_CTX *ctx;
} kept[KEPT_DIGESTS];

static EVP_MAC_CTX *hmac_ctx(const char *digest)
{
    OSSL_PARAM params[2];
    EVP_MAC *mac;
    EVP_MAC_CTX *ctx = NULL;
    int i;

    for (i = 0; i < KEPT_DIGESTS && kept[i].digest != NULL; i++)
        if (strcmp(kept[i].digest, digest) == 0)
            return kept[i].ctx;
    if (i == KEPT_DIGESTS)
        return NULL;
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (mac != NULL) {
        ctx = EVP_MAC_CTX_new(mac); /* holds its own reference to mac */
        EVP_MAC_free(mac);
    }
    if (ctx != NULL && EVP_MAC_CTX_set_params(ctx, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        ctx = NULL;
    }
    if (ctx != NULL) {
        kept[i].digest = digest;
        kept[i].ctx = ctx;
    }
    return ctx;
}

int secret_hmac(const char *digest, const void *key, size_t key_len, const void *const *parts,
                const size_t *lens, int nparts, unsigned char out[64])
{
    EVP_MAC_CTX *ctx = hmac_ctx(digest);
    size_t outlen = 0;
    int i;

    /* A NULL key would make OpenSSL keep the previous call's key. */
    if (ctx == NULL || EVP_MAC_init(ctx, key != NULL ? key : (const void *)"", key_len, NULL) != 1)
        goto fail;
    for (i = 0; i < nparts; i++)
        if (EVP_MAC_update(ctx, parts[i], lens[i]) != 1)
            goto fail;
    if (EVP_MAC_final(ctx, out, &outlen, 64) != 1)
        goto fail;
    return (int)outlen;
fail:
    LOG_ERR("HMAC-%s computation failed", digest);
    return -1;
}

int secret_hmac_sha256(const void *key, size_t key_len, const void *data, size_t n,
                       unsigned char out[32])
{
    unsigned char mac[64];
    const void *parts[1] = {data};
    size_t lens[1] = {n};

    if (secret_hmac("SHA256", key, key_len, parts, lens, 1, mac) != 32)
        return SECRET_ERR;
    memcpy(out, mac, 32);
    OPENSSL_cleanse(mac, sizeof mac);
    return SECRET_OK;
}

int secret_equal(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}

int secret_streq(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), i;
    unsigned char x = la != lb;

    for (i = 0; i < lb; i++) {
        unsigned char ca = i < la ? (unsigned char)a[i] : 0;
        x |= ca ^ (unsigned char)b[i];
    }
    return x == 0;
}

/* fsyncs the directory that holds path, so a rename or link survives a
 * power loss. */
static int sync_dir_of(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    int fd, rc;

    if (!slash) {
        strcpy(dir, ".");
    } else if (slash == path) {
        strcpy(dir, "/");
    } else {
        if ((size_t)(slash - path) >= sizeof dir)
            return SECRET_ERR;
        memcpy(dir, path, (size_t)(slash - path));
        dir[slash - path] = '\0';
    }
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return SECRET_ERR;
    rc = fsync(fd);
    close(fd);
    return rc == 0 ? SECRET_OK : SECRET_ERR;
}

/* Creates a temporary file next to path holding data, mode 0600, synced.
 * Its name is written to tmp (PATH_MAX bytes). */
static int write_temp(const char *path, const void *data, size_t n, char *tmp)
{
    const unsigned char *p = data;
    int fd;

    if (snprintf(tmp, PATH_MAX, "%s.tmp.XXXXXX", path) >= PATH_MAX)
        return SECRET_ERR;
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        LOG_ERR("cannot create a file next to %s: %s", path, strerror(errno));
        return SECRET_ERR;
    }
    if (fchmod(fd, 0600) != 0)
        goto fail;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            goto fail;
        p += w;
        n -= (size_t)w;
    }
    if (fsync(fd) != 0)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    return SECRET_OK;
fail:
    LOG_ERR("cannot write %s: %s", tmp, strerror(errno));
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return SECRET_ERR;
}

int secret_write_file(const char *path, const void *data, size_t n)
{
    char tmp[PATH_MAX];
    int rc = write_temp(path, data, n, tmp);

    if (rc != SECRET_OK)
        return rc;
    if (rename(tmp, path) != 0) {
        LOG_ERR("cannot rename to %s: %s", path, strerror(errno));
        unlink(tmp);
        return SECRET_ERR;
    }
    return sync_dir_of(path);
}

int secret_read_file(const char *path, void *out, size_t cap, size_t *outlen)
{
    struct stat st;
    size_t got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    int rc = SECRET_ERR;

    if (fd < 0) {
        if (errno == ENOENT)
            return SECRET_NOENT;
        LOG_ERR("cannot open %s: %s", path, strerror(errno));
        return SECRET_ERR;
    }
    if (fstat(fd, &st) != 0)
        goto out;
    if (!S_ISREG(st.st_mode)) {
        errno = EINVAL; /* "not a regular file" in the log */
        goto out;
    }
    if (st.st_mode & 077)
        LOG_WARN("%s is readable by others than its owner (mode %o)", path,
                 (unsigned)(st.st_mode & 0777));
    if ((unsigned long long)st.st_size > cap) {
        rc = SECRET_TOOBIG;
        goto out;
    }
    /* Read to EOF, but never past cap even if the file grew meanwhile. */
    for (;;) {
        ssize_t r;
        unsigned char extra;
        if (got == cap) {
            r = read(fd, &extra, 1);
            if (r > 0) {
                rc = SECRET_TOOBIG;
                goto out;
            }
        } else {
            r = read(fd, (unsigned char *)out + got, cap - got);
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            goto out;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    *outlen = got;
    rc = SECRET_OK;
out:
    if (rc == SECRET_ERR)
        LOG_ERR("cannot read %s: %s", path, strerror(errno));
    close(fd);
    return rc;
}

/* Reads a key file that must hold exactly n bytes. */
static int read_key(const char *path, void *key, size_t n)
{
    size_t got = 0;
    int rc = secret_read_file(path, key, n, &got);

    if (rc == SECRET_TOOBIG || (rc == SECRET_OK && got != n)) {
        LOG_ERR("%s does not hold a %zu-byte key", path, n);
        return SECRET_BADSIZE;
    }
    return rc;
}

int secret_key_load_or_create(const char *path, void *key, size_t n)
{
    char tmp[PATH_MAX];
    int rc = read_key(path, key, n);

    if (rc != SECRET_NOENT)
        return rc;
    rc = secret_random(key, n);
    if (rc == SECRET_OK)
        rc = write_temp(path, key, n, tmp);
    if (rc != SECRET_OK)
        return rc;
    if (link(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        if (e == EEXIST) /* another process created it first: use theirs */
            return read_key(path, key, n);
        LOG_ERR("cannot create %s: %s", path, strerror(e));
        return SECRET_ERR;
    }
    unlink(tmp);
    return sync_dir_of(path);
}
