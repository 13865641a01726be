/*
 * config.c — read forkd.conf into struct config.
 *
 * libconfuse does the parsing.  Every value is checked by a validation
 * callback while the parser still knows its line, so each error is reported
 * once, as "FILE:LINE: message".  After a clean parse the values are copied
 * into the plain structs of config.h and the libconfuse tree is freed.
 *
 * Every option except daemon is a libconfuse string: bare words and numbers
 * both lex as strings, so `worker_processes = auto` and `= 4` read alike,
 * and the numbers are parsed here, in decimal, with our own messages.
 */
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <confuse.h>

#include "cidr.h"
#include "config.h"
#include "file.h"
#include "mime.h"
#include "log.h"

#define WORKERS_MAX 512
#define CONNECTIONS_MAX 1000000
#define REQUESTS_MAX 1000000000
#define DURATION_MAX_MS (24u * 60 * 60 * 1000)
#define CONF_SIZE_MAX (1024 * 1024)

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

/* The load in progress: libconfuse's callbacks carry no user pointer. */
struct loader {
	const char *path; /* as given, for messages */
	char *dir;        /* absolute directory of the file */
	cfg_t *root;
	int brace_line;   /* of a '{' never closed, or 0 */
	char *err;
	size_t errlen;
	bool failed;
};

static struct loader *loading;

static const char *const level_names[] = {
	"emerg", "alert", "crit", "error", "warn", "notice", "info", "debug",
};

/* Lowest and highest value of each number and duration option. */
static const struct limit {
	const char *name;
	unsigned min;
	unsigned max;
} limits[] = {
	{ "worker_connections", 1, CONNECTIONS_MAX },
	{ "max_generations", 2, 64 },
	{ "worker_watchdog", 0, DURATION_MAX_MS },
	{ "worker_rlimit_nofile", 0, 1048576 },
	{ "max_requests_per_worker", 0, REQUESTS_MAX },
	{ "drain_delay", 0, DURATION_MAX_MS },
	{ "keepalive_requests", 1, REQUESTS_MAX },
	{ "shutdown_timeout", 0, DURATION_MAX_MS },
	{ "keepalive_timeout", 0, DURATION_MAX_MS },
	{ "client_header_timeout", 1, DURATION_MAX_MS },
	{ "send_timeout", 1, DURATION_MAX_MS },
	{ "client_body_timeout", 1, DURATION_MAX_MS },
	{ "client_max_body_size", 1, 1u << 30 },      /* bytes; no "0 = unlimited" */
	{ "client_header_buffer_size", 1024, 65536 }, /* bytes */
};

static cfg_opt_t location_opts[] = {
	CFG_STR("expires", "off", CFGF_NONE),
	CFG_STR_LIST("add_header", "{}", CFGF_NONE),
	CFG_END(),
};

static cfg_opt_t server_opts[] = {
	CFG_STR_LIST("listen", NULL, CFGF_NONE),
	CFG_STR_LIST("server_name", "{}", CFGF_NONE),
	CFG_BOOL("default_server", cfg_false, CFGF_NONE),
	CFG_STR("dotfiles", "deny", CFGF_NONE),
	CFG_STR("symlinks", "follow", CFGF_NONE),
	CFG_BOOL("precompressed", cfg_false, CFGF_NONE),
	CFG_BOOL("autoindex", cfg_false, CFGF_NONE),
	CFG_STR("charset", "utf-8", CFGF_NONE),
	CFG_STR("fallback", "", CFGF_NONE),
	CFG_STR_LIST("error_page", "{}", CFGF_NONE),
	CFG_STR("expires", "off", CFGF_NONE),
	CFG_STR_LIST("add_header", "{}", CFGF_NONE),
	CFG_SEC("location", location_opts,
		CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_STR("root", NULL, CFGF_NONE),
	CFG_STR_LIST("index", "{index.html}", CFGF_NONE),
	CFG_STR("access_log", "off", CFGF_NONE),
	CFG_STR("keepalive_timeout", "75", CFGF_NONE),
	CFG_STR("keepalive_requests", "1000", CFGF_NONE),
	CFG_STR("client_header_timeout", "60", CFGF_NONE),
	CFG_STR("send_timeout", "60", CFGF_NONE),
	/* behind a load balancer */
	CFG_STR("status_path", "", CFGF_NONE),
	CFG_STR("health_path", "", CFGF_NONE),
	CFG_STR_LIST("status_allow", "{127.0.0.1, ::1}", CFGF_NONE),
	CFG_BOOL("proxy_protocol", cfg_false, CFGF_NONE),
	CFG_STR("real_ip_header", "", CFGF_NONE),
	CFG_STR_LIST("set_real_ip_from", "{}", CFGF_NONE),
	CFG_STR("access_log_format", "combined", CFGF_NONE),
	CFG_STR("access_log_buffer", "16k", CFGF_NONE),
	/* request limits */
	CFG_STR("client_body_timeout", "60", CFGF_NONE),
	CFG_STR("client_max_body_size", "1m", CFGF_NONE),
	CFG_STR("client_header_buffer_size", "8k", CFGF_NONE),
	CFG_END(),
};

static cfg_opt_t main_opts[] = {
	CFG_STR("worker_processes", "auto", CFGF_NONE),
	CFG_STR("accept_mode", "reuseport", CFGF_NONE),
	CFG_STR("pid_file", "/run/forkd.pid", CFGF_NONE),
	CFG_STR("error_log", "stderr", CFGF_NONE),
	CFG_STR("error_log_level", "notice", CFGF_NONE),
	CFG_STR("user", "nobody", CFGF_NONE),
	CFG_STR("shutdown_timeout", "30", CFGF_NONE),
	CFG_BOOL("daemon", cfg_false, CFGF_NONE),
	CFG_STR("worker_connections", "4096", CFGF_NONE),
	CFG_STR("group", "", CFGF_NONE),
	CFG_STR("max_generations", "4", CFGF_NONE),
	CFG_STR("worker_watchdog", "10", CFGF_NONE),
	CFG_STR("worker_rlimit_nofile", "0", CFGF_NONE),
	CFG_STR("worker_cpu_affinity", "off", CFGF_NONE),
	CFG_STR("max_requests_per_worker", "0", CFGF_NONE),
	CFG_STR("drain_delay", "0", CFGF_NONE),
	CFG_STR("mime_types", "/etc/mime.types", CFGF_NONE),
	CFG_SEC("server", server_opts, CFGF_MULTI),
	CFG_END(),
};

/* ------------------------------------------------------------ messages */

static void loader_verror(int line, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
static void loader_error(int line, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int reject(cfg_t *cfg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void confuse_error(cfg_t *cfg, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Keep the first error only: it is the cause, later ones are fallout. */
static void loader_verror(int line, const char *fmt, va_list ap)
{
	struct loader *ld = loading;
	int n;

	if (ld->failed || ld->err == NULL || ld->errlen == 0)
		return;
	ld->failed = true;
	if (line > 0)
		n = snprintf(ld->err, ld->errlen, "%s:%d: ", ld->path, line);
	else
		n = snprintf(ld->err, ld->errlen, "%s: ", ld->path);
	if (n >= 0 && (size_t)n < ld->errlen)
		vsnprintf(ld->err + n, ld->errlen - n, fmt, ap);
	/* One line, whatever a quoted value held. */
	for (char *p = ld->err; *p != '\0'; p++)
		if (iscntrl((unsigned char)*p))
			*p = '?';
}

static void loader_error(int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	loader_verror(line, fmt, ap);
	va_end(ap);
}

/* libconfuse's own errors (syntax, unknown option) and ours, via reject(). */
static void confuse_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	loader_verror(cfg->line, fmt, ap);
}

/* Fail a validation callback, at the line libconfuse is on. */
static int reject(cfg_t *cfg, const char *fmt, ...)
{
	char msg[CONFIG_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfg_error(cfg, "%s", msg);
	return -1;
}

static int why(char *err, size_t errlen, const char *msg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", msg);
	return -1;
}

/* ------------------------------------------------------ pure parsers */

/* Decimal digits only; saturates at max + 1 so callers see "too big". */
static int parse_digits(const char **sp, unsigned long long max,
			unsigned long long *out)
{
	const char *s = *sp;
	unsigned long long n = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		n = n * 10 + (unsigned)(*s - '0');
		if (n > max)
			n = max + 1;
	}
	*sp = s;
	*out = n;
	return 0;
}

static int parse_number(const char *s, unsigned min, unsigned max,
			unsigned *out)
{
	unsigned long long n;

	if (parse_digits(&s, max, &n) == -1 || *s != '\0' || n < min ||
	    n > max)
		return -1;
	*out = (unsigned)n;
	return 0;
}

int config_parse_duration(const char *text, unsigned *ms)
{
	static const struct {
		const char *suffix;
		unsigned scale;
	} units[] = {
		{ "", 1000 }, { "ms", 1 }, { "s", 1000 },
		{ "m", 60 * 1000 }, { "h", 60 * 60 * 1000 },
	};
	unsigned long long n;

	if (parse_digits(&text, DURATION_MAX_MS, &n) == 0) {
		for (size_t i = 0; i < nitems(units); i++) {
			if (strcmp(text, units[i].suffix) != 0)
				continue;
			n *= units[i].scale;
			if (n > DURATION_MAX_MS) {
				errno = ERANGE;
				return -1;
			}
			*ms = (unsigned)n;
			return 0;
		}
	}
	errno = EINVAL;
	return -1;
}

static int parse_port(const char *s, in_port_t *port, char *err,
		      size_t errlen)
{
	unsigned long long n;

	if (*s == '\0')
		return why(err, errlen, "missing port");
	if (parse_digits(&s, 65535, &n) == -1 || *s != '\0')
		return why(err, errlen, "port is not a number");
	if (n < 1 || n > 65535)
		return why(err, errlen, "port out of range");
	*port = htons((in_port_t)n);
	return 0;
}

static int parse_host4(const char *host, size_t len, struct in_addr *in,
		       char *err, size_t errlen)
{
	char buf[INET_ADDRSTRLEN];

	if (len == 0)
		return why(err, errlen, "missing host; "
			   "for every address write \"*:port\", quoted");
	if (len == 1 && host[0] == '*') {
		in->s_addr = htonl(INADDR_ANY);
		return 0;
	}
	if (len >= sizeof(buf))
		goto bad;
	memcpy(buf, host, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, in) == 1)
		return 0;
bad:
	return why(err, errlen, "host is not a numeric IPv4 address "
		   "(names are not looked up)");
}

static int parse_host6(const char *host, size_t len, struct in6_addr *in6,
		       char *err, size_t errlen)
{
	char buf[INET6_ADDRSTRLEN];

	if (len > 0 && len < sizeof(buf)) {
		memcpy(buf, host, len);
		buf[len] = '\0';
		if (inet_pton(AF_INET6, buf, in6) == 1)
			return 0;
	}
	return why(err, errlen, "not a numeric IPv6 address");
}

static int parse_listen6(const char *text, struct sockaddr_storage *addr,
			 socklen_t *addrlen, char *err, size_t errlen)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)addr;
	const char *close = strchr(text, ']');

	if (close == NULL)
		return why(err, errlen, "missing ']' after IPv6 address");
	if (close[1] == '\0')
		return why(err, errlen, "missing port");
	if (close[1] != ':')
		return why(err, errlen, "expected ':port' after ']'");
	if (parse_host6(text + 1, close - text - 1, &sin6->sin6_addr, err,
			errlen) == -1 ||
	    parse_port(close + 2, &sin6->sin6_port, err, errlen) == -1)
		return -1;
	sin6->sin6_family = AF_INET6;
	*addrlen = sizeof(*sin6);
	return 0;
}

static int parse_listen4(const char *text, struct sockaddr_storage *addr,
			 socklen_t *addrlen, char *err, size_t errlen)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)addr;
	const char *colon = strchr(text, ':');
	size_t hostlen = colon != NULL ? (size_t)(colon - text) : 0;
	const char *port = colon != NULL ? colon + 1 : text;

	if (colon == NULL && text[strspn(text, "0123456789")] != '\0')
		return why(err, errlen, "missing port");
	if (colon != NULL && strchr(port, ':') != NULL)
		return why(err, errlen, "IPv6 addresses need brackets, "
			   "as in \"[::1]:80\"");
	if (colon == NULL)
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
	else if (parse_host4(text, hostlen, &sin->sin_addr, err, errlen) == -1)
		return -1;
	if (parse_port(port, &sin->sin_port, err, errlen) == -1)
		return -1;
	sin->sin_family = AF_INET;
	*addrlen = sizeof(*sin);
	return 0;
}

