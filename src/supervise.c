/*
 * supervise.c — PID 1 after a binary upgrade: reap, pass signals on, and
 * end with the last master (see supervise.h).  One blocking loop over
 * sigwaitinfo(); nothing else is left in the process to serve.
 */
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "proctab.h"
#include "proctitle.h"
#include "supervise.h"

/* What PID 1 passes on: all the master acts on, but SIGCHLD. */
static const int forwarded[] = { SIGHUP, SIGTERM, SIGQUIT,
				 SIGINT, SIGUSR1, SIGUSR2 };

bool supervise_needed(void)
{
	return getpid() == 1;
}

pid_t supervise_find_master(const char *pid_file, pid_t gone)
{
	char why[256];
	pid_t pid;

	if (control_find_master(pid_file, &pid, why, sizeof(why)) !=
		    CONTROL_MASTER ||
	    pid == gone || pid == getpid())
		return 0;
	return pid;
}

static int exit_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
}

/* The master exited: a later one (an upgrade of its own) takes its place,
 * or there is none and the supervisor ends.  0: none. */
static pid_t master_gone(pid_t master, int status, const char *pid_file)
{
	char how[96];
	pid_t next = supervise_find_master(pid_file, master);

	proctab_describe_exit(status, how, sizeof(how));
	if (next == 0) {
		log_notice(
			"supervisor: master %d exited %s; no master is left, "
			"exiting",
			(int)master, how);
		return 0;
	}
	log_notice("supervisor: master %d exited %s; master %d serves",
		   (int)master, how, (int)next);
	proctitle_set("forkd: supervisor of master %d", (int)next);
	return next;
}

/* Reap everything that has ended; false once no master is left. */
static bool reap_all(pid_t *master, const char *pid_file, int *code)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid != *master)
			continue; /* an orphan the kernel handed to PID 1 */
		*code = exit_status(status);
		if ((*master = master_gone(pid, status, pid_file)) == 0)
			return false;
	}
	return true;
}

int supervise_run(pid_t master, const char *pid_file, bool exited, int status)
{
	sigset_t set;
	siginfo_t si;
	int code = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&set, forwarded[i]);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (exited && (master = master_gone(master, status, pid_file)) == 0)
		return exit_status(status);
	log_notice("supervisor: staying as PID 1 for master %d", (int)master);
	proctitle_set("forkd: supervisor of master %d", (int)master);
	while (reap_all(&master, pid_file, &code)) {
		if (sigwaitinfo(&set, &si) == -1) {
			if (errno == EINTR)
				continue;
			log_errno(LOG_LVL_ALERT, "supervisor: sigwaitinfo");
			return 1;
		}
		if (si.si_signo != SIGCHLD && kill(master, si.si_signo) == -1)
			log_errno(LOG_LVL_WARN,
				  "supervisor: signal %d to master %d",
				  si.si_signo, (int)master);
	}
	return code;
}
