/*
 * master.c — the master: it never touches a client byte.
 *
 * It reads the config, opens the listeners, forks one generation of workers
 * and then only reacts: to signals (through a signalfd, so no work ever
 * happens in a signal handler), to workers reporting readiness on a pipe,
 * and to its own timers (respawn back-off, drain deadlines).
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
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "control.h"
#include "event.h"
#include "listen.h"
#include "log.h"
#include "master.h"
#include "sdnotify.h"
#include "stats.h"
#include "worker.h"

#define RELOAD_TIMEOUT_MS 10000
#define FAST_STOP_MS 2000
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 10000
#define HEARTBEAT_MS 1000 /* a worker wakes at least this often */
#define STABLE_MS 5000
#define UPGRADE_TIMEOUT_MS 30000 /* a worker that lived this long was not crash-looping */

enum proc_state {
	PROC_STARTING,
	PROC_READY,
	PROC_DRAINING,
};

struct proc {
	pid_t pid;
	unsigned slot;
	unsigned gen;
	enum proc_state state;
	uint64_t started_ms;
	uint64_t kill_at_ms;   /* DRAINING: SIGKILL then */
	bool killed;
	int sb;                /* its scoreboard slot */
	int handoff_fd;        /* accept_mode handoff: our end, or -1 */
	uint64_t handed;       /* connections passed to it */
	pid_t replaces;        /* recycling: drain this one once we are ready */
	bool recycling;        /* asked to be replaced */
};

/* A slot of the current generation whose worker died: respawn later. */
struct slot {
	unsigned crashes;      /* consecutive quick deaths */
	uint64_t respawn_at;   /* 0: not waiting */
	unsigned respawns;
};

/* A generation being started: the current one is untouched until then. */
struct pending {
	struct config *cf;
	struct listener_set ls;
	unsigned gen;
	uint64_t deadline;
	uid_t uid;
	gid_t gid;
	bool drop;
};

enum stop_mode {
	RUNNING,
	STOP_GRACEFUL,
	STOP_FAST,
};

static struct {
	struct event_loop loop;
	struct event_source sig;
	struct event_source notify;
	int notify_w;
	pid_t pid;
	uint64_t now;

	struct config *cf;           /* current generation's */
	struct listener_set ls;
	unsigned gen;                /* 0 until the first one serves */
	uid_t uid;
	gid_t gid;
	bool drop;
	struct slot *slots;

	struct pending next;         /* next.cf != NULL while starting one */
	bool reload_again;           /* SIGHUP while a reload was running */
	unsigned next_gen;

	struct proc *procs;
	size_t nprocs;
	size_t cap;

	enum stop_mode stop;
	uint64_t stop_deadline;
	int exit_code;
	int daemon_fd;               /* tells the waiting parent we serve */
	char *pid_file;              /* the one we wrote */
	char status_path[4200];      /* beside it */
	struct control_status status;
	bool handed_over;            /* a new master owns pid and status files */
	uint64_t lame_duck_until;    /* graceful stop: drain begins then */

	/* Binary upgrade: as the old master, the new one's pipe and pid. */
	char **argv;
	char exe[PATH_MAX];
	struct event_source upgrade;
	pid_t upgrade_pid;
	bool upgrade_reaped;
	uint64_t upgrade_deadline;
	/* As the new master: where to say we serve (or why we cannot). */
	int upgrade_fd;
} m;

static uint64_t clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void clock_refresh(void)
{
	m.now = clock_ms();
}

/* Publish the master's state for `forkd -s` and for people. */
static void status_publish(const char *state)
{
	if (m.handed_over)
		return;
	if (state != NULL)
		snprintf(m.status.state, sizeof(m.status.state), "%s", state);
	m.status.pid = m.pid;
	m.status.generation = m.gen;
	if (m.status_path[0] != '\0' && control_write(m.status_path, &m.status) == -1)
		log_errno(LOG_LVL_WARN, "writing %s", m.status_path);
}

static void status_reload_result(bool ok, const char *err)
{
	if (ok)
		m.status.reloads_ok++;
	else
		m.status.reloads_failed++;
	STATS_SET(stats->master.reloads_ok, m.status.reloads_ok);
	STATS_SET(stats->master.reloads_failed, m.status.reloads_failed);
	snprintf(m.status.last_reload, sizeof(m.status.last_reload), "%s",
		 ok ? "ok" : "failed");
	snprintf(m.status.last_error, sizeof(m.status.last_error), "%s",
		 ok ? "-" : err);
}

/* ---- the process table ---- */

static struct proc *proc_find(pid_t pid)
{
	for (size_t i = 0; i < m.nprocs; i++)
		if (m.procs[i].pid == pid)
			return &m.procs[i];
	return NULL;
}

static struct proc *proc_add(void)
{
	if (m.nprocs == m.cap) {
		size_t cap = m.cap ? m.cap * 2 : 16;
		struct proc *p = realloc(m.procs, cap * sizeof(*p));
		if (p == NULL)
			return NULL;
		m.procs = p;
		m.cap = cap;
	}
	return &m.procs[m.nprocs++];
}

static void proc_remove(struct proc *p)
{
	if (p->handoff_fd != -1)
		close(p->handoff_fd);
	stats_slot_release(p->sb);
	*p = m.procs[--m.nprocs];
}

static void proc_set_state(struct proc *p, enum proc_state state)
{
	static const uint32_t board[] = {
		[PROC_STARTING] = STATS_STARTING,
		[PROC_READY] = STATS_READY,
		[PROC_DRAINING] = STATS_DRAINING,
	};

	p->state = state;
	STATS_SET(stats->w[p->sb].state, board[state]);
}

/* Generations with a process alive, counting one being started. */
static unsigned generations_alive(void)
{
	unsigned n = 0;

	for (size_t i = 0; i < m.nprocs; i++) {
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = m.procs[j].gen == m.procs[i].gen;
		n += !seen;
	}
	return n;
}

