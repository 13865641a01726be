/*
 * pidfile.c — the pid file (see pidfile.h): atomic writes, removal only
 * while it is ours, and the "already running" check at start.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "pidfile.h"

/* The pid a file names, or 0 when it names none. */
static int pid_read(const char *path)
{
	char buf[32] = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atoi(buf) : 0;
}

static int pid_write(const char *path)
{
	char tmp[PATH_MAX + 8];
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

/* The command name (/proc/PID/comm) of a process, or "" if unknown. */
static void comm_read(const char *proc, char *out, size_t outsz)
{
	int fd = open(proc, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd == -1 ? -1 : read(fd, out, outsz - 1);

	out[n > 0 ? n : 0] = '\0';
	if (fd != -1)
		close(fd);
}

int pidfile_check_running(const char *path)
{
	char proc[64], comm[64], mine[64];
	int pid = pid_read(path);

	if (pid <= 0 || pid == getpid() || kill(pid, 0) == -1)
		return 0;
	snprintf(proc, sizeof(proc), "/proc/%d/comm", pid);
	comm_read(proc, comm, sizeof(comm));
	comm_read("/proc/self/comm", mine, sizeof(mine));
	if (comm[0] != '\0' && strcmp(comm, mine) == 0) {
		log_msg(LOG_LVL_EMERG, "already running as pid %d (%s)", pid,
			path);
		return -1;
	}
	return 0;
}

void pidfile_remove(const struct pidfile *pf)
{
	struct control_status st;

	if (pf->path == NULL)
		return;
	if (pid_read(pf->path) == (int)getpid())
		unlink(pf->path);
	if (control_read(pf->status_path, &st) == 0 && st.pid == getpid())
		unlink(pf->status_path);
}

void pidfile_release(struct pidfile *pf)
{
	pidfile_remove(pf);
	free(pf->path);
	pf->path = NULL;
}

int pidfile_update(struct pidfile *pf, const char *path)
{
	char *copy;

	if (pf->path != NULL && strcmp(pf->path, path) == 0)
		return 0;
	if ((copy = strdup(path)) == NULL || pid_write(path) == -1) {
		log_errno(LOG_LVL_ERR, "writing pid file %s", path);
		free(copy);
		return -1;
	}
	pidfile_release(pf);
	pf->path = copy;
	control_status_path(path, pf->status_path, sizeof(pf->status_path));
	return 0;
}
