/*
 * confval: the pure value parsers of config files, table-driven with
 * hostile input: durations, listen addresses, error_page entries, expires
 * values and add_header lines; then the option-level messages.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "confval.h"
#include "suites.h"

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------- durations */

static const struct {
	const char *text;
	unsigned ms;
} good_durations[] = {
	{ "0", 0 },
	{ "1", 1000 },
	{ "30", 30000 },
	{ "0ms", 0 },
	{ "500ms", 500 },
	{ "30s", 30000 },
	{ "5m", 300000 },
	{ "1h", 3600000 },
	{ "24h", 86400000 },
	{ "1440m", 86400000 },
	{ "86400", 86400000 },
	{ "86400s", 86400000 },
	{ "86400000ms", 86400000 },
	{ "007s", 7000 },
	{ "0h", 0 },
};

START_TEST(test_duration_good)
{
	unsigned ms = 12345;

	ck_assert_int_eq(confval_parse_duration(good_durations[_i].text, &ms),
			 0);
	ck_assert_uint_eq(ms, good_durations[_i].ms);
}
END_TEST

static const struct {
	const char *text;
	int error;
} bad_durations[] = {
	{ "", EINVAL },
	{ "s", EINVAL },
	{ "ms", EINVAL },
	{ "-1", EINVAL },
	{ "+1", EINVAL },
	{ " 1", EINVAL },
	{ "1 ", EINVAL },
	{ "1 s", EINVAL },
	{ "1.5", EINVAL },
	{ "1.5s", EINVAL },
	{ "1S", EINVAL },
	{ "1H", EINVAL },
	{ "1sec", EINVAL },
	{ "1d", EINVAL },
	{ "1hh", EINVAL },
	{ "1sm", EINVAL },
	{ "1us", EINVAL },
	{ "0x10", EINVAL },
	{ "1e3", EINVAL },
	{ "h1", EINVAL },
	{ "99999999999999999999x", EINVAL },
	{ "86401", ERANGE },
	{ "25h", ERANGE },
	{ "1441m", ERANGE },
	{ "86400001ms", ERANGE },
	{ "4294967296ms", ERANGE },
	{ "18446744073709551617", ERANGE },
	{ "99999999999999999999999999h", ERANGE },
};

START_TEST(test_duration_bad)
{
	unsigned ms = 12345;

	errno = 0;
	ck_assert_int_eq(confval_parse_duration(bad_durations[_i].text, &ms),
			 -1);
	ck_assert_int_eq(errno, bad_durations[_i].error);
	ck_assert_uint_eq(ms, 12345);
}
END_TEST

/* ---------------------------------------------------------- listen */

static const struct {
	const char *text;
	int family;
	const char *host;
	unsigned port;
} good_listens[] = {
	{ "127.0.0.1:80", AF_INET, "127.0.0.1", 80 },
	{ "0.0.0.0:1", AF_INET, "0.0.0.0", 1 },
	{ "255.255.255.255:65535", AF_INET, "255.255.255.255", 65535 },
	{ "192.168.1.10:08080", AF_INET, "192.168.1.10", 8080 },
	{ "*:80", AF_INET, "0.0.0.0", 80 },
	{ "80", AF_INET, "0.0.0.0", 80 },
	{ "65535", AF_INET, "0.0.0.0", 65535 },
	{ "[::1]:80", AF_INET6, "::1", 80 },
	{ "[::]:8080", AF_INET6, "::", 8080 },
	{ "[2001:db8::1]:443", AF_INET6, "2001:db8::1", 443 },
	{ "[2001:0DB8:0:0:0:0:0:2]:1", AF_INET6, "2001:db8::2", 1 },
	{ "[::ffff:127.0.0.1]:80", AF_INET6, "::ffff:127.0.0.1", 80 },
};

START_TEST(test_listen_good)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	char why[128] = "untouched";

	memset(&ss, 0xa5, sizeof(ss));
	ck_assert_int_eq(confval_parse_listen(good_listens[_i].text, &ss, &len,
					      why, sizeof(why)),
			 0);
	fx_assert_addr(&ss, good_listens[_i].family, good_listens[_i].host,
		       good_listens[_i].port);
	if (good_listens[_i].family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)&ss;
		static const char zero[sizeof(sin->sin_zero)];

		ck_assert_uint_eq(len, sizeof(struct sockaddr_in));
		ck_assert_mem_eq(sin->sin_zero, zero, sizeof(zero));
	} else {
		ck_assert_uint_eq(len, sizeof(struct sockaddr_in6));
	}
	ck_assert_str_eq(why, "untouched");
}
END_TEST

