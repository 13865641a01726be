/*
 * mime_type: every table entry by name (which also proves the table sorted,
 * since a lookup in an unsorted table misses), then the edge cases of
 * finding the extension.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mime.h"
#include "suites.h"

#define BIN "application/octet-stream"
#define U "; charset=utf-8"

struct mime_case {
	const char *name;
	size_t len;
	const char *type;
};

/* sizeof, not strlen: some names hold a NUL. */
#define M(name, type)                        \
	{                                    \
		name, sizeof(name) - 1, type \
	}
#define M_LEN(name, len, type)  \
	{                       \
		name, len, type \
	}

static const struct mime_case cases[] = {
	/* the whole table */
	M("a.7z", "application/x-7z-compressed"),
	M("a.aac", "audio/aac"),
	M("a.apk", "application/vnd.android.package-archive"),
	M("a.apng", "image/apng"),
	M("a.atom", "application/atom+xml" U),
	M("a.avi", "video/x-msvideo"),
	M("a.avif", "image/avif"),
	M("a.bmp", "image/bmp"),
	M("a.br", "application/x-brotli"),
	M("a.bz2", "application/x-bzip2"),
	M("a.cjs", "text/javascript" U),
	M("a.css", "text/css" U),
	M("a.csv", "text/csv" U),
	M("a.doc", "application/msword"),
	M("a.docx", "application/vnd.openxmlformats-officedocument"
		    ".wordprocessingml.document"),
	M("a.eot", "application/vnd.ms-fontobject"),
	M("a.epub", "application/epub+zip"),
	M("a.flac", "audio/flac"),
	M("a.gif", "image/gif"),
	M("a.gz", "application/gzip"),
	M("a.heic", "image/heic"),
	M("a.htm", "text/html" U),
	M("a.html", "text/html" U),
	M("a.ico", "image/vnd.microsoft.icon"),
	M("a.ics", "text/calendar" U),
	M("a.jar", "application/java-archive"),
	M("a.jpeg", "image/jpeg"),
	M("a.jpg", "image/jpeg"),
	M("a.js", "text/javascript" U),
	M("a.json", "application/json" U),
	M("a.jsonld", "application/ld+json" U),
	M("a.m4a", "audio/mp4"),
	M("a.map", "application/json" U),
	M("a.md", "text/markdown" U),
	M("a.mjs", "text/javascript" U),
	M("a.mkv", "video/x-matroska"),
	M("a.mov", "video/quicktime"),
	M("a.mp3", "audio/mpeg"),
	M("a.mp4", "video/mp4"),
	M("a.mpeg", "video/mpeg"),
	M("a.mpg", "video/mpeg"),
	M("a.odp", "application/vnd.oasis.opendocument.presentation"),
	M("a.ods", "application/vnd.oasis.opendocument.spreadsheet"),
	M("a.odt", "application/vnd.oasis.opendocument.text"),
	M("a.oga", "audio/ogg"),
	M("a.ogg", "audio/ogg"),
	M("a.ogv", "video/ogg"),
	M("a.opus", "audio/ogg"),
	M("a.otf", "font/otf"),
	M("a.pdf", "application/pdf"),
	M("a.png", "image/png"),
	M("a.ppt", "application/vnd.ms-powerpoint"),
	M("a.pptx", "application/vnd.openxmlformats-officedocument"
		    ".presentationml.presentation"),
	M("a.rar", "application/vnd.rar"),
	M("a.rss", "application/rss+xml" U),
	M("a.rtf", "application/rtf"),
	M("a.svg", "image/svg+xml" U),
	M("a.tar", "application/x-tar"),
	M("a.tif", "image/tiff"),
	M("a.tiff", "image/tiff"),
	M("a.toml", "application/toml" U),
	M("a.ttf", "font/ttf"),
	M("a.txt", "text/plain" U),
	M("a.vcf", "text/vcard" U),
	M("a.wasm", "application/wasm"),
	M("a.wav", "audio/wav"),
	M("a.weba", "audio/webm"),
	M("a.webm", "video/webm"),
	M("a.webmanifest", "application/manifest+json" U),
	M("a.webp", "image/webp"),
	M("a.woff", "font/woff"),
	M("a.woff2", "font/woff2"),
	M("a.xhtml", "application/xhtml+xml" U),
	M("a.xls", "application/vnd.ms-excel"),
	M("a.xlsx", "application/vnd.openxmlformats-officedocument"
		    ".spreadsheetml.sheet"),
	M("a.xml", "application/xml" U),
	M("a.xz", "application/x-xz"),
	M("a.yaml", "application/yaml" U),
	M("a.yml", "application/yaml" U),
	M("a.zip", "application/zip"),
	M("a.zst", "application/zstd"),
	/* case does not matter */
	M("INDEX.HTML", "text/html" U),
	M("Photo.JpG", "image/jpeg"),
	M("font.WOFF2", "font/woff2"),
	M("site.WebManifest", "application/manifest+json" U),
	M("A.Js", "text/javascript" U),
	/* paths: only the last segment's last extension counts */
	M("/index.html", "text/html" U),
	M("/a/b/c/style.css", "text/css" U),
	M("/a.d/file", BIN),
	M("/a.html/file", BIN),
	M("/a.html/", BIN),
	M("/dir.png/x.txt", "text/plain" U),
	M("archive.tar.gz", "application/gzip"),
	M("app.min.js", "text/javascript" U),
	M("page.html.bak", BIN),
	M("a..html", "text/html" U),
	/* no extension */
	M("", BIN),
	M("README", BIN),
	M("/", BIN),
	M("/usr/bin/ls", BIN),
	M(".", BIN),
	M("..", BIN),
	M("...", BIN),
	M("name.", BIN),
	M("/a/name.", BIN),
	/* dotfiles: a dot only at the start is no extension */
	M(".bashrc", BIN),
	M(".html", BIN),
	M("/a/.htaccess", BIN),
	M("/a.b/.js", BIN),
	M(".config.json", "application/json" U),
	M("..html", "text/html" U),
	/* unknown and near misses */
	M("a.exe", BIN),
	M("a.htmlx", BIN),
	M("a.ht", BIN),
	M("a.h", BIN),
	M("a.jso", BIN),
	M("a.jsonl", BIN),
	M("a.woff3", BIN),
	M("a.7", BIN),
	M("a.zzzz", BIN),
	M("a.aa", BIN),
	M("a.webmanifestx", BIN),
	M("a.thisisaverylongextensionname", BIN),
	M("a.\xc3\xa9", BIN),
	M("a.html ", BIN),
	M("a. html", BIN),
	M("a.HTML\\", BIN),
	/* explicit lengths: a prefix, or a NUL inside */
	M_LEN("index.html.gz", 10, "text/html" U),
	M_LEN("style.css", 8, BIN),
	M_LEN("style.css", 6, BIN),
	M_LEN(NULL, 0, BIN),
	M("a.ht\0ml", BIN),
	M("a.html\0", BIN),
	M("a.js\0.png", "image/png"),
};