int config_parse_listen(const char *text, struct sockaddr_storage *addr,
			socklen_t *addrlen, char *err, size_t errlen)
{
	memset(addr, 0, sizeof(*addr));
	if (*text == '\0')
		return why(err, errlen, "empty address");
	if (strstr(text, "://") != NULL)
		return why(err, errlen, "expected host:port, not a URL");
	if (text[0] == '[')
		return parse_listen6(text, addr, addrlen, err, errlen);
	return parse_listen4(text, addr, addrlen, err, errlen);
}

static bool listen_same(const struct sockaddr_storage *a,
			const struct sockaddr_storage *b)
{
	const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;
	const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;

	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return a4->sin_port == b4->sin_port &&
		       a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	return a6->sin6_port == b6->sin6_port &&
	       memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr)) == 0;
}

const char *config_log_level_name(enum log_level lvl)
{
	if ((unsigned)lvl < nitems(level_names))
		return level_names[lvl];
	return "unknown";
}

/*
 * The CPUs a cgroup v2 quota ("cpu.max": "QUOTA PERIOD", or "max") lets
 * this process use, rounded up; 0 when there is no quota.
 */
static unsigned cgroup_cpus(void)
{
	char line[512], path[600], buf[64];
	unsigned cpus = 0;
	FILE *f = fopen("/proc/self/cgroup", "re");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(path, sizeof(path), "/sys/fs/cgroup%s/cpu.max", line + 3);
		FILE *g = fopen(path, "re");
		if (g == NULL)
			break;
		unsigned long long quota, period;
		if (fgets(buf, sizeof(buf), g) != NULL &&
		    sscanf(buf, "%llu %llu", &quota, &period) == 2 && period > 0)
			cpus = (unsigned)((quota + period - 1) / period);
		fclose(g);
		break;
	}
	fclose(f);
	return cpus;
}

static unsigned affinity_cpus(void)
{
	/* Start at glibc's fixed set; grow when the kernel has more CPUs. */
	for (size_t ncpu = CPU_SETSIZE; ncpu <= 64 * CPU_SETSIZE; ncpu *= 2) {
		size_t size = CPU_ALLOC_SIZE(ncpu);
		cpu_set_t *set = CPU_ALLOC(ncpu);
		int n;

		if (set == NULL)
			break;
		if (sched_getaffinity(0, size, set) == 0) {
			n = CPU_COUNT_S(size, set);
			CPU_FREE(set);
			return n > 0 ? (unsigned)n : 1;
		}
		CPU_FREE(set);
		if (errno != EINVAL)
			break;
	}
	return 1;
}

unsigned config_cpus_usable(void)
{
	unsigned n = affinity_cpus();
	unsigned quota = cgroup_cpus();

	return quota > 0 && quota < n ? quota : n;
}

/* ---------------------------------------------------- option values */

/*
 * Text to value, one function per kind of option.  The parse-time checks
 * and the final copy share them, so what is accepted is what is stored.
 * On failure the message, naming the option, is in msg.
 */

static int value_workers(const char *s, unsigned *n, bool *is_auto,
			 char *msg, size_t len)
{
	*is_auto = strcmp(s, "auto") == 0;
	if (*is_auto) {
		*n = config_cpus_usable();
		if (*n > WORKERS_MAX)
			*n = WORKERS_MAX;
		return 0;
	}
	if (parse_number(s, 1, WORKERS_MAX, n) == 0)
		return 0;
	snprintf(msg, len, "worker_processes must be auto or a number "
		 "from 1 to %d, not \"%s\"", WORKERS_MAX, s);
	return -1;
}

static int value_accept_mode(const char *s, enum accept_mode *mode,
			     char *msg, size_t len)
{
	if (strcmp(s, "reuseport") == 0)
		*mode = ACCEPT_REUSEPORT;
	else if (strcmp(s, "shared") == 0)
		*mode = ACCEPT_SHARED;
	else if (strcmp(s, "handoff") == 0)
		*mode = ACCEPT_HANDOFF;
	else {
		snprintf(msg, len, "accept_mode must be reuseport, shared or handoff, "
			 "not \"%s\"", s);
		return -1;
	}
	return 0;
}

