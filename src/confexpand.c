/*
 * confexpand.c — one text for libconfuse from a config file and the files
 * it includes, with repeated directives caught and lines traced back.
 *
 * Each file is read and its comments blanked by conftext.c, then walked
 * token by token with libconfuse's grammar.  The walk copies the text to
 * the output, except that include("pattern") is replaced by the files the
 * pattern matches (each starting on a line of its own, so that every line
 * of the output maps to one line of one file: the spans), and that a list
 * option given again with '=' is written as '+=' (libconfuse would drop
 * the earlier values).  A single-value option given twice is recorded as
 * an error naming both places.  No libconfuse here, and no option names:
 * the loader classifies them.
 */
#include <sys/stat.h>

#include <errno.h>
#include <glob.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confexpand.h"
#include "conftext.h"

#define FRAMES_MAX 8 /* root, server, location, and some slack */
#define NAME_MAX_LEN 64
#define TEXT_MAX (256u * 1024 * 1024) /* all files together */

enum tok_type {
	TOK_END = 0,
	TOK_STR = 'S',
	TOK_APPEND = '+', /* "+=" */
			  /* and the characters { } ( ) = , as themselves */
};

struct token {
	int type;
	size_t start, end; /* in the file's text */
	int line;          /* in the file, at start */
};

struct lexer {
	const char *s;
	size_t i;
	int line;
};

/* A name (with a title, for a titled section) seen in a section. */
struct seen {
	char *name;
	char *title;
	int line; /* in the output */
};

struct frame {
	char scope[NAME_MAX_LEN * 3];
	struct seen *seen;
	size_t nseen, cap;
};

enum walk_state {
	W_NAME,       /* a name, '}' or the end */
	W_AFTER_NAME, /* '=', '+=', '{', a title or '(' */
	W_VALUE,      /* a string or '{' */
	W_LIST,       /* a string or '}' */
	W_LIST_SEP,   /* ',' or '}' */
	W_TITLE,      /* '{' */
	W_ARGS,       /* a string or ')' */
	W_ARGS_SEP,   /* ',' or ')' */
};

/* One file being walked. */
struct source {
	const char *path; /* as messages show it */
	unsigned file;    /* index into ce->files */
	const char *text;
	size_t copied;  /* text before this is in the output */
	unsigned depth; /* include depth: 0 for the main file */
	unsigned base;  /* frames open when the file began */
	int call_line;  /* of the include being expanded */
	dev_t dev;
	ino_t ino;
	const struct source *parent;
};

struct walk {
	struct confexpand *ce;
	confexpand_classify classify;
	confexpand_list_default list_default; /* NULL: none */
	enum walk_state st;
	bool lost; /* left the grammar: copy the rest as it is */
	struct frame frames[FRAMES_MAX];
	unsigned nframes;
	char name[NAME_MAX_LEN];
	int name_line;  /* in the output */
	bool including; /* inside include( ... ) */
	size_t include_start;
	int include_line; /* in the file */
	char *arg;        /* include's first argument */
	unsigned nargs;
};

static int expand_file(struct walk *w, const char *path,
		       const struct source *parent);

/* ------------------------------------------------------------ output */

static int fatal(struct walk *w, const char *path, int line, const char *fmt,
		 ...) __attribute__((format(printf, 4, 5)));

/* The expansion cannot go on: ce->err is the whole message. */
static int fatal(struct walk *w, const char *path, int line, const char *fmt,
		 ...)
{
	struct confexpand *ce = w->ce;
	va_list ap;
	int n;

	if (line > 0)
		n = snprintf(ce->err, sizeof(ce->err), "%s:%d: ", path, line);
	else
		n = snprintf(ce->err, sizeof(ce->err), "%s: ", path);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < sizeof(ce->err))
		vsnprintf(ce->err + n, sizeof(ce->err) - n, fmt, ap);
	va_end(ap);
	return -1;
}

