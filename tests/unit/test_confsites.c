/*
 * confsites: the site options of forkd.conf as config_load stores them:
 * try_files, redirect sections (server and location), redirect_map, and
 * per-location settings inheriting the server's; and their refusals with
 * FILE:LINE.  Runs in a fresh temporary directory.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "redirmap.h"
#include "suites.h"

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

static char tmpdir[PATH_MAX];
static int oldcwd = -1;
static char err[CONFIG_ERR_MAX];

static void setup(void)
{
	char tmpl[] = "/tmp/forkd-test-confsites-XXXXXX";

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	ck_assert_ptr_nonnull(realpath(tmpl, tmpdir));
	oldcwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_eq(chdir(tmpdir), 0);
	ck_assert_int_eq(mkdir("www", 0755), 0);
	ck_assert_int_eq(mkdir("other", 0755), 0);
}

static int remove_entry(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	return remove(path);
}

static void teardown(void)
{
	ck_assert_int_eq(fchdir(oldcwd), 0);
	close(oldcwd);
	ck_assert_int_eq(nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS),
			 0);
}

static void write_text(const char *name, const char *text)
{
	FILE *fp = fopen(name, "w");

	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	ck_assert_int_eq(fclose(fp), 0);
}

static struct config *load(const char *text)
{
	write_text("forkd.conf", text);
	return config_load("forkd.conf", err, sizeof(err));
}

#define HEAD "server {\n listen = \"127.0.0.1:8080\"\n root = www\n"

START_TEST(test_issue_example)
{
	struct config *cf;
	const struct server_conf *sc;
	int st;

	write_text("redirects.map", "/x /y 302\n");
	cf = load(HEAD " try_files = { \"$uri\", \"$uri.html\", \"$uri/\" }\n"
		       " redirect \"/old/\" { to = \"/new/\"  status = 301 }\n"
		       " redirect \"= /about.php\" { to = \"/about/\"  status "
		       "= 308 }\n"
		       " redirect_map = \"redirects.map\"\n"
		       " location \"/quiet/\" { access_log = \"off\" }\n"
		       "}\n");
	ck_assert_msg(cf != NULL, "%s", err);
	sc = &cf->servers[0];
	ck_assert_uint_eq(sc->defaults.ntry_files, 3);
	ck_assert_str_eq(sc->defaults.try_files[1], "$uri.html");
	ck_assert_uint_eq(sc->defaults.nredirects, 2);
	ck_assert_str_eq(sc->defaults.redirects[0].from, "/old/");
	ck_assert(!sc->defaults.redirects[0].exact);
	ck_assert_str_eq(sc->defaults.redirects[1].from, "/about.php");
	ck_assert(sc->defaults.redirects[1].exact);
	ck_assert_int_eq(sc->defaults.redirects[1].status, 308);
	ck_assert_str_eq(redirmap_find(sc->redirect_map, "/x", 2, &st), "/y");
	ck_assert_int_eq(st, 302);
	ck_assert_uint_eq(sc->nlocations, 1);
	ck_assert(sc->locations[0].log_off);
	ck_assert(!sc->defaults.log_off);
	/* inherited */
	ck_assert_uint_eq(sc->locations[0].ntry_files, 3);
	ck_assert_uint_eq(sc->locations[0].nredirects, 2);
	config_free(cf);
}
END_TEST

