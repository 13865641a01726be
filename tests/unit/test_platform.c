/*
 * platform: _redirects (splats, placeholders, statuses 301/302/200/404,
 * `!`, first match from the top, trailing slashes per mode, the query
 * passed on), every unsupported line refused with its FILE:LINE, _headers
 * (several blocks for one path, repeated names joined, Cloudflare's
 * "! Name" and placeholders in values), hostile inputs (CR/LF and //host
 * through captures, a 1 MB line, patterns that try to be expensive), and
 * platform_load on a real directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "path.h"
#include "platform.h"
#include "suites.h"

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

static char err[512];
static char out[16384];

static char *dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static struct platform *parse(enum platform_mode mode, const char *r,
			      const char *h)
{
	err[0] = '\0';
	return platform_parse(mode, dup_or_null(r), r != NULL ? strlen(r) : 0,
			      "R", dup_or_null(h), h != NULL ? strlen(h) : 0,
			      "H", err, sizeof(err));
}

/* The status for path (no query), its target in out. */
static int go(const struct platform *p, const char *path)
{
	bool forced = false;

	out[0] = '\0';
	return platform_redirect(p, path, false, "", 0, out, sizeof(out),
				 &forced);
}

static void check_to(const struct platform *p, const char *path, int status,
		     const char *target)
{
	ck_assert_int_eq(go(p, path), status);
	ck_assert_str_eq(out, target);
}

static const char NETLIFY[] =
	"# Redirects from what the browser requests to what we serve\n"
	"/home              /\n"
	"\n"
	"   # an indented comment\n"
	"/blog/my-post.php  /blog/my-post   302\r\n"
	"/news/*            /blog/:splat\n"
	"/y/:year/:month/:slug  /posts/:year-:month/:slug  308 # trailing\n"
	"/app/*             /index.html     200\n"
	"/ecommerce         /store-closed   404\n"
	"/forced            /elsewhere      301!\n"
	"/cuties            https://www.example.com\n"
	"/authors/c%C3%A9line /authors/about-c%C3%A9line\n"
	"/home              /second\n"
	"/spa/*             /spa/index.html 200!\n";

START_TEST(test_netlify_rules)
{
	struct platform *p = parse(PLATFORM_NETLIFY, NETLIFY, NULL);
	bool forced = true;

	ck_assert_msg(p != NULL, "%s", err);
	ck_assert_uint_eq(platform_nrules(p), 11);
	check_to(p, "/home", 301, "/");  /* default 301, first wins */
	check_to(p, "/home/", 301, "/"); /* a trailing slash or not */
	check_to(p, "/blog/my-post.php", 302, "/blog/my-post");
	check_to(p, "/news/a/b.html", 301, "/blog/a/b.html");
	check_to(p, "/news/", 301, "/blog/");
	check_to(p, "/news", 301, "/blog/"); /* the splat may be empty */
	check_to(p, "/y/2024/05/hello", 308, "/posts/2024-05/hello");
	ck_assert_int_eq(go(p, "/y/2024/05"), 0); /* a placeholder is needed */
	ck_assert_int_eq(go(p, "/y/2024//x"), 0); /* ... and never empty */
	check_to(p, "/app/deep/route", 200, "/index.html");
	check_to(p, "/ecommerce", 404, "/store-closed");
	check_to(p, "/cuties", 301, "https://www.example.com/");
	check_to(p, "/authors/c\xc3\xa9line", 301,
		 "/authors/about-c%C3%A9line");
	ck_assert_int_eq(platform_redirect(p, "/forced", false, "", 0, out,
					   sizeof(out), &forced),
			 301);
	ck_assert(forced);
	ck_assert_int_eq(platform_redirect(p, "/home", false, "", 0, out,
					   sizeof(out), &forced),
			 301);
	ck_assert(!forced);
	/* only_forced: what a file at the path leaves */
	ck_assert_int_eq(platform_redirect(p, "/home", true, "", 0, out,
					   sizeof(out), &forced),
			 0);
	ck_assert_int_eq(platform_redirect(p, "/spa/x", true, "", 0, out,
					   sizeof(out), &forced),
			 200);
	ck_assert_str_eq(out, "/spa/index.html");
	ck_assert_int_eq(go(p, "/nothing"), 0);
	ck_assert(platform_shadows(p));
	platform_free(p);
}
END_TEST

