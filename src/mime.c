/*
 * mime.c — file name extension to media type: the mime.types table in
 * use (parsed from a file, owned by the config), then a built-in sorted
 * table; bsearch in both.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"

#define MIME_EXT_MAX 16
#define MIME_DEFAULT "application/octet-stream"
#define MIME_FILE_MAX (4u << 20) /* a larger mime.types is refused */

struct mime_ext {
	const char *ext; /* lower case */
	const char *type;
};

struct mime_key {
	const char *ext;
	size_t len;
};

/* Sorted by ext in strcmp() order: mime_type() relies on it. */
static const struct mime_ext mime_table[] = {
	{ "7z", "application/x-7z-compressed" },
	{ "aac", "audio/aac" },
	{ "apk", "application/vnd.android.package-archive" },
	{ "apng", "image/apng" },
	{ "atom", "application/atom+xml" },
	{ "avi", "video/x-msvideo" },
	{ "avif", "image/avif" },
	{ "bmp", "image/bmp" },
	{ "br", "application/x-brotli" },
	{ "bz2", "application/x-bzip2" },
	{ "cjs", "text/javascript" },
	{ "css", "text/css" },
	{ "csv", "text/csv" },
	{ "doc", "application/msword" },
	{ "docx", "application/vnd.openxmlformats-officedocument"
		  ".wordprocessingml.document" },
	{ "eot", "application/vnd.ms-fontobject" },
	{ "epub", "application/epub+zip" },
	{ "flac", "audio/flac" },
	{ "gif", "image/gif" },
	{ "gz", "application/gzip" },
	{ "heic", "image/heic" },
	{ "htm", "text/html" },
	{ "html", "text/html" },
	{ "ico", "image/vnd.microsoft.icon" },
	{ "ics", "text/calendar" },
	{ "jar", "application/java-archive" },
	{ "jpeg", "image/jpeg" },
	{ "jpg", "image/jpeg" },
	{ "js", "text/javascript" },
	{ "json", "application/json" },
	{ "jsonld", "application/ld+json" },
	{ "m4a", "audio/mp4" },
	{ "map", "application/json" },
	{ "md", "text/markdown" },
	{ "mjs", "text/javascript" },
	{ "mkv", "video/x-matroska" },
	{ "mov", "video/quicktime" },
	{ "mp3", "audio/mpeg" },
	{ "mp4", "video/mp4" },
	{ "mpeg", "video/mpeg" },
	{ "mpg", "video/mpeg" },
	{ "odp", "application/vnd.oasis.opendocument.presentation" },
	{ "ods", "application/vnd.oasis.opendocument.spreadsheet" },
	{ "odt", "application/vnd.oasis.opendocument.text" },
	{ "oga", "audio/ogg" },
	{ "ogg", "audio/ogg" },
	{ "ogv", "video/ogg" },
	{ "opus", "audio/ogg" },
	{ "otf", "font/otf" },
	{ "pdf", "application/pdf" },
	{ "png", "image/png" },
	{ "ppt", "application/vnd.ms-powerpoint" },
	{ "pptx", "application/vnd.openxmlformats-officedocument"
		  ".presentationml.presentation" },
	{ "rar", "application/vnd.rar" },
	{ "rss", "application/rss+xml" },
	{ "rtf", "application/rtf" },
	{ "svg", "image/svg+xml" },
	{ "tar", "application/x-tar" },
	{ "tif", "image/tiff" },
	{ "tiff", "image/tiff" },
	{ "toml", "application/toml" },
	{ "ttf", "font/ttf" },
	{ "txt", "text/plain" },
	{ "vcf", "text/vcard" },
	{ "wasm", "application/wasm" },
	{ "wav", "audio/wav" },
	{ "weba", "audio/webm" },
	{ "webm", "video/webm" },
	{ "webmanifest", "application/manifest+json" },
	{ "webp", "image/webp" },
	{ "woff", "font/woff" },
	{ "woff2", "font/woff2" },
	{ "xhtml", "application/xhtml+xml" },
	{ "xls", "application/vnd.ms-excel" },
	{ "xlsx", "application/vnd.openxmlformats-officedocument"
		  ".spreadsheetml.sheet" },
	{ "xml", "application/xml" },
	{ "xz", "application/x-xz" },
	{ "yaml", "application/yaml" },
	{ "yml", "application/yaml" },
	{ "zip", "application/zip" },
	{ "zst", "application/zstd" },
};

