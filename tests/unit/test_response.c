/*
 * response: HTTP dates formatted and parsed in all three RFC 9110 forms
 * (known epochs, hostile strings, a randomised round trip), exact bytes of
 * response heads, every reason phrase and the error bodies.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "response.h"
#include "suites.h"

#define nitems(a) (sizeof(a) / sizeof((a)[0]))
#define GUARD 0x5a

/* ---- dates ---- */

static const struct {
	time_t t;
	const char *imf;
} dates[] = {
	{ 0, "Thu, 01 Jan 1970 00:00:00 GMT" },
	{ 784111777, "Sun, 06 Nov 1994 08:49:37 GMT" },
	{ 68169600, "Tue, 29 Feb 1972 00:00:00 GMT" },
	{ 946684799, "Fri, 31 Dec 1999 23:59:59 GMT" },
	{ 951782400, "Tue, 29 Feb 2000 00:00:00 GMT" },
	{ 1234567890, "Fri, 13 Feb 2009 23:31:30 GMT" },
	{ 1709164800, "Thu, 29 Feb 2024 00:00:00 GMT" },
	{ 2147483647, "Tue, 19 Jan 2038 03:14:07 GMT" },
	{ (time_t)2147483648LL, "Tue, 19 Jan 2038 03:14:08 GMT" },
	{ (time_t)4102444800LL, "Fri, 01 Jan 2100 00:00:00 GMT" },
	{ (time_t)253402300799LL, "Fri, 31 Dec 9999 23:59:59 GMT" },
};

/* Exact text, the NUL, and not a byte more. */
START_TEST(test_response_http_date)
{
	int failed = 0;

	for (size_t i = 0; i < nitems(dates); i++) {
		char out[HTTP_DATE_LEN + 8];

		memset(out, GUARD, sizeof(out));
		response_http_date(dates[i].t, out);
		int ok = memcmp(out, dates[i].imf, HTTP_DATE_LEN + 1) == 0;
		for (size_t j = HTTP_DATE_LEN + 1; j < sizeof(out); j++)
			ok = ok && (unsigned char)out[j] == GUARD;
		if (ok)
			continue;
		fprintf(stderr, "http date %lld: \"%.*s\", want \"%s\"\n",
			(long long)dates[i].t, HTTP_DATE_LEN, out,
			dates[i].imf);
		failed++;
	}
	ck_assert_msg(failed == 0, "%d of %zu dates wrong (stderr)", failed,
		      nitems(dates));
}
END_TEST

struct date_case {
	const char *s;
	size_t len;
	int rc;
	time_t t;
};

#define DATE_OK(s, t)                  \
	{                              \
		s, sizeof(s) - 1, 0, t \
	}
#define DATE_BAD(s)                     \
	{                               \
		s, sizeof(s) - 1, -1, 0 \
	}