static size_t count_gen(unsigned gen, int state)
{
	size_t n = 0;

	for (size_t i = 0; i < m.nprocs; i++)
		if (m.procs[i].gen == gen &&
		    (state < 0 || m.procs[i].state == (enum proc_state)state))
			n++;
	return n;
}

/*
 * Tell one worker to drain; SIGKILL it if it is not gone by the deadline.
 * A worker whose reuseport sockets are being retired (its slot is gone in
 * the new generation) is told so in the signal's value: it keeps accepting
 * a little longer, for handshakes that were already on their way.
 */
static void proc_drain(struct proc *p, unsigned timeout_ms, bool retired)
{
	union sigval v = { .sival_int = retired ? WORKER_DRAIN_RETIRED : 0 };

	if (p->state == PROC_DRAINING)
		return;
	proc_set_state(p, PROC_DRAINING);
	p->kill_at_ms = m.now + timeout_ms;
	if (p->handoff_fd != -1) {
		/* It reads what was sent, then sees the end. */
		close(p->handoff_fd);
		p->handoff_fd = -1;
	}
	sigqueue(p->pid, SIGQUIT, v);
}

/* Drain a generation; slots at or above keep_slots lose their sockets. */
static void drain_gen(unsigned gen, unsigned timeout_ms, unsigned keep_slots)
{
	for (size_t i = 0; i < m.nprocs; i++)
		if (m.procs[i].gen == gen)
			proc_drain(&m.procs[i], timeout_ms,
				   m.procs[i].slot >= keep_slots);
}

/* ---- forking ---- */

/* In a new worker: let go of what belongs to the master alone. */
static void child_close_master_fds(void)
{
	close(m.sig.fd);
	close(m.notify.fd);
	event_loop_close(&m.loop);
	if (m.daemon_fd != -1)
		close(m.daemon_fd);
	sdnotify_close();
	for (size_t i = 0; i < m.nprocs; i++)
		if (m.procs[i].handoff_fd != -1)
			close(m.procs[i].handoff_fd);
}

static bool set_has_fd(const struct listener_set *ls, int fd)
{
	for (size_t i = 0; i < ls->n; i++)
		if (ls->v[i].ev.fd == fd)
			return true;
	return false;
}

/* In a new worker: close the sockets of the other generation's set. */
static void child_close_other_sets(const struct listener_set *mine)
{
	const struct listener_set *sets[] = { &m.ls, &m.next.ls };

	for (size_t k = 0; k < 2; k++) {
		if (sets[k] == mine || sets[k]->v == NULL)
			continue;
		for (size_t i = 0; i < sets[k]->n; i++)
			if (!set_has_fd(mine, sets[k]->v[i].ev.fd))
				close(sets[k]->v[i].ev.fd);
	}
}

static int spawn(const struct config *cf, struct listener_set *ls,
		 unsigned gen, unsigned slot, const struct pending *cred)
{
	struct proc *p = proc_add();
	int sb = stats_slot_take(0, gen, slot);
	pid_t pid;

	if (p == NULL || sb == -1) {
		if (p != NULL)
			m.nprocs--;
		log_error("no room for another worker process");
		return -1;
	}
	*p = (struct proc){ .pid = -1, .sb = sb, .handoff_fd = -1 };
	STATS_SET(stats->w[sb].heartbeat_ms, m.now);
	int sv[2] = { -1, -1 };
	if (cf->accept_mode == ACCEPT_HANDOFF &&
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0,
		       sv) == -1) {
		m.nprocs--;
		stats_slot_release(sb);
		log_errno(LOG_LVL_ALERT, "socketpair");
		return -1;
	}
	pid = fork();
	if (pid == -1) {
		m.nprocs--;
		stats_slot_release(sb);
		if (sv[0] != -1) {
			close(sv[0]);
			close(sv[1]);
		}
		log_errno(LOG_LVL_ALERT, "fork");
		return -1;
	}
	if (pid == 0) {
		child_close_master_fds();
		child_close_other_sets(ls);
		if (sv[0] != -1)
			close(sv[0]);
		struct worker_args a = {
			.cf = cf,
			.listeners = ls,
			.slot = slot,
			.gen = gen,
			.notify_fd = m.notify_w,
			.master_pid = m.pid,
			.uid = cred->uid,
			.gid = cred->gid,
			.drop_privileges = cred->drop,
			.stats_slot = sb,
			.handoff_fd = sv[1],
		};
		worker_run(&a);
	}
	*p = (struct proc){
		.pid = pid,
		.slot = slot,
		.gen = gen,
		.state = PROC_STARTING,
		.started_ms = m.now,
		.sb = sb,
		.handoff_fd = sv[0],
	};
	if (sv[1] != -1)
		close(sv[1]);
	STATS_SET(stats->w[sb].pid, (int32_t)pid);
	log_info("worker %u of generation %u started, pid %d", slot, gen,
		 (int)pid);
	return 0;
}

static struct pending current_cred(void)
{
	return (struct pending){ .uid = m.uid, .gid = m.gid, .drop = m.drop };
}

/* ---- user, logs ---- */

static int resolve_user(const struct config *cf, struct pending *p,
			char *err, size_t errlen)
{
	struct passwd *pw;

	p->drop = false;
	if (getuid() != 0 || cf->user == NULL)
		return 0;
	errno = 0;
	if ((pw = getpwnam(cf->user)) == NULL) {
		snprintf(err, errlen, "%s: user \"%s\" does not exist", cf->path,
			 cf->user);
		return -1;
	}
	p->uid = pw->pw_uid;
	p->gid = pw->pw_gid;
	if (cf->group != NULL) {
		struct group *gr = getgrnam(cf->group);
		if (gr == NULL) {
			snprintf(err, errlen, "%s: group \"%s\" does not exist",
				 cf->path, cf->group);
			return -1;
		}
		p->gid = gr->gr_gid;
	}
	p->drop = true;
	return 0;
}

