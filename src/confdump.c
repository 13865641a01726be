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
static void put_string(FILE *out, const struct option *o, const char *s)
{
	char *abs;

	if (o->kind->file == KIND_NO_FILE || s[0] == '\0' || strcmp(s, "off") == 0 ||
	    strcmp(s, "stderr") == 0 || (o->off && strcmp(s, o->off) == 0)) {
		put_quoted(out, s);
		return;
	}
	abs = o->kind->file == KIND_ROOT ? confval_root(config_dir(), s) :
				    confval_path(config_dir(), s);
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

	return o->off != NULL && o->kind->check != NULL &&
	       !o->kind->check_default && !(opt->flags & CFGF_MODIFIED) &&
	       o->kind->check(o, opt, msg, sizeof(msg)) == -1;
}

static void indent(FILE *out, int depth)
{
	for (int i = 0; i < depth; i++)
		fputc('\t', out);
}

static void dump_scope(FILE *out, const char *scope, cfg_t *sec, int depth,
		       bool only_set);

static void dump_section(FILE *out, const struct option *o, cfg_t *sec,
			 int depth)
{
	const char *name = option_name(o);

	for (unsigned i = 0; i < cfg_size(sec, name); i++) {
		cfg_t *inner = cfg_getnsec(sec, name, i);
		indent(out, depth);
		fputs(name, out);
		if (o->kind->type == OPT_SEC_NAMED) {
			fputc(' ', out);
			put_quoted(out, cfg_title(inner));
		}
		fputs(" {\n", out);
		dump_scope(out, o->path, inner, depth + 1,
			   o->kind->type == OPT_SEC_NAMED);
		indent(out, depth);
		fputs("}\n", out);
	}
}

static void dump_option(FILE *out, const struct option *o, cfg_t *sec,
			int depth)
{
	const char *name = option_name(o);

	switch (o->kind->type) {
	case OPT_SEC:
	case OPT_SEC_NAMED:
		dump_section(out, o, sec, depth);
		return;
	case OPT_BOOL:
		indent(out, depth);
		fprintf(out, "%s = %s\n", name,
			cfg_getbool(sec, name) ? "true" : "false");
		return;
	case OPT_LIST:
		indent(out, depth);
		fprintf(out, "%s = {", name);
		for (unsigned i = 0; i < cfg_size(sec, name); i++) {
			fputs(i == 0 ? "" : ", ", out);
			put_string(out, o, cfg_getnstr(sec, name, i));
		}
		fputs("}\n", out);
		return;
	case OPT_STR:
		if (cfg_getstr(sec, name) == NULL)
			return;
		indent(out, depth);
		fprintf(out, "%s = ", name);
		if (default_unusable(o, cfg_getopt(sec, name)))
			put_quoted(out, o->off);
		else
			put_string(out, o, cfg_getstr(sec, name));
		fputc('\n', out);
		return;
	}
}

/* Is o directly in scope ("" for the top level)? */
static bool in_scope(const struct option *o, const char *scope)
{
	size_t n = (size_t)(option_name(o) - o->path);
	size_t len = strlen(scope);

	return len == 0 ? n == 0 :
	       n == len + 1 && strncmp(o->path, scope, len) == 0;
}

static void dump_scope(FILE *out, const char *scope, cfg_t *sec, int depth,
		       bool only_set)
{
	for (size_t i = 0; i < config_noptions; i++) {
		const struct option *o = &config_options[i];
		if (!in_scope(o, scope))
			continue;
		if (only_set &&
		    !(cfg_getopt(sec, option_name(o))->flags & CFGF_MODIFIED))
			continue;
		dump_option(out, o, sec, depth);
	}
}

int confdump_write(struct cfg_t *root, const char *path, FILE *out)
{
	fprintf(out, "# forkd -T: %s with its includes, every default "
		"filled in\n", path);
	dump_scope(out, "", root, 0, false);
	return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
