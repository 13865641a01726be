/*
 * log.h — the error log (levels, timestamps) and the access log (buffered,
 * one combined-format line per request).
 */
#ifndef FORKD_LOG_H
#define FORKD_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Error log levels, most severe first (syslog numbering). */
enum log_level {
	LOG_LVL_EMERG = 0,
	LOG_LVL_ALERT,
	LOG_LVL_CRIT,
	LOG_LVL_ERR,
	LOG_LVL_WARN,
	LOG_LVL_NOTICE,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

#define LOG_LEVELS (LOG_LVL_DEBUG + 1)

/* The level's name as the config file and the log lines spell it
 * ("error", "warn"); "unknown" out of range. */
const char *log_level_name(enum log_level level);

/* The level named name; 0, or -1 when no level has that name. */
int log_level_parse(const char *name, enum log_level *level);

/* The error log.  Until log_open() succeeds, messages go to stderr. */
int log_open(const char *target, enum log_level level);
void log_set_level(enum log_level level);
/* Text after the pid on every line from now on ("worker 0 gen 3: "). */
void log_set_tag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_close(void);
int log_reopen(void);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* As log_msg, with ": strerror(errno)" appended. */
void log_errno(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_LVL_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

/* The fd of the error log file, or -1 for stderr (dup2 target for stderr). */
int log_error_fd(void);

/*
 * "Log this at most once a second": one per call site, zero-initialised
 * (a static is fine), so that an error repeating on every event cannot fill
 * the log.  log_ratelimit_allow says whether to log now, given the caller's
 * monotonic clock in ms, and if so starts the next quiet second.  The first
 * call always allows.
 */
#define LOG_RATELIMIT_MS 1000

struct log_ratelimit {
	uint64_t last_ms;
	bool fired;
};

bool log_ratelimit_allow(struct log_ratelimit *rl, uint64_t now_ms);

/*
 * How access log lines look: nginx's "combined", one JSON object per line,
 * or a custom format of text and $variables (see access_log_check).
 */
enum access_format {
	ACCESS_COMBINED,
	ACCESS_JSON,
	ACCESS_CUSTOM,
};

/*
 * An access log: an O_APPEND fd plus a write buffer.  Whole lines are
 * appended to the buffer and written in one write(2), so lines from
 * different workers never interleave.
 */
struct access_log {
	char *path;
	int fd;
	size_t len;
	size_t cap;
	char *buf;
	enum access_format format;
	const char *custom; /* ACCESS_CUSTOM: the format (not owned) */
};

#define ACCESS_LOG_BUFFER 16384

struct access_log *access_log_open(const char *path);
/* The same with a format and a buffer size (0: the default). */
struct access_log *access_log_open_as(const char *path, enum access_format f,
				      const char *custom, size_t bufsize);
int access_log_reopen(struct access_log *al);
void access_log_append(struct access_log *al, const char *line, size_t len);
void access_log_flush(struct access_log *al);
void access_log_close(struct access_log *al);

/* What one line may say.  Strings are not NUL-terminated unless noted. */
struct access_entry {
	const char *addr;       /* NUL-terminated */
	const char *time_local; /* "23/Nov/2026:09:00:00 +0000" */
	const char *request;    /* request line, may be NULL ("-") */
	size_t request_len;
	int status;
	unsigned long long bytes; /* body bytes sent */
	const char *referer;
	size_t referer_len;
	const char *user_agent;
	size_t user_agent_len;
	/* for json and custom formats */
	unsigned long long bytes_total; /* head included */
	const char *method;
	size_t method_len;
	const char *uri;
	size_t uri_len;
	const char *host;
	size_t host_len;
	unsigned long long msec; /* wall clock, ms since the epoch */
	unsigned long long request_time_us;
	unsigned long long connection;
	unsigned connection_requests;
	int http_minor; /* -1: no request line parsed */
};

/*
 * Format an nginx-compatible "combined" line into out (with '\n').
 * Returns its length; escapes '"', '\\' and non-printable bytes as \xHH.
 */
size_t access_log_format(char *out, size_t outsz, const struct access_entry *e);

/* One line in al's format. */
size_t access_log_render(const struct access_log *al, char *out, size_t outsz,
			 const struct access_entry *e);

/*
 * Check a custom format: every $name must be known.  0, or -1 with the
 * offending variable in err.
 */
int access_log_check(const char *format, char *err, size_t errlen);

#endif
