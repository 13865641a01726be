/* PROXY protocol v1/v2 parsing: valid headers, partial input, hostile input. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "proxy.h"
#include "suites.h"

struct v1_case {
	const char *in;
	int want;         /* length, PROXY_AGAIN or PROXY_BAD */
	const char *addr; /* expected source address, NULL for local */
	unsigned port;
};

static const struct v1_case v1_cases[] = {
	{ "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\nGET", 45, "192.0.2.1",
	  56324 },
	{ "PROXY TCP6 2001:db8::1 2001:db8::2 1 65535\r\n", 44, "2001:db8::1",
	  1 },
	{ "PROXY UNKNOWN\r\n", 15, NULL, 0 },
	{ "PROXY UNKNOWN 1.1.1.1 2.2.2.2 1 2\r\n", 35, NULL, 0 },
	{ "PROXY TCP4 10.0.0.1 10.0.0.2 0 80\r\n", 35, "10.0.0.1", 0 },
	/* partial input waits */
	{ "", PROXY_AGAIN, NULL, 0 },
	{ "PRO", PROXY_AGAIN, NULL, 0 },
	{ "PROXY ", PROXY_AGAIN, NULL, 0 },
	{ "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443", PROXY_AGAIN, NULL, 0 },
	{ "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r", PROXY_AGAIN, NULL,
	  0 },
	/* malformed */
	{ "GET / HTTP/1.1\r\n", PROXY_BAD, NULL, 0 },
	{ "proxy TCP4 1.1.1.1 2.2.2.2 1 2\r\n", PROXY_BAD, NULL, 0 },
	{ "PROXY TCP4 1.1.1.1 2.2.2.2 1 2\n", PROXY_BAD, NULL, 0 },
	{ "PROXY TCP4  1.1.1.1 2.2.2.2 1 2\r\n", PROXY_BAD, NULL, 0 },
	{ "PROXY TCP4 1.1.1.1 2.2.2.2 1 2 \r\n", PROXY_BAD, NULL, 0 },
	{ "PROXY TCP4 1.1.1.1 2.2.2.2 1\r\n", PROXY_BAD, NULL, 0 },
	{ "PROXY TCP4 1.1.1.1 2.2.2.2 01 2\r\n", PROXY_BAD, NULL, 0 },
	{ "PROXY TCP4 1.1.1.1 2.2.2.2 65536 2\r\n", PROXY_BAD, NULL, 0 },
	{ "PROXY TCP4 1.1.1.1 2.2.2.2 -1 2\r\n", PROXY_BAD, NULL, 0 },
	{ "PROXY TCP4 ::1 ::2 1 2\r\n", PROXY_BAD, NULL, 0 },
	{ "PROXY TCP6 1.1.1.1 2.2.2.2 1 2\r\n", PROXY_BAD, NULL, 0 },
	{ "PROXY TCP4 1.1.1.256 2.2.2.2 1 2\r\n", PROXY_BAD, NULL, 0 },
	{ "PROXY TCP4 host.example 2.2.2.2 1 2\r\n", PROXY_BAD, NULL, 0 },
	{ "PROXY UDP4 1.1.1.1 2.2.2.2 1 2\r\n", PROXY_BAD, NULL, 0 },
	{ "PROXY TCP4 1.1.1.1 2.2.2.2 1 2\r\r\n", PROXY_BAD, NULL, 0 },
	{ "PROXY \r\n", PROXY_BAD, NULL, 0 },
	{ "PROXY UNKNOWNX\r\n", PROXY_BAD, NULL, 0 },
};

static void check_addr(const struct proxy_info *pi, const char *addr,
		       unsigned port, const char *label)
{
	char got[INET6_ADDRSTRLEN] = "";
	unsigned gotport;

	ck_assert_msg(!pi->local, "%s: local, want %s", label, addr);
	if (pi->src.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)&pi->src;
		inet_ntop(AF_INET, &sin->sin_addr, got, sizeof(got));
		gotport = ntohs(sin->sin_port);
	} else {
		const struct sockaddr_in6 *sin6 = (const void *)&pi->src;
		inet_ntop(AF_INET6, &sin6->sin6_addr, got, sizeof(got));
		gotport = ntohs(sin6->sin6_port);
	}
	ck_assert_msg(strcmp(got, addr) == 0 && gotport == port,
		      "%s: got %s port %u, want %s port %u", label, got,
		      gotport, addr, port);
}

START_TEST(test_proxy_v1_table)
{
	for (size_t i = 0; i < sizeof(v1_cases) / sizeof(v1_cases[0]); i++) {
		const struct v1_case *c = &v1_cases[i];
		struct proxy_info pi;
		memset(&pi, 0xaa, sizeof(pi));
		int rc = proxy_parse((const unsigned char *)c->in,
				     strlen(c->in), &pi);
		ck_assert_msg(rc == c->want, "row %zu \"%s\": got %d, want %d",
			      i, c->in, rc, c->want);
		if (rc <= 0)
			continue;
		if (c->addr == NULL)
			ck_assert_msg(pi.local, "row %zu: not local", i);
		else
			check_addr(&pi, c->addr, c->port, c->in);
	}
}
END_TEST

