/*
 * confexpand.h — the whole configuration as one text for libconfuse:
 * include("pattern") replaced by the files it names, a directive given
 * twice in one section caught (or, for a list, turned into an append),
 * and every line of the result traced back to its file and line.
 *
 * It reads the text with libconfuse's grammar (name = value, name += list,
 * name { }, name "title" { }, name(args)) but knows no option: the loader
 * says what each name is through a classify function.  Where the text
 * leaves the grammar it stops looking and copies the rest as it is, for
 * libconfuse to report the syntax error at its line.
 */
#ifndef FORKD_CONFEXPAND_H
#define FORKD_CONFEXPAND_H

#include <stddef.h>

/* What a name given again in the same section means. */
enum repeat {
	REPEAT_UNKNOWN, /* not an option here: libconfuse reports it */
	REPEAT_REFUSE,  /* a single value: the second one is an error */
	REPEAT_APPEND,  /* a list: a second "name =" appends, as "+=" */
	REPEAT_SECTION, /* a section: repeats allowed, each title once */
};

/* scope: "" at the top level, "server", "server|location". */
typedef enum repeat (*confexpand_classify)(const char *scope, const char *name);

/*
 * The default of a list, as the file would write it ("{index.html}"), when
 * a "name +=" must append to it: NULL when it has none.
 */
typedef const char *(*confexpand_list_default)(const char *scope,
					       const char *name);

#define INCLUDE_DEPTH_MAX 16

struct span {
	int line;      /* the first line of the text it covers */
	unsigned file; /* index into files */
	int file_line; /* that line's number in the file */
};

struct confexpand {
	char *text; /* NUL-terminated, comments blanked */
	size_t len, cap;
	int line;     /* the line the end of text is on */
	char **files; /* [0] the main file as given, then included ones */
	size_t nfiles;
	struct span *spans;
	size_t nspans;
	int brace_line; /* a '{' of the main file never closed, or 0 */
	int err_line;   /* line (in text) of the first repeat error; 0 */
	char err[2048]; /* that error, or why the expansion failed */
};

/*
 * Expand the file at path into ce.  0: ce->text is ready, and ce->err_line
 * may name a repeated directive (the text is still whole, so that an
 * earlier error of libconfuse's can be preferred).  -1: ce->err is the
 * whole message ("FILE:LINE: ..." or "FILE: ..."), nothing to parse.
 * Either way confexpand_free() releases ce.
 */
int confexpand_load(struct confexpand *ce, const char *path,
		    confexpand_classify classify);

/*
 * The same, and a list's first "name +=" in a section is preceded by
 * "name = DEFAULT" (list_default's), on the same line: the parser is
 * then not asked to hold every section's list defaults.
 */
int confexpand_load_defaults(struct confexpand *ce, const char *path,
			     confexpand_classify classify,
			     confexpand_list_default list_default);

/* "FILE:LINE" for a line of ce->text, into out. */
void confexpand_where(const struct confexpand *ce, int line, char *out,
		      size_t outsz);

void confexpand_free(struct confexpand *ce);

#endif