static const struct date_case parses[] = {
	/* the example of RFC 9110 5.6.7 in each form */
	DATE_OK("Sun, 06 Nov 1994 08:49:37 GMT", 784111777),
	DATE_OK("Sunday, 06-Nov-94 08:49:37 GMT", 784111777),
	DATE_OK("Sun Nov  6 08:49:37 1994", 784111777),
	/* the epoch, days of two digits, every weekday length */
	DATE_OK("Thu, 01 Jan 1970 00:00:00 GMT", 0),
	DATE_OK("Thu Jan  1 00:00:00 1970", 0),
	DATE_OK("Sun Nov 16 08:49:37 1994", 784111777 + 10 * 86400),
	DATE_OK("Wednesday, 16-Nov-94 08:49:37 GMT", 784111777 + 10 * 86400),
	DATE_OK("Monday, 07-Nov-94 08:49:37 GMT", 784111777 + 86400),
	DATE_OK("Tuesday, 29-Feb-00 00:00:00 GMT", 951782400),
	DATE_OK("Friday, 01-Jan-21 00:00:00 GMT", 1609459200),
	DATE_OK("Friday, 31-Dec-99 23:59:59 GMT", 946684799),
	DATE_OK("Tue, 29 Feb 2000 00:00:00 GMT", 951782400),
	DATE_OK("Tue Feb 29 00:00:00 2000", 951782400),
	DATE_OK("Tue, 19 Jan 2038 03:14:08 GMT", (time_t)2147483648LL),
	DATE_OK("Fri, 31 Dec 9999 23:59:59 GMT", (time_t)253402300799LL),
	/* a valid date one second before the epoch is not an error */
	DATE_OK("Wed, 31 Dec 1969 23:59:59 GMT", -1),
	/* refused */
	DATE_BAD(""),
	DATE_BAD("garbage"),
	DATE_BAD("garbage garbage garbage garbage"),
	DATE_BAD("Sun, 06 Nox 1994 08:49:37 GMT"),
	DATE_BAD("Sun, 06 nov 1994 08:49:37 GMT"),
	DATE_BAD("Sun, 06 NOV 1994 08:49:37 GMT"),
	DATE_BAD("Sunday, 06-Foo-94 08:49:37 GMT"),
	DATE_BAD("Sun Xyz  6 08:49:37 1994"),
	DATE_BAD("Sun, 06 Nov 1994 24:00:00 GMT"),
	DATE_BAD("Sun, 06 Nov 1994 08:60:00 GMT"),
	DATE_BAD("Sun, 06 Nov 1994 08:49:61 GMT"),
	DATE_BAD("Sunday, 06-Nov-94 24:49:37 GMT"),
	DATE_BAD("Sun Nov  6 24:49:37 1994"),
	DATE_BAD("Sun, 00 Nov 1994 08:49:37 GMT"),
	DATE_BAD("Sun, 32 Nov 1994 08:49:37 GMT"),
	DATE_BAD("Sun Nov  0 08:49:37 1994"),
	DATE_BAD("Sun, 06 Nov 1994 08:49:37 UTC"),
	DATE_BAD("Sun, 06 Nov 1994 08:49:37 gmt"),
	DATE_BAD("Sunday, 06-Nov-94 08:49:37 UTC"),
	DATE_BAD("Sun, 06 Nov 1994 08:49:37    "),
	DATE_BAD("Sun, 06 Nov 1994 08:49:37 G\0T"),
	DATE_BAD("Sun, 06 Nov 1994 08:49:37"),
	DATE_BAD("Sun, 06 Nov 1994 08:49:37 GM"),
	DATE_BAD("Sunday, 06-Nov-94 08:49:37 GM"),
	DATE_BAD("Sunday, 06-Nov-94 08:49:37"),
	DATE_BAD("Sun Nov  6 08:49:37 199"),
	DATE_BAD("Sun Nov  6 08:49:37"),
	DATE_BAD("Sun,"),
	DATE_BAD(","),
	DATE_BAD("Sun, 06 Nov 1994 08:49:37 GMT "),
	DATE_BAD(" Sun, 06 Nov 1994 08:49:37 GMT"),
	DATE_BAD("Sun Nov  6 08:49:37 1994 "),
	DATE_BAD("Sun, 6 Nov 1994 08:49:37 GMT"),
	DATE_BAD("Sun, 06 Nov 94 08:49:37 GMT"),
	DATE_BAD("Sunday, 06-Nov-1994 08:49:37 GMT"),
	DATE_BAD("Sunday, 06 Nov 94 08:49:37 GMT"),
	DATE_BAD("Sunday, 06-Nov 94 08:49:37 GMT"),
	DATE_BAD("Sun Nov  6 08:49:37 94"),
	DATE_BAD("Sun Nov 6  08:49:37 1994"),
	DATE_BAD("Sun, 06 Nov 1994 08.49.37 GMT"),
	DATE_BAD("Sun, 06 Nov 1994 08:49-37 GMT"),
	DATE_BAD("Sun, 06 Nov 1994 08:49:3x GMT"),
	DATE_BAD("Sun, 06 Nov 1994 +8:49:37 GMT"),
	DATE_BAD("Sun, 06 Nov -994 08:49:37 GMT"),
	DATE_BAD("Sun, 0x Nov 1994 08:49:37 GMT"),
	DATE_BAD("Sun, 06 Nov 19 4 08:49:37 GMT"),
	DATE_BAD("Sunday, 06-Nov-9x 08:49:37 GMT"),
	DATE_BAD("Sun Nov  x 08:49:37 1994"),
	DATE_BAD("Sun Nov  6 08:49:37 19x4"),
	DATE_BAD("Sun, 06 Nov 1994 08:49:37 GMT\0"),
};