START_TEST(test_location_overrides)
{
	struct config *cf = load(
		HEAD
		" charset = \"iso-8859-1\"\n autoindex = on\n"
		" error_page = { \"404=/404.html\", \"500=/500.html\" }\n"
		" redirect \"/a/\" { to = \"/b/\" }\n"
		" location \"/x/\" {\n"
		"  charset = off\n autoindex = off\n dotfiles = allow\n"
		"  precompressed = on\n error_page = { \"404=/x404.html\" }\n"
		"  try_files = { \"$uri\", \"=410\" }\n"
		"  redirect \"= /x/gone\" { status = 410 }\n"
		"  alias = \"other\"\n"
		" }\n"
		" location \"/y/\" { root = \"other\" }\n"
		"}\n");
	ck_assert_msg(cf != NULL, "%s", err);
	const struct location_conf *d = &cf->servers[0].defaults;
	const struct location_conf *x = &cf->servers[0].locations[0];
	const struct location_conf *y = &cf->servers[0].locations[1];

	ck_assert_str_eq(d->charset, "iso-8859-1");
	ck_assert_ptr_null(x->charset);
	ck_assert(d->autoindex && !x->autoindex && y->autoindex);
	ck_assert(!d->dotfiles && x->dotfiles && !y->dotfiles);
	ck_assert(!d->precompressed && x->precompressed);
	ck_assert_str_eq(x->error_page[404 - 400], "/x404.html");
	ck_assert_str_eq(x->error_page[500 - 400], "/500.html");
	ck_assert_str_eq(y->error_page[404 - 400], "/404.html");
	ck_assert_uint_eq(x->ntry_files, 2);
	ck_assert_uint_eq(y->ntry_files, 0);
	ck_assert_uint_eq(x->nredirects, 2);
	ck_assert_str_eq(x->redirects[0].from, "/x/gone"); /* its own first */
	ck_assert_ptr_null(x->redirects[0].to);
	ck_assert_int_eq(x->redirects[0].status, 410);
	ck_assert_str_eq(x->redirects[1].from, "/a/");
	ck_assert_int_eq(x->redirects[1].status, 301);
	ck_assert_uint_eq(y->nredirects, 1);
	ck_assert_ptr_null(x->root);
	ck_assert_str_eq(x->alias + strlen(x->alias) - 6, "/other");
	ck_assert_str_eq(y->root + strlen(y->root) - 6, "/other");
	ck_assert_uint_eq(x->index, 1);
	ck_assert_uint_eq(y->index, 2);
	ck_assert_uint_eq(d->index, 0);
	config_free(cf);
}
END_TEST

struct bad {
	const char *body, *err;
};

static const struct bad bads[] = {
	{ " redirect \"old\" { to = \"/new/\" }\n",
	  "forkd.conf:4: redirect \"old\" must be a path starting with / or "
	  "\"= /path\" (no query, spaces or fragment)" },
	{ " redirect \"/old/\" { to = \"/new/\" status = 300 }\n",
	  "forkd.conf:4: status must be a number from 301 to 410, not "
	  "\"300\"" },
	{ " redirect \"/old/\" { to = \"/new/\" status = 304 }\n",
	  "forkd.conf:4: redirect \"/old/\": status must be 301, 302, 303, "
	  "307, 308 or 410" },
	{ " redirect \"/old/\" { status = 302 }\n",
	  "forkd.conf:4: redirect \"/old/\": needs a to (or status = 410)" },
	{ " redirect \"/old/\" { to = \"/x\" status = 410 }\n",
	  "forkd.conf:4: redirect \"/old/\": a 410 (Gone) has no to" },
	{ " redirect \"/old/\" {\n to = \"//evil.example\" }\n",
	  "forkd.conf:5: to \"//evil.example\" must be a path starting with / "
	  "or an http:// or https:// URL, of visible characters" },
	{ " try_files = { \"=404\", \"$uri\" }\n",
	  "forkd.conf:4: try_files: \"=404\" must be the last candidate" },
	{ " try_files = { \"$uri/../secret\" }\n",
	  "forkd.conf:4: try_files: \"$uri/../secret\" must be \"=CODE\" "
	  "(400-599) or a path starting with / or $uri, without ?, #, %, \".\" "
	  "or \"..\" segments" },
	{ " redirect_map = \"none.map\"\n", NULL },
	{ " location \"/a/\" { root = \"www\" alias = \"other\" }\n",
	  "forkd.conf:4: location \"/a/\": root or alias, not both" },
	{ " location \"/a\" { alias = \"other\" }\n",
	  "forkd.conf:4: location \"/a\": alias needs a location that ends "
	  "with /" },
	{ " location \"/a/\" { access_log = \"/var/log/a.log\" }\n",
	  "forkd.conf:4: access_log must be on or off, not "
	  "\"/var/log/a.log\"" },
	{ " location \"/a/\" { alias = \"missing\" }\n", NULL },
};

