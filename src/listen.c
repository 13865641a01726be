/*
 * listen.c — bind, reuse and close listening sockets.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <ctype.h>

#include "listen.h"
#include "log.h"

#define LISTEN_BACKLOG 4096
/*
 * Unsent bytes a connection's socket may hold before it stops taking
 * more (TCP_NOTSENT_LOWAT; in-flight bytes do not count, so a long fat
 * path is not slowed).  Without it a large response parks ~4 MB in each
 * socket, and on loopback the receiver's ACKs then push that queue out in
 * the client's own time slice; doc/DESIGN.md, "Large files: unsent bytes".
 */
#define LISTEN_NOTSENT_LOWAT (16 << 10)

bool listen_same_addr(const struct sockaddr_storage *a,
		      const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a,
					 *y = (const void *)b;
		return x->sin_port == y->sin_port &&
		       x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
	return x->sin6_port == y->sin6_port &&
	       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
}

static int set_int(int fd, int level, int name, int value)
{
	return setsockopt(fd, level, name, &value, sizeof(value));
}

static int set_opt(int fd, int level, int name)
{
	return set_int(fd, level, name, 1);
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
			     bind(fd, (const struct sockaddr *)&l->addr,
				  l->addrlen) == 0
		     ? 0
		     : -1;
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* Accepted sockets inherit these: responses go out at once, and large
 * ones queue little (LISTEN_NOTSENT_LOWAT). */
static int set_inherited(int fd)
{
	if (set_opt(fd, IPPROTO_TCP, TCP_NODELAY) == -1)
		return -1;
	return set_int(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT,
		       LISTEN_NOTSENT_LOWAT);
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
	    set_inherited(fd) == -1 ||
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

/*
 * An address held by an inherited socket without SO_REUSEPORT (systemd
 * binds so unless ReusePort=yes): the other slots' sockets cannot join it.
 */
static bool held_without_reuseport(const struct listener_set *old,
				   const struct listener *l)
{
	for (size_t i = 0; old != NULL && i < old->n; i++) {
		int on = 1;
		socklen_t len = sizeof(on);
		if (listen_same_addr(&old->v[i].addr, &l->addr) &&
		    getsockopt(old->v[i].ev.fd, SOL_SOCKET, SO_REUSEPORT, &on,
			       &len) == 0 &&
		    !on)
			return true;
	}
	return false;
}

/* Open (or take over) the socket of one (address, slot) pair. */
static int open_one(struct listener *l, const struct listener_set *old,
		    bool reuseport, char *err, size_t errlen)
{
	const struct listener *prev = find_old(old, l);

	if (prev != NULL) {
		l->ev.fd = prev->ev.fd;
		l->reused = true;
		l->kept_outside = prev->kept_outside;
		return 0;
	}
	if (l->slot == 0 && reuseport && !addr_known(old, l) &&
	    probe_free(l) == -1)
		goto fail;
	if ((l->ev.fd = open_socket(l, reuseport)) == -1)
		goto fail;
	return 0;
fail:
	if (errno == EADDRINUSE && reuseport &&
	    held_without_reuseport(old, l)) {
		snprintf(err, errlen,
			 "listen %s: %s: the inherited socket has no "
			 "SO_REUSEPORT, which accept_mode = reuseport needs "
			 "for a "
			 "socket per worker; set ReusePort=yes in the systemd "
			 "socket "
			 "unit, or accept_mode = shared",
			 l->text, strerror(errno));
		return -1;
	}
	snprintf(err, errlen, "listen %s: %s", l->text, strerror(errno));
	return -1;
}

void listen_url(const struct listener *l, char *out, size_t outsz)
{
	char host[INET6_ADDRSTRLEN] = "?";
	const struct sockaddr_in *v4 = (const void *)&l->addr;
	const struct sockaddr_in6 *v6 = (const void *)&l->addr;

	if (l->addr.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof(host));
		snprintf(out, outsz, "http://[%s]:%u/", host,
			 ntohs(v6->sin6_port));
	} else {
		inet_ntop(AF_INET, &v4->sin_addr, host, sizeof(host));
		snprintf(out, outsz, "http://%s:%u/", host,
			 ntohs(v4->sin_port));
	}
}

/* The master announces what it binds; these it was handed. */
static void announce_inherited(const struct listener_set *set,
			       const struct listener_set *old)
{
	char url[INET6_ADDRSTRLEN + 32];

	for (size_t i = 0; old != NULL && i < set->n; i++) {
		const struct listener *prev = find_old(old, &set->v[i]);
		if (set->v[i].slot != 0 || prev == NULL || prev->origin == NULL)
			continue;
		listen_url(&set->v[i], url, sizeof(url));
		log_notice("listening on %s (%s, socket inherited from %s)",
			   url, set->v[i].text, prev->origin);
	}
}

int listen_open(struct listener_set *set, const struct config *cf,
		const struct listener_set *old, char *err, size_t errlen)
{
	bool reuseport = cf->accept_mode == ACCEPT_REUSEPORT;
	unsigned slots = reuseport ? cf->worker_processes : 1;
	size_t n = 0;

	set->n = 0;
	set->v = calloc(cf->ngroups * slots, sizeof(*set->v));
	if (set->v == NULL) {
		snprintf(err, errlen, "listen: %s", strerror(errno));
		return -1;
	}
	for (unsigned slot = 0; slot < slots; slot++) {
		for (size_t g = 0; g < cf->ngroups; g++) {
			const struct listen_group *grp = &cf->groups[g];
			struct listener *l = &set->v[n];
			l->addr = grp->addr;
			l->addrlen = grp->addrlen;
			l->text = grp->text;
			l->slot = slot;
			l->server = grp->servers[0];
			l->group = (unsigned)g;
			l->ev.fd = -1;
			if (open_one(l, old, reuseport, err, errlen) == -1)
				goto fail;
			set->n = ++n;
		}
	}
	announce_inherited(set, old);
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

/* Attach a classic BPF program to fd as option name (SOL_SOCKET). */
static int set_program(int fd, int name, struct sock_filter *code,
		       unsigned short len)
{
	struct sock_fprog prog;

	/* Zero the padding after .len too: the kernel is handed the bytes. */
	memset(&prog, 0, sizeof(prog));
	prog.len = len;
	prog.filter = code;
	return setsockopt(fd, SOL_SOCKET, name, &prog, sizeof(prog));
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
		{ BPF_LD | BPF_W | BPF_ABS, 0, 0,
		  (uint32_t)(SKF_AD_OFF + SKF_AD_RANDOM) },
		{ BPF_ALU | BPF_MOD | BPF_K, 0, 0, active },
		{ BPF_RET | BPF_A, 0, 0, 0 },
	};

	for (size_t i = 0; i < set->n; i++)
		if (set->v[i].slot == 0 &&
		    set_program(set->v[i].ev.fd, SO_ATTACH_REUSEPORT_CBPF, code,
				3) == -1)
			return -1;
	return 0;
}

int listen_defer(const struct listener_set *set, unsigned ms)
{
	int secs = (int)((ms + 999) / 1000);

	for (size_t i = 0; i < set->n; i++) {
		int fd = set->v[i].ev.fd;
		if (fd == -1)
			continue;
		/* A generation that takes over serves: no seal stays on. */
		setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &(int){ 0 },
			   sizeof(int));
		if (set_int(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, secs) == -1)
			return -1;
	}
	return 0;
}

