/*
 * confval.c — config values from text.  Pure: no libconfuse, no globals;
 * the unit tests call these directly with hostile input.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cidr.h"
#include "confval.h"

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

static int why(char *err, size_t errlen, const char *msg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", msg);
	return -1;
}

/* Decimal digits only; saturates at max + 1 so callers see "too big". */
static int parse_digits(const char **sp, unsigned long long max,
			unsigned long long *out)
{
	const char *s = *sp;
	unsigned long long n = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		n = n * 10 + (unsigned)(*s - '0');
		if (n > max)
			n = max + 1;
	}
	*sp = s;
	*out = n;
	return 0;
}

static int parse_number(const char *s, unsigned min, unsigned max,
			unsigned *out)
{
	unsigned long long n;

	if (parse_digits(&s, max, &n) == -1 || *s != '\0' || n < min || n > max)
		return -1;
	*out = (unsigned)n;
	return 0;
}

int confval_parse_duration(const char *text, unsigned *ms)
{
	static const struct {
		const char *suffix;
		unsigned scale;
	} units[] = {
		{ "", 1000 },
		{ "ms", 1 },
		{ "s", 1000 },
		{ "m", 60 * 1000 },
		{ "h", 60 * 60 * 1000 },
	};
	unsigned long long n;

	if (parse_digits(&text, DURATION_MAX_MS, &n) == 0) {
		for (size_t i = 0; i < nitems(units); i++) {
			if (strcmp(text, units[i].suffix) != 0)
				continue;
			n *= units[i].scale;
			if (n > DURATION_MAX_MS) {
				errno = ERANGE;
				return -1;
			}
			*ms = (unsigned)n;
			return 0;
		}
	}
	errno = EINVAL;
	return -1;
}

static int parse_port(const char *s, in_port_t *port, char *err, size_t errlen)
{
	unsigned long long n;

	if (*s == '\0')
		return why(err, errlen, "missing port");
	if (parse_digits(&s, 65535, &n) == -1 || *s != '\0')
		return why(err, errlen, "port is not a number");
	if (n < 1 || n > 65535)
		return why(err, errlen, "port out of range");
	*port = htons((in_port_t)n);
	return 0;
}

static int parse_host4(const char *host, size_t len, struct in_addr *in,
		       char *err, size_t errlen)
{
	char buf[INET_ADDRSTRLEN];

	if (len == 0)
		return why(err, errlen,
			   "missing host; "
			   "for every address write \"*:port\", quoted");
	if (len == 1 && host[0] == '*') {
		in->s_addr = htonl(INADDR_ANY);
		return 0;
	}
	if (len >= sizeof(buf))
		goto bad;
	memcpy(buf, host, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, in) == 1)
		return 0;
bad:
	return why(err, errlen,
		   "host is not a numeric IPv4 address "
		   "(names are not looked up)");
}

static int parse_host6(const char *host, size_t len, struct in6_addr *in6,
		       char *err, size_t errlen)
{
	char buf[INET6_ADDRSTRLEN];

	if (len > 0 && len < sizeof(buf)) {
		memcpy(buf, host, len);
		buf[len] = '\0';
		if (inet_pton(AF_INET6, buf, in6) == 1)
			return 0;
	}
	return why(err, errlen, "not a numeric IPv6 address");
}

static int parse_listen6(const char *text, struct sockaddr_storage *addr,
			 socklen_t *addrlen, char *err, size_t errlen)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)addr;
	const char *close = strchr(text, ']');

	if (close == NULL)
		return why(err, errlen, "missing ']' after IPv6 address");
	if (close[1] == '\0')
		return why(err, errlen, "missing port");
	if (close[1] != ':')
		return why(err, errlen, "expected ':port' after ']'");
	if (parse_host6(text + 1, close - text - 1, &sin6->sin6_addr, err,
			errlen) == -1 ||
	    parse_port(close + 2, &sin6->sin6_port, err, errlen) == -1)
		return -1;
	sin6->sin6_family = AF_INET6;
	*addrlen = sizeof(*sin6);
	return 0;
}

