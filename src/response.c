/*
 * response.c — the bytes of response heads.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "response.h"

#define SERVER_DATE "Server: forkd\r\nDate: "

static struct {
	time_t now;
	char date[HTTP_DATE_LEN + 1];
	char log_time[32];
	/* The lines after every status line, made once a second. */
	char server_date[sizeof(SERVER_DATE) - 1 + HTTP_DATE_LEN + 2];
} clock_cache = { .server_date = SERVER_DATE };

static const char wdays[7][4] = { "Sun", "Mon", "Tue", "Wed",
				  "Thu", "Fri", "Sat" };
static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static char *put_num(char *p, unsigned v, int digits)
{
	for (int i = digits - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + digits;
}

void response_http_date(time_t t, char *out)
{
	struct tm tm;
	char *p = out;

	gmtime_r(&t, &tm);
	memcpy(p, wdays[tm.tm_wday], 3);
	p += 3;
	*p++ = ',';
	*p++ = ' ';
	p = put_num(p, (unsigned)tm.tm_mday, 2);
	*p++ = ' ';
	memcpy(p, months[tm.tm_mon], 3);
	p += 3;
	*p++ = ' ';
	p = put_num(p, (unsigned)(tm.tm_year + 1900) % 10000, 4);
	*p++ = ' ';
	p = put_num(p, (unsigned)tm.tm_hour, 2);
	*p++ = ':';
	p = put_num(p, (unsigned)tm.tm_min, 2);
	*p++ = ':';
	p = put_num(p, (unsigned)tm.tm_sec, 2);
	memcpy(p, " GMT", 5);
}

void response_clock(time_t now)
{
	struct tm tm;

	if (now == clock_cache.now)
		return;
	clock_cache.now = now;
	response_http_date(now, clock_cache.date);
	memcpy(clock_cache.server_date + sizeof(SERVER_DATE) - 1,
	       clock_cache.date, HTTP_DATE_LEN);
	memcpy(clock_cache.server_date + sizeof(SERVER_DATE) - 1 +
		       HTTP_DATE_LEN,
	       "\r\n", 2);
	localtime_r(&now, &tm);
	strftime(clock_cache.log_time, sizeof(clock_cache.log_time),
		 "%d/%b/%Y:%H:%M:%S %z", &tm);
}

const char *response_date(void)
{
	return clock_cache.date;
}

const char *response_log_time(void)
{
	return clock_cache.log_time;
}

const char *response_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 410: return "Gone";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 416: return "Range Not Satisfiable";
	case 417: return "Expectation Failed";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

/* An append cursor over the head buffer; once full, it stays full. */
struct out {
	char *p;
	char *end;
};

static void out_put(struct out *o, const char *s, size_t len)
{
	if ((size_t)(o->end - o->p) <= len) {
		o->end = o->p; /* no room: mark it full for good */
		return;
	}
	memcpy(o->p, s, len);
	o->p += len;
}

#define OUT_LIT(o, lit) out_put((o), (lit), sizeof(lit) - 1)

static void out_str(struct out *o, const char *s)
{
	out_put(o, s, strlen(s));
}

static void out_u64(struct out *o, unsigned long long v)
{
	char digits[20];
	size_t i = sizeof(digits);

	do
		digits[--i] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	out_put(o, digits + i, sizeof(digits) - i);
}

/* "HTTP/1.1 200 OK\r\n", prebuilt for the statuses a file answer uses. */
static void out_status(struct out *o, int status)
{
	switch (status) {
	case 200: OUT_LIT(o, "HTTP/1.1 200 OK\r\n"); return;
	case 206: OUT_LIT(o, "HTTP/1.1 206 Partial Content\r\n"); return;
	case 304: OUT_LIT(o, "HTTP/1.1 304 Not Modified\r\n"); return;
	}
	OUT_LIT(o, "HTTP/1.1 ");
	out_u64(o, (unsigned)status);
	OUT_LIT(o, " ");
	out_str(o, response_reason(status));
	OUT_LIT(o, "\r\n");
}

/* Last-Modified values repeat: remember the last one formatted. */
static const char *last_modified(time_t t)
{
	static time_t cached_t = -1;
	static char cached[HTTP_DATE_LEN + 1];

	if (t != cached_t) {
		response_http_date(t, cached);
		cached_t = t;
	}
	return cached;
}

/* Content-Type, Content-Length, Last-Modified, ETag: what a file sets. */
static void out_fields(struct out *o, const struct response_head *h)
{
	if (h->content_type != NULL) {
		OUT_LIT(o, "Content-Type: ");
		out_str(o, h->content_type);
		OUT_LIT(o, "\r\n");
	}
	if (h->content_length >= 0) {
		OUT_LIT(o, "Content-Length: ");
		out_u64(o, (unsigned long long)h->content_length);
		OUT_LIT(o, "\r\n");
	}
	if (h->last_modified != 0) {
		OUT_LIT(o, "Last-Modified: ");
		out_put(o, last_modified(h->last_modified), HTTP_DATE_LEN);
		OUT_LIT(o, "\r\n");
	}
	if (h->etag != NULL) {
		OUT_LIT(o, "ETag: ");
		out_str(o, h->etag);
		OUT_LIT(o, "\r\n");
	}
}

size_t response_format_fields(char *out, size_t outsz,
			      const struct response_head *h)
{
	struct out o = { out, out + outsz };

	out_fields(&o, h);
	return o.end == o.p ? 0 : (size_t)(o.p - out);
}

size_t response_format_head(char *out, size_t outsz,
			    const struct response_head *h)
{
	struct out o = { out, out + outsz };

	out_status(&o, h->status);
	if (clock_cache.date[0] != '\0')
		out_put(&o, clock_cache.server_date,
			sizeof(clock_cache.server_date));
	else /* no clock yet (tests) */
		OUT_LIT(&o, SERVER_DATE "\r\n");
	if (h->fields != NULL)
		out_put(&o, h->fields, h->fields_len);
	else
		out_fields(&o, h);
	if (h->location != NULL) {
		OUT_LIT(&o, "Location: ");
		out_put(&o, h->location, h->location_len);
		OUT_LIT(&o, "\r\n");
	}
	if (h->allow != NULL) {
		OUT_LIT(&o, "Allow: ");
		out_str(&o, h->allow);
		OUT_LIT(&o, "\r\n");
	}
	if (h->no_store)
		OUT_LIT(&o, "Cache-Control: no-store\r\n");
	if (h->content_range != NULL) {
		OUT_LIT(&o, "Content-Range: ");
		out_str(&o, h->content_range);
		OUT_LIT(&o, "\r\n");
	}
	if (h->accept_ranges)
		OUT_LIT(&o, "Accept-Ranges: bytes\r\n");
	if (h->extra_len > 0)
		out_put(&o, h->extra, h->extra_len);
	if (h->keep_alive && h->http10)
		OUT_LIT(&o, "Connection: keep-alive\r\n");
	else if (!h->keep_alive)
		OUT_LIT(&o, "Connection: close\r\n");
	OUT_LIT(&o, "\r\n");
	return o.end == o.p ? 0 : (size_t)(o.p - out);
}

const char *response_error_body(int status, size_t *len)
{
	static char body[256];
	const char *reason = response_reason(status);
	int n = snprintf(body, sizeof(body),
			 "<html>\n<head><title>%d %s</title></head>\n"
			 "<body><h1>%d %s</h1></body>\n</html>\n",
			 status, reason, status, reason);

	*len = (size_t)n;
	return body;
}

static int parse_month(const char *s)
{
	for (int m = 0; m < 12; m++)
		if (memcmp(s, months[m], 3) == 0)
			return m;
	return -1;
}

static int parse_digits(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Fill tm from "DD Mon YYYY HH:MM:SS" style fields already located. */
static int fill_tm(struct tm *tm, const char *day, size_t dlen, const char *mon,
		   const char *year, size_t ylen, const char *hms)
{
	memset(tm, 0, sizeof(*tm));
	tm->tm_mday = parse_digits(day, dlen);
	tm->tm_mon = parse_month(mon);
	tm->tm_year = parse_digits(year, ylen);
	if (hms[2] != ':' || hms[5] != ':')
		return -1;
	tm->tm_hour = parse_digits(hms, 2);
	tm->tm_min = parse_digits(hms + 3, 2);
	tm->tm_sec = parse_digits(hms + 6, 2);
	if (tm->tm_mday < 1 || tm->tm_mday > 31 || tm->tm_mon < 0 ||
	    tm->tm_year < 0 || tm->tm_hour < 0 || tm->tm_hour > 23 ||
	    tm->tm_min < 0 || tm->tm_min > 59 || tm->tm_sec < 0 ||
	    tm->tm_sec > 60)
		return -1;
	if (ylen == 2)
		tm->tm_year += tm->tm_year < 70 ? 100 : 0;
	else
		tm->tm_year -= 1900;
	return 0;
}

/*
 * Seconds since the epoch of a UTC calendar time (any year from 0), by
 * Howard Hinnant's days_from_civil; timegm() cannot tell 1969-12-31
 * 23:59:59 from its error return.  A day past the month's end (31 Feb)
 * rolls over, as timegm's would.
 */
static time_t tm_seconds(const struct tm *tm)
{
	long long y = tm->tm_year + 1900LL - (tm->tm_mon < 2);
	long long m = tm->tm_mon + 1;
	long long era = (y >= 0 ? y : y - 399) / 400;
	long long yoe = y - era * 400;
	long long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + tm->tm_mday -
			1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	long long days = era * 146097 + doe - 719468;

	return (time_t)(days * 86400 + tm->tm_hour * 3600 + tm->tm_min * 60 +
			tm->tm_sec);
}

int response_parse_http_date(const char *s, size_t len, time_t *t)
{
	struct tm tm;
	const char *comma = memchr(s, ',', len);
	int rc;

	if (len == 29 && comma == s + 3 && s[7] == ' ' && s[16] == ' ')
		/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
		rc = memcmp(s + 26, "GMT", 3) != 0
			     ? -1
			     : fill_tm(&tm, s + 5, 2, s + 8, s + 12, 4, s + 17);
	else if (comma != NULL && len >= 30 && (size_t)(comma - s) + 24 == len)
		/* RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" */
		rc = comma[4] != '-' || comma[8] != '-' ||
				     memcmp(comma + 21, "GMT", 3) != 0
			     ? -1
			     : fill_tm(&tm, comma + 2, 2, comma + 5, comma + 9,
				       2, comma + 12);
	else if (len == 24 && comma == NULL)
		/* asctime: "Sun Nov  6 08:49:37 1994" */
		rc = fill_tm(&tm, s[8] == ' ' ? s + 9 : s + 8,
			     s[8] == ' ' ? 1 : 2, s + 4, s + 20, 4, s + 11);
	else
		rc = -1;
	if (rc == -1)
		return -1;
	*t = tm_seconds(&tm);
	return 0;
}
