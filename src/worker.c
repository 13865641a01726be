/*
 * worker.c — a worker: take what the master prepared, drop privileges,
 * accept and serve until told to drain or stop.
 *
 * The loop alternates three steps: act on what is due (expire connections,
 * resume accepting, close retiring listeners), look for the next deadline,
 * wait and dispatch.  Connections are only closed by their own handlers
 * during dispatch (see event.h); everything the clock decides happens in
 * the acting step, between two waits.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "conn.h"
#include "docroot.h"
#include "etag.h"
#include "event.h"
#include "fcache.h"
#include "fdcache.h"
#include "file.h"
#include "iopool.h"
#include "log.h"
#include "mime.h"
#include "proctitle.h"
#include "response.h"
#include "stats.h"
#include "vhost.h"
#include "worker.h"

#define ACCEPT_BATCH 64
#define ACCEPT_PAUSE_MS 100
#define RETIRE_LINGER_MS 250 /* retired sockets: accept a little longer */
#define IOPOOL_OPS 64        /* I/O pool ops per worker: its queue's bound */

/* A worker's process-wide state. */
struct worker {
	struct event_loop loop;
	struct worker_view view; /* clock and drain flag, read below us */
	struct conn_pool conns;  /* what connections share; their count */
	const struct config *cf;
	struct vhost *vhosts; /* one per config server */
	size_t nvhosts;
	struct docroot_set roots; /* their distinct directories, followed */
	int **root_uses;          /* where each directory's fd goes ... */
	size_t *root_index;       /* ... and its index in roots */
	size_t nroot_uses;
	unsigned slot;
	unsigned gen;
	struct stats_worker *sw; /* our scoreboard slot */
	struct iopool io;        /* used when aio is not off */
	/* accepting */
	struct listener **mine; /* the listeners this worker polls */
	size_t nmine;
	bool accepting;
	unsigned conn_cap; /* worker_connections, or less: setup_conn_cap */
	uint64_t accept_resume_ms; /* paused (EMFILE, at the cap) until then */
	struct event_source handoff_src; /* accept_mode handoff (fd 0: none) */
	/* stopping */
	uint64_t drain_deadline_ms;
	uint64_t listeners_close_at; /* draining, listeners still open */
	bool stop_now;
	/* the master */
	struct event_source sig_src;
	int notify_fd;
	bool recycle_asked;
};

/* The process's one worker; the event handlers reach it here. */
static struct worker w;

__attribute__((noreturn)) static void die(const char *what);

static inline void clock_refresh(void)
{
	time_t was = w.view.now;

	w.view.now_ms = clock_coarse_ms();
	w.view.now = time(NULL);
	STATS_SET(w.sw->heartbeat_ms,
		  w.view.now_ms); /* the master's watchdog */
	if (w.view.now != was)    /* Date changes by the second */
		response_clock(w.view.now);
}

/* ---- accepting ---- */

static void accept_enable(bool on)
{
	unsigned flags = EV_READ;

	if (w.cf->accept_mode == ACCEPT_SHARED)
		flags |= EV_EXCLUSIVE;
	if (on == w.accepting)
		return;
	for (size_t i = 0; i < w.nmine; i++) {
		int rc = on ? event_add(&w.loop, &w.mine[i]->ev, flags)
			    : event_del(&w.loop, &w.mine[i]->ev);
		if (rc == -1)
			die("epoll_ctl on a listener");
	}
	w.accepting = on;
}

static void accept_pause(void)
{
	accept_enable(false);
	w.accept_resume_ms = w.view.now_ms + ACCEPT_PAUSE_MS;
}

/* accept_mode handoff: take the connections the master passes us. */

/* One batch of connections; false once none is left to take. */
static bool handoff_take(int fd_in)
{
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		struct handoff_msg msg;
		char ctl[CMSG_SPACE(sizeof(int))];
		struct iovec iov = { &msg, sizeof(msg) };
		struct msghdr mh = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = ctl,
			.msg_controllen = sizeof(ctl),
		};
		ssize_t n = recvmsg(fd_in, &mh,
				    MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return false; /* EAGAIN, or the master closed its end */
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		if (cm == NULL || cm->cmsg_type != SCM_RIGHTS)
			continue;
		int fd;
		memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
		if (n != sizeof(msg) || msg.server >= w.nvhosts ||
		    msg.group >= w.cf->ngroups) {
			close(fd);
			continue;
		}
		if (w.conns.nconns >= w.conn_cap) {
			close(fd); /* the master counts what we hold: rare */
			continue;
		}
		conn_accept_on(&w.vhosts[msg.server], &w.cf->groups[msg.group],
			       fd, &msg.peer);
	}
	return true;
}

