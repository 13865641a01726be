/*
 * upgrade.c — the mechanics of the binary upgrade (see upgrade.h): the
 * exec with inherited sockets, the report pipe, and telling the outcome
 * from the report, the exit or the clock.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "proctab.h"
#include "sdnotify.h"
#include "upgrade.h"

#define UPGRADE_TIMEOUT_MS 30000
/* After the new master closes its pipe, how long to wait for its exit,
 * which says why it gave up (exit code or signal). */
#define UPGRADE_EXIT_GRACE_MS 1000

#define CARRY_FORMAT "%u:%u:%u:%u:%u"

void upgrade_init(struct upgrade *u, char **argv, struct event_loop *loop,
		  const uint64_t *now, upgrade_done_fn *done,
		  unsigned *last_gen, struct control_status *st)
{
	const char *fd = getenv("FORKD_UPGRADE_FD");
	const char *gen = getenv("FORKD_GENERATION");

	*u = (struct upgrade){ .pipe.fd = -1,
			       .loop = loop,
			       .now = now,
			       .done = done,
			       .argv = argv,
			       .report_fd = -1 };
	if (readlink("/proc/self/exe", u->exe, sizeof(u->exe) - 1) == -1)
		snprintf(u->exe, sizeof(u->exe), "%s", argv[0]);
	if (fd != NULL) {
		u->report_fd = atoi(fd);
		fcntl(u->report_fd, F_SETFD, FD_CLOEXEC);
		unsetenv("FORKD_UPGRADE_FD");
	}
	if (gen != NULL) {
		sscanf(gen, CARRY_FORMAT, last_gen, &st->reloads_ok,
		       &st->reloads_failed, &st->reopens, &st->upgrades);
		unsetenv("FORKD_GENERATION");
	}
}

bool upgrade_is_successor(const struct upgrade *u)
{
	return u->report_fd != -1;
}

void upgrade_report_ready(struct upgrade *u)
{
	if (u->report_fd == -1)
		return;
	if (write(u->report_fd, "R", 1) != 1)
		log_errno(LOG_LVL_ERR, "telling the old master we serve");
	close(u->report_fd);
	u->report_fd = -1;
}

void upgrade_report_failure(struct upgrade *u, const char *why)
{
	char msg[CONFIG_ERR_MAX + 8];

	if (u->report_fd == -1)
		return;
	int n = snprintf(msg, sizeof(msg), "E%s", why);
	ssize_t unused = write(u->report_fd, msg, (size_t)n);
	(void)unused;
	close(u->report_fd);
	u->report_fd = -1;
}

/* ---- as the old master ---- */

static void pipe_close(struct upgrade *u)
{
	if (u->pipe.fd == -1)
		return;
	event_del(u->loop, &u->pipe);
	close(u->pipe.fd);
	u->pipe.fd = -1;
}

static void upgrade_finish(struct upgrade *u, bool ok, const char *why)
{
	pid_t pid = u->pid;

	pipe_close(u);
	if (!ok && !u->reaped)
		kill(pid, SIGKILL); /* still there, and of no use */
	u->pid = 0;
	u->reaped = false;
	u->pipe_closed = false;
	u->done(ok, why, pid);
}

/*
 * Conclude from a report if the pipe holds one: 1 if it did, 0 if there is
 * nothing to read yet, -1 at its end (or with no pipe).
 */
static int upgrade_read_report(struct upgrade *u)
{
	char msg[CONFIG_ERR_MAX + 8];
	ssize_t n = u->pipe.fd == -1 ? 0
				     : read(u->pipe.fd, msg, sizeof(msg) - 1);

	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;
	msg[n] = '\0';
	if (msg[0] == 'R')
		upgrade_finish(u, true, NULL);
	else if (msg[0] == 'E')
		upgrade_finish(u, false, msg + 1);
	else
		upgrade_finish(u, false,
			       "the new master sent an unknown report");
	return 1;
}