START_TEST(test_response_parse_date)
{
	int failed = 0;

	for (size_t i = 0; i < nitems(parses); i++) {
		const struct date_case *c = &parses[i];
		time_t t = 12345;
		int rc = response_parse_http_date(c->s, c->len, &t);
		if (rc == c->rc && (rc != 0 || t == c->t))
			continue;
		fprintf(stderr,
			"parse date \"%.*s\": rc %d t %lld, want rc %d "
			"t %lld\n",
			(int)c->len, c->s, rc, (long long)t, c->rc,
			(long long)c->t);
		failed++;
	}
	ck_assert_msg(failed == 0, "%d of %zu date parses wrong (stderr)",
		      failed, nitems(parses));
}
END_TEST

/* Only len bytes are read: a valid date followed by more is its prefix. */
START_TEST(test_response_parse_date_len)
{
	static const char s[] = "Sun, 06 Nov 1994 08:49:37 GMTxyz";
	time_t t = 0;

	ck_assert_int_eq(response_parse_http_date(s, HTTP_DATE_LEN, &t), 0);
	ck_assert_int_eq(t, 784111777);
	ck_assert_int_eq(response_parse_http_date(s, HTTP_DATE_LEN + 1, &t),
			 -1);
	ck_assert_int_eq(response_parse_http_date(s, HTTP_DATE_LEN - 1, &t),
			 -1);
	for (size_t n = 0; n < HTTP_DATE_LEN; n++) {
		char *p = malloc(n + 1); /* ASan catches a read past n */
		ck_assert_ptr_nonnull(p);
		memcpy(p, s, n);
		ck_assert_int_eq(response_parse_http_date(p, n, &t), -1);
		free(p);
	}
}
END_TEST

enum date_form {
	FORM_IMF,
	FORM_RFC850,
	FORM_ASCTIME
};

/* A C-locale strftime in UTC: the reference for each form. */
static void response_ref_date(time_t t, enum date_form form, char *out,
			      size_t outsz)
{
	struct tm tm;
	size_t n = 0;

	ck_assert_ptr_nonnull(gmtime_r(&t, &tm));
	switch (form) {
	case FORM_IMF:
		n = strftime(out, outsz, "%a, %d %b %Y %H:%M:%S GMT", &tm);
		break;
	case FORM_RFC850:
		/* %y, spelt out: -Wformat-y2k frowns on it */
		n = strftime(out, outsz, "%A, %d-%b-", &tm);
		n += (size_t)snprintf(out + n, outsz - n, "%02d",
				      tm.tm_year % 100);
		n += strftime(out + n, outsz - n, " %H:%M:%S GMT", &tm);
		break;
	case FORM_ASCTIME:
		n = strftime(out, outsz, "%a %b %e %H:%M:%S %Y", &tm);
		break;
	}
	ck_assert_uint_gt(n, 0);
}

