/*
 * config.c — read forkd.conf into struct config.
 *
 * The text comes from conftext.c (comments blanked); libconfuse parses it
 * with option arrays generated from the table in confschema.c.  Every
 * value is checked by a validation callback while the parser still knows
 * its line, so each error is reported once, as "FILE:LINE: message".
 * After a clean parse the values are stored into the plain structs of
 * config.h, row by row, and the libconfuse tree is freed.
 *
 * Loading installs nothing in the process: not the log level, not the
 * MIME types (the config owns its parsed table; a worker installs its own
 * generation's).  A reload may still fail after the parse, and a failed
 * reload must change nothing.
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <confuse.h>

#include "addrmap.h"
#include "config.h"
#include "confschema.h"
#include "conftext.h"
#include "confval.h"
#include "hostmap.h"
#include "mime.h"
#include "route.h"

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

/* An address's first server and its default server: index + 1, 0: none. */
struct addr_claim {
	unsigned first, dflt;
};

/* The load in progress: libconfuse's callbacks carry no user pointer. */
struct loader {
	const char *path; /* as given, for messages */
	char *dir;        /* absolute directory of the file */
	char *err;
	size_t errlen;
	bool failed;
	struct server_conf *servers; /* stored as each section closes */
	size_t nservers, servers_cap;
	struct addrmap *addrs;       /* their addresses, and by id ... */
	struct addr_claim *claims;   /* ... who has each */
	size_t claims_cap;
};

static struct loader *loading;

/* Shared, so that a server without error_page is 1.6 KB smaller. */
char *config_no_error_pages[ERROR_PAGE_COUNT];

/* ------------------------------------------------------------ messages */

static void loader_verror(int line, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
static void loader_error(int line, const char *fmt, ...)
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

/* libconfuse's own errors (syntax, unknown option) and ours. */
static void confuse_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	loader_verror(cfg->line, fmt, ap);
}

int config_store_failed(const char *msg)
{
	loader_error(0, "%s", msg != NULL ? msg : strerror(errno));
	return -1;
}

const char *config_dir(void)
{
	return loading->dir;
}

/* ------------------------------------------------------- the schema */

/* Is o directly in scope ("" for the top level, "server", ...)? */
static bool option_in(const struct option *o, const char *scope)
{
	size_t n = (size_t)(option_name(o) - o->path);
	size_t len = strlen(scope);

	if (len == 0)
		return n == 0;
	return n == len + 1 && strncmp(o->path, scope, len) == 0;
}

/* Room for every row and one terminator per scope. */
#define SCHEMA_MAX 80
#define SCOPES_MAX 4

/*
 * The rows of one scope in table order, which is the order of the
 * libconfuse option array generated for it: row k describes opts[k] of
 * every section of that scope, so no option is looked up by name.
 */
struct scope {
	const char *path;    /* "", "server", "server|location" */
	const char *section; /* libconfuse's name: "root", "server", ... */
	const struct option *rows[SCHEMA_MAX];
	size_t n;
};

static struct scope scopes[SCOPES_MAX];
static size_t nscopes;

static const struct scope *scope_of_section(const cfg_t *cfg)
{
	for (size_t i = 0; i < nscopes; i++)
		if (strcmp(scopes[i].section, cfg->name) == 0)
			return &scopes[i];
	abort(); /* a section missing from the table */
}

static const struct scope *scope_of_path(const char *path)
{
	for (size_t i = 0; i < nscopes; i++)
		if (strcmp(scopes[i].path, path) == 0)
			return &scopes[i];
	abort();
}

/* The row of option opt in the libconfuse section cfg. */
static const struct option *option_of(cfg_t *cfg, cfg_opt_t *opt)
{
	const struct scope *sc = scope_of_section(cfg);
	size_t k = (size_t)(opt - cfg->opts);

	assert(k < sc->n && strcmp(option_name(sc->rows[k]), opt->name) == 0);
	return sc->rows[k];
}

/* libconfuse's validation callback for every row that has a check. */
static int option_validate(cfg_t *cfg, cfg_opt_t *opt)
{
	const struct option *o = option_of(cfg, opt);
	char msg[CONFIG_ERR_MAX];

	if (o->kind->check(o, opt, msg, sizeof(msg)) == 0)
		return 0;
	cfg_error(cfg, "%s", msg);
	return -1;
}

static cfg_opt_t schema[SCHEMA_MAX];

/* The libconfuse array for one row, its sections' arrays built first. */
static cfg_opt_t schema_opt(const struct option *o, size_t *used);

/*
 * The libconfuse options of scope (the section named section), in
 * schema[*used...]; NULL-terminated.  Records the scope's rows.
 */
