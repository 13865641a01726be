/*
 * confschema.c — every option of forkd.conf, one row each, and the kinds
 * of option: how a value is checked while libconfuse parses (so errors
 * have their line) and how it is stored once the whole file is good.
 *
 * Every option except the five booleans is a libconfuse string: bare
 * words and numbers both lex as strings, so `worker_processes = auto` and
 * `= 4` read alike, and numbers are parsed by confval.c, in decimal, with
 * our own messages.  A scalar kind has one parse function that both its
 * check and its store run, so what is accepted is what is stored.
 */
#include <sys/stat.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <confuse.h>

#include "cidr.h"
#include "config.h"
#include "confloc.h"
#include "conflisten.h"
#include "confschema.h"
#include "confsect.h"
#include "confval.h"
#include "cpus.h"
#include "etag.h"
#include "file.h"
#include "log.h"
#include "mime.h"
#include "route.h"
#include "path.h"
#include "platform.h"
#include "redirect.h"
#include "redirmap.h"
#include "tryfiles.h"

#define WORKERS_MAX 512
#define CONNECTIONS_MAX 1000000
#define REQUESTS_MAX 1000000000

_Static_assert(sizeof(enum accept_mode) == sizeof(int) &&
		       sizeof(enum aio_mode) == sizeof(int) &&
		       sizeof(enum log_level) == sizeof(int) &&
		       sizeof(enum real_ip) == sizeof(int),
	       "word kinds store an int");

/* ------------------------------------------------------ scalar kinds */

/*
 * A scalar kind is one parse function: text to the value at out, or -1
 * with a message.  check_parsed() runs it on a scratch value while the
 * file is parsed, confschema_store_parsed() into the destination afterwards.
 */

static int parse_number(const struct option *o, const char *s, void *out,
			char *msg, size_t len)
{
	return confval_number(option_name(o), s, o->min, o->max, out, msg, len);
}

static int parse_duration(const struct option *o, const char *s, void *out,
			  char *msg, size_t len)
{
	return confval_duration(option_name(o), s, o->min, out, msg, len);
}

static int parse_bytes(const struct option *o, const char *s, void *out,
		       char *msg, size_t len)
{
	return confval_bytes(option_name(o), s, o->min, o->max, out, msg, len);
}

static int parse_size(const struct option *o, const char *s, void *out,
		      char *msg, size_t len)
{
	return confval_size(option_name(o), s, o->min, o->max, out, msg, len);
}

static int parse_workers(const struct option *o, const char *s, void *out,
			 char *msg, size_t len)
{
	unsigned cpus = strcmp(s, "auto") == 0 ? cpus_usable() : 0;

	return confval_workers(s, cpus, o->max, out, msg, len);
}

static int parse_level(const struct option *o, const char *s, void *out,
		       char *msg, size_t len)
{
	size_t n;

	if (log_level_parse(s, out) == 0)
		return 0;
	n = (size_t)snprintf(msg, len, "%s must be one of", option_name(o));
	for (unsigned i = 0; i < LOG_LEVELS && n < len; i++)
		n += (size_t)snprintf(msg + n, len - n, " %s,",
				      log_level_name((enum log_level)i));
	if (n < len)
		snprintf(msg + n, len - n, " not \"%s\"", s);
	return -1;
}

static int parse_expires(const struct option *o, const char *s, void *out,
			 char *msg, size_t len)
{
	if (confval_parse_expires(s, out) == 0)
		return 0;
	snprintf(msg, len,
		 "%s must be off, epoch or a time such as 3600, 30m, "
		 "12h, 30d or 2w (at most 10 years), not \"%s\"",
		 option_name(o), s);
	return -1;
}

/* "NAME must be a, b or c, not "s"", the words as the row lists them;
 * "" (not set) is not offered. */
static int words_reject(const struct option *o, const char *s, char *msg,
			size_t len)
{
	const struct word *w = o->words[0].text[0] == '\0' ? o->words + 1
							   : o->words;
	size_t n = (size_t)snprintf(msg, len, "%s must be", option_name(o));

	for (size_t i = 0; w[i].text != NULL && n < len; i++)
		n += (size_t)snprintf(msg + n, len - n, "%s%s",
				      i == 0                  ? " "
				      : w[i + 1].text == NULL ? " or "
							      : ", ",
				      w[i].text);
	if (n < len)
		snprintf(msg + n, len - n, ", not \"%s\"", s);
	return -1;
}