/* strcmp() order, but the key has a length and may hold any byte. */
static int mime_cmp(const void *key, const void *elem)
{
	const struct mime_key *k = key;
	const struct mime_ext *e = elem;
	size_t elen = strlen(e->ext);
	int d = memcmp(k->ext, e->ext, k->len < elen ? k->len : elen);

	if (d != 0)
		return d;
	return (k->len > elen) - (k->len < elen);
}

/*
 * The extension of the last path segment, lower-cased into buf; its length,
 * or 0 when there is none: no dot, only a leading dot (".bashrc"), a
 * trailing dot, or one too long to be in the table.
 */
static size_t mime_ext_lower(const char *name, size_t len, char *buf)
{
	size_t i, dot = 0, n;

	for (i = len; i > 0 && name[i - 1] != '/'; i--)
		if (dot == 0 && name[i - 1] == '.')
			dot = i;
	if (dot == 0 || dot - 1 == i || dot == len)
		return 0;
	if ((n = len - dot) > MIME_EXT_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = name[dot + i];
		buf[i] = c >= 'A' && c <= 'Z' ? c | 0x20 : c;
	}
	return n;
}

/*
 * A parsed mime.types: sorted by ext, one string block holding all.  The
 * config owns each table; lookups use the one mime_use() named, so that
 * parsing a new file (a reload that may yet fail) changes nothing.
 */
struct mime_types {
	struct mime_ext *v;
	size_t n;
	char *text;
};

static const struct mime_types *in_use;

