/*
 * sdnotify.c — tell systemd about readiness, reloads and stops.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sdnotify.h"

static struct {
	int fd;
	struct sockaddr_un addr;
	socklen_t addrlen;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
} sd = { .fd = -1 };

void sdnotify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	size_t len;

	if (path == NULL || (path[0] != '/' && path[0] != '@'))
		goto out;
	len = strlen(path);
	if (len >= sizeof(sd.addr.sun_path))
		goto out;
	memcpy(sd.path, path, len + 1);
	sd.addr.sun_family = AF_UNIX;
	memcpy(sd.addr.sun_path, path, len);
	if (path[0] == '@')
		sd.addr.sun_path[0] = '\0'; /* abstract namespace */
	sd.addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	sd.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
out:
	unsetenv("NOTIFY_SOCKET");
}

int sdnotify_enabled(void)
{
	return sd.fd != -1;
}

int sdnotify(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	if (sd.fd == -1)
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = (int)sizeof(msg) - 1;
	if (sendto(sd.fd, msg, (size_t)n, MSG_NOSIGNAL,
		   (struct sockaddr *)&sd.addr, sd.addrlen) == -1)
		return -1;
	return 0;
}

int sdnotify_export(void)
{
	if (sd.path[0] == '\0')
		return 0;
	return setenv("NOTIFY_SOCKET", sd.path, 1);
}

void sdnotify_close(void)
{
	if (sd.fd != -1)
		close(sd.fd);
	sd.fd = -1;
}