static cfg_opt_t *schema_build(const char *scope, const char *section,
			       size_t *used)
{
	size_t n = 0, first;
	cfg_opt_t row[SCHEMA_MAX];
	struct scope *sc;

	if (nscopes == SCOPES_MAX)
		abort(); /* raise SCOPES_MAX */
	sc = &scopes[nscopes++];
	*sc = (struct scope){ .path = scope, .section = section };
	for (size_t i = 0; i < config_noptions; i++) {
		if (!option_in(&config_options[i], scope))
			continue;
		sc->rows[n] = &config_options[i];
		row[n++] = schema_opt(&config_options[i], used);
	}
	sc->n = n;
	if (*used + n + 1 > SCHEMA_MAX)
		abort(); /* raise SCHEMA_MAX */
	first = *used;
	memcpy(&schema[first], row, n * sizeof(row[0]));
	schema[first + n] = (cfg_opt_t)CFG_END();
	*used += n + 1;
	return &schema[first];
}

static cfg_opt_t schema_opt(const struct option *o, size_t *used)
{
	const char *name = option_name(o);
	char *dflt = (char *)o->dflt; /* libconfuse copies it */

	switch (o->kind->type) {
	case OPT_LIST:
		/*
		 * libconfuse runs its lexer over a list's default in every
		 * new section; "{}" is no list at all, so it needs none.
		 */
		if (dflt != NULL && strcmp(dflt, "{}") == 0)
			dflt = NULL;
		return (cfg_opt_t)CFG_STR_LIST(name, dflt, CFGF_NONE);
	case OPT_BOOL:
		return (cfg_opt_t)CFG_BOOL(name, strcmp(dflt, "true") == 0 ?
					   cfg_true : cfg_false, CFGF_NONE);
	case OPT_SEC:
		return (cfg_opt_t)CFG_SEC(name,
					  schema_build(o->path, name, used),
					  CFGF_MULTI);
	case OPT_SEC_NAMED:
		return (cfg_opt_t)CFG_SEC(name,
					  schema_build(o->path, name, used),
					  CFGF_MULTI | CFGF_TITLE |
					  CFGF_NO_TITLE_DUPES);
	case OPT_STR:
		break;
	}
	return (cfg_opt_t)CFG_STR(name, dflt, CFGF_NONE);
}

static cfg_t *conf_parse(struct loader *ld, const char *text)
{
	size_t used = 0;
	cfg_t *cfg;
	int rc;

	nscopes = 0;
	if ((cfg = cfg_init(schema_build("", "root", &used), CFGF_NONE)) == NULL) {
		loader_error(0, "%s", strerror(errno));
		return NULL;
	}
	cfg_set_error_function(cfg, confuse_error);
	for (size_t i = 0; i < config_noptions; i++)
		if (config_options[i].kind->check != NULL)
			cfg_set_validate_func(cfg, config_options[i].path,
					      option_validate);
	rc = cfg_parse_buf(cfg, text);
	if (rc == CFG_SUCCESS)
		return cfg;
	loader_error(0, "cannot be parsed");
	cfg_free(cfg);
	return NULL;
}

/* ------------------------------------------------------------ store */

static void server_free(struct server_conf *sc);

int config_store_scope(const char *scope, cfg_t *sec, void *base,
		       bool only_set)
{
	const struct scope *sc = scope_of_path(scope);

	for (size_t k = 0; k < sc->n; k++) {
		const struct option *o = sc->rows[k];
		cfg_opt_t *opt = &sec->opts[k];
		assert(strcmp(opt->name, option_name(o)) == 0);
		if (only_set && !(opt->flags & CFGF_MODIFIED))
			continue;
		if (o->kind->store(o, opt, base) == -1)
			return -1;
	}
	return 0;
}

/* The spelling of addr among the listen values of sc. */
static const char *listen_text(const struct server_conf *sc,
			       const struct sockaddr_storage *addr)
{
	for (size_t a = 0; a < sc->nlisten; a++)
		if (confval_listen_same(&sc->listen[a].addr, addr))
			return sc->listen[a].text;
	return "?";
}

static int claims_reserve(struct loader *ld, size_t n)
{
	struct addr_claim *c;
	size_t cap = ld->claims_cap ? ld->claims_cap : 8;

	if (n <= ld->claims_cap)
		return 0;
	while (cap < n)
		cap *= 2;
	if ((c = realloc(ld->claims, cap * sizeof(*c))) == NULL)
		return -1;
	ld->claims = c;
	ld->claims_cap = cap;
	return 0;
}