static void on_handoff(struct event_source *src, unsigned events)
{
	handoff_take(src->fd);
}

static void on_accept(struct event_source *src, unsigned events)
{
	struct listener *l = (struct listener *)src;
	static struct log_ratelimit complaints;

	for (int i = 0; i < ACCEPT_BATCH; i++) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);

		if (w.conns.nconns >= w.conn_cap) {
			accept_pause(); /* the kernel queue holds the rest */
			return;
		}
		int fd = accept4(l->ev.fd, (struct sockaddr *)&peer, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd != -1) {
			conn_accept_on(&w.vhosts[l->server],
				       &w.cf->groups[l->group], fd, &peer);
			continue;
		}
		switch (errno) {
		case EAGAIN: return;
		case EINTR:
		case ECONNABORTED:
		case EPROTO: continue;
		case EMFILE:
		case ENFILE:
		case ENOBUFS:
		case ENOMEM:
			if (log_ratelimit_allow(&complaints, w.view.now_ms))
				log_errno(LOG_LVL_ERR, "accept on %s", l->text);
			accept_pause();
			return;
		default:
			log_errno(LOG_LVL_ERR, "accept on %s", l->text);
			return;
		}
	}
}

/* ---- drain and stop ---- */

/* Take what is already queued, then stop accepting for good. */
static void listeners_close(void)
{
	for (size_t i = 0; i < w.nmine; i++)
		on_accept(&w.mine[i]->ev, EV_READ);
	accept_enable(false);
	for (size_t i = 0; i < w.nmine; i++)
		close(w.mine[i]->ev.fd);
	w.nmine = 0;
	w.listeners_close_at = 0;
}

/* How long listener fd holds back a connection that has sent nothing, in
 * ms as the kernel rounded defer_accept (0: not at all, or not known). */
static unsigned held_back_ms(int fd)
{
	int secs = 0;
	socklen_t len = sizeof(secs);

	if (getsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, &len) == -1 ||
	    secs < 0)
		return 0;
	return (unsigned)secs * 1000;
}

/*
 * Stop taking connections and let the ones we have finish.  A worker
 * whose sockets retire (nobody else will accept on them, and the reuseport
 * group sends them nothing new) keeps accepting briefly, so that handshakes
 * already under way are not reset: for RETIRE_LINGER_MS, plus as long as
 * the kernel holds back a connection that has sent nothing yet
 * (defer_accept), after which it hands such a connection over anyway.
 */
static void drain_start(bool retired)
{
	if (w.view.draining)
		return;
	w.view.draining = true;
	proctitle_worker(w.gen, w.slot, true);
	w.drain_deadline_ms = w.view.now_ms + w.cf->shutdown_timeout;
	for (size_t i = 0; i < w.nvhosts; i++)
		conn_drain(&w.vhosts[i]);
	if (w.handoff_src.fd > 0) {
		/* Serve what was already sent (the master sends no more once
		 * it told us to drain), a batch at a time until none is left. */
		while (handoff_take(w.handoff_src.fd))
			;
		event_del(&w.loop, &w.handoff_src);
		close(w.handoff_src.fd);
		w.handoff_src.fd = -1;
	}
	/* Closed by timers_run, between waits: this runs in the signal's
	 * handler, and a listener's event may follow in the same batch (the
	 * dispatch rule in event.h). */
	if (w.nmine > 0)
		w.listeners_close_at =
			w.view.now_ms +
			(retired ? RETIRE_LINGER_MS +
					   held_back_ms(w.mine[0]->ev.fd)
				 : 0);
}

static void reopen_logs(void)
{
	if (log_reopen() == -1)
		log_errno(LOG_LVL_ERR, "reopening the error log");
	for (size_t i = 0; i < w.nvhosts; i++) {
		struct access_log *al = w.vhosts[i].log;
		if (al != NULL && access_log_reopen(al) == -1)
			log_errno(LOG_LVL_ERR, "reopening %s", al->path);
	}
}

