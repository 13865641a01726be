/*
 * master.c — the master's policy: it never touches a client byte.
 *
 * It reads the config, opens the listeners, forks one generation of workers
 * and then only reacts: to signals (through a signalfd, so no work ever
 * happens in a signal handler), to workers reporting readiness on a pipe,
 * and to its own timers (respawn back-off, drain deadlines).
 *
 * This file is the policy: when to start, replace, drain, respawn or kill
 * workers, and what to tell the world.  The mechanics it calls live
 * elsewhere: the worker table (proctab.c), forking a worker (spawn.c),
 * building a generation from a config (generation.c, runas.c), the pid
 * file (pidfile.c), detaching (daemon.c), the acceptor of accept_mode
 * handoff (handoff.c) and the binary upgrade (upgrade.c).
 *
 * A generation is started the same way at boot and on reload: open its
 * listeners (reusing unchanged sockets), fork its workers, and once every
 * one of them reports ready, make it current and tell the previous
 * generation to drain.  If the new generation cannot start, the old one is
 * never touched.
 *
 * Worker states, as the master sees them:
 *
 *   STARTING --ready--> READY --reload/stop--> DRAINING --exit--> (gone)
 *       \                 \--dies--> (respawned in its slot, with back-off)
 *        \--dies--> reload fails (new generation) / respawn (current one)
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "control.h"
#include "daemon.h"
#include "event.h"
#include "generation.h"
#include "handoff.h"
#include "listen.h"
#include "log.h"
#include "master.h"
#include "pidfile.h"
#include "proctab.h"
#include "proctitle.h"
#include "sdnotify.h"
#include "spawn.h"
#include "stats.h"
#include "supervise.h"
#include "upgrade.h"
#include "worker.h"

#define RELOAD_TIMEOUT_MS 10000
#define FAST_STOP_MS 2000
#define SEAL_MS 250 /* graceful stop: handshakes under way land meanwhile */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 10000
#define HEARTBEAT_MS 1000 /* a worker wakes at least this often */
#define STABLE_MS 5000 /* a worker that lived this long was not crash-looping */

enum stop_mode {
	RUNNING,
	STOP_GRACEFUL,
	STOP_FAST,
};

static struct {
	pid_t pid;
	uint64_t now; /* monotonic ms, refreshed each wake-up */

	struct { /* the loop and what only it watches */
		struct event_loop loop;
		struct event_source sig;
		struct event_source notify; /* workers' struct worker_msg */
		int notify_w;
	} io;

	struct generation cur;   /* serving; cur.gen is 0 until one does */
	struct proc_table procs; /* every worker not yet reaped */

	struct {                        /* a generation being started */
		struct generation next; /* next.cf != NULL while one is */
		uint64_t deadline;
		bool again;        /* SIGHUP while it could not start */
		unsigned last_gen; /* the last generation number given */
	} reload;

	struct {
		enum stop_mode mode;
		uint64_t deadline;        /* kill what is left then */
		uint64_t lame_duck_until; /* graceful stop: next step then */
		bool sealed; /* listeners refuse new connections (listen_seal) */
		int exit_code;
	} stop;

	struct { /* what the outside world is told */
		struct control_status st;
		struct pidfile pidfile;
		int daemon_fd;    /* tells the waiting parent we serve */
		bool handed_over; /* a new master owns pid and status files */
	} pub;

	struct handoff handoff; /* accept_mode handoff: we accept */
	struct upgrade upgrade;

	struct {              /* PID 1 that handed over (supervise.h) */
		pid_t master; /* the new master; 0: we just exit */
		bool exited;  /* reaped while we drained */
		int status;
		char pid_file[PATH_MAX];
	} successor;
} m;

static void stop_begin(enum stop_mode mode);

static void clock_refresh(void)
{
	m.now = clock_ms();
}

/* ---- what the outside world is told ---- */

/* Publish the master's state for `forkd -s` and for people. */
static void status_publish(const char *state)
{
	const char *path = m.pub.pidfile.status_path;

	if (m.pub.handed_over)
		return;
	if (state != NULL)
		snprintf(m.pub.st.state, sizeof(m.pub.st.state), "%s", state);
	m.pub.st.pid = m.pid;
	m.pub.st.generation = m.cur.gen;
	if (path[0] != '\0' && control_write(path, &m.pub.st) == -1)
		log_errno(LOG_LVL_WARN, "writing %s", path);
}

