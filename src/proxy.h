/*
 * proxy.h — the PROXY protocol (versions 1 and 2), as sent by HAProxy and
 * cloud load balancers ahead of the HTTP bytes.  A pure parser.
 */
#ifndef FORKD_PROXY_H
#define FORKD_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define PROXY_V1_MAX 107  /* longest v1 line, CRLF included */
#define PROXY_V2_MAX 1024 /* largest v2 header we accept (TLVs included) */

struct proxy_info {
	bool local; /* LOCAL / UNKNOWN: keep the socket's peer */
	struct sockaddr_storage src;
};

enum proxy_result {
	PROXY_AGAIN = 0, /* a valid beginning: read more */
	PROXY_BAD = -1,  /* not a PROXY header, or a malformed one */
};

/*
 * Parse the header at the start of buf.  Returns its length (> 0) with
 * *out filled, PROXY_AGAIN, or PROXY_BAD.  Strict: one space between v1
 * fields, numeric addresses of the declared family, ports without leading
 * zeros, CRLF; v2 with version 2, a known command and a length that holds
 * the addresses (TLVs are skipped).
 */
int proxy_parse(const unsigned char *buf, size_t len, struct proxy_info *out);

#endif
