/*
 * mime.c — file name extension to media type: a sorted table and bsearch.
 */
#include <stdlib.h>
#include <string.h>

#include "mime.h"

#define MIME_EXT_MAX 16
#define MIME_DEFAULT "application/octet-stream"
#define UTF8 "; charset=utf-8"

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
	{ "atom", "application/atom+xml" UTF8 },
	{ "avi", "video/x-msvideo" },
	{ "avif", "image/avif" },
	{ "bmp", "image/bmp" },
	{ "br", "application/x-brotli" },
	{ "bz2", "application/x-bzip2" },
	{ "cjs", "text/javascript" UTF8 },
	{ "css", "text/css" UTF8 },
	{ "csv", "text/csv" UTF8 },
	{ "doc", "application/msword" },
	{ "docx", "application/vnd.openxmlformats-officedocument"
		  ".wordprocessingml.document" },
	{ "eot", "application/vnd.ms-fontobject" },
	{ "epub", "application/epub+zip" },
	{ "flac", "audio/flac" },
	{ "gif", "image/gif" },
	{ "gz", "application/gzip" },
	{ "heic", "image/heic" },
	{ "htm", "text/html" UTF8 },
	{ "html", "text/html" UTF8 },
	{ "ico", "image/vnd.microsoft.icon" },
	{ "ics", "text/calendar" UTF8 },
	{ "jar", "application/java-archive" },
	{ "jpeg", "image/jpeg" },
	{ "jpg", "image/jpeg" },
	{ "js", "text/javascript" UTF8 },
	{ "json", "application/json" UTF8 },
	{ "jsonld", "application/ld+json" UTF8 },
	{ "m4a", "audio/mp4" },
	{ "map", "application/json" UTF8 },
	{ "md", "text/markdown" UTF8 },
	{ "mjs", "text/javascript" UTF8 },
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
	{ "rss", "application/rss+xml" UTF8 },
	{ "rtf", "application/rtf" },
	{ "svg", "image/svg+xml" UTF8 },
	{ "tar", "application/x-tar" },
	{ "tif", "image/tiff" },
	{ "tiff", "image/tiff" },
	{ "toml", "application/toml" UTF8 },
	{ "ttf", "font/ttf" },
	{ "txt", "text/plain" UTF8 },
	{ "vcf", "text/vcard" UTF8 },
	{ "wasm", "application/wasm" },
	{ "wav", "audio/wav" },
	{ "weba", "audio/webm" },
	{ "webm", "video/webm" },
	{ "webmanifest", "application/manifest+json" UTF8 },
	{ "webp", "image/webp" },
	{ "woff", "font/woff" },
	{ "woff2", "font/woff2" },
	{ "xhtml", "application/xhtml+xml" UTF8 },
	{ "xls", "application/vnd.ms-excel" },
	{ "xlsx", "application/vnd.openxmlformats-officedocument"
		  ".spreadsheetml.sheet" },
	{ "xml", "application/xml" UTF8 },
	{ "xz", "application/x-xz" },
	{ "yaml", "application/yaml" UTF8 },
	{ "yml", "application/yaml" UTF8 },
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

const char *mime_type(const char *name, size_t len)
{
	char buf[MIME_EXT_MAX];
	struct mime_key key = { buf, 0 };
	const struct mime_ext *e;

	/* The same few extensions come back request after request. */
	static char last_ext[MIME_EXT_MAX];
	static size_t last_len;
	static const char *last_type;

	if ((key.len = mime_ext_lower(name, len, buf)) == 0)
		return MIME_DEFAULT;
	if (key.len == last_len && memcmp(buf, last_ext, key.len) == 0)
		return last_type;
	e = bsearch(&key, mime_table, sizeof(mime_table) / sizeof(mime_table[0]),
	    sizeof(mime_table[0]), mime_cmp);
	memcpy(last_ext, buf, key.len);
	last_len = key.len;
	last_type = e != NULL ? e->type : MIME_DEFAULT;
	return last_type;
}