int listen_seal(const struct listener_set *set)
{
	/* A segment reaches a listener's filter with its TCP header first:
	 * byte 13 holds the flags, 0x02 is SYN. */
	struct sock_filter code[] = {
		{ BPF_LD | BPF_B | BPF_ABS, 0, 0, 13 },
		{ BPF_JMP | BPF_JSET | BPF_K, 1, 0, 0x02 },
		{ BPF_RET | BPF_K, 0, 0, UINT32_MAX },
		{ BPF_RET | BPF_K, 0, 0, 0 },
	};

	for (size_t i = 0; i < set->n; i++) {
		int fd = set->v[i].ev.fd;
		if (fd == -1 || set->v[i].kept_outside)
			continue;
		if (set_int(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, 0) == -1 ||
		    set_program(fd, SO_ATTACH_FILTER, code, 4) == -1)
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

/* ---- inherited sockets: binary upgrade and systemd socket activation ---- */

static int adopt(struct listener_set *set, int fd, unsigned slot,
		 const char *origin, bool outside, char *err, size_t errlen)
{
	struct listener *l = &set->v[set->n];
	int type = 0, listening = 0;
	socklen_t len = sizeof(type);

	l->addrlen = sizeof(l->addr);
	if (getsockname(fd, (struct sockaddr *)&l->addr, &l->addrlen) == -1 ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1 ||
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening,
		       &(socklen_t){ sizeof(listening) }) == -1 ||
	    type != SOCK_STREAM || !listening ||
	    (l->addr.ss_family != AF_INET && l->addr.ss_family != AF_INET6)) {
		snprintf(err, errlen,
			 "inherited fd %d is not a listening TCP socket", fd);
		return -1;
	}
	/* systemd hands over blocking sockets; a worker must never block.
	 * Its sockets also lack the options forkd's own carry, and an
	 * activated server should answer as a self-bound one does. */
	int flags = fcntl(fd, F_GETFL);
	if (flags == -1 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 || set_inherited(fd) == -1) {
		snprintf(err, errlen, "inherited fd %d: %s", fd,
			 strerror(errno));
		return -1;
	}
	l->ev.fd = fd;
	l->slot = slot;
	l->text = "inherited";
	l->origin = origin;
	l->kept_outside = outside;
	set->n++;
	return 0;
}

/* "fd:slot,fd:slot" from FORKD_LISTEN_FDS. */
static int inherit_upgrade(struct listener_set *set, const char *list,
			   char *err, size_t errlen)
{
	const char *p = list;

	while (*p != '\0') {
		char *end;
		long fd = strtol(p, &end, 10);
		long slot = *end == ':' ? strtol(end + 1, &end, 10) : -1;
		bool outside = end[0] == ':' && end[1] == 's';
		if (outside)
			end += 2;
		if (fd < 0 || slot < 0 || (*end != ',' && *end != '\0')) {
			snprintf(err, errlen,
				 "FORKD_LISTEN_FDS is malformed: %s", list);
			return -1;
		}
		if (adopt(set, (int)fd, (unsigned)slot, "the old master",
			  outside, err, errlen) == -1)
			return -1;
		p = *end == ',' ? end + 1 : end;
	}
	return 0;
}

static size_t count_items(const char *list)
{
	size_t n = 1;

	for (; *list != '\0'; list++)
		n += *list == ',';
	return n;
}

int listen_inherit(struct listener_set *set, char *err, size_t errlen)
{
	const char *upgrade = getenv("FORKD_LISTEN_FDS");
	const char *pid = getenv("LISTEN_PID");
	const char *fds = getenv("LISTEN_FDS");
	size_t n = 0;
	int rc = 0;

	set->v = NULL;
	set->n = 0;
	if (upgrade != NULL && *upgrade != '\0')
		n = count_items(upgrade);
	else if (pid != NULL && fds != NULL && atol(pid) == (long)getpid())
		n = (size_t)atol(fds);
	if (n == 0 || n > 4096)
		goto out;
	if ((set->v = calloc(n, sizeof(*set->v))) == NULL) {
		snprintf(err, errlen, "inherited sockets: %s", strerror(errno));
		rc = -1;
		goto out;
	}
	if (upgrade != NULL && *upgrade != '\0')
		rc = inherit_upgrade(set, upgrade, err, errlen);
	else
		for (size_t i = 0; i < n && rc == 0; i++)
			rc = adopt(set, 3 + (int)i, 0, "systemd", true, err,
				   errlen);
out:
	unsetenv("FORKD_LISTEN_FDS");
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return rc;
}

int listen_export(const struct listener_set *set, char *out, size_t outsz)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < set->n; i++) {
		int fd = set->v[i].ev.fd;
		int w = snprintf(out + len, outsz - len, "%s%d:%u%s",
				 i ? "," : "", fd, set->v[i].slot,
				 set->v[i].kept_outside ? ":s" : "");
		if (w < 0 || (size_t)w >= outsz - len)
			return -1;
		len += (size_t)w;
		if (fcntl(fd, F_SETFD, 0) == -1) /* keep it across exec */
			return -1;
	}
	return 0;
}
