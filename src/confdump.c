/*
 * confdump.c — the configuration as libconfuse parsed it, written back as
 * a config file (forkd -T): every option of the table in its order, the
 * defaults filled in, includes already expanded by the loader, file names
 * made absolute, strings single-quoted.  Loading the output gives the same
 * struct config, wherever the output is put.
 *
 * A location section shows only what it sets: what it leaves unset it
 * takes from its server, and writing the defaults there would change that.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <confuse.h>

#include "confdump.h"
#include "confschema.h"
#include "confval.h"

/* What is being written: the table's rows, the file's directory. */
struct dump {
	FILE *out;
	const struct option *rows;
	size_t nrows;
	const char *dir;
};

static const char *row_name(const struct option *o)
{
	const char *bar = strrchr(o->path, '|');

	return bar != NULL ? bar + 1 : o->path;
}

/* '...' with \ and ' escaped: libconfuse expands nothing in them. */
static void put_quoted(FILE *out, const char *s)
{
	fputc('\'', out);
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '\'')
			fputc('\\', out);
		fputc(*s, out);
	}
	fputc('\'', out);
}

/* A file name as it is stored: absolute, against the file's directory. */
static void put_string(const struct dump *d, const struct option *o,
		       const char *s)
{
	FILE *out = d->out;
	char *abs;

	if (o->kind->file == KIND_NO_FILE || s[0] == '\0' ||
	    strcmp(s, "off") == 0 || strcmp(s, "stderr") == 0 ||
	    (o->off && strcmp(s, o->off) == 0)) {
		put_quoted(out, s);
		return;
	}
	abs = o->kind->file == KIND_ROOT ? confval_root(d->dir, s)
					 : confval_path(d->dir, s);
	put_quoted(out, abs != NULL ? abs : s);
	free(abs);
}

/*
 * A default that may be missing (mime_types = /etc/mime.types) would be
 * an error once written out: it is then written as the row's off word,
 * which means the same, the built-in table.
 */
static bool default_unusable(const struct option *o, cfg_opt_t *opt)
{
	char msg[256];

	/* a default libconfuse does not hold is the table's, and good */
	return o->off != NULL && o->kind->check != NULL &&
	       !o->kind->check_default && !(opt->flags & CFGF_MODIFIED) &&
	       cfg_opt_size(opt) > 0 &&
	       o->kind->check(o, opt, msg, sizeof(msg)) == -1;
}

static void indent(FILE *out, int depth)
{
	for (int i = 0; i < depth; i++)
		fputc('\t', out);
}

static void dump_scope(const struct dump *d, const char *scope, cfg_t *sec,
		       int depth, bool only_set);

static void dump_section(const struct dump *d, const struct option *o,
			 cfg_t *sec, int depth)
{
	const char *name = row_name(o);

	for (unsigned i = 0; i < cfg_size(sec, name); i++) {
		cfg_t *inner = cfg_getnsec(sec, name, i);
		indent(d->out, depth);
		fputs(name, d->out);
		if (o->kind->type == OPT_SEC_NAMED) {
			fputc(' ', d->out);
			put_quoted(d->out, cfg_title(inner));
		}
		fputs(" {\n", d->out);
		dump_scope(d, o->path, inner, depth + 1,
			   o->kind->type == OPT_SEC_NAMED);
		indent(d->out, depth);
		fputs("}\n", d->out);
	}
}

static void dump_list(const struct dump *d, const struct option *o, cfg_t *sec)
{
	const char *name = row_name(o);

	fprintf(d->out, "%s = {", name);
	for (unsigned i = 0; i < confschema_size(sec, o); i++) {
		fputs(i == 0 ? "" : ", ", d->out);
		put_string(d, o, confschema_nstr(sec, o, i));
	}
	fputs("}\n", d->out);
}

static void dump_option(const struct dump *d, const struct option *o,
			cfg_t *sec, int depth)
{
	const char *name = row_name(o);

	if (o->kind->type == OPT_SEC || o->kind->type == OPT_SEC_NAMED) {
		dump_section(d, o, sec, depth);
		return;
	}
	if (o->kind->type == OPT_STR && confschema_str(sec, o) == NULL)
		return;
	indent(d->out, depth);
	/* An empty default means "none", and some rows take no empty value
	 * from a file (redirect_map): shown, but as a comment. */
	if (o->kind->type == OPT_STR && confschema_str(sec, o)[0] == '\0' &&
	    !(confschema_opt(sec, o)->flags & CFGF_MODIFIED)) {
		fprintf(d->out, "# %s: not set\n", name);
		return;
	}
	if (o->kind->type == OPT_BOOL) {
		fprintf(d->out, "%s = %s\n", name,
			confschema_bool(sec, o) ? "true" : "false");
	} else if (o->kind->type == OPT_LIST) {
		dump_list(d, o, sec);
	} else {
		fprintf(d->out, "%s = ", name);
		if (default_unusable(o, confschema_opt(sec, o)))
			put_quoted(d->out, o->off);
		else
			put_string(d, o, confschema_str(sec, o));
		fputc('\n', d->out);
	}
}

/* Is o directly in scope ("" for the top level)? */
static bool in_scope(const struct option *o, const char *scope)
{
	size_t n = (size_t)(row_name(o) - o->path);
	size_t len = strlen(scope);

	return len == 0 ? n == 0
			: n == len + 1 && strncmp(o->path, scope, len) == 0;
}

static void dump_scope(const struct dump *d, const char *scope, cfg_t *sec,
		       int depth, bool only_set)
{
	for (size_t i = 0; i < d->nrows; i++) {
		const struct option *o = &d->rows[i];
		if (!in_scope(o, scope))
			continue;
		if (only_set &&
		    !(cfg_getopt(sec, row_name(o))->flags & CFGF_MODIFIED))
			continue;
		dump_option(d, o, sec, depth);
	}
}

int confdump_write(struct cfg_t *root, const char *path, const char *dir,
		   const struct option *rows, size_t nrows, FILE *out)
{
	const struct dump d = {
		.out = out, .rows = rows, .nrows = nrows, .dir = dir
	};

	fprintf(out,
		"# forkd -T: %s with its includes, every default "
		"filled in\n",
		path);
	dump_scope(&d, "", root, 0, false);
	return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