static void on_signal(struct event_source *src, unsigned events)
{
	struct signalfd_siginfo si;

	while (read(src->fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGQUIT:
			drain_start(si.ssi_int == WORKER_DRAIN_RETIRED);
			break;
		case SIGTERM:
		case SIGINT: w.stop_now = true; break;
		case SIGUSR1: reopen_logs(); break;
		default: break;
		}
	}
}

/* ---- setup ---- */

/* Worker slot i runs on the i-th CPU of the master's affinity mask. */
static void pin_cpu(void)
{
	cpu_set_t all, one;
	int n = 0, target, cpu;

	if (sched_getaffinity(0, sizeof(all), &all) == -1 ||
	    CPU_COUNT(&all) == 0)
		return;
	target = (int)(w.slot % (unsigned)CPU_COUNT(&all));
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &all) && n++ == target)
			break;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one) == -1)
		log_errno(LOG_LVL_WARN, "pinning worker %u to CPU %d", w.slot,
			  cpu);
}

__attribute__((noreturn)) static void die(const char *what)
{
	log_errno(LOG_LVL_ALERT, "worker %u: %s", w.slot, what);
	_exit(2);
}

static void setup_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	w.sig_src.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	w.sig_src.handler = on_signal;
	if (w.sig_src.fd == -1 || event_add(&w.loop, &w.sig_src, EV_READ) == -1)
		die("signalfd");
	signal(SIGPIPE, SIG_IGN);
}

/*
 * Drain when the master dies, whatever the cause.  Set after the switch of
 * user: changing credentials clears it.
 */
static void watch_master(pid_t master)
{
	if (prctl(PR_SET_PDEATHSIG, SIGQUIT) == -1)
		die("prctl");
	if (getppid() != master)
		drain_start(false); /* it died before we asked */
}

/*
 * Every directory the servers answer from: each server's root and each
 * location's root or alias.  uses[i] is where the descriptor of paths[i]
 * goes.
 */
struct root_uses {
	const char **paths;
	int **uses;
	size_t n;
};

static void root_use(struct root_uses *u, const char *path, int *use)
{
	u->paths[u->n] = path;
	u->uses[u->n++] = use;
}

static void roots_collect(struct root_uses *u)
{
	size_t cap = 0;

	for (size_t i = 0; i < w.nvhosts; i++)
		cap += 1 + w.cf->servers[i].nlocations;
	u->n = 0;
	u->paths = calloc(cap + 1, sizeof(*u->paths));
	u->uses = calloc(cap + 1, sizeof(*u->uses));
	w.root_index = calloc(cap + 1, sizeof(*w.root_index));
	if (u->paths == NULL || u->uses == NULL || w.root_index == NULL)
		die("calloc");
	for (size_t i = 0; i < w.nvhosts; i++) {
		struct vhost *vh = &w.vhosts[i];
		const struct server_conf *sc = vh->conf;
		root_use(u, sc->root, &vh->rootfd);
		for (size_t k = 0; k < sc->nlocations; k++) {
			const struct location_conf *l = &sc->locations[k];
			const char *dir = l->alias != NULL ? l->alias : l->root;
			if (dir != NULL)
				root_use(u, dir, &vh->locfds[k]);
		}
	}
}

/* Give each server and location the descriptor of its directory now. */
static int plan_mode_of(const struct vhost *vh);

static void roots_apply(void)
{
	for (size_t i = 0; i < w.nroot_uses; i++)
		*w.root_uses[i] = w.roots.v[w.root_index[i]].fd;
	/* A root that moved may have moved to another file system. */
	for (size_t i = 0; i < w.nvhosts; i++)
		w.vhosts[i].plan_mode = plan_mode_of(&w.vhosts[i]);
}

static void setup_roots(void)
{
	struct root_uses u;
	const char *bad = NULL;

	roots_collect(&u);
	if (docroot_set_open(&w.roots, u.paths, u.n, w.root_index, &bad) == -1)
		die(bad);
	free(u.paths);
	w.root_uses = u.uses;
	w.nroot_uses = u.n;
	roots_apply();
}

/*
 * A deploy that flips a root (a `current` link renamed over) is seen at
 * the first wake-up of the next second, before that wake-up's requests
 * are dispatched.  The small-file and descriptor caches are keyed by
 * root descriptor and path: emptied, so that nothing of the old tree is
 * served from them.
 */
static void roots_follow(void)
{
	if (docroot_set_check(&w.roots, w.view.now) == 0)
		return;
	roots_apply();
	fcache_clear();
	fdcache_clear();
}