static int value_level(const char *s, enum log_level *lvl, char *msg,
		       size_t len)
{
	for (size_t i = 0; i < nitems(level_names); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*lvl = (enum log_level)i;
			return 0;
		}
	}
	snprintf(msg, len, "error_log_level must be one of emerg, alert, "
		 "crit, error, warn, notice, info, debug, not \"%s\"", s);
	return -1;
}

static int value_affinity(const char *s, bool *on, char *msg, size_t len)
{
	if (strcmp(s, "auto") == 0 || strcmp(s, "off") == 0) {
		*on = strcmp(s, "auto") == 0;
		return 0;
	}
	snprintf(msg, len, "worker_cpu_affinity must be auto or off, not \"%s\"", s);
	return -1;
}

static const struct limit *limit_of(const char *name)
{
	for (size_t i = 0; i < nitems(limits); i++)
		if (strcmp(limits[i].name, name) == 0)
			return &limits[i];
	abort(); /* an option missing from limits[] */
}

static int value_number(const char *name, const char *s, unsigned *n,
			char *msg, size_t len)
{
	const struct limit *l = limit_of(name);

	if (parse_number(s, l->min, l->max, n) == 0)
		return 0;
	snprintf(msg, len, "%s must be a number from %u to %u, not \"%s\"",
		 name, l->min, l->max, s);
	return -1;
}

static int value_duration(const char *name, const char *s, unsigned *ms,
			  char *msg, size_t len)
{
	const struct limit *l = limit_of(name);

	if (config_parse_duration(s, ms) == -1) {
		if (errno == ERANGE)
			snprintf(msg, len, "%s must be at most 24h, not \"%s\"",
				 name, s);
		else
			snprintf(msg, len, "%s must be a duration such as 30, "
				 "500ms, 30s, 5m or 1h, not \"%s\"", name, s);
		return -1;
	}
	if (*ms < l->min) {
		snprintf(msg, len, "%s must be more than 0, not \"%s\"", name, s);
		return -1;
	}
	return 0;
}

/* s against the config file's directory; NULL when out of memory. */
static char *path_resolve(const char *dir, const char *s)
{
	char *p;

	if (s[0] == '/')
		return strdup(s);
	if (asprintf(&p, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, s) == -1)
		return NULL;
	return p;
}

/* The root as stored: absolute, without trailing slashes, "/" kept. */
static char *root_resolve(const char *dir, const char *s)
{
	char *p = path_resolve(dir, s);
	size_t n;

	if (p == NULL)
		return NULL;
	for (n = strlen(p); n > 1 && p[n - 1] == '/'; n--)
		p[n - 1] = '\0';
	return p;
}

/* ------------------------------------------------- parse-time checks */

/* The value just set: the last one, since lists are checked per item. */
static const char *last_value(cfg_opt_t *opt)
{
	return cfg_opt_getnstr(opt, cfg_opt_size(opt) - 1);
}

static int check_workers(cfg_t *cfg, cfg_opt_t *opt)
{
	char msg[CONFIG_ERR_MAX];
	unsigned n;
	bool is_auto;

	if (value_workers(last_value(opt), &n, &is_auto, msg, sizeof(msg)))
		return reject(cfg, "%s", msg);
	return 0;
}

static int check_accept_mode(cfg_t *cfg, cfg_opt_t *opt)
{
	char msg[CONFIG_ERR_MAX];
	enum accept_mode mode;

	if (value_accept_mode(last_value(opt), &mode, msg, sizeof(msg)))
		return reject(cfg, "%s", msg);
	return 0;
}

static int check_level(cfg_t *cfg, cfg_opt_t *opt)
{
	char msg[CONFIG_ERR_MAX];
	enum log_level lvl;

	if (value_level(last_value(opt), &lvl, msg, sizeof(msg)))
		return reject(cfg, "%s", msg);
	return 0;
}

static int check_affinity(cfg_t *cfg, cfg_opt_t *opt)
{
	char msg[CONFIG_ERR_MAX];
	bool on;

	if (value_affinity(last_value(opt), &on, msg, sizeof(msg)))
		return reject(cfg, "%s", msg);
	return 0;
}

static int check_number(cfg_t *cfg, cfg_opt_t *opt)
{
	char msg[CONFIG_ERR_MAX];
	unsigned n;

	if (value_number(opt->name, last_value(opt), &n, msg, sizeof(msg)))
		return reject(cfg, "%s", msg);
	return 0;
}

static int check_duration(cfg_t *cfg, cfg_opt_t *opt)
{
	char msg[CONFIG_ERR_MAX];
	unsigned ms;

	if (value_duration(opt->name, last_value(opt), &ms, msg, sizeof(msg)))
		return reject(cfg, "%s", msg);
	return 0;
}

static int check_path(cfg_t *cfg, cfg_opt_t *opt)
{
	if (last_value(opt)[0] == '\0')
		return reject(cfg, "%s must not be empty", opt->name);
	return 0;
}

static int check_root(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = last_value(opt);
	struct stat st;
	char *path;
	int rc = 0;

	if (s[0] == '\0')
		return reject(cfg, "root must not be empty");
	if ((path = root_resolve(loading->dir, s)) == NULL)
		return reject(cfg, "%s", strerror(errno));
	if (stat(path, &st) == -1)
		rc = reject(cfg, "root \"%s\": %s", path, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		rc = reject(cfg, "root \"%s\": %s", path, strerror(ENOTDIR));
	free(path);
	return rc;
}

static int check_cidr(cfg_t *cfg, cfg_opt_t *opt)
{
	struct cidr c;

	if (cidr_parse(last_value(opt), &c) == -1)
		return reject(cfg, "%s: \"%s\" is not an address or address/prefix",
			      opt->name, last_value(opt));
	return 0;
}

static int check_uri_path(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = last_value(opt);

	if (s[0] != '\0' && (s[0] != '/' || strpbrk(s, "?# \t") != NULL))
		return reject(cfg, "%s must be a path starting with /, not \"%s\"",
			      opt->name, s);
	return 0;
}

/* A URI path for a directive to name: '/' first, no query or fragment. */
static bool uri_path_ok(const char *s)
{
	if (s[0] != '/' || strlen(s) >= 1024)
		return false;
	for (; *s != '\0'; s++)
		if (*s == '?' || *s == '#' || *s == ' ' ||
		    iscntrl((unsigned char)*s))
			return false;
	return true;
}

int config_parse_error_page(const char *text, bool codes[ERROR_PAGE_COUNT],
			    const char **uri, char *msg, size_t len)
{
	const char *eq = strchr(text, '='), *s = text;
	size_t n = 0;

	memset(codes, 0, ERROR_PAGE_COUNT * sizeof(*codes));
	if (eq == NULL) {
		snprintf(msg, len, "error_page \"%s\" must be \"CODES=/path\"",
			 text);
		return -1;
	}
	while (s < eq) {
		unsigned long long code;
		if (*s == ' ') {
			s++;
			continue;
		}
		if (parse_digits(&s, 999, &code) == -1 ||
		    (*s != ' ' && *s != '=') || code < ERROR_PAGE_FIRST ||
		    code >= ERROR_PAGE_FIRST + ERROR_PAGE_COUNT) {
			snprintf(msg, len, "error_page \"%s\": statuses must be "
				 "numbers from 400 to 599", text);
			return -1;
		}
		codes[code - ERROR_PAGE_FIRST] = true;
		n++;
	}
	if (n == 0) {
		snprintf(msg, len, "error_page \"%s\" names no status", text);
		return -1;
	}
	if (!uri_path_ok(eq + 1)) {
		snprintf(msg, len, "error_page \"%s\": the page must be a path "
			 "starting with /", text);
		return -1;
	}
	*uri = eq + 1;
	return 0;
}

static int check_error_page(cfg_t *cfg, cfg_opt_t *opt)
{
	bool codes[ERROR_PAGE_COUNT];
	char msg[CONFIG_ERR_MAX];
	const char *uri;

	if (config_parse_error_page(last_value(opt), codes, &uri, msg,
				    sizeof(msg)) == -1)
		return reject(cfg, "%s", msg);
	return 0;
}

int config_parse_expires(const char *text, long long *seconds)
{
	static const struct {
		const char *suffix;
		long long scale;
	} units[] = {
		{ "", 1 }, { "s", 1 }, { "m", 60 }, { "h", 3600 },
		{ "d", 86400 }, { "w", 7 * 86400 },
	};
	unsigned long long n;

	if (strcmp(text, "off") == 0 || strcmp(text, "epoch") == 0) {
		*seconds = text[0] == 'o' ? EXPIRES_OFF : EXPIRES_EPOCH;
		return 0;
	}
	if (parse_digits(&text, EXPIRES_MAX, &n) == -1)
		return -1;
	for (size_t i = 0; i < nitems(units); i++) {
		if (strcmp(text, units[i].suffix) != 0)
			continue;
		if (n > (unsigned long long)(EXPIRES_MAX / units[i].scale))
			return -1;
		*seconds = (long long)n * units[i].scale;
		return 0;
	}
	return -1;
}

static int check_expires(cfg_t *cfg, cfg_opt_t *opt)
{
	long long secs;

	if (config_parse_expires(last_value(opt), &secs) == -1)
		return reject(cfg, "expires must be off, epoch or a time such as "
			      "3600, 30m, 12h, 30d or 2w (at most 10 years), "
			      "not \"%s\"", last_value(opt));
	return 0;
}

#define TCHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
	       "0123456789!#$%&'*+-.^_`|~"

int config_check_header(const char *text, char *msg, size_t len)
{
	static const char *const framing[] = {
		"Content-Length", "Transfer-Encoding", "Connection",
		"Keep-Alive", "Upgrade", "Trailer", "Content-Range",
		"Content-Type", "Content-Encoding", "Date", "Server",
	};
	size_t nlen = strspn(text, TCHARS);
	const char *v = text + nlen;

	if (nlen == 0 || *v != ':') {
		snprintf(msg, len, "add_header \"%s\" must be \"Name: value\" "
			 "with a header name", text);
		return -1;
	}
	for (size_t i = 0; i < nitems(framing); i++)
		if (strlen(framing[i]) == nlen &&
		    strncasecmp(text, framing[i], nlen) == 0) {
			snprintf(msg, len, "add_header: %s is set by forkd "
				 "itself", framing[i]);
			return -1;
		}
	for (v++; *v == ' ' || *v == '\t'; v++)
		;
	if (*v == '\0') {
		snprintf(msg, len, "add_header \"%s\" has no value", text);
		return -1;
	}
	for (; *v != '\0'; v++)
		if (*v != '\t' && iscntrl((unsigned char)*v)) {
			snprintf(msg, len, "add_header \"%s\": control "
				 "characters are not allowed", text);
			return -1;
		}
	if (strlen(text) + 2 > HEADERS_MAX) {
		snprintf(msg, len, "add_header: longer than %d bytes",
			 HEADERS_MAX);
		return -1;
	}
	return 0;
}

static int check_header(cfg_t *cfg, cfg_opt_t *opt)
{
	char msg[CONFIG_ERR_MAX];

	if (config_check_header(last_value(opt), msg, sizeof(msg)) == -1)
		return reject(cfg, "%s", msg);
	return 0;
}

/* The bytes the add_header lines of sec take in a response head. */
static size_t headers_bytes(cfg_t *sec)
{
	size_t n = 0;

	for (unsigned i = 0; i < cfg_size(sec, "add_header"); i++)
		n += strlen(cfg_getnstr(sec, "add_header", i)) + 2;
	return n;
}

static int check_headers_room(cfg_t *cfg, cfg_t *sec)
{
	if (headers_bytes(sec) > HEADERS_MAX)
		return reject(cfg, "add_header: more than %d bytes of headers",
			      HEADERS_MAX);
	return 0;
}

/* Called at the closing brace of each location section. */
static int check_location(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);
	const char *title = cfg_title(sec);

	if (title == NULL || !uri_path_ok(title))
		return reject(cfg, "location \"%s\" must be a path starting "
			      "with /", title != NULL ? title : "");
	return check_headers_room(cfg, sec);
}