static void on_upgrade_pipe(struct event_source *src, unsigned events)
{
	struct upgrade *u = (struct upgrade *)src;

	if (upgrade_read_report(u) >= 0)
		return;
	/* End of file: it most likely exited; the reaper will say how. */
	pipe_close(u);
	u->pipe_closed = true;
	if (u->deadline > *u->now + UPGRADE_EXIT_GRACE_MS)
		u->deadline = *u->now + UPGRADE_EXIT_GRACE_MS;
}

bool upgrade_reap(struct upgrade *u, pid_t pid, int status)
{
	char how[96], why[160];

	if (u->pid == 0 || pid != u->pid)
		return false;
	u->reaped = true;
	if (upgrade_read_report(u) == 1)
		return true;
	proctab_describe_exit(status, how, sizeof(how));
	snprintf(why, sizeof(why),
		 "the new master exited %s before it was "
		 "ready",
		 how);
	upgrade_finish(u, false, why);
	return true;
}

uint64_t upgrade_deadline(const struct upgrade *u)
{
	return u->pid != 0 ? u->deadline : UINT64_MAX;
}

void upgrade_check(struct upgrade *u)
{
	if (u->pid == 0 || *u->now < u->deadline)
		return;
	upgrade_finish(
		u, false,
		u->pipe_closed
			? "the new master closed its pipe before it was ready"
			: "the new master was not ready in time");
}

bool upgrade_running(const struct upgrade *u)
{
	return u->pid != 0;
}

/* In the forked child: become the new master, or say why not. */
__attribute__((noreturn)) static void upgrade_exec(
	const struct upgrade *u, const struct listener_set *ls, int report_fd,
	unsigned last_gen, const struct control_status *st)
{
	char fds[8192], num[16], gen[64], msg[PATH_MAX + 64];
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	snprintf(num, sizeof(num), "%d", report_fd);
	/* The new master counts this upgrade: once it serves, it worked. */
	snprintf(gen, sizeof(gen), CARRY_FORMAT, last_gen, st->reloads_ok,
		 st->reloads_failed, st->reopens, st->upgrades + 1);
	if (listen_export(ls, fds, sizeof(fds)) == -1 ||
	    fcntl(report_fd, F_SETFD, 0) == -1 ||
	    setenv("FORKD_LISTEN_FDS", fds, 1) == -1 ||
	    setenv("FORKD_UPGRADE_FD", num, 1) == -1 ||
	    setenv("FORKD_GENERATION", gen, 1) == -1 || sdnotify_export() == -1)
		_exit(127);
	execv(u->exe, u->argv);
	int n = snprintf(msg, sizeof(msg), "Ecannot run %s: %s", u->exe,
			 strerror(errno));
	ssize_t unused = write(report_fd, msg, (size_t)n);
	(void)unused;
	_exit(127);
}

int upgrade_start(struct upgrade *u, const struct listener_set *ls,
		  unsigned last_gen, const struct control_status *st)
{
	int pfd[2];

	if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) == -1) {
		log_errno(LOG_LVL_ERR, "upgrade: pipe");
		return -1;
	}
	log_notice("upgrade: starting %s", u->exe);
	pid_t pid = fork();
	if (pid == 0)
		upgrade_exec(u, ls, pfd[1], last_gen, st);
	close(pfd[1]);
	if (pid == -1) {
		log_errno(LOG_LVL_ERR, "upgrade: fork");
		close(pfd[0]);
		return -1;
	}
	u->pipe = (struct event_source){ .fd = pfd[0],
					 .handler = on_upgrade_pipe };
	u->pid = pid;
	u->deadline = *u->now + UPGRADE_TIMEOUT_MS;
	if (event_add(u->loop, &u->pipe, EV_READ) == -1) {
		upgrade_finish(u, false, "cannot watch the new master");
		return -1;
	}
	return 0;
}
