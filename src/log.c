/*
 * log.c — error log and access logs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static struct {
	char *path; /* NULL: stderr */
	int fd;
	enum log_level level;
	char tag[64]; /* after the pid: who is speaking */
	bool journal; /* stderr goes to journald: "<N>" priorities */
} elog = { NULL, -1, LOG_LVL_NOTICE, "", false };

void log_set_tag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(elog.tag, sizeof(elog.tag), fmt, ap);
	va_end(ap);
}

/* The one spelling of each level, for the config file and the log. */
static const char *const level_names[LOG_LEVELS] = {
	"emerg", "alert", "crit", "error", "warn", "notice", "info", "debug",
};

const char *log_level_name(enum log_level level)
{
	if ((unsigned)level < LOG_LEVELS)
		return level_names[level];
	return "unknown";
}

int log_level_parse(const char *name, enum log_level *level)
{
	for (unsigned i = 0; i < LOG_LEVELS; i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*level = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

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
	/* systemd sets JOURNAL_STREAM when stderr is connected to the journal;
	 * a "<N>" prefix then carries each line's priority. */
	elog.journal = fd == -1 && getenv("JOURNAL_STREAM") != NULL;
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
	n = 0;
	if (elog.journal && elog.fd == -1)
		n = (size_t)snprintf(line, sizeof(line), "<%d>", (int)level);
	n += strftime(line + n, sizeof(line) - n, "%Y/%m/%d %H:%M:%S ", &tm);
	n += snprintf(line + n, sizeof(line) - n, "[%s] %d: %s",
		      level_names[level], (int)getpid(), elog.tag);
	if (n < sizeof(line))
		n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (err != 0 && n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - n, ": %s",
			      strerror(err));
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* One write per line: O_APPEND keeps lines from processes apart. */
	ssize_t unused = write(elog.fd == -1 ? STDERR_FILENO : elog.fd, line,
			       n);
	/* emerg means "cannot start": the operator at the terminal (or
	 * journald) learns why, not only the log file.  A detached master's
	 * stderr is /dev/null. */
	if (level == LOG_LVL_EMERG && elog.fd != -1)
		unused = write(STDERR_FILENO, line, n);
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

bool log_ratelimit_allow(struct log_ratelimit *rl, uint64_t now_ms)
{
	if (rl->fired && now_ms - rl->last_ms < LOG_RATELIMIT_MS)
		return false;
	rl->fired = true;
	rl->last_ms = now_ms;
	return true;
}

struct access_log *access_log_open_as(const char *path, enum access_format f,
				      const char *custom, size_t bufsize)
{
	struct access_log *al = calloc(1, sizeof(*al));

	if (al == NULL)
		return NULL;
	al->fd = -1;
	al->cap = bufsize ? bufsize : ACCESS_LOG_BUFFER;
	al->format = f;
	al->custom = custom;
	if ((al->path = strdup(path)) == NULL ||
	    (al->buf = malloc(al->cap)) == NULL ||
	    (al->fd = open_append(path)) == -1) {
		int saved = errno;
		free(al->buf);
		free(al->path);
		free(al);
		errno = saved;
		return NULL;
	}
	return al;
}

struct access_log *access_log_open(const char *path)
{
	return access_log_open_as(path, ACCESS_COMBINED, NULL, 0);
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

/*
 * Write what is buffered.  A full disk (or any write error) must not slow
 * serving down or flood the error log: the lines are dropped, and the
 * failure is logged once, with a count when writing works again.
 */
void access_log_flush(struct access_log *al)
{
	static unsigned long long dropped;
	static bool failing;
	size_t off = 0;

	/* The buffer holds whole lines only, so a write never splits a line
	 * unless the file system itself writes short. */
	while (off < al->len) {
		ssize_t n = write(al->fd, al->buf + off, al->len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!failing)
				log_errno(LOG_LVL_ERR,
					  "writing %s (dropping access "
					  "log lines until it works again)",
					  al->path);
			failing = true;
			dropped += al->len - off;
			al->len = 0;
			return;
		}
		off += (size_t)n;
	}
	if (failing && al->len > 0) {
		log_notice(
			"writing %s works again (%llu bytes of log lines lost)",
			al->path, dropped);
		failing = false;
		dropped = 0;
	}
	al->len = 0;
}

void access_log_append(struct access_log *al, const char *line, size_t len)
{
	if (al->len + len > al->cap)
		access_log_flush(al);
	if (len > al->cap) {
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
	free(al->buf);
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

size_t access_log_format(char *out, size_t outsz, const struct access_entry *e)
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

/* ---- json and custom formats ---- */

struct line {
	char *p;
	size_t room;
	size_t len;
};

static void line_put(struct line *l, const char *s, size_t n)
{
	if (l->len >= l->room)
		return;
	if (n > l->room - l->len)
		n = l->room - l->len;
	memcpy(l->p + l->len, s, n);
	l->len += n;
}

static void line_printf(struct line *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void line_printf(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(l->p + l->len, l->room - l->len + 1, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n > l->room - l->len ? l->room - l->len
						       : (size_t)n;
}

/* A JSON string body: escapes per RFC 8259, bytes >= 0x80 as \u00XX. */
static void line_json(struct line *l, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n && l->len + 6 < l->room; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\') {
			char e[2] = { '\\', (char)ch };
			line_put(l, e, 2);
		} else if (ch < 0x20 || ch >= 0x7f) {
			char e[6] = { '\\', 'u',          '0',
				      '0',  hex[ch >> 4], hex[ch & 15] };
			line_put(l, e, 6);
		} else {
			line_put(l, (const char *)&ch, 1);
		}
	}
}

/* A string field: JSON-escaped, or escaped as in the combined format. */
static void line_str(struct line *l, const char *s, size_t n, bool json)
{
	if (json)
		line_json(l, s, n);
	else
		l->len += put_escaped(l->p + l->len, l->room - l->len, s, n);
}

static const char *protocol(const struct access_entry *e)
{
	return e->http_minor < 0    ? ""
	       : e->http_minor == 0 ? "HTTP/1.0"
				    : "HTTP/1.1";
}

/* The value of one variable, by name; false for an unknown name. */
static bool variable(struct line *l, const char *name, size_t n,
		     const struct access_entry *e, bool json)
{
#define IS(s) (n == sizeof(s) - 1 && memcmp(name, s, n) == 0)
#define STR(str_, n_) line_str(l, str_, n_, json)
	if (IS("remote_addr"))
		STR(e->addr, strlen(e->addr));
	else if (IS("time_local"))
		STR(e->time_local, strlen(e->time_local));
	else if (IS("time_iso8601") || IS("msec")) {
		if (IS("msec")) {
			line_printf(l, "%llu.%03llu", e->msec / 1000,
				    e->msec % 1000);
		} else {
			char t[32];
			time_t sec = (time_t)(e->msec / 1000);
			struct tm tm;
			gmtime_r(&sec, &tm);
			strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", &tm);
			line_put(l, t, strlen(t));
		}
	} else if (IS("request"))
		STR(e->request, e->request_len);
	else if (IS("request_method"))
		STR(e->method, e->method_len);
	else if (IS("request_uri"))
		STR(e->uri, e->uri_len);
	else if (IS("server_protocol"))
		STR(protocol(e), strlen(protocol(e)));
	else if (IS("host"))
		STR(e->host, e->host_len);
	else if (IS("status"))
		line_printf(l, "%d", e->status);
	else if (IS("body_bytes_sent"))
		line_printf(l, "%llu", e->bytes);
	else if (IS("bytes_sent"))
		line_printf(l, "%llu", e->bytes_total);
	else if (IS("http_referer"))
		STR(e->referer, e->referer_len);
	else if (IS("http_user_agent"))
		STR(e->user_agent, e->user_agent_len);
	else if (IS("request_time"))
		line_printf(l, "%llu.%03llu", e->request_time_us / 1000000,
			    e->request_time_us / 1000 % 1000);
	else if (IS("connection"))
		line_printf(l, "%llu", e->connection);
	else if (IS("connection_requests"))
		line_printf(l, "%u", e->connection_requests);
	else if (IS("pid"))
		line_printf(l, "%d", (int)getpid());
	else
		return false;
	return true;
#undef IS
#undef STR
}

static bool var_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* Text with $name or ${name} replaced; false at an unknown variable. */
static bool expand(struct line *l, const char *fmt,
		   const struct access_entry *e, const char **bad,
		   size_t *badlen)
{
	static const struct access_entry none = { .addr = "",
						  .time_local = "" };

	for (const char *p = fmt; *p != '\0';) {
		if (*p != '$') {
			const char *q = strchr(p, '$');
			size_t n = q ? (size_t)(q - p) : strlen(p);
			line_put(l, p, n);
			p += n;
			continue;
		}
		bool braced = p[1] == '{';
		const char *name = p + 1 + braced;
		size_t n = 0;
		while (var_char(name[n]))
			n++;
		if (n == 0 || (braced && name[n] != '}') ||
		    !variable(l, name, n, e != NULL ? e : &none, false)) {
			*bad = p;
			*badlen = n + 1 + 2 * braced;
			return false;
		}
		p = name + n + braced;
	}
	return true;
}

int access_log_check(const char *format, char *err, size_t errlen)
{
	char scratch[4096];
	struct line l = { scratch, sizeof(scratch) - 1, 0 };
	const char *bad;
	size_t badlen;

	if (expand(&l, format, NULL, &bad, &badlen))
		return 0;
	snprintf(err, errlen, "unknown variable \"%.*s\" in access_log_format",
		 (int)(badlen > 64 ? 64 : badlen), bad);
	return -1;
}

static size_t render_json(char *out, size_t outsz, const struct access_entry *e)
{
	static const char *const fields[] = {
		"time_iso8601", "remote_addr",         "request_method",
		"request_uri",  "server_protocol",     "host",
		"status",       "body_bytes_sent",     "bytes_sent",
		"request_time", "http_referer",        "http_user_agent",
		"connection",   "connection_requests",
	};
	struct line l = { out, outsz - 2, 0 };

	line_put(&l, "{", 1);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		line_printf(&l, "%s\"%s\":", i ? "," : "", fields[i]);
		bool quoted = strcmp(fields[i], "status") != 0 &&
			      strcmp(fields[i], "connection") != 0 &&
			      strcmp(fields[i], "connection_requests") != 0 &&
			      strncmp(fields[i], "bytes", 5) != 0 &&
			      strcmp(fields[i], "body_bytes_sent") != 0 &&
			      strcmp(fields[i], "request_time") != 0;
		if (quoted)
			line_put(&l, "\"", 1);
		variable(&l, fields[i], strlen(fields[i]), e, true);
		if (quoted)
			line_put(&l, "\"", 1);
	}
	line_put(&l, "}", 1);
	out[l.len++] = '\n';
	return l.len;
}

size_t access_log_render(const struct access_log *al, char *out, size_t outsz,
			 const struct access_entry *e)
{
	const char *bad;
	size_t badlen;

	if (outsz < 128)
		return 0;
	switch (al->format) {
	case ACCESS_JSON: return render_json(out, outsz, e);
	case ACCESS_CUSTOM: {
		struct line l = { out, outsz - 2, 0 };
		expand(&l, al->custom, e, &bad, &badlen);
		out[l.len++] = '\n';
		return l.len;
	}
	default: return access_log_format(out, outsz, e);
	}
}