static const struct word *words_find(const struct option *o, const char *s)
{
	for (const struct word *w = o->words; w->text != NULL; w++)
		if (o->nocase ? strcasecmp(s, w->text) == 0
			      : strcmp(s, w->text) == 0)
			return w;
	return NULL;
}

/* One of the row's words, stored as an int (an enum). */
static int parse_enum(const struct option *o, const char *s, void *out,
		      char *msg, size_t len)
{
	const struct word *w = words_find(o, s);

	if (w == NULL)
		return words_reject(o, s, msg, len);
	*(int *)out = w->value;
	return 0;
}

/* One of two words, stored as a bool. */
static int parse_switch(const struct option *o, const char *s, void *out,
			char *msg, size_t len)
{
	const struct word *w = words_find(o, s);

	if (w == NULL)
		return words_reject(o, s, msg, len);
	*(bool *)out = w->value != 0;
	return 0;
}

static int check_parsed(const struct option *o, cfg_opt_t *opt, char *msg,
			size_t len)
{
	union {
		unsigned u;
		size_t z;
		int i;
		bool b;
		long long ll;
	} scratch;

	return o->kind->parse(o, confschema_last_value(opt), &scratch, msg,
			      len);
}

int confschema_store_parsed(const struct option *o, cfg_t *sec, void *base)
{
	char msg[CONFIG_ERR_MAX];

	if (o->kind->parse(o, confschema_str(sec, o),
			   CONF_AT(base, o->dst, void), msg, sizeof(msg)) == -1)
		return config_store_failed(msg);
	return 0;
}

#define SCALAR(p)                                              \
	{                                                      \
		.type = OPT_STR, .check = check_parsed,        \
		.store = confschema_store_parsed, .parse = (p) \
	}
static const struct kind NUMBER = SCALAR(parse_number), /* unsigned, min..max */
	DURATION = SCALAR(parse_duration), /* unsigned ms, at least min */
	BYTES = SCALAR(parse_bytes),       /* unsigned, k/m/g, min..max */
	SIZE = SCALAR(parse_size),         /* size_t, k/m, min..max */
	WORKERS = SCALAR(parse_workers),   /* unsigned, "auto" or 1..max */
	LEVEL = SCALAR(parse_level),       /* enum log_level */
	EXPIRES = SCALAR(parse_expires),   /* long long seconds */
	ENUM = SCALAR(parse_enum),         /* int (an enum), one of words */
	SWITCH = SCALAR(parse_switch);     /* bool, one of two words */

/* ------------------------------------------------------ other kinds */

static int store_bool(const struct option *o, cfg_t *sec, void *base)
{
	*CONF_AT(base, o->dst, bool) = confschema_bool(sec, o);
	return 0;
}

/* Each value passes the row's test. */
static int check_test(const struct option *o, cfg_opt_t *opt, char *msg,
		      size_t len)
{
	return o->test != NULL ? o->test(option_name(o),
					 confschema_last_value(opt), msg, len)
			       : 0;
}

static int check_nonempty(const struct option *o, cfg_opt_t *opt, char *msg,
			  size_t len)
{
	return confval_check_nonempty(option_name(o),
				      confschema_last_value(opt), msg, len);
}

/*
 * The checks a start makes, made while the line is known, so that -t, a
 * start and a reload refuse the same files.  They ask the system as the
 * user running forkd: a -t as another user can answer otherwise.
 */

static int test_user(const char *name, const char *s, char *msg, size_t len)
{
	errno = 0;
	if (s[0] == '\0' || getpwnam(s) != NULL)
		return 0;
	snprintf(msg, len, "%s \"%s\" does not exist%s%s", name, s,
		 errno != 0 ? ": " : "", errno != 0 ? strerror(errno) : "");
	return -1;
}

