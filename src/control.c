/*
 * control.c — status file and `forkd -s`.
 *
 * `-s` signals only a forkd master: the pid file's process must match the
 * start time the master records in its status file (see doc/DESIGN.md,
 * "`forkd -s` signals only a forkd master"), and the signal goes through a
 * pidfd taken before the check, so a pid reused in between is not hit.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <time.h>
#include <unistd.h>

#include "control.h"

#define POLL_MS 20
#define RELOAD_WAIT_MS 30000
#define REOPEN_WAIT_MS 10000
#define STOP_WAIT_MS 10000
#define UPGRADE_WAIT_MS 30000

void control_status_path(const char *pid_file, char *out, size_t outsz)
{
	size_t len = strlen(pid_file);

	if (len > 4 && strcmp(pid_file + len - 4, ".pid") == 0)
		snprintf(out, outsz, "%.*s.status", (int)(len - 4), pid_file);
	else
		snprintf(out, outsz, "%s.status", pid_file);
}

/*
 * Field 22 of /proc/PID/stat: when the process started, in clock ticks
 * after boot; 0 when unknown.  exec() keeps it; a process that gets a
 * reused pid has a later one.
 */
static unsigned long long proc_start_time(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long start = 0;
	FILE *f;

	/* Our own through "self": right even where /proc belongs to another
	 * pid namespace than ours (then our pid would name someone else). */
	if (pid == getpid())
		snprintf(path, sizeof(path), "/proc/self/stat");
	else
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	char *ok = fgets(buf, sizeof(buf), f);
	fclose(f);
	/* The name in parentheses may hold spaces; fields 3-21 follow it. */
	char *p = ok != NULL ? strrchr(buf, ')') : NULL;
	if (p == NULL || sscanf(p + 1,
				"%*s %*s %*s %*s %*s %*s %*s %*s %*s %*s"
				" %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu",
				&start) != 1)
		return 0;
	return start;
}

int control_write(const char *path, const struct control_status *st)
{
	char tmp[4200];
	unsigned long long start = st->start_time != 0
					   ? st->start_time
					   : proc_start_time(st->pid);
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "we")) == NULL)
		return -1;
	fprintf(f,
		"pid %d\ngeneration %u\nworkers %u\nstate %s\n"
		"reloads_ok %u\nreloads_failed %u\nreopens %u\nupgrades %u\n"
		"last_reload %s\nlast_error %s\nstart_time %llu\n",
		(int)st->pid, st->generation, st->workers, st->state,
		st->reloads_ok, st->reloads_failed, st->reopens, st->upgrades,
		st->last_reload[0] ? st->last_reload : "-",
		st->last_error[0] ? st->last_error : "-", start);
	if (fclose(f) != 0 || rename(tmp, path) == -1) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void parse_line(struct control_status *st, char *line)
{
	char *val = strchr(line, ' ');

	if (val == NULL)
		return;
	*val++ = '\0';
	val[strcspn(val, "\n")] = '\0';
	if (strcmp(line, "pid") == 0)
		st->pid = (pid_t)atoi(val);
	else if (strcmp(line, "generation") == 0)
		st->generation = (unsigned)strtoul(val, NULL, 10);
	else if (strcmp(line, "workers") == 0)
		st->workers = (unsigned)strtoul(val, NULL, 10);
	else if (strcmp(line, "state") == 0)
		snprintf(st->state, sizeof(st->state), "%s", val);
	else if (strcmp(line, "reloads_ok") == 0)
		st->reloads_ok = (unsigned)strtoul(val, NULL, 10);
	else if (strcmp(line, "reloads_failed") == 0)
		st->reloads_failed = (unsigned)strtoul(val, NULL, 10);
	else if (strcmp(line, "reopens") == 0)
		st->reopens = (unsigned)strtoul(val, NULL, 10);
	else if (strcmp(line, "upgrades") == 0)
		st->upgrades = (unsigned)strtoul(val, NULL, 10);
	else if (strcmp(line, "last_reload") == 0)
		snprintf(st->last_reload, sizeof(st->last_reload), "%s", val);
	else if (strcmp(line, "last_error") == 0)
		snprintf(st->last_error, sizeof(st->last_error), "%s", val);
	else if (strcmp(line, "start_time") == 0)
		st->start_time = strtoull(val, NULL, 10);
}

