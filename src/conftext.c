/*
 * conftext.c — a config file's text, made ready for libconfuse: read whole
 * (with the real errno for "FILE: reason"), comments blanked, and what is
 * left open at the end found.  No libconfuse here.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conftext.h"

/*
 * A file of 50,000 server sections is several megabytes; the limit only
 * stops a mistake (a log file named as the config) from eating memory.
 */
#define CONF_SIZE_MAX (64u * 1024 * 1024)

/* Room for n more bytes (and a NUL) in *buf of *cap, up to the limit. */
static int conf_grow(char **buf, size_t *cap, size_t len)
{
	size_t want = *cap * 2;
	char *p;

	if (len < *cap)
		return 0;
	if (want > CONF_SIZE_MAX + 1)
		want = CONF_SIZE_MAX + 1;
	if (want <= len) {
		errno = EFBIG;
		return -1;
	}
	if ((p = realloc(*buf, want + 1)) == NULL)
		return -1;
	*buf = p;
	*cap = want;
	return 0;
}

/*
 * The whole file, NUL-terminated, or NULL with errno set.  Read here rather
 * than by libconfuse so that "FILE: reason" has the real errno, and so that
 * a directory is refused before its flex scanner would exit() on it.  The
 * buffer starts at the file's size, so a big file is read in one go and a
 * small one costs little.
 */
static char *conf_read(const char *path, size_t *lenp)
{
	FILE *fp;
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap, n;
	int saved;

	if ((fp = fopen(path, "re")) == NULL)
		return NULL;
	if (fstat(fileno(fp), &st) == -1)
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	cap = st.st_size > 0 && (size_t)st.st_size < CONF_SIZE_MAX
		      ? (size_t)st.st_size + 1
		      : 4096;
	if ((buf = malloc(cap + 1)) == NULL)
		goto fail;
	for (;;) {
		if (conf_grow(&buf, &cap, len) == -1)
			goto fail;
		if ((n = fread(buf + len, 1, cap - len, fp)) == 0)
			break;
		len += n;
	}
	if (ferror(fp))
		goto fail;
	if (len > CONF_SIZE_MAX) {
		errno = EFBIG;
		goto fail;
	}
	buf[len] = '\0';
	fclose(fp);
	*lenp = len;
	return buf;
fail:
	saved = errno;
	free(buf);
	fclose(fp);
	errno = saved;
	return NULL;
}

/*
 * Before libconfuse sees the text, blank out comments (keeping every
 * newline) and find what would be left open at the end: libconfuse 3.3 adds
 * two to its line count for each comment, rejects a comment inside a list,
 * and takes a server section that is never closed as complete.  Quoting
 * follows its lexer: "..." and '...' with backslash escapes; '#' ends a bare
 * word and starts a comment, "//" and "/" "*" start one only where a token
 * could.
 */
enum scan_state {
	SCAN_GAP,
	SCAN_WORD,
	SCAN_DQUOTE,
	SCAN_SQUOTE,
	SCAN_LINE_NOTE,
	SCAN_BLOCK_NOTE,
};

struct scan {
	enum scan_state st;
	int line;
	int open_line;  /* where the current string or comment started */
	int depth;      /* of braces */
	int brace_line; /* where the outermost open '{' is */
};

/* Between or in bare words; returns the characters consumed. */
static size_t scan_bare(struct scan *sc, char *s)
{
	if (*s == '#' || (sc->st == SCAN_GAP && s[0] == '/' &&
			  (s[1] == '/' || s[1] == '*'))) {
		sc->open_line = sc->line;
		sc->st = *s == '#' || s[1] == '/' ? SCAN_LINE_NOTE
						  : SCAN_BLOCK_NOTE;
		s[0] = ' ';
		if (sc->st == SCAN_LINE_NOTE)
			return 1;
		s[1] = ' ';
		return 2;
	}
	if (*s == '{' && sc->depth++ == 0)
		sc->brace_line = sc->line;
	else if (*s == '}' && sc->depth > 0)
		sc->depth--;
	if (*s == '"' || *s == '\'') {
		sc->st = *s == '"' ? SCAN_DQUOTE : SCAN_SQUOTE;
		sc->open_line = sc->line;
	} else if (strchr(" \t\r\n={}()+,", *s) != NULL)
		sc->st = SCAN_GAP;
	else
		sc->st = SCAN_WORD;
	return 1;
}

static size_t scan_quoted(struct scan *sc, const char *s)
{
	if (s[0] == '\\' && s[1] != '\0' && s[1] != '\n')
		return 2;
	if (*s == (sc->st == SCAN_DQUOTE ? '"' : '\''))
		sc->st = SCAN_GAP;
	return 1;
}

static size_t scan_note(struct scan *sc, char *s)
{
	if (sc->st == SCAN_BLOCK_NOTE && s[0] == '*' && s[1] == '/') {
		s[0] = s[1] = ' ';
		sc->st = SCAN_GAP;
		return 2;
	}
	if (*s != '\n')
		*s = ' ';
	else if (sc->st == SCAN_LINE_NOTE)
		sc->st = SCAN_GAP;
	return 1;
}

static void scan_text(char *s, struct scan *sc)
{
	memset(sc, 0, sizeof(*sc));
	sc->line = 1;
	while (*s != '\0') {
		if (*s == '\n')
			sc->line++;
		switch (sc->st) {
		case SCAN_GAP:
		case SCAN_WORD: s += scan_bare(sc, s); break;
		case SCAN_DQUOTE:
		case SCAN_SQUOTE: s += scan_quoted(sc, s); break;
		case SCAN_LINE_NOTE:
		case SCAN_BLOCK_NOTE: s += scan_note(sc, s); break;
		}
	}
}

/*
 * A string or comment still open at the end swallowed the rest of the file:
 * that is the error to report, not what libconfuse would make of it.
 */
int conftext_scan(char *text, int *brace_line, int *line, char *msg, size_t len)
{
	struct scan sc;
	const char *what = NULL;

	scan_text(text, &sc);
	if (sc.st == SCAN_BLOCK_NOTE)
		what = "comment is not closed with */";
	else if (sc.st == SCAN_DQUOTE)
		what = "string is not closed with \"";
	else if (sc.st == SCAN_SQUOTE)
		what = "string is not closed with '";
	if (what != NULL) {
		*line = sc.open_line;
		snprintf(msg, len, "%s", what);
		return -1;
	}
	*brace_line = sc.depth > 0 ? sc.brace_line : 0;
	return 0;
}

char *conftext_read(const char *path, int *brace_line, int *line, char *msg,
		    size_t len)
{
	struct scan sc;
	char *text, *nul;
	size_t n;

	*line = 0;
	if ((text = conf_read(path, &n)) == NULL) {
		snprintf(msg, len, "%s", strerror(errno));
		return NULL;
	}
	if ((nul = memchr(text, '\0', n)) != NULL) {
		*nul = '\0';
		scan_text(text, &sc);
		*line = sc.line;
		snprintf(msg, len, "NUL byte in the file");
	} else if (conftext_scan(text, brace_line, line, msg, len) == 0) {
		return text;
	}
	free(text);
	return NULL;
}

/* The absolute directory holding path, for relative paths in the file. */
char *conftext_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir, *abs;

	if (slash == NULL)
		return realpath(".", NULL);
	if (slash == path)
		return strdup("/");
	if ((dir = strndup(path, slash - path)) == NULL)
		return NULL;
	abs = realpath(dir, NULL);
	free(dir);
	return abs;
}