/*
 * Create each log file and give it to the workers' user, so that they can
 * reopen it themselves after a rotation.
 */
static void prepare_log(const char *path, const struct pending *cred)
{
	int fd;

	if (path == NULL || strcmp(path, "stderr") == 0)
		return;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1) {
		log_errno(LOG_LVL_ERR, "opening %s", path);
		return;
	}
	if (cred->drop && fchown(fd, cred->uid, cred->gid) == -1)
		log_errno(LOG_LVL_WARN, "chown %s", path);
	close(fd);
}

static void prepare_logs(const struct config *cf, const struct pending *cred)
{
	prepare_log(cf->error_log, cred);
	for (size_t i = 0; i < cf->nservers; i++)
		prepare_log(cf->servers[i].access_log, cred);
}

static void reopen_logs(void)
{
	struct pending cred = current_cred();

	if (m.cf == NULL)
		return;
	if (log_reopen() == -1)
		log_errno(LOG_LVL_ERR, "reopening the error log");
	prepare_logs(m.cf, &cred);
	for (size_t i = 0; i < m.nprocs; i++)
		kill(m.procs[i].pid, SIGUSR1);
	log_notice("log files reopened");
	m.status.reopens++;
	status_publish(NULL);
}

/* ---- startup, and binary upgrade ---- */

static void stop(enum stop_mode mode);
static void stop_drain(void);
static void handoff_unwatch(void);
static bool handoff_accept(struct listener *l);
static bool handoff_watching; /* accept_mode handoff: the master accepts */

/* The first generation cannot start; a master that replaces an old one
 * tells it why. */
static void startup_failed(const char *why)
{
	log_msg(LOG_LVL_EMERG, "cannot start: %s", why);
	if (m.upgrade_fd != -1) {
		char msg[CONFIG_ERR_MAX + 8];
		int n = snprintf(msg, sizeof(msg), "E%s", why);
		ssize_t unused = write(m.upgrade_fd, msg, (size_t)n);
		(void)unused;
		close(m.upgrade_fd);
		m.upgrade_fd = -1;
	}
}

/* We serve: tell the master we replace. */
static void upgrade_report_ready(void)
{
	if (m.upgrade_fd == -1)
		return;
	if (write(m.upgrade_fd, "R", 1) != 1)
		log_errno(LOG_LVL_ERR, "telling the old master we serve");
	close(m.upgrade_fd);
	m.upgrade_fd = -1;
}

static void upgrade_finish(bool ok, const char *why)
{
	pid_t pid = m.upgrade_pid;
	bool reaped = m.upgrade_reaped;

	event_del(&m.loop, &m.upgrade);
	close(m.upgrade.fd);
	m.upgrade.fd = -1;
	m.upgrade_pid = 0;
	m.upgrade_reaped = false;
	m.status.upgrades++;
	STATS_SET(stats->master.upgrades, m.status.upgrades);
	if (!ok) {
		if (!reaped)
			kill(pid, SIGKILL); /* still there, and of no use */
		log_error("upgrade failed: %s; still serving generation %u", why,
			  m.gen);
		snprintf(m.status.last_error, sizeof(m.status.last_error),
			 "upgrade failed: %s", why);
		status_publish("serving");
		sdnotify("STATUS=upgrade failed: %s; serving generation %u", why,
			 m.gen);
		return;
	}
	log_notice("upgrade: master %d serves now; this one stops", (int)pid);
	sdnotify("MAINPID=%d\nSTATUS=handed over to master %d", (int)pid,
		 (int)pid);
	m.handed_over = true;
	sdnotify_close(); /* the new master speaks to systemd from now on */
	stop(STOP_GRACEFUL);
}

static void describe_exit(int status, char *out, size_t outsz);

/* What the new master said; `exited` describes its exit, if it did. */
static void upgrade_poll(const char *exited)
{
	char msg[CONFIG_ERR_MAX + 8];
	ssize_t n = read(m.upgrade.fd, msg, sizeof(msg) - 1);

	if (n == -1 && errno == EAGAIN && exited == NULL)
		return;
	if (n > 0 && msg[0] == 'R') {
		upgrade_finish(true, NULL);
		return;
	}
	if (n > 0 && msg[0] == 'E') {
		msg[n] = '\0';
		upgrade_finish(false, msg + 1);
		return;
	}
	if (exited != NULL) {
		snprintf(msg, sizeof(msg), "the new master exited %s before it was "
			 "ready", exited);
		upgrade_finish(false, msg);
	} else {
		upgrade_finish(false, "the new master closed its pipe before it "
			       "was ready");
	}
}

