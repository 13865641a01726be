/*
 * What one scoreboard increment costs: a locked read-modify-write
 * (__atomic_fetch_add) against the relaxed load + store forkd uses, since
 * every counter has a single writer (see src/stats.h).
 *
 *   cc -O2 -o /tmp/counter_cost bench/counter_cost.c && /tmp/counter_cost
 */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define N 200000000L

static uint64_t ctr[8] __attribute__((aligned(64)));

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(void)
{
	double t0 = now();
	for (long i = 0; i < N; i++)
		__atomic_fetch_add(&ctr[i & 7], 1, __ATOMIC_RELAXED);
	double t1 = now();
	for (long i = 0; i < N; i++) {
		uint64_t v = __atomic_load_n(&ctr[i & 7], __ATOMIC_RELAXED);
		__atomic_store_n(&ctr[i & 7], v + 1, __ATOMIC_RELAXED);
	}
	double t2 = now();
	printf("locked add: %.2f ns, single-writer load+store: %.2f ns\n",
	       (t1 - t0) / N * 1e9, (t2 - t1) / N * 1e9);
	return 0;
}
