/* metrics_expo: GET /metrics (SPEC 4.5), the Prometheus text exposition
 * format, version 0.0.4. Behind an admin token or a read-only metrics token
 * (include/metrics_token.h). Every family is printed with its # HELP and
 * # TYPE lines, even at zero; counters end in _total and come from the
 * store (include/counter.h, and the gate's recovery count), gauges are
 * read from the store at the scrape. The metric names are listed in
 * README's section "Metrics". */
#ifndef INCOMING_METRICS_EXPO_H
#define INCOMING_METRICS_EXPO_H

#include "buf.h"
#include "http.h"
#include "spawn.h"

/* Answers GET or HEAD /metrics. slots (may be NULL) gives the runners
 * alive. */
void metrics_expo_handle(struct http_request *req, struct spawn_slots *slots);

/* Appends s to out as a label value: backslash, double quote and line
 * feed escaped as the format says. Returns a buf status. */
int metrics_expo_label(struct buf *out, const char *s);

/* 1 when line is one well-formed sample line, "name{l=\"v\",...} value"
 * without a timestamp, as this module writes them; used to refuse a
 * stored series that is not. */
int metrics_expo_series_ok(const char *series);

#endif