static void on_upgrade(struct event_source *src, unsigned events)
{
	int status;

	/* A closed pipe usually means an exit: wait briefly to say which. */
	for (int i = 0; i < 100; i++) {
		if (waitpid(m.upgrade_pid, &status, WNOHANG) == m.upgrade_pid) {
			char how[96];
			describe_exit(status, how, sizeof(how));
			m.upgrade_reaped = true;
			upgrade_poll(how);
			return;
		}
		struct pollfd pfd = { .fd = src->fd, .events = POLLIN };
		char c;
		if (recv(src->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 1 ||
		    poll(&pfd, 1, 0) == 0)
			break; /* a message, or nothing yet */
		usleep(1000);
	}
	upgrade_poll(NULL);
}

/*
 * SIGUSR2: exec the binary again (the file may have been replaced) with
 * the listening sockets inherited.  The new master starts its workers and
 * reports on a pipe; only then does this one drain and exit.
 */
static void upgrade_start(void)
{
	char fds[8192], num[16], gen[32];
	int pfd[2];

	/* The new master continues our generations and counters. */
	snprintf(gen, sizeof(gen), "%u:%u:%u:%u:%u", m.next_gen,
		 m.status.reloads_ok, m.status.reloads_failed, m.status.reopens,
		 m.status.upgrades + 1);
	if (m.stop != RUNNING || m.upgrade_pid != 0 || m.cf == NULL ||
	    m.next.cf != NULL) {
		log_warn("upgrade ignored: %s", m.upgrade_pid != 0 ?
			 "one is under way" : "busy reloading or stopping");
		return;
	}
	if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) == -1) {
		log_errno(LOG_LVL_ERR, "upgrade: pipe");
		return;
	}
	log_notice("upgrade: starting %s", m.exe);
	pid_t pid = fork();
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		snprintf(num, sizeof(num), "%d", pfd[1]);
		if (listen_export(&m.ls, fds, sizeof(fds)) == -1 ||
		    fcntl(pfd[1], F_SETFD, 0) == -1 ||
		    setenv("FORKD_LISTEN_FDS", fds, 1) == -1 ||
		    setenv("FORKD_UPGRADE_FD", num, 1) == -1 ||
		    setenv("FORKD_GENERATION", gen, 1) == -1 ||
		    sdnotify_export() == -1)
			_exit(127);
		execv(m.exe, m.argv);
		char msg[PATH_MAX + 64];
		int n = snprintf(msg, sizeof(msg), "Ecannot run %s: %s", m.exe,
				 strerror(errno));
		ssize_t unused = write(pfd[1], msg, (size_t)n);
		(void)unused;
		_exit(127);
	}
	close(pfd[1]);
	if (pid == -1) {
		log_errno(LOG_LVL_ERR, "upgrade: fork");
		close(pfd[0]);
		return;
	}
	m.upgrade.fd = pfd[0];
	m.upgrade.handler = on_upgrade;
	m.upgrade_pid = pid;
	m.upgrade_deadline = m.now + UPGRADE_TIMEOUT_MS;
	if (event_add(&m.loop, &m.upgrade, EV_READ) == -1)
		upgrade_finish(false, "cannot watch the new master");
	status_publish("upgrading");
}

static void upgrade_check_deadline(void)
{
	if (m.upgrade_pid != 0 && m.now >= m.upgrade_deadline)
		upgrade_finish(false, "the new master was not ready in time");
}

/* ---- pid file ---- */

static int write_pid_file(const char *path)
{
	char tmp[4096 + 8];
	char buf[32];
	int fd, n;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1)
		return -1;
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (write(fd, buf, (size_t)n) != n || close(fd) == -1 ||
	    rename(tmp, path) == -1) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Remove the pid and status files, if they are still ours. */
static void remove_pid_file(void)
{
	char buf[32] = { 0 };
	struct control_status st;
	int fd;

	if (m.pid_file == NULL || (fd = open(m.pid_file, O_RDONLY)) == -1)
		return;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0 && atoi(buf) == (int)getpid())
		unlink(m.pid_file);
	if (control_read(m.status_path, &st) == 0 && st.pid == getpid())
		unlink(m.status_path);
}

static int update_pid_file(const struct config *cf)
{
	if (m.pid_file != NULL && strcmp(m.pid_file, cf->pid_file) == 0)
		return 0;
	if (write_pid_file(cf->pid_file) == -1) {
		log_errno(LOG_LVL_ERR, "writing pid file %s", cf->pid_file);
		return -1;
	}
	remove_pid_file();
	free(m.pid_file);
	m.pid_file = strdup(cf->pid_file);
	control_status_path(cf->pid_file, m.status_path, sizeof(m.status_path));
	return 0;
}

/* ---- generations ---- */

static void status_line(void)
{
	log_notice("generation %u serving with %zu workers", m.gen,
		   count_gen(m.gen, PROC_READY));
	m.status.workers = (unsigned)count_gen(m.gen, PROC_READY);
	sdnotify("READY=1\nSTATUS=serving generation %u, %zu workers\nMAINPID=%d",
		 m.gen, count_gen(m.gen, PROC_READY), (int)m.pid);
}

static void announce_listeners(const struct listener_set *ls)
{
	for (size_t i = 0; i < ls->n; i++) {
		const struct listener *l = &ls->v[i];
		char host[INET6_ADDRSTRLEN];
		const struct sockaddr_in *v4 = (const void *)&l->addr;
		const struct sockaddr_in6 *v6 = (const void *)&l->addr;

		if (l->slot != 0 || l->reused)
			continue;
		if (l->addr.ss_family == AF_INET6) {
			inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof(host));
			log_notice("listening on http://[%s]:%u/", host,
				   ntohs(v6->sin6_port));
		} else {
			inet_ntop(AF_INET, &v4->sin_addr, host, sizeof(host));
			log_notice("listening on http://%s:%u/", host,
				   ntohs(v4->sin_port));
		}
	}
}

/* Every worker of the pending generation is ready: switch over. */
static void commit_pending(void)
{
	unsigned old_gen = m.gen;
	unsigned old_timeout = m.cf != NULL ? m.cf->shutdown_timeout : 0;
	struct slot *slots = calloc(m.next.cf->worker_processes, sizeof(*slots));

	if (slots == NULL) {
		log_errno(LOG_LVL_CRIT, "calloc");
		return;
	}
	if (m.next.cf->accept_mode == ACCEPT_REUSEPORT &&
	    listen_steer(&m.next.ls, m.next.cf->worker_processes) == -1)
		log_errno(LOG_LVL_WARN, "steering the reuseport group");
	handoff_unwatch(); /* the set changes under it */
	if (m.gen != 0)
		drain_gen(old_gen, old_timeout,
			  m.next.cf->accept_mode == ACCEPT_REUSEPORT ?
			  m.next.cf->worker_processes : UINT32_MAX);
	listen_retire(&m.ls, &m.next.ls);
	m.ls = m.next.ls;
	config_free(m.cf);
	m.cf = m.next.cf;
	m.gen = m.next.gen;
	m.uid = m.next.uid;
	m.gid = m.next.gid;
	m.drop = m.next.drop;
	free(m.slots);
	m.slots = slots;
	m.next.cf = NULL;
	log_set_level(m.cf->error_log_level);
	update_pid_file(m.cf);
	status_line();
	if (old_gen != 0)
		status_reload_result(true, NULL);
	status_publish("serving");
	STATS_SET(stats->master.generation, m.gen);
	upgrade_report_ready();
	if (m.daemon_fd != -1) {
		ssize_t unused = write(m.daemon_fd, "R", 1);
		(void)unused;
		close(m.daemon_fd);
		m.daemon_fd = -1;
	}
}