static int parse_listen4(const char *text, struct sockaddr_storage *addr,
			 socklen_t *addrlen, char *err, size_t errlen)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)addr;
	const char *colon = strchr(text, ':');
	size_t hostlen = colon != NULL ? (size_t)(colon - text) : 0;
	const char *port = colon != NULL ? colon + 1 : text;

	if (colon == NULL && text[strspn(text, "0123456789")] != '\0')
		return why(err, errlen, "missing port");
	if (colon != NULL && strchr(port, ':') != NULL)
		return why(err, errlen,
			   "IPv6 addresses need brackets, "
			   "as in \"[::1]:80\"");
	if (colon == NULL)
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
	else if (parse_host4(text, hostlen, &sin->sin_addr, err, errlen) == -1)
		return -1;
	if (parse_port(port, &sin->sin_port, err, errlen) == -1)
		return -1;
	sin->sin_family = AF_INET;
	*addrlen = sizeof(*sin);
	return 0;
}

int confval_parse_listen(const char *text, struct sockaddr_storage *addr,
			 socklen_t *addrlen, char *err, size_t errlen)
{
	memset(addr, 0, sizeof(*addr));
	if (*text == '\0')
		return why(err, errlen, "empty address");
	if (strstr(text, "://") != NULL)
		return why(err, errlen, "expected host:port, not a URL");
	if (text[0] == '[')
		return parse_listen6(text, addr, addrlen, err, errlen);
	return parse_listen4(text, addr, addrlen, err, errlen);
}

bool confval_listen_same(const struct sockaddr_storage *a,
			 const struct sockaddr_storage *b)
{
	const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;
	const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;

	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return a4->sin_port == b4->sin_port &&
		       a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	return a6->sin6_port == b6->sin6_port &&
	       memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr)) ==
		       0;
}

int confval_number(const char *name, const char *s, unsigned min, unsigned max,
		   unsigned *out, char *msg, size_t len)
{
	if (parse_number(s, min, max, out) == 0)
		return 0;
	snprintf(msg, len, "%s must be a number from %u to %u, not \"%s\"",
		 name, min, max, s);
	return -1;
}

int confval_duration(const char *name, const char *s, unsigned min,
		     unsigned *ms, char *msg, size_t len)
{
	unsigned v;

	if (confval_parse_duration(s, &v) == -1) {
		if (errno == ERANGE)
			snprintf(msg, len, "%s must be at most 24h, not \"%s\"",
				 name, s);
		else
			snprintf(msg, len,
				 "%s must be a duration such as 30, "
				 "500ms, 30s, 5m or 1h, not \"%s\"",
				 name, s);
		return -1;
	}
	if (v < min) {
		snprintf(msg, len, "%s must be more than 0, not \"%s\"", name,
			 s);
		return -1;
	}
	*ms = v;
	return 0;
}

int confval_workers(const char *s, unsigned cpus, unsigned max, unsigned *out,
		    char *msg, size_t len)
{
	if (strcmp(s, "auto") == 0) {
		*out = cpus < max ? cpus : max;
		return 0;
	}
	if (parse_number(s, 1, max, out) == 0)
		return 0;
	snprintf(msg, len,
		 "worker_processes must be auto or a number "
		 "from 1 to %u, not \"%s\"",
		 max, s);
	return -1;
}

/* s against the config file's directory; NULL when out of memory. */
char *confval_path(const char *dir, const char *s)
{
	char *p;

	if (s[0] == '/')
		return strdup(s);
	if (asprintf(&p, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, s) == -1)
		return NULL;
	return p;
}

/* The root as stored: absolute, without trailing slashes, "/" kept. */
char *confval_root(const char *dir, const char *s)
{
	char *p = confval_path(dir, s);
	size_t n;

	if (p == NULL)
		return NULL;
	for (n = strlen(p); n > 1 && p[n - 1] == '/'; n--)
		p[n - 1] = '\0';
	return p;
}

/* A URI path for a directive to name: '/' first, no query or fragment. */
bool confval_uri_path_ok(const char *s)
{
	if (s[0] != '/' || strlen(s) >= 1024)
		return false;
	for (; *s != '\0'; s++)
		if (*s == '?' || *s == '#' || *s == ' ' ||
		    iscntrl((unsigned char)*s))
			return false;
	return true;
}

