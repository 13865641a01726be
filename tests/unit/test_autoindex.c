/*
 * test_autoindex.c — the escaping and encoding of directory listings, and
 * the choice of format from the query.
 */
#include <string.h>

#include "autoindex.h"
#include "suites.h"

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *in;
	const char *html;
	const char *href;
} names[] = {
	{ "plain.txt", "plain.txt", "plain.txt" },
	{ "a b", "a b", "a%20b" },
	{ "<script>", "&lt;script&gt;", "%3Cscript%3E" },
	{ "\"q\"&'", "&quot;q&quot;&amp;&#39;", "%22q%22%26%27" },
	{ "a:b", "a:b", "a%3Ab" },
	{ "100%", "100%", "100%25" },
	{ "?#/", "?#/", "%3F%23%2F" },
	{ "\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9", "%C3%A9t%C3%A9" },
	{ "\x01\x7f\xff", "\x01\x7f\xff", "%01%7F%FF" },
	{ "-._~", "-._~", "-._~" },
	{ "", "", "" },
};

START_TEST(test_escape_and_encode)
{
	char out[256];

	ck_assert_uint_eq(autoindex_escape_html(names[_i].in, out, sizeof(out)),
			  strlen(names[_i].html));
	ck_assert_str_eq(out, names[_i].html);
	ck_assert_uint_eq(autoindex_encode_href(names[_i].in, out, sizeof(out)),
			  strlen(names[_i].href));
	ck_assert_str_eq(out, names[_i].href);
}
END_TEST

START_TEST(test_too_small)
{
	char out[8];

	/* "&lt;&lt;" is 8 bytes: no room for the NUL */
	ck_assert_uint_eq(autoindex_escape_html("<<", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(autoindex_escape_html("<", out, sizeof(out)), 4);
	ck_assert_uint_eq(autoindex_encode_href("   ", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(autoindex_encode_href("  ", out, sizeof(out)), 6);
	ck_assert_uint_eq(autoindex_encode_href("x", out, 0), 0);
	ck_assert_uint_eq(autoindex_escape_html("x", out, 0), 0);
}
END_TEST

static const struct {
	const char *in;
	const char *json;
} jnames[] = {
	{ "plain.txt", "plain.txt" },
	{ "q\"b\\s", "q\\\"b\\\\s" },
	{ "tab\there\n", "tab\\u0009here\\u000a" },
	{ "\x7f", "\\u007f" },
	{ "\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9" },
	{ "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },
	{ "bad\xff", "bad\\ufffd" },
	{ "\xc3", "\\ufffd" },                       /* cut short */
	{ "\xc0\xaf", "\\ufffd\\ufffd" },            /* overlong '/' */
	{ "\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd" }, /* a surrogate */
	{ "</script>", "</script>" },
	{ "", "" },
};

START_TEST(test_escape_json)
{
	char out[256];

	ck_assert_uint_eq(
		autoindex_escape_json(jnames[_i].in, out, sizeof(out)),
		strlen(jnames[_i].json));
	ck_assert_str_eq(out, jnames[_i].json);
}
END_TEST

START_TEST(test_format_of)
{
	static const struct {
		const char *q;
		enum autoindex_format f;
	} cases[] = {
		{ "", AUTOINDEX_HTML },
		{ "?", AUTOINDEX_HTML },
		{ "?format=json", AUTOINDEX_JSON },
		{ "format=json", AUTOINDEX_JSON },
		{ "?v=2&format=json", AUTOINDEX_JSON },
		{ "?format=json&v=2", AUTOINDEX_JSON },
		{ "?format=html", AUTOINDEX_HTML },
		{ "?format=jsonx", AUTOINDEX_HTML },
		{ "?xformat=json", AUTOINDEX_HTML },
		{ "?format=JSON", AUTOINDEX_HTML },
		{ "?&&format=json&", AUTOINDEX_JSON },
	};

	for (size_t i = 0; i < nitems(cases); i++)
		ck_assert_int_eq(
			autoindex_format_of(cases[i].q, strlen(cases[i].q)),
			cases[i].f);
}
END_TEST

Suite *autoindex_suite(void)
{
	Suite *s = suite_create("autoindex");
	TCase *tc = tcase_create("escape");

	tcase_add_loop_test(tc, test_escape_and_encode, 0, nitems(names));
	tcase_add_test(tc, test_too_small);
	tcase_add_loop_test(tc, test_escape_json, 0, nitems(jnames));
	tcase_add_test(tc, test_format_of);
	suite_add_tcase(s, tc);
	return s;
}