static int out_append(struct confexpand *ce, const char *s, size_t n)
{
	if (ce->len + n + 1 > ce->cap) {
		size_t cap = ce->cap ? ce->cap : 4096;
		char *p;
		if (ce->len + n + 1 > TEXT_MAX) {
			errno = EFBIG;
			return -1;
		}
		while (cap < ce->len + n + 1)
			cap *= 2;
		if ((p = realloc(ce->text, cap)) == NULL)
			return -1;
		ce->text = p;
		ce->cap = cap;
	}
	memcpy(ce->text + ce->len, s, n);
	ce->len += n;
	ce->text[ce->len] = '\0';
	for (const char *p = s; (p = memchr(p, '\n', n - (size_t)(p - s))); p++)
		ce->line++;
	return 0;
}

/*
 * Copy the file's text up to end, unless an include call is being cut
 * out: from the name "include" on, until it turns out not to be a call.
 */
static int out_copy(struct walk *w, struct source *src, size_t end)
{
	if (w->including || end <= src->copied ||
	    (w->st == W_AFTER_NAME && strcmp(w->name, "include") == 0))
		return 0;
	if (out_append(w->ce, src->text + src->copied, end - src->copied) == -1)
		return -1;
	src->copied = end;
	return 0;
}

/* From the next line of the output on, lines are file's from file_line. */
static int span_push(struct confexpand *ce, unsigned file, int file_line)
{
	struct span *p;

	if ((ce->nspans & (ce->nspans - 1)) == 0) {
		size_t cap = ce->nspans ? ce->nspans * 2 : 8;
		if ((p = realloc(ce->spans, cap * sizeof(*p))) == NULL)
			return -1;
		ce->spans = p;
	}
	ce->spans[ce->nspans++] = (struct span){ .line = ce->line,
						 .file = file,
						 .file_line = file_line };
	return 0;
}

void confexpand_where(const struct confexpand *ce, int line, char *out,
		      size_t outsz)
{
	size_t lo = 0, hi = ce->nspans;

	/* the last span starting at or before line */
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (ce->spans[mid].line <= line)
			lo = mid;
		else
			hi = mid;
	}
	if (ce->nspans == 0) {
		snprintf(out, outsz, "?:%d", line);
		return;
	}
	snprintf(out, outsz, "%s:%d", ce->files[ce->spans[lo].file],
		 ce->spans[lo].file_line + (line - ce->spans[lo].line));
}

/* The output line of a file's line (the last span of file before it). */
static int output_line(const struct confexpand *ce, unsigned file, int fline)
{
	const struct span *best = NULL;

	for (size_t i = 0; i < ce->nspans; i++)
		if (ce->spans[i].file == file &&
		    ce->spans[i].file_line <= fline)
			best = &ce->spans[i];
	return best != NULL ? best->line + (fline - best->file_line) : fline;
}

/* ------------------------------------------------------------- lexer */

/* Characters that end a bare word, as libconfuse's lexer has them. */
static bool word_end(char c)
{
	return c == '\0' || strchr(" \t\r\n#\"'={}()+,*", c) != NULL;
}

static size_t skip_quoted(struct lexer *lx, size_t i)
{
	char q = lx->s[i++];

	while (lx->s[i] != '\0' && lx->s[i] != q) {
		if (lx->s[i] == '\\' && lx->s[i + 1] != '\0')
			i++;
		if (lx->s[i] == '\n')
			lx->line++;
		i++;
	}
	return lx->s[i] == q ? i + 1 : i;
}

/* The next token; whatever libconfuse would ignore is skipped. */
static void lex_next(struct lexer *lx, struct token *t)
{
	const char *s = lx->s;
	size_t i = lx->i;

	for (;; i++) {
		if (s[i] == '\n')
			lx->line++;
		else if (s[i] == '\0' || (strchr(" \t\r*#", s[i]) == NULL &&
					  !(s[i] == '+' && s[i + 1] != '=')))
			break;
	}
	t->start = i;
	t->line = lx->line;
	if (s[i] == '\0') {
		t->type = TOK_END;
	} else if (strchr("{}()=,", s[i]) != NULL) {
		t->type = s[i++];
	} else if (s[i] == '+') {
		t->type = TOK_APPEND;
		i += 2;
	} else if (s[i] == '"' || s[i] == '\'') {
		t->type = TOK_STR;
		i = skip_quoted(lx, i);
	} else if (s[i] == '$' && s[i + 1] == '{' && strchr(s + i, '}')) {
		t->type = TOK_STR;
		i = (size_t)(strchr(s + i, '}') - s) + 1;
	} else {
		t->type = TOK_STR;
		while (!word_end(s[i]))
			i++;
	}
	t->end = i;
	lx->i = i;
}