START_TEST(test_query_passed_on)
{
	struct platform *p = parse(
		PLATFORM_NETLIFY, "/a /b\n/q /b?y=2\n/p/:id /products?id=:id\n",
		NULL);
	bool forced;

	ck_assert_msg(p != NULL, "%s", err);
	ck_assert_int_eq(platform_redirect(p, "/a", false, "?x=1", 4, out,
					   sizeof(out), &forced),
			 301);
	ck_assert_str_eq(out, "/b?x=1");
	ck_assert_int_eq(platform_redirect(p, "/q", false, "?x=1", 4, out,
					   sizeof(out), &forced),
			 301);
	ck_assert_str_eq(out, "/b?y=2");
	check_to(p, "/p/a#b?c", 301, "/products?id=a%23b%3Fc");
	platform_free(p);
}
END_TEST

START_TEST(test_cloudflare_rules)
{
	struct platform *p = parse(PLATFORM_CLOUDFLARE,
				   "/home302 /\n"
				   "/home301 / 301\n"
				   "/trailing /trailing/ 301\n"
				   "/notrailing/ /nottrailing 301\n"
				   "/blog/* https://blog.example.com/:splat\n"
				   "/movies/:title /media/:title\n"
				   "/forced /x 301!\n"
				   "/*.php /legacy/:splat.html 301\n",
				   NULL);

	ck_assert_msg(p != NULL, "%s", err);
	ck_assert(!platform_shadows(p));
	check_to(p, "/home302", 302, "/"); /* default 302 */
	check_to(p, "/home301", 301, "/");
	check_to(p, "/trailing", 301, "/trailing/"); /* exact: no loop */
	ck_assert_int_eq(go(p, "/trailing/"), 0);
	check_to(p, "/notrailing/", 301, "/nottrailing");
	ck_assert_int_eq(go(p, "/notrailing"), 0);
	check_to(p, "/blog/a/b", 302, "https://blog.example.com/a/b");
	check_to(p, "/movies/up", 302, "/media/up");
	check_to(p, "/forced", 301, "/x");
	check_to(p, "/old/page.php", 301, "/legacy/old/page.html");
	ck_assert_int_eq(go(p, "/blog"), 0); /* no Netlify "/blog" = "/blog/" */
	platform_free(p);
}
END_TEST

START_TEST(test_splat_in_the_middle)
{
	struct platform *p = parse(PLATFORM_CLOUDFLARE,
				   "/a/*/b/:id /x/:id/:splat 301\n"
				   "/img*.jpg /jpg/:splat 301\n",
				   NULL);

	ck_assert_msg(p != NULL, "%s", err);
	check_to(p, "/a/1/2/b/z", 301, "/x/z/1/2");
	check_to(p, "/a/b/z", 0, "");
	check_to(p, "/img/x.jpg.jpg", 301, "/jpg//x.jpg"); /* greedy */
	check_to(p, "/img.jpg", 301, "/jpg/");
	ck_assert_int_eq(go(p, "/img.png"), 0);
	ck_assert_int_eq(go(p, "/im.jpg"), 0);
	platform_free(p);
}
END_TEST

