/*
 * confexpand and conflisten: the text pass over files written into a
 * temporary directory (includes, spans back to files, list repeats turned
 * into appends, single repeats caught) and the listen-overlap predicate.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "confexpand.h"
#include "conflisten.h"
#include "confval.h"
#include "suites.h"

static char dir[] = "/tmp/forkd-test-expand-XXXXXX";

static void put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(chdir(dir), 0);
	ck_assert_int_eq(system("mkdir d"), 0);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	memcpy(dir + strlen(dir) - 6, "XXXXXX", 6);
}

/* "listen" is a list, "root" a single value, "server" a section. */
static enum repeat classify(const char *scope, const char *name)
{
	if (strcmp(name, "listen") == 0)
		return REPEAT_APPEND;
	if (strcmp(name, "server") == 0 || strcmp(name, "location") == 0)
		return REPEAT_SECTION;
	if (strcmp(name, "root") == 0 || strcmp(name, "user") == 0)
		return REPEAT_REFUSE;
	return REPEAT_UNKNOWN;
}

static void where(const struct confexpand *ce, int line, const char *want)
{
	char got[256];

	confexpand_where(ce, line, got, sizeof(got));
	ck_assert_str_eq(got, want);
}

START_TEST(test_includes_spliced_and_mapped)
{
	struct confexpand ce;

	put("main.conf",
	    "user = a\ninclude(\"d/*.conf\") root = x\nlast = 1\n");
	put("d/1.conf", "one = 1\n");
	put("d/2.conf", "# two\ntwo = 2\n");
	ck_assert_int_eq(confexpand_load(&ce, "main.conf", classify), 0);
	ck_assert_int_eq(ce.err_line, 0);
	ck_assert_ptr_null(strstr(ce.text, "include"));
	ck_assert_ptr_nonnull(strstr(ce.text, "one = 1"));
	ck_assert_uint_eq(ce.nfiles, 3);
	where(&ce, 1, "main.conf:1");
	where(&ce, 3, "d/1.conf:1");
	where(&ce, 6, "d/2.conf:2");
	/* after the include: the rest of line 2, then line 3 */
	ck_assert_ptr_nonnull(strstr(ce.text, "root = x\nlast = 1"));
	char *p = strstr(ce.text, "last = 1");
	int line = 1;
	for (char *q = ce.text; q < p; q++)
		line += *q == '\n';
	where(&ce, line, "main.conf:3");
	confexpand_free(&ce);
}
END_TEST

START_TEST(test_repeats)
{
	struct confexpand ce;

	put("a.conf", "server {\n listen = 1\n listen = 2\n}\nserver {\n "
		      "listen = 3\n}\n");
	ck_assert_int_eq(confexpand_load(&ce, "a.conf", classify), 0);
	ck_assert_int_eq(ce.err_line, 0);
	ck_assert_ptr_nonnull(strstr(ce.text, "listen = 1\n listen += 2"));
	ck_assert_ptr_nonnull(strstr(ce.text, "listen = 3"));
	confexpand_free(&ce);

	put("b.conf", "user = a\nserver {\n root = a\n}\n\nuser = b\n");
	ck_assert_int_eq(confexpand_load(&ce, "b.conf", classify), 0);
	ck_assert_int_eq(ce.err_line, 6);
	ck_assert_str_eq(ce.err, "user is given twice at the top level "
				 "(first at b.conf:1)");
	confexpand_free(&ce);

	/* inside a quoted string nothing counts; a syntax error stops it */
	put("c.conf", "user = \"user = x\"\nroot = { \nroot = 1\n");
	ck_assert_int_eq(confexpand_load(&ce, "c.conf", classify), 0);
	ck_assert_int_eq(ce.err_line, 0);
	confexpand_free(&ce);
}
END_TEST

START_TEST(test_include_errors)
{
	struct confexpand ce;

	put("x.conf", "\ninclude(\"nope.conf\")\n");
	ck_assert_int_eq(confexpand_load(&ce, "x.conf", classify), -1);
	ck_assert_str_eq(ce.err,
			 "x.conf:2: include \"nope.conf\": No such file "
			 "or directory");
	confexpand_free(&ce);
	put("y.conf", "include(\"y.conf\")\n");
	ck_assert_int_eq(confexpand_load(&ce, "y.conf", classify), -1);
	ck_assert_ptr_nonnull(strstr(ce.err, "include cycle"));
	confexpand_free(&ce);
	put("z.conf", "include(\"a\", \"b\")\n");
	ck_assert_int_eq(confexpand_load(&ce, "z.conf", classify), -1);
	ck_assert_ptr_nonnull(strstr(ce.err, "include takes one"));
	confexpand_free(&ce);
}
END_TEST

static struct sockaddr_storage addr(const char *text)
{
	struct sockaddr_storage ss;
	socklen_t len;

	ck_assert_int_eq(confval_parse_listen(text, &ss, &len, NULL, 0), 0);
	return ss;
}

START_TEST(test_overlap)
{
	struct sockaddr_storage any = addr("*:80"), lo = addr("127.0.0.1:80"),
				lo81 = addr("127.0.0.1:81"),
				any6 = addr("[::]:80"), lo6 = addr("[::1]:80");

	ck_assert(conflisten_overlap(&any, &lo));
	ck_assert(conflisten_overlap(&lo, &any));
	ck_assert(!conflisten_overlap(&any, &lo81));
	ck_assert(!conflisten_overlap(&any, &any)); /* the same: shared */
	ck_assert(!conflisten_overlap(&lo, &lo));
	ck_assert(!conflisten_overlap(&any6, &lo)); /* families apart */
	ck_assert(conflisten_overlap(&any6, &lo6));
}
END_TEST

Suite *confexpand_suite(void)
{
	Suite *s = suite_create("confexpand");
	TCase *tc = tcase_create("expand");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_includes_spliced_and_mapped);
	tcase_add_test(tc, test_repeats);
	tcase_add_test(tc, test_include_errors);
	tcase_add_test(tc, test_overlap);
	suite_add_tcase(s, tc);
	return s;
}