/* A string token's value: quotes removed, backslash escapes undone. */
static char *tok_value(const char *text, const struct token *t)
{
	const char *s = text + t->start, *e = text + t->end;
	char *v, *o;

	if (*s != '"' && *s != '\'')
		return strndup(s, (size_t)(e - s));
	if ((v = o = malloc((size_t)(e - s) + 1)) == NULL)
		return NULL;
	for (s++, e--; s < e; s++) {
		if (*s == '\\' && s + 1 < e &&
		    (text[t->start] == '"' || s[1] == '\\' || s[1] == '\''))
			s++;
		*o++ = *s;
	}
	*o = '\0';
	return v;
}

/* ------------------------------------------------------------ repeats */

static struct frame *frame_top(struct walk *w)
{
	return &w->frames[w->nframes - 1];
}

static const char *frame_where(const struct frame *f)
{
	const char *bar = strrchr(f->scope, '|');

	if (f->scope[0] == '\0')
		return "at the top level";
	return bar != NULL ? bar + 1 : f->scope;
}

static struct seen *seen_find(struct frame *f, const char *name,
			      const char *title)
{
	for (size_t i = 0; i < f->nseen; i++)
		if (strcmp(f->seen[i].name, name) == 0 &&
		    (title == NULL) == (f->seen[i].title == NULL) &&
		    (title == NULL || strcmp(f->seen[i].title, title) == 0))
			return &f->seen[i];
	return NULL;
}

static int seen_add(struct frame *f, const char *name, const char *title,
		    int line)
{
	struct seen *p;

	if (f->nseen == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		if ((p = realloc(f->seen, cap * sizeof(*p))) == NULL)
			return -1;
		f->seen = p;
		f->cap = cap;
	}
	p = &f->seen[f->nseen];
	p->line = line;
	p->title = NULL;
	if ((p->name = strdup(name)) == NULL ||
	    (title != NULL && (p->title = strdup(title)) == NULL)) {
		free(p->name);
		return -1;
	}
	f->nseen++;
	return 0;
}

/* Keep the first repeat error: the text stays whole for libconfuse. */
static void repeat_error(struct walk *w, const struct seen *first,
			 const char *what)
{
	struct confexpand *ce = w->ce;
	const struct frame *f = frame_top(w);
	char where[512];

	if (ce->err_line != 0)
		return;
	confexpand_where(ce, first->line, where, sizeof(where));
	ce->err_line = w->name_line;
	snprintf(ce->err, sizeof(ce->err),
		 "%.1100s is given twice %s%s%s "
		 "(first at %.400s)",
		 what, f->scope[0] ? "in one " : "", frame_where(f),
		 f->scope[0] ? " section" : "", where);
}

/* A first "name +=" appends to the list's default: "name = DEFAULT name"
 * goes before the "+=". */
static int append_default(struct walk *w, const char *scope)
{
	const char *dflt = w->list_default != NULL
				   ? w->list_default(scope, w->name)
				   : NULL;

	if (dflt == NULL)
		return 0;
	if (out_append(w->ce, "= ", 2) == -1 ||
	    out_append(w->ce, dflt, strlen(dflt)) == -1 ||
	    out_append(w->ce, " ", 1) == -1 ||
	    out_append(w->ce, w->name, strlen(w->name)) == -1 ||
	    out_append(w->ce, " ", 1) == -1)
		return -1;
	return 0;
}

/* name = or name += in the current section. */
static int on_assign(struct walk *w, const struct token *t)
{
	struct frame *f = frame_top(w);
	enum repeat kind = w->classify(f->scope, w->name);
	struct seen *prev;

	if (kind != REPEAT_REFUSE && kind != REPEAT_APPEND)
		return 0;
	if ((prev = seen_find(f, w->name, NULL)) == NULL) {
		if (kind == REPEAT_APPEND && t->type == TOK_APPEND &&
		    append_default(w, f->scope) == -1)
			return -1;
		return seen_add(f, w->name, NULL, w->name_line);
	}
	if (kind == REPEAT_REFUSE)
		repeat_error(w, prev, w->name);
	else if (t->type == '=')
		return out_append(w->ce, "+", 1); /* before the '=' */
	return 0;
}

