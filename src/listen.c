/*
 * listen.c — bind, reuse and close listening sockets.
 */
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listen.h"

#define LISTEN_BACKLOG 4096

bool listen_same_addr(const struct sockaddr_storage *a,
		      const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port &&
		       x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
	return x->sin6_port == y->sin6_port &&
	       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
}

static int set_opt(int fd, int level, int name)
{
	int one = 1;

	return setsockopt(fd, level, name, &one, sizeof(one));
}

/*
 * A reuseport group would silently share the port with any other process
 * of ours already in one; first make sure nobody holds the address.
 */
static int probe_free(const struct listener *l)
{
	int fd = socket(l->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int rc;

	if (fd == -1)
		return -1;
	if (l->addr.ss_family == AF_INET6)
		set_opt(fd, IPPROTO_IPV6, IPV6_V6ONLY);
	rc = set_opt(fd, SOL_SOCKET, SO_REUSEADDR) == 0 &&
	     bind(fd, (const struct sockaddr *)&l->addr, l->addrlen) == 0 ? 0 : -1;
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

static int open_socket(const struct listener *l, bool reuseport)
{
	int fd = socket(l->addr.ss_family,
			SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd == -1)
		return -1;
	if (set_opt(fd, SOL_SOCKET, SO_REUSEADDR) == -1 ||
	    (reuseport && set_opt(fd, SOL_SOCKET, SO_REUSEPORT) == -1) ||
	    (l->addr.ss_family == AF_INET6 &&
	     set_opt(fd, IPPROTO_IPV6, IPV6_V6ONLY) == -1) ||
	    /* Accepted sockets inherit it: responses go out at once. */
	    set_opt(fd, IPPROTO_TCP, TCP_NODELAY) == -1 ||
	    bind(fd, (const struct sockaddr *)&l->addr, l->addrlen) == -1 ||
	    listen(fd, LISTEN_BACKLOG) == -1) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

static const struct listener *find_old(const struct listener_set *old,
				       const struct listener *l)
{
	for (size_t i = 0; old != NULL && i < old->n; i++)
		if (old->v[i].slot == l->slot &&
		    listen_same_addr(&old->v[i].addr, &l->addr))
			return &old->v[i];
	return NULL;
}

static bool addr_known(const struct listener_set *old, const struct listener *l)
{
	for (size_t i = 0; old != NULL && i < old->n; i++)
		if (listen_same_addr(&old->v[i].addr, &l->addr))
			return true;
	return false;
}

static size_t count_sockets(const struct config *cf, unsigned slots)
{
	size_t n = 0;

	for (size_t s = 0; s < cf->nservers; s++)
		n += cf->servers[s].nlisten * slots;
	return n;
}

/* Open (or take over) the socket of one (address, slot) pair. */
static int open_one(struct listener *l, const struct listener_set *old,
		    bool reuseport, char *err, size_t errlen)
{
	const struct listener *prev = find_old(old, l);

	if (prev != NULL) {
		l->ev.fd = prev->ev.fd;
		l->reused = true;
		return 0;
	}
	if (l->slot == 0 && reuseport && !addr_known(old, l) &&
	    probe_free(l) == -1)
		goto fail;
	if ((l->ev.fd = open_socket(l, reuseport)) == -1)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "listen %s: %s", l->text, strerror(errno));
	return -1;
}

int listen_open(struct listener_set *set, const struct config *cf,
		const struct listener_set *old, char *err, size_t errlen)
{
	bool reuseport = cf->accept_mode == ACCEPT_REUSEPORT;
	unsigned slots = reuseport ? cf->worker_processes : 1;
	size_t n = 0;

	set->n = 0;
	set->v = calloc(count_sockets(cf, slots), sizeof(*set->v));
	if (set->v == NULL) {
		snprintf(err, errlen, "listen: %s", strerror(errno));
		return -1;
	}
	for (unsigned slot = 0; slot < slots; slot++) {
		for (size_t s = 0; s < cf->nservers; s++) {
			const struct server_conf *srv = &cf->servers[s];
			for (size_t a = 0; a < srv->nlisten; a++) {
				struct listener *l = &set->v[n];
				l->addr = srv->listen[a].addr;
				l->addrlen = srv->listen[a].addrlen;
				l->text = srv->listen[a].text;
				l->slot = slot;
				l->server = (unsigned)s;
				l->ev.fd = -1;
				if (open_one(l, old, reuseport, err, errlen) == -1)
					goto fail;
				set->n = ++n;
			}
		}
	}
	return 0;
fail:
	listen_abandon(set);
	return -1;
}

static bool fd_in_set(const struct listener_set *set, int fd)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->v[i].ev.fd == fd)
			return true;
	return false;
}

void listen_retire(struct listener_set *old, const struct listener_set *set)
{
	for (size_t i = 0; i < old->n; i++)
		if (old->v[i].ev.fd != -1 && !fd_in_set(set, old->v[i].ev.fd))
			close(old->v[i].ev.fd);
	free(old->v);
	old->v = NULL;
	old->n = 0;
}

void listen_abandon(struct listener_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		if (!set->v[i].reused && set->v[i].ev.fd != -1)
			close(set->v[i].ev.fd);
	free(set->v);
	set->v = NULL;
	set->n = 0;
}

/*
 * A reuseport group picks a socket for each new connection.  This program
 * picks at random among the first `active` sockets of the group, which are
 * the sockets of slots 0..active-1 (they join the group in slot order).
 * Sockets past them, of slots being added or retired, get nothing new.
 */
int listen_steer(const struct listener_set *set, unsigned active)
{
	struct sock_filter code[] = {
		{ BPF_LD | BPF_W | BPF_ABS, 0, 0, (uint32_t)(SKF_AD_OFF + SKF_AD_RANDOM) },
		{ BPF_ALU | BPF_MOD | BPF_K, 0, 0, active },
		{ BPF_RET | BPF_A, 0, 0, 0 },
	};
	struct sock_fprog prog = { .len = 3, .filter = code };

	for (size_t i = 0; i < set->n; i++) {
		if (set->v[i].slot != 0)
			continue;
		if (setsockopt(set->v[i].ev.fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF,
			       &prog, sizeof(prog)) == -1)
			return -1;
	}
	return 0;
}

void listen_close(struct listener_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->v[i].ev.fd != -1)
			close(set->v[i].ev.fd);
	free(set->v);
	set->v = NULL;
	set->n = 0;
}
