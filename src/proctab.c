/*
 * proctab.c — the master's worker table (see proctab.h): a growable array
 * searched linearly; a master has tens of rows, not thousands.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "proctab.h"
#include "stats.h"
#include "worker.h"

struct proc *proctab_find(const struct proc_table *t, pid_t pid)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].pid == pid)
			return &t->v[i];
	return NULL;
}

struct proc *proctab_add(struct proc_table *t)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct proc *p = realloc(t->v, cap * sizeof(*p));
		if (p == NULL)
			return NULL;
		t->v = p;
		t->cap = cap;
	}
	return &t->v[t->n++];
}

void proctab_unadd(struct proc_table *t)
{
	t->n--;
}

void proctab_remove(struct proc_table *t, struct proc *p)
{
	if (p->handoff_fd != -1)
		close(p->handoff_fd);
	stats_slot_release(p->sb);
	*p = t->v[--t->n];
}

void proctab_set_state(struct proc *p, enum proc_state state)
{
	static const uint32_t board[] = {
		[PROC_STARTING] = STATS_STARTING,
		[PROC_READY] = STATS_READY,
		[PROC_DRAINING] = STATS_DRAINING,
	};

	p->state = state;
	STATS_SET(stats->w[p->sb].state, board[state]);
}

void proctab_drain(struct proc *p, uint64_t kill_at_ms, bool retired)
{
	union sigval v = { .sival_int = retired ? WORKER_DRAIN_RETIRED : 0 };

	if (p->state == PROC_DRAINING)
		return;
	proctab_set_state(p, PROC_DRAINING);
	p->kill_at_ms = kill_at_ms;
	if (p->handoff_fd != -1) {
		close(p->handoff_fd);
		p->handoff_fd = -1;
	}
	sigqueue(p->pid, SIGQUIT, v);
}

size_t proctab_count(const struct proc_table *t, unsigned gen, int state)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].gen == gen &&
		    (state < 0 || t->v[i].state == (enum proc_state)state))
			n++;
	return n;
}

unsigned proctab_generations(const struct proc_table *t)
{
	unsigned n = 0;

	for (size_t i = 0; i < t->n; i++) {
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = t->v[j].gen == t->v[i].gen;
		n += !seen;
	}
	return n;
}

void proctab_free(struct proc_table *t)
{
	free(t->v);
	*t = (struct proc_table){ 0 };
}

void proctab_describe_exit(int status, char *out, size_t outsz)
{
	if (WIFSIGNALED(status))
		snprintf(out, outsz, "on signal %d (%s)%s", WTERMSIG(status),
			 strsignal(WTERMSIG(status)),
			 WCOREDUMP(status) ? ", core dumped" : "");
	else
		snprintf(out, outsz, "with code %d", WEXITSTATUS(status));
}

void proctab_kill_overdue(struct proc_table *t, uint64_t now,
			  uint64_t stop_deadline)
{
	for (size_t i = 0; i < t->n; i++) {
		struct proc *p = &t->v[i];
		bool late = (p->state == PROC_DRAINING &&
			     now >= p->kill_at_ms) ||
			    now >= stop_deadline;
		if (late && !p->killed) {
			log_warn("worker %u (pid %d) did not finish in time: "
				 "killing it",
				 p->slot, (int)p->pid);
			kill(p->pid, SIGKILL);
			p->killed = true;
		}
	}
}

void proctab_kill_stuck(struct proc_table *t, uint64_t now, uint64_t silence)
{
	for (size_t i = 0; i < t->n; i++) {
		struct proc *p = &t->v[i];
		uint64_t beat = STATS_GET(stats->w[p->sb].heartbeat_ms);
		if (p->killed || now < beat + silence)
			continue;
		log_error("worker %u (pid %d) of generation %u is stuck: no "
			  "heartbeat for %" PRIu64 " ms; killing it",
			  p->slot, (int)p->pid, p->gen, now - beat);
		kill(p->pid, SIGKILL);
		p->killed = true;
	}
}
