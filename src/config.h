/*
 * config.h — the parsed configuration: plain, read-only C structs.
 *
 * libconfuse is used in config.c and confschema.c only.  The master parses
 * the file once per start or reload; workers inherit the result through
 * fork() and never read the file themselves.  Value parsing is in
 * confval.h, server and location selection in route.h.
 */
#ifndef FORKD_CONFIG_H
#define FORKD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>

#include "cidr.h"
#include "log.h"
#include "redirect.h"

struct hostmap;
struct mime_types;
struct platform;
struct redirmap;

#define CONFIG_ERR_MAX 512

enum accept_mode {
	ACCEPT_REUSEPORT, /* one SO_REUSEPORT socket per worker slot */
	ACCEPT_SHARED, /* one socket, polled by every worker (EPOLLEXCLUSIVE) */
	ACCEPT_HANDOFF, /* the master accepts; the least-loaded worker serves */
};

/* Where file-system calls that may block are made (the `aio` directive). */
enum aio_mode {
	AIO_AUTO, /* in the I/O pool when a probe says they would wait */
	AIO_ON,   /* in the I/O pool always, unprobed */
	AIO_OFF,  /* on the event loop, as they come */
};

enum real_ip {
	REAL_IP_OFF,
	REAL_IP_XFF,       /* X-Forwarded-For */
	REAL_IP_FORWARDED, /* RFC 7239 Forwarded */
};

struct listen_conf {
	char *text; /* as written, e.g. "[::1]:8080" */
	struct sockaddr_storage addr;
	socklen_t addrlen;
};

/* error_page covers the statuses 400 to 599. */
#define ERROR_PAGE_FIRST 400
#define ERROR_PAGE_COUNT 200

#define EXPIRES_OFF (-1LL)   /* expires = off: no caching headers */
#define EXPIRES_EPOCH (-2LL) /* expires = epoch: already stale */
#define EXPIRES_MAX (10LL * 365 * 24 * 60 * 60)
#define HEADERS_MAX 4096 /* bytes of add_header lines in one place */

/*
 * What a path prefix answers with: a location section, or the server's own
 * defaults (prefix "").  A location starts as a copy of its server's
 * defaults and takes what it sets itself (confloc.c); its redirects are
 * its own followed by the server's.
 */
struct location_conf {
	char *prefix; /* "/assets/"; NULL for the defaults */
	size_t prefix_len;
	size_t index;      /* 1 + its place in locations; 0: defaults */
	long long expires; /* seconds, EXPIRES_OFF or EXPIRES_EPOCH */
	char *headers;     /* "Name: value\r\n" lines; NULL: none */
	size_t headers_len;
	bool log_off;       /* access_log = off: not logged */
	bool dotfiles;      /* serve hidden files ("allow") */
	bool precompressed; /* serve FILE.br / FILE.gz when accepted */
	bool autoindex;     /* list a directory with no index file */
	char *charset;      /* added to text types; NULL: none */
	char *fallback;     /* page for a missing page; NULL */
	char **error_page;  /* ERROR_PAGE_COUNT pages by status - 400,
			     * NULL: built-in; one shared table of NULLs
			     * where none is set (confloc.h) */
	char **try_files;   /* candidates (tryfiles.h); NULL: none */
	size_t ntry_files;
	struct redirect_rule *redirects;
	size_t nredirects;
	char *root;    /* a root of its own (absolute); NULL */
	char *alias;   /* the prefix maps to this dir; NULL */
	int etag;      /* enum etag_mode (etag.h) */
	size_t parent; /* index + 1 of the longest location
				      * whose prefix starts this one; 0: none
				      * (route.h keeps locations sorted) */
};