static int test_group(const char *name, const char *s, char *msg, size_t len)
{
	errno = 0;
	if (s[0] == '\0' || getgrnam(s) != NULL)
		return 0;
	snprintf(msg, len, "%s \"%s\" does not exist%s%s", name, s,
		 errno != 0 ? ": " : "", errno != 0 ? strerror(errno) : "");
	return -1;
}

/* The directory holding path: it must exist and take new files. */
static int dir_usable(const char *path, char *msg, size_t len)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	struct stat st;

	snprintf(dir, sizeof(dir), "%.*s",
		 slash == path ? 1 : (int)(slash - path), path);
	if (stat(dir, &st) == -1)
		goto fail;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		goto fail;
	}
	if (access(dir, W_OK | X_OK) == 0)
		return 0;
fail:
	snprintf(msg, len, "directory %.300s: %s", dir, strerror(errno));
	return -1;
}

/* Can forkd create or append to the file at path?  why: if not, why. */
static int path_writable(const char *path, char *why, size_t len)
{
	struct stat st;

	if (stat(path, &st) == -1 && errno == ENOENT)
		return dir_usable(path, why, len);
	if (errno == 0 && S_ISDIR(st.st_mode))
		errno = EISDIR;
	else if (errno == 0 && access(path, W_OK) == 0)
		return 0;
	snprintf(why, len, "%s", strerror(errno));
	return -1;
}

static int store_log_target(const struct option *o, cfg_t *sec, void *base);

/*
 * A file forkd writes (pid file, logs): an existing one must be writable
 * and not a directory, a new one needs a usable directory.  The row's off
 * word (and "stderr" for error_log) is no file.
 */
static int check_writable(const struct option *o, cfg_opt_t *opt, char *msg,
			  size_t len)
{
	const char *s = confschema_last_value(opt);
	char why[CONFIG_ERR_MAX];
	char *path;
	int rc;

	if (confval_check_nonempty(option_name(o), s, msg, len) == -1)
		return -1;
	if ((o->off != NULL && strcmp(s, o->off) == 0) ||
	    (o->kind->store == store_log_target && strcmp(s, "stderr") == 0))
		return 0;
	if ((path = confval_path(config_dir(), s)) == NULL)
		return config_store_failed(NULL);
	errno = 0;
	if ((rc = path_writable(path, why, sizeof(why))) == -1)
		snprintf(msg, len, "%s \"%s\": %s", option_name(o), path, why);
	free(path);
	return rc;
}

/* mime_types, when the file names one: it must be readable. */
static int check_mime(const struct option *o, cfg_opt_t *opt, char *msg,
		      size_t len)
{
	const char *s = confschema_last_value(opt);
	struct stat st;
	char *path;
	int fd, rc = -1;

	if (s[0] == '\0' || strcmp(s, "off") == 0)
		return 0;
	if ((path = confval_path(config_dir(), s)) == NULL)
		return config_store_failed(NULL);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1 &&
	    fstat(fd, &st) == 0) {
		errno = EISDIR;
		rc = S_ISDIR(st.st_mode) ? -1 : 0;
	}
	if (rc == -1)
		snprintf(msg, len, "mime_types \"%s\": %s", path,
			 strerror(errno));
	if (fd != -1)
		close(fd);
	free(path);
	return rc;
}

/* A string; "" or the row's off word store NULL. */
static int store_string(const struct option *o, cfg_t *sec, void *base)
{
	const char *s = confschema_str(sec, o);
	char **dst = CONF_AT(base, o->dst, char *);

	/* A location may replace (or turn off) what it inherited. */
	free(*dst);
	*dst = NULL;
	if (s[0] == '\0' || (o->off != NULL && strcmp(s, o->off) == 0))
		return 0;
	return (*dst = confschema_strdup(s)) != NULL ? 0 : -1;
}

/* A file name, made absolute; the row's off word stores NULL. */
static int store_path(const struct option *o, cfg_t *sec, void *base)
{
	const char *s = confschema_str(sec, o);

	if (o->off != NULL && strcmp(s, o->off) == 0)
		return 0;
	if ((*CONF_AT(base, o->dst, char *) = confval_path(config_dir(), s)) ==
	    NULL)
		return config_store_failed(NULL);
	return 0;
}

