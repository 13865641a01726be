/*
 * autoindex.c — listings of directories that have no index file: HTML for
 * people, JSON for scripts.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "autoindex.h"
#include "human.h"

size_t autoindex_escape_html(const char *s, char *out, size_t outsz)
{
	size_t n = 0;

	for (; *s != '\0'; s++) {
		const char *rep;
		char one[2] = { *s, '\0' };
		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: rep = one; break;
		}
		size_t len = strlen(rep);
		if (n + len >= outsz)
			goto full;
		memcpy(out + n, rep, len);
		n += len;
	}
	if (outsz == 0)
		return 0;
	out[n] = '\0';
	return n;
full:
	if (outsz > 0)
		out[0] = '\0';
	return 0;
}

size_t autoindex_encode_href(const char *s, char *out, size_t outsz)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;
		bool plain = (ch >= 'a' && ch <= 'z') ||
			     (ch >= 'A' && ch <= 'Z') ||
			     (ch >= '0' && ch <= '9') ||
			     strchr("-._~", ch) != NULL;
		if (n + (plain ? 1 : 3) >= outsz) {
			if (outsz > 0)
				out[0] = '\0';
			return 0;
		}
		if (plain) {
			out[n++] = (char)ch;
		} else {
			out[n++] = '%';
			out[n++] = hex[ch >> 4];
			out[n++] = hex[ch & 15];
		}
	}
	if (outsz == 0)
		return 0;
	out[n] = '\0';
	return n;
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when it is not. */
static size_t utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf && (s[1] & 0xc0) == 0x80)
		return 2;
	if (s[0] >= 0xe0 && s[0] <= 0xef && (s[1] & 0xc0) == 0x80 &&
	    (s[2] & 0xc0) == 0x80 && (s[0] != 0xe0 || s[1] >= 0xa0) &&
	    (s[0] != 0xed || s[1] < 0xa0))
		return 3;
	if (s[0] >= 0xf0 && s[0] <= 0xf4 && (s[1] & 0xc0) == 0x80 &&
	    (s[2] & 0xc0) == 0x80 && (s[3] & 0xc0) == 0x80 &&
	    (s[0] != 0xf0 || s[1] >= 0x90) && (s[0] != 0xf4 || s[1] < 0x90))
		return 4;
	return 0;
}

size_t autoindex_escape_json(const char *s, char *out, size_t outsz)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	while (*p != '\0') {
		char rep[8];
		size_t k = utf8_len(p), len;
		if (k == 0) {
			memcpy(rep, "\\ufffd", 7); /* not UTF-8: see "url" */
			k = 1;
		} else if (*p == '"' || *p == '\\') {
			snprintf(rep, sizeof(rep), "\\%c", *p);
		} else if (*p < 0x20 || *p == 0x7f) {
			snprintf(rep, sizeof(rep), "\\u%04x", *p);
		} else {
			memcpy(rep, p, k);
			rep[k] = '\0';
		}
		len = strlen(rep);
		if (n + len >= outsz) {
			if (outsz > 0)
				out[0] = '\0';
			return 0;
		}
		memcpy(out + n, rep, len);
		n += len;
		p += k;
	}
	if (outsz == 0)
		return 0;
	out[n] = '\0';
	return n;
}

enum autoindex_format autoindex_format_of(const char *query, size_t len)
{
	static const char want[] = "format=json";
	size_t i = len > 0 && query[0] == '?' ? 1 : 0;

	while (i < len) {
		const char *amp = memchr(query + i, '&', len - i);
		size_t end = amp != NULL ? (size_t)(amp - query) : len;
		if (end - i == sizeof(want) - 1 &&
		    memcmp(query + i, want, sizeof(want) - 1) == 0)
			return AUTOINDEX_JSON;
		i = end + 1;
	}
	return AUTOINDEX_HTML;
}

