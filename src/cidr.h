/*
 * cidr.h — address blocks ("10.0.0.0/8", "::1", "2001:db8::/32") and
 * whether an address lies in one of them.  Pure functions.
 */
#ifndef FORKD_CIDR_H
#define FORKD_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct cidr {
	int family;       /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network order; masked to the prefix */
	unsigned prefix;  /* 0..32 or 0..128 */
};

/* Parse "ADDR" or "ADDR/PREFIX".  0, or -1 when malformed. */
int cidr_parse(const char *text, struct cidr *out);

/* Is sa (AF_INET or AF_INET6; IPv4-mapped IPv6 counts as IPv4) in any of
 * the n blocks? */
bool cidr_match(const struct cidr *list, size_t n, const struct sockaddr *sa);

/* Parse a numeric IPv4 or IPv6 address of len bytes.  0 or -1. */
int cidr_parse_addr(const char *text, size_t len, struct sockaddr_storage *out);

/*
 * The client's address from a forwarding header, when the connection's
 * peer is trusted: walking the header's list from the right, trusted
 * proxies are skipped and the first untrusted address wins (all trusted:
 * the leftmost).  forwarded: the value is RFC 7239 Forwarded ("for=...")
 * rather than X-Forwarded-For.  *client holds the peer on entry and the
 * answer on return; returns true when it changed.
 */
bool cidr_real_ip(const char *value, size_t len, bool forwarded,
		  const struct cidr *trusted, size_t n,
		  struct sockaddr_storage *client);

#endif