static const struct {
	const char *text;
	const char *why;
} bad_listens[] = {
	{ "", "empty address" },
	{ "127.0.0.1:99999", "port out of range" },
	{ "127.0.0.1:65536", "port out of range" },
	{ "127.0.0.1:0", "port out of range" },
	{ "127.0.0.1:99999999999999999999999", "port out of range" },
	{ "0", "port out of range" },
	{ "65536", "port out of range" },
	{ "[::1]:0", "port out of range" },
	{ "127.0.0.1", "missing port" },
	{ "127.0.0.1:", "missing port" },
	{ "*:", "missing port" },
	{ "*", "missing port" },
	{ "-1", "missing port" },
	{ "[::1]", "missing port" },
	{ "[::1]:", "missing port" },
	{ "127.0.0.1:http", "port is not a number" },
	{ "127.0.0.1:8o", "port is not a number" },
	{ "127.0.0.1:+80", "port is not a number" },
	{ "127.0.0.1: 80", "port is not a number" },
	{ "127.0.0.1:-80", "port is not a number" },
	{ "[::1]:http", "port is not a number" },
	{ "localhost:80",
	  "host is not a numeric IPv4 address (names are not looked up)" },
	{ "example.com:80",
	  "host is not a numeric IPv4 address (names are not looked up)" },
	{ "127.1:80",
	  "host is not a numeric IPv4 address (names are not looked up)" },
	{ "256.0.0.1:80",
	  "host is not a numeric IPv4 address (names are not looked up)" },
	{ "1.2.3.4.5:80",
	  "host is not a numeric IPv4 address (names are not looked up)" },
	{ " 1.2.3.4:80",
	  "host is not a numeric IPv4 address (names are not looked up)" },
	{ "0x7f.0.0.1:80",
	  "host is not a numeric IPv4 address (names are not looked up)" },
	{ "**:80",
	  "host is not a numeric IPv4 address (names are not looked up)" },
	{ "1111111111111111111111111111111111111111111111111:80",
	  "host is not a numeric IPv4 address (names are not looked up)" },
	{ ":80", "missing host; for every address write \"*:port\", quoted" },
	{ "::1", "IPv6 addresses need brackets, as in \"[::1]:80\"" },
	{ "::1:80", "IPv6 addresses need brackets, as in \"[::1]:80\"" },
	{ "fe80::1:80", "IPv6 addresses need brackets, as in \"[::1]:80\"" },
	{ "[::1:80", "missing ']' after IPv6 address" },
	{ "[::1]80", "expected ':port' after ']'" },
	{ "[::1]]:80", "expected ':port' after ']'" },
	{ "[1.2.3.4]:80", "not a numeric IPv6 address" },
	{ "[]:80", "not a numeric IPv6 address" },
	{ "[*]:80", "not a numeric IPv6 address" },
	{ "[fe80::1%eth0]:80", "not a numeric IPv6 address" },
	{ "[localhost]:80", "not a numeric IPv6 address" },
	{ "[1:2:3:4:5:6:7:8:9:10:11:12:13:14:15:16:17]:80",
	  "not a numeric IPv6 address" },
	{ "http://127.0.0.1:80", "expected host:port, not a URL" },
};

START_TEST(test_listen_bad)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	char why[128];

	ck_assert_int_eq(confval_parse_listen(bad_listens[_i].text, &ss, &len,
					      why, sizeof(why)),
			 -1);
	ck_assert_str_eq(why, bad_listens[_i].why);
	/* A NULL or tiny reason buffer is fine too. */
	ck_assert_int_eq(
		confval_parse_listen(bad_listens[_i].text, &ss, &len, NULL, 0),
		-1);
	ck_assert_int_eq(
		confval_parse_listen(bad_listens[_i].text, &ss, &len, why, 1),
		-1);
	ck_assert_str_eq(why, "");
}
END_TEST