/* error_log: "stderr" as written, else a file name. */
static int store_log_target(const struct option *o, cfg_t *sec, void *base)
{
	const char *s = confschema_str(sec, o);

	if (strcmp(s, "stderr") != 0)
		return store_path(o, sec, base);
	return (*CONF_AT(base, o->dst, char *) = confschema_strdup(s)) != NULL
		       ? 0
		       : -1;
}

/*
 * mime_types: the file name at dst and its parsed table at aux.  A file
 * that cannot be read leaves the table NULL: the built-in one alone.  The
 * table is only parsed here; each worker installs its own config's.
 */
static int store_mime(const struct option *o, cfg_t *sec, void *base)
{
	const char *s = confschema_str(sec, o);
	char *path;

	if (s[0] == '\0' || strcmp(s, "off") == 0)
		return 0;
	if ((path = confval_path(config_dir(), s)) == NULL)
		return config_store_failed(NULL);
	*CONF_AT(base, o->dst, char *) = path;
	*CONF_AT(base, o->aux, struct mime_types *) = mime_types_load(path);
	/* the default may be missing; a file the config names may not */
	if (*CONF_AT(base, o->aux, struct mime_types *) == NULL &&
	    (confschema_opt(sec, o)->flags & CFGF_MODIFIED))
		return config_store_failed(NULL);
	return 0;
}

static int check_root(const struct option *o, cfg_opt_t *opt, char *msg,
		      size_t len)
{
	const char *s = confschema_last_value(opt);
	struct stat st;
	char *path;
	int rc = 0;

	if (confval_check_nonempty(option_name(o), s, msg, len) == -1)
		return -1;
	if ((path = confval_root(config_dir(), s)) == NULL) {
		snprintf(msg, len, "%s", strerror(errno));
		return -1;
	}
	if (stat(path, &st) == -1)
		rc = -1;
	else if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		rc = -1;
	}
	if (rc == -1)
		snprintf(msg, len, "%s \"%s\": %s", option_name(o), path,
			 strerror(errno));
	free(path);
	return rc;
}

static int store_root(const struct option *o, cfg_t *sec, void *base)
{
	const char *s = confschema_str(sec, o);

	free(*CONF_AT(base, o->dst, char *));
	if ((*CONF_AT(base, o->dst, char *) = confval_root(config_dir(), s)) ==
	    NULL)
		return config_store_failed(NULL);
	return 0;
}

/* A list of strings: char ** at dst, its size_t count at aux. */
static int store_strings(const struct option *o, cfg_t *sec, void *base)
{
	unsigned k = confschema_size(sec, o);
	char ***out = CONF_AT(base, o->dst, char **);
	size_t *n = CONF_AT(base, o->aux, size_t);

	for (size_t i = 0; i < *n; i++) /* inherited by a location */
		free((*out)[i]);
	free(*out);
	*out = NULL;
	*n = 0;
	if (k > 0 && (*out = calloc(k, sizeof(**out))) == NULL)
		return config_store_failed(NULL);
	for (; *n < k; (*n)++)
		if (((*out)[*n] = confschema_strdup(
			     confschema_nstr(sec, o, (unsigned)*n))) == NULL)
			return -1;
	return 0;
}

/* A list of address blocks: struct cidr * at dst, count at aux. */
static int store_cidrs(const struct option *o, cfg_t *sec, void *base)
{
	unsigned k = confschema_size(sec, o);
	struct cidr **out = CONF_AT(base, o->dst, struct cidr *);

	if (k == 0)
		return 0;
	if ((*out = calloc(k, sizeof(**out))) == NULL)
		return config_store_failed(NULL);
	for (unsigned i = 0; i < k; i++)
		if (cidr_parse(confschema_nstr(sec, o, i), &(*out)[i]) == -1)
			return config_store_failed("bad address block");
	*CONF_AT(base, o->aux, size_t) = k;
	return 0;
}

static int check_error_page(const struct option *o, cfg_opt_t *opt, char *msg,
			    size_t len)
{
	bool codes[ERROR_PAGE_COUNT];
	const char *uri;

	return confval_parse_error_page(confschema_last_value(opt), codes, &uri,
					msg, len);
}

