/*
 * stats.c — the shared scoreboard.
 */
#include <stdio.h>
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

void stats_reload_record(bool ok, unsigned generation, const char *err)
{
	uint32_t seq = STATS_GET(stats->master.reloads_seq);
	struct stats_reload *e =
		&stats->master.reloads[seq / 2 % STATS_RELOADS];

	__atomic_store_n(&stats->master.reloads_seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	e->when = (uint64_t)time(NULL);
	e->generation = generation;
	e->ok = ok;
	snprintf(e->error, sizeof(e->error), "%s",
		 ok || err == NULL ? "" : err);
	__atomic_store_n(&stats->master.reloads_seq, seq + 2, __ATOMIC_RELEASE);
}

size_t stats_reload_history(const struct stats_board *b,
			    struct stats_reload *out, size_t max)
{
	const struct stats_master *m = &b->master;

	for (int attempt = 0; attempt < 8; attempt++) {
		uint32_t seq = __atomic_load_n(&m->reloads_seq,
					       __ATOMIC_ACQUIRE);
		size_t n = seq / 2, k = n < max ? n : max;
		if (seq % 2 != 0)
			continue;
		if (k > STATS_RELOADS)
			k = STATS_RELOADS;
		for (size_t i = 0; i < k; i++)
			memcpy(&out[i],
			       &m->reloads[(n - 1 - i) % STATS_RELOADS],
			       sizeof(out[i]));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&m->reloads_seq, __ATOMIC_RELAXED) != seq)
			continue;
		for (size_t i = 0; i < k; i++)
			out[i].error[STATS_RELOAD_ERR - 1] = '\0';
		return k;
	}
	return 0;
}
