/*
 * response.c — the bytes of response heads.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "response.h"

static struct {
	time_t now;
	char date[HTTP_DATE_LEN + 1];
	char log_time[32];
} clock_cache;

static const char wdays[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
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
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
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

size_t response_format_head(char *out, size_t outsz,
			    const struct response_head *h)
{
	size_t n = 0;
	int w;

#define PUT(...)                                                        \
	do {                                                            \
		w = snprintf(out + n, outsz - n, __VA_ARGS__);          \
		if (w < 0 || (size_t)w >= outsz - n)                    \
			return 0;                                       \
		n += (size_t)w;                                         \
	} while (0)

	PUT("HTTP/1.1 %d %s\r\nServer: forkd\r\nDate: %s\r\n", h->status,
	    response_reason(h->status), clock_cache.date);
	if (h->content_type != NULL)
		PUT("Content-Type: %s\r\n", h->content_type);
	if (h->content_length >= 0)
		PUT("Content-Length: %lld\r\n", h->content_length);
	if (h->last_modified != 0) {
		char date[HTTP_DATE_LEN + 1];
		response_http_date(h->last_modified, date);
		PUT("Last-Modified: %s\r\n", date);
	}
	if (h->etag != NULL)
		PUT("ETag: %s\r\n", h->etag);
	if (h->location != NULL)
		PUT("Location: %.*s\r\n", (int)h->location_len, h->location);
	if (h->allow != NULL)
		PUT("Allow: %s\r\n", h->allow);
	if (h->no_store)
		PUT("Cache-Control: no-store\r\n");
	if (h->content_range != NULL)
		PUT("Content-Range: %s\r\n", h->content_range);
	if (h->accept_ranges)
		PUT("Accept-Ranges: bytes\r\n");
	if (h->extra_len > 0)
		PUT("%.*s", (int)h->extra_len, h->extra);
	if (h->keep_alive && h->http10)
		PUT("Connection: keep-alive\r\n");
	else if (!h->keep_alive)
		PUT("Connection: close\r\n");
	PUT("\r\n");
#undef PUT
	return n;
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
static int fill_tm(struct tm *tm, const char *day, size_t dlen,
		   const char *mon, const char *year, size_t ylen,
		   const char *hms)
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
	long long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + tm->tm_mday - 1;
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
		rc = memcmp(s + 26, "GMT", 3) != 0 ? -1 :
		     fill_tm(&tm, s + 5, 2, s + 8, s + 12, 4, s + 17);
	else if (comma != NULL && len >= 30 && (size_t)(comma - s) + 24 == len)
		/* RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" */
		rc = comma[4] != '-' || comma[8] != '-' ||
		     memcmp(comma + 21, "GMT", 3) != 0 ? -1 :
		     fill_tm(&tm, comma + 2, 2, comma + 5, comma + 9, 2, comma + 12);
	else if (len == 24 && comma == NULL)
		/* asctime: "Sun Nov  6 08:49:37 1994" */
		rc = fill_tm(&tm, s[8] == ' ' ? s + 9 : s + 8, s[8] == ' ' ? 1 : 2,
			     s + 4, s + 20, 4, s + 11);
	else
		rc = -1;
	if (rc == -1)
		return -1;
	*t = tm_seconds(&tm);
	return 0;
}
