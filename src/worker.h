/*
 * worker.h — a worker process: setup, the event loop, drain.  The master
 * forks it with a struct worker_args and hears back through struct
 * worker_msg; everything else about a worker is private to worker.c.
 */
#ifndef FORKD_WORKER_H
#define FORKD_WORKER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "config.h"
#include "listen.h"

/* What the master hands a worker at fork. */
struct worker_args {
	const struct config *cf;
	struct listener_set *listeners;
	unsigned slot;
	unsigned gen;
	int notify_fd; /* write end of the master's notification pipe */
	pid_t master_pid;
	uid_t uid; /* switch to these when running as root */
	gid_t gid;
	bool drop_privileges;
	int stats_slot; /* this process's scoreboard slot */
	int handoff_fd; /* accept_mode handoff: connections arrive here */
};

/* What comes with each connection handed over (SCM_RIGHTS carries the fd). */
struct handoff_msg {
	uint32_t server; /* index of the default server section */
	uint32_t group;  /* index of the address in config->groups */
	struct sockaddr_storage peer;
};

/* The value that comes with SIGQUIT when the worker's sockets retire. */
#define WORKER_DRAIN_RETIRED 1

/* Messages a worker writes to the master's pipe (atomic: < PIPE_BUF). */
enum worker_msg_type {
	WORKER_MSG_READY = 1, /* accepting: the master may retire others */
	WORKER_MSG_RECYCLE,   /* served max_requests_per_worker: replace me */
};

struct worker_msg {
	pid_t pid;
	uint32_t type;
};

__attribute__((noreturn)) void worker_run(const struct worker_args *a);

#endif