/* Each form of a date parses back to it. 0, or 1 after saying why. */
static int response_round_trip(time_t t)
{
	char imf[HTTP_DATE_LEN + 1], rfc850[40], asc[40];
	time_t back;
	int bad = 0;

	response_http_date(t, imf);
	response_ref_date(t, FORM_IMF, rfc850, sizeof(rfc850));
	if (strcmp(imf, rfc850) != 0) {
		fprintf(stderr, "date %lld: \"%s\", strftime \"%s\"\n",
			(long long)t, imf, rfc850);
		bad++;
	}
	if (response_parse_http_date(imf, strlen(imf), &back) != 0 ||
	    back != t) {
		fprintf(stderr, "date %lld: \"%s\" parsed back wrong\n",
			(long long)t, imf);
		bad++;
	}
	response_ref_date(t, FORM_ASCTIME, asc, sizeof(asc));
	if (response_parse_http_date(asc, strlen(asc), &back) != 0 ||
	    back != t) {
		fprintf(stderr, "date %lld: \"%s\" parsed back wrong\n",
			(long long)t, asc);
		bad++;
	}
	/* Two-digit years name 1970 to 2069 (within 50 years of now). */
	if (t < (time_t)3155760000LL) {
		response_ref_date(t, FORM_RFC850, rfc850, sizeof(rfc850));
		if (response_parse_http_date(rfc850, strlen(rfc850), &back) !=
			    0 ||
		    back != t) {
			fprintf(stderr, "date %lld: \"%s\" parsed back wrong\n",
				(long long)t, rfc850);
			bad++;
		}
	}
	return bad != 0;
}

START_TEST(test_response_date_round_trip)
{
	const time_t max = (time_t)253402300799LL; /* 9999-12-31T23:59:59 */
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	int failed = 0, n = 0;

	for (size_t i = 0; i < nitems(dates); i++, n++)
		failed += response_round_trip(dates[i].t);
	for (time_t t = 0; t < 400 * 86400; t += 86400 - 1, n++)
		failed += response_round_trip(t);
	for (int i = 0; i < 4000; i++, n++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		failed += response_round_trip((time_t)(x % (uint64_t)max));
	}
	ck_assert_msg(failed == 0, "%d of %d dates did not round-trip (stderr)",
		      failed, n);
}
END_TEST

/* The Date string follows the clock; the access log time is the same
 * instant in local time. */
START_TEST(test_response_clock)
{
	struct tm tm = { 0 };
	char mon[4], sign;
	int off, used = 0;

	response_clock(784111777);
	ck_assert_str_eq(response_date(), "Sun, 06 Nov 1994 08:49:37 GMT");
	response_clock(784111777);
	ck_assert_str_eq(response_date(), "Sun, 06 Nov 1994 08:49:37 GMT");
	response_clock(784111778);
	ck_assert_str_eq(response_date(), "Sun, 06 Nov 1994 08:49:38 GMT");
	response_clock(1234567890);
	ck_assert_str_eq(response_date(), "Fri, 13 Feb 2009 23:31:30 GMT");
	/* and so does the Date line of every head (made once a second) */
	struct response_head h = { .status = 200, .content_length = -1 };
	char head[256] = { 0 };
	ck_assert_uint_gt(response_format_head(head, sizeof(head), &h), 0);
	ck_assert_ptr_nonnull(strstr(head, "\r\nServer: forkd\r\nDate: Fri, "
					   "13 Feb 2009 23:31:30 GMT\r\n"));

	const char *lt = response_log_time();
	ck_assert_int_eq(sscanf(lt, "%2d/%3c/%4d:%2d:%2d:%2d %c%4d%n",
				&tm.tm_mday, mon, &tm.tm_year, &tm.tm_hour,
				&tm.tm_min, &tm.tm_sec, &sign, &off, &used),
			 8);
	ck_assert_int_eq(used, 26);
	ck_assert_uint_eq(strlen(lt), 26);
	mon[3] = '\0';
	ck_assert_msg(strcmp(mon, "Feb") == 0, "log time \"%s\"", lt);
	ck_assert(sign == '+' || sign == '-');
	tm.tm_mon = 1;
	tm.tm_year -= 1900;
	long secs = (long)(off / 100 * 3600 + off % 100 * 60);
	ck_assert_int_eq(timegm(&tm) - (sign == '+' ? secs : -secs),
			 1234567890);
}
END_TEST

/* ---- response heads ---- */