/*
 * Into the error pages of the struct location_conf at dst; later entries
 * win.  One that sets none keeps the shared built-in table (confloc.h).
 */
static int store_error_pages(const struct option *o, cfg_t *sec, void *base)
{
	struct location_conf *loc = CONF_AT(base, o->dst, struct location_conf);
	cfg_opt_t *opt = confschema_opt(sec, o);
	char msg[CONFIG_ERR_MAX], **pages;

	if (cfg_opt_size(opt) == 0) {
		confloc_error_pages_shared(loc);
		return 0;
	}
	if ((pages = confloc_error_pages_own(loc)) == NULL)
		return config_store_failed(NULL);
	for (unsigned i = 0; i < cfg_opt_size(opt); i++) {
		bool codes[ERROR_PAGE_COUNT];
		const char *uri;
		if (confval_parse_error_page(cfg_opt_getnstr(opt, i), codes,
					     &uri, msg, sizeof(msg)) == -1)
			return config_store_failed(msg);
		for (size_t k = 0; k < ERROR_PAGE_COUNT; k++) {
			if (!codes[k])
				continue;
			free(pages[k]);
			if ((pages[k] = confschema_strdup(uri)) == NULL)
				return -1;
		}
	}
	return 0;
}

static int check_header(const struct option *o, cfg_opt_t *opt, char *msg,
			size_t len)
{
	return confval_check_header(confschema_last_value(opt), msg, len);
}

/* The bytes the add_header lines of sec take in a response head. */
size_t confschema_headers_bytes(cfg_t *sec)
{
	size_t n = 0;

	for (unsigned i = 0; i < cfg_size(sec, "add_header"); i++)
		n += strlen(cfg_getnstr(sec, "add_header", i)) + 2;
	return n;
}