static void status_reload_result(bool ok, const char *err)
{
	if (ok)
		m.pub.st.reloads_ok++;
	else
		m.pub.st.reloads_failed++;
	STATS_SET(stats->master.reloads_ok, m.pub.st.reloads_ok);
	STATS_SET(stats->master.reloads_failed, m.pub.st.reloads_failed);
	snprintf(m.pub.st.last_reload, sizeof(m.pub.st.last_reload), "%s",
		 ok ? "ok" : "failed");
	snprintf(m.pub.st.last_error, sizeof(m.pub.st.last_error), "%s",
		 ok ? "-" : err);
	stats_reload_record(ok, m.cur.gen, err);
}

static void status_serving(void)
{
	size_t ready = proctab_count(&m.procs, m.cur.gen, PROC_READY);

	log_notice("generation %u serving with %zu workers", m.cur.gen, ready);
	m.pub.st.workers = (unsigned)ready;
	sdnotify("READY=1\nSTATUS=serving generation %u, %zu "
		 "workers\nMAINPID=%d",
		 m.cur.gen, ready, (int)m.pid);
}

/* The first generation cannot start; a master that replaces an old one
 * tells it why. */
static void startup_failed(const char *why)
{
	log_msg(LOG_LVL_EMERG, "cannot start: %s", why);
	upgrade_report_failure(&m.upgrade, why);
	daemon_report_failure(&m.pub.daemon_fd, why);
}

/* ---- draining ---- */

/* Drain a generation; slots at or above keep_slots lose their sockets. */
static void drain_gen(unsigned gen, unsigned timeout_ms, unsigned keep_slots)
{
	for (size_t i = 0; i < m.procs.n; i++)
		if (m.procs.v[i].gen == gen)
			proctab_drain(&m.procs.v[i], m.now + timeout_ms,
				      m.procs.v[i].slot >= keep_slots);
}

/* ---- forking ---- */

/* In a new worker: let go of what belongs to the master alone. */
static void child_close_master_fds(void)
{
	close(m.io.sig.fd);
	close(m.io.notify.fd);
	event_loop_close(&m.io.loop);
	if (m.pub.daemon_fd != -1)
		close(m.pub.daemon_fd);
	sdnotify_close();
}

/* Fork a worker of g into slot.  0, or -1 (logged) with nothing changed. */
static int spawn(struct generation *g, unsigned slot)
{
	struct spawn_req r = {
		.args = {
			.cf = g->cf,
			.listeners = &g->ls,
			.slot = slot,
			.gen = g->gen,
			.notify_fd = m.io.notify_w,
			.master_pid = m.pid,
			.uid = g->as.uid,
			.gid = g->as.gid,
			.drop_privileges = g->as.drop,
		},
		.other = g == &m.cur ? &m.reload.next.ls : &m.cur.ls,
		.now = m.now,
		.child_close = child_close_master_fds,
	};

	return spawn_worker(&m.procs, &r);
}

static void reopen_logs(void)
{
	if (m.cur.cf == NULL)
		return;
	if (log_reopen() == -1)
		log_errno(LOG_LVL_ERR, "reopening the error log");
	runas_prepare_logs(m.cur.cf, &m.cur.as);
	for (size_t i = 0; i < m.procs.n; i++)
		kill(m.procs.v[i].pid, SIGUSR1);
	log_notice("log files reopened");
	m.pub.st.reopens++;
	status_publish(NULL);
}

/* ---- generations ---- */

/* Every worker of the pending generation is ready: switch over. */
static void commit_pending(void)
{
	struct generation *next = &m.reload.next;
	unsigned old_gen = m.cur.gen;
	unsigned old_timeout = m.cur.cf != NULL ? m.cur.cf->shutdown_timeout
						: 0;
	bool reuseport = next->cf->accept_mode == ACCEPT_REUSEPORT;

	if (reuseport &&
	    listen_steer(&next->ls, next->cf->worker_processes) == -1)
		log_errno(LOG_LVL_WARN, "steering the reuseport group");
	if (listen_defer(&next->ls, next->cf->defer_accept) == -1)
		log_errno(LOG_LVL_WARN, "setting defer_accept");
	handoff_unwatch(&m.handoff); /* the set changes under it */
	if (old_gen != 0)
		drain_gen(old_gen, old_timeout,
			  reuseport ? next->cf->worker_processes : UINT32_MAX);
	listen_retire(&m.cur.ls, &next->ls);
	generation_free(&m.cur);
	m.cur = *next;
	*next = (struct generation){ 0 };
	log_set_level(m.cur.cf->error_log_level);
	pidfile_update(&m.pub.pidfile, m.cur.cf->pid_file);
	status_serving();
	if (old_gen != 0)
		status_reload_result(true, NULL);
	status_publish("serving");
	STATS_SET(stats->master.generation, m.cur.gen);
	upgrade_report_ready(&m.upgrade);
	daemon_report_ready(&m.pub.daemon_fd);
}

