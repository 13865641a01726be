/*
 * redirmap.c — the redirect map: a file's lines parsed in place, an array
 * of entries pointing into the text, and an open-addressing index of
 * entry numbers (linear probing, at most half full).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "path.h"
#include "redirect.h"
#include "redirmap.h"

#define REDIRMAP_FILE_MAX (1u << 30)

struct redirmap_entry {
	uint32_t from; /* offsets into text, NUL-terminated */
	uint32_t to;
	uint32_t from_len;
	uint32_t hash;
	uint32_t line;
	int status;
};

struct redirmap {
	char *text;
	struct redirmap_entry *e;
	size_t n;
	uint32_t *slot; /* entry number + 1; 0: empty */
	size_t mask;    /* slots - 1 */
};

/* The parse in progress. */
struct mapload {
	struct redirmap *m;
	const char *name;
	char *err;
	size_t errlen;
	unsigned line;
};

static uint32_t key_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h ^ (h >> 15);
}

static int map_error(struct mapload *ld, const char *why, const char *what)
{
	snprintf(ld->err, ld->errlen, "%s:%u: %s%s%s%s", ld->name, ld->line,
		 why, what != NULL ? " \"" : "", what != NULL ? what : "",
		 what != NULL ? "\"" : "");
	/* One line, whatever the file held. */
	for (char *p = ld->err; *p != '\0'; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = '?';
	return -1;
}

/* The next blank-separated field of a line, NUL-terminated; NULL at end. */
static char *next_field(char **cur)
{
	char *s = *cur;

	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	if (*s == '\0' || *s == '#')
		return NULL;
	char *f = s;
	while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '\r')
		s++;
	if (*s != '\0')
		*s++ = '\0';
	*cur = s;
	return f;
}

/* STATUS, when given: one of the redirect statuses but 410. */
static int parse_status(struct mapload *ld, const char *s, int *status)
{
	char *end;
	long v;

	*status = 301;
	if (s == NULL)
		return 0;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || !redirect_status_ok(v) ||
	    v == REDIRECT_GONE)
		return map_error(ld,
				 "status must be 301, 302, 303, 307 or 308, "
				 "not",
				 s);
	*status = (int)v;
	return 0;
}

/* FROM normalised in place (never longer than as written). */
static int parse_from(struct mapload *ld, char *from, uint32_t *len)
{
	char buf[PATH_MAX_LEN];
	int n = path_normalize(from, strlen(from), buf, sizeof(buf));

	if (from[0] != '/' || n < 0 || (size_t)n > strlen(from))
		return map_error(ld, "FROM must be a path starting with /, not",
				 from);
	memcpy(from, buf, (size_t)n + 1);
	*len = (uint32_t)n;
	return 0;
}

/* Put entry i in the index; -1 when its FROM is there already. */
static int map_insert(struct mapload *ld, size_t i)
{
	struct redirmap *m = ld->m;
	struct redirmap_entry *e = &m->e[i];
	size_t k = e->hash & m->mask;

	for (; m->slot[k] != 0; k = (k + 1) & m->mask) {
		const struct redirmap_entry *o = &m->e[m->slot[k] - 1];
		if (o->hash == e->hash && o->from_len == e->from_len &&
		    memcmp(m->text + o->from, m->text + e->from, e->from_len) ==
			    0) {
			char why[64];
			snprintf(why, sizeof(why),
				 "duplicate FROM (first on line "
				 "%u):",
				 o->line);
			return map_error(ld, why, m->text + e->from);
		}
	}
	m->slot[k] = (uint32_t)i + 1;
	return 0;
}

/* One line, NUL-terminated in place. */
static int parse_line(struct mapload *ld, char *line)
{
	struct redirmap *m = ld->m;
	char *cur = line, *from, *to, *status;
	struct redirmap_entry *e = &m->e[m->n];
	char why[256];

	if ((from = next_field(&cur)) == NULL)
		return 0;
	if ((to = next_field(&cur)) == NULL)
		return map_error(ld, "expected \"FROM TO [STATUS]\"", NULL);
	status = next_field(&cur);
	if (next_field(&cur) != NULL)
		return map_error(ld, "more than \"FROM TO [STATUS]\"", NULL);
	if (parse_status(ld, status, &e->status) == -1 ||
	    parse_from(ld, from, &e->from_len) == -1)
		return -1;
	if (redirect_check_to(to, why, sizeof(why)) == -1)
		return map_error(ld, why, NULL);
	e->from = (uint32_t)(from - m->text);
	e->to = (uint32_t)(to - m->text);
	e->hash = key_hash(from, e->from_len);
	e->line = ld->line;
	if (map_insert(ld, m->n) == -1)
		return -1;
	m->n++;
	return 0;
}