struct entry {
	char *name;
	bool dir;
	bool link;
	bool other; /* not a file, directory or link */
	long long size;
	time_t mtime;
};

static int entry_cmp(const void *x, const void *y)
{
	const struct entry *a = x, *b = y;

	if (a->dir != b->dir)
		return a->dir ? -1 : 1;
	return strcmp(a->name, b->name);
}

/* Up to AUTOINDEX_ENTRIES_MAX entries of d; *more when some were left. */
static struct entry *entries_read(DIR *d, bool dotfiles, size_t *n, bool *more)
{
	struct entry *v = NULL;
	size_t cap = 0;
	struct dirent *de;

	*n = 0;
	*more = false;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    (!dotfiles && de->d_name[0] == '.'))
			continue;
		if (*n == AUTOINDEX_ENTRIES_MAX) {
			*more = true;
			break;
		}
		/* Never through a link: what it points at may be outside. */
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
		    -1)
			continue;
		if (*n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct entry *nv = realloc(v, ncap * sizeof(*v));
			if (nv == NULL)
				goto fail;
			v = nv;
			cap = ncap;
		}
		struct entry *e = &v[*n];
		if ((e->name = strdup(de->d_name)) == NULL)
			goto fail;
		e->dir = S_ISDIR(st.st_mode);
		e->link = S_ISLNK(st.st_mode);
		e->other = !e->dir && !e->link && !S_ISREG(st.st_mode);
		e->size = (long long)st.st_size;
		e->mtime = st.st_mtime;
		(*n)++;
	}
	return v != NULL ? v : calloc(1, sizeof(*v));
fail:
	for (size_t i = 0; i < *n; i++)
		free(v[i].name);
	free(v);
	return NULL;
}

/*
 * Sizes for people ("1.2 KiB"), the byte count in the title; a directory
 * has none, a link is marked as one (it is not followed).
 */
static void size_cell(FILE *f, const struct entry *e)
{
	char human[HUMAN_MAX];

	if (e->dir) {
		fputs("<td class=\"s\">-</td>", f);
	} else if (e->link) {
		fputs("<td class=\"s\">link</td>", f);
	} else {
		human_bytes((uint64_t)e->size, human, sizeof(human));
		fprintf(f, "<td class=\"s\" title=\"%lld bytes\">%s</td>",
			e->size, human);
	}
}