static void on_wake(void)
{
	clock_refresh();
	/* docroot_set_check's own first test, without the call: the roots
	 * are looked at once a second. */
	if (w.view.now != w.roots.checked)
		roots_follow();
}

/* Room for the directories of locations with a root or alias of their
 * own (opened by setup_roots); -1 for the others. */
static void open_location_dirs(struct vhost *vh)
{
	const struct server_conf *sc = vh->conf;

	if (sc->nlocations == 0)
		return;
	if ((vh->locfds = calloc(sc->nlocations, sizeof(int))) == NULL)
		die("calloc");
	for (size_t k = 0; k < sc->nlocations; k++)
		vh->locfds[k] = -1;
}

/* How the server's opens may block: the worst of its directories. */
static int plan_mode_of(const struct vhost *vh)
{
	const struct server_conf *sc = vh->conf;

	if (w.cf->aio == AIO_OFF)
		return -1;
	if (w.cf->aio == AIO_ON ||
	    file_plan_mode_of(vh->rootfd) == FILE_PLAN_ALL)
		return FILE_PLAN_ALL;
	for (size_t k = 0; vh->locfds != NULL && k < sc->nlocations; k++)
		if (vh->locfds[k] != -1 &&
		    file_plan_mode_of(vh->locfds[k]) == FILE_PLAN_ALL)
			return FILE_PLAN_ALL;
	return FILE_PLAN_CACHED;
}

/* Open roots and logs while still privileged. */
static void setup_vhosts(void)
{
	w.nvhosts = w.cf->nservers;
	w.vhosts = calloc(w.nvhosts, sizeof(*w.vhosts));
	if (w.vhosts == NULL)
		die("calloc");
	for (size_t i = 0; i < w.nvhosts; i++) {
		struct vhost *vh = &w.vhosts[i];
		const struct server_conf *sc = &w.cf->servers[i];

		vh->conf = sc;
		vh->view = &w.view;
		vh->pool = &w.conns;
		open_location_dirs(vh);
		if (sc->access_log != NULL &&
		    (vh->log = access_log_open_as(
			     sc->access_log,
			     (enum access_format)sc->access_format,
			     sc->access_log_custom, sc->access_log_buffer)) ==
			    NULL)
			die(sc->access_log);
		conn_vhost_init(vh);
	}
	setup_roots();
	w.conns = (struct conn_pool){
		.loop = &w.loop,
		.cf = w.cf,
		.vhosts = w.vhosts,
		.sw = w.sw,
		.trace = w.cf->error_log_level >= LOG_LVL_DEBUG,
	};
}

/* etag = content: a large file is hashed by a pool thread, a piece per
 * turn so that cold reads queued behind it are not held up for long. */
static void etag_op_run(struct iop *op)
{
	op->res = etag_job_step(op->owner, op->buf, IOPOOL_CHUNK);
}

static void etag_op_done(struct iop *op)
{
	if (op->res == 0 && iopool_submit(&w.io, op) == 0)
		return;
	etag_job_finish(op->owner);
	iopool_put(&w.io, op);
}

static int etag_offload(struct etag_job *job)
{
	struct iop *op = iopool_get(&w.io);

	if (op == NULL)
		return -1;
	op->kind = IOP_CALL;
	op->run = etag_op_run;
	op->done = etag_op_done;
	op->owner = job;
	if (iopool_submit(&w.io, op) == -1) {
		iopool_put(&w.io, op);
		return -1;
	}
	return 0;
}

/*
 * The I/O pool, once privileges and limits are what they will stay: its
 * threads (started on the first cold file) inherit them.  The master
 * never has threads, so no fork ever copies a threaded process.
 */
static void setup_iopool(void)
{
	if (w.cf->aio == AIO_OFF)
		return;
	if (iopool_init(&w.io, &w.loop, w.cf->aio_threads, IOPOOL_OPS) == -1)
		die("creating the I/O pool");
	w.conns.io = &w.io;
	etag_content_offload(etag_offload);
}

/*
 * Has iopool_dispatch anything to do: ops done (the eventfd fired), a
 * waiter and a free op for it, files to close?  Looked at here, where it
 * costs a few loads, since most wake-ups have none of it.  Mirrors
 * iopool_dispatch's own tests.
 */