int confval_parse_error_page(const char *text, bool codes[ERROR_PAGE_COUNT],
			     const char **uri, char *msg, size_t len)
{
	const char *eq = strchr(text, '='), *s = text;
	size_t n = 0;

	memset(codes, 0, ERROR_PAGE_COUNT * sizeof(*codes));
	if (eq == NULL) {
		snprintf(msg, len, "error_page \"%s\" must be \"CODES=/path\"",
			 text);
		return -1;
	}
	while (s < eq) {
		unsigned long long code;
		if (*s == ' ') {
			s++;
			continue;
		}
		if (parse_digits(&s, 999, &code) == -1 ||
		    (*s != ' ' && *s != '=') || code < ERROR_PAGE_FIRST ||
		    code >= ERROR_PAGE_FIRST + ERROR_PAGE_COUNT) {
			snprintf(msg, len,
				 "error_page \"%s\": statuses must be "
				 "numbers from 400 to 599",
				 text);
			return -1;
		}
		codes[code - ERROR_PAGE_FIRST] = true;
		n++;
	}
	if (n == 0) {
		snprintf(msg, len, "error_page \"%s\" names no status", text);
		return -1;
	}
	if (!confval_uri_path_ok(eq + 1)) {
		snprintf(msg, len,
			 "error_page \"%s\": the page must be a path "
			 "starting with /",
			 text);
		return -1;
	}
	*uri = eq + 1;
	return 0;
}

int confval_parse_expires(const char *text, long long *seconds)
{
	static const struct {
		const char *suffix;
		long long scale;
	} units[] = {
		{ "", 1 },     { "s", 1 },     { "m", 60 },
		{ "h", 3600 }, { "d", 86400 }, { "w", 7 * 86400 },
	};
	unsigned long long n;

	if (strcmp(text, "off") == 0 || strcmp(text, "epoch") == 0) {
		*seconds = text[0] == 'o' ? EXPIRES_OFF : EXPIRES_EPOCH;
		return 0;
	}
	if (parse_digits(&text, EXPIRES_MAX, &n) == -1)
		return -1;
	for (size_t i = 0; i < nitems(units); i++) {
		if (strcmp(text, units[i].suffix) != 0)
			continue;
		if (n > (unsigned long long)(EXPIRES_MAX / units[i].scale))
			return -1;
		*seconds = (long long)n * units[i].scale;
		return 0;
	}
	return -1;
}

#define TCHARS                                                 \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
	"0123456789!#$%&'*+-.^_`|~"

int confval_check_header(const char *text, char *msg, size_t len)
{
	static const char *const framing[] = {
		"Content-Length",   "Transfer-Encoding",
		"Connection",       "Keep-Alive",
		"Upgrade",          "Trailer",
		"Content-Range",    "Content-Type",
		"Content-Encoding", "Date",
		"Server",
	};
	size_t nlen = strspn(text, TCHARS);
	const char *v = text + nlen;

	if (nlen == 0 || *v != ':') {
		snprintf(msg, len,
			 "add_header \"%s\" must be \"Name: value\" "
			 "with a header name",
			 text);
		return -1;
	}
	for (size_t i = 0; i < nitems(framing); i++)
		if (strlen(framing[i]) == nlen &&
		    strncasecmp(text, framing[i], nlen) == 0) {
			snprintf(msg, len,
				 "add_header: %s is set by forkd "
				 "itself",
				 framing[i]);
			return -1;
		}
	for (v++; *v == ' ' || *v == '\t'; v++)
		;
	if (*v == '\0') {
		snprintf(msg, len, "add_header \"%s\" has no value", text);
		return -1;
	}
	for (; *v != '\0'; v++)
		if (*v != '\t' && iscntrl((unsigned char)*v)) {
			snprintf(msg, len,
				 "add_header \"%s\": control "
				 "characters are not allowed",
				 text);
			return -1;
		}
	if (strlen(text) + 2 > HEADERS_MAX) {
		snprintf(msg, len, "add_header: longer than %d bytes",
			 HEADERS_MAX);
		return -1;
	}
	return 0;
}

/* n as written in the file: "512", "8k", "1g". */
static const char *bytes_text(unsigned n, char *out, size_t len)
{
	static const char units[] = "\0kmg";
	int u = 0;

	while (u < 3 && n >= 1024 && n % 1024 == 0) {
		n /= 1024;
		u++;
	}
	snprintf(out, len, "%u%.1s", n, units + u);
	return out;
}

