/*
 * access.c — fill in an access log entry: which bytes of the request
 * buffer are the method, target, Host, Referer and User-Agent, what was
 * sent, how long it took.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "access.h"
#include "response.h"

void access_addr_text(const struct sockaddr *sa, char *out, size_t outsz)
{
	const struct sockaddr_in6 *v6 = (const void *)sa;
	const struct sockaddr_in *v4 = (const void *)sa;

	if (sa->sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr))
		inet_ntop(AF_INET, v6->sin6_addr.s6_addr + 12, out,
			  (socklen_t)outsz);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &v6->sin6_addr, out, (socklen_t)outsz);
	else
		inet_ntop(AF_INET, &v4->sin_addr, out, (socklen_t)outsz);
}

void access_record(struct access_log *log, const struct access_request *ar,
		   const struct worker_view *view)
{
	const struct request *req = ar->req;
	const char *in = ar->in;
	char addr[INET6_ADDRSTRLEN];
	char line[4096];

	access_addr_text(ar->client, addr, sizeof(addr));
	uint64_t body = ar->out_sent > ar->reply->head_len
				? ar->out_sent - ar->reply->head_len
				: 0;
	size_t mlen = 0;
	while (mlen < req->line.len && in[req->line.off + mlen] != ' ')
		mlen++;
	struct access_entry e = {
		.bytes_total = ar->out_sent + ar->file_sent,
		.method = in + req->line.off,
		.method_len = mlen,
		.uri = in + req->target.off,
		.uri_len = req->target.len,
		.host = in + req->hdr[HDR_HOST].off,
		.host_len = req->hdr[HDR_HOST].len,
		.msec = (uint64_t)view->now * 1000,
		.request_time_us = (view->now_ms - ar->started_ms) * 1000,
		.connection = ar->connection,
		.connection_requests = ar->connection_requests,
		.http_minor = req->line.len > 0 ? req->http_minor : -1,
		.addr = addr,
		.time_local = response_log_time(),
		.request = in + req->line.off,
		.request_len = req->line.len,
		.status = ar->reply->status,
		.bytes = body + ar->file_sent,
		.referer = in + req->hdr[HDR_REFERER].off,
		.referer_len = req->hdr[HDR_REFERER].len,
		.user_agent = in + req->hdr[HDR_USER_AGENT].off,
		.user_agent_len = req->hdr[HDR_USER_AGENT].len,
	};
	size_t n = access_log_render(log, line, sizeof(line), &e);
	access_log_append(log, line, n);
}