struct server_conf {
	struct listen_conf *listen;
	size_t nlisten;
	char **server_names; /* "example.com", "*.example.com" */
	size_t nserver_names;
	bool default_server;             /* default for each of its addresses */
	int symlinks;                    /* enum file_symlinks (file.h) */
	struct location_conf defaults;   /* server-level per-path settings */
	struct location_conf *locations; /* each complete (defaults applied),
					  * sorted by prefix (route.h) */
	size_t nlocations;
	char *root;   /* absolute path, no trailing slash */
	char **index; /* file names tried for a directory */
	size_t nindex;
	struct redirmap *redirect_map; /* redirect_map; NULL: none */
	char *redirect_map_path;
	int platform_files;          /* enum platform_mode (platform.h) */
	struct platform *platform;   /* their rules; NULL: none */
	char *access_log;            /* path, or NULL when "off" */
	int access_format;           /* enum access_format (log.h) */
	char *access_log_custom;     /* the format, when custom */
	size_t access_log_buffer;    /* bytes buffered per worker */
	unsigned keepalive_timeout;  /* ms; 0 disables keep-alive */
	unsigned keepalive_requests; /* requests per connection, then close */
	unsigned client_header_timeout; /* ms to receive a whole header */
	unsigned send_timeout;          /* ms between two successful writes */
	unsigned client_body_timeout;   /* ms between two reads of a body */
	unsigned client_max_body_size;  /* bytes; a larger body gets 413 */
	unsigned client_header_buffer_size; /* bytes for a request head */
	/* behind a load balancer */
	char *status_path;         /* NULL: no status endpoint */
	char *health_path;         /* NULL: no health endpoint */
	struct cidr *status_allow; /* who may see the status (and health) */
	size_t nstatus_allow;
	struct cidr
		*health_allow; /* who may see health; none: status_allow's */
	size_t nhealth_allow;
	bool proxy_protocol;       /* a PROXY header precedes each connection */
	enum real_ip real_ip;      /* trust a forwarding header ... */
	struct cidr *real_ip_from; /* ... from these peers */
	size_t nreal_ip_from;
};

/*
 * One listening address and the servers that share it, in the order a
 * Host without a matching server_name falls back: the default first.
 */
struct listen_group {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	const char *text;  /* the first spelling (not owned) */
	unsigned *servers; /* indexes into config->servers */
	size_t nservers;
	struct hostmap *names; /* server names -> servers (route.h) */
};

struct config {
	char *path;                /* the file it came from */
	unsigned worker_processes; /* resolved: never 0 */
	enum accept_mode accept_mode;
	char *pid_file;
	char *mime_types;        /* mime.types file; NULL: built-in only */
	struct mime_types *mime; /* its table; NULL: built-in only */
	char *error_log;         /* "stderr" or a path */
	enum log_level error_log_level;
	char *user;                /* NULL: keep the master's identity */
	char *group;               /* NULL: the user's primary group */
	unsigned shutdown_timeout; /* ms */
	unsigned defer_accept;     /* ms a listener waits for data; 0: off */
	bool daemon;
	unsigned worker_connections; /* per worker */
	unsigned max_generations;    /* generations alive at once (2..64) */
	unsigned worker_watchdog;    /* ms without a heartbeat: kill; 0: off */
	unsigned worker_rlimit_nofile; /* 0: derived from worker_connections */
	bool worker_cpu_affinity;      /* pin worker slot i to usable CPU i */
	unsigned max_requests_per_worker; /* 0: unlimited */
	unsigned drain_delay; /* ms of lame duck before a graceful stop */
	enum aio_mode aio;
	unsigned aio_threads; /* I/O pool threads per worker */
	struct server_conf *servers;
	size_t nservers;
	struct listen_group *groups; /* one per distinct listen address */
	size_t ngroups;
};

/*
 * Parse and validate the file at path.  Returns a config, or NULL with a
 * one-line message in err ("FILE:LINE: what is wrong", or "FILE: ..." when
 * no line applies).
 */
struct config *config_load(const char *path, char *err, size_t errlen);
void config_free(struct config *cf);

/*
 * Load the file at path as config_load() does and, when it is valid,
 * write what it amounts to on out (forkd -T): includes expanded, every
 * default filled in, file names absolute; config_load() reads that back
 * to the same configuration.  0, or -1 with the message in err.
 */
int config_dump(const char *path, FILE *out, char *err, size_t errlen);

#endif
