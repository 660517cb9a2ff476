/* buf: a growable byte buffer with a hard size limit fixed at creation.
 * Everything filled from the network goes through one of these. The data is
 * always NUL-terminated (the NUL is not counted in len). */
#ifndef INCOMING_BUF_H
#define INCOMING_BUF_H

#include <stddef.h>

struct buf {
    char *data; /* owned; NULL until the first append */
    size_t len;
    size_t cap;
    size_t limit; /* appends that would make len exceed this fail */
};

enum buf_status { BUF_OK = 0, BUF_TOOBIG = -1, BUF_NOMEM = -2 };

/* Starts an empty buffer that may grow to limit bytes. Allocates nothing. */
void buf_init(struct buf *b, size_t limit);
/* Frees the data; b may be NULL. The buffer is empty and reusable after. */
void buf_free(struct buf *b);
/* Empties without freeing. */
void buf_reset(struct buf *b);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Makes room for n more bytes without changing len. */
int buf_reserve(struct buf *b, size_t n);
/* Hands the data to the caller (who frees it) and empties b. Never NULL
 * unless out of memory: an empty buffer yields "". */
char *buf_take(struct buf *b);
/* The data, or "" when nothing was appended. Borrowed. */
const char *buf_str(const struct buf *b);

#endif