/*
 * Servers may share an address (virtual hosts) when Host can tell them
 * apart: a later one needs a server_name (or must be the default), and
 * only one may be the default.  Server s claims address l against the
 * earlier ones: a hash probe, so N servers cost O(N).
 */
static int claim_listen(struct loader *ld, unsigned s,
			const struct listen_conf *l, char *msg, size_t len)
{
	const struct server_conf *sc = &ld->servers[s];
	struct addr_claim *c;
	bool added;
	long id;

	if ((id = addrmap_id(ld->addrs, &l->addr, &added)) == -1 ||
	    claims_reserve(ld, (size_t)id + 1) == -1)
		return config_store_failed(NULL);
	c = &ld->claims[id];
	if (added)
		*c = (struct addr_claim){ s + 1, 0 };
	else if (sc->nserver_names == 0 && !sc->default_server) {
		snprintf(msg, len, "listen \"%s\": same address as \"%s\" of an "
			 "earlier server; give this one a server_name", l->text,
			 listen_text(&ld->servers[c->first - 1], &l->addr));
		return -1;
	} else if (sc->default_server && c->dflt != 0) {
		snprintf(msg, len, "listen \"%s\": an earlier server is "
			 "default_server for \"%s\" already", l->text,
			 listen_text(&ld->servers[c->dflt - 1], &l->addr));
		return -1;
	}
	if (sc->default_server)
		c->dflt = s + 1;
	return 0;
}

/* Room for one more server, zeroed (so server_free() may free it). */
static struct server_conf *servers_grow(struct loader *ld)
{
	if (ld->nservers == ld->servers_cap) {
		size_t cap = ld->servers_cap ? 2 * ld->servers_cap : 16;
		struct server_conf *v = realloc(ld->servers, cap * sizeof(*v));
		if (v == NULL)
			return NULL;
		ld->servers = v;
		ld->servers_cap = cap;
	}
	memset(&ld->servers[ld->nservers], 0, sizeof(ld->servers[0]));
	return &ld->servers[ld->nservers++];
}

/*
 * Replace a stored section by an empty one, which cfg_free() releases at
 * the end like any other: a file of many servers never holds more than
 * one libconfuse server tree.
 */
static int section_release(cfg_opt_t *opt)
{
	cfg_value_t *val = opt->values[opt->nvalues - 1];
	cfg_t *shell = calloc(1, sizeof(*shell));

	if (shell == NULL ||
	    (shell->opts = calloc(1, sizeof(*shell->opts))) == NULL) {
		free(shell);
		return config_store_failed(NULL);
	}
	val->section->path = NULL; /* the root's, as cfg_free_value() does */
	cfg_free(val->section);
	val->section = shell;
	return 0;
}

int config_take_server(cfg_opt_t *opt, char *msg, size_t len)
{
	struct loader *ld = loading;
	cfg_t *sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);
	struct server_conf *sc;
	unsigned s = (unsigned)ld->nservers;

	if ((sc = servers_grow(ld)) == NULL) {
		snprintf(msg, len, "%s", strerror(errno));
		return -1;
	}
	if (config_store_scope("server", sec, sc, false) == -1) {
		snprintf(msg, len, "cannot store the server section");
		return -1;
	}
	for (size_t a = 0; a < sc->nlisten; a++)
		if (claim_listen(ld, s, &sc->listen[a], msg, len) == -1)
			return -1;
	return section_release(opt);
}

void config_give_servers(struct server_conf **v, size_t *n)
{
	*v = loading->servers;
	*n = loading->nservers;
	loading->servers = NULL;
	loading->nservers = loading->servers_cap = 0;
}

/* A new group for the address of l. */
static void group_init(struct listen_group *g, const struct listen_conf *l)
{
	g->addr = l->addr;
	g->addrlen = l->addrlen;
	g->text = l->text;
}

/* Each (server, address) pair's group id, in server order; groups made. */
static long *config_group_ids(struct config *cf, struct addrmap *ids,
			      size_t n)
{
	long *id = calloc(n ? n : 1, sizeof(*id));
	size_t k = 0;
	bool added;

	if (id == NULL)
		return NULL;
	for (size_t s = 0; s < cf->nservers; s++) {
		const struct server_conf *sc = &cf->servers[s];
		for (size_t a = 0; a < sc->nlisten; a++, k++) {
			if ((id[k] = addrmap_id(ids, &sc->listen[a].addr,
						&added)) == -1) {
				free(id);
				return NULL;
			}
			if (added)
				group_init(&cf->groups[cf->ngroups++],
					   &sc->listen[a]);
			cf->groups[id[k]].nservers++; /* counted, then filled */
		}
	}
	return id;
}

