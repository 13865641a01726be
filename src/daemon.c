/*
 * daemon.c — detaching from the terminal, with the parent kept waiting
 * until the daemon serves, so that `forkd -d`'s exit status and terminal
 * output say whether the start worked; and the descriptor limit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"

/* The longest reason a failing daemon sends back (one pipe write). */
#define DAEMON_REPORT_MAX 1024

/*
 * In the process the terminal waits on: "R" means the daemon serves; "E"
 * and a reason, that it cannot start; nothing, that it died first.
 */
static _Noreturn void daemon_wait_report(int fd)
{
	char buf[DAEMON_REPORT_MAX + 2];
	size_t len = 0;
	ssize_t n;

	while (len < sizeof(buf) - 1 &&
	       (n = read(fd, buf + len, sizeof(buf) - 1 - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (len > 0 && buf[0] == 'R')
		_exit(0);
	if (len > 1 && buf[0] == 'E')
		fprintf(stderr, "forkd: cannot start: %s\n", buf + 1);
	else
		fprintf(stderr, "forkd: the daemon exited before it served; "
				"see the error log\n");
	_exit(1);
}

int daemon_detach(int *ready_fd)
{
	int pfd[2];

	if (pipe2(pfd, O_CLOEXEC) == -1)
		return -1;
	pid_t pid = fork();
	if (pid == -1)
		return -1;
	if (pid > 0) {
		close(pfd[1]);
		waitpid(pid, NULL, 0); /* the session leader, gone at once */
		daemon_wait_report(pfd[0]);
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

void daemon_report_failure(int *ready_fd, const char *why)
{
	char msg[DAEMON_REPORT_MAX + 1];
	int n;

	if (*ready_fd == -1)
		return;
	n = snprintf(msg, sizeof(msg), "E%s", why);
	if (n > 0) {
		ssize_t unused = write(
			*ready_fd, msg,
			(size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
		(void)unused;
	}
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
