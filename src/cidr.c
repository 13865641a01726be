/*
 * cidr.c — address blocks.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cidr.h"

static void mask(uint8_t *addr, unsigned bytes, unsigned prefix)
{
	for (unsigned i = 0; i < bytes; i++) {
		unsigned keep = prefix >= (i + 1) * 8 ? 8
				: prefix > i * 8      ? prefix - i * 8
						      : 0;
		addr[i] &= (uint8_t)(0xff << (8 - keep));
	}
}

int cidr_parse(const char *text, struct cidr *out)
{
	char host[64];
	const char *slash = strchr(text, '/');
	size_t hlen = slash ? (size_t)(slash - text) : strlen(text);

	if (hlen == 0 || hlen >= sizeof(host))
		return -1;
	memcpy(host, text, hlen);
	host[hlen] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, host, out->addr) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, host, out->addr) == 1)
		out->family = AF_INET6;
	else
		return -1;
	unsigned max = out->family == AF_INET ? 32 : 128;
	out->prefix = max;
	if (slash != NULL) {
		char *end;
		const char *p = slash + 1;
		if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] != '\0'))
			return -1;
		unsigned long v = strtoul(p, &end, 10);
		if (*end != '\0' || v > max)
			return -1;
		out->prefix = (unsigned)v;
	}
	mask(out->addr, max / 8, out->prefix);
	return 0;
}

/* The address bytes of sa, IPv4-mapped IPv6 taken as IPv4. */
static int addr_of(const struct sockaddr *sa, uint8_t *out)
{
	if (sa->sa_family == AF_INET) {
		memcpy(out,
		       &((const struct sockaddr_in *)(const void *)sa)
				->sin_addr,
		       4);
		return AF_INET;
	}
	if (sa->sa_family != AF_INET6)
		return -1;
	const struct in6_addr *a6 =
		&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (IN6_IS_ADDR_V4MAPPED(a6)) {
		memcpy(out, a6->s6_addr + 12, 4);
		return AF_INET;
	}
	memcpy(out, a6->s6_addr, 16);
	return AF_INET6;
}

bool cidr_match(const struct cidr *list, size_t n, const struct sockaddr *sa)
{
	uint8_t addr[16];
	int family = addr_of(sa, addr);

	for (size_t i = 0; i < n; i++) {
		const struct cidr *c = &list[i];
		if (c->family != family)
			continue;
		uint8_t masked[16];
		unsigned bytes = family == AF_INET ? 4 : 16;
		memcpy(masked, addr, bytes);
		mask(masked, bytes, c->prefix);
		if (memcmp(masked, c->addr, bytes) == 0)
			return true;
	}
	return false;
}

int cidr_parse_addr(const char *text, size_t len, struct sockaddr_storage *out)
{
	char buf[64];
	struct sockaddr_in *sin = (struct sockaddr_in *)out;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, buf, &sin->sin_addr) == 1)
		sin->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, buf, &sin6->sin6_addr) == 1)
		sin6->sin6_family = AF_INET6;
	else
		return -1;
	return 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Trim [s, e) of blanks. */
static void trim(const char **s, const char **e)
{
	while (*s < *e && is_space(**s))
		(*s)++;
	while (*e > *s && is_space((*e)[-1]))
		(*e)--;
}

/* In a Forwarded element, the node of its for= pair, unquoted, without
 * brackets or port: "for=\"[2001:db8::1]:80\"" -> 2001:db8::1. */
static int forwarded_for(const char *s, const char *e, const char **as,
			 const char **ae)
{
	while (s < e) {
		const char *semi = memchr(s, ';', (size_t)(e - s));
		const char *pe = semi ? semi : e;
		const char *ps = s;
		trim(&ps, &pe);
		if (pe - ps > 4 && strncasecmp(ps, "for=", 4) == 0) {
			ps += 4;
			if (ps < pe && *ps == '"' && pe[-1] == '"' &&
			    pe - ps >= 2) {
				ps++;
				pe--;
			}
			if (ps < pe && *ps == '[') {
				const char *rb = memchr(ps, ']',
							(size_t)(pe - ps));
				if (rb == NULL)
					return -1;
				*as = ps + 1;
				*ae = rb;
				return 0;
			}
			const char *colon = memchr(ps, ':', (size_t)(pe - ps));
			*as = ps;
			*ae = colon ? colon : pe;
			return 0;
		}
		s = semi ? semi + 1 : e;
	}
	return -1;
}

bool cidr_real_ip(const char *value, size_t len, bool forwarded,
		  const struct cidr *trusted, size_t n,
		  struct sockaddr_storage *client)
{
	const char *end = value + len;
	bool changed = false;

	if (!cidr_match(trusted, n, (const struct sockaddr *)client))
		return false;
	while (end > value) {
		const char *comma = end;
		while (comma > value && comma[-1] != ',')
			comma--;
		const char *s = comma, *e = end;
		trim(&s, &e);
		if (forwarded && forwarded_for(s, e, &s, &e) == -1)
			break;
		struct sockaddr_storage addr;
		if (cidr_parse_addr(s, (size_t)(e - s), &addr) == -1)
			break;
		*client = addr;
		changed = true;
		if (!cidr_match(trusted, n, (const struct sockaddr *)&addr))
			break;
		end = comma > value ? comma - 1 : value;
	}
	return changed;
}
