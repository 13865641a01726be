/*
 * confsect.c — the option kinds that are more than a value: listen
 * addresses, redirects and try_files, the redirect map and platform
 * files, and the server and location sections themselves.  Their rows are
 * in confschema.c's table; see confsect.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <confuse.h>

#include "cidr.h"
#include "config.h"
#include "confload.h"
#include "confloc.h"
#include "conflisten.h"
#include "confschema.h"
#include "confsect.h"
#include "confval.h"
#include "file.h"
#include "log.h"
#include "path.h"
#include "platform.h"
#include "redirect.h"
#include "redirmap.h"
#include "route.h"
#include "tryfiles.h"

/* ------------------------------------------------------------ listen */

/* Does any listen value of opt, but skip, have the address of ss? */
static const char *listen_find(cfg_opt_t *opt, unsigned skip,
			       const struct sockaddr_storage *ss)
{
	struct sockaddr_storage other;
	socklen_t len;

	for (unsigned i = 0; i < cfg_opt_size(opt); i++) {
		const char *s = cfg_opt_getnstr(opt, i);

		if (i != skip &&
		    confval_parse_listen(s, &other, &len, NULL, 0) == 0 &&
		    confval_listen_same(ss, &other))
			return s;
	}
	return NULL;
}

/*
 * The value just set against the earlier ones of this section: it works
 * on the values parsed so far, so a repeated `listen =` (which replaces)
 * is handled too.
 */
int confsect_check_listen(const struct option *o, cfg_opt_t *opt, char *msg,
			  size_t len)
{
	const char *s = confschema_last_value(opt), *dup;
	struct sockaddr_storage ss;
	char why[CONFIG_ERR_MAX];
	socklen_t sslen;

	if (conflisten_note(config_listen_index(), cfg_opt_size(opt) - 1,
			    config_line()) == -1)
		return config_store_failed(NULL);
	if (confval_parse_listen(s, &ss, &sslen, why, sizeof(why)) == -1) {
		snprintf(msg, len, "listen \"%s\": %s", s, why);
		return -1;
	}
	if ((dup = listen_find(opt, cfg_opt_size(opt) - 1, &ss)) == NULL)
		return 0;
	if (strcmp(dup, s) == 0)
		snprintf(msg, len, "listen \"%s\": duplicate address", s);
	else
		snprintf(msg, len, "listen \"%s\": same address as \"%s\"", s,
			 dup);
	return -1;
}

/* struct listen_conf * at dst, count at aux. */
int confsect_store_listen(const struct option *o, cfg_t *sec, void *base)
{
	unsigned n = cfg_size(sec, "listen");
	struct listen_conf **v = CONF_AT(base, o->dst, struct listen_conf *);
	size_t *nv = CONF_AT(base, o->aux, size_t);
	char msg[CONFIG_ERR_MAX];

	if ((*v = calloc(n, sizeof(**v))) == NULL)
		return config_store_failed(NULL);
	while (*nv < n) {
		struct listen_conf *l = &(*v)[*nv];
		const char *s = cfg_getnstr(sec, "listen", (unsigned)*nv);

		if ((l->text = confschema_strdup(s)) == NULL)
			return -1;
		(*nv)++;
		if (confval_parse_listen(s, &l->addr, &l->addrlen, msg,
					 sizeof(msg)) == -1)
			return config_store_failed(msg);
	}
	return 0;
}

/* ------------------------------------------- redirects, try_files */

/* Each candidate, against the ones before it ("=404" only last). */
int confsect_check_try_files(const struct option *o, cfg_opt_t *opt, char *msg,
			     size_t len)
{
	unsigned n = cfg_opt_size(opt);
	const char *v[64];

	if (n > 64) {
		snprintf(msg, len, "try_files: at most 64 candidates");
		return -1;
	}
	for (unsigned i = 0; i < n; i++)
		v[i] = cfg_opt_getnstr(opt, i);
	return tryfiles_check(v, n, n - 1, msg, len);
}

/* At the closing brace of each redirect section. */
int confsect_check_redirect(const struct option *o, cfg_opt_t *opt, char *msg,
			    size_t len)
{
	cfg_t *sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);
	const char *to = confschema_get(sec, "to"), *from;
	long status = strtol(confschema_get(sec, "status"), NULL, 10);
	bool exact;

	if (redirect_parse_title(cfg_title(sec), &exact, &from, msg, len) == -1)
		return -1;
	if (!redirect_status_ok(status))
		snprintf(msg, len,
			 "redirect \"%s\": status must be 301, 302, "
			 "303, 307, 308 or 410",
			 cfg_title(sec));
	else if ((status == REDIRECT_GONE) != (to[0] == '\0'))
		snprintf(msg, len, "redirect \"%s\": %s", cfg_title(sec),
			 to[0] == '\0' ? "needs a to (or status = 410)"
				       : "a 410 (Gone) has no to");
	else
		return 0;
	return -1;
}