/* text, mode, what the message must hold */
static const struct {
	const char *text;
	enum platform_mode mode;
	const char *want;
} BAD_RULES[] = {
	{ "/a /b 302 Country=us,ca\n", PLATFORM_NETLIFY,
	  "R:1: condition \"Country=us,ca\"" },
	{ "/a /b Language=de\n", PLATFORM_NETLIFY, "R:1: condition" },
	{ "# c\n\n/a /b\n/admin/* 200! Role=admin\n", PLATFORM_NETLIFY,
	  "R:4: a rule without TO" },
	{ "/store id=:id /blog/:id 301\n", PLATFORM_NETLIFY,
	  "R:1: \"id=:id\": matching query parameters is not supported" },
	{ "/api/* https://api.example.com/:splat 200\n", PLATFORM_NETLIFY,
	  "R:1: \"https://api.example.com/:splat\": proxying to another host" },
	{ "/a https://x.example/ 404\n", PLATFORM_NETLIFY,
	  "R:1: \"https://x.example/\": proxying" },
	{ "http://blog.example.com/* https://www.example.com/blog/:splat 301\n",
	  PLATFORM_NETLIFY,
	  "R:1: \"http://blog.example.com/*\": a pattern is a path" },
	{ "blog.example.com/* /blog/:splat\n", PLATFORM_CLOUDFLARE,
	  "R:1: \"blog.example.com/*\": a pattern" },
	{ "/a?x=1 /b\n", PLATFORM_NETLIFY,
	  "R:1: \"/a?x=1\": matching a query" },
	{ "/a/*/b/* /c\n", PLATFORM_NETLIFY, "R:1: more than one *" },
	{ "/:a/:a /c\n", PLATFORM_NETLIFY, "R:1: placeholder :a twice" },
	{ "/:id.html /c\n", PLATFORM_NETLIFY,
	  "R:1: placeholder in \"/:id.html\" must be a whole" },
	{ "/:splat /c\n", PLATFORM_NETLIFY,
	  "R:1: :splat names what * matched" },
	{ "/a /b 418\n", PLATFORM_NETLIFY, "R:1: status 418 is not supported" },
	{ "/a /b 410\n", PLATFORM_NETLIFY, "R:1: status 410 is not supported" },
	{ "/a /b 30x\n", PLATFORM_NETLIFY, "R:1: \"30x\" is not a status" },
	{ "/a /b 301!!\n", PLATFORM_NETLIFY, "R:1: \"301!!\" is not a status" },
	{ "/ok /fine\n/a\n", PLATFORM_NETLIFY,
	  "R:2: expected \"FROM TO [STATUS]\"" },
	{ "/a //evil.example\n", PLATFORM_NETLIFY,
	  "R:1: to \"//evil.example\" must be" },
	{ "/a javascript:alert(1)\n", PLATFORM_NETLIFY,
	  "R:1: to \"javascript:alert(1)\"" },
	{ "/a /b?x=1 200\n", PLATFORM_NETLIFY,
	  "R:1: \"/b?x=1\": a rewrite names a file" },
	{ "/a/* https://:splat.example/ 301\n", PLATFORM_NETLIFY,
	  "R:1: \"https://:splat.example/\": a placeholder in the host" },
	{ "/a /:splat\n", PLATFORM_NETLIFY,
	  "R:1: TO uses :splat but FROM has no *" },
	{ "/a /b 404\n", PLATFORM_CLOUDFLARE,
	  "R:1: status 404 (a page for a path) is Netlify's" },
	{ "/a /b 301 x\n", PLATFORM_NETLIFY, "R:1: unexpected \"x\"" },
	{ "/a /b 1 2 3 4 5 6 7\n", PLATFORM_NETLIFY,
	  "R:1: more than 8 fields" },
	{ "/%2e%2e/x /b\n", PLATFORM_NETLIFY,
	  "R:1: \"/%2e%2e/x\" is not a valid path" },
	{ "/a%00 /b\n", PLATFORM_NETLIFY,
	  "R:1: \"/a%00\" is not a valid path" },
	{ "/a /b\n/c /d\0 /e\n", PLATFORM_NETLIFY, "R:2: NUL byte" },
	{ "/:a/:b/:c/:d/:e/:f/:g/:h/:i/:j/:k/:l/:m/:n/:o/:p/:q /x\n",
	  PLATFORM_NETLIFY, "R:1: more than 16 placeholders" },
};

START_TEST(test_bad_rules)
{
	size_t len = BAD_RULES[_i].text == NULL ? 0
						: strlen(BAD_RULES[_i].text);
	const char *t = BAD_RULES[_i].text;

	/* the NUL case: its length goes past the NUL */
	if (strstr(BAD_RULES[_i].want, "NUL") != NULL)
		len = 16;
	char *copy = malloc(len + 1);
	memcpy(copy, t, len);
	copy[len] = '\0';
	err[0] = '\0';
	struct platform *p = platform_parse(BAD_RULES[_i].mode, copy, len, "R",
					    NULL, 0, "H", err, sizeof(err));
	ck_assert_msg(p == NULL, "accepted: %s", t);
	ck_assert_msg(strstr(err, BAD_RULES[_i].want) != NULL, "%s: got %s",
		      BAD_RULES[_i].want, err);
	for (const char *s = err; *s != '\0'; s++)
		ck_assert((unsigned char)*s >= ' ');
}
END_TEST

