/* uuid: random (version 4) and time-ordered (version 7) UUIDs as
 * 36-character lower-case text, and the validator every id taken from a
 * request or a command line goes through before it is used as a key. */
#ifndef INCOMING_UUID_H
#define INCOMING_UUID_H

#include <stddef.h>

#define UUID_LEN 36

/* Writes a new random UUID and a NUL into out. Returns 0, -1 when the
 * kernel's random source fails. */
int uuid_generate(char out[UUID_LEN + 1]);
/* Writes a new time-ordered UUID (RFC 9562 version 7): time_us, in
 * microseconds since the epoch, as its milliseconds in the first 48 bits
 * and the fraction of a millisecond in the next 12 (RFC 9562 section 6.2,
 * method 3), then 62 random bits. Ids made later sort after (as text too)
 * ids made at an earlier microsecond, by any process (the clock is the
 * system's), so records keyed by them are appended at the end of a btree
 * instead of on a random page of it: event ids (docs/storage.md).
 * Returns 0, -1 when the kernel's random source fails. */
int uuid_generate_ordered(long long time_us, char out[UUID_LEN + 1]);
/* 1 when s is exactly 36 characters of 8-4-4-4-12 hex digits (any case). */
int uuid_valid(const char *s);
/* Copies len bytes of in as a lower-case UUID into out. Returns 0, or -1
 * when they are not a UUID. */
int uuid_parse(const char *in, size_t len, char out[UUID_LEN + 1]);

#endif
