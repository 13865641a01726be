/*
 * config.c — read forkd.conf into struct config.
 *
 * The text comes from confexpand.c (the file and its includes, comments
 * blanked, repeated directives caught, lines traced back to their files);
 * libconfuse parses it
 * with option arrays generated from the table in confschema.c.  Every
 * value is checked by a validation callback while the parser still knows
 * its line, so each error is reported once, as "FILE:LINE: message".
 * Values are stored into the plain structs of config.h row by row: each
 * server as its section closes, its libconfuse tree then freed
 * (confsect.c), the top level after a clean parse.  Rows of sections
 * reach libconfuse without defaults; the table's apply (confschema.h).
 *
 * Loading installs nothing in the process: not the log level, not the
 * MIME types (the config owns its parsed table; a worker installs its own
 * generation's).  A reload may still fail after the parse, and a failed
 * reload must change nothing.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <confuse.h>

#include "addrmap.h"
#include "config.h"
#include "confdump.h"
#include "confexpand.h"
#include "conflisten.h"
#include "confload.h"
#include "confloc.h"
#include "confschema.h"
#include "conftext.h"
#include "confval.h"
#include "hostmap.h"
#include "mime.h"
#include "platform.h"
#include "redirmap.h"
#include "route.h"

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

static void confuse_error(cfg_t *cfg, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* libconfuse's own errors (syntax, unknown option) and ours. */
static void confuse_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	confload_verror(cfg->line, fmt, ap);
}

/* ------------------------------------------------------- the schema */

/* libconfuse's validation callback for every row that has a check. */
static int option_validate(cfg_t *cfg, cfg_opt_t *opt)
{
	const struct option *o = confschema_row(cfg, opt);
	char msg[CONFIG_ERR_MAX];

	confload_checking(cfg->line);
	if (o->kind->check(o, opt, msg, sizeof(msg)) == 0)
		return 0;
	if (confload_check_line() > 0)
		confload_error(confload_check_line(), "%s", msg);
	else
		cfg_error(cfg, "%s", msg);
	return -1;
}

/* Room for every row and one terminator per scope. */
#define SCHEMA_MAX 128
static cfg_opt_t schema[SCHEMA_MAX];

/* The libconfuse array for one row, its sections' arrays built first. */
static cfg_opt_t schema_opt(const struct option *o, size_t *used);

/* The libconfuse options of scope, in schema[*used...]; NULL-terminated. */
static cfg_opt_t *schema_build(const char *scope, size_t *used)
{
	size_t n = 0, first;
	cfg_opt_t row[SCHEMA_MAX];

	for (size_t i = 0; i < config_noptions; i++)
		if (option_in(&config_options[i], scope))
			row[n++] = schema_opt(&config_options[i], used);
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
	int flags = CFGF_NONE;

	if (confschema_lazy(o)) {
		dflt = NULL; /* confschema.c applies it */
		flags = CFGF_NODEFAULT;
	}
	switch (o->kind->type) {
	case OPT_LIST:
		/*
		 * libconfuse runs its lexer over a list's default in every
		 * new section; "{}" is no list at all, so it needs none.
		 */
		if (dflt != NULL && strcmp(dflt, "{}") == 0)
			dflt = NULL;
		return (cfg_opt_t)CFG_STR_LIST(name, dflt, flags);
	case OPT_BOOL:
		return (cfg_opt_t)CFG_BOOL(
			name,
			dflt != NULL && strcmp(dflt, "true") == 0 ? cfg_true
								  : cfg_false,
			flags);
	/*
	 * CFGF_DEFINIT: a new section is not given its defaults, nor its
	 * option names checked for duplicates (n^2 strcmp per section): its
	 * rows are lazy, the table's defaults apply (confschema.h).
	 */
	case OPT_SEC:
		return (cfg_opt_t)CFG_SEC(name, schema_build(o->path, used),
					  CFGF_MULTI | CFGF_DEFINIT);
	case OPT_SEC_NAMED:
		return (cfg_opt_t)CFG_SEC(name, schema_build(o->path, used),
					  CFGF_MULTI | CFGF_TITLE |
						  CFGF_NO_TITLE_DUPES |
						  CFGF_DEFINIT);
	case OPT_STR: break;
	}
	return (cfg_opt_t)CFG_STR(name, dflt, flags);
}

static cfg_t *conf_parse(struct confload *ld, const char *text)
{
	size_t used = 0;
	cfg_t *cfg;
	int rc;

	if ((cfg = cfg_init(schema_build("", &used), CFGF_NONE)) == NULL) {
		confload_error(0, "%s", strerror(errno));
		return NULL;
	}
	cfg_set_error_function(cfg, confuse_error);
	for (size_t i = 0; i < config_noptions; i++)
		if (config_options[i].kind->check != NULL)
			cfg_set_validate_func(cfg, config_options[i].path,
					      option_validate);
	ld->root = cfg;
	rc = cfg_parse_buf(cfg, text);
	ld->root = NULL;
	if (rc == CFG_SUCCESS)
		return cfg;
	confload_error(0, "cannot be parsed");
	cfg_free(cfg);
	return NULL;
}

/*
 * A default the file does not set is not seen by the parse-time checks,
 * but a start uses it all the same (pid_file = /run/forkd.pid): check
 * those of the top level now, with no line to name.
 */
