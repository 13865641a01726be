/*
 * log.c — error log and access logs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static struct {
	char *path;          /* NULL: stderr */
	int fd;
	enum log_level level;
	char tag[64];        /* after the pid: who is speaking */
} elog = { NULL, -1, LOG_LVL_NOTICE, "" };

void log_set_tag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(elog.tag, sizeof(elog.tag), fmt, ap);
	va_end(ap);
}

static const char *const level_names[] = {
	"emerg", "alert", "crit", "error", "warn", "notice", "info", "debug",
};

static int open_append(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}

int log_open(const char *target, enum log_level level)
{
	int fd = -1;
	char *path = NULL;

	if (target != NULL && strcmp(target, "stderr") != 0) {
		if ((path = strdup(target)) == NULL)
			return -1;
		if ((fd = open_append(path)) == -1) {
			int saved = errno;
			free(path);
			errno = saved;
			return -1;
		}
	}
	log_close();
	elog.path = path;
	elog.fd = fd;
	elog.level = level;
	return 0;
}

void log_set_level(enum log_level level)
{
	elog.level = level;
}

void log_close(void)
{
	if (elog.fd != -1)
		close(elog.fd);
	free(elog.path);
	elog.path = NULL;
	elog.fd = -1;
}

int log_reopen(void)
{
	if (elog.path == NULL)
		return 0;
	int fd = open_append(elog.path);
	if (fd == -1)
		return -1;
	close(elog.fd);
	elog.fd = fd;
	return 0;
}

int log_error_fd(void)
{
	return elog.fd;
}

static void log_write(enum log_level level, const char *fmt, va_list ap,
		      int err)
{
	char line[2048];
	struct tm tm;
	time_t now = time(NULL);
	size_t n;

	localtime_r(&now, &tm);
	n = strftime(line, sizeof(line), "%Y/%m/%d %H:%M:%S ", &tm);
	n += snprintf(line + n, sizeof(line) - n, "[%s] %d: %s",
		      level_names[level], (int)getpid(), elog.tag);
	if (n < sizeof(line))
		n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (err != 0 && n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - n, ": %s", strerror(err));
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* One write per line: O_APPEND keeps lines from processes apart. */
	ssize_t unused = write(elog.fd == -1 ? STDERR_FILENO : elog.fd, line, n);
	(void)unused;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > elog.level)
		return;
	va_start(ap, fmt);
	log_write(level, fmt, ap, 0);
	va_end(ap);
}

void log_errno(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	int err = errno;

	if (level > elog.level)
		return;
	va_start(ap, fmt);
	log_write(level, fmt, ap, err);
	va_end(ap);
	errno = err;
}

struct access_log *access_log_open(const char *path)
{
	struct access_log *al = calloc(1, sizeof(*al));

	if (al == NULL || (al->path = strdup(path)) == NULL)
		goto fail;
	if ((al->fd = open_append(path)) == -1)
		goto fail;
	return al;
fail:
	if (al != NULL)
		free(al->path);
	free(al);
	return NULL;
}

int access_log_reopen(struct access_log *al)
{
	access_log_flush(al);
	int fd = open_append(al->path);
	if (fd == -1)
		return -1;
	close(al->fd);
	al->fd = fd;
	return 0;
}

void access_log_flush(struct access_log *al)
{
	size_t off = 0;

	/* The buffer holds whole lines only, so a write never splits a line
	 * unless the file system itself writes short. */
	while (off < al->len) {
		ssize_t n = write(al->fd, al->buf + off, al->len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* disk full or similar: drop, never block serving */
		off += (size_t)n;
	}
	al->len = 0;
}

void access_log_append(struct access_log *al, const char *line, size_t len)
{
	if (al->len + len > sizeof(al->buf))
		access_log_flush(al);
	if (len > sizeof(al->buf)) {
		ssize_t unused = write(al->fd, line, len);
		(void)unused;
		return;
	}
	memcpy(al->buf + al->len, line, len);
	al->len += len;
}

void access_log_close(struct access_log *al)
{
	if (al == NULL)
		return;
	access_log_flush(al);
	close(al->fd);
	free(al->path);
	free(al);
}

/* Append s (or "-" when empty) escaped for a quoted log field. */
static size_t put_escaped(char *out, size_t room, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	if (s == NULL || len == 0) {
		if (room > 0)
			out[n++] = '-';
		return n;
	}
	for (size_t i = 0; i < len && n + 4 < room; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\' || ch < 0x20 || ch >= 0x7f) {
			out[n++] = '\\';
			out[n++] = 'x';
			out[n++] = hex[ch >> 4];
			out[n++] = hex[ch & 15];
		} else {
			out[n++] = (char)ch;
		}
	}
	return n;
}

size_t access_log_format(char *out, size_t outsz,
			 const struct access_entry *e)
{
	size_t n;

	if (outsz < 128)
		return 0;
	n = (size_t)snprintf(out, outsz, "%s - - [%s] \"", e->addr,
			     e->time_local);
	if (n >= outsz - 64)
		n = outsz - 64;
	n += put_escaped(out + n, outsz - 64 - n, e->request, e->request_len);
	n += (size_t)snprintf(out + n, outsz - n, "\" %d %llu \"", e->status,
			      e->bytes);
	n += put_escaped(out + n, outsz - 16 - n, e->referer, e->referer_len);
	out[n++] = '"';
	out[n++] = ' ';
	out[n++] = '"';
	n += put_escaped(out + n, outsz - 4 - n, e->user_agent,
			 e->user_agent_len);
	out[n++] = '"';
	out[n++] = '\n';
	return n;
}