/* The old generation goes on serving: say why the new one does not. */
static void reload_failed(const char *why)
{
	log_error("reload failed: %s; still serving generation %u", why,
		  m.cur.gen);
	sdnotify("READY=1\nSTATUS=reload failed: %s; serving generation %u",
		 why, m.cur.gen);
	status_reload_result(false, why);
	status_publish(m.stop.mode == RUNNING ? "serving" : "stopping");
}

/* The pending generation cannot start: drop it, keep the current one. */
static void abort_pending(const char *why)
{
	struct generation *next = &m.reload.next;

	drain_gen(next->gen, next->cf->shutdown_timeout, UINT32_MAX);
	generation_abandon(next);
	if (m.cur.gen == 0) {
		startup_failed(why);
		m.stop.exit_code = 1;
		if (m.stop.mode == RUNNING)
			m.stop.mode = STOP_FAST;
		m.stop.deadline = m.now + FAST_STOP_MS;
		return;
	}
	reload_failed(why);
}

/*
 * Prepare the next generation from cf.  On success m.reload.next owns cf;
 * spawn_generation() then forks its workers.
 */
static int prepare_generation(struct config *cf, char *err, size_t errlen)
{
	/* Before the first generation, cur.ls holds inherited sockets, if any. */
	const struct listener_set *old = m.cur.ls.v != NULL ? &m.cur.ls : NULL;

	if (m.cur.cf != NULL && cf->accept_mode != m.cur.cf->accept_mode) {
		snprintf(err, errlen,
			 "%s: accept_mode cannot change on reload; "
			 "restart forkd to change it",
			 cf->path);
		return -1;
	}
	if (generation_prepare(&m.reload.next, cf, m.reload.last_gen + 1, old,
			       err, errlen) == -1)
		return -1;
	m.reload.last_gen++;
	return 0;
}

static void spawn_generation(void)
{
	struct generation *n = &m.reload.next;

	m.reload.deadline = m.now + RELOAD_TIMEOUT_MS;
	for (unsigned s = 0; s < n->cf->worker_processes; s++) {
		if (spawn(n, s) == -1) {
			abort_pending("cannot fork workers");
			return;
		}
	}
}

/* May a reload start now?  If not, it is remembered for later. */
static bool reload_may_start(void)
{
	unsigned alive = proctab_generations(&m.procs);

	if (m.reload.next.cf != NULL) {
		m.reload.again = true; /* after the one in flight */
		return false;
	}
	if (alive < m.cur.cf->max_generations)
		return true;
	if (!m.reload.again)
		log_warn("reload waits: %u generations alive (max_generations)",
			 alive);
	m.reload.again = true; /* when an old generation has gone */
	status_publish("reloading");
	return false;
}

static void reload(void)
{
	char err[CONFIG_ERR_MAX];
	struct config *cf;

	if (m.stop.mode != RUNNING || !reload_may_start())
		return;
	sdnotify("RELOADING=1\nMONOTONIC_USEC=%" PRIu64 "\nSTATUS=reloading",
		 m.now * 1000);
	log_notice("reloading configuration from %s", m.cur.cf->path);
	status_publish("reloading");
	if ((cf = config_load(m.cur.cf->path, err, sizeof(err))) == NULL ||
	    prepare_generation(cf, err, sizeof(err)) == -1) {
		config_free(cf);
		reload_failed(err);
		return;
	}
	generation_announce(&m.reload.next);
	spawn_generation();
}

static void check_pending(void)
{
	struct generation *n = &m.reload.next;

	if (n->cf != NULL) {
		if (proctab_count(&m.procs, n->gen, PROC_READY) ==
		    n->cf->worker_processes)
			commit_pending();
		else if (m.now >= m.reload.deadline)
			abort_pending(
				"new workers did not become ready in time");
	}
	if (n->cf == NULL && m.reload.again && m.cur.cf != NULL &&
	    proctab_generations(&m.procs) < m.cur.cf->max_generations) {
		m.reload.again = false;
		reload();
	}
}

