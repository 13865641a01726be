/*
 * statuspage.h — the status endpoint's HTML page, for a person with a
 * browser: uptime, generation, lame duck, connections, requests, the
 * balance figure, the last reloads and one row per worker process.
 */
#ifndef FORKD_STATUSPAGE_H
#define FORKD_STATUSPAGE_H

#include <stddef.h>
#include <stdint.h>

#include "stats.h"
#include "status.h"

#define STATUSPAGE_REFRESH 5 /* seconds between the page's own reloads */

/*
 * Render the page for board b with its totals t into out.  now_ms is the
 * monotonic clock (heartbeat ages), now the wall clock.  Worker rows that
 * would not leave room for the rest of the page are counted in a note
 * instead.  Returns the length, or 0 when out is too small even so.
 */
size_t statuspage_render(char *out, size_t outsz, const struct stats_board *b,
			 const struct status_totals *t, uint64_t now_ms,
			 uint64_t now);

#endif