/* Fill the groups, the default servers first, then the others in order. */
static void config_group_fill(struct config *cf, const long *id)
{
	for (int pass = 0; pass < 2; pass++) {
		size_t k = 0;
		for (size_t s = 0; s < cf->nservers; s++) {
			const struct server_conf *sc = &cf->servers[s];
			bool mine = sc->default_server == (pass == 0);
			for (size_t a = 0; a < sc->nlisten; a++, k++) {
				struct listen_group *g = &cf->groups[id[k]];
				if (mine)
					g->servers[g->nservers++] = (unsigned)s;
			}
		}
	}
}

/*
 * Group the servers by address, each group's default server first, and
 * index each group's server names.  Linear in servers and addresses.
 */
static int config_group(struct config *cf)
{
	struct addrmap *ids = addrmap_new();
	long *id = NULL;
	size_t n = 0;
	int rc = -1;

	for (size_t s = 0; s < cf->nservers; s++)
		n += cf->servers[s].nlisten;
	if (ids == NULL ||
	    (cf->groups = calloc(n ? n : 1, sizeof(*cf->groups))) == NULL ||
	    (id = config_group_ids(cf, ids, n)) == NULL)
		goto done;
	for (size_t g = 0; g < cf->ngroups; g++) {
		struct listen_group *lg = &cf->groups[g];
		if ((lg->servers = calloc(lg->nservers, sizeof(unsigned))) == NULL)
			goto done;
		lg->nservers = 0;
	}
	config_group_fill(cf, id);
	for (size_t g = 0; g < cf->ngroups; g++)
		if (route_index_group(cf, &cf->groups[g]) == -1)
			goto done;
	rc = 0;
done:
	free(id);
	addrmap_free(ids);
	return rc == 0 ? 0 : config_store_failed(NULL);
}

static struct config *config_copy(cfg_t *root, const char *path)
{
	const char *base = strrchr(path, '/');
	struct config *cf;

	if ((cf = calloc(1, sizeof(*cf))) == NULL) {
		config_store_failed(NULL);
		return NULL;
	}
	if ((cf->path = confval_path(loading->dir,
				     base ? base + 1 : path)) == NULL) {
		config_store_failed(NULL);
		goto fail;
	}
	if (config_store_scope("", root, cf, false) == -1 ||
	    config_group(cf) == -1)
		goto fail;
	return cf;
fail:
	config_free(cf);
	return NULL;
}

/* ------------------------------------------------------- interface */

/* The file's text, comments blanked, ready for libconfuse; NULL on error. */
static char *conf_text(struct loader *ld, int *brace_line)
{
	char msg[CONFIG_ERR_MAX];
	char *text;
	int line;

	if ((text = conftext_read(ld->path, brace_line, &line, msg,
				  sizeof(msg))) == NULL)
		loader_error(line, "%s", msg);
	return text;
}

struct config *config_load(const char *path, char *err, size_t errlen)
{
	struct loader ld = { .path = path, .err = err, .errlen = errlen };
	struct config *cf = NULL;
	int brace_line = 0;
	char *text;
	cfg_t *root;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	loading = &ld;
	if ((text = conf_text(&ld, &brace_line)) == NULL)
		goto done;
	if ((ld.dir = conftext_dir(path)) == NULL ||
	    (ld.addrs = addrmap_new()) == NULL) {
		loader_error(0, "%s", strerror(errno));
		goto done;
	}
	if ((root = conf_parse(&ld, text)) == NULL)
		goto done;
	/*
	 * After the parse: a list left open fails it with a better line, and
	 * an open section that is incomplete too gets its own message.
	 */
	if (brace_line != 0)
		loader_error(brace_line, "'{' is not closed with '}'");
	else if (cfg_size(root, "server") == 0)
		loader_error(0, "no server section; at least one is required");
	else
		cf = config_copy(root, path);
	cfg_free(root);
done:
	for (size_t i = 0; i < ld.nservers; i++) /* not handed on: a failure */
		server_free(&ld.servers[i]);
	free(ld.servers);
	addrmap_free(ld.addrs);
	free(ld.claims);
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
	if (sc->error_page != config_no_error_pages && sc->error_page != NULL) {
		for (size_t i = 0; i < ERROR_PAGE_COUNT; i++)
			free(sc->error_page[i]);
		free(sc->error_page);
	}
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
	for (size_t g = 0; g < cf->ngroups; g++) {
		free(cf->groups[g].servers);
		hostmap_free(cf->groups[g].names);
	}
	free(cf->groups);
	free(cf->path);
	free(cf->pid_file);
	free(cf->mime_types);
	mime_types_free(cf->mime);
	free(cf->error_log);
	free(cf->user);
	free(cf->group);
	free(cf);
}