START_TEST(test_megabyte_line)
{
	size_t n = 1 << 20;
	char *text = malloc(n + 32);

	strcpy(text, "/a /b\n/");
	memset(text + 7, 'x', n);
	strcpy(text + 7 + n, " /c\n");
	struct platform *p = platform_parse(PLATFORM_NETLIFY, text,
					    strlen(text), "R", NULL, 0, "H",
					    err, sizeof(err));
	ck_assert_ptr_null(p);
	ck_assert_str_eq(err, "R:2: line longer than 8192 bytes");
}
END_TEST

START_TEST(test_hostile_requests)
{
	struct platform *p = parse(PLATFORM_NETLIFY,
				   "/go/* /to/:splat\n"
				   "/r/* /:splat\n"
				   "/w/* /:splat 200\n"
				   "/u/* https://ok.example/:splat\n",
				   NULL);
	char path[4200];

	ck_assert_msg(p != NULL, "%s", err);
	/* what a capture brings is encoded: no header line from CR LF */
	check_to(p, "/go/a\r\nSet-Cookie: x=1", 301,
		 "/to/a%0D%0ASet-Cookie:%20x=1");
	/* a captured '/' may not make a protocol-relative Location */
	ck_assert_int_eq(go(p, "/r//evil.example"), -1);
	check_to(p, "/r/\\evil.example", 301, "/%5Cevil.example");
	check_to(p, "/r/evil.example", 301, "/evil.example");
	check_to(p, "/u/@evil.example", 301,
		 "https://ok.example/@evil.example");
	/* a rewrite stays beneath the root */
	ck_assert_int_eq(go(p, "/w/../../etc/passwd"), -1);
	check_to(p, "/w/a/%2e%2e/b", 200, "/a/%2e%2e/b");
	/* a target that does not fit */
	memset(path, 'a', sizeof(path) - 1);
	memcpy(path, "/go/", 4);
	path[sizeof(path) - 1] = '\0';
	ck_assert_int_eq(platform_redirect(p, path, false, "", 0, out, 64,
					   (bool[]){ false }),
			 -1);
	platform_free(p);
}
END_TEST

START_TEST(test_patterns_stay_linear)
{
	/* sixteen placeholders, a splat, and a long path of short segments */
	struct platform *p = parse(
		PLATFORM_NETLIFY,
		"/:a/:b/:c/:d/:e/:f/:g/:h/*/:i/:j/:k/:l/:m/:n/:o/:p "
		"/x/:p/:splat\n",
		NULL);
	static char path[PATH_MAX_LEN];
	struct timespec t0, t1;

	ck_assert_msg(p != NULL, "%s", err);
	for (size_t i = 0; i + 2 < sizeof(path); i += 2)
		memcpy(path + i, "/a", 2);
	path[sizeof(path) - 2] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int k = 0; k < 1000; k++)
		ck_assert_int_eq(go(p, path), 301);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* 4 KB path, 1000 times: well under a second even under ASan */
	ck_assert((t1.tv_sec - t0.tv_sec) * 1000 +
			  (t1.tv_nsec - t0.tv_nsec) / 1000000 <
		  2000);
	platform_free(p);
}
END_TEST

static const char HEADERS[] = "# for every page\n"
			      "/*\n"
			      "  X-Frame-Options: DENY\n"
			      "  Link: </style.css>; rel=preload\n"
			      "\n"
			      "/secure/*\n"
			      "\tX-Frame-Options: SAMEORIGIN\n"
			      "  Referrer-Policy: no-referrer   \n"
			      "  # a comment among headers\n"
			      "/secure/page\r\n"
			      "  x-frame-options: ALLOW-FROM x\r\n"
			      "/static/:file\n"
			      "  Cache-Control: public, max-age=60\n"
			      "  X-Name: :file\n";

