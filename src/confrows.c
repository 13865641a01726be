/*
 * confrows.c — part of the confschema module (tests/layers.py PARTS): a
 * row of the option table and the libconfuse option it describes, found
 * by position.  The table itself, the kinds and their checks stay in
 * confschema.c; this file only maps rows to scopes and places, reads a
 * section's values through that map, and stores a whole scope.
 */
#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <confuse.h>

#include "confload.h"
#include "confschema.h"

const char *option_name(const struct option *o)
{
	const char *bar = strrchr(o->path, '|');

	return bar != NULL ? bar + 1 : o->path;
}

bool option_in(const struct option *o, const char *scope)
{
	size_t n = (size_t)(option_name(o) - o->path);
	size_t len = strlen(scope);

	if (len == 0)
		return n == 0;
	return n == len + 1 && strncmp(o->path, scope, len) == 0;
}

/* ------------------------------------------------- rows by position */

/*
 * libconfuse keeps a section's options in the order config.c's schema
 * gave them, which is the table's order within each scope.  So the option
 * of a row is found at its position, not by name: a name lookup scans
 * the section's options with strcmp, and with 50,000 servers of 40 rows
 * each that scan was a fifth of a load.
 */
#define ROWS_MAX 128
#define SCOPES_MAX 8

static struct {
	bool built;
	size_t nscopes;
	const struct option *scope_row[SCOPES_MAX]; /* [0]: the top, NULL */
	unsigned scope[ROWS_MAX];                   /* each row's scope */
	unsigned pos[ROWS_MAX];                     /* and place in it */
	const struct option *at[SCOPES_MAX][ROWS_MAX];
	unsigned nat[SCOPES_MAX];
} ix;

/* The scope number of path ("" the top, "server|location", ...). */
static unsigned scope_number(const char *path, size_t len)
{
	for (unsigned k = 1; k < ix.nscopes; k++)
		if (strlen(ix.scope_row[k]->path) == len &&
		    strncmp(ix.scope_row[k]->path, path, len) == 0)
			return k;
	return 0;
}

static void index_build(void)
{
	if (ix.built)
		return;
	if (config_noptions > ROWS_MAX)
		abort(); /* raise ROWS_MAX */
	ix.nscopes = 1;
	for (size_t i = 0; i < config_noptions; i++)
		if (config_options[i].kind->type >= OPT_SEC) {
			if (ix.nscopes == SCOPES_MAX)
				abort(); /* raise SCOPES_MAX */
			ix.scope_row[ix.nscopes++] = &config_options[i];
		}
	for (size_t i = 0; i < config_noptions; i++) {
		const struct option *o = &config_options[i];
		unsigned k = scope_number(o->path,
					  (size_t)(option_name(o) - o->path) -
						  (option_name(o) != o->path));
		ix.scope[i] = k;
		ix.pos[i] = ix.nat[k];
		ix.at[k][ix.nat[k]++] = o;
	}
	ix.built = true;
}

cfg_opt_t *confschema_opt(cfg_t *sec, const struct option *o)
{
	cfg_opt_t *opt;

	index_build();
	opt = &sec->opts[ix.pos[o - config_options]];
	assert(strcmp(opt->name, option_name(o)) == 0);
	return opt;
}

const char *confschema_str(cfg_t *sec, const struct option *o)
{
	cfg_opt_t *opt = confschema_opt(sec, o);

	return cfg_opt_size(opt) > 0 ? cfg_opt_getnstr(opt, 0) : o->dflt;
}

bool confschema_bool(cfg_t *sec, const struct option *o)
{
	cfg_opt_t *opt = confschema_opt(sec, o);

	if (cfg_opt_size(opt) > 0)
		return cfg_opt_getnbool(opt, 0);
	return o->dflt != NULL && strcmp(o->dflt, "true") == 0;
}

const char *confschema_get(cfg_t *sec, const char *name)
{
	return confschema_str(sec, confschema_row(sec, cfg_getopt(sec, name)));
}

bool confschema_get_bool(cfg_t *sec, const char *name)
{
	return confschema_bool(sec, confschema_row(sec, cfg_getopt(sec, name)));
}

