/*
 * clock.h — monotonic milliseconds, for deadlines and ages.  Inline: the
 * worker reads the clock once per wake-up, the small-file cache once per
 * hit.
 */
#ifndef FORKD_CLOCK_H
#define FORKD_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t clock_ms_of(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Exact, for the master's timers. */
static inline uint64_t clock_ms(void)
{
	return clock_ms_of(CLOCK_MONOTONIC);
}

/* As of the last tick (a few ms), read without a system call. */
static inline uint64_t clock_coarse_ms(void)
{
	return clock_ms_of(CLOCK_MONOTONIC_COARSE);
}

#endif
