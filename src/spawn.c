/*
 * spawn.c — forking a worker (see spawn.h).  What is taken before the
 * fork (a table row, a scoreboard slot, a socketpair) is given back in
 * reverse order when a later step fails.
 */
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "spawn.h"
#include "stats.h"

static bool set_has_fd(const struct listener_set *ls, int fd)
{
	for (size_t i = 0; i < ls->n; i++)
		if (ls->v[i].ev.fd == fd)
			return true;
	return false;
}

/* In the new worker: keep only its own generation's sockets and its own
 * end of the handoff socketpair. */
__attribute__((noreturn)) static void spawn_child(const struct proc_table *t,
						  struct spawn_req *r,
						  int master_end)
{
	const struct listener_set *other = r->other;

	r->child_close();
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].handoff_fd != -1)
			close(t->v[i].handoff_fd);
	if (master_end != -1)
		close(master_end);
	for (size_t i = 0; other != NULL && other->v != NULL && i < other->n;
	     i++)
		if (!set_has_fd(r->args.listeners, other->v[i].ev.fd))
			close(other->v[i].ev.fd);
	worker_run(&r->args);
}

int spawn_worker(struct proc_table *t, struct spawn_req *r)
{
	int sv[2] = { -1, -1 };
	struct proc *p;
	pid_t pid;
	int sb;

	if ((p = proctab_add(t)) == NULL) {
		log_error("no room for another worker process");
		goto fail_row;
	}
	if ((sb = stats_slot_take(0, r->args.gen, r->args.slot)) == -1) {
		log_error("no room for another worker process");
		goto fail_board;
	}
	/* The child closes every row's handoff socket: this one has none. */
	*p = (struct proc){ .pid = -1, .sb = sb, .handoff_fd = -1 };
	STATS_SET(stats->w[sb].heartbeat_ms, r->now);
	if (r->args.cf->accept_mode == ACCEPT_HANDOFF &&
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK,
		       0, sv) == -1) {
		log_errno(LOG_LVL_ALERT, "socketpair");
		goto fail_pair;
	}
	r->args.stats_slot = sb;
	r->args.handoff_fd = sv[1];
	if ((pid = fork()) == -1) {
		log_errno(LOG_LVL_ALERT, "fork");
		goto fail_fork;
	}
	if (pid == 0)
		spawn_child(t, r, sv[0]);
	*p = (struct proc){
		.pid = pid,
		.slot = r->args.slot,
		.gen = r->args.gen,
		.state = PROC_STARTING,
		.started_ms = r->now,
		.sb = sb,
		.handoff_fd = sv[0],
	};
	if (sv[1] != -1)
		close(sv[1]);
	STATS_SET(stats->w[sb].pid, (int32_t)pid);
	log_info("worker %u of generation %u started, pid %d", r->args.slot,
		 r->args.gen, (int)pid);
	return 0;

fail_fork:
	if (sv[0] != -1) {
		close(sv[0]);
		close(sv[1]);
	}
fail_pair:
	stats_slot_release(sb);
fail_board:
	proctab_unadd(t);
fail_row:
	return -1;
}
