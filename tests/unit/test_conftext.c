/*
 * conftext: the comment pre-scanner over texts in memory — comments of
 * each kind blanked with newlines kept, quoting as libconfuse lexes it,
 * and what is left open at the end.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "conftext.h"
#include "suites.h"

static const struct {
	const char *in;
	const char *out; /* NULL: an error */
	int line;        /* brace_line, or the error's line */
	const char *msg;
} scans[] = {
	{ "a = 1 # note\nb = 2\n", "a = 1       \nb = 2\n", 0, NULL },
	{ "// x\na = \"#not\" // y\n", "    \na = \"#not\"     \n", 0, NULL },
	{ "a = 'x\\'#' /* b\nc */ d\n", "a = 'x\\'#'     \n     d\n", 0, NULL },
	{ "a = b#c\n", "a = b  \n", 0, NULL },
	{ "a = x/y // z\n", "a = x/y     \n", 0, NULL },
	{ "s {\n  t {\n  }\n", "s {\n  t {\n  }\n", 1, NULL },
	{ "s {\n}\nu {\n # }\n", "s {\n}\nu {\n    \n", 3, NULL },
	{ "a = 1\n/* open\n", NULL, 2, "comment is not closed with */" },
	{ "a = \"open\nb\n", NULL, 1, "string is not closed with \"" },
	{ "\n\na = 'open\\'\n", NULL, 3, "string is not closed with '" },
};

START_TEST(test_scan)
{
	char text[128], msg[CONFIG_ERR_MAX] = "";
	int brace = -1, line = -1;
	int rc;

	snprintf(text, sizeof(text), "%s", scans[_i].in);
	rc = conftext_scan(text, &brace, &line, msg, sizeof(msg));
	if (scans[_i].out == NULL) {
		ck_assert_int_eq(rc, -1);
		ck_assert_int_eq(line, scans[_i].line);
		ck_assert_str_eq(msg, scans[_i].msg);
		return;
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(text, scans[_i].out);
	ck_assert_int_eq(brace, scans[_i].line);
}
END_TEST

START_TEST(test_read_errors)
{
	char msg[CONFIG_ERR_MAX];
	int brace, line = -1;

	ck_assert_ptr_null(conftext_read("/nonexistent/forkd.conf", &brace,
					 &line, msg, sizeof(msg)));
	ck_assert_int_eq(line, 0);
	ck_assert_str_eq(msg, "No such file or directory");
	ck_assert_ptr_null(conftext_read("/", &brace, &line, msg, sizeof(msg)));
	ck_assert_str_eq(msg, "Is a directory");
}
END_TEST

Suite *conftext_suite(void)
{
	Suite *s = suite_create("conftext");
	TCase *tc = tcase_create("scan");

	tcase_add_loop_test(tc, test_scan, 0, sizeof(scans) / sizeof(scans[0]));
	tcase_add_test(tc, test_read_errors);
	suite_add_tcase(s, tc);
	return s;
}
