/*
 * connpeer.c — who a connection's client is.  The peer address is kept
 * in the connection's 16 bytes (IPv4 mapped into IPv6, no port: nothing
 * reads it); a PROXY protocol header, when the address's server expects
 * one, replaces it before the first request; a trusted proxy's
 * forwarding header (real_ip) gives each request its own client.  Part
 * of the conn module (conn_impl.h): no other module calls in here.
 */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "access.h"
#include "cidr.h"
#include "config.h"
#include "conn_impl.h"
#include "log.h"
#include "proxy.h"
#include "request.h"

/* The peer's address, kept in 16 bytes (its port is not kept: nothing
 * reads it). */
void conn_peer_store(struct conn *c, const struct sockaddr_storage *ss)
{
	static const uint8_t v4_mapped[12] = { [10] = 0xff, [11] = 0xff };

	memset(c->peer, 0, sizeof(c->peer));
	if (ss->ss_family == AF_INET6) {
		memcpy(c->peer, &((const struct sockaddr_in6 *)ss)->sin6_addr,
		       16);
	} else if (ss->ss_family == AF_INET) {
		memcpy(c->peer, v4_mapped, sizeof(v4_mapped));
		memcpy(c->peer + 12,
		       &((const struct sockaddr_in *)ss)->sin_addr, 4);
	}
}

/* The peer as a socket address: AF_INET for a mapped IPv4 one.  Only the
 * family's own struct is written: readers go by the family. */
void conn_peer_load(const struct conn *c, struct sockaddr_storage *ss)
{
	struct in6_addr a;

	memcpy(&a, c->peer, sizeof(a));
	if (IN6_IS_ADDR_V4MAPPED(&a)) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		*sin = (struct sockaddr_in){ .sin_family = AF_INET };
		memcpy(&sin->sin_addr, c->peer + 12, 4);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		*sin6 = (struct sockaddr_in6){ .sin6_family = AF_INET6,
					       .sin6_addr = a };
	}
}

/* The request's client: the peer (as a PROXY header gave it), or what a
 * trusted proxy's forwarding header says. */
void conn_client(struct conn *c)
{
	struct conn_buf *b = conn_buf(c);
	const struct server_conf *sc = conn_vh(c)->conf;
	const struct request *req = &b->rp.req;

	conn_peer_load(c, &b->client);
	if (sc->real_ip == REAL_IP_OFF)
		return;
	enum request_header h = sc->real_ip == REAL_IP_XFF ? HDR_X_FORWARDED_FOR
							   : HDR_FORWARDED;
	if (req->hdr_seen[h])
		cidr_real_ip(b->in + req->hdr[h].off, req->hdr[h].len,
			     sc->real_ip == REAL_IP_FORWARDED, sc->real_ip_from,
			     sc->nreal_ip_from, &b->client);
}

/*
 * The PROXY header at the start of the buffer: take the client address
 * from it and drop it.  STEP_WAIT for more bytes; a bad header closes the
 * connection (and is logged, at most once a second).
 */
enum step conn_proxy(struct conn *c)
{
	static struct log_ratelimit complaints;
	struct conn_buf *b = conn_buf(c);
	struct proxy_info pi;
	int n = proxy_parse((const unsigned char *)b->in, b->in_len, &pi);

	if (n == PROXY_AGAIN)
		return STEP_WAIT;
	if (n == PROXY_BAD) {
		if (log_ratelimit_allow(&complaints,
					conn_vh(c)->view->now_ms)) {
			char addr[INET6_ADDRSTRLEN];
			struct sockaddr_storage peer;
			conn_peer_load(c, &peer);
			access_addr_text((struct sockaddr *)&peer, addr,
					 sizeof(addr));
			log_warn("bad PROXY protocol header from %s: closing",
				 addr);
		}
		conn_close(c);
		return STEP_CLOSED;
	}
	if (!pi.local)
		conn_peer_store(c, &pi.src);
	memmove(b->in, b->in + n, b->in_len - (uint32_t)n);
	b->in_len -= (uint32_t)n;
	conn_enter(c, b->in_len > 0 ? CONN_READING : CONN_NEW);
	return STEP_AGAIN;
}