/* "combined", "json", or a custom format of text and $variables. */
static int value_log_format(const char *s, enum access_format *f, char *msg,
			    size_t len)
{
	if (strcmp(s, "combined") == 0)
		*f = ACCESS_COMBINED;
	else if (strcmp(s, "json") == 0)
		*f = ACCESS_JSON;
	else if (strchr(s, '$') != NULL)
		*f = ACCESS_CUSTOM;
	else {
		snprintf(msg, len, "access_log_format must be combined, json, or a "
			 "format with $variables, not \"%s\"", s);
		return -1;
	}
	return *f == ACCESS_CUSTOM ? access_log_check(s, msg, len) : 0;
}

static int check_log_format(cfg_t *cfg, cfg_opt_t *opt)
{
	char msg[CONFIG_ERR_MAX];
	enum access_format f;

	if (value_log_format(last_value(opt), &f, msg, sizeof(msg)) == -1)
		return reject(cfg, "%s", msg);
	return 0;
}

/* A size: "4096", "16k", "1m"; from 512 bytes to 16m. */
static int value_size(const char *name, const char *s, size_t *out, char *msg,
		      size_t len)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	unsigned long long unit = *end == 'k' ? 1024 : *end == 'm' ? 1 << 20 : 1;

	if (end == s || *s < '0' || *s > '9' || (unit > 1 && end[1] != '\0') ||
	    (unit == 1 && *end != '\0') || v * unit < 512 || v * unit > (16u << 20)) {
		snprintf(msg, len, "%s must be a size from 512 to 16m (such as 64k), "
			 "not \"%s\"", name, s);
		return -1;
	}
	*out = (size_t)(v * unit);
	return 0;
}

static int check_size(cfg_t *cfg, cfg_opt_t *opt)
{
	char msg[CONFIG_ERR_MAX];
	size_t n;

	if (value_size(opt->name, last_value(opt), &n, msg, sizeof(msg)) == -1)
		return reject(cfg, "%s", msg);
	return 0;
}

/* n as written in the file: "512", "8k", "1g". */
static const char *bytes_text(unsigned n, char *out, size_t len)
{
	static const char units[] = "\0kmg";
	int u = 0;

	while (u < 3 && n >= 1024 && n % 1024 == 0) {
		n /= 1024;
		u++;
	}
	snprintf(out, len, "%u%.1s", n, units + u);
	return out;
}

/*
 * A byte count with an optional k, m or g (powers of 1024), within the
 * option's limits[] entry.
 */
static int value_bytes(const char *name, const char *s, unsigned *out,
		       char *msg, size_t len)
{
	static const char units[] = "kmg";
	const struct limit *l = limit_of(name);
	const char *p = s;
	unsigned long long n;

	if (parse_digits(&p, l->max, &n) == 0) {
		const char *u = *p != '\0' ? strchr(units, *p) : NULL;
		if (u != NULL && p[1] == '\0')
			n <<= 10 * (u - units + 1);
		if ((u != NULL || *p == '\0') && n >= l->min && n <= l->max) {
			*out = (unsigned)n;
			return 0;
		}
	}
	char lo[16], hi[16];
	snprintf(msg, len, "%s must be a size from %s to %s (such as 64k or "
		 "1m), not \"%s\"", name, bytes_text(l->min, lo, sizeof(lo)),
		 bytes_text(l->max, hi, sizeof(hi)), s);
	return -1;
}

static int check_bytes(cfg_t *cfg, cfg_opt_t *opt)
{
	char msg[CONFIG_ERR_MAX];
	unsigned n;

	if (value_bytes(opt->name, last_value(opt), &n, msg, sizeof(msg)))
		return reject(cfg, "%s", msg);
	return 0;
}

static int check_real_ip_header(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = last_value(opt);

	if (s[0] != '\0' && strcasecmp(s, "X-Forwarded-For") != 0 &&
	    strcasecmp(s, "Forwarded") != 0)
		return reject(cfg, "real_ip_header must be X-Forwarded-For or "
			      "Forwarded, not \"%s\"", s);
	return 0;
}

static int check_index(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = last_value(opt);

	if (s[0] == '\0' || strchr(s, '/') != NULL || strcmp(s, ".") == 0 ||
	    strcmp(s, "..") == 0)
		return reject(cfg, "index entries must be file names, not \"%s\"",
			      s);
	return 0;
}

/* Does any listen value of opt, but skip, have the address of ss? */
static const char *listen_find(cfg_opt_t *opt, unsigned skip,
			       const struct sockaddr_storage *ss)
{
	struct sockaddr_storage other;
	socklen_t len;

	for (unsigned i = 0; i < cfg_opt_size(opt); i++) {
		const char *s = cfg_opt_getnstr(opt, i);

		if (i != skip && config_parse_listen(s, &other, &len, NULL, 0) == 0 &&
		    listen_same(ss, &other))
			return s;
	}
	return NULL;
}