#define DATE "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
#define TOP(st) "HTTP/1.1 " st "\r\nServer: forkd\r\n" DATE

static const struct {
	struct response_head h;
	const char *want;
} heads[] = {
	{ { .status = 200,
	    .keep_alive = true,
	    .content_type = "text/html; charset=utf-8",
	    .content_length = 1234,
	    .last_modified = 784111777 - 86400,
	    .etag = "\"2ebc98a1-4d2\"" },
	  TOP("200 OK") "Content-Type: text/html; charset=utf-8\r\n"
			"Content-Length: 1234\r\n"
			"Last-Modified: Sat, 05 Nov 1994 08:49:37 GMT\r\n"
			"ETag: \"2ebc98a1-4d2\"\r\n\r\n" },
	{ { .status = 304,
	    .keep_alive = true,
	    .content_length = -1,
	    .last_modified = 784111777,
	    .etag = "\"1-2\"" },
	  TOP("304 Not Modified") "Last-Modified: Sun, 06 Nov 1994 08:49:37 "
				  "GMT\r\n"
				  "ETag: \"1-2\"\r\n\r\n" },
	{ { .status = 301,
	    .keep_alive = true,
	    .content_type = "text/html",
	    .content_length = 0,
	    .location = "/dir/?q=1 and more",
	    .location_len = 9 },
	  TOP("301 Moved Permanently") "Content-Type: text/html\r\n"
				       "Content-Length: 0\r\nLocation: "
				       "/dir/?q=1\r\n\r\n" },
	{ { .status = 405,
	    .keep_alive = false,
	    .content_length = 5,
	    .allow = "GET, HEAD" },
	  TOP("405 Method Not Allowed") "Content-Length: 5\r\n"
					"Allow: GET, HEAD\r\nConnection: "
					"close\r\n\r\n" },
	{ { .status = 200,
	    .keep_alive = true,
	    .http10 = true,
	    .content_length = 7 },
	  TOP("200 OK") "Content-Length: 7\r\n"
			"Connection: keep-alive\r\n\r\n" },
	{ { .status = 200,
	    .keep_alive = false,
	    .http10 = true,
	    .content_length = -1 },
	  TOP("200 OK") "Connection: close\r\n\r\n" },
	{ { .status = 206,
	    .keep_alive = true,
	    .content_length = 9223372036854775807LL },
	  TOP("206 Partial Content") "Content-Length: "
				     "9223372036854775807\r\n\r\n" },
	{ { .status = 299, .keep_alive = true, .content_length = -1 },
	  TOP("299 Unknown") "\r\n" },
};

/* Every size of out: 0 until it has room for the head and its NUL. */
START_TEST(test_response_format_head)
{
	int failed = 0;

	response_clock(784111777);
	for (size_t i = 0; i < nitems(heads); i++) {
		size_t len = strlen(heads[i].want);
		char out[1024];

		for (size_t sz = 0; sz <= len + 1; sz++) {
			memset(out, GUARD, sizeof(out));
			size_t n = response_format_head(out, sz, &heads[i].h);
			size_t want = sz == len + 1 ? len : 0;
			int ok = n == want &&
				 (want == 0 ||
				  memcmp(out, heads[i].want, len) == 0);
			for (size_t j = sz; j < sizeof(out); j++)
				ok = ok && (unsigned char)out[j] == GUARD;
			if (ok)
				continue;
			fprintf(stderr,
				"head %zu size %zu: %zu bytes, want %zu:"
				"\n%.*s\n",
				i, sz, n, want, (int)n, out);
			failed++;
			break;
		}
	}
	ck_assert_msg(failed == 0, "%d of %zu heads wrong (stderr)", failed,
		      nitems(heads));
}
END_TEST