static const struct {
	const char *text;
	int codes[4];    /* the statuses set, 0-terminated */
	const char *uri; /* NULL: refused */
} error_pages[] = {
	{ "404=/e/404.html", { 404 }, "/e/404.html" },
	{ "500 502 503=/5xx.html", { 500, 502, 503 }, "/5xx.html" },
	{ "  400  599 =/x", { 400, 599 }, "/x" },
	{ "404=/", { 404 }, "/" },
	{ "404", { 0 }, NULL },
	{ "=/x", { 0 }, NULL },
	{ " =/x", { 0 }, NULL },
	{ "399=/x", { 0 }, NULL },
	{ "600=/x", { 0 }, NULL },
	{ "4040=/x", { 0 }, NULL },
	{ "99999999999999999999999=/x", { 0 }, NULL },
	{ "404,500=/x", { 0 }, NULL },
	{ "404x=/x", { 0 }, NULL },
	{ "-404=/x", { 0 }, NULL },
	{ "404=x.html", { 0 }, NULL },
	{ "404=", { 0 }, NULL },
	{ "404=/a b", { 0 }, NULL },
	{ "404=/a?b", { 0 }, NULL },
	{ "404=/a#b", { 0 }, NULL },
	{ "404=/a\r\nX: y", { 0 }, NULL },
};