/*
 * The text of an earlier listen with the same address in this section;
 * NULL when there is none.  Works on the values parsed so far, so a
 * repeated `listen =` (which replaces) is handled too.
 */
static const char *listen_duplicate(cfg_opt_t *opt,
				    const struct sockaddr_storage *ss)
{
	return listen_find(opt, cfg_opt_size(opt) - 1, ss);
}

static int check_listen(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = last_value(opt);
	struct sockaddr_storage ss;
	char msg[CONFIG_ERR_MAX];
	const char *dup;
	socklen_t len;

	if (config_parse_listen(s, &ss, &len, msg, sizeof(msg)) == -1)
		return reject(cfg, "listen \"%s\": %s", s, msg);
	if ((dup = listen_duplicate(opt, &ss)) == NULL)
		return 0;
	if (strcmp(dup, s) == 0)
		return reject(cfg, "listen \"%s\": duplicate address", s);
	return reject(cfg, "listen \"%s\": same address as \"%s\"", s, dup);
}

/* follow | owner | off, as enum file_symlinks; -1 for anything else. */
static int value_symlinks(const char *s)
{
	if (strcmp(s, "follow") == 0)
		return SYMLINKS_FOLLOW;
	if (strcmp(s, "owner") == 0)
		return SYMLINKS_OWNER;
	if (strcmp(s, "off") == 0)
		return SYMLINKS_OFF;
	return -1;
}

static int check_symlinks(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = last_value(opt);

	if (value_symlinks(s) == -1)
		return reject(cfg, "symlinks must be follow, owner or off, not "
			      "\"%s\"", s);
	return 0;
}

/* A charset name (RFC 9110 token, at most 40 bytes), or "" / "off". */
static int check_charset(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = last_value(opt);
	size_t len = strlen(s);

	if (len > 40 || strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			      "0123456789!#$%&'*+-.^_`|~") != len)
		return reject(cfg, "charset \"%s\" is not a charset name", s);
	return 0;
}

static int check_dotfiles(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = last_value(opt);

	if (strcmp(s, "deny") != 0 && strcmp(s, "allow") != 0)
		return reject(cfg, "dotfiles must be deny or allow, not \"%s\"", s);
	return 0;
}

/* A host name, or "*." and one: letters, digits, '-', '_', '.' */
static int check_server_name(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s = last_value(opt);
	const char *name = strncmp(s, "*.", 2) == 0 ? s + 2 : s;
	size_t len = strlen(name);

	if (len == 0 || len > 253 || name[0] == '.' || strstr(name, "..") ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789-_.") != len)
		return reject(cfg, "server_name \"%s\" is not a host name or "
			      "\"*.\" and one", s);
	return 0;
}

/*
 * Servers may share an address (virtual hosts) when Host can tell them
 * apart: a later one needs a server_name (or must be the default), and
 * only one may be the default.
 */
static int check_shared_listen(cfg_t *cfg, cfg_t *sec)
{
	cfg_t *root = loading->root;
	cfg_opt_t *mine = cfg_getopt(sec, "listen");
	bool named = cfg_size(sec, "server_name") > 0;
	bool dflt = cfg_getbool(sec, "default_server");

	for (unsigned i = 0; i < cfg_size(root, "server"); i++) {
		cfg_t *other = cfg_getnsec(root, "server", i);
		if (other == sec)
			break;
		for (unsigned a = 0; a < cfg_opt_size(mine); a++) {
			const char *s = cfg_opt_getnstr(mine, a), *dup;
			struct sockaddr_storage ss;
			socklen_t len;
			if (config_parse_listen(s, &ss, &len, NULL, 0) == -1 ||
			    (dup = listen_find(cfg_getopt(other, "listen"), -1u,
					       &ss)) == NULL)
				continue;
			if (!named && !dflt)
				return reject(cfg, "listen \"%s\": same address as "
					      "\"%s\" of an earlier server; "
					      "give this one a server_name", s, dup);
			if (dflt && cfg_getbool(other, "default_server"))
				return reject(cfg, "listen \"%s\": an earlier "
					      "server is default_server for "
					      "\"%s\" already", s, dup);
		}
	}
	return 0;
}

/* Called at the closing brace of each server section. */
static int check_server(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);

	if (cfg_size(sec, "listen") == 0)
		return reject(cfg, "server section needs a listen directive");
	if (cfg_getstr(sec, "root") == NULL)
		return reject(cfg, "server section needs a root directive");
	if (check_headers_room(cfg, sec) == -1)
		return -1;
	return check_shared_listen(cfg, sec);
}

static const struct check {
	const char *name;
	cfg_validate_callback_t fn;
} checks[] = {
	{ "worker_processes", check_workers },
	{ "accept_mode", check_accept_mode },
	{ "pid_file", check_path },
	{ "error_log", check_path },
	{ "error_log_level", check_level },
	{ "shutdown_timeout", check_duration },
	{ "worker_connections", check_number },
	{ "max_generations", check_number },
	{ "worker_watchdog", check_duration },
	{ "worker_rlimit_nofile", check_number },
	{ "worker_cpu_affinity", check_affinity },
	{ "max_requests_per_worker", check_number },
	{ "drain_delay", check_duration },
	{ "server|status_path", check_uri_path },
	{ "server|health_path", check_uri_path },
	{ "server|status_allow", check_cidr },
	{ "server|real_ip_header", check_real_ip_header },
	{ "server|set_real_ip_from", check_cidr },
	{ "server|access_log_format", check_log_format },
	{ "server|access_log_buffer", check_size },
	{ "server", check_server },
	{ "server|listen", check_listen },
	{ "server|server_name", check_server_name },
	{ "server|dotfiles", check_dotfiles },
	{ "server|symlinks", check_symlinks },
	{ "server|charset", check_charset },
	{ "server|fallback", check_uri_path },
	{ "server|error_page", check_error_page },
	{ "server|expires", check_expires },
	{ "server|add_header", check_header },
	{ "server|location", check_location },
	{ "server|location|expires", check_expires },
	{ "server|location|add_header", check_header },
	{ "server|root", check_root },
	{ "server|index", check_index },
	{ "server|access_log", check_path },
	{ "server|keepalive_timeout", check_duration },
	{ "server|keepalive_requests", check_number },
	{ "server|client_header_timeout", check_duration },
	{ "server|send_timeout", check_duration },
	{ "server|client_body_timeout", check_duration },
	{ "server|client_max_body_size", check_bytes },
	{ "server|client_header_buffer_size", check_bytes },
};

/* ------------------------------------------------------- the file */

/*
 * The whole file, NUL-terminated, or NULL with errno set.  Read here rather
 * than by libconfuse so that "FILE: reason" has the real errno, and so that
 * a directory is refused before its flex scanner would exit() on it.
 */
static char *conf_read(const char *path, size_t *lenp)
{
	FILE *fp;
	struct stat st;
	char *buf = NULL;
	size_t len = 0, n;
	int saved;

	if ((fp = fopen(path, "re")) == NULL)
		return NULL;
	if (fstat(fileno(fp), &st) == -1)
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	if ((buf = malloc(CONF_SIZE_MAX + 1)) == NULL)
		goto fail;
	while ((n = fread(buf + len, 1, CONF_SIZE_MAX + 1 - len, fp)) > 0)
		len += n;
	if (ferror(fp))
		goto fail;
	if (len > CONF_SIZE_MAX) {
		errno = EFBIG;
		goto fail;
	}
	buf[len] = '\0';
	fclose(fp);
	*lenp = len;
	return buf;
fail:
	saved = errno;
	free(buf);
	fclose(fp);
	errno = saved;
	return NULL;
}

/*
 * Before libconfuse sees the text, blank out comments (keeping every
 * newline) and find what would be left open at the end: libconfuse 3.3 adds
 * two to its line count for each comment, rejects a comment inside a list,
 * and takes a server section that is never closed as complete.  Quoting
 * follows its lexer: "..." and '...' with backslash escapes; '#' ends a bare
 * word and starts a comment, "//" and "/" "*" start one only where a token
 * could.
 */
enum scan_state {
	SCAN_GAP,
	SCAN_WORD,
	SCAN_DQUOTE,
	SCAN_SQUOTE,
	SCAN_LINE_NOTE,
	SCAN_BLOCK_NOTE,
};

struct scan {
	enum scan_state st;
	int line;
	int open_line;  /* where the current string or comment started */
	int depth;      /* of braces */
	int brace_line; /* where the outermost open '{' is */
};