/* Room for one entry per line, and an index at most half full. */
static int map_alloc(struct redirmap *m, size_t len)
{
	size_t lines = 1, slots = 16;

	for (size_t i = 0; i < len; i++)
		lines += m->text[i] == '\n';
	while (slots < 2 * lines)
		slots *= 2;
	m->e = calloc(lines, sizeof(*m->e));
	m->slot = calloc(slots, sizeof(*m->slot));
	m->mask = slots - 1;
	return m->e != NULL && m->slot != NULL ? 0 : -1;
}

static int map_lines(struct mapload *ld, size_t len)
{
	char *p = ld->m->text, *end = p + len;

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *stop = nl != NULL ? nl : end;
		ld->line++;
		if (stop - p > REDIRMAP_LINE_MAX)
			return map_error(ld, "line longer than 8192 bytes",
					 NULL);
		*stop = '\0';
		if (memchr(p, '\0', (size_t)(stop - p)) != NULL)
			return map_error(ld, "NUL byte in line", NULL);
		if (parse_line(ld, p) == -1)
			return -1;
		p = stop + 1;
	}
	return 0;
}

struct redirmap *redirmap_parse(char *text, size_t len, const char *name,
				char *err, size_t errlen)
{
	struct redirmap *m = calloc(1, sizeof(*m));
	struct mapload ld = {
		.m = m, .name = name, .err = err, .errlen = errlen
	};

	if (m == NULL || len >= REDIRMAP_FILE_MAX) {
		free(text);
		free(m);
		snprintf(err, errlen, "%s: %s", name,
			 m == NULL ? strerror(ENOMEM) : "larger than 1 GiB");
		return NULL;
	}
	m->text = text;
	if (map_alloc(m, len) == -1) {
		snprintf(err, errlen, "%s: %s", name, strerror(ENOMEM));
		goto fail;
	}
	if (map_lines(&ld, len) == 0)
		return m;
fail:
	redirmap_free(m);
	return NULL;
}

/* The whole file, with room for a NUL; NULL with errno. */
static char *read_all(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;
	ssize_t got = 0;

	if (fd == -1)
		return NULL;
	if (fstat(fd, &st) == -1)
		goto fail;
	if ((size_t)st.st_size >= REDIRMAP_FILE_MAX) {
		errno = EFBIG;
		goto fail;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		goto fail;
	*len = 0;
	while (*len < (size_t)st.st_size &&
	       (got = read(fd, buf + *len, (size_t)st.st_size - *len)) > 0)
		*len += (size_t)got;
	if (got == -1)
		goto fail;
	buf[*len] = '\0';
	close(fd);
	return buf;
fail:
	got = errno;
	free(buf);
	close(fd);
	errno = (int)got;
	return NULL;
}

struct redirmap *redirmap_load(const char *path, char *err, size_t errlen)
{
	size_t len = 0;
	char *text = read_all(path, &len);

	if (text == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	return redirmap_parse(text, len, path, err, errlen);
}

const char *redirmap_find(const struct redirmap *m, const char *path,
			  size_t len, int *status)
{
	uint32_t h = key_hash(path, len);

	for (size_t k = h & m->mask; m->slot[k] != 0; k = (k + 1) & m->mask) {
		const struct redirmap_entry *e = &m->e[m->slot[k] - 1];
		if (e->hash == h && e->from_len == len &&
		    memcmp(m->text + e->from, path, len) == 0) {
			*status = e->status;
			return m->text + e->to;
		}
	}
	return NULL;
}

size_t redirmap_count(const struct redirmap *m)
{
	return m->n;
}

void redirmap_free(struct redirmap *m)
{
	if (m == NULL)
		return;
	free(m->text);
	free(m->e);
	free(m->slot);
	free(m);
}