/* ---- stopping ---- */

/* The second half of a graceful stop: drain every worker. */
static void stop_drain(void)
{
	unsigned timeout = m.cur.cf != NULL ? m.cur.cf->shutdown_timeout : 0;

	m.stop.lame_duck_until = 0;
	log_notice("graceful stop: draining %zu workers", m.procs.n);
	/* We may be the acceptor: pass on what is queued while the workers
	 * still take connections. */
	handoff_flush(&m.handoff);
	/* Close our copies before the workers hear of the stop: a worker
	 * takes what is queued and then closes the last copy.  The other
	 * order left a socket queueing for no one, to be reset. */
	listen_close(&m.cur.ls);
	for (size_t i = 0; i < m.procs.n; i++)
		proctab_drain(&m.procs.v[i], m.now + timeout, false);
	m.stop.deadline = m.now + timeout + 1000;
}

static void stop_fast(void)
{
	log_notice("fast stop");
	m.stop.lame_duck_until = 0;
	handoff_unwatch(&m.handoff);
	for (size_t i = 0; i < m.procs.n; i++)
		kill(m.procs.v[i].pid, SIGTERM);
	m.stop.deadline = m.now + FAST_STOP_MS;
	listen_close(&m.cur.ls);
}

/* Refuse new connections; those under way land in the queues for the drain
 * (listen_seal).  Sockets an upgrade hands (or handed) over: left alone. */
static void stop_seal(void)
{
	if (m.cur.cf == NULL || m.pub.handed_over ||
	    upgrade_running(&m.upgrade)) {
		stop_drain();
		return;
	}
	if (listen_seal(&m.cur.ls) == -1)
		log_errno(LOG_LVL_WARN, "sealing the listeners");
	m.stop.sealed = true;
	m.stop.lame_duck_until = m.now + SEAL_MS;
}

static void stop_begin(enum stop_mode mode)
{
	if (m.stop.mode == STOP_FAST || m.stop.mode == mode)
		return;
	if (m.reload.next.cf != NULL && m.cur.gen != 0)
		abort_pending("stopping");
	m.stop.mode = mode;
	sdnotify("STOPPING=1\nSTATUS=%s stop",
		 mode == STOP_FAST ? "fast" : "graceful");
	status_publish("stopping");
	if (mode == STOP_FAST) {
		stop_fast();
		return;
	}
	unsigned delay = m.cur.cf != NULL && !m.pub.handed_over
				 ? m.cur.cf->drain_delay
				 : 0;
	m.stop.deadline = UINT64_MAX;
	if (delay > 0) {
		/* Lame duck: health checks fail while we still serve, so that
		 * load balancers stop sending before anything is refused. */
		log_notice("graceful stop: lame duck for %u ms, then drain",
			   delay);
		STATS_SET(stats->master.lame_duck, 1u);
		m.stop.lame_duck_until = m.now + delay;
		return;
	}
	stop_seal();
}

static void lame_duck_check(void)
{
	if (m.stop.lame_duck_until != 0 && m.now >= m.stop.lame_duck_until)
		(m.stop.sealed ? stop_drain : stop_seal)();
}

/* ---- binary upgrade ---- */

/* The new master serves (ok), or the upgrade failed and we go on. */
static void upgrade_done(bool ok, const char *why, pid_t pid)
{
	m.pub.st.upgrades++;
	STATS_SET(stats->master.upgrades, m.pub.st.upgrades);
	if (!ok) {
		log_error("upgrade failed: %s; still serving generation %u",
			  why, m.cur.gen);
		snprintf(m.pub.st.last_error, sizeof(m.pub.st.last_error),
			 "upgrade failed: %s", why);
		status_publish("serving");
		sdnotify("STATUS=upgrade failed: %s; serving generation %u",
			 why, m.cur.gen);
		return;
	}
	log_notice("upgrade: master %d serves now; this one stops", (int)pid);
	if (supervise_needed()) {
		/* our exit would end the PID namespace, new master and all */
		m.successor.master = pid;
		snprintf(m.successor.pid_file, sizeof(m.successor.pid_file),
			 "%s", m.cur.cf->pid_file);
		log_notice(
			"upgrade: as PID 1, this one stays on to supervise it");
	}
	sdnotify("MAINPID=%d\nSTATUS=handed over to master %d", (int)pid,
		 (int)pid);
	m.pub.handed_over = true;
	sdnotify_close(); /* the new master speaks to systemd from now on */
	stop_begin(STOP_GRACEFUL);
}