/* Between or in bare words; returns the characters consumed. */
static size_t scan_bare(struct scan *sc, char *s)
{
	if (*s == '#' || (sc->st == SCAN_GAP && s[0] == '/' &&
			  (s[1] == '/' || s[1] == '*'))) {
		sc->open_line = sc->line;
		sc->st = *s == '#' || s[1] == '/' ? SCAN_LINE_NOTE : SCAN_BLOCK_NOTE;
		s[0] = ' ';
		if (sc->st == SCAN_LINE_NOTE)
			return 1;
		s[1] = ' ';
		return 2;
	}
	if (*s == '{' && sc->depth++ == 0)
		sc->brace_line = sc->line;
	else if (*s == '}' && sc->depth > 0)
		sc->depth--;
	if (*s == '"' || *s == '\'') {
		sc->st = *s == '"' ? SCAN_DQUOTE : SCAN_SQUOTE;
		sc->open_line = sc->line;
	} else if (strchr(" \t\r\n={}()+,", *s) != NULL)
		sc->st = SCAN_GAP;
	else
		sc->st = SCAN_WORD;
	return 1;
}

static size_t scan_quoted(struct scan *sc, const char *s)
{
	if (s[0] == '\\' && s[1] != '\0' && s[1] != '\n')
		return 2;
	if (*s == (sc->st == SCAN_DQUOTE ? '"' : '\''))
		sc->st = SCAN_GAP;
	return 1;
}

static size_t scan_note(struct scan *sc, char *s)
{
	if (sc->st == SCAN_BLOCK_NOTE && s[0] == '*' && s[1] == '/') {
		s[0] = s[1] = ' ';
		sc->st = SCAN_GAP;
		return 2;
	}
	if (*s != '\n')
		*s = ' ';
	else if (sc->st == SCAN_LINE_NOTE)
		sc->st = SCAN_GAP;
	return 1;
}

static void conf_scan(char *s, struct scan *sc)
{
	memset(sc, 0, sizeof(*sc));
	sc->line = 1;
	while (*s != '\0') {
		if (*s == '\n')
			sc->line++;
		switch (sc->st) {
		case SCAN_GAP:
		case SCAN_WORD:
			s += scan_bare(sc, s);
			break;
		case SCAN_DQUOTE:
		case SCAN_SQUOTE:
			s += scan_quoted(sc, s);
			break;
		case SCAN_LINE_NOTE:
		case SCAN_BLOCK_NOTE:
			s += scan_note(sc, s);
			break;
		}
	}
}

/*
 * A string or comment still open at the end swallowed the rest of the file:
 * that is the error to report, not what libconfuse would make of it.
 */
static int conf_scan_error(const struct scan *sc)
{
	if (sc->st == SCAN_BLOCK_NOTE)
		loader_error(sc->open_line, "comment is not closed with */");
	else if (sc->st == SCAN_DQUOTE)
		loader_error(sc->open_line, "string is not closed with \"");
	else if (sc->st == SCAN_SQUOTE)
		loader_error(sc->open_line, "string is not closed with '");
	else
		return 0;
	return -1;
}

/* The file's text, comments blanked, ready for libconfuse; NULL on error. */
static char *conf_text(struct loader *ld)
{
	struct scan sc;
	char *text, *nul;
	size_t len;

	if ((text = conf_read(ld->path, &len)) == NULL) {
		loader_error(0, "%s", strerror(errno));
		return NULL;
	}
	if ((nul = memchr(text, '\0', len)) != NULL) {
		*nul = '\0';
		conf_scan(text, &sc);
		loader_error(sc.line, "NUL byte in the file");
	} else {
		conf_scan(text, &sc);
		if (conf_scan_error(&sc) == 0) {
			ld->brace_line = sc.depth > 0 ? sc.brace_line : 0;
			return text;
		}
	}
	free(text);
	return NULL;
}

/* The absolute directory holding path, for relative paths in the file. */
static char *conf_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir, *abs;

	if (slash == NULL)
		return realpath(".", NULL);
	if (slash == path)
		return strdup("/");
	if ((dir = strndup(path, slash - path)) == NULL)
		return NULL;
	abs = realpath(dir, NULL);
	free(dir);
	return abs;
}

static cfg_t *conf_parse(struct loader *ld, const char *text)
{
	cfg_t *cfg;
	int rc;

	if ((cfg = cfg_init(main_opts, CFGF_NONE)) == NULL) {
		loader_error(0, "%s", strerror(errno));
		return NULL;
	}
	cfg_set_error_function(cfg, confuse_error);
	for (size_t i = 0; i < nitems(checks); i++)
		cfg_set_validate_func(cfg, checks[i].name, checks[i].fn);
	ld->root = cfg;
	rc = cfg_parse_buf(cfg, text);
	ld->root = NULL;
	if (rc == CFG_SUCCESS)
		return cfg;
	loader_error(0, "cannot be parsed");
	cfg_free(cfg);
	return NULL;
}

/* ------------------------------------------------------------ copy */

static int copy_fail(const char *msg)
{
	loader_error(0, "%s", msg != NULL ? msg : strerror(errno));
	return -1;
}

static char *copy_str(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		copy_fail(NULL);
	return p;
}

static char *copy_path(const char *s)
{
	char *p = path_resolve(loading->dir, s);

	if (p == NULL)
		copy_fail(NULL);
	return p;
}

static int copy_listen(struct server_conf *sc, cfg_t *sec)
{
	unsigned n = cfg_size(sec, "listen");
	char msg[CONFIG_ERR_MAX];

	if ((sc->listen = calloc(n, sizeof(*sc->listen))) == NULL)
		return copy_fail(NULL);
	while (sc->nlisten < n) {
		struct listen_conf *l = &sc->listen[sc->nlisten];
		const char *s = cfg_getnstr(sec, "listen", sc->nlisten);

		if ((l->text = copy_str(s)) == NULL)
			return -1;
		sc->nlisten++;
		if (config_parse_listen(s, &l->addr, &l->addrlen, msg,
					sizeof(msg)) == -1)
			return copy_fail(msg);
	}
	return 0;
}

static int copy_index(struct server_conf *sc, cfg_t *sec)
{
	unsigned n = cfg_size(sec, "index");

	if (n > 0 && (sc->index = calloc(n, sizeof(*sc->index))) == NULL)
		return copy_fail(NULL);
	for (; sc->nindex < n; sc->nindex++) {
		sc->index[sc->nindex] = copy_str(cfg_getnstr(sec, "index",
							     sc->nindex));
		if (sc->index[sc->nindex] == NULL)
			return -1;
	}
	return 0;
}

static int copy_list(cfg_t *sec, const char *name, char ***out, size_t *n)
{
	unsigned k = cfg_size(sec, name);

	*n = 0;
	if (k > 0 && (*out = calloc(k, sizeof(**out))) == NULL)
		return copy_fail(NULL);
	for (; *n < k; (*n)++)
		if (((*out)[*n] = copy_str(cfg_getnstr(sec, name,
						       (unsigned)*n))) == NULL)
			return -1;
	return 0;
}

static int copy_durations(struct server_conf *sc, cfg_t *sec)
{
	const struct {
		const char *name;
		unsigned *ms;
	} d[] = {
		{ "keepalive_timeout", &sc->keepalive_timeout },
		{ "client_header_timeout", &sc->client_header_timeout },
		{ "send_timeout", &sc->send_timeout },
		{ "client_body_timeout", &sc->client_body_timeout },
	};
	char msg[CONFIG_ERR_MAX];

	for (size_t i = 0; i < nitems(d); i++)
		if (value_duration(d[i].name, cfg_getstr(sec, d[i].name),
				   d[i].ms, msg, sizeof(msg)) == -1)
			return copy_fail(msg);
	return 0;
}

/* Later entries win for a status named twice. */
static int copy_error_pages(struct server_conf *sc, cfg_t *sec)
{
	char msg[CONFIG_ERR_MAX];

	for (unsigned i = 0; i < cfg_size(sec, "error_page"); i++) {
		bool codes[ERROR_PAGE_COUNT];
		const char *uri;
		if (config_parse_error_page(cfg_getnstr(sec, "error_page", i),
					    codes, &uri, msg, sizeof(msg)) == -1)
			return copy_fail(msg);
		for (size_t k = 0; k < ERROR_PAGE_COUNT; k++) {
			if (!codes[k])
				continue;
			free(sc->error_page[k]);
			if ((sc->error_page[k] = copy_str(uri)) == NULL)
				return -1;
		}
	}
	return 0;
}

