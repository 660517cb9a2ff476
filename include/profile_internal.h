/* profile_internal: what profile.c and profile_store.c share; not for other
 * modules. */
#ifndef INCOMING_PROFILE_INTERNAL_H
#define INCOMING_PROFILE_INTERNAL_H

#include "profile.h"

/* Writes the index key of identifier kind = text ("e:" + lower-cased
 * email, "c:" + customId, "u:" + lower-cased uuid, "i:" + id text) into
 * key. Returns 0, or -1 when text is not a valid identifier of that kind. */
int profile_ident_key(enum profile_ident kind, const char *text, char key[PROFILE_KEY_MAX]);

#endif
