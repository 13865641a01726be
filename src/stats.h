/*
 * stats.h — the scoreboard: shared memory the master maps before it forks,
 * one cache-line-aligned slot per worker process plus master-wide figures.
 *
 * Each slot has one writer (its worker, or the master for the fields it
 * owns) and is read without locks: counters are plain 64-bit stores and
 * loads through relaxed atomics, cheap enough for the request path.
 */
#ifndef FORKD_STATS_H
#define FORKD_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define STATS_SLOTS 1024

enum stats_state {
	STATS_FREE = 0,
	STATS_STARTING,
	STATS_READY,
	STATS_DRAINING,
};

struct stats_worker {
	/* Written by the master. */
	int32_t pid;
	uint32_t gen;
	uint32_t slot;
	uint32_t state;   /* enum stats_state */
	uint64_t started; /* wall clock, seconds */
	uint32_t respawns;
	/* Written by the worker. */
	uint64_t heartbeat_ms; /* monotonic */
	uint64_t accepted;
	uint64_t handled; /* connections closed */
	uint64_t requests;
	uint64_t bytes_sent;
	uint32_t active; /* open connections */
	uint32_t reading;
	uint32_t writing;
	uint32_t idle;
	uint32_t aio_queued;    /* I/O pool: waiting for a thread */
	uint32_t aio_in_flight; /* I/O pool: submitted, not yet back */
	uint64_t aio_offloaded; /* I/O pool: operations, ever */
} __attribute__((aligned(128)));

/* One reload's outcome, as the master recorded it. */
#define STATS_RELOADS 8 /* kept, the oldest overwritten */
#define STATS_RELOAD_ERR 160
struct stats_reload {
	uint64_t when;       /* wall clock, seconds */
	uint32_t generation; /* serving afterwards */
	uint32_t ok;
	char error[STATS_RELOAD_ERR]; /* why it failed; "" when ok */
};

struct stats_master {
	uint64_t started;
	uint32_t generation;
	uint32_t reloads_ok;
	uint32_t reloads_failed;
	uint32_t upgrades;
	uint32_t lame_duck; /* stopping: health checks answer 503 */
	/* Counters of worker processes that are gone, so totals only grow. */
	uint64_t gone_accepted;
	uint64_t gone_handled;
	uint64_t gone_requests;
	uint64_t gone_bytes_sent;
	/* Reload history, a sequence lock: odd while the master writes an
	 * entry; seq / 2 recorded, the newest at (seq / 2 - 1) % STATS_RELOADS. */
	uint32_t reloads_seq;
	struct stats_reload reloads[STATS_RELOADS];
} __attribute__((aligned(128)));

struct stats_board {
	struct stats_master master;
	struct stats_worker w[STATS_SLOTS];
};

extern struct stats_board *stats;

/* Map the board (master, before the first fork).  0 or -1. */
int stats_init(void);
/* A free slot for a new worker process, or -1. */
int stats_slot_take(pid_t pid, unsigned gen, unsigned slot);
void stats_slot_release(int idx);

/* The master records a reload's outcome (err NULL when it worked). */
void stats_reload_record(bool ok, unsigned generation, const char *err);

/*
 * Up to max of the latest reloads of b into out, newest first; returns
 * how many.  The master may be writing meanwhile: a copy taken while the
 * sequence moved is taken again, a few times at most (reloads are rare),
 * then 0 is returned rather than a torn entry.
 */
size_t stats_reload_history(const struct stats_board *b,
			    struct stats_reload *out, size_t max);

/*
 * Every counter has one writer: a worker its own slot, the master the
 * master-wide figures.  So an add is a relaxed load and a relaxed store,
 * which readers (the status endpoint, the master) never see torn, and
 * not a locked read-modify-write: on x86 that is ~1 ns against ~9 ns for
 * "lock xadd", measured with a loop of 2e8 adds.  Yields the old value.
 */
#define STATS_ADD(field, n)                                                   \
	__extension__({                                                       \
		__typeof__(field) *stats_p_ = &(field);                       \
		__typeof__(field) stats_v_ = __atomic_load_n(                 \
			stats_p_, __ATOMIC_RELAXED);                          \
		__atomic_store_n(stats_p_, stats_v_ + (n), __ATOMIC_RELAXED); \
		stats_v_;                                                     \
	})
#define STATS_SET(field, v) __atomic_store_n(&(field), (v), __ATOMIC_RELAXED)
#define STATS_GET(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

#endif