/* The pending generation cannot start: drop it, keep the current one. */
static void abort_pending(const char *why)
{
	drain_gen(m.next.gen, m.next.cf->shutdown_timeout, UINT32_MAX);
	listen_abandon(&m.next.ls);
	config_free(m.next.cf);
	m.next.cf = NULL;
	if (m.gen == 0) {
		startup_failed(why);
		m.exit_code = 1;
		if (m.stop == RUNNING)
			m.stop = STOP_FAST;
		m.stop_deadline = m.now + FAST_STOP_MS;
		return;
	}
	log_error("reload failed: %s; still serving generation %u", why, m.gen);
	sdnotify("READY=1\nSTATUS=reload failed: %s; serving generation %u",
		 why, m.gen);
	status_reload_result(false, why);
	status_publish(m.stop == RUNNING ? "serving" : "stopping");
}

/*
 * Prepare a generation from cf: user, sockets, log files.  On success
 * m.next owns cf; spawn_generation() then forks its workers.
 */
static int prepare_generation(struct config *cf, char *err, size_t errlen)
{
	struct pending *n = &m.next;

	if (m.cf != NULL && cf->accept_mode != m.cf->accept_mode) {
		snprintf(err, errlen, "%s: accept_mode cannot change on reload; "
			 "restart forkd to change it", cf->path);
		return -1;
	}
	if (resolve_user(cf, n, err, errlen) == -1)
		return -1;
	/* Before the first generation, m.ls holds inherited sockets, if any. */
	if (listen_open(&n->ls, cf, m.ls.v != NULL ? &m.ls : NULL, err, errlen) == -1)
		return -1;
	announce_listeners(&n->ls);
	prepare_logs(cf, n);
	n->cf = cf;
	n->gen = ++m.next_gen;
	return 0;
}

static void spawn_generation(void)
{
	struct pending *n = &m.next;

	n->deadline = m.now + RELOAD_TIMEOUT_MS;
	for (unsigned s = 0; s < n->cf->worker_processes; s++) {
		if (spawn(n->cf, &n->ls, n->gen, s, n) == -1) {
			abort_pending("cannot fork workers");
			return;
		}
	}
}

static void reload(void)
{
	char err[CONFIG_ERR_MAX];
	struct config *cf;

	if (m.stop != RUNNING)
		return;
	if (m.next.cf != NULL) {
		m.reload_again = true; /* after the one in flight */
		return;
	}
	if (generations_alive() >= m.cf->max_generations) {
		if (!m.reload_again)
			log_warn("reload waits: %u generations alive (max_generations)",
				 generations_alive());
		m.reload_again = true; /* when an old generation has gone */
		status_publish("reloading");
		return;
	}
	sdnotify("RELOADING=1\nMONOTONIC_USEC=%" PRIu64 "\nSTATUS=reloading",
		 m.now * 1000);
	log_notice("reloading configuration from %s", m.cf->path);
	status_publish("reloading");
	if ((cf = config_load(m.cf->path, err, sizeof(err))) == NULL ||
	    prepare_generation(cf, err, sizeof(err)) == -1) {
		if (cf != NULL)
			config_free(cf);
		log_error("reload failed: %s; still serving generation %u", err,
			  m.gen);
		sdnotify("READY=1\nSTATUS=reload failed: %s; serving generation %u",
			 err, m.gen);
		status_reload_result(false, err);
		status_publish("serving");
		return;
	}
	spawn_generation();
}

static void check_pending(void)
{
	if (m.next.cf != NULL) {
		if (count_gen(m.next.gen, PROC_READY) == m.next.cf->worker_processes)
			commit_pending();
		else if (m.now >= m.next.deadline)
			abort_pending("new workers did not become ready in time");
	}
	if (m.next.cf == NULL && m.reload_again && m.cf != NULL &&
	    generations_alive() < m.cf->max_generations) {
		m.reload_again = false;
		reload();
	}
}

/* ---- stopping ---- */

static void stop(enum stop_mode mode)
{
	if (m.stop == STOP_FAST || m.stop == mode)
		return;
	if (m.next.cf != NULL && m.gen != 0)
		abort_pending("stopping");
	m.stop = mode;
	sdnotify("STOPPING=1\nSTATUS=%s stop",
		 mode == STOP_FAST ? "fast" : "graceful");
	status_publish("stopping");
	if (mode == STOP_FAST) {
		log_notice("fast stop");
		m.lame_duck_until = 0;
		handoff_unwatch();
		for (size_t i = 0; i < m.nprocs; i++)
			kill(m.procs[i].pid, SIGTERM);
		m.stop_deadline = m.now + FAST_STOP_MS;
		listen_close(&m.ls);
		return;
	}
	unsigned delay = m.cf != NULL && !m.handed_over ? m.cf->drain_delay : 0;
	if (delay > 0) {
		/* Lame duck: health checks fail while we still serve, so that
		 * load balancers stop sending before anything is refused. */
		log_notice("graceful stop: lame duck for %u ms, then drain", delay);
		STATS_SET(stats->master.lame_duck, 1u);
		m.lame_duck_until = m.now + delay;
		m.stop_deadline = UINT64_MAX;
		return;
	}
	stop_drain();
}