/* SIGUSR2: start the new binary on our sockets; it continues our counts. */
static void upgrade_request(void)
{
	if (m.stop.mode != RUNNING || upgrade_running(&m.upgrade) ||
	    m.cur.cf == NULL || m.reload.next.cf != NULL) {
		log_warn("upgrade ignored: %s",
			 upgrade_running(&m.upgrade)
				 ? "one is under way"
				 : "busy reloading or stopping");
		return;
	}
	if (upgrade_start(&m.upgrade, &m.cur.ls, m.reload.last_gen,
			  &m.pub.st) == 0)
		status_publish("upgrading");
}

/* ---- children ---- */

static void schedule_respawn(const struct proc *p)
{
	struct slot *s = &m.cur.slots[p->slot];
	uint64_t delay = 0;

	if (m.now - p->started_ms < STABLE_MS || p->state == PROC_STARTING) {
		if (s->crashes > 0) {
			delay = (uint64_t)BACKOFF_MIN_MS
				<< (s->crashes - 1 > 10 ? 10 : s->crashes - 1);
			if (delay > BACKOFF_MAX_MS)
				delay = BACKOFF_MAX_MS;
		}
		s->crashes++;
	} else {
		s->crashes = 0;
	}
	s->respawn_at = m.now + delay;
	if (delay > 0)
		log_warn("worker %u keeps dying: respawning in %" PRIu64 " ms",
			 p->slot, delay);
}

static void child_exited(pid_t pid, int status)
{
	struct proc *p = proctab_find(&m.procs, pid);
	char how[96];

	if (p == NULL)
		return;
	proctab_describe_exit(status, how, sizeof(how));
	bool expected = p->state == PROC_DRAINING || m.stop.mode != RUNNING;
	if (expected) {
		log_info("worker %u (pid %d) of generation %u exited %s",
			 p->slot, (int)pid, p->gen, how);
	} else if (m.reload.next.cf != NULL && p->gen == m.reload.next.gen) {
		log_error("worker %u (pid %d) of generation %u exited %s "
			  "before it was ready",
			  p->slot, (int)pid, p->gen, how);
		char why[160];
		snprintf(why, sizeof(why), "a new worker exited %s", how);
		proctab_remove(&m.procs, p);
		abort_pending(why);
		return;
	} else {
		log_error("worker %u (pid %d) of generation %u exited %s; "
			  "respawning",
			  p->slot, (int)pid, p->gen, how);
		if (p->gen == m.cur.gen)
			schedule_respawn(p);
	}
	proctab_remove(&m.procs, p);
}

static void reap(void)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == m.successor.master) {
			m.successor.exited = true;
			m.successor.status = status;
		} else if (!upgrade_reap(&m.upgrade, pid, status)) {
			child_exited(pid, status);
		}
	}
}

static void respawn_due(void)
{
	if (m.stop.mode != RUNNING || m.cur.cf == NULL)
		return;
	for (unsigned s = 0; s < m.cur.cf->worker_processes; s++) {
		struct slot *sl = &m.cur.slots[s];
		if (sl->respawn_at == 0 || sl->respawn_at > m.now)
			continue;
		sl->respawn_at = 0;
		sl->respawns++;
		if (spawn(&m.cur, s) == -1)
			sl->respawn_at = m.now + BACKOFF_MAX_MS;
		else
			STATS_SET(
				stats->w[m.procs.v[m.procs.n - 1].sb].respawns,
				sl->respawns);
	}
}

static void kill_overdue(void)
{
	proctab_kill_overdue(&m.procs, m.now,
			     m.stop.mode != RUNNING ? m.stop.deadline
						    : UINT64_MAX);
}

static void watchdog(void)
{
	unsigned limit = m.cur.cf != NULL ? m.cur.cf->worker_watchdog : 0;

	if (limit > 0)
		proctab_kill_stuck(&m.procs, m.now, limit + HEARTBEAT_MS);
}

/* A worker that served max_requests_per_worker: start its successor in
 * the same slot; it drains once the successor is ready. */