static void entry_line(FILE *f, const struct entry *e)
{
	char html[NAME_MAX * 6 + 8], href[NAME_MAX * 3 + 8], date[32];
	struct tm tm;

	autoindex_escape_html(e->name, html, sizeof(html));
	autoindex_encode_href(e->name, href, sizeof(href));
	gmtime_r(&e->mtime, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M", &tm);
	fprintf(f, "<tr><td class=\"n\"><a href=\"%s%s\">%s%s</a></td>", href,
		e->dir ? "/" : "", html, e->dir ? "/" : "");
	size_cell(f, e);
	fprintf(f, "<td>%s</td></tr>\n", date);
}

/* A table, so that sizes and dates line up whatever the names' widths. */
static const char listing_style[] =
	"body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;"
	"max-width:60em;margin:1em auto;padding:0 1em}h1{font-size:1.3em;"
	"word-break:break-all}table{border-collapse:collapse;width:100%}"
	"th,td{padding:.15em .6em;text-align:left;white-space:nowrap}"
	"th{font-size:.85em;opacity:.7}td.n{white-space:normal;"
	"word-break:break-all;width:100%}.s{text-align:right;"
	"font-variant-numeric:tabular-nums}"
	"tbody tr:nth-child(odd){background:rgba(128,128,128,.08)}";

static void html_write(FILE *f, const char *path, struct entry *v, size_t n,
		       bool more)
{
	char title[4096 * 6 + 8];

	autoindex_escape_html(path, title, sizeof(title));
	fprintf(f,
		"<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
		"<meta name=\"viewport\" content=\"width=device-width, "
		"initial-scale=1\">\n<title>Index of "
		"%s</title>\n<style>%s</style>\n"
		"</head>\n<body>\n<h1>Index of %s</h1>\n<table>\n<thead><tr>"
		"<th>Name</th><th class=\"s\">Size</th><th>Modified (UTC)</th>"
		"</tr></thead>\n<tbody>\n",
		title, listing_style, title);
	if (strcmp(path, "/") != 0)
		fputs("<tr><td class=\"n\"><a href=\"../\">../</a></td>"
		      "<td class=\"s\"></td><td></td></tr>\n",
		      f);
	for (size_t i = 0; i < n; i++) {
		if (ftell(f) > (long)AUTOINDEX_BODY_MAX) {
			more = true;
			break;
		}
		entry_line(f, &v[i]);
	}
	fputs("</tbody>\n</table>\n", f);
	if (more)
		fputs("<p>This directory has more entries than are "
		      "listed.</p>\n",
		      f);
	fputs("</body>\n</html>\n", f);
}

static const char *entry_type(const struct entry *e)
{
	return e->dir     ? "directory"
	       : e->link  ? "symlink"
	       : e->other ? "other"
			  : "file";
}

static void json_write(FILE *f, struct entry *v, size_t n)
{
	char name[NAME_MAX * 6 + 8], href[NAME_MAX * 3 + 8], date[32];
	struct tm tm;

	fputs("[", f);
	for (size_t i = 0; i < n && ftell(f) <= (long)AUTOINDEX_BODY_MAX; i++) {
		autoindex_escape_json(v[i].name, name, sizeof(name));
		autoindex_encode_href(v[i].name, href, sizeof(href));
		gmtime_r(&v[i].mtime, &tm);
		strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
		fprintf(f,
			"%s\n{\"name\": \"%s\", \"type\": \"%s\", \"size\": "
			"%lld, "
			"\"mtime\": \"%s\", \"url\": \"%s%s\"}",
			i == 0 ? "" : ",", name, entry_type(&v[i]), v[i].size,
			date, href, v[i].dir ? "/" : "");
	}
	fputs("\n]\n", f);
}

/* The latest mtime of the directory d and its n entries v. */
static time_t entries_newest(DIR *d, const struct entry *v, size_t n)
{
	struct stat st;
	time_t t = fstat(dirfd(d), &st) == 0 ? st.st_mtime : 0;

	for (size_t i = 0; i < n; i++)
		if (v[i].mtime > t)
			t = v[i].mtime;
	return t;
}

int autoindex_build(int dirfd, const char *path, bool dotfiles,
		    enum autoindex_format format, size_t *len, time_t *newest)
{
	DIR *d = fdopendir(dirfd);
	struct entry *v;
	size_t n = 0;
	bool more;
	int mfd = -1;
	FILE *f = NULL;

	if (d == NULL) {
		close(dirfd);
		return -1;
	}
	if ((v = entries_read(d, dotfiles, &n, &more)) == NULL)
		goto done;
	qsort(v, n, sizeof(*v), entry_cmp);
	*newest = entries_newest(d, v, n);
	if ((mfd = memfd_create("forkd-autoindex", MFD_CLOEXEC)) == -1)
		goto done;
	int wfd = dup(mfd);
	if (wfd == -1 || (f = fdopen(wfd, "w")) == NULL) {
		if (wfd != -1)
			close(wfd);
		goto fail;
	}
	if (format == AUTOINDEX_JSON)
		json_write(f, v, n);
	else
		html_write(f, path, v, n, more);
	long size = ftell(f);
	if (fclose(f) != 0 || size < 0)
		goto fail;
	*len = (size_t)size;
	goto done;
fail:
	close(mfd);
	mfd = -1;
done:
	for (size_t i = 0; v != NULL && i < n; i++)
		free(v[i].name);
	free(v);
	closedir(d);
	return mfd;
}
