/*
 * proxy.c — PROXY protocol v1 and v2 headers.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "proxy.h"

static const unsigned char v2_sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
};

/* The next space-terminated field of a v1 line, copied into out. */
static const char *v1_field(const char *p, const char *end, char *out,
			    size_t outsz, char stop)
{
	size_t n = 0;

	while (p < end && *p != stop && *p != ' ') {
		if (n + 1 >= outsz)
			return NULL;
		out[n++] = *p++;
	}
	if (n == 0 || p >= end || *p != stop)
		return NULL;
	out[n] = '\0';
	return p + 1;
}

static int v1_port(const char *s, in_port_t *port)
{
	unsigned long v = 0;
	size_t n = strlen(s);

	if (n == 0 || n > 5 || (n > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*port = htons((in_port_t)v);
	return 0;
}

static int v1_addresses(const char *p, const char *end, int family,
			struct proxy_info *out)
{
	char src[64], dst[64], sport[8], dport[8];
	unsigned char buf[16];
	in_port_t port, unused;

	if ((p = v1_field(p, end, src, sizeof(src), ' ')) == NULL ||
	    (p = v1_field(p, end, dst, sizeof(dst), ' ')) == NULL ||
	    (p = v1_field(p, end, sport, sizeof(sport), ' ')) == NULL ||
	    (p = v1_field(p, end, dport, sizeof(dport), '\r')) == NULL ||
	    p != end)
		return -1;
	if (inet_pton(family, dst, buf) != 1 ||
	    inet_pton(family, src, buf) != 1 || v1_port(sport, &port) == -1 ||
	    v1_port(dport, &unused) == -1)
		return -1;
	memset(&out->src, 0, sizeof(out->src));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&out->src;
		sin->sin_family = AF_INET;
		sin->sin_port = port;
		memcpy(&sin->sin_addr, buf, 4);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->src;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = port;
		memcpy(&sin6->sin6_addr, buf, 16);
	}
	return 0;
}

static int parse_v1(const unsigned char *buf, size_t len,
		    struct proxy_info *out)
{
	const char *s = (const char *)buf;
	const unsigned char *lf = memchr(
		buf, '\n', len < PROXY_V1_MAX ? len : PROXY_V1_MAX);

	if (lf == NULL)
		return len >= PROXY_V1_MAX ? PROXY_BAD : PROXY_AGAIN;
	size_t n = (size_t)(lf - buf) + 1; /* through the LF */
	if (n < 8 || buf[n - 2] != '\r')
		return PROXY_BAD;
	const char *end = s + n - 1; /* at the LF; CR before it */
	if (memchr(buf, '\0', n) != NULL)
		return PROXY_BAD;
	if (n >= 15 && memcmp(s, "PROXY UNKNOWN", 13) == 0 &&
	    (s[13] == '\r' || s[13] == ' ')) {
		out->local = true;
		return (int)n;
	}
	if (n < 11 + 4)
		return PROXY_BAD; /* too short for any TCP line */
	int family = memcmp(s, "PROXY TCP4 ", 11) == 0   ? AF_INET
		     : memcmp(s, "PROXY TCP6 ", 11) == 0 ? AF_INET6
							 : AF_UNSPEC;
	if (family == AF_UNSPEC || v1_addresses(s + 11, end, family, out) == -1)
		return PROXY_BAD;
	out->local = false;
	return (int)n;
}

static int parse_v2(const unsigned char *buf, size_t len,
		    struct proxy_info *out)
{
	if (len < 16)
		return PROXY_AGAIN;
	unsigned ver = buf[12] >> 4, cmd = buf[12] & 0x0f;
	unsigned fam = buf[13];
	size_t body = ((size_t)buf[14] << 8) | buf[15];

	if (ver != 2 || cmd > 1 || 16 + body > PROXY_V2_MAX)
		return PROXY_BAD;
	if (len < 16 + body)
		return PROXY_AGAIN;
	memset(&out->src, 0, sizeof(out->src));
	out->local = true;
	if (cmd == 0) /* LOCAL: the balancer's own connection, e.g. a check */
		return (int)(16 + body);
	if (fam == 0x11) { /* TCP over IPv4 */
		struct sockaddr_in *sin = (struct sockaddr_in *)&out->src;
		if (body < 12)
			return PROXY_BAD;
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, buf + 16, 4);
		memcpy(&sin->sin_port, buf + 24, 2);
		out->local = false;
	} else if (fam == 0x21) { /* TCP over IPv6 */
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->src;
		if (body < 36)
			return PROXY_BAD;
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, buf + 16, 16);
		memcpy(&sin6->sin6_port, buf + 48, 2);
		out->local = false;
	}
	/* UNSPEC, UDP or UNIX: nothing we can log as a TCP peer; keep ours. */
	return (int)(16 + body);
}

int proxy_parse(const unsigned char *buf, size_t len, struct proxy_info *out)
{
	size_t n = len < sizeof(v2_sig) ? len : sizeof(v2_sig);

	if (len == 0)
		return PROXY_AGAIN;
	if (memcmp(buf, v2_sig, n) == 0)
		return n < sizeof(v2_sig) ? PROXY_AGAIN
					  : parse_v2(buf, len, out);
	n = len < 6 ? len : 6;
	if (memcmp(buf, "PROXY ", n) != 0)
		return PROXY_BAD;
	return n < 6 ? PROXY_AGAIN : parse_v1(buf, len, out);
}