bool confschema_lazy(const struct option *o)
{
	index_build();
	return ix.scope[o - config_options] != 0 && o->kind->type < OPT_SEC;
}

/* The items of a list row's default "{a, b}", split once. */
#define DEFAULT_ITEMS_MAX 4
static struct {
	bool split;
	char text[ROWS_MAX][64];
	const char *item[ROWS_MAX][DEFAULT_ITEMS_MAX];
	unsigned n[ROWS_MAX];
} dl;

static void default_split(void)
{
	for (size_t i = 0; i < config_noptions && !dl.split; i++) {
		const struct option *o = &config_options[i];
		char *p = dl.text[i], *save = NULL, *tok;
		if (o->kind->type != OPT_LIST || o->dflt == NULL)
			continue;
		if (strlen(o->dflt) >= sizeof(dl.text[i]))
			abort(); /* a longer default: raise the room */
		snprintf(p, sizeof(dl.text[i]), "%s", o->dflt + 1);
		p[strcspn(p, "}")] = '\0';
		for (tok = strtok_r(p, ", ", &save); tok != NULL;
		     tok = strtok_r(NULL, ", ", &save)) {
			if (dl.n[i] == DEFAULT_ITEMS_MAX)
				abort(); /* raise DEFAULT_ITEMS_MAX */
			dl.item[i][dl.n[i]++] = tok;
		}
	}
	dl.split = true;
}

/* A list the section does not set is its default; "name = {}" is empty. */
static bool list_defaulted(cfg_opt_t *opt)
{
	return !(opt->flags & CFGF_MODIFIED) && cfg_opt_size(opt) == 0;
}

unsigned confschema_size(cfg_t *sec, const struct option *o)
{
	cfg_opt_t *opt = confschema_opt(sec, o);

	if (!list_defaulted(opt))
		return cfg_opt_size(opt);
	default_split();
	return dl.n[o - config_options];
}

const char *confschema_nstr(cfg_t *sec, const struct option *o, unsigned i)
{
	cfg_opt_t *opt = confschema_opt(sec, o);

	if (!list_defaulted(opt))
		return cfg_opt_getnstr(opt, i);
	default_split();
	return dl.item[o - config_options][i];
}

/*
 * A section is named by its last part ("redirect"), which two scopes
 * share; their rows are alike, so the first scope of that name serves.
 */
const struct option *confschema_row(cfg_t *sec, cfg_opt_t *opt)
{
	unsigned k = 0;
	size_t pos = (size_t)(opt - sec->opts);

	index_build();
	if (strcmp(sec->name, "root") != 0)
		for (k = 1; k < ix.nscopes; k++)
			if (strcmp(option_name(ix.scope_row[k]), sec->name) ==
			    0)
				break;
	if (k == ix.nscopes || pos >= ix.nat[k])
		abort(); /* libconfuse knows only the table's options */
	return ix.at[k][pos];
}

const struct option *confschema_find(const char *scope, const char *name)
{
	unsigned k;

	index_build();
	k = scope_number(scope, strlen(scope));
	if (k == 0 && scope[0] != '\0')
		return NULL;
	for (unsigned i = 0; i < ix.nat[k]; i++)
		if (strcmp(option_name(ix.at[k][i]), name) == 0)
			return ix.at[k][i];
	return NULL;
}

int config_store_scope(const char *scope, cfg_t *sec, void *base, bool only_set)
{
	unsigned k;

	index_build();
	k = scope_number(scope, strlen(scope));
	for (unsigned i = 0; i < ix.nat[k]; i++) {
		const struct option *o = ix.at[k][i];
		if (only_set && !(sec->opts[i].flags & CFGF_MODIFIED))
			continue;
		if (o->kind->store(o, sec, base) == -1)
			return -1;
	}
	return 0;
}

/* The value just set: the last one, since lists are checked per item. */
const char *confschema_last_value(cfg_opt_t *opt)
{
	return cfg_opt_getnstr(opt, cfg_opt_size(opt) - 1);
}

char *confschema_strdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		config_store_failed(NULL);
	return p;
}