/* "Name: value\r\n" lines into the struct location_conf at dst. */
static int store_headers(const struct option *o, cfg_t *sec, void *base)
{
	struct location_conf *loc = CONF_AT(base, o->dst, struct location_conf);
	cfg_opt_t *hdr = confschema_opt(sec, o);
	size_t n = confschema_headers_bytes(sec);

	free(loc->headers);
	loc->headers = NULL;
	loc->headers_len = 0;
	if (n == 0)
		return 0;
	if ((loc->headers = malloc(n + 1)) == NULL)
		return config_store_failed(NULL);
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

static int check_log_format(const struct option *o, cfg_opt_t *opt, char *msg,
			    size_t len)
{
	enum access_format f;

	return confval_log_format(confschema_last_value(opt), &f, msg, len);
}

/* The format as an int at dst; a custom one's text at aux. */
static int store_log_format(const struct option *o, cfg_t *sec, void *base)
{
	const char *s = confschema_str(sec, o);
	char msg[CONFIG_ERR_MAX];
	enum access_format f;

	if (confval_log_format(s, &f, msg, sizeof(msg)) == -1)
		return config_store_failed(msg);
	*CONF_AT(base, o->dst, int) = (int)f;
	if (f == ACCESS_CUSTOM &&
	    (*CONF_AT(base, o->aux, char *) = confschema_strdup(s)) == NULL)
		return -1;
	return 0;
}

/* A redirect's to: a path or an absolute URL (none: 410 Gone). */
static int test_redirect_to(const char *name, const char *s, char *msg,
			    size_t len)
{
	return s[0] == '\0' ? 0 : redirect_check_to(s, msg, len);
}

/* -------------------------------------------------------- the table */

#define KIND(t, c, s, ...)                                           \
	{                                                            \
		.type = (t), .check = (c), .store = (s), __VA_ARGS__ \
	}
static const struct kind
	BOOLEAN = KIND(OPT_BOOL, NULL, store_bool),
	STRING = KIND(OPT_STR, check_test, store_string),
	PATH = KIND(OPT_STR, check_writable, store_path, .file = KIND_FILE,
		    .check_default = true),
	LOG_TARGET = KIND(OPT_STR, check_writable, store_log_target,
			  .file = KIND_FILE, .check_default = true),
	MIME = KIND(OPT_STR, check_mime, store_mime, .file = KIND_FILE),
	ROOT_DIR = KIND(OPT_STR, check_root, store_root, .file = KIND_ROOT),
	STRINGS = KIND(OPT_LIST, check_test, store_strings),
	CIDRS = KIND(OPT_LIST, check_test, store_cidrs),
	LISTEN = KIND(OPT_LIST, confsect_check_listen, confsect_store_listen),
	ERROR_PAGES = KIND(OPT_LIST, check_error_page, store_error_pages),
	HEADERS = KIND(OPT_LIST, check_header, store_headers),
	LOG_FORMAT = KIND(OPT_STR, check_log_format, store_log_format),
	SERVERS = KIND(OPT_SEC, confsect_check_server, confsect_store_servers),
	LOCATIONS = KIND(OPT_SEC_NAMED, confsect_check_location,
			 confsect_store_locations),
	TRY_FILES = KIND(OPT_LIST, confsect_check_try_files, store_strings),
	REDIRECTS = KIND(OPT_SEC_NAMED, confsect_check_redirect,
			 confsect_store_redirects),
	REDIRECT_MAP = KIND(OPT_STR, check_nonempty,
			    confsect_store_redirect_map, .file = KIND_FILE),
	PLATFORM = { .type = OPT_STR,
		     .check = check_parsed,
		     .store = confsect_store_platform,
		     .parse = parse_enum };

static const struct word accept_words[] = {
	{ "reuseport", ACCEPT_REUSEPORT },
	{ "shared", ACCEPT_SHARED },
	{ "handoff", ACCEPT_HANDOFF },
	{ NULL, 0 },
};
static const struct word affinity_words[] = {
	{ "auto", 1 },
	{ "off", 0 },
	{ NULL, 0 },
};
static const struct word dotfiles_words[] = {
	{ "deny", 0 },
	{ "allow", 1 },
	{ NULL, 0 },
};
static const struct word log_words[] = {
	{ "on", 0 },
	{ "off", 1 },
	{ NULL, 0 },
};
static const struct word symlinks_words[] = {
	{ "follow", SYMLINKS_FOLLOW },
	{ "owner", SYMLINKS_OWNER },
	{ "off", SYMLINKS_OFF },
	{ NULL, 0 },
};
static const struct word aio_words[] = {
	{ "auto", AIO_AUTO },
	{ "on", AIO_ON },
	{ "off", AIO_OFF },
	{ NULL, 0 },
};
static const struct word platform_words[] = {
	{ "off", PLATFORM_OFF },
	{ "on", PLATFORM_NETLIFY },
	{ "netlify", PLATFORM_NETLIFY },
	{ "cloudflare", PLATFORM_CLOUDFLARE },
	{ NULL, 0 },
};
static const struct word etag_words[] = {
	{ "mtime-size", ETAG_MTIME_SIZE },
	{ "content", ETAG_CONTENT },
	{ NULL, 0 },
};
/* Header names: the row matches them in any case. */
static const struct word real_ip_words[] = {
	{ "", REAL_IP_OFF },
	{ "X-Forwarded-For", REAL_IP_XFF },
	{ "Forwarded", REAL_IP_FORWARDED },
	{ NULL, 0 },
};

/* A row: path, default, kind, destination, then named extras. */
#define OPT(p, d, k, off, ...)                                       \
	{                                                            \
		.path = (p), .dflt = (d), .kind = (k), .dst = (off), \
		__VA_ARGS__                                          \
	}
#define TOP(f) offsetof(struct config, f)
#define SRV(f) offsetof(struct server_conf, f)
#define LOC(f) offsetof(struct location_conf, f)

/*
 * Stored in this order, scope by scope: a server's expires and add_header
 * come before its locations, which start from them.
 */
const struct option config_options[] = {
	OPT("worker_processes", "auto", &WORKERS, TOP(worker_processes),
	    .max = WORKERS_MAX),
	OPT("accept_mode", "reuseport", &ENUM, TOP(accept_mode),
	    .words = accept_words),
	OPT("defer_accept", "1", &DURATION, TOP(defer_accept)),
	OPT("pid_file", "/run/forkd.pid", &PATH, TOP(pid_file)),
	OPT("error_log", "stderr", &LOG_TARGET, TOP(error_log)),
	OPT("error_log_level", "notice", &LEVEL, TOP(error_log_level)),
	OPT("user", "nobody", &STRING, TOP(user), .test = test_user),
	OPT("group", "", &STRING, TOP(group), .test = test_group),
	OPT("shutdown_timeout", "30", &DURATION, TOP(shutdown_timeout)),
	OPT("daemon", "false", &BOOLEAN, TOP(daemon)),
	OPT("worker_connections", "4096", &NUMBER, TOP(worker_connections),
	    .min = 1, .max = CONNECTIONS_MAX),
	OPT("max_generations", "4", &NUMBER, TOP(max_generations), .min = 2,
	    .max = 64),
	OPT("worker_watchdog", "10", &DURATION, TOP(worker_watchdog)),
	OPT("worker_rlimit_nofile", "0", &NUMBER, TOP(worker_rlimit_nofile),
	    .max = 1048576),
	OPT("worker_cpu_affinity", "off", &SWITCH, TOP(worker_cpu_affinity),
	    .words = affinity_words),
	OPT("max_requests_per_worker", "0", &NUMBER,
	    TOP(max_requests_per_worker), .max = REQUESTS_MAX),
	OPT("drain_delay", "0", &DURATION, TOP(drain_delay)),
	OPT("aio", "auto", &ENUM, TOP(aio), .words = aio_words),
	OPT("aio_threads", "4", &NUMBER, TOP(aio_threads), .min = 1, .max = 64),
	OPT("mime_types", "/etc/mime.types", &MIME, TOP(mime_types),
	    .aux = TOP(mime), .off = "off"),
	OPT("server", NULL, &SERVERS, TOP(servers), .aux = TOP(nservers)),

	OPT("server|listen", NULL, &LISTEN, SRV(listen), .aux = SRV(nlisten)),
	OPT("server|server_name", "{}", &STRINGS, SRV(server_names),
	    .aux = SRV(nserver_names), .test = confval_check_server_name),
	OPT("server|default_server", "false", &BOOLEAN, SRV(default_server)),
	OPT("server|root", NULL, &ROOT_DIR, SRV(root)),
	OPT("server|index", "{index.html}", &STRINGS, SRV(index),
	    .aux = SRV(nindex), .test = confval_check_index),
	OPT("server|dotfiles", "deny", &SWITCH, SRV(defaults.dotfiles),
	    .words = dotfiles_words),
	OPT("server|symlinks", "follow", &ENUM, SRV(symlinks),
	    .words = symlinks_words),
	OPT("server|precompressed", "false", &BOOLEAN,
	    SRV(defaults.precompressed)),
	OPT("server|autoindex", "false", &BOOLEAN, SRV(defaults.autoindex)),
	OPT("server|charset", "utf-8", &STRING, SRV(defaults.charset),
	    .test = confval_check_charset, .off = "off"),
	OPT("server|fallback", "", &STRING, SRV(defaults.fallback),
	    .test = confval_check_uri_path),
	OPT("server|error_page", "{}", &ERROR_PAGES, SRV(defaults)),
	OPT("server|try_files", "{}", &TRY_FILES, SRV(defaults.try_files),
	    .aux = SRV(defaults.ntry_files)),
	OPT("server|redirect", NULL, &REDIRECTS, SRV(defaults.redirects),
	    .aux = SRV(defaults.nredirects)),
	OPT("server|redirect_map", "", &REDIRECT_MAP, SRV(redirect_map_path),
	    .aux = SRV(redirect_map)),
	OPT("server|platform_files", "off", &PLATFORM, SRV(platform_files),
	    .words = platform_words, .aux = SRV(platform)),
	OPT("server|expires", "off", &EXPIRES, SRV(defaults.expires)),
	OPT("server|add_header", "{}", &HEADERS, SRV(defaults)),
	OPT("server|etag", "mtime-size", &ENUM, SRV(defaults.etag),
	    .words = etag_words),
	OPT("server|location", NULL, &LOCATIONS, SRV(locations),
	    .aux = SRV(nlocations)),
	OPT("server|access_log", "off", &PATH, SRV(access_log), .off = "off"),
	OPT("server|access_log_format", "combined", &LOG_FORMAT,
	    SRV(access_format), .aux = SRV(access_log_custom)),
	OPT("server|access_log_buffer", "16k", &SIZE, SRV(access_log_buffer),
	    .min = 512, .max = 16u << 20),
	OPT("server|keepalive_timeout", "75", &DURATION,
	    SRV(keepalive_timeout)),
	OPT("server|keepalive_requests", "1000", &NUMBER,
	    SRV(keepalive_requests), .min = 1, .max = REQUESTS_MAX),
	OPT("server|client_header_timeout", "60", &DURATION,
	    SRV(client_header_timeout), .min = 1),
	OPT("server|send_timeout", "60", &DURATION, SRV(send_timeout),
	    .min = 1),
	OPT("server|client_body_timeout", "60", &DURATION,
	    SRV(client_body_timeout), .min = 1),
	OPT("server|client_max_body_size", "1m", &BYTES,
	    SRV(client_max_body_size), .min = 1, .max = 1u << 30),
	OPT("server|client_header_buffer_size", "8k", &BYTES,
	    SRV(client_header_buffer_size), .min = 1024, .max = 65536),
	/* behind a load balancer */
	OPT("server|status_path", "", &STRING, SRV(status_path),
	    .test = confval_check_uri_path),
	OPT("server|health_path", "", &STRING, SRV(health_path),
	    .test = confval_check_uri_path),
	OPT("server|status_allow", "{127.0.0.1, ::1}", &CIDRS,
	    SRV(status_allow), .aux = SRV(nstatus_allow),
	    .test = confval_check_cidr),
	OPT("server|health_allow", "{}", &CIDRS, SRV(health_allow),
	    .aux = SRV(nhealth_allow), .test = confval_check_cidr),
	OPT("server|proxy_protocol", "false", &BOOLEAN, SRV(proxy_protocol)),
	OPT("server|real_ip_header", "", &ENUM, SRV(real_ip),
	    .words = real_ip_words, .nocase = true),
	OPT("server|set_real_ip_from", "{}", &CIDRS, SRV(real_ip_from),
	    .aux = SRV(nreal_ip_from), .test = confval_check_cidr),

	OPT("server|redirect|to", "", &STRING, 0, .test = test_redirect_to),
	OPT("server|redirect|status", "301", &NUMBER, 0, .min = 301,
	    .max = 410),

	OPT("server|location|expires", "off", &EXPIRES, LOC(expires)),
	OPT("server|location|add_header", "{}", &HEADERS, 0),
	OPT("server|location|access_log", "on", &SWITCH, LOC(log_off),
	    .words = log_words),
	OPT("server|location|autoindex", "false", &BOOLEAN, LOC(autoindex)),
	OPT("server|location|dotfiles", "deny", &SWITCH, LOC(dotfiles),
	    .words = dotfiles_words),
	OPT("server|location|precompressed", "false", &BOOLEAN,
	    LOC(precompressed)),
	OPT("server|location|charset", "utf-8", &STRING, LOC(charset),
	    .test = confval_check_charset, .off = "off"),
	OPT("server|location|fallback", "", &STRING, LOC(fallback),
	    .test = confval_check_uri_path),
	OPT("server|location|error_page", "{}", &ERROR_PAGES, 0),
	OPT("server|location|try_files", "{}", &TRY_FILES, LOC(try_files),
	    .aux = LOC(ntry_files)),
	OPT("server|location|redirect", NULL, &REDIRECTS, LOC(redirects),
	    .aux = LOC(nredirects)),
	OPT("server|location|redirect|to", "", &STRING, 0,
	    .test = test_redirect_to),
	OPT("server|location|redirect|status", "301", &NUMBER, 0, .min = 301,
	    .max = 410),
	OPT("server|location|root", "", &ROOT_DIR, LOC(root)),
	OPT("server|location|alias", "", &ROOT_DIR, LOC(alias)),
	OPT("server|location|etag", "mtime-size", &ENUM, LOC(etag),
	    .words = etag_words),
};

const size_t config_noptions = sizeof(config_options) /
			       sizeof(config_options[0]);