static bool iopool_due(void)
{
	return w.conns.io != NULL &&
	       (w.io.woken || (w.io.free != NULL && w.io.wait_head != NULL) ||
		file_closes_pending() > 0);
}

/* The pool's figures on the scoreboard, once it has run anything. */
static void publish_iopool(void)
{
	if (w.conns.io == NULL || w.io.offloaded == 0)
		return;
	STATS_SET(w.sw->aio_queued, iopool_queued(&w.io));
	STATS_SET(w.sw->aio_in_flight, w.io.in_flight);
	STATS_SET(w.sw->aio_offloaded, w.io.offloaded);
}

static void drop_privileges(const struct worker_args *a)
{
	if (!a->drop_privileges)
		return;
	if (setgid(a->gid) == -1 || initgroups(w.cf->user, a->gid) == -1 ||
	    setuid(a->uid) == -1)
		die("switching to the configured user");
	if (prctl(PR_SET_DUMPABLE, 1) == -1)
		log_errno(LOG_LVL_WARN, "prctl(PR_SET_DUMPABLE)");
}

/* Keep the listeners of this slot; close every other inherited socket. */
static void setup_listeners(const struct worker_args *a)
{
	struct listener_set *ls = a->listeners;
	bool shared = w.cf->accept_mode == ACCEPT_SHARED;
	bool handoff = w.cf->accept_mode == ACCEPT_HANDOFF;

	w.mine = calloc(ls->n ? ls->n : 1, sizeof(*w.mine));
	if (w.mine == NULL)
		die("calloc");
	for (size_t i = 0; i < ls->n; i++) {
		struct listener *l = &ls->v[i];
		if (!handoff && (shared || l->slot == a->slot)) {
			l->ev.handler = on_accept;
			w.mine[w.nmine++] = l;
		} else {
			close(l->ev.fd);
		}
	}
	accept_enable(true);
	if (handoff) {
		w.handoff_src.fd = a->handoff_fd;
		w.handoff_src.handler = on_handoff;
		if (event_add(&w.loop, &w.handoff_src, EV_READ) == -1)
			die("epoll_ctl on the handoff socket");
	}
}

static void tell_master(enum worker_msg_type type)
{
	struct worker_msg msg = { .pid = getpid(), .type = (uint32_t)type };

	if (write(w.notify_fd, &msg, sizeof(msg)) != sizeof(msg))
		log_errno(LOG_LVL_ERR, "writing to the master");
}

/* After max_requests_per_worker, ask to be replaced (once). */
static void check_recycle(void)
{
	unsigned max = w.cf->max_requests_per_worker;

	if (max == 0 || w.recycle_asked || w.view.draining ||
	    STATS_GET(w.sw->requests) < max)
		return;
	w.recycle_asked = true;
	tell_master(WORKER_MSG_RECYCLE);
}

/* Limits and CPU placement, while still privileged. */
static void setup_limits(void)
{
	unsigned want = w.cf->worker_rlimit_nofile;
	struct rlimit rl = { want, want };

	if (want != 0 && setrlimit(RLIMIT_NOFILE, &rl) == -1)
		log_errno(LOG_LVL_WARN, "worker_rlimit_nofile %u", want);
	if (w.cf->worker_cpu_affinity)
		pin_cpu();
}

/* Descriptors open in this process, or -1. */
static long fds_open(void)
{
	DIR *dir = opendir("/proc/self/fd");
	long n = -1; /* the directory's own descriptor */

	if (dir == NULL)
		return -1;
	while (readdir(dir) != NULL)
		n++;
	closedir(dir);
	return n - 2; /* "." and ".." */
}

/*
 * A connection holds its socket and, while it sends, a file.  If sockets
 * alone could fill the descriptor limit, a client already connected would
 * be answered 500 when its file cannot be opened; so connections stop at
 * the limit less a reserve for files (half of what is free, at most
 * FD_RESERVE), and the rest wait in the kernel's queue.
 */
#define FD_RESERVE 64