/*
 * expires and add_header of sec into loc; where sec (a location) sets
 * neither, the value of dflt (the server's) is copied instead.
 */
static int copy_location(struct location_conf *loc, cfg_t *sec,
			 const struct location_conf *dflt)
{
	cfg_opt_t *exp = cfg_getopt(sec, "expires");
	cfg_opt_t *hdr = cfg_getopt(sec, "add_header");

	if (dflt != NULL && !(exp->flags & CFGF_MODIFIED))
		loc->expires = dflt->expires;
	else if (config_parse_expires(cfg_opt_getnstr(exp, 0),
				      &loc->expires) == -1)
		return copy_fail("bad expires");
	if (dflt != NULL && !(hdr->flags & CFGF_MODIFIED)) {
		if (dflt->headers != NULL &&
		    (loc->headers = copy_str(dflt->headers)) == NULL)
			return -1;
		loc->headers_len = dflt->headers_len;
		return 0;
	}
	size_t n = headers_bytes(sec);
	if (n == 0)
		return 0;
	if ((loc->headers = malloc(n + 1)) == NULL)
		return copy_fail(NULL);
	for (unsigned i = 0; i < cfg_opt_size(hdr); i++) {
		const char *h = cfg_opt_getnstr(hdr, i);
		size_t len = strlen(h);
		memcpy(loc->headers + loc->headers_len, h, len);
		memcpy(loc->headers + loc->headers_len + len, "\r\n", 2);
		loc->headers_len += len + 2;
	}
	loc->headers[loc->headers_len] = '\0';
	return 0;
}

static int copy_locations(struct server_conf *sc, cfg_t *sec)
{
	unsigned n = cfg_size(sec, "location");

	if (copy_location(&sc->defaults, sec, NULL) == -1)
		return -1;
	if (n > 0 && (sc->locations = calloc(n, sizeof(*sc->locations))) ==
	    NULL)
		return copy_fail(NULL);
	for (; sc->nlocations < n; sc->nlocations++) {
		cfg_t *ls = cfg_getnsec(sec, "location", (unsigned)sc->nlocations);
		struct location_conf *loc = &sc->locations[sc->nlocations];
		if ((loc->prefix = copy_str(cfg_title(ls))) == NULL)
			return -1;
		loc->prefix_len = strlen(loc->prefix);
		if (copy_location(loc, ls, &sc->defaults) == -1)
			return -1;
	}
	return 0;
}

const struct location_conf *config_location(const struct server_conf *sc,
					    const char *path)
{
	const struct location_conf *best = &sc->defaults;
	size_t best_len = 0;

	for (size_t i = 0; i < sc->nlocations; i++) {
		const struct location_conf *l = &sc->locations[i];
		if (l->prefix_len > best_len &&
		    strncmp(path, l->prefix, l->prefix_len) == 0) {
			best = l;
			best_len = l->prefix_len;
		}
	}
	return best;
}

static int copy_cidrs(cfg_t *sec, const char *name, struct cidr **out,
		      size_t *n)
{
	unsigned k = cfg_size(sec, name);

	*n = 0;
	if (k == 0)
		return 0;
	if ((*out = calloc(k, sizeof(**out))) == NULL)
		return copy_fail(NULL);
	for (unsigned i = 0; i < k; i++)
		if (cidr_parse(cfg_getnstr(sec, name, i), &(*out)[i]) == -1)
			return copy_fail("bad address block");
	*n = k;
	return 0;
}

/* Status and health endpoints, PROXY protocol, real client addresses. */
static int copy_balancer(struct server_conf *sc, cfg_t *sec)
{
	const char *status = cfg_getstr(sec, "status_path");
	const char *health = cfg_getstr(sec, "health_path");
	const char *rip = cfg_getstr(sec, "real_ip_header");

	if ((status[0] != '\0' && (sc->status_path = copy_str(status)) == NULL) ||
	    (health[0] != '\0' && (sc->health_path = copy_str(health)) == NULL))
		return -1;
	sc->proxy_protocol = cfg_getbool(sec, "proxy_protocol");
	const char *fmt = cfg_getstr(sec, "access_log_format");
	char msg[CONFIG_ERR_MAX];
	enum access_format af;
	if (value_log_format(fmt, &af, msg, sizeof(msg)) == -1 ||
	    value_size("access_log_buffer", cfg_getstr(sec, "access_log_buffer"),
		       &sc->access_log_buffer, msg, sizeof(msg)) == -1)
		return copy_fail(msg);
	sc->access_format = (int)af;
	if (af == ACCESS_CUSTOM &&
	    (sc->access_log_custom = copy_str(fmt)) == NULL)
		return -1;
	sc->real_ip = rip[0] == '\0' ? REAL_IP_OFF :
		      strcasecmp(rip, "Forwarded") == 0 ? REAL_IP_FORWARDED :
							 REAL_IP_XFF;
	if (copy_cidrs(sec, "status_allow", &sc->status_allow,
		       &sc->nstatus_allow) == -1 ||
	    copy_cidrs(sec, "set_real_ip_from", &sc->real_ip_from,
		       &sc->nreal_ip_from) == -1)
		return -1;
	return 0;
}

static int copy_server(struct server_conf *sc, cfg_t *sec)
{
	const char *log = cfg_getstr(sec, "access_log");
	char msg[CONFIG_ERR_MAX];

	if (copy_listen(sc, sec) == -1 || copy_index(sc, sec) == -1 ||
	    copy_durations(sc, sec) == -1 ||
	    copy_list(sec, "server_name", &sc->server_names,
		      &sc->nserver_names) == -1)
		return -1;
	sc->default_server = cfg_getbool(sec, "default_server");
	sc->dotfiles = strcmp(cfg_getstr(sec, "dotfiles"), "allow") == 0;
	sc->symlinks = value_symlinks(cfg_getstr(sec, "symlinks"));
	sc->precompressed = cfg_getbool(sec, "precompressed");
	sc->autoindex = cfg_getbool(sec, "autoindex");
	const char *fb = cfg_getstr(sec, "fallback");
	if (fb[0] != '\0' && (sc->fallback = copy_str(fb)) == NULL)
		return -1;
	if (copy_error_pages(sc, sec) == -1 || copy_locations(sc, sec) == -1)
		return -1;
	const char *cs = cfg_getstr(sec, "charset");
	if (cs[0] != '\0' && strcmp(cs, "off") != 0 &&
	    (sc->charset = copy_str(cs)) == NULL)
		return -1;
	if ((sc->root = root_resolve(loading->dir, cfg_getstr(sec, "root"))) ==
	    NULL)
		return copy_fail(NULL);
	if (strcmp(log, "off") != 0 && (sc->access_log = copy_path(log)) == NULL)
		return -1;
	if (value_number("keepalive_requests",
			 cfg_getstr(sec, "keepalive_requests"),
			 &sc->keepalive_requests, msg, sizeof(msg)) == -1 ||
	    value_bytes("client_max_body_size",
			cfg_getstr(sec, "client_max_body_size"),
			&sc->client_max_body_size, msg, sizeof(msg)) == -1 ||
	    value_bytes("client_header_buffer_size",
			cfg_getstr(sec, "client_header_buffer_size"),
			&sc->client_header_buffer_size, msg, sizeof(msg)) == -1)
		return copy_fail(msg);
	return copy_balancer(sc, sec);
}

