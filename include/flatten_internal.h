/* flatten_internal: what flatten.c and flatten_text.c share (key segments
 * in template syntax); not for other modules. */
#ifndef INCOMING_FLATTEN_INTERNAL_H
#define INCOMING_FLATTEN_INTERNAL_H

#include <stddef.h>

#include "buf.h"

/* Appends the segment of member name (len bytes, UTF-8) to key: the bare
 * name at the start of a key, ".name" for an identifier, else ["name"] with
 * JSON escaping. Returns 0 or -1 (buffer full or out of memory). */
int flatten_put_member(struct buf *key, const char *name, size_t len);
/* Appends "[index]". Returns 0 or -1. */
int flatten_put_index(struct buf *key, size_t index);
/* Cuts key back to len bytes (len <= key->len). */
void flatten_key_truncate(struct buf *key, size_t len);

#endif