static int ext_sort(const void *x, const void *y)
{
	const struct mime_ext *a = x, *b = y;
	int d = strcmp(a->ext, b->ext);

	/* equal extensions in file order (types point into one buffer) */
	if (d == 0)
		return a->type < b->type ? -1 : a->type > b->type;
	return d;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Split off the next blank-separated word of *p (in place); "" at the end. */
static char *next_word(char **p)
{
	char *s = *p, *word;

	while (is_space(*s))
		s++;
	word = s;
	while (*s != '\0' && !is_space(*s))
		s++;
	if (*s != '\0')
		*s++ = '\0';
	*p = s;
	return word;
}

/* A type is "major/minor" of printable ASCII, without ';' or '"'. */
static bool type_ok(const char *type)
{
	if (*type == '\0' || strchr(type, '/') == NULL)
		return false;
	for (const char *c = type; *c != '\0'; c++)
		if (*c <= 0x20 || *c >= 0x7f || *c == ';' || *c == '"')
			return false;
	return true;
}

static int types_add(struct mime_types *t, size_t *cap, char *ext,
		     const char *type)
{
	size_t elen = strlen(ext);

	if (elen == 0 || elen > MIME_EXT_MAX || strchr(ext, '/') != NULL)
		return 0;
	for (char *c = ext; *c != '\0'; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c |= 0x20;
	if (t->n == *cap) {
		size_t ncap = *cap == 0 ? 256 : *cap * 2;
		struct mime_ext *v = realloc(t->v, ncap * sizeof(*v));
		if (v == NULL)
			return -1;
		t->v = v;
		*cap = ncap;
	}
	t->v[t->n].ext = ext;
	t->v[t->n].type = type;
	t->n++;
	return 0;
}

/* One "type ext ext ..." line, comment already cut. */
static int types_line(struct mime_types *t, size_t *cap, char *line)
{
	char *p = line, *type = next_word(&p), *ext;

	if (!type_ok(type))
		return 0;
	while (*(ext = next_word(&p)) != '\0')
		if (types_add(t, cap, ext, type) == -1)
			return -1;
	return 0;
}

/* Sorted, and the first line naming an extension wins. */
static void types_sort(struct mime_types *t)
{
	size_t k = 1;

	if (t->n == 0)
		return;
	qsort(t->v, t->n, sizeof(*t->v), ext_sort);
	for (size_t i = 1; i < t->n; i++)
		if (strcmp(t->v[i].ext, t->v[k - 1].ext) != 0)
			t->v[k++] = t->v[i];
	t->n = k;
}

struct mime_types *mime_types_parse(const char *text, size_t len)
{
	struct mime_types *t = calloc(1, sizeof(*t));
	size_t cap = 0;

	if (t == NULL || (t->text = malloc(len + 1)) == NULL)
		goto fail;
	memcpy(t->text, text, len);
	t->text[len] = '\0';
	for (char *line = t->text; line != NULL && *line != '\0';) {
		char *end = strchr(line, '\n'), *hash;
		if (end != NULL)
			*end = '\0';
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		if (types_line(t, &cap, line) == -1)
			goto fail;
		line = end != NULL ? end + 1 : NULL;
	}
	types_sort(t);
	return t;
fail:
	mime_types_free(t);
	errno = ENOMEM;
	return NULL;
}

void mime_types_free(struct mime_types *t)
{
	if (t == NULL)
		return;
	if (t == in_use)
		mime_use(NULL);
	free(t->v);
	free(t->text);
	free(t);
}

/* The whole file, at most MIME_FILE_MAX bytes; NULL with errno. */
static char *types_read(const char *path, size_t *lenp)
{
	FILE *fp = fopen(path, "re");
	char *text = NULL;
	size_t len = 0, n;
	int saved;

	if (fp == NULL)
		return NULL;
	for (;;) {
		char *t = realloc(text, len + 65536);
		if (t == NULL)
			goto fail;
		text = t;
		len += n = fread(text + len, 1, 65536, fp);
		if (n < 65536)
			break;
		if (len > MIME_FILE_MAX) {
			errno = EFBIG;
			goto fail;
		}
	}
	if (ferror(fp))
		goto fail;
	fclose(fp);
	*lenp = len;
	return text;
fail:
	saved = errno;
	free(text);
	fclose(fp);
	errno = saved;
	return NULL;
}

struct mime_types *mime_types_load(const char *path)
{
	struct mime_types *t;
	size_t len;
	char *text = types_read(path, &len);

	if (text == NULL)
		return NULL;
	t = mime_types_parse(text, len);
	free(text);
	return t;
}

void mime_use(const struct mime_types *t)
{
	in_use = t;
	mime_forget();
}

bool mime_has_charset(const char *type)
{
	static const char *const also[] = {
		"application/javascript", "application/json",
		"application/xml",        "application/yaml",
		"application/toml",       "application/ecmascript",
	};
	size_t len = strlen(type);

	if (strncmp(type, "text/", 5) == 0)
		return true;
	if ((len > 5 && strcmp(type + len - 5, "+json") == 0) ||
	    (len > 4 && strcmp(type + len - 4, "+xml") == 0))
		return true;
	for (size_t i = 0; i < sizeof(also) / sizeof(also[0]); i++)
		if (strcmp(type, also[i]) == 0)
			return true;
	return false;
}

/* The same few extensions come back request after request. */
static char last_ext[MIME_EXT_MAX];
static size_t last_len;
static const char *last_charset;
static const char *last_type;
static char last_full[256];

void mime_forget(void)
{
	last_len = 0;
	last_charset = NULL;
}

const char *mime_type_charset(const char *name, size_t len, const char *charset)
{
	char buf[MIME_EXT_MAX];
	struct mime_key key = { buf, 0 };
	const struct mime_ext *e = NULL;
	const char *type;

	if ((key.len = mime_ext_lower(name, len, buf)) == 0)
		return MIME_DEFAULT;
	if (key.len == last_len && charset == last_charset &&
	    memcmp(buf, last_ext, key.len) == 0)
		return last_type;
	if (in_use != NULL && in_use->n > 0)
		e = bsearch(&key, in_use->v, in_use->n, sizeof(in_use->v[0]),
			    mime_cmp);
	if (e == NULL)
		e = bsearch(&key, mime_table,
			    sizeof(mime_table) / sizeof(mime_table[0]),
			    sizeof(mime_table[0]), mime_cmp);
	type = e != NULL ? e->type : MIME_DEFAULT;
	if (charset != NULL && charset[0] != '\0' && mime_has_charset(type) &&
	    (size_t)snprintf(last_full, sizeof(last_full), "%s; charset=%s",
			     type, charset) < sizeof(last_full))
		type = last_full;
	memcpy(last_ext, buf, key.len);
	last_len = key.len;
	last_charset = charset;
	last_type = type;
	return type;
}

const char *mime_type(const char *name, size_t len)
{
	return mime_type_charset(name, len, "utf-8");
}