/* The second half of a graceful stop: drain every worker. */
static void stop_drain(void)
{
	unsigned timeout = m.cf != NULL ? m.cf->shutdown_timeout : 0;

	m.lame_duck_until = 0;
	log_notice("graceful stop: draining %zu workers", m.nprocs);
	if (handoff_watching) {
		/* We are the acceptor: pass on what is queued while the
		 * workers still take connections. */
		for (size_t i = 0; i < m.ls.n; i++)
			for (int k = 0; k < 64 && handoff_accept(&m.ls.v[i]); k++)
				;
		handoff_unwatch();
	}
	/*
	 * Close our copies of the listeners before the workers hear of the
	 * stop.  A worker takes what is queued on its sockets and then closes
	 * the last copy, so new connections are refused from then on.  Were
	 * ours closed after theirs, a socket would go on queueing handshakes
	 * for no one in between, and closing it would reset them.
	 */
	listen_close(&m.ls);
	for (size_t i = 0; i < m.nprocs; i++)
		proc_drain(&m.procs[i], timeout, false);
	m.stop_deadline = m.now + timeout + 1000;
}

static void lame_duck_check(void)
{
	if (m.lame_duck_until != 0 && m.now >= m.lame_duck_until)
		stop_drain();
}

/* ---- children ---- */

static void describe_exit(int status, char *out, size_t outsz)
{
	if (WIFSIGNALED(status))
		snprintf(out, outsz, "on signal %d (%s)%s", WTERMSIG(status),
			 strsignal(WTERMSIG(status)),
			 WCOREDUMP(status) ? ", core dumped" : "");
	else
		snprintf(out, outsz, "with code %d", WEXITSTATUS(status));
}

static void schedule_respawn(const struct proc *p)
{
	struct slot *s = &m.slots[p->slot];
	uint64_t delay = 0;

	if (m.now - p->started_ms < STABLE_MS || p->state == PROC_STARTING) {
		if (s->crashes > 0) {
			delay = (uint64_t)BACKOFF_MIN_MS << (s->crashes - 1 > 10 ? 10 : s->crashes - 1);
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
	struct proc *p = proc_find(pid);
	char how[96];

	if (p == NULL)
		return;
	describe_exit(status, how, sizeof(how));
	bool expected = p->state == PROC_DRAINING || m.stop != RUNNING;
	if (expected) {
		log_info("worker %u (pid %d) of generation %u exited %s",
			 p->slot, (int)pid, p->gen, how);
	} else if (m.next.cf != NULL && p->gen == m.next.gen) {
		log_error("worker %u (pid %d) of generation %u exited %s "
			  "before it was ready", p->slot, (int)pid, p->gen, how);
		char why[160];
		snprintf(why, sizeof(why), "a new worker exited %s", how);
		proc_remove(p);
		abort_pending(why);
		return;
	} else {
		log_error("worker %u (pid %d) of generation %u exited %s; "
			  "respawning", p->slot, (int)pid, p->gen, how);
		if (p->gen == m.gen)
			schedule_respawn(p);
	}
	proc_remove(p);
}

static void reap(void)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == m.upgrade_pid) {
			char how[96];
			describe_exit(status, how, sizeof(how));
			m.upgrade_reaped = true;
			upgrade_poll(how);
			continue;
		}
		child_exited(pid, status);
	}
}

static void respawn_due(void)
{
	struct pending cred = current_cred();

	if (m.stop != RUNNING || m.cf == NULL)
		return;
	for (unsigned s = 0; s < m.cf->worker_processes; s++) {
		struct slot *sl = &m.slots[s];
		if (sl->respawn_at == 0 || sl->respawn_at > m.now)
			continue;
		sl->respawn_at = 0;
		sl->respawns++;
		if (spawn(m.cf, &m.ls, m.gen, s, &cred) == -1)
			sl->respawn_at = m.now + BACKOFF_MAX_MS;
		else
			STATS_SET(stats->w[m.procs[m.nprocs - 1].sb].respawns,
				  sl->respawns);
	}
}

static void kill_overdue(void)
{
	for (size_t i = 0; i < m.nprocs; i++) {
		struct proc *p = &m.procs[i];
		bool late = (p->state == PROC_DRAINING && m.now >= p->kill_at_ms) ||
			    (m.stop != RUNNING && m.now >= m.stop_deadline);
		if (late && !p->killed) {
			log_warn("worker %u (pid %d) did not finish in time: killing it",
				 p->slot, (int)p->pid);
			kill(p->pid, SIGKILL);
			p->killed = true;
		}
	}
}

/* ---- accept_mode handoff ---- */

/* The ready worker of the current generation with the least to do. */
static struct proc *handoff_pick(const struct proc *skip)
{
	struct proc *best = NULL;
	uint64_t best_load = UINT64_MAX;

	for (size_t i = 0; i < m.nprocs; i++) {
		struct proc *p = &m.procs[i];
		if (p == skip || p->gen != m.gen || p->state != PROC_READY ||
		    p->handoff_fd == -1)
			continue;
		const struct stats_worker *w = &stats->w[p->sb];
		uint64_t taken = STATS_GET(w->accepted);
		uint64_t queued = p->handed > taken ? p->handed - taken : 0;
		uint64_t load = STATS_GET(w->active) + queued;
		if (load < best_load) {
			best = p;
			best_load = load;
		}
	}
	return best;
}

static int handoff_send(struct proc *p, int fd, const struct listener *l,
			const struct sockaddr_storage *peer)
{
	struct handoff_msg msg = {
		.server = l->server, .group = l->group, .peer = *peer,
	};
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &msg, sizeof(msg) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	memset(ctl, 0, sizeof(ctl));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
	if (sendmsg(p->handoff_fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) == -1)
		return -1;
	p->handed++;
	return 0;
}

/*
 * accept_mode handoff: the master accepts and passes each connection to
 * the ready worker with the fewest open and not-yet-taken connections.
 * One batch; false once the queue is empty or no worker can take more.
 */
