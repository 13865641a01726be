/*
 * confschema.h — the options of forkd.conf, one table row each; shared by
 * config.c (the loader) and confschema.c (the table and its kinds) only.
 *
 * A row names everything about an option: where it is ("server|root"),
 * its default as it would be written in the file, its kind (how text is
 * checked and stored), its limits or words, and its destination (an
 * offset into struct config, server_conf or location_conf, by scope).
 * The libconfuse option arrays are generated from the rows at each load.
 * libconfuse's types appear here by their struct tags only, so that
 * confuse.h stays in the two .c files.
 */
#ifndef FORKD_CONFSCHEMA_H
#define FORKD_CONFSCHEMA_H

#include "confload.h" /* how the kinds report and what they ask */

#include <stdbool.h>
#include <stddef.h>

struct cfg_t;
struct cfg_opt_t;
struct option;

/* libconfuse's type for an option's values. */
enum opt_type {
	OPT_STR,       /* one string: every scalar, numbers included */
	OPT_LIST,      /* a list of strings */
	OPT_BOOL,      /* libconfuse's own true/false/yes/no/on/off */
	OPT_SEC,       /* a section of further rows */
	OPT_SEC_NAMED, /* a section with a title, unique in its parent */
};

/* Does a value name a file (made absolute against the file's directory)? */
enum kind_file {
	KIND_NO_FILE,
	KIND_FILE, /* a file name; off words and "stderr" stay words */
	KIND_ROOT, /* a directory, stored without trailing slashes */
};

/* A word an option may be, and what it stores. */
struct word {
	const char *text; /* "" may stand for "not set"; it is not listed */
	int value;
};

/*
 * How one kind of option is checked and stored.  check runs while
 * libconfuse parses, on the value just set (the last one of a list), so
 * the error has its line; 0, or -1 with a message.  store copies the
 * final value(s) of the option in sec into base + row->dst; 0, or -1
 * after reporting through config_store_failed().  A scalar kind is its
 * parse function, which check and store both run.
 */
struct kind {
	enum opt_type type;
	int (*check)(const struct option *o, struct cfg_opt_t *opt, char *msg,
		     size_t len);
	int (*store)(const struct option *o, struct cfg_t *sec, void *base);
	/* scalars: text to the value at out, run by both check and store */
	int (*parse)(const struct option *o, const char *s, void *out,
		     char *msg, size_t len);
	enum kind_file file;
	bool check_default; /* a default is checked too (the file's use) */
};

/* A pure check of one value, from confval.h. */
typedef int (*value_test)(const char *name, const char *s, char *msg,
			  size_t len);

struct option {
	const char *path; /* "server|location|expires" */
	const char *dflt; /* as in a file; lists "{a, b}"; NULL: none */
	const struct kind *kind;
	size_t dst;               /* offset into the scope's struct */
	size_t aux;               /* a second field: a list's count, ... */
	unsigned min, max;        /* numbers, durations, sizes */
	const struct word *words; /* word kinds; ends with a NULL text */
	value_test test;          /* strings and lists: each value */
	const char *off;          /* strings: this word (or "") stores NULL */
	bool nocase;              /* words match in any case */
};

extern const struct option config_options[];
extern const size_t config_noptions;

/* The row's own name: the last part of its path. */
const char *option_name(const struct option *o);

/* Is o directly in scope ("" for the top level, "server", ...)? */
bool option_in(const struct option *o, const char *scope);

/*
 * Store every row of scope ("" for the top level, "server", ...) from sec
 * into base, in table order.  only_set: skip options the file did not
 * set, keeping what base holds (a location inherits from its server).
 */
int config_store_scope(const char *scope, struct cfg_t *sec, void *base,
		       bool only_set);

/*
 * The libconfuse option of row o in sec, a section of o's scope; found by
 * its position, which libconfuse keeps as the schema gave it.
 */
struct cfg_opt_t *confschema_opt(struct cfg_t *sec, const struct option *o);

/* The row of opt, an option of the section sec (for libconfuse's
 * callbacks, which name neither). */
const struct option *confschema_row(struct cfg_t *sec, struct cfg_opt_t *opt);

/* The row named name directly in scope ("server|location"); NULL: none. */
const struct option *confschema_find(const char *scope, const char *name);

/* --- for the kinds (confschema.c, confsect.c) ----------------------- */

/*
 * A lazy row is given to libconfuse without its default, which is then
 * the table's to apply: libconfuse would otherwise copy and set every
 * default of every section (a third of a load of 50,000 servers).  The
 * rows of sections are lazy; those of the top level, set once, are not.
 * A list's "+=" appends to its default: confexpand writes the default
 * out before a section's first "+=" of the list (config.c).
 */
bool confschema_lazy(const struct option *o);

/* The values of list row o in sec, or the items of the row's default. */
unsigned confschema_size(struct cfg_t *sec, const struct option *o);
const char *confschema_nstr(struct cfg_t *sec, const struct option *o,
			    unsigned i);

/* The (first) string value of row o in sec, or the row's default. */
const char *confschema_str(struct cfg_t *sec, const struct option *o);
bool confschema_bool(struct cfg_t *sec, const struct option *o);

/* The same by name, for a row of sec's scope. */
const char *confschema_get(struct cfg_t *sec, const char *name);
bool confschema_get_bool(struct cfg_t *sec, const char *name);

/* The field at byte offset off of the struct at base. */
#define CONF_AT(base, off, type) ((type *)(void *)((char *)(base) + (off)))

/* The value just set: the last one, since lists are checked per item. */
const char *confschema_last_value(struct cfg_opt_t *opt);

/* strdup, reporting through config_store_failed() when out of memory. */
char *confschema_strdup(const char *s);

/* Store a scalar row: parse its text into the destination. */
int confschema_store_parsed(const struct option *o, struct cfg_t *sec,
			    void *base);

/* The bytes the add_header lines of sec take as "Name: value\r\n". */
size_t confschema_headers_bytes(struct cfg_t *sec);

#endif