/* name { or name "title" {: check the title, open a frame. */
static int on_section(struct walk *w, const char *title)
{
	struct frame *f = frame_top(w), *inner;
	struct seen *prev;
	char what[NAME_MAX_LEN + 1100], scope[sizeof(f->scope)];

	if (title != NULL && w->classify(f->scope, w->name) == REPEAT_SECTION) {
		if ((prev = seen_find(f, w->name, title)) != NULL) {
			snprintf(what, sizeof(what), "%s \"%.1024s\"", w->name,
				 title);
			repeat_error(w, prev, what);
		} else if (seen_add(f, w->name, title, w->name_line) == -1) {
			return -1;
		}
	}
	if (w->nframes == FRAMES_MAX) {
		w->lost = true; /* libconfuse knows no such nesting */
		return 0;
	}
	snprintf(scope, sizeof(scope), "%s%s%s", f->scope,
		 f->scope[0] ? "|" : "", w->name);
	inner = &w->frames[w->nframes++];
	memset(inner, 0, sizeof(*inner));
	memcpy(inner->scope, scope, sizeof(scope));
	return 0;
}

static void frame_close(struct frame *f)
{
	for (size_t i = 0; i < f->nseen; i++) {
		free(f->seen[i].name);
		free(f->seen[i].title);
	}
	free(f->seen);
	memset(f, 0, sizeof(*f));
}

/* ----------------------------------------------------------- include */