static void setup_conn_cap(void)
{
	struct rlimit rl;
	long used = fds_open();

	w.conn_cap = w.cf->worker_connections;
	if (used < 0 || getrlimit(RLIMIT_NOFILE, &rl) == -1 ||
	    rl.rlim_cur == RLIM_INFINITY)
		return;
	uint64_t spare = rl.rlim_cur > (rlim_t)used ? rl.rlim_cur - (rlim_t)used
						    : 0;
	uint64_t reserve = spare / 2 < FD_RESERVE ? spare / 2 : FD_RESERVE;
	uint64_t cap = spare - reserve > 1 ? spare - reserve : 1;

	if (cap >= w.conn_cap)
		return;
	w.conn_cap = (unsigned)cap;
	if (w.slot == 0)
		log_msg(LOG_LVL_NOTICE,
			"worker_connections %u exceeds what the "
			"open file limit %llu allows: %u connections at most",
			w.cf->worker_connections,
			(unsigned long long)rl.rlim_cur, w.conn_cap);
}

/* ---- the loop ---- */

/*
 * Act on what the clock made due: close the connections whose deadline
 * passed, resume accepting after a pause, close retiring listeners.
 * Runs between two waits, never during dispatch.
 */
static void timers_run(void)
{
	uint64_t now = w.view.now_ms;

	conn_expire_due(&w.conns, now);
	if (!w.accepting && !w.view.draining && w.accept_resume_ms <= now &&
	    w.conns.nconns < w.conn_cap)
		accept_enable(true);
	/* Set only by drain_start. */
	if (w.view.draining && w.listeners_close_at != 0 &&
	    now >= w.listeners_close_at)
		listeners_close();
}

/*
 * How long the loop may sleep: until the nearest deadline, and at most a
 * second (access logs flush, Date ticks).  Only looks.  A pause that has
 * run out while the worker is still full needs no wake-up: a connection
 * closing is an event, and timers_run follows it.
 */
static int next_timeout(void)
{
	uint64_t now = w.view.now_ms;
	uint64_t next = w.conns.soonest;

	if (!w.accepting && !w.view.draining && w.accept_resume_ms > now &&
	    w.accept_resume_ms < next)
		next = w.accept_resume_ms;
	if (w.view.draining && w.drain_deadline_ms < next)
		next = w.drain_deadline_ms;
	if (w.view.draining && w.listeners_close_at != 0 &&
	    w.listeners_close_at < next)
		next = w.listeners_close_at;
	uint64_t wait = next > now ? next - now : 0;
	return wait > 1000 ? 1000 : (int)wait;
}

static void flush_logs(void)
{
	for (size_t i = 0; i < w.nvhosts; i++)
		if (w.vhosts[i].log != NULL)
			access_log_flush(w.vhosts[i].log);
}

__attribute__((noreturn)) static void worker_exit(int code)
{
	for (size_t i = 0; i < w.nvhosts; i++) {
		conn_close_all(&w.vhosts[i]);
		access_log_close(w.vhosts[i].log);
	}
	_exit(code);
}

__attribute__((noreturn)) static void worker_loop(void)
{
	time_t last_flush = w.view.now;

	for (;;) {
		timers_run();
		if (w.view.draining && w.nmine == 0 &&
		    (w.conns.nconns == 0 ||
		     w.view.now_ms >= w.drain_deadline_ms))
			worker_exit(0);
		if (event_run_once(&w.loop, next_timeout()) == -1)
			die("epoll_wait");
		if (iopool_due())
			iopool_dispatch(&w.io); /* between waits: see event.h */
		if (w.view.now != last_flush) {
			flush_logs();
			last_flush = w.view.now;
		}
		if (w.stop_now)
			worker_exit(0);
		check_recycle();
		STATS_SET(w.sw->active, w.conns.nconns);
		publish_iopool();
	}
}

void worker_run(const struct worker_args *a)
{
	w.cf = a->cf;
	w.slot = a->slot;
	w.gen = a->gen;
	w.sw = &stats->w[a->stats_slot];
	w.notify_fd = a->notify_fd;
	log_set_tag("worker %u gen %u: ", w.slot, w.gen);
	mime_use(
		w.cf->mime); /* this generation's types, whatever the master parsed since */
	proctitle_worker(w.gen, w.slot, false);
	clock_refresh();
	if (event_loop_init(&w.loop) == -1)
		die("epoll_create");
	w.loop.on_wake = on_wake; /* deadlines count from the wake-up */
	setup_signals();
	setup_vhosts();
	setup_limits();
	drop_privileges(a);
	setup_iopool();
	setup_listeners(a);
	watch_master(a->master_pid);
	setup_conn_cap();
	if (conn_pool_init(&w.conns) == -1)
		die("reserving connection memory");
	tell_master(WORKER_MSG_READY);
	worker_loop();
}
