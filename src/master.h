/*
 * master.h — the master process: listeners, the worker table, generations,
 * reload, stop, supervision.
 */
#ifndef FORKD_MASTER_H
#define FORKD_MASTER_H

#include <stdbool.h>

#include "config.h"

struct master_opts {
	bool daemonize; /* -d, or daemon = true */
	char **argv;    /* to exec the (new) binary in an upgrade */
};

/*
 * Run the master with cf (which it takes over) until it stops.  Returns the
 * process exit status.
 */
int master_run(struct config *cf, const struct master_opts *o);

#endif