/* One redirect section into r. */
static int redirect_store(struct redirect_rule *r, cfg_t *rs)
{
	char path[PATH_MAX_LEN], msg[CONFIG_ERR_MAX];
	const char *from, *to = confschema_get(rs, "to");
	int n;

	if (redirect_parse_title(cfg_title(rs), &r->exact, &from, msg,
				 sizeof(msg)) == -1)
		return config_store_failed(msg);
	if ((n = path_normalize(from, strlen(from), path, sizeof(path))) < 0)
		return config_store_failed("redirect: the path cannot be "
					   "normalised");
	r->status = (int)strtol(confschema_get(rs, "status"), NULL, 10);
	r->from_len = (size_t)n;
	if ((r->from = confschema_strdup(path)) == NULL)
		return -1;
	if (to[0] != '\0' && (r->to = confschema_strdup(to)) == NULL)
		return -1;
	return 0;
}

/*
 * struct redirect_rule * at dst, count at aux: the section's own rules,
 * then those it inherited (a location's from its server), so that of two
 * exact rules for one path the location's wins.
 */
int confsect_store_redirects(const struct option *o, cfg_t *sec, void *base)
{
	struct redirect_rule **v = CONF_AT(base, o->dst,
					   struct redirect_rule *);
	size_t *nv = CONF_AT(base, o->aux, size_t);
	size_t own = cfg_opt_size(confschema_opt(sec, o));
	struct redirect_rule *r;

	if (own == 0)
		return 0;
	if ((r = calloc(own + *nv, sizeof(*r))) == NULL)
		return config_store_failed(NULL);
	if (*nv > 0)
		memcpy(r + own, *v, *nv * sizeof(*r));
	free(*v);
	*v = r;
	memset(r, 0, own * sizeof(*r));
	*nv += own;
	for (size_t i = 0; i < own; i++)
		if (redirect_store(&r[i], cfg_getnsec(sec, option_name(o),
						      (unsigned)i)) == -1)
			return -1;
	return 0;
}

/* The map's file name at dst, the loaded map at aux: a bad map fails the
 * load (and so a reload), with the map's FILE:LINE. */
int confsect_store_redirect_map(const struct option *o, cfg_t *sec, void *base)
{
	const char *s = confschema_str(sec, o);
	char msg[CONFIG_ERR_MAX];
	struct redirmap *m;
	char *path;

	if (s[0] == '\0')
		return 0;
	if ((path = confval_path(config_dir(), s)) == NULL)
		return config_store_failed(NULL);
	*CONF_AT(base, o->dst, char *) = path;
	if ((m = redirmap_load(path, msg, sizeof(msg))) == NULL)
		return config_store_failed(msg);
	*CONF_AT(base, o->aux, struct redirmap *) = m;
	return 0;
}

/*
 * platform_files: the mode at dst, the rules of the server's root (stored
 * before this row) at aux.  A bad line of _redirects or _headers fails the
 * load, and so a reload, with that file's FILE:LINE.
 */
int confsect_store_platform(const struct option *o, cfg_t *sec, void *base)
{
	const struct server_conf *sc = base;
	char msg[CONFIG_ERR_MAX];
	struct platform *p;
	int mode;

	if (confschema_store_parsed(o, sec, base) == -1)
		return -1;
	if ((mode = *CONF_AT(base, o->dst, int)) == PLATFORM_OFF)
		return 0;
	if ((p = platform_load(sc->root, (enum platform_mode)mode, msg,
			       sizeof(msg))) == NULL)
		return config_store_failed(msg);
	*CONF_AT(base, o->aux, struct platform *) = p;
	return 0;
}

/* ---------------------------------------------------------- sections */

static int headers_room(cfg_t *sec, char *msg, size_t len)
{
	if (confschema_headers_bytes(sec) <= HEADERS_MAX)
		return 0;
	snprintf(msg, len, "add_header: more than %d bytes of headers",
		 HEADERS_MAX);
	return -1;
}

/*
 * Servers may share an address (virtual hosts) when Host can tell them
 * apart: a later one needs a server_name (or must be the default), and
 * only one may be the default.  No address may overlap another on its
 * port.  An error is reported at the line of the address.
 */
