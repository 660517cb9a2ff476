/* isotime: ISO 8601 date-times (the "time" of custom profile events) to and
 * from milliseconds since the epoch, without the C library's time zone or
 * time_t range; and the current time in those milliseconds. */
#ifndef INCOMING_ISOTIME_H
#define INCOMING_ISOTIME_H

#include <stddef.h>

#define ISOTIME_LEN 24 /* "2021-04-28T14:09:27.000Z" */

/* Parses s (NUL-terminated) as
 *   YYYY-MM-DD[(T|t| )hh:mm[:ss[(.|,)f...]]][Z|z|(+|-)hh[[:]mm]]
 * (fraction: 1 to 9 digits, truncated to milliseconds; seconds 00..60, 60
 * rolling over; no zone means UTC; a date alone is its midnight UTC) into
 * milliseconds since 1970-01-01T00:00:00Z. Times before 1970 are refused.
 * Returns 0 and *ms, or -1. */
int isotime_parse(const char *s, long long *ms);

/* Writes ms (>= 0) as "YYYY-MM-DDThh:mm:ss.mmmZ" into out (at least
 * ISOTIME_LEN + 1 bytes). Returns 0, or -1 when ms is out of range. */
int isotime_format(long long ms, char *out, size_t outlen);

/* Milliseconds since the epoch now (the system's real-time clock): the
 * times that records, runs and leases carry. */
long long isotime_now_ms(void);

#endif