static int copy_values(struct config *cf, cfg_t *root)
{
	char msg[CONFIG_ERR_MAX];

	if (value_workers(cfg_getstr(root, "worker_processes"),
			  &cf->worker_processes, &cf->workers_auto, msg,
			  sizeof(msg)) == -1 ||
	    value_accept_mode(cfg_getstr(root, "accept_mode"),
			      &cf->accept_mode, msg, sizeof(msg)) == -1 ||
	    value_level(cfg_getstr(root, "error_log_level"),
			&cf->error_log_level, msg, sizeof(msg)) == -1 ||
	    value_duration("shutdown_timeout",
			   cfg_getstr(root, "shutdown_timeout"),
			   &cf->shutdown_timeout, msg, sizeof(msg)) == -1 ||
	    value_number("worker_connections",
			 cfg_getstr(root, "worker_connections"),
			 &cf->worker_connections, msg, sizeof(msg)) == -1 ||
	    value_duration("drain_delay", cfg_getstr(root, "drain_delay"),
			   &cf->drain_delay, msg, sizeof(msg)) == -1 ||
	    value_number("max_generations", cfg_getstr(root, "max_generations"),
			 &cf->max_generations, msg, sizeof(msg)) == -1 ||
	    value_duration("worker_watchdog", cfg_getstr(root, "worker_watchdog"),
			   &cf->worker_watchdog, msg, sizeof(msg)) == -1 ||
	    value_number("worker_rlimit_nofile",
			 cfg_getstr(root, "worker_rlimit_nofile"),
			 &cf->worker_rlimit_nofile, msg, sizeof(msg)) == -1 ||
	    value_affinity(cfg_getstr(root, "worker_cpu_affinity"),
			   &cf->worker_cpu_affinity, msg, sizeof(msg)) == -1 ||
	    value_number("max_requests_per_worker",
			 cfg_getstr(root, "max_requests_per_worker"),
			 &cf->max_requests_per_worker, msg, sizeof(msg)) == -1)
		return copy_fail(msg);
	cf->daemon = cfg_getbool(root, "daemon");
	return 0;
}

static int copy_strings(struct config *cf, cfg_t *root)
{
	const char *log = cfg_getstr(root, "error_log");
	const char *user = cfg_getstr(root, "user");
	const char *group = cfg_getstr(root, "group");

	const char *types = cfg_getstr(root, "mime_types");
	if (types[0] != '\0' && strcmp(types, "off") != 0 &&
	    (cf->mime_types = copy_path(types)) == NULL)
		return -1;
	if ((cf->pid_file = copy_path(cfg_getstr(root, "pid_file"))) == NULL)
		return -1;
	if (strcmp(log, "stderr") == 0)
		cf->error_log = copy_str(log);
	else
		cf->error_log = copy_path(log);
	if (cf->error_log == NULL)
		return -1;
	if (user[0] != '\0' && (cf->user = copy_str(user)) == NULL)
		return -1;
	if (group[0] != '\0' && (cf->group = copy_str(group)) == NULL)
		return -1;
	return 0;
}

/* The group of addr, added (empty) when there is none yet. */
static struct listen_group *group_of(struct config *cf,
				     const struct listen_conf *l)
{
	for (size_t g = 0; g < cf->ngroups; g++)
		if (listen_same(&cf->groups[g].addr, &l->addr))
			return &cf->groups[g];
	struct listen_group *g = &cf->groups[cf->ngroups++];
	g->addr = l->addr;
	g->addrlen = l->addrlen;
	g->text = l->text;
	if ((g->servers = calloc(cf->nservers, sizeof(*g->servers))) == NULL)
		return NULL;
	return g;
}

/* Group the servers by address, each group's default server first. */
static int config_group(struct config *cf)
{
	size_t n = 0;

	for (size_t s = 0; s < cf->nservers; s++)
		n += cf->servers[s].nlisten;
	if ((cf->groups = calloc(n, sizeof(*cf->groups))) == NULL)
		return copy_fail(NULL);
	for (size_t s = 0; s < cf->nservers; s++) {
		const struct server_conf *sc = &cf->servers[s];
		for (size_t a = 0; a < sc->nlisten; a++) {
			struct listen_group *g = group_of(cf, &sc->listen[a]);
			if (g == NULL)
				return copy_fail(NULL);
			if (sc->default_server) {
				memmove(g->servers + 1, g->servers,
					g->nservers * sizeof(*g->servers));
				g->servers[0] = (unsigned)s;
			} else {
				g->servers[g->nservers] = (unsigned)s;
			}
			g->nservers++;
		}
	}
	return 0;
}

static struct config *config_copy(cfg_t *root, const char *path)
{
	const char *base = strrchr(path, '/');
	unsigned n = cfg_size(root, "server");
	struct config *cf;

	if ((cf = calloc(1, sizeof(*cf))) == NULL) {
		copy_fail(NULL);
		return NULL;
	}
	if ((cf->path = path_resolve(loading->dir, base ? base + 1 : path)) ==
	    NULL ||
	    (cf->servers = calloc(n, sizeof(*cf->servers))) == NULL) {
		copy_fail(NULL);
		goto fail;
	}
	/* servers[] is zeroed, so config_free() may free all n of them. */
	cf->nservers = n;
	if (copy_values(cf, root) == -1 || copy_strings(cf, root) == -1)
		goto fail;
	for (unsigned i = 0; i < n; i++)
		if (copy_server(&cf->servers[i],
				cfg_getnsec(root, "server", i)) == -1)
			goto fail;
	if (config_group(cf) == -1)
		goto fail;
	return cf;
fail:
	config_free(cf);
	return NULL;
}

bool config_name_match(const char *name, const char *host, size_t len)
{
	size_t nlen = strlen(name);

	if (name[0] == '*' && name[1] == '.')
		return len > nlen - 1 &&
		       strncasecmp(host + len - (nlen - 1), name + 1,
				   nlen - 1) == 0;
	return nlen == len && strncasecmp(host, name, len) == 0;
}

unsigned config_server_select(const struct config *cf,
			      const struct listen_group *g, const char *host,
			      size_t len)
{
	unsigned best = g->servers[0];
	size_t best_len = 0;

	for (size_t i = 0; i < g->nservers && len > 0; i++) {
		const struct server_conf *sc = &cf->servers[g->servers[i]];
		for (size_t k = 0; k < sc->nserver_names; k++) {
			const char *name = sc->server_names[k];
			if (!config_name_match(name, host, len))
				continue;
			if (name[0] != '*')
				return g->servers[i]; /* exact: done */
			if (strlen(name) > best_len) {
				best = g->servers[i];
				best_len = strlen(name);
			}
		}
	}
	return best;
}

/* ------------------------------------------------------- interface */

struct config *config_load(const char *path, char *err, size_t errlen)
{
	struct loader ld = { .path = path, .err = err, .errlen = errlen };
	struct config *cf = NULL;
	char *text;
	cfg_t *root;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	loading = &ld;
	if ((text = conf_text(&ld)) == NULL)
		goto done;
	if ((ld.dir = conf_dir(path)) == NULL) {
		loader_error(0, "%s", strerror(errno));
		goto done;
	}
	if ((root = conf_parse(&ld, text)) == NULL)
		goto done;
	/*
	 * After the parse: a list left open fails it with a better line, and
	 * an open section that is incomplete too gets its own message.
	 */
	if (ld.brace_line != 0)
		loader_error(ld.brace_line, "'{' is not closed with '}'");
	else if (cfg_size(root, "server") == 0)
		loader_error(0, "no server section; at least one is required");
	else
		cf = config_copy(root, path);
	/*
	 * The master reads the types once; workers inherit them by fork().
	 * A missing or unreadable file leaves the built-in table alone.
	 */
	if (cf != NULL && (cf->mime_types == NULL ||
			   mime_load(cf->mime_types) == -1))
		mime_set_types(NULL, 0);
	cfg_free(root);
done:
	free(ld.dir);
	free(text);
	loading = NULL;
	return cf;
}

static void server_free(struct server_conf *sc)
{
	for (size_t i = 0; i < sc->nlisten; i++)
		free(sc->listen[i].text);
	free(sc->listen);
	for (size_t i = 0; i < sc->nserver_names; i++)
		free(sc->server_names[i]);
	free(sc->server_names);
	for (size_t i = 0; i < sc->nindex; i++)
		free(sc->index[i]);
	free(sc->index);
	free(sc->root);
	free(sc->charset);
	free(sc->fallback);
	for (size_t i = 0; i < ERROR_PAGE_COUNT; i++)
		free(sc->error_page[i]);
	free(sc->defaults.headers);
	for (size_t i = 0; i < sc->nlocations; i++) {
		free(sc->locations[i].prefix);
		free(sc->locations[i].headers);
	}
	free(sc->locations);
	free(sc->access_log);
	free(sc->access_log_custom);
	free(sc->status_path);
	free(sc->health_path);
	free(sc->status_allow);
	free(sc->real_ip_from);
}

void config_free(struct config *cf)
{
	if (cf == NULL)
		return;
	for (size_t i = 0; i < cf->nservers; i++)
		server_free(&cf->servers[i]);
	free(cf->servers);
	for (size_t g = 0; g < cf->ngroups; g++)
		free(cf->groups[g].servers);
	free(cf->groups);
	free(cf->path);
	free(cf->pid_file);
	free(cf->mime_types);
	free(cf->error_log);
	free(cf->user);
	free(cf->group);
	free(cf);
}