int control_read(const char *path, struct control_status *st)
{
	char line[CONFIG_ERR_MAX + 32];
	FILE *f = fopen(path, "re");

	memset(st, 0, sizeof(*st));
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		parse_line(st, line);
	fclose(f);
	return st->pid > 0 ? 0 : -1;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Gone, or a zombie nobody reaped yet. */
static bool process_gone(pid_t pid)
{
	char path[64], buf[256];
	FILE *f;

	if (kill(pid, 0) == -1 && errno == ESRCH)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return true;
	char *ok = fgets(buf, sizeof(buf), f);
	fclose(f);
	char *rp = ok != NULL ? strrchr(buf, ')') : NULL;
	return rp != NULL && rp[1] == ' ' && rp[2] == 'Z';
}

static int read_pid(const char *path)
{
	char buf[32] = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	int pid = n > 0 ? atoi(buf) : 0;
	if (pid <= 0) {
		errno = EINVAL;
		return -1;
	}
	return pid;
}

/* /proc/PID/comm, or "" */
static void proc_comm(const char *pid, char *out, size_t outsz)
{
	char path[64];
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	if ((f = fopen(path, "re")) == NULL)
		return;
	if (fgets(out, (int)outsz, f) == NULL)
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

/*
 * The file name of /proc/PID/exe, or "" when it cannot be read (another
 * user's process).  " (deleted)" is dropped: a master that predates an
 * upgrade runs a binary that has since been replaced.
 */
static void proc_exe_name(const char *pid, char *out, size_t outsz)
{
	char path[64], exe[PATH_MAX];
	static const char deleted[] = " (deleted)";

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%s/exe", pid);
	ssize_t n = readlink(path, exe, sizeof(exe) - 1);
	if (n <= 0)
		return;
	exe[n] = '\0';
	size_t len = (size_t)n, dl = sizeof(deleted) - 1;
	if (len > dl && strcmp(exe + len - dl, deleted) == 0)
		exe[len - dl] = '\0';
	const char *base = strrchr(exe, '/');
	snprintf(out, outsz, "%s", base != NULL ? base + 1 : exe);
}

/* Named like forkd: "forkd", or the name this client runs under. */
static bool named_forkd(pid_t pid, char *comm, size_t commsz)
{
	char num[16], mine[64], exe[PATH_MAX], myexe[PATH_MAX];

	snprintf(num, sizeof(num), "%d", (int)pid);
	proc_comm(num, comm, commsz);
	proc_comm("self", mine, sizeof(mine));
	proc_exe_name(num, exe, sizeof(exe));
	proc_exe_name("self", myexe, sizeof(myexe));
	if (comm[0] != '\0' &&
	    (strcmp(comm, "forkd") == 0 || strcmp(comm, mine) == 0))
		return true;
	return exe[0] != '\0' && strcmp(exe, myexe) == 0;
}

/* pid is alive: is it the master?  Says why not in why[]. */
static bool is_master(const char *pid_file, pid_t pid, char *why, size_t whysz)
{
	char spath[4200], comm[64];
	struct control_status st;

	control_status_path(pid_file, spath, sizeof(spath));
	bool recorded = control_read(spath, &st) == 0 && st.pid == pid &&
			st.start_time != 0;
	bool named = named_forkd(pid, comm, sizeof(comm));
	if (recorded && proc_start_time(pid) == st.start_time)
		return true;
	if (recorded) {
		snprintf(why, whysz,
			 "pid file %s names process %d (%s), which "
			 "is not the master recorded in %s: it started at "
			 "another "
			 "time, so its pid was reused",
			 pid_file, (int)pid, comm[0] ? comm : "?", spath);
		return false;
	}
	if (named)
		return true;
	snprintf(why, whysz,
		 "pid file %s names process %d (%s), which is not "
		 "a forkd master",
		 pid_file, (int)pid, comm[0] ? comm : "?");
	return false;
}

enum control_found control_find_master(const char *pid_file, pid_t *pidp,
				       char *why, size_t whysz)
{
	int pid = read_pid(pid_file);

	*pidp = pid > 0 ? pid : 0;
	if (pid == -1 && errno == EINVAL) {
		snprintf(why, whysz,
			 "not running (pid file %s holds no process "
			 "id)",
			 pid_file);
		return CONTROL_NOT_RUNNING;
	}
	if (pid == -1) {
		snprintf(why, whysz, "not running (pid file %s: %s)", pid_file,
			 strerror(errno));
		return CONTROL_NOT_RUNNING;
	}
	if (process_gone(pid)) {
		snprintf(why, whysz,
			 "not running (pid file %s names process %d, "
			 "which has exited)",
			 pid_file, pid);
		return CONTROL_NOT_RUNNING;
	}
	if (!is_master(pid_file, pid, why, whysz))
		return CONTROL_NOT_FORKD;
	snprintf(why, whysz, "master %d (pid file %s)", pid, pid_file);
	return CONTROL_MASTER;
}

/*
 * The master's pidfd, opened before the checks: a signal sent through it
 * reaches that process or none, even if the pid is reused meanwhile.
 */
static int master_fd = -1;

static int signal_master(pid_t pid, int sig)
{
	if (master_fd != -1)
		return pidfd_send_signal(master_fd, sig, NULL, 0);
	return kill(pid, sig);
}

static int wait_gone(pid_t pid, unsigned timeout_ms, const char *what)
{
	for (unsigned t = 0; t < timeout_ms; t += POLL_MS) {
		if (process_gone(pid)) {
			printf("forkd: %s: master %d has exited\n", what,
			       (int)pid);
			return 0;
		}
		sleep_ms(POLL_MS);
	}
	fprintf(stderr, "forkd: %s: master %d still running after %u s\n", what,
		(int)pid, timeout_ms / 1000);
	return 1;
}

/* Wait until the master has finished `want` reloads in all. */
static int wait_reload(const char *spath, pid_t pid, unsigned want,
		       struct control_status *st)
{
	for (unsigned t = 0; t < RELOAD_WAIT_MS; t += POLL_MS) {
		if (control_read(spath, st) == 0 &&
		    st->reloads_ok + st->reloads_failed >= want)
			return 0;
		if (process_gone(pid)) {
			fprintf(stderr, "forkd: reload: master %d exited\n",
				(int)pid);
			return -1;
		}
		sleep_ms(POLL_MS);
	}
	fprintf(stderr, "forkd: reload: no result from master %d after %d s\n",
		(int)pid, RELOAD_WAIT_MS / 1000);
	return -1;
}

static int do_reload(const char *spath, pid_t pid)
{
	struct control_status st;

	if (control_read(spath, &st) == -1 || st.pid != pid) {
		/* No status to wait on: all we can say is that it was told. */
		if (signal_master(pid, SIGHUP) == -1)
			return -1;
		printf("forkd: reload: signal sent to master %d\n", (int)pid);
		return 0;
	}
	/* A reload already running finishes first; ours is the one after. */
	unsigned want = st.reloads_ok + st.reloads_failed + 1 +
			(strcmp(st.state, "reloading") == 0);
	if (signal_master(pid, SIGHUP) == -1)
		return -1;
	if (wait_reload(spath, pid, want, &st) == -1)
		return 1;
	if (strcmp(st.last_reload, "ok") != 0) {
		fprintf(stderr, "forkd: reload failed: %s\n", st.last_error);
		fprintf(stderr, "forkd: still serving generation %u\n",
			st.generation);
		return 1;
	}
	printf("forkd: reload ok: generation %u serving with %u workers\n",
	       st.generation, st.workers);
	return 0;
}

static int do_reopen(const char *spath, pid_t pid)
{
	struct control_status st;
	bool have = control_read(spath, &st) == 0 && st.pid == pid;
	unsigned want = st.reopens + 1;

	if (signal_master(pid, SIGUSR1) == -1)
		return -1;
	if (!have) {
		printf("forkd: reopen: signal sent to master %d\n", (int)pid);
		return 0;
	}
	for (unsigned t = 0; t < REOPEN_WAIT_MS; t += POLL_MS) {
		if (control_read(spath, &st) == 0 && st.reopens >= want) {
			printf("forkd: reopen: log files reopened\n");
			return 0;
		}
		sleep_ms(POLL_MS);
	}
	fprintf(stderr, "forkd: reopen: no answer from master %d\n", (int)pid);
	return 1;
}

static int do_upgrade(const char *spath, const char *pid_file, pid_t pid)
{
	struct control_status st;
	bool have = control_read(spath, &st) == 0 && st.pid == pid;
	unsigned want = st.upgrades + 1;

	if (signal_master(pid, SIGUSR2) == -1)
		return -1;
	if (!have) {
		printf("forkd: upgrade: signal sent to master %d\n", (int)pid);
		return 0;
	}
	for (unsigned t = 0; t < UPGRADE_WAIT_MS; t += POLL_MS) {
		int now = read_pid(pid_file);
		if (now > 0 && now != pid && control_read(spath, &st) == 0 &&
		    st.pid == now && strcmp(st.state, "serving") == 0) {
			printf("forkd: upgrade ok: master %d serving "
			       "generation %u\n",
			       now, st.generation);
			return 0;
		}
		if (control_read(spath, &st) == 0 && st.pid == pid &&
		    st.upgrades >= want && strcmp(st.state, "serving") == 0 &&
		    strncmp(st.last_error, "upgrade", 7) == 0) {
			fprintf(stderr, "forkd: %s\n", st.last_error);
			fprintf(stderr, "forkd: master %d still serving\n",
				(int)pid);
			return 1;
		}
		sleep_ms(POLL_MS);
	}
	fprintf(stderr, "forkd: upgrade: no result after %d s\n",
		UPGRADE_WAIT_MS / 1000);
	return 1;
}

/* The master named by the pid file, or -1 after saying why not. */
static pid_t find_target(const char *pid_file, const char *cmd)
{
	char why[CONFIG_ERR_MAX];
	pid_t pid;
	int first = read_pid(pid_file);

	/* Held from before the check on, so the check is about this process. */
	if (first > 0)
		master_fd = pidfd_open(first, 0);
	switch (control_find_master(pid_file, &pid, why, sizeof(why))) {
	case CONTROL_MASTER:
		if (pid == first)
			return pid;
		snprintf(why, sizeof(why), "the pid file %s changed while read",
			 pid_file);
		break;
	case CONTROL_NOT_RUNNING:
		fprintf(stderr, "forkd: %s: %s\n", cmd, why);
		return -1;
	case CONTROL_NOT_FORKD: break;
	}
	fprintf(stderr, "forkd: %s: refused: %s; nothing was sent\n", cmd, why);
	return -1;
}

int control_command(const struct config *cf, const char *cmd)
{
	char spath[4200];
	pid_t pid = find_target(cf->pid_file, cmd);
	int rc;

	if (pid == -1) {
		rc = 1;
		goto out;
	}
	control_status_path(cf->pid_file, spath, sizeof(spath));
	if (strcmp(cmd, "reload") == 0)
		rc = do_reload(spath, pid);
	else if (strcmp(cmd, "reopen") == 0)
		rc = do_reopen(spath, pid);
	else if (strcmp(cmd, "upgrade") == 0)
		rc = do_upgrade(spath, cf->pid_file, pid);
	else if (strcmp(cmd, "stop") == 0)
		rc = signal_master(pid, SIGINT) == -1
			     ? -1
			     : wait_gone(pid, STOP_WAIT_MS, cmd);
	else if (strcmp(cmd, "quit") == 0)
		rc = signal_master(pid, SIGQUIT) == -1
			     ? -1
			     : wait_gone(pid,
					 cf->shutdown_timeout + STOP_WAIT_MS,
					 cmd);
	else {
		fprintf(stderr, "forkd: unknown command \"%s\"\n", cmd);
		rc = 2;
	}
	if (rc == -1) {
		fprintf(stderr, "forkd: %s: cannot signal master %d: %s\n", cmd,
			(int)pid, strerror(errno));
		rc = 1;
	}
out:
	if (master_fd != -1)
		close(master_fd);
	master_fd = -1;
	return rc;
}