static int check_defaults(cfg_t *root)
{
	char msg[CONFIG_ERR_MAX];

	for (size_t i = 0; i < config_noptions; i++) {
		const struct option *o = &config_options[i];
		cfg_opt_t *opt;
		if (!option_in(o, "") || !o->kind->check_default)
			continue;
		opt = cfg_getopt(root, option_name(o));
		if (!(opt->flags & CFGF_MODIFIED) &&
		    o->kind->check(o, opt, msg, sizeof(msg)) == -1) {
			confload_error(0, "%s (the default)", msg);
			return -1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ store */

/* A new group for the address of l. */
static void group_init(struct listen_group *g, const struct listen_conf *l)
{
	g->addr = l->addr;
	g->addrlen = l->addrlen;
	g->text = l->text;
}

/* Each (server, address) pair's group id, in server order; groups made. */
static long *config_group_ids(struct config *cf, struct addrmap *ids, size_t n)
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
 * index each group's server names (route.h).  Linear in servers and
 * addresses: a hash of addresses, and each group sized by a count.
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
		if ((lg->servers = calloc(lg->nservers, sizeof(unsigned))) ==
		    NULL)
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
	if ((cf->path = confval_path(config_dir(), base ? base + 1 : path)) ==
	    NULL) {
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

/* How a name given twice in one section is taken, by its row. */
static enum repeat option_repeat(const char *scope, const char *name)
{
	const struct option *o = confschema_find(scope, name);

	if (o == NULL)
		return REPEAT_UNKNOWN;
	switch (o->kind->type) {
	case OPT_LIST: return REPEAT_APPEND;
	case OPT_SEC:
	case OPT_SEC_NAMED: return REPEAT_SECTION;
	default: return REPEAT_REFUSE;
	}
}

/* A list's default, when a section's "+=" must append to it. */
static const char *list_default(const char *scope, const char *name)
{
	const struct option *o = confschema_find(scope, name);

	if (o == NULL || o->kind->type != OPT_LIST || !confschema_lazy(o) ||
	    o->dflt == NULL || strcmp(o->dflt, "{}") == 0)
		return NULL;
	return o->dflt;
}

/*
 * The text for libconfuse: the file and its includes, comments blanked.
 * -1 when there is none; a repeated directive is an error but leaves
 * the text, so that libconfuse may find an earlier one.
 */
static int conf_text(struct confload *ld)
{
	struct confexpand *ce = &ld->text;

	if (confexpand_load_defaults(ce, ld->path, option_repeat,
				     list_default) == -1) {
		if (ld->err != NULL && ld->errlen > 0) {
			snprintf(ld->err, ld->errlen, "%s", ce->err);
			ld->failed = true;
		}
		return -1;
	}
	if (ce->err_line != 0)
		confload_error(ce->err_line, "%s", ce->err);
	return 0;
}

static void server_free(struct server_conf *sc);

/* Load path; with dump, write what it amounts to there when it is good. */
static struct config *load(const char *path, FILE *dump, char *err,
			   size_t errlen)
{
	struct confload ld = { .path = path,
			       .err = err,
			       .errlen = errlen,
			       .keep_tree = dump != NULL };
	struct config *cf = NULL;
	cfg_t *root;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	confload_begin(&ld);
	if (conf_text(&ld) == -1)
		goto done;
	if ((ld.dir = conftext_dir(path)) == NULL) {
		confload_error(0, "%s", strerror(errno));
		goto done;
	}
	if ((root = conf_parse(&ld, ld.text.text)) == NULL)
		goto done;
	/*
	 * After the parse: a list left open fails it with a better line, and
	 * an open section that is incomplete too gets its own message.
	 */
	if (ld.text.brace_line != 0)
		confload_error(ld.text.brace_line,
			       "'{' is not closed with '}'");
	else if (ld.nsections == 0)
		confload_error(0,
			       "no server section; at least one is required");
	else if (!ld.failed && check_defaults(root) == 0)
		cf = config_copy(root, path);
	if (cf != NULL && dump != NULL &&
	    confdump_write(root, path, ld.dir, config_options, config_noptions,
			   dump) == -1)
		confload_error(0, "writing the configuration: %s",
			       strerror(errno));
	cfg_free(root);
done:
	for (size_t i = 0; i < ld.nservers; i++)
		server_free(&ld.servers[i]);
	free(ld.servers);
	free(ld.dir);
	conflisten_free(&ld.listens);
	confexpand_free(&ld.text);
	confload_end();
	return cf;
}

struct config *config_load(const char *path, char *err, size_t errlen)
{
	return load(path, NULL, err, errlen);
}

int config_dump(const char *path, FILE *out, char *err, size_t errlen)
{
	struct config *cf = load(path, out, err, errlen);

	config_free(cf);
	return cf != NULL && (err == NULL || err[0] == '\0') ? 0 : -1;
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
	confloc_free(&sc->defaults);
	for (size_t i = 0; i < sc->nlocations; i++)
		confloc_free(&sc->locations[i]);
	free(sc->locations);
	free(sc->redirect_map_path);
	redirmap_free(sc->redirect_map);
	platform_free(sc->platform);
	free(sc->access_log);
	free(sc->access_log_custom);
	free(sc->status_path);
	free(sc->health_path);
	free(sc->status_allow);
	free(sc->health_allow);
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