START_TEST(test_headers)
{
	struct platform *p = parse(PLATFORM_NETLIFY, NULL, HEADERS);
	int n;

	ck_assert_msg(p != NULL, "%s", err);
	ck_assert_uint_eq(platform_nblocks(p), 4);
	n = platform_headers(p, "/secure/page", out, sizeof(out));
	ck_assert_str_eq(out,
			 "X-Frame-Options: DENY, SAMEORIGIN, ALLOW-FROM x\r\n"
			 "Link: </style.css>; rel=preload\r\n"
			 "Referrer-Policy: no-referrer\r\n");
	ck_assert_int_eq(n, (int)strlen(out));
	platform_headers(p, "/secure/page/", out, sizeof(out));
	ck_assert(strstr(out, "ALLOW-FROM") != NULL); /* trailing slash */
	platform_headers(p, "/static/a.css", out, sizeof(out));
	ck_assert_str_eq(out,
			 "X-Frame-Options: DENY\r\n"
			 "Link: </style.css>; rel=preload\r\n"
			 "Cache-Control: public, max-age=60\r\n"
			 "X-Name: :file\r\n"); /* Netlify fills in no values */
	platform_headers(p, "/", out, sizeof(out));
	ck_assert_str_eq(out, "X-Frame-Options: DENY\r\n"
			      "Link: </style.css>; rel=preload\r\n");
	/* too much for the room given */
	ck_assert_int_eq(platform_headers(p, "/secure/page", out, 40), -1);
	platform_free(p);
}
END_TEST

START_TEST(test_headers_cloudflare)
{
	struct platform *p = parse(
		PLATFORM_CLOUDFLARE, NULL,
		"/*\n"
		"  Content-Security-Policy: default-src 'self'\n"
		"  X-Robots-Tag: noindex\n"
		"/*.jpg\n"
		"  ! Content-Security-Policy\n"
		"/movies/:title\n"
		"  X-Movie: You are watching \":title\"\n"
		"  X-Robots-Tag: nosnippet\n");

	ck_assert_msg(p != NULL, "%s", err);
	platform_headers(p, "/a/b.jpg", out, sizeof(out));
	ck_assert_str_eq(out, "X-Robots-Tag: noindex\r\n");
	platform_headers(p, "/movies/up", out, sizeof(out));
	ck_assert_str_eq(out, "Content-Security-Policy: default-src 'self'\r\n"
			      "X-Robots-Tag: noindex, nosnippet\r\n"
			      "X-Movie: You are watching \"up\"\r\n");
	/* a value filled from the request is encoded: no CR LF */
	platform_headers(p, "/movies/a\r\nSet-Cookie: x", out, sizeof(out));
	ck_assert(strstr(out, "X-Movie: You are watching "
			      "\"a%0D%0ASet-Cookie:%20x\"") != NULL);
	platform_free(p);
}
END_TEST

static const struct {
	const char *text;
	enum platform_mode mode;
	const char *want;
} BAD_HEADERS[] = {
	{ "  X-A: b\n", PLATFORM_NETLIFY,
	  "H:1: a header line needs a path line" },
	{ "/a\n/b\n  X-A: b\n", PLATFORM_NETLIFY,
	  "H:1: no header lines under \"/a\"" },
	{ "/a\n  X-A: b\n\n# end\n/b\n", PLATFORM_NETLIFY,
	  "H:5: no header lines under \"/b\"" },
	{ "/a\n  Content-Type: text/plain\n", PLATFORM_NETLIFY,
	  "H:2: header: Content-Type is set by forkd itself" },
	{ "/a\n  Content-Length: 5\n", PLATFORM_NETLIFY,
	  "H:2: header: Content-Length" },
	{ "/a\n  X-Bad\n", PLATFORM_NETLIFY, "H:2: header \"X-Bad\" must be" },
	{ "/a\n  X-Empty:\n", PLATFORM_NETLIFY,
	  "H:2: header \"X-Empty:\" has no value" },
	{ "/a\n  X-C: a\x01z\n", PLATFORM_NETLIFY, "H:2: header" },
	{ "/a\n  ! X-A\n", PLATFORM_NETLIFY,
	  "H:2: \"! Name\" (removing a header) is Cloudflare's" },
	{ "/a\n  ! X-A: b\n", PLATFORM_CLOUDFLARE,
	  "H:2: \"! X-A: b\": expected" },
	{ "https://:project.pages.dev/*\n  X-Robots-Tag: noindex\n",
	  PLATFORM_CLOUDFLARE,
	  "H:1: \"https://:project.pages.dev/*\": a pattern is a path" },
	{ "/a/*/*\n  X: y\n", PLATFORM_NETLIFY, "H:1: more than one *" },
};

