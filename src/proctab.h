/*
 * proctab.h — the master's worker table: one row per worker process it has
 * forked and not yet reaped, whatever its generation or state.
 *
 * Rows move when one is removed (the last takes its place), so a pointer
 * into the table is good only until the next proctab_add or
 * proctab_remove.  Each row's scoreboard slot mirrors its state.
 */
#ifndef FORKD_PROCTAB_H
#define FORKD_PROCTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A worker as the master sees it. */
enum proc_state {
	PROC_STARTING,
	PROC_READY,
	PROC_DRAINING,
};

struct proc {
	pid_t pid;
	unsigned slot;
	unsigned gen;
	enum proc_state state;
	uint64_t started_ms;
	uint64_t kill_at_ms; /* DRAINING: SIGKILL then */
	bool killed;
	int sb;          /* its scoreboard slot */
	int handoff_fd;  /* accept_mode handoff: our end, or -1 */
	uint64_t handed; /* connections passed to it */
	pid_t replaces;  /* recycling: drain this one once we are ready */
	bool recycling;  /* asked to be replaced */
};

struct proc_table {
	struct proc *v;
	size_t n;
	size_t cap;
};

struct proc *proctab_find(const struct proc_table *t, pid_t pid);
/* A new row at the end (contents undefined), or NULL without memory. */
struct proc *proctab_add(struct proc_table *t);
/* Give back the last row proctab_add returned, untouched otherwise. */
void proctab_unadd(struct proc_table *t);
/* Drop a row: close its handoff socket, free its scoreboard slot. */
void proctab_remove(struct proc_table *t, struct proc *p);
void proctab_set_state(struct proc *p, enum proc_state state);
/*
 * Tell a worker to drain (SIGQUIT) and note when to SIGKILL it.  A worker
 * whose reuseport sockets are being retired (its slot is gone in the new
 * generation) is told so in the signal's value: it keeps accepting a
 * little longer, for handshakes that were already on their way.  Its
 * handoff socket is closed: it reads what was sent, then sees the end.
 */
void proctab_drain(struct proc *p, uint64_t kill_at_ms, bool retired);
/* Rows of generation gen, in that state (state < 0: any). */
size_t proctab_count(const struct proc_table *t, unsigned gen, int state);
/* How many distinct generations have a row. */
unsigned proctab_generations(const struct proc_table *t);
void proctab_free(struct proc_table *t);

/* A waitpid status in words: "with code 3", "on signal 9 (Killed)". */
void proctab_describe_exit(int status, char *out, size_t outsz);

/* SIGKILL the workers past their drain deadline (kill_at_ms), and every
 * worker once now reaches stop_deadline (UINT64_MAX: no stop). */
void proctab_kill_overdue(struct proc_table *t, uint64_t now,
			  uint64_t stop_deadline);

/* SIGKILL the workers whose heartbeat is silence ms old or older: stuck
 * in a loop or a call. */
void proctab_kill_stuck(struct proc_table *t, uint64_t now, uint64_t silence);

#endif