/* The same heads from their fields formatted beforehand: the same bytes. */
START_TEST(test_response_format_fields)
{
	response_clock(784111777);
	for (size_t i = 0; i < nitems(heads); i++) {
		struct response_head h = heads[i].h;
		char fields[512], out[1024];
		size_t len = strlen(heads[i].want);
		size_t n = response_format_fields(fields, sizeof(fields), &h);

		h.fields = fields;
		h.fields_len = n;
		h.content_type = h.etag = NULL; /* not looked at */
		h.content_length = -1;
		h.last_modified = 0;
		ck_assert_uint_eq(response_format_head(out, sizeof(out), &h),
				  len);
		ck_assert_msg(memcmp(out, heads[i].want, len) == 0,
			      "head %zu:\n%.*s", i, (int)len, out);
	}
	/* Too small: 0, as response_format_head says. */
	char small[8];
	ck_assert_uint_eq(
		response_format_fields(small, sizeof(small), &heads[0].h), 0);
}
END_TEST

static const struct {
	int status;
	const char *reason;
} reasons[] = {
	{ 100, "Continue" },
	{ 200, "OK" },
	{ 206, "Partial Content" },
	{ 301, "Moved Permanently" },
	{ 302, "Found" },
	{ 304, "Not Modified" },
	{ 400, "Bad Request" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 408, "Request Timeout" },
	{ 412, "Precondition Failed" },
	{ 413, "Content Too Large" },
	{ 414, "URI Too Long" },
	{ 416, "Range Not Satisfiable" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
	{ 503, "Service Unavailable" },
	{ 505, "HTTP Version Not Supported" },
	{ 0, "Unknown" },
	{ -1, "Unknown" },
	{ 201, "Unknown" },
	{ 418, "Unknown" },
	{ 599, "Unknown" },
	{ 1000, "Unknown" },
};

START_TEST(test_response_reason)
{
	int failed = 0;

	for (size_t i = 0; i < nitems(reasons); i++) {
		const char *r = response_reason(reasons[i].status);
		if (r != NULL && strcmp(r, reasons[i].reason) == 0)
			continue;
		fprintf(stderr, "reason %d: \"%s\", want \"%s\"\n",
			reasons[i].status, r ? r : "(null)", reasons[i].reason);
		failed++;
	}
	ck_assert_msg(failed == 0, "%d reasons wrong (stderr)", failed);
}
END_TEST

/* Exact for one status; for all, the status and reason in title and h1. */
START_TEST(test_response_error_body)
{
	size_t len = 0;
	const char *b = response_error_body(404, &len);

	ck_assert_str_eq(b,
			 "<html>\n<head><title>404 Not Found</title></head>\n"
			 "<body><h1>404 Not Found</h1></body>\n</html>\n");
	ck_assert_uint_eq(len, strlen(b));
	for (size_t i = 0; i < nitems(reasons); i++) {
		char title[128], h1[128];

		snprintf(title, sizeof(title), "<title>%d %s</title>",
			 reasons[i].status, reasons[i].reason);
		snprintf(h1, sizeof(h1), "<h1>%d %s</h1>", reasons[i].status,
			 reasons[i].reason);
		b = response_error_body(reasons[i].status, &len);
		ck_assert_uint_eq(len, strlen(b));
		ck_assert_msg(strstr(b, title) != NULL && strstr(b, h1) != NULL,
			      "status %d: body \"%s\"", reasons[i].status, b);
	}
}
END_TEST

Suite *response_suite(void)
{
	Suite *s = suite_create("response");
	TCase *tc = tcase_create("date");

	tcase_add_test(tc, test_response_http_date);
	tcase_add_test(tc, test_response_parse_date);
	tcase_add_test(tc, test_response_parse_date_len);
	tcase_add_test(tc, test_response_date_round_trip);
	tcase_add_test(tc, test_response_clock);
	suite_add_tcase(s, tc);
	tc = tcase_create("head");
	tcase_add_test(tc, test_response_format_head);
	tcase_add_test(tc, test_response_format_fields);
	tcase_add_test(tc, test_response_reason);
	tcase_add_test(tc, test_response_error_body);
	suite_add_tcase(s, tc);
	return s;
}