int confval_size(const char *name, const char *s, unsigned min, unsigned max,
		 size_t *out, char *msg, size_t len)
{
	char *end, lo[16], hi[16];
	unsigned long long v = strtoull(s, &end, 10);
	unsigned long long unit = *end == 'k'   ? 1024
				  : *end == 'm' ? 1 << 20
						: 1;

	if (end == s || *s < '0' || *s > '9' || (unit > 1 && end[1] != '\0') ||
	    (unit == 1 && *end != '\0') || v * unit < min || v * unit > max) {
		snprintf(msg, len,
			 "%s must be a size from %s to %s (such as 64k), "
			 "not \"%s\"",
			 name, bytes_text(min, lo, sizeof(lo)),
			 bytes_text(max, hi, sizeof(hi)), s);
		return -1;
	}
	*out = (size_t)(v * unit);
	return 0;
}

int confval_bytes(const char *name, const char *s, unsigned min, unsigned max,
		  unsigned *out, char *msg, size_t len)
{
	static const char units[] = "kmg";
	const char *p = s;
	unsigned long long n;

	if (parse_digits(&p, max, &n) == 0) {
		const char *u = *p != '\0' ? strchr(units, *p) : NULL;
		if (u != NULL && p[1] == '\0')
			n <<= 10 * (u - units + 1);
		if ((u != NULL || *p == '\0') && n >= min && n <= max) {
			*out = (unsigned)n;
			return 0;
		}
	}
	char lo[16], hi[16];
	snprintf(msg, len,
		 "%s must be a size from %s to %s (such as 64k or "
		 "1m), not \"%s\"",
		 name, bytes_text(min, lo, sizeof(lo)),
		 bytes_text(max, hi, sizeof(hi)), s);
	return -1;
}

/* ------------------------------------------------------ predicates */

int confval_check_nonempty(const char *name, const char *s, char *msg,
			   size_t len)
{
	if (s[0] != '\0')
		return 0;
	snprintf(msg, len, "%s must not be empty", name);
	return -1;
}

/* Empty (none) or a path starting with '/'. */
int confval_check_uri_path(const char *name, const char *s, char *msg,
			   size_t len)
{
	if (s[0] == '\0' || (s[0] == '/' && strpbrk(s, "?# \t") == NULL))
		return 0;
	snprintf(msg, len, "%s must be a path starting with /, not \"%s\"",
		 name, s);
	return -1;
}

/* A charset name (RFC 9110 token, at most 40 bytes), or "" / "off". */
int confval_check_charset(const char *name, const char *s, char *msg,
			  size_t len)
{
	size_t n = strlen(s);

	if (n <= 40 && strspn(s, TCHARS) == n)
		return 0;
	snprintf(msg, len, "%s \"%s\" is not a charset name", name, s);
	return -1;
}

/* A host name, or "*." and one: letters, digits, '-', '_', '.' */
int confval_check_server_name(const char *name, const char *s, char *msg,
			      size_t len)
{
	const char *host = strncmp(s, "*.", 2) == 0 ? s + 2 : s;
	size_t n = strlen(host);

	if (n > 0 && n <= 253 && host[0] != '.' && strstr(host, "..") == NULL &&
	    strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789-_.") == n)
		return 0;
	snprintf(msg, len, "%s \"%s\" is not a host name or \"*.\" and one",
		 name, s);
	return -1;
}

int confval_check_index(const char *name, const char *s, char *msg, size_t len)
{
	if (s[0] != '\0' && strchr(s, '/') == NULL && strcmp(s, ".") != 0 &&
	    strcmp(s, "..") != 0)
		return 0;
	snprintf(msg, len, "%s entries must be file names, not \"%s\"", name,
		 s);
	return -1;
}

int confval_check_cidr(const char *name, const char *s, char *msg, size_t len)
{
	struct cidr c;

	if (cidr_parse(s, &c) == 0)
		return 0;
	snprintf(msg, len, "%s: \"%s\" is not an address or address/prefix",
		 name, s);
	return -1;
}

/* "combined", "json", or a custom format of text and $variables. */
int confval_log_format(const char *s, enum access_format *f, char *msg,
		       size_t len)
{
	if (strcmp(s, "combined") == 0)
		*f = ACCESS_COMBINED;
	else if (strcmp(s, "json") == 0)
		*f = ACCESS_JSON;
	else if (strchr(s, '$') != NULL)
		*f = ACCESS_CUSTOM;
	else {
		snprintf(msg, len,
			 "access_log_format must be combined, json, or a "
			 "format with $variables, not \"%s\"",
			 s);
		return -1;
	}
	return *f == ACCESS_CUSTOM ? access_log_check(s, msg, len) : 0;
}