static void recycle(struct proc *p)
{
	if (p->recycling || p->state != PROC_READY || p->gen != m.cur.gen ||
	    m.stop.mode != RUNNING)
		return;
	p->recycling = true;
	pid_t old = p->pid;
	if (spawn(&m.cur, p->slot) == 0) {
		m.procs.v[m.procs.n - 1].replaces = old;
		log_info("worker %u (pid %d) served its requests: replacing it",
			 p->slot, (int)old);
	}
}

static void worker_ready(struct proc *p)
{
	if (p->state != PROC_STARTING)
		return;
	proctab_set_state(p, PROC_READY);
	if (p->replaces != 0) {
		struct proc *old = proctab_find(&m.procs, p->replaces);
		p->replaces = 0;
		if (old != NULL)
			proctab_drain(old, m.now + m.cur.cf->shutdown_timeout,
				      false);
	}
}

/* ---- events ---- */

/* PID 1 draining after an upgrade: signals are for the master serving. */
static void forward_to_successor(int sig)
{
	pid_t to = supervise_find_master(m.successor.pid_file, 0);

	if (to == 0 && !m.successor.exited)
		to = m.successor.master;
	if (to != 0 && kill(to, sig) == -1)
		log_errno(LOG_LVL_WARN, "signal %d to master %d", sig, (int)to);
}

static void on_signal(struct event_source *src, unsigned events)
{
	struct signalfd_siginfo si;

	while (read(src->fd, &si, sizeof(si)) == sizeof(si)) {
		if (m.successor.master != 0 && si.ssi_signo != SIGCHLD) {
			forward_to_successor((int)si.ssi_signo);
			continue;
		}
		switch (si.ssi_signo) {
		case SIGCHLD: reap(); break;
		case SIGHUP: reload(); break;
		case SIGTERM:
		case SIGQUIT: stop_begin(STOP_GRACEFUL); break;
		case SIGINT: stop_begin(STOP_FAST); break;
		case SIGUSR1: reopen_logs(); break;
		case SIGUSR2: upgrade_request(); break;
		default: break;
		}
	}
}

static void on_notify(struct event_source *src, unsigned events)
{
	struct worker_msg msg;

	while (read(src->fd, &msg, sizeof(msg)) == sizeof(msg)) {
		struct proc *p = proctab_find(&m.procs, msg.pid);
		if (p == NULL)
			continue;
		if (msg.type == WORKER_MSG_READY)
			worker_ready(p);
		else if (msg.type == WORKER_MSG_RECYCLE)
			recycle(p);
	}
}

static uint64_t earlier(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* How long the loop may sleep: until the nearest deadline, or 1 s. */
static int next_timeout(void)
{
	uint64_t next = m.now + 1000;

	if (m.reload.next.cf != NULL)
		next = earlier(next, m.reload.deadline);
	for (size_t i = 0; i < m.procs.n; i++)
		if (m.procs.v[i].state == PROC_DRAINING && !m.procs.v[i].killed)
			next = earlier(next, m.procs.v[i].kill_at_ms);
	for (unsigned s = 0; m.cur.cf != NULL && s < m.cur.cf->worker_processes;
	     s++)
		if (m.cur.slots[s].respawn_at != 0)
			next = earlier(next, m.cur.slots[s].respawn_at);
	if (m.stop.mode != RUNNING && m.stop.deadline > m.now)
		next = earlier(next, m.stop.deadline);
	if (m.stop.lame_duck_until != 0)
		next = earlier(next, m.stop.lame_duck_until);
	next = earlier(next, upgrade_deadline(&m.upgrade));
	return next > m.now ? (int)(next - m.now) : 0;
}

static int setup_events(void)
{
	sigset_t set;
	int pfd[2];

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1 ||
	    event_loop_init(&m.io.loop) == -1)
		return -1;
	m.io.loop.on_wake = clock_refresh;
	signal(SIGPIPE, SIG_IGN);
	m.io.sig.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	m.io.sig.handler = on_signal;
	if (m.io.sig.fd == -1 || pipe2(pfd, O_NONBLOCK | O_CLOEXEC) == -1)
		return -1;
	m.io.notify.fd = pfd[0];
	m.io.notify.handler = on_notify;
	m.io.notify_w = pfd[1];
	if (event_add(&m.io.loop, &m.io.sig, EV_READ) == -1 ||
	    event_add(&m.io.loop, &m.io.notify, EV_READ) == -1)
		return -1;
	return 0;
}