#define NCASES ((int)(sizeof(cases) / sizeof(cases[0])))

static int mime_case_check(int i)
{
	const struct mime_case *c = &cases[i];
	const char *type = mime_type(c->name, c->len);

	if (type != NULL && strcmp(type, c->type) == 0)
		return 0;
	fprintf(stderr, "mime case %d \"%.*s\": \"%s\", want \"%s\"\n", i,
		(int)c->len, c->name != NULL ? c->name : "",
		type != NULL ? type : "(null)", c->type);
	return 1;
}

/* Every case in one process, every failure listed. */
START_TEST(test_mime_table)
{
	int failed = 0;

	for (int i = 0; i < NCASES; i++)
		failed += mime_case_check(i);
	ck_assert_msg(failed == 0, "%d of %d mime cases failed (see stderr)",
		      failed, NCASES);
}
END_TEST

#define T(n) mime_type(n, strlen(n))

/* A mime.types text: comments, blank lines, tabs, case, duplicates. */
START_TEST(test_mime_types_file)
{
	static const char text[] =
		"# comment line\n"
		"\n"
		"text/x-special\tspc SPX  # trailing comment\n"
		"application/x-first dup\n"
		"application/x-second dup\n"
		"image/x-override png\r\n"
		"application/vnd.no-ext\n"
		"bad-type-without-slash bts\n"
		"application/x-last last";

	struct mime_types *t = mime_types_parse(text, sizeof(text) - 1);

	ck_assert_ptr_nonnull(t);
	mime_use(t);
	ck_assert_str_eq(T("a.spc"), "text/x-special" U);
	ck_assert_str_eq(T("a.spx"), "text/x-special" U);
	ck_assert_str_eq(T("A.SPX"), "text/x-special" U);
	ck_assert_str_eq(T("a.dup"), "application/x-first");
	ck_assert_str_eq(T("a.png"), "image/x-override");
	ck_assert_str_eq(T("a.bts"), BIN);
	ck_assert_str_eq(T("a.last"), "application/x-last");
	ck_assert_str_eq(T("a.comment"), BIN);
	/* the built-in table answers what the file does not name */
	ck_assert_str_eq(T("a.css"), "text/css" U);
	ck_assert_str_eq(mime_type_charset("a.spc", 5, "iso-8859-1"),
			 "text/x-special; charset=iso-8859-1");
	ck_assert_str_eq(mime_type_charset("a.spc", 5, NULL), "text/x-special");
	ck_assert_str_eq(mime_type_charset("a.json", 6, ""),
			 "application/json");
	mime_use(NULL);
	ck_assert_str_eq(T("a.png"), "image/png");
	ck_assert_str_eq(T("a.spc"), BIN);
	mime_types_free(t);
}
END_TEST