START_TEST(test_error_page_parse)
{
	bool codes[ERROR_PAGE_COUNT];
	const char *uri = NULL;
	char why[CONFIG_ERR_MAX] = "";
	int rc = confval_parse_error_page(error_pages[_i].text, codes, &uri,
					  why, sizeof(why));

	if (error_pages[_i].uri == NULL) {
		ck_assert_int_eq(rc, -1);
		ck_assert_ptr_nonnull(strstr(why, "error_page"));
		return;
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(uri, error_pages[_i].uri);
	size_t nset = 0, nwant = 0;
	for (size_t k = 0; k < ERROR_PAGE_COUNT; k++)
		nset += codes[k];
	for (; error_pages[_i].codes[nwant] != 0; nwant++)
		ck_assert(
			codes[error_pages[_i].codes[nwant] - ERROR_PAGE_FIRST]);
	ck_assert_uint_eq(nset, nwant);
}
END_TEST

static const struct {
	const char *text;
	int ok;
	long long seconds;
} expires_values[] = {
	{ "off", 1, EXPIRES_OFF },
	{ "epoch", 1, EXPIRES_EPOCH },
	{ "0", 1, 0 },
	{ "3600", 1, 3600 },
	{ "90s", 1, 90 },
	{ "30m", 1, 1800 },
	{ "12h", 1, 43200 },
	{ "30d", 1, 2592000 },
	{ "2w", 1, 1209600 },
	{ "3650d", 1, 315360000 },
	{ "3651d", 0, 0 },
	{ "315360001", 0, 0 },
	{ "99999999999999999999999d", 0, 0 },
	{ "", 0, 0 },
	{ "d", 0, 0 },
	{ "-1", 0, 0 },
	{ "1y", 0, 0 },
	{ "1D", 0, 0 },
	{ "1 d", 0, 0 },
	{ "1ms", 0, 0 },
	{ "Off", 0, 0 },
	{ "max", 0, 0 },
};

START_TEST(test_expires_parse)
{
	long long secs = 12345;
	int rc = confval_parse_expires(expires_values[_i].text, &secs);

	ck_assert_int_eq(rc, expires_values[_i].ok ? 0 : -1);
	if (expires_values[_i].ok)
		ck_assert_int_eq(secs, expires_values[_i].seconds);
}
END_TEST

static const struct {
	const char *text;
	int ok;
} headers[] = {
	{ "X-Frame-Options: DENY", 1 },
	{ "X-A:b", 1 },
	{ "Cache-Control: public, immutable", 1 },
	{ "X-Tab:\tv a\tl", 1 },
	{ "Strict-Transport-Security: max-age=63072000; includeSubDomains", 1 },
	{ "", 0 },
	{ ":v", 0 },
	{ "X-A", 0 },
	{ "X-A v", 0 },
	{ "X A: v", 0 },
	{ "X-A : v", 0 },
	{ "X-A:", 0 },
	{ "X-A:   ", 0 },
	{ "X-A: v\r\nX-B: w", 0 },
	{ "X-A: v\nX-B: w", 0 },
	{ "X-A: v\x7f", 0 },
	{ "X-\xc3\xa9: v", 0 },
	{ "Content-Length: 5", 0 },
	{ "content-length: 5", 0 },
	{ "Transfer-Encoding: chunked", 0 },
	{ "CONNECTION: close", 0 },
	{ "Content-Type: text/plain", 0 },
	{ "Content-Lengthy: 5", 1 },
};

START_TEST(test_header_check)
{
	char why[CONFIG_ERR_MAX] = "";
	int rc = confval_check_header(headers[_i].text, why, sizeof(why));

	ck_assert_int_eq(rc, headers[_i].ok ? 0 : -1);
	if (!headers[_i].ok)
		ck_assert_ptr_nonnull(strstr(why, "add_header"));
}
END_TEST

START_TEST(test_header_too_long)
{
	static char big[HEADERS_MAX + 16];
	char why[CONFIG_ERR_MAX];

	memcpy(big, "X-Big: ", 7);
	memset(big + 7, 'v', sizeof(big) - 8);
	big[HEADERS_MAX - 2] = '\0'; /* with CRLF: exactly the limit */
	ck_assert_int_eq(confval_check_header(big, why, sizeof(why)), 0);
	big[HEADERS_MAX - 2] = 'v';
	big[HEADERS_MAX - 1] = '\0';
	ck_assert_int_eq(confval_check_header(big, why, sizeof(why)), -1);
}
END_TEST

/* The option-level wrappers name the option and keep its limits. */
START_TEST(test_option_messages)
{
	char msg[CONFIG_ERR_MAX];
	unsigned u = 7;
	size_t z = 7;

	ck_assert_int_eq(confval_number("n", "5", 1, 9, &u, msg, sizeof(msg)),
			 0);
	ck_assert_uint_eq(u, 5);
	ck_assert_int_eq(confval_number("n", "10", 1, 9, &u, msg, sizeof(msg)),
			 -1);
	ck_assert_str_eq(msg, "n must be a number from 1 to 9, not \"10\"");
	ck_assert_int_eq(
		confval_bytes("b", "2k", 1024, 65536, &u, msg, sizeof(msg)), 0);
	ck_assert_uint_eq(u, 2048);
	ck_assert_int_eq(
		confval_bytes("b", "1g", 1024, 65536, &u, msg, sizeof(msg)),
		-1);
	ck_assert_str_eq(msg, "b must be a size from 1k to 64k (such as 64k or "
			      "1m), not \"1g\"");
	ck_assert_int_eq(
		confval_size("s", "16m", 512, 16u << 20, &z, msg, sizeof(msg)),
		0);
	ck_assert_uint_eq(z, 16u << 20);
	ck_assert_int_eq(
		confval_size("s", "1g", 512, 16u << 20, &z, msg, sizeof(msg)),
		-1);
	ck_assert_str_eq(msg, "s must be a size from 512 to 16m (such as 64k), "
			      "not \"1g\"");
	ck_assert_int_eq(confval_duration("d", "0", 1, &u, msg, sizeof(msg)),
			 -1);
	ck_assert_str_eq(msg, "d must be more than 0, not \"0\"");
	ck_assert_int_eq(
		confval_workers("auto", 700, 512, &u, msg, sizeof(msg)), 0);
	ck_assert_uint_eq(u, 512);
	ck_assert_int_eq(confval_workers("auto", 3, 512, &u, msg, sizeof(msg)),
			 0);
	ck_assert_uint_eq(u, 3);
	ck_assert_int_eq(confval_workers("0", 3, 512, &u, msg, sizeof(msg)),
			 -1);
}
END_TEST

START_TEST(test_paths)
{
	char *p;

	p = confval_path("/etc/forkd", "www");
	ck_assert_str_eq(p, "/etc/forkd/www");
	free(p);
	p = confval_path("/", "www");
	ck_assert_str_eq(p, "/www");
	free(p);
	p = confval_path("/etc", "/srv/www");
	ck_assert_str_eq(p, "/srv/www");
	free(p);
	p = confval_root("/etc", "/srv/www///");
	ck_assert_str_eq(p, "/srv/www");
	free(p);
	p = confval_root("/etc", "/");
	ck_assert_str_eq(p, "/");
	free(p);
}
END_TEST

Suite *confval_suite(void)
{
	Suite *s = suite_create("confval");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_duration_good, 0, nitems(good_durations));
	tcase_add_loop_test(tc, test_duration_bad, 0, nitems(bad_durations));
	tcase_add_loop_test(tc, test_listen_good, 0, nitems(good_listens));
	tcase_add_loop_test(tc, test_listen_bad, 0, nitems(bad_listens));
	tcase_add_loop_test(tc, test_error_page_parse, 0, nitems(error_pages));
	tcase_add_loop_test(tc, test_expires_parse, 0, nitems(expires_values));
	tcase_add_loop_test(tc, test_header_check, 0, nitems(headers));
	tcase_add_test(tc, test_header_too_long);
	tcase_add_test(tc, test_option_messages);
	tcase_add_test(tc, test_paths);
	suite_add_tcase(s, tc);
	return s;
}