START_TEST(test_bad_headers)
{
	struct platform *p = parse(BAD_HEADERS[_i].mode, NULL,
				   BAD_HEADERS[_i].text);

	ck_assert_msg(p == NULL, "accepted: %s", BAD_HEADERS[_i].text);
	ck_assert_msg(strstr(err, BAD_HEADERS[_i].want) != NULL, "%s: got %s",
		      BAD_HEADERS[_i].want, err);
}
END_TEST

START_TEST(test_block_too_big)
{
	char text[8192];
	size_t n = (size_t)snprintf(text, sizeof(text), "/a\n");

	for (int i = 0; i < 60; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "  X-H%02d: %080d\n", i, 0);
	ck_assert_ptr_null(parse(PLATFORM_NETLIFY, NULL, text));
	ck_assert_msg(strstr(err, "take more than 4096 bytes") != NULL, "%s",
		      err);
}
END_TEST

START_TEST(test_own_files)
{
	ck_assert(platform_own_file("/_redirects"));
	ck_assert(platform_own_file("/_headers"));
	ck_assert(!platform_own_file("/_headers/"));
	ck_assert(!platform_own_file("/a/_headers"));
	ck_assert(!platform_own_file("/_redirects.txt"));
}
END_TEST

static void put(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

START_TEST(test_load)
{
	char dir[] = "/tmp/forkd-platform-XXXXXX", path[600];
	struct platform *p;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* no files: no rules, and no error */
	p = platform_load(dir, PLATFORM_NETLIFY, err, sizeof(err));
	ck_assert_msg(p != NULL, "%s", err);
	ck_assert_uint_eq(platform_nrules(p) + platform_nblocks(p), 0);
	platform_free(p);
	put(dir, "_redirects", "/a /b\n");
	put(dir, "_headers", "/*\n  X-A: 1\n");
	p = platform_load(dir, PLATFORM_NETLIFY, err, sizeof(err));
	ck_assert_msg(p != NULL, "%s", err);
	ck_assert_uint_eq(platform_nrules(p), 1);
	ck_assert_uint_eq(platform_nblocks(p), 1);
	platform_free(p);
	/* a bad line names the file with its directory */
	put(dir, "_headers", "/*\n  X-A: 1\n/x\n");
	ck_assert_ptr_null(
		platform_load(dir, PLATFORM_NETLIFY, err, sizeof(err)));
	snprintf(path, sizeof(path), "%s/_headers:3: no header lines", dir);
	ck_assert_msg(strstr(err, path) != NULL, "%s", err);
	/* a link out of the root is not followed */
	snprintf(path, sizeof(path), "%s/_headers", dir);
	unlink(path);
	ck_assert_int_eq(symlink("/etc/passwd", path), 0);
	ck_assert_ptr_null(
		platform_load(dir, PLATFORM_NETLIFY, err, sizeof(err)));
	ck_assert_msg(strstr(err, "_headers: ") != NULL, "%s", err);
	unlink(path);
	/* a directory is not a file */
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_ptr_null(
		platform_load(dir, PLATFORM_NETLIFY, err, sizeof(err)));
	ck_assert_msg(strstr(err, "Is a directory") != NULL, "%s", err);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/_redirects", dir);
	unlink(path);
	rmdir(dir);
}
END_TEST

Suite *platform_suite(void)
{
	Suite *s = suite_create("platform");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_netlify_rules);
	tcase_add_test(tc, test_query_passed_on);
	tcase_add_test(tc, test_cloudflare_rules);
	tcase_add_test(tc, test_splat_in_the_middle);
	tcase_add_loop_test(tc, test_bad_rules, 0, (int)nitems(BAD_RULES));
	tcase_add_test(tc, test_megabyte_line);
	tcase_add_test(tc, test_hostile_requests);
	tcase_add_test(tc, test_patterns_stay_linear);
	tcase_add_test(tc, test_headers);
	tcase_add_test(tc, test_headers_cloudflare);
	tcase_add_loop_test(tc, test_bad_headers, 0, (int)nitems(BAD_HEADERS));
	tcase_add_test(tc, test_block_too_big);
	tcase_add_test(tc, test_own_files);
	tcase_add_test(tc, test_load);
	suite_add_tcase(s, tc);
	return s;
}
