/* ingest: POST /incoming/{endpointId} (SPEC section 4.1). Runs the checks
 * in the SPEC's order, stores the event and plans its runs in one
 * transaction, and answers 202 only after the commit is durable. */
#ifndef INCOMING_INGEST_H
#define INCOMING_INGEST_H

#include "catalog.h"
#include "http.h"
#include "uuid.h"

struct ingest_result {
    int accepted; /* 1 when a new event was stored */
    int queued;   /* runs planned for it that wait for a runner */
    char event_id[UUID_LEN + 1];
};

/* Handles the request; endpoint is the path segment after /incoming/.
 * cat: the responder's catalog. Always answers. res tells the caller
 * whether a runner has work. */
void ingest_handle(struct http_request *req, struct catalog *cat, const char *endpoint,
                   struct ingest_result *res);

/* 1 when the Content-Type value is application/json or application/<x>+json,
 * parameters allowed. */
int ingest_content_type_ok(const char *ct);

#endif
