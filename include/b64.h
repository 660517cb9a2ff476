/* b64: strict base64 (RFC 4648 section 4, padded), base64url (section 5,
 * unpadded, as JWT uses it) and hex. Decoders reject any character outside
 * the alphabet (no whitespace), wrong padding and non-zero trailing bits, so
 * every byte string has exactly one accepted encoding. Outputs are bounded
 * by the caller's capacity; nothing is allocated. */
#ifndef INCOMING_B64_H
#define INCOMING_B64_H

#include <stddef.h>

enum b64_variant {
    B64_STD = 0, /* "+/", '=' padding required (length a multiple of 4) */
    B64_URL = 1  /* "-_", no padding ('=' is refused) */
};

enum b64_status {
    B64_OK = 0,
    B64_BADCHAR = -1, /* a character outside the alphabet, or misplaced '=' */
    B64_BADLEN = -2,  /* impossible length, wrong padding, non-zero trailing bits */
    B64_SPACE = -3    /* the output does not fit in the caller's buffer */
};

/* Characters b64_encode writes for n input bytes, without the NUL. */
size_t b64_encoded_len(enum b64_variant v, size_t n);
/* Upper bound of the bytes b64_decode writes for n input characters. */
size_t b64_decoded_max(size_t n);

/* Encodes n bytes of in into out (outcap bytes, including room for the
 * terminating NUL, which is always written on success). */
int b64_encode(enum b64_variant v, const void *in, size_t n, char *out, size_t outcap);

/* Decodes n characters of in (not NUL-terminated) into out (outcap bytes).
 * Returns B64_OK with *outlen set, or a b64_status. On error out may hold
 * partial data. */
int b64_decode(enum b64_variant v, const char *in, size_t n, void *out, size_t outcap,
               size_t *outlen);

/* Lower-case hex of n bytes into out (needs 2n+1 bytes). */
int b64_hex_encode(const void *in, size_t n, char *out, size_t outcap);
/* Decodes n hex digits (either case; n must be even) into out. */
int b64_hex_decode(const char *in, size_t n, void *out, size_t outcap, size_t *outlen);
/* The value of one hex digit (either case), or -1. */
int b64_hex_digit(int c);

/* Form decoding of n characters (a query string's name or value): '+' is a
 * space, %XX a byte, and a '%' not followed by two hex digits stays as it
 * is. Writes at most outcap bytes (no NUL) and returns how many. */
size_t b64_form_decode(const char *in, size_t n, char *out, size_t outcap);

#endif