static int check_server_listen(cfg_t *sec, unsigned server, char *msg,
			       size_t len)
{
	struct listen_index *ix = config_listen_index();
	cfg_opt_t *mine = cfg_getopt(sec, "listen");
	bool named = cfg_size(sec, "server_name") > 0;
	bool dflt = confschema_get_bool(sec, "default_server");
	int rc = 0;

	for (unsigned a = 0; a < cfg_opt_size(mine) && rc == 0; a++)
		if ((rc = conflisten_add(ix, server, named, dflt,
					 cfg_opt_getnstr(mine, a), a,
					 config_where, msg, len)) == -1)
			config_error_line(conflisten_line(ix, a));
	conflisten_next(ix);
	return rc;
}

/*
 * A checked server section, closed: stored now, and its tree dropped
 * unless the dump needs it.  Holding every server's tree until the end
 * cost 16 KiB a server (libconfuse copies the option arrays of a section
 * and its subsections for each one), 800 MB at 50,000 servers.
 */
static void close_server(const struct option *o, cfg_opt_t *opt)
{
	unsigned last = cfg_opt_size(opt) - 1;
	struct server_conf *sc = confload_server_begin();

	if (sc != NULL) {
		config_store_scope(o->path, cfg_opt_getnsec(opt, last), sc,
				   false);
		confload_stored();
	}
	if (!confload_keep_tree())
		cfg_opt_rmnsec(opt, last);
}

/* At the closing brace of each server section: check it, then close it. */
int confsect_check_server(const struct option *o, cfg_opt_t *opt, char *msg,
			  size_t len)
{
	cfg_t *sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);

	if (cfg_size(sec, "listen") == 0)
		snprintf(msg, len, "server section needs a listen directive");
	else if (cfg_getstr(sec, "root") == NULL)
		snprintf(msg, len, "server section needs a root directive");
	else if (headers_room(sec, msg, len) == 0 &&
		 check_server_listen(sec, confload_server_sections(), msg,
				     len) == 0) {
		close_server(o, opt);
		return 0;
	}
	return -1;
}

/* struct server_conf * at dst, count at aux: those stored as each closed. */
int confsect_store_servers(const struct option *o, cfg_t *root, void *base)
{
	return confload_take_servers(
		CONF_AT(base, o->dst, struct server_conf *),
		CONF_AT(base, o->aux, size_t));
}

/* At the closing brace of each location section. */
int confsect_check_location(const struct option *o, cfg_opt_t *opt, char *msg,
			    size_t len)
{
	cfg_t *sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);
	const char *title = cfg_title(sec);

	if (title == NULL || !confval_uri_path_ok(title)) {
		snprintf(msg, len,
			 "location \"%s\" must be a path starting "
			 "with /",
			 title != NULL ? title : "");
		return -1;
	}
	if (confschema_get(sec, "alias")[0] != '\0' &&
	    confschema_get(sec, "root")[0] != '\0') {
		snprintf(msg, len, "location \"%s\": root or alias, not both",
			 title);
		return -1;
	}
	if (confschema_get(sec, "alias")[0] != '\0' &&
	    title[strlen(title) - 1] != '/') {
		snprintf(msg, len,
			 "location \"%s\": alias needs a location "
			 "that ends with /",
			 title);
		return -1;
	}
	return headers_room(sec, msg, len);
}

/* A location starts as its server's defaults, then takes what it sets. */
static int store_location(struct location_conf *loc, cfg_t *ls,
			  const struct location_conf *dflt, const char *scope)
{
	if ((loc->prefix = confschema_strdup(cfg_title(ls))) == NULL)
		return -1;
	loc->prefix_len = strlen(loc->prefix);
	if (confloc_inherit(loc, dflt) == -1)
		return config_store_failed(NULL);
	return config_store_scope(scope, ls, loc, true);
}

/*
 * struct location_conf * at dst, count at aux; base a server_conf.  Sorted
 * by prefix for route_location(), which renumbers them.
 */
int confsect_store_locations(const struct option *o, cfg_t *sec, void *base)
{
	const struct server_conf *sc = base;
	unsigned n = cfg_size(sec, "location");
	struct location_conf **v = CONF_AT(base, o->dst,
					   struct location_conf *);
	size_t *nv = CONF_AT(base, o->aux, size_t);

	if (n > 0 && (*v = calloc(n, sizeof(**v))) == NULL)
		return config_store_failed(NULL);
	for (; *nv < n; (*nv)++) {
		(*v)[*nv].index = *nv + 1;
		if (store_location(&(*v)[*nv],
				   cfg_getnsec(sec, "location", (unsigned)*nv),
				   &sc->defaults, o->path) == -1)
			return -1;
	}
	route_index_locations(*v, *nv);
	return 0;
}