/* A v2 header: signature, ver/cmd, family, length, then body. */
static size_t v2(unsigned char *out, unsigned vercmd, unsigned fam,
		 const unsigned char *body, size_t blen, size_t declared)
{
	static const unsigned char sig[12] = { 0x0d, 0x0a, 0x0d, 0x0a,
					       0x00, 0x0d, 0x0a, 0x51,
					       0x55, 0x49, 0x54, 0x0a };
	memcpy(out, sig, 12);
	out[12] = (unsigned char)vercmd;
	out[13] = (unsigned char)fam;
	out[14] = (unsigned char)(declared >> 8);
	out[15] = (unsigned char)declared;
	memcpy(out + 16, body, blen);
	return 16 + blen;
}

START_TEST(test_proxy_v2)
{
	unsigned char buf[2048], body[64];
	struct proxy_info pi;
	size_t n;

	/* TCP4 203.0.113.7:4000 -> 10.0.0.1:80 */
	const unsigned char tcp4[12] = { 203, 0, 113,  7,    10, 0,
					 0,   1, 0x0f, 0xa0, 0,  80 };
	n = v2(buf, 0x21, 0x11, tcp4, 12, 12);
	ck_assert_int_eq(proxy_parse(buf, n, &pi), 28);
	check_addr(&pi, "203.0.113.7", 4000, "v2 tcp4");
	/* every shorter prefix asks for more */
	for (size_t k = 0; k < n; k++)
		ck_assert_msg(proxy_parse(buf, k, &pi) == PROXY_AGAIN,
			      "prefix %zu", k);
	/* TLVs after the addresses are skipped */
	memcpy(body, tcp4, 12);
	memcpy(body + 12,
	       "\x04\x00\x03"
	       "abc",
	       6);
	n = v2(buf, 0x21, 0x11, body, 18, 18);
	ck_assert_int_eq(proxy_parse(buf, n + 5, &pi), 34);
	check_addr(&pi, "203.0.113.7", 4000, "v2 tlv");
	/* TCP6 */
	memset(body, 0, sizeof(body));
	body[0] = 0x20;
	body[1] = 0x01;
	body[2] = 0x0d;
	body[3] = 0xb8;
	body[15] = 9;
	body[32] = 0x01;
	body[33] = 0xbb;
	n = v2(buf, 0x21, 0x21, body, 36, 36);
	ck_assert_int_eq(proxy_parse(buf, n, &pi), 52);
	check_addr(&pi, "2001:db8::9", 443, "v2 tcp6");
	/* LOCAL (health checks): keep the socket's own peer */
	n = v2(buf, 0x20, 0x00, body, 0, 0);
	ck_assert_int_eq(proxy_parse(buf, n, &pi), 16);
	ck_assert(pi.local);
	/* UNSPEC / UNIX families under PROXY: local */
	n = v2(buf, 0x21, 0x31, body, 36, 36);
	ck_assert_int_eq(proxy_parse(buf, n, &pi), 52);
	ck_assert(pi.local);
	/* bad version, bad command, too short for its family, too long */
	n = v2(buf, 0x11, 0x11, tcp4, 12, 12);
	ck_assert_int_eq(proxy_parse(buf, n, &pi), PROXY_BAD);
	n = v2(buf, 0x22, 0x11, tcp4, 12, 12);
	ck_assert_int_eq(proxy_parse(buf, n, &pi), PROXY_BAD);
	n = v2(buf, 0x21, 0x11, tcp4, 8, 8);
	ck_assert_int_eq(proxy_parse(buf, n, &pi), PROXY_BAD);
	n = v2(buf, 0x21, 0x21, body, 20, 20);
	ck_assert_int_eq(proxy_parse(buf, n, &pi), PROXY_BAD);
	n = v2(buf, 0x21, 0x11, tcp4, 12, 0xffff);
	ck_assert_int_eq(proxy_parse(buf, sizeof(buf), &pi), PROXY_BAD);
	/* a broken signature is not PROXY at all */
	n = v2(buf, 0x21, 0x11, tcp4, 12, 12);
	buf[5] ^= 1;
	ck_assert_int_eq(proxy_parse(buf, n, &pi), PROXY_BAD);
}
END_TEST

Suite *proxy_suite(void)
{
	Suite *s = suite_create("proxy");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_proxy_v1_table);
	tcase_add_test(tc, test_proxy_v2);
	suite_add_tcase(s, tc);
	return s;
}