/* ---- the master's life ---- */

/* Watch the listeners ourselves in accept_mode handoff, while serving
 * (in a lame duck too: everything but the health check is served then). */
static void handoff_update(void)
{
	if (m.cur.cf != NULL && m.cur.cf->accept_mode == ACCEPT_HANDOFF &&
	    (m.stop.mode == RUNNING || m.stop.lame_duck_until != 0))
		handoff_watch(&m.handoff, &m.cur.ls, m.cur.gen);
	else
		handoff_unwatch(&m.handoff);
}

/* Before anything else: our identity, and what an old master handed us. */
static void master_init(const struct master_opts *o)
{
	proctitle_init(o->argv); /* first: it moves the environment */
	m.pid = getpid();
	m.pub.daemon_fd = -1;
	m.now = clock_ms();
	upgrade_init(&m.upgrade, o->argv, &m.io.loop, &m.now, upgrade_done,
		     &m.reload.last_gen, &m.pub.st);
	handoff_init(&m.handoff, &m.io.loop, &m.procs, &m.now);
	sdnotify_init();
}

/*
 * Everything up to the first generation's fork: logs, sockets, detaching,
 * the event loop.  0, or the exit status (cf is freed then).
 */
static int master_start(struct config *cf, const struct master_opts *o)
{
	char err[CONFIG_ERR_MAX];

	if (log_open(cf->error_log, cf->error_log_level) == -1) {
		fprintf(stderr, "forkd: %s: %s\n", cf->error_log,
			strerror(errno));
		goto fail;
	}
	proctitle_set("forkd: master process %s", cf->path);
	/* In an upgrade the old master is running, and means to. */
	if (!upgrade_is_successor(&m.upgrade) &&
	    pidfile_check_running(cf->pid_file) == -1)
		goto fail;
	if (listen_inherit(&m.cur.ls, err, sizeof(err)) == -1)
		goto fail_start;
	daemon_raise_fd_limit(cf);
	if (stats_init() == -1) {
		log_errno(LOG_LVL_EMERG, "cannot map the scoreboard");
		goto fail;
	}
	if (prepare_generation(cf, err, sizeof(err)) == -1)
		goto fail_start;
	/* Detach after binding, so that errors so far reach the terminal, and
	 * before forking workers, whose parent must be the lasting master.
	 * A new master in an upgrade is detached already. */
	if ((o->daemonize || cf->daemon) && !upgrade_is_successor(&m.upgrade) &&
	    daemon_detach(&m.pub.daemon_fd) == -1) {
		log_errno(LOG_LVL_EMERG, "cannot become a daemon");
		return 1;
	}
	m.pid = getpid();
	generation_announce(&m.reload.next);
	/* After the fork: epoll watches a signalfd for the process that
	 * registered it. */
	if (setup_events() == -1) {
		log_errno(LOG_LVL_EMERG, "cannot set up the event loop");
		return 1;
	}
	return 0;

fail_start:
	startup_failed(err);
fail:
	config_free(cf);
	return 1;
}

/* React until stopped and every worker is gone. */
static void master_loop(void)
{
	for (;;) {
		if (event_run_once(&m.io.loop, next_timeout()) == -1) {
			log_errno(LOG_LVL_ALERT, "epoll_wait");
			break;
		}
		clock_refresh();
		reap(); /* a SIGCHLD may be merged into one we already read */
		check_pending();
		respawn_due();
		kill_overdue();
		watchdog();
		upgrade_check(&m.upgrade);
		lame_duck_check();
		handoff_update();
		if (m.stop.mode != RUNNING && m.procs.n == 0)
			break;
	}
}

static void master_cleanup(void)
{
	handoff_unwatch(&m.handoff);
	pidfile_release(&m.pub.pidfile);
	listen_close(&m.cur.ls);
	generation_free(&m.cur);
	proctab_free(&m.procs);
	sdnotify_close();
	event_loop_close(&m.io.loop);
}

int master_run(struct config *cf, const struct master_opts *o)
{
	int rc;

	master_init(o);
	if ((rc = master_start(cf, o)) != 0)
		return rc;
	spawn_generation();
	master_loop();
	master_cleanup();
	if (m.successor.master != 0)
		return supervise_run(m.successor.master, m.successor.pid_file,
				     m.successor.exited, m.successor.status);
	log_notice("exiting");
	return m.stop.exit_code;
}
