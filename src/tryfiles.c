/*
 * tryfiles.c — try_files candidates.  The request path they are expanded
 * with is already normalised (decoded, no "." or ".." segment), and the
 * checks keep the templates so, so the expansion is beneath the root by
 * construction; file_open() still opens it beneath the root fd.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tryfiles.h"

#define URI "$uri"
#define URI_LEN 4

static bool is_status(const char *c, int *status)
{
	char *end;
	long v;

	if (c[0] != '=')
		return false;
	v = strtol(c + 1, &end, 10);
	if (end == c + 1 || *end != '\0' || v < 400 || v > 599)
		return false;
	*status = (int)v;
	return true;
}

/* No "." or ".." segment and no "//" in the template's own text. */
static bool segments_ok(const char *s)
{
	for (const char *p = s; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		if (p[1] == '/')
			return false;
		if (p[1] == '.' && (p[2] == '/' || p[2] == '\0'))
			return false;
		if (p[1] == '.' && p[2] == '.' && (p[3] == '/' || p[3] == '\0'))
			return false;
	}
	return true;
}

static bool template_ok(const char *c)
{
	if (c[0] != '/' && strncmp(c, URI, URI_LEN) != 0)
		return false;
	for (const char *p = c; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f ||
		    strchr("?#%", *p) != NULL)
			return false;
	/* "$" only as "$uri": no other variable is expanded. */
	for (const char *p = strchr(c, '$'); p != NULL; p = strchr(p + 1, '$'))
		if (strncmp(p, URI, URI_LEN) != 0)
			return false;
	return segments_ok(c);
}

int tryfiles_check(const char *const *values, size_t n, size_t i, char *msg,
		   size_t len)
{
	const char *c = values[i];
	int status;

	if (is_status(c, &status)) {
		if (i + 1 == n)
			return 0;
		snprintf(msg, len,
			 "try_files: \"%s\" must be the last "
			 "candidate",
			 c);
		return -1;
	}
	for (size_t k = 0; k < i; k++)
		if (is_status(values[k], &status)) {
			snprintf(msg, len,
				 "try_files: \"%s\" must be the last "
				 "candidate",
				 values[k]);
			return -1;
		}
	if (template_ok(c))
		return 0;
	snprintf(msg, len,
		 "try_files: \"%s\" must be \"=CODE\" (400-599) or a "
		 "path starting with / or $uri, without ?, #, %%, \".\" or "
		 "\"..\" segments",
		 c);
	return -1;
}

enum try_kind tryfiles_kind(const char *cand, bool last, int *status)
{
	size_t n = strlen(cand);

	if (is_status(cand, status))
		return TRY_STATUS;
	if (last && strstr(cand, URI) == NULL)
		return TRY_FALLBACK;
	return n > 0 && cand[n - 1] == '/' ? TRY_DIR : TRY_FILE;
}

int tryfiles_expand(const char *cand, const char *uri, char *out, size_t outsz)
{
	size_t n = 0, ulen = strlen(uri);

	for (const char *p = cand; *p != '\0';) {
		const char *add = p;
		size_t alen = 1;
		if (strncmp(p, URI, URI_LEN) == 0) {
			add = uri;
			alen = ulen;
			p += URI_LEN;
		} else {
			p++;
		}
		if (alen > 0 && add[0] == '/' && n > 0 && out[n - 1] == '/') {
			add++;
			alen--;
		}
		if (n + alen >= outsz)
			return -1;
		memcpy(out + n, add, alen);
		n += alen;
	}
	out[n] = '\0';
	return (int)n;
}
