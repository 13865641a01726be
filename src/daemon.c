/*
 * daemon.c — detaching from the terminal, with the parent kept waiting
 * until the daemon serves, so that `forkd -d`'s exit status and terminal
 * output say whether the start worked; and the descriptor limit.
 */
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"

int daemon_detach(int *ready_fd)
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
	*ready_fd = pfd[1];
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

void daemon_report_ready(int *ready_fd)
{
	if (*ready_fd == -1)
		return;
	ssize_t unused = write(*ready_fd, "R", 1);
	(void)unused;
	close(*ready_fd);
	*ready_fd = -1;
}

void daemon_raise_fd_limit(const struct config *cf)
{
	struct rlimit rl;
	/* at most a root directory per server, too */
	rlim_t want = (rlim_t)cf->worker_connections * 2 + 64 + cf->nservers;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		log_errno(LOG_LVL_WARN, "raising the open file limit");
}
