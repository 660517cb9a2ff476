/* secret: randomness and the small pieces every credential needs: UUID v4
 * ids, API key secrets, SHA-256 digests for storing tokens, constant-time
 * comparison, and a private key file written atomically with mode 0600.
 * Nothing here logs a secret. */
#ifndef INCOMING_SECRET_H
#define INCOMING_SECRET_H

#include <stddef.h>

/* API key secrets: "ik_" + base64url of 32 random bytes (256 bits). */
#define SECRET_APIKEY_PREFIX "ik_"
#define SECRET_APIKEY_RANDOM_BYTES 32
#define SECRET_APIKEY_LEN 46 /* 3 + 43 characters, without the NUL */
/* The server's JWT signing key (raw bytes in its file). */
#define SECRET_SERVER_KEY_BYTES 32
/* A sensible cap for callers of secret_read_file (key files are tiny). */
#define SECRET_FILE_MAX 4096

enum secret_status {
    SECRET_OK = 0,
    SECRET_ERR = -1,     /* system call failed (errno kept, logged) */
    SECRET_TOOBIG = -2,  /* file larger than the caller's buffer */
    SECRET_NOENT = -3,   /* file does not exist */
    SECRET_BADSIZE = -4, /* file has another size than required */
    SECRET_SPACE = -5    /* output buffer too small */
};

/* Fills out with n bytes from getrandom(2) (blocking until the pool is
 * seeded, retrying on EINTR and short reads). */
int secret_random(void *out, size_t n);

/* Writes a random (version 4, RFC 9562) UUID in lower-case text with its
 * NUL: "xxxxxxxx-xxxx-4xxx-Nxxx-xxxxxxxxxxxx", N in 8..b. */
int secret_uuid4(char out[37]);
/* 1 when s is UUID text as secret_uuid4 writes it (any version, lower or
 * upper hex), else 0. Useful to check ids from URLs before lookups. */
int secret_is_uuid(const char *s);

/* Writes a new API key secret (SECRET_APIKEY_LEN characters + NUL). */
int secret_apikey(char out[SECRET_APIKEY_LEN + 1]);

/* Lower-case hex SHA-256 of n bytes of data into out (65 bytes with NUL). */
int secret_sha256_hex(const void *data, size_t n, char out[65]);

/* HMAC with digest ("SHA256", "SHA1", "SHA512": a string literal, kept by
 * pointer) of the concatenation of nparts byte strings, under key (key_len
 * bytes, may be 0), into out. The OpenSSL context of each digest is made
 * once per thread and only re-keyed per call: OpenSSL 3's one-shot HMAC()
 * looks the algorithm up in its provider tables every time, which was 6 %
 * of a responder's CPU at c=32 with JWT authentication. Returns the digest
 * length, or -1 (logged). */
int secret_hmac(const char *digest, const void *key, size_t key_len, const void *const *parts,
                const size_t *lens, int nparts, unsigned char out[64]);
/* secret_hmac of one string with SHA-256. Returns SECRET_OK, or SECRET_ERR. */
int secret_hmac_sha256(const void *key, size_t key_len, const void *data, size_t n,
                       unsigned char out[32]);

/* Constant-time comparison of n bytes: 1 when equal, else 0. */
int secret_equal(const void *a, const void *b, size_t n);
/* Constant-time comparison of two strings: 1 when equal. Time depends only
 * on the length of b (pass the untrusted value as a, the secret as b). */
int secret_streq(const char *a, const char *b);

/* Writes n bytes to path with mode 0600: a temporary file in the same
 * directory, fsync, rename over path, fsync of the directory. */
int secret_write_file(const char *path, const void *data, size_t n);
/* Reads all of path into out (cap bytes). SECRET_TOOBIG when larger,
 * SECRET_NOENT when absent. Warns in the log when the file is readable by
 * group or others. */
int secret_read_file(const char *path, void *out, size_t cap, size_t *outlen);

/* The server signing key: reads exactly n bytes from path, or, when path
 * does not exist, generates n random bytes and creates it (mode 0600) so
 * that concurrent first starts agree on one key (link(2) never replaces an
 * existing file; the loser reads the winner's key). */
int secret_key_load_or_create(const char *path, void *key, size_t n);

#endif