START_TEST(test_bad)
{
	char text[1024];

	snprintf(text, sizeof(text), HEAD "%s}\n", bads[_i].body);
	ck_assert_ptr_null(load(text));
	if (bads[_i].err != NULL)
		ck_assert_str_eq(err, bads[_i].err);
	else
		ck_assert_msg(strstr(err, "No such file") != NULL, "%s", err);
}
END_TEST

START_TEST(test_bad_map)
{
	write_text("r.map", "/a /b\n# c\n/a /c 302\n");
	ck_assert_ptr_null(load(HEAD " redirect_map = r.map\n}\n"));
	ck_assert_msg(
		strstr(err, "/r.map:3: duplicate FROM (first on line 1)") !=
			NULL,
		"%s", err);
	write_text("r.map", "/a /b 399\n");
	ck_assert_ptr_null(load(HEAD " redirect_map = r.map\n}\n"));
	ck_assert_msg(strstr(err, "/r.map:1: status must be") != NULL, "%s",
		      err);
}
END_TEST

/*
 * Each server is stored as its section closes; a store's error (a bad
 * map) waits for the parse, whose own error, though on a later line,
 * is the one reported.
 */
START_TEST(test_store_error_after_parse_error)
{
	write_text("r.map", "/a /b\n/a /c\n");
	ck_assert_ptr_null(load(HEAD " redirect_map = r.map\n}\n"
				     "server {\n listen = \"127.0.0.1:8081\"\n"
				     " root = www\n bogus = 1\n}\n"));
	ck_assert_str_eq(err, "forkd.conf:9: no such option 'bogus'");
	ck_assert_ptr_null(load(HEAD " redirect_map = r.map\n}\n"
				     "server {\n listen = \"127.0.0.1:8081\"\n"
				     " root = www\n}\n"));
	ck_assert_msg(strstr(err, "r.map:2: duplicate FROM") != NULL, "%s",
		      err);
}
END_TEST

/* Sections that set no error_page share one table; one that does has
 * its own, and its locations a copy of it. */
START_TEST(test_error_pages_shared)
{
	struct config *cf = load(
		HEAD " location \"/a/\" { expires = 1h }\n}\n"
		     "server {\n listen = \"127.0.0.1:8081\"\n root = www\n"
		     " error_page = { \"404=/404.html\" }\n"
		     " location \"/b/\" { expires = 1h }\n}\n");
	const struct server_conf *a, *b;

	ck_assert_msg(cf != NULL, "%s", err);
	a = &cf->servers[0];
	b = &cf->servers[1];

	ck_assert_ptr_eq(a->defaults.error_page, a->locations[0].error_page);
	ck_assert_ptr_null(a->defaults.error_page[404 - ERROR_PAGE_FIRST]);
	ck_assert_ptr_ne(b->defaults.error_page, a->defaults.error_page);
	ck_assert_ptr_ne(b->locations[0].error_page, b->defaults.error_page);
	ck_assert_str_eq(b->locations[0].error_page[404 - ERROR_PAGE_FIRST],
			 "/404.html");
	config_free(cf);
}
END_TEST

/* A section's "+=" adds to a list's default (which libconfuse no longer
 * holds per section), and the dump shows the sum. */
START_TEST(test_list_default_append)
{
	struct config *cf = load(HEAD " status_allow += \"10.0.0.0/8\"\n"
				      " index += { \"a.htm\" }\n}\n");

	ck_assert_msg(cf != NULL, "%s", err);
	ck_assert_uint_eq(cf->servers[0].nstatus_allow, 3);
	ck_assert_uint_eq(cf->servers[0].nindex, 2);
	ck_assert_str_eq(cf->servers[0].index[0], "index.html");
	config_free(cf);
}
END_TEST

Suite *confsites_suite(void)
{
	Suite *s = suite_create("confsites");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_issue_example);
	tcase_add_test(tc, test_location_overrides);
	tcase_add_loop_test(tc, test_bad, 0, nitems(bads));
	tcase_add_test(tc, test_bad_map);
	tcase_add_test(tc, test_store_error_after_parse_error);
	tcase_add_test(tc, test_error_pages_shared);
	tcase_add_test(tc, test_list_default_append);
	suite_add_tcase(s, tc);
	return s;
}
