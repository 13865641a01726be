/* Address blocks and the real client address behind trusted proxies. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <string.h>

#include "cidr.h"
#include "suites.h"

START_TEST(test_cidr_parse_table)
{
	static const struct {
		const char *in;
		int ok;
		unsigned prefix;
	} rows[] = {
		{ "10.0.0.0/8", 0, 8 },
		{ "127.0.0.1", 0, 32 },
		{ "::1", 0, 128 },
		{ "2001:db8::/32", 0, 32 },
		{ "0.0.0.0/0", 0, 0 },
		{ "::/0", 0, 0 },
		{ "10.1.2.3/33", -1, 0 },
		{ "::1/129", -1, 0 },
		{ "10.0.0.0/", -1, 0 },
		{ "10.0.0.0/08", -1, 0 },
		{ "10.0.0.0/-1", -1, 0 },
		{ "/8", -1, 0 },
		{ "10.0.0", -1, 0 },
		{ "host/8", -1, 0 },
		{ "", -1, 0 },
		{ "10.0.0.0/8x", -1, 0 },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct cidr c;
		int rc = cidr_parse(rows[i].in, &c);
		ck_assert_msg(rc == rows[i].ok, "\"%s\": %d", rows[i].in, rc);
		if (rc == 0)
			ck_assert_msg(c.prefix == rows[i].prefix,
				      "\"%s\": prefix %u", rows[i].in,
				      c.prefix);
	}
}
END_TEST

static bool matches(const char *blocks[], size_t nb, const char *addr)
{
	struct cidr list[8];
	struct sockaddr_storage ss;

	for (size_t i = 0; i < nb; i++)
		ck_assert_int_eq(cidr_parse(blocks[i], &list[i]), 0);
	ck_assert_int_eq(cidr_parse_addr(addr, strlen(addr), &ss), 0);
	return cidr_match(list, nb, (struct sockaddr *)&ss);
}

START_TEST(test_cidr_match)
{
	const char *lan[] = { "10.0.0.0/8", "192.168.1.0/24", "::1",
			      "fd00::/8" };

	ck_assert(matches(lan, 4, "10.255.0.1"));
	ck_assert(!matches(lan, 4, "11.0.0.1"));
	ck_assert(matches(lan, 4, "192.168.1.200"));
	ck_assert(!matches(lan, 4, "192.168.2.1"));
	ck_assert(matches(lan, 4, "::1"));
	ck_assert(!matches(lan, 4, "::2"));
	ck_assert(matches(lan, 4, "fdab::1"));
	ck_assert(matches(lan, 4,
			  "::ffff:10.1.1.1")); /* v4-mapped counts as v4 */
	const char *odd[] = { "10.1.2.3/13" }; /* host bits are masked */
	ck_assert(matches(odd, 1, "10.0.0.1"));
	ck_assert(!matches(odd, 1, "10.8.0.1"));
	const char *all[] = { "0.0.0.0/0" };
	ck_assert(matches(all, 1, "203.0.113.9"));
	ck_assert(!matches(all, 1, "2001:db8::1"));
}
END_TEST

static const char *real_ip(const char *header, bool forwarded, const char *peer)
{
	static char out[INET6_ADDRSTRLEN];
	struct cidr trusted[2];
	struct sockaddr_storage client;

	ck_assert_int_eq(cidr_parse("10.0.0.0/8", &trusted[0]), 0);
	ck_assert_int_eq(cidr_parse("::1", &trusted[1]), 0);
	ck_assert_int_eq(cidr_parse_addr(peer, strlen(peer), &client), 0);
	cidr_real_ip(header, strlen(header), forwarded, trusted, 2, &client);
	if (client.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&client)->sin_addr,
			  out, sizeof(out));
	else
		inet_ntop(AF_INET6,
			  &((struct sockaddr_in6 *)&client)->sin6_addr, out,
			  sizeof(out));
	return out;
}

START_TEST(test_cidr_real_ip)
{
	/* rightmost untrusted wins */
	ck_assert_str_eq(real_ip("203.0.113.1, 198.51.100.2, 10.0.0.5", false,
				 "10.0.0.9"),
			 "198.51.100.2");
	ck_assert_str_eq(real_ip("203.0.113.1", false, "10.0.0.9"),
			 "203.0.113.1");
	/* all trusted: the leftmost */
	ck_assert_str_eq(real_ip("10.0.0.1, 10.0.0.2", false, "10.0.0.9"),
			 "10.0.0.1");
	/* an untrusted peer's header is ignored */
	ck_assert_str_eq(real_ip("203.0.113.1", false, "198.51.100.7"),
			 "198.51.100.7");
	/* garbage stops the walk; what was found so far stands */
	ck_assert_str_eq(
		real_ip("203.0.113.1, garbage, 10.0.0.3", false, "10.0.0.9"),
		"10.0.0.3");
	ck_assert_str_eq(real_ip("garbage", false, "10.0.0.9"), "10.0.0.9");
	ck_assert_str_eq(real_ip("", false, "10.0.0.9"), "10.0.0.9");
	ck_assert_str_eq(real_ip(" 2001:db8::5 ,::1", false, "::1"),
			 "2001:db8::5");
	/* RFC 7239 Forwarded */
	ck_assert_str_eq(real_ip("for=192.0.2.60;proto=http;by=203.0.113.43",
				 true, "10.0.0.9"),
			 "192.0.2.60");
	ck_assert_str_eq(
		real_ip("for=192.0.2.43, for=\"[2001:db8:cafe::17]:4711\"",
			true, "::1"),
		"2001:db8:cafe::17");
	ck_assert_str_eq(
		real_ip("for=\"192.0.2.1:8080\";proto=https, for=10.1.1.1",
			true, "10.0.0.9"),
		"192.0.2.1");
	ck_assert_str_eq(real_ip("proto=https", true, "10.0.0.9"), "10.0.0.9");
	ck_assert_str_eq(real_ip("for=unknown", true, "10.0.0.9"), "10.0.0.9");
}
END_TEST

Suite *cidr_suite(void)
{
	Suite *s = suite_create("cidr");
	TCase *tc = tcase_create("cidr");

	tcase_add_test(tc, test_cidr_parse_table);
	tcase_add_test(tc, test_cidr_match);
	tcase_add_test(tc, test_cidr_real_ip);
	suite_add_tcase(s, tc);
	return s;
}
