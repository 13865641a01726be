/*
 * status.h — the status endpoint's documents, rendered from the scoreboard:
 * JSON (every worker's slot), Prometheus text exposition, a byte-for-byte
 * copy of nginx's stub_status for existing exporters and dashboards, and
 * an HTML page for people (statuspage.c).
 */
#ifndef FORKD_STATUS_H
#define FORKD_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "stats.h"

enum status_format {
	STATUS_JSON,
	STATUS_PROMETHEUS,
	STATUS_STUB,
	STATUS_HTML, /* a page for people: statuspage.h */
};

/* "format=json|prometheus|stub|html" in a query string (JSON by default);
 * -1 for an unknown format. */
int status_format_of(const char *query, size_t len);

const char *status_content_type(enum status_format f);

/*
 * Render the board into out.  now_ms is the monotonic clock (heartbeat
 * ages), now the wall clock (uptime).  Returns the length, or 0 when out
 * is too small.
 */
size_t status_render(char *out, size_t outsz, enum status_format f,
		     const struct stats_board *b, uint64_t now_ms,
		     uint64_t now);

/* Totals over live workers and the gone ones; balance over the current
 * generation (max and min requests per worker). */
struct status_totals {
	uint64_t accepted, handled, requests, bytes_sent;
	uint64_t active, reading, writing, idle;
	uint64_t req_max, req_min;
	unsigned workers;
};
void status_totals(const struct stats_board *b, struct status_totals *t);

#endif