static bool has_magic(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* The pattern against the directory of the including file. */
static char *include_pattern(const char *including, const char *pattern)
{
	const char *slash = strrchr(including, '/');
	char *p;

	if (pattern[0] == '/' || slash == NULL)
		return strdup(pattern);
	if (asprintf(&p, "%.*s/%s", (int)(slash - including), including,
		     pattern) == -1)
		return NULL;
	return p;
}

static int include_files(struct walk *w, struct source *src, const char *full)
{
	glob_t g;
	int rc = glob(full, GLOB_ERR, NULL, &g);

	/* a pattern matching nothing is an empty conf.d, even a missing one */
	if (has_magic(full) &&
	    (rc == GLOB_NOMATCH || (rc == GLOB_ABORTED && errno == ENOENT)))
		return 0;
	if (rc == GLOB_NOMATCH)
		errno = ENOENT;
	if (rc != 0)
		return fatal(w, src->path, src->call_line, "include \"%s\": %s",
			     full,
			     rc == GLOB_NOSPACE ? strerror(ENOMEM)
						: strerror(errno));
	for (size_t i = 0; i < g.gl_pathc && rc == 0; i++)
		if ((rc = out_append(w->ce, "\n", 1)) == 0)
			rc = expand_file(w, g.gl_pathv[i], src);
	globfree(&g);
	return rc;
}

/* include(...) has ended at the ')' t: put the files in its place. */
static int on_include(struct walk *w, struct source *src, const struct token *t)
{
	char *full;
	int rc;

	w->including = false;
	src->copied = t->end;
	src->call_line = w->include_line;
	if (w->nargs != 1 || w->arg[0] == '\0')
		return fatal(w, src->path, w->include_line,
			     "include takes one "
			     "file name or pattern, such as include(\"conf.d/"
			     "*.conf\")");
	if (src->depth + 1 > INCLUDE_DEPTH_MAX)
		return fatal(w, src->path, w->include_line,
			     "include \"%s\": "
			     "includes nested more than %d deep",
			     w->arg, INCLUDE_DEPTH_MAX);
	if ((full = include_pattern(src->path, w->arg)) == NULL)
		return fatal(w, src->path, 0, "%s", strerror(errno));
	rc = include_files(w, src, full);
	free(full);
	if (rc == 0 && (rc = out_append(w->ce, "\n", 1)) == 0)
		rc = span_push(w->ce, src->file, t->line);
	return rc;
}

/* ----------------------------------------------------------- grammar */

static int on_name(struct walk *w, struct source *src, const struct token *t)
{
	size_t n = t->end - t->start;

	if (t->type == '}') {
		if (w->nframes - 1 <= src->base) {
			if (src->depth > 0)
				return fatal(
					w, src->path, t->line,
					"'}' closes "
					"a section this file did not open");
			w->lost =
				true; /* libconfuse: unexpected closing brace */
			return 0;
		}
		frame_close(&w->frames[--w->nframes]);
		return 0;
	}
	if (t->type != TOK_STR) {
		w->lost = true;
		return 0;
	}
	if (n >= sizeof(w->name))
		n = 0; /* no option has so long a name */
	memcpy(w->name, src->text + t->start, n);
	w->name[n] = '\0';
	w->name_line = w->ce->line;
	w->include_start = t->start;
	w->include_line = t->line;
	w->st = W_AFTER_NAME;
	return 0;
}

static int on_after_name(struct walk *w, struct source *src,
			 const struct token *t)
{
	char *title;

	switch (t->type) {
	case '=':
	case TOK_APPEND: w->st = W_VALUE; return on_assign(w, t);
	case '{': w->st = W_NAME; return on_section(w, NULL);
	case TOK_STR:
		if ((title = tok_value(src->text, t)) == NULL)
			return -1;
		free(w->arg); /* the title waits here for its '{' */
		w->arg = title;
		w->st = W_TITLE;
		return 0;
	case '(':
		if (strcmp(w->name, "include") != 0)
			break;
		w->including = true;
		src->copied = w->include_start; /* the call is cut out */
		free(w->arg);
		w->arg = NULL;
		w->nargs = 0;
		w->st = W_ARGS;
		return 0;
	}
	w->lost = true;
	return 0;
}

static int on_args(struct walk *w, struct source *src, const struct token *t)
{
	if (t->type == ')') {
		w->st = W_NAME;
		return on_include(w, src, t);
	}
	if (w->st == W_ARGS && t->type == TOK_STR) {
		if (w->nargs++ == 0 &&
		    (w->arg = tok_value(src->text, t)) == NULL)
			return -1;
		w->st = W_ARGS_SEP;
	} else if (w->st == W_ARGS_SEP && t->type == ',') {
		w->st = W_ARGS;
	} else {
		return fatal(w, src->path, t->line,
			     "include takes one file "
			     "name or pattern, such as include(\"conf.d/"
			     "*.conf\")");
	}
	return 0;
}

/* One token through libconfuse's grammar. */
static int walk_token(struct walk *w, struct source *src, const struct token *t)
{
	int type = t->type;

	switch (w->st) {
	case W_NAME: return on_name(w, src, t);
	case W_AFTER_NAME: return on_after_name(w, src, t);
	case W_VALUE:
		w->st = type == '{' ? W_LIST : W_NAME;
		w->lost = type != '{' && type != TOK_STR;
		return 0;
	case W_LIST:
	case W_LIST_SEP:
		if (type == '}')
			w->st = W_NAME;
		else if (type == (w->st == W_LIST ? TOK_STR : ','))
			w->st = w->st == W_LIST ? W_LIST_SEP : W_LIST;
		else
			w->lost = true;
		return 0;
	case W_TITLE:
		if (type != '{') {
			w->lost = true;
			return 0;
		}
		w->st = W_NAME;
		return on_section(w, w->arg);
	case W_ARGS:
	case W_ARGS_SEP: return on_args(w, src, t);
	}
	return 0;
}

/* ------------------------------------------------------------- files */

/* Is the file at st one of the files including it? */
static const struct source *include_cycle(const struct source *parent,
					  const struct stat *st)
{
	for (const struct source *s = parent; s != NULL; s = s->parent)
		if (s->dev == st->st_dev && s->ino == st->st_ino)
			return s;
	return NULL;
}

static int file_add(struct confexpand *ce, const char *path)
{
	char **p;

	if ((ce->nfiles & (ce->nfiles - 1)) == 0) {
		size_t cap = ce->nfiles ? ce->nfiles * 2 : 4;
		if ((p = realloc(ce->files, cap * sizeof(*p))) == NULL)
			return -1;
		ce->files = p;
	}
	if ((ce->files[ce->nfiles] = strdup(path)) == NULL)
		return -1;
	ce->nfiles++;
	return 0;
}

/* Open the file as a source: read, comments blanked, checked. */
static char *source_open(struct walk *w, struct source *src,
			 const struct source *parent)
{
	struct stat st;
	char msg[256], *text;
	int brace = 0, line;

	if (parent != NULL && stat(src->path, &st) == 0) {
		if (include_cycle(parent, &st) != NULL) {
			fatal(w, parent->path, parent->call_line,
			      "include "
			      "\"%s\": that file is being read already (an "
			      "include cycle)",
			      src->path);
			return NULL;
		}
		src->dev = st.st_dev;
		src->ino = st.st_ino;
	}
	if ((text = conftext_read(src->path, &brace, &line, msg,
				  sizeof(msg))) == NULL) {
		fatal(w, src->path, line, "%s", msg);
		return NULL;
	}
	if (parent != NULL && brace != 0) {
		fatal(w, src->path, brace, "'{' is not closed with '}'");
		free(text);
		return NULL;
	}
	if (parent == NULL)
		w->ce->brace_line = brace; /* a file line, for now */
	return text;
}

static int walk_source(struct walk *w, struct source *src)
{
	struct lexer lx = { .s = src->text, .line = 1 };
	struct token t;

	for (lex_next(&lx, &t); t.type != TOK_END && !w->lost;
	     lex_next(&lx, &t)) {
		if (out_copy(w, src, t.start) == -1 ||
		    walk_token(w, src, &t) == -1)
			return -1;
	}
	if (src->depth > 0 && !w->lost &&
	    (w->st != W_NAME || w->nframes - 1 != src->base))
		return fatal(w, src->path, t.line,
			     "the file ends inside a "
			     "directive");
	return out_copy(w, src, strlen(src->text));
}

static int expand_file(struct walk *w, const char *path,
		       const struct source *parent)
{
	struct source src = {
		.path = path,
		.file = (unsigned)w->ce->nfiles,
		.depth = parent ? parent->depth + 1 : 0,
		.base = w->nframes - 1,
		.parent = parent,
	};
	char *text;
	int rc = -1;

	if ((text = source_open(w, &src, parent)) == NULL)
		return -1;
	src.text = text;
	if (file_add(w->ce, path) == 0 && span_push(w->ce, src.file, 1) == 0)
		rc = walk_source(w, &src);
	if (rc == -1 && w->ce->err[0] == '\0')
		fatal(w, path, 0, "%s", strerror(errno));
	free(text);
	return rc;
}

static enum repeat no_classify(const char *scope, const char *name)
{
	return REPEAT_UNKNOWN;
}

int confexpand_load(struct confexpand *ce, const char *path,
		    confexpand_classify classify)
{
	return confexpand_load_defaults(ce, path, classify, NULL);
}

int confexpand_load_defaults(struct confexpand *ce, const char *path,
			     confexpand_classify classify,
			     confexpand_list_default list_default)
{
	struct walk w = { .ce = ce,
			  .nframes = 1,
			  .classify = classify ? classify : no_classify,
			  .list_default = list_default };
	int rc;

	memset(ce, 0, sizeof(*ce));
	ce->line = 1;
	rc = expand_file(&w, path, NULL);
	if (rc == -1 && ce->err[0] == '\0')
		fatal(&w, path, 0, "%s", strerror(errno));
	if (rc == 0 && ce->brace_line != 0)
		ce->brace_line = output_line(ce, 0, ce->brace_line);
	if (rc == -1)
		ce->err_line = 0;
	while (w.nframes > 0)
		frame_close(&w.frames[--w.nframes]);
	free(w.arg);
	return rc;
}

void confexpand_free(struct confexpand *ce)
{
	free(ce->text);
	for (size_t i = 0; i < ce->nfiles; i++)
		free(ce->files[i]);
	free(ce->files);
	free(ce->spans);
	memset(ce, 0, sizeof(*ce));
}
