/*
 * stats.c — the shared scoreboard.
 */
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "stats.h"

struct stats_board *stats;

int stats_init(void)
{
	void *p = mmap(NULL, sizeof(*stats), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	stats = p;
	stats->master.started = (uint64_t)time(NULL);
	return 0;
}

int stats_slot_take(pid_t pid, unsigned gen, unsigned slot)
{
	for (int i = 0; i < STATS_SLOTS; i++) {
		struct stats_worker *sw = &stats->w[i];
		if (STATS_GET(sw->state) != STATS_FREE)
			continue;
		memset(sw, 0, sizeof(*sw));
		sw->pid = pid;
		sw->gen = gen;
		sw->slot = slot;
		sw->started = (uint64_t)time(NULL);
		STATS_SET(sw->state, (uint32_t)STATS_STARTING);
		return i;
	}
	return -1;
}

void stats_slot_release(int idx)
{
	struct stats_worker *sw;

	if (idx < 0 || idx >= STATS_SLOTS)
		return;
	sw = &stats->w[idx];
	STATS_ADD(stats->master.gone_accepted, STATS_GET(sw->accepted));
	STATS_ADD(stats->master.gone_handled, STATS_GET(sw->handled));
	STATS_ADD(stats->master.gone_requests, STATS_GET(sw->requests));
	STATS_ADD(stats->master.gone_bytes_sent, STATS_GET(sw->bytes_sent));
	STATS_SET(sw->state, (uint32_t)STATS_FREE);
}
