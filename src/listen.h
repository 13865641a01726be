/*
 * listen.h — the listening sockets, owned by the master.
 *
 * With accept_mode = reuseport every address gets one SO_REUSEPORT socket
 * per worker slot, so the kernel spreads connections over the workers; with
 * shared, one socket per address that every worker polls.  A reload keeps
 * the sockets of unchanged (address, slot) pairs, so no queued connection
 * is lost.
 */
#ifndef FORKD_LISTEN_H
#define FORKD_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "config.h"
#include "event.h"

struct listener {
	struct event_source ev; /* ev.fd is the socket */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	const char *text;   /* the config's spelling (not owned) */
	unsigned slot;      /* reuseport: worker slot; shared: 0 */
	unsigned server;    /* the default server of its address */
	unsigned group;     /* index into config->groups */
	bool reused;        /* the fd came from the previous set */
	bool kept_outside;  /* systemd holds it too: it outlives us */
	const char *origin; /* adopted: "systemd" or "the old master" */
};

struct listener_set {
	struct listener *v;
	size_t n;
};

/*
 * Open every socket cf needs.  Sockets of old with the same address and
 * slot are reused (shared fd, marked reused); an inherited one taken over
 * is logged as "listening on ...", as the master logs those it binds.  On
 * error nothing new stays open, err says why, and -1 is returned.
 */
int listen_open(struct listener_set *set, const struct config *cf,
		const struct listener_set *old, char *err, size_t errlen);

/*
 * After set replaced old: close the sockets of old that set did not reuse,
 * and free old.
 */
void listen_retire(struct listener_set *old, const struct listener_set *set);

/* Undo a listen_open that will not be used: close only what it opened. */
void listen_abandon(struct listener_set *set);

/*
 * reuseport: send new connections only to the sockets of slots below
 * active.  Set when a generation of `active` workers takes over.
 */
int listen_steer(const struct listener_set *set, unsigned active);

/*
 * TCP_DEFER_ACCEPT on every socket of set: a connection is handed to
 * accept() once its first bytes arrive, or after about ms of silence (the
 * kernel rounds up to its SYN-ACK retransmission times); 0 turns it off.
 * Set when a generation takes over, so a reload that fails changes
 * nothing; any seal (listen_seal) is taken off then too.  0, or -1 with
 * errno.
 */
int listen_defer(const struct listener_set *set, unsigned ms);

/*
 * Before the last accept and close of set's sockets: each drops the SYNs
 * of new connections (a socket filter), while handshakes under way
 * complete into its queue, and none holds a connection back any longer
 * (defer_accept off).  Closing a socket resets what it has not handed
 * over; once the handshakes under way have landed, there is nothing left
 * to reset, and a client whose SYN was dropped is refused when it tries
 * again.  Sockets systemd holds too are left alone: they stay open when
 * we are gone, and what they queue waits for the next of us.  0, or -1
 * with errno.
 */
int listen_seal(const struct listener_set *set);

/* Close every socket of set and free it. */
void listen_close(struct listener_set *set);

/*
 * Sockets handed to this process: by the previous master in a binary
 * upgrade (FORKD_LISTEN_FDS="fd:slot[:s],...", ":s" where systemd holds
 * the socket too), or by systemd socket activation (LISTEN_PID,
 * LISTEN_FDS; slot 0).  The result serves as the
 * "old" set of listen_open(), so matching addresses are reused; listen_
 * retire() then closes what the config no longer wants.  The variables
 * are removed from the environment.
 */
int listen_inherit(struct listener_set *set, char *err, size_t errlen);

/* For an exec: the FORKD_LISTEN_FDS value naming set's sockets, which are
 * made to survive the exec.  Call in the child between fork and exec. */
int listen_export(const struct listener_set *set, char *out, size_t outsz);

/* "http://127.0.0.1:8080/" or "http://[::1]:8080/" */
void listen_url(const struct listener *l, char *out, size_t outsz);

bool listen_same_addr(const struct sockaddr_storage *a,
		      const struct sockaddr_storage *b);

#endif
