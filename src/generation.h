/*
 * generation.h — a generation: the configuration, listening sockets,
 * account and per-slot respawn state that one set of workers is forked
 * with.  The master serves one and may be starting the next (reload);
 * this module builds one from a parsed config and takes it apart.
 */
#ifndef FORKD_GENERATION_H
#define FORKD_GENERATION_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "listen.h"
#include "runas.h"

/* A worker slot of a generation: its respawn back-off. */
struct slot {
	unsigned crashes;    /* consecutive quick deaths */
	uint64_t respawn_at; /* 0: not waiting */
	unsigned respawns;
};

struct generation {
	struct config *cf; /* NULL: none */
	struct listener_set ls;
	unsigned gen;
	struct runas as;
	struct slot *slots; /* one per cf->worker_processes */
};

/*
 * Build g (number gen) from cf: resolve its account, open its sockets
 * (reusing those of old with the same address and slot; old may be NULL),
 * log where it listens, create its log files.  On success g owns cf.  On
 * failure (-1, err says why) nothing is kept and cf is the caller's.
 */
int generation_prepare(struct generation *g, struct config *cf, unsigned gen,
		       const struct listener_set *old, char *err,
		       size_t errlen);

/* A prepared generation that will not serve: close only the sockets it
 * opened, then generation_free. */
void generation_abandon(struct generation *g);

/* Log "listening on ..." once per new address of g (not per reuseport
 * slot, not for a socket kept from the generation before).  Called by the
 * process that will supervise g: after detaching, so the line carries the
 * master's own pid. */
void generation_announce(const struct generation *g);

/* Free the config and slots; the sockets are the caller's to retire or
 * close first. */
void generation_free(struct generation *g);

#endif