/*
 * Parsing a table installs nothing: a reload parses the new types before
 * it knows whether it will commit.  Only mime_use() switches, and freeing
 * the table in use falls back to the built-in one.
 */
START_TEST(test_mime_parse_installs_nothing)
{
	static const char alpha[] = "text/x-alpha foo\n";
	static const char beta[] = "text/x-beta foo\n";
	struct mime_types *a = mime_types_parse(alpha, sizeof(alpha) - 1);
	struct mime_types *b;

	ck_assert_ptr_nonnull(a);
	ck_assert_str_eq(T("x.foo"), BIN);
	mime_use(a);
	ck_assert_str_eq(T("x.foo"), "text/x-alpha" U);
	b = mime_types_parse(beta, sizeof(beta) - 1);
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(T("x.foo"), "text/x-alpha" U);
	mime_types_free(b);
	ck_assert_str_eq(T("x.foo"), "text/x-alpha" U);
	mime_types_free(a);
	ck_assert_str_eq(T("x.foo"), BIN);
}
END_TEST

START_TEST(test_mime_has_charset)
{
	ck_assert(mime_has_charset("text/plain"));
	ck_assert(mime_has_charset("application/javascript"));
	ck_assert(mime_has_charset("application/json"));
	ck_assert(mime_has_charset("application/ld+json"));
	ck_assert(mime_has_charset("image/svg+xml"));
	ck_assert(!mime_has_charset("image/png"));
	ck_assert(!mime_has_charset("application/octet-stream"));
	ck_assert(!mime_has_charset("application/jsonx"));
}
END_TEST

START_TEST(test_mime_load_missing)
{
	errno = 0;
	ck_assert_ptr_null(mime_types_load("/nonexistent/mime.types"));
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_str_eq(T("a.css"), "text/css" U);
}
END_TEST

Suite *mime_suite(void)
{
	Suite *s = suite_create("mime");
	TCase *tc = tcase_create("table");

	/* the built-in table alone, whatever an earlier suite loaded */
	mime_use(NULL);
	tcase_add_test(tc, test_mime_table);
	tcase_add_test(tc, test_mime_types_file);
	tcase_add_test(tc, test_mime_parse_installs_nothing);
	tcase_add_test(tc, test_mime_has_charset);
	tcase_add_test(tc, test_mime_load_missing);
	suite_add_tcase(s, tc);
	return s;
}