static bool handoff_accept(struct listener *l)
{
	static uint64_t last_complaint;

	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);
		struct proc *p = handoff_pick(NULL);
		if (p == NULL)
			return false;
		int fd = accept4(l->ev.fd, (struct sockaddr *)&peer, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && m.now - last_complaint >= 1000) {
				log_errno(LOG_LVL_ERR, "accept on %s", l->text);
				last_complaint = m.now;
			}
			return false;
		}
		if (handoff_send(p, fd, l, &peer) == -1) {
			struct proc *q = handoff_pick(p); /* that one is full */
			if (q == NULL || handoff_send(q, fd, l, &peer) == -1)
				if (m.now - last_complaint >= 1000) {
					log_errno(LOG_LVL_ERR, "handing a connection over");
					last_complaint = m.now;
				}
		}
		close(fd);
	}
	return true; /* a full batch: there may be more */
}

static void on_handoff_accept(struct event_source *src, unsigned events)
{
	handoff_accept((struct listener *)src);
}

/* Stop watching the listeners: before their set is replaced or closed. */
static void handoff_unwatch(void)
{
	if (!handoff_watching)
		return;
	for (size_t i = 0; i < m.ls.n; i++)
		event_del(&m.loop, &m.ls.v[i].ev);
	handoff_watching = false;
}

/* Watch the listeners while some worker can take connections. */
static void handoff_watch(void)
{
	bool want = m.cf != NULL && m.cf->accept_mode == ACCEPT_HANDOFF &&
		    m.stop == RUNNING && handoff_pick(NULL) != NULL;

	if (!want) {
		handoff_unwatch();
		return;
	}
	if (handoff_watching)
		return;
	for (size_t i = 0; i < m.ls.n; i++) {
		m.ls.v[i].ev.handler = on_handoff_accept;
		if (event_add(&m.loop, &m.ls.v[i].ev, EV_READ) == -1)
			log_errno(LOG_LVL_ERR, "watching %s", m.ls.v[i].text);
	}
	handoff_watching = true;
}

/* ---- events ---- */

static void on_signal(struct event_source *src, unsigned events)
{
	struct signalfd_siginfo si;

	while (read(src->fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap();
			break;
		case SIGHUP:
			reload();
			break;
		case SIGTERM:
		case SIGQUIT:
			stop(STOP_GRACEFUL);
			break;
		case SIGINT:
			stop(STOP_FAST);
			break;
		case SIGUSR1:
			reopen_logs();
			break;
		case SIGUSR2:
			upgrade_start();
			break;
		default:
			break;
		}
	}
}

/* A worker that served max_requests_per_worker: start its successor in
 * the same slot; it drains once the successor is ready. */
static void recycle(struct proc *p)
{
	struct pending cred = current_cred();

	if (p->recycling || p->state != PROC_READY || p->gen != m.gen ||
	    m.stop != RUNNING)
		return;
	p->recycling = true;
	pid_t old = p->pid;
	if (spawn(m.cf, &m.ls, m.gen, p->slot, &cred) == 0) {
		m.procs[m.nprocs - 1].replaces = old;
		log_info("worker %u (pid %d) served its requests: replacing it",
			 p->slot, (int)old);
	}
}

static void worker_ready(struct proc *p)
{
	if (p->state != PROC_STARTING)
		return;
	proc_set_state(p, PROC_READY);
	if (p->replaces != 0) {
		struct proc *old = proc_find(p->replaces);
		p->replaces = 0;
		if (old != NULL)
			proc_drain(old, m.cf->shutdown_timeout, false);
	}
}

static void on_notify(struct event_source *src, unsigned events)
{
	struct worker_msg msg;

	while (read(src->fd, &msg, sizeof(msg)) == sizeof(msg)) {
		struct proc *p = proc_find(msg.pid);
		if (p == NULL)
			continue;
		if (msg.type == WORKER_MSG_READY)
			worker_ready(p);
		else if (msg.type == WORKER_MSG_RECYCLE)
			recycle(p);
	}
}

/* Kill a worker whose heartbeat stopped: it is stuck in a loop or a call. */
static void watchdog(void)
{
	unsigned limit = m.cf != NULL ? m.cf->worker_watchdog : 0;

	if (limit == 0)
		return;
	for (size_t i = 0; i < m.nprocs; i++) {
		struct proc *p = &m.procs[i];
		uint64_t beat = STATS_GET(stats->w[p->sb].heartbeat_ms);
		/* Workers beat at least once a second, even when idle. */
		if (p->killed || m.now < beat + limit + HEARTBEAT_MS)
			continue;
		log_error("worker %u (pid %d) of generation %u is stuck: no "
			  "heartbeat for %" PRIu64 " ms; killing it", p->slot,
			  (int)p->pid, p->gen, m.now - beat);
		kill(p->pid, SIGKILL);
		p->killed = true;
	}
}

static int next_timeout(void)
{
	uint64_t next = m.now + 1000;

	if (m.next.cf != NULL && m.next.deadline < next)
		next = m.next.deadline;
	for (size_t i = 0; i < m.nprocs; i++)
		if (m.procs[i].state == PROC_DRAINING && !m.procs[i].killed &&
		    m.procs[i].kill_at_ms < next)
			next = m.procs[i].kill_at_ms;
	for (unsigned s = 0; m.cf != NULL && m.slots != NULL &&
			     s < m.cf->worker_processes; s++)
		if (m.slots[s].respawn_at != 0 && m.slots[s].respawn_at < next)
			next = m.slots[s].respawn_at;
	if (m.stop != RUNNING && m.stop_deadline > m.now && m.stop_deadline < next)
		next = m.stop_deadline;
	if (m.lame_duck_until != 0 && m.lame_duck_until < next)
		next = m.lame_duck_until;
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
	    event_loop_init(&m.loop) == -1)
		return -1;
	m.loop.on_wake = clock_refresh;
	signal(SIGPIPE, SIG_IGN);
	m.sig.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	m.sig.handler = on_signal;
	if (m.sig.fd == -1 || pipe2(pfd, O_NONBLOCK | O_CLOEXEC) == -1)
		return -1;
	m.notify.fd = pfd[0];
	m.notify.handler = on_notify;
	m.notify_w = pfd[1];
	if (event_add(&m.loop, &m.sig, EV_READ) == -1 ||
	    event_add(&m.loop, &m.notify, EV_READ) == -1)
		return -1;
	return 0;
}

/* ---- daemon, limits ---- */

/*
 * Detach like a classic daemon, but let the parent exit only once the first
 * generation serves (status 0), or with 1 when it could not start.
 */
static int daemonize(void)
{
	int pfd[2];
	char c;

	if (pipe2(pfd, O_CLOEXEC) == -1)
		return -1;
	pid_t pid = fork();
	if (pid == -1)
		return -1;
	if (pid > 0) {
		close(pfd[1]);
		waitpid(pid, NULL, 0); /* the session leader, gone at once */
		_exit(read(pfd[0], &c, 1) == 1 ? 0 : 1);
	}
	close(pfd[0]);
	m.daemon_fd = pfd[1];
	if (setsid() == -1)
		return -1;
	if (fork() != 0)
		_exit(0); /* no controlling terminal, ever */
	int null = open("/dev/null", O_RDWR);
	if (null == -1)
		return -1;
	dup2(null, STDIN_FILENO);
	dup2(null, STDOUT_FILENO);
	if (log_error_fd() != -1)
		dup2(null, STDERR_FILENO);
	if (null > STDERR_FILENO)
		close(null);
	return 0;
}

/* Room for worker_connections sockets plus files being sent. */
static void raise_fd_limit(const struct config *cf)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)cf->worker_connections * 2 + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		log_errno(LOG_LVL_WARN, "raising the open file limit");
}

static int check_running(const char *path)
{
	char buf[32] = { 0 };
	char proc[64], comm[64] = { 0 }, mine[64] = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	int pid = n > 0 ? atoi(buf) : 0;
	if (pid <= 0 || pid == getpid() || kill(pid, 0) == -1)
		return 0;
	snprintf(proc, sizeof(proc), "/proc/%d/comm", pid);
	if ((fd = open(proc, O_RDONLY)) == -1)
		return 0;
	n = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	if ((fd = open("/proc/self/comm", O_RDONLY)) == -1)
		return 0;
	ssize_t k = read(fd, mine, sizeof(mine) - 1);
	close(fd);
	if (n > 0 && k > 0 && strcmp(comm, mine) == 0) {
		log_msg(LOG_LVL_EMERG, "already running as pid %d (%s)", pid, path);
		return -1;
	}
	return 0;
}

/* ---- main loop ---- */

static void master_cleanup(void)
{
	handoff_unwatch();
	remove_pid_file();
	listen_close(&m.ls);
	config_free(m.cf);
	free(m.slots);
	free(m.procs);
	free(m.pid_file);
	sdnotify_close();
	event_loop_close(&m.loop);
}

int master_run(struct config *cf, const struct master_opts *o)
{
	char err[CONFIG_ERR_MAX];

	m.pid = getpid();
	m.daemon_fd = -1;
	m.upgrade_fd = -1;
	m.upgrade.fd = -1;
	m.argv = o->argv;
	m.now = clock_ms();
	if (readlink("/proc/self/exe", m.exe, sizeof(m.exe) - 1) == -1)
		snprintf(m.exe, sizeof(m.exe), "%s", o->argv[0]);
	const char *ufd = getenv("FORKD_UPGRADE_FD");
	if (ufd != NULL) {
		m.upgrade_fd = atoi(ufd);
		fcntl(m.upgrade_fd, F_SETFD, FD_CLOEXEC);
		unsetenv("FORKD_UPGRADE_FD");
	}
	const char *gen = getenv("FORKD_GENERATION");
	if (gen != NULL) {
		sscanf(gen, "%u:%u:%u:%u:%u", &m.next_gen, &m.status.reloads_ok,
		       &m.status.reloads_failed, &m.status.reopens,
		       &m.status.upgrades);
		unsetenv("FORKD_GENERATION");
	}
	sdnotify_init();
	if (log_open(cf->error_log, cf->error_log_level) == -1) {
		fprintf(stderr, "forkd: %s: %s\n", cf->error_log, strerror(errno));
		config_free(cf);
		return 1;
	}
	/* In an upgrade the old master is running, and means to. */
	if (m.upgrade_fd == -1 && check_running(cf->pid_file) == -1) {
		config_free(cf);
		return 1;
	}
	if (listen_inherit(&m.ls, err, sizeof(err)) == -1) {
		startup_failed(err);
		config_free(cf);
		return 1;
	}
	raise_fd_limit(cf);
	if (stats_init() == -1) {
		log_errno(LOG_LVL_EMERG, "cannot map the scoreboard");
		config_free(cf);
		return 1;
	}
	if (prepare_generation(cf, err, sizeof(err)) == -1) {
		startup_failed(err);
		config_free(cf);
		return 1;
	}
	/* Detach after binding, so that errors so far reach the terminal, and
	 * before forking workers, whose parent must be the lasting master.
	 * A new master in an upgrade is detached already. */
	if ((o->daemonize || cf->daemon) && m.upgrade_fd == -1 &&
	    daemonize() == -1) {
		log_errno(LOG_LVL_EMERG, "cannot become a daemon");
		return 1;
	}
	m.pid = getpid();
	/* After the fork: epoll watches a signalfd for the process that
	 * registered it. */
	if (setup_events() == -1) {
		log_errno(LOG_LVL_EMERG, "cannot set up the event loop");
		return 1;
	}
	spawn_generation();
	for (;;) {
		if (event_run_once(&m.loop, next_timeout()) == -1) {
			log_errno(LOG_LVL_ALERT, "epoll_wait");
			break;
		}
		clock_refresh();
		reap(); /* a SIGCHLD may be merged into one we already read */
		check_pending();
		respawn_due();
		kill_overdue();
		watchdog();
		upgrade_check_deadline();
		lame_duck_check();
		handoff_watch();
		if (m.stop != RUNNING && m.nprocs == 0)
			break;
	}
	log_notice("exiting");
	master_cleanup();
	return m.exit_code;
}
