/*
 * platformload.c — _redirects and _headers, at load: each file is read
 * into one buffer whose lines are cut in place; rules, header blocks and
 * header lines are arrays of pointers into it, none written after the
 * load.  A line forkd does not support refuses the whole file with
 * "NAME:LINE: why".  The fixed rules are indexed by path here; matching
 * is platform.c's.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "confval.h"
#include "file.h"
#include "path.h"
#include "platform.h"
#include "platform_impl.h"
#include "redirect.h"

#define FIELDS_MAX 8
#define BLOCK_MAX 4096 /* bytes of one block's header lines, as add_header */

/* One file being parsed. */
struct reader {
	struct platform *p;
	char *text;
	size_t len, pos;
	const char *name;
	unsigned line;
	char *err;
	size_t errlen;
};

/* ------------------------------------------------------- messages */

static int fail(struct reader *rd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct reader *rd, const char *fmt, ...)
{
	int n = snprintf(rd->err, rd->errlen, "%s:%u: ", rd->name, rd->line);
	va_list ap;

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < rd->errlen)
		vsnprintf(rd->err + n, rd->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	/* One line, whatever the file held. */
	for (char *s = rd->err; *s != '\0'; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			*s = '?';
	return -1;
}

static int no_memory(struct reader *rd)
{
	snprintf(rd->err, rd->errlen, "%s: out of memory", rd->name);
	errno = ENOMEM;
	return -1;
}

/* Room for one more of n items of size in *v (capacity *cap). */
static int grow(void *v, size_t *cap, size_t n, size_t size)
{
	void **pv = v;
	size_t c = *cap == 0 ? 16 : *cap * 2;
	void *nv;

	if (n < *cap)
		return 0;
	if ((nv = realloc(*pv, c * size)) == NULL)
		return -1;
	*pv = nv;
	*cap = c;
	return 0;
}

/* ---------------------------------------------------------- lines */

/*
 * The next line, cut in place without its CR LF; NULL at the end of the
 * text, or with *rc -1 when the line is too long or holds a NUL byte.
 */
static char *next_line(struct reader *rd, int *rc)
{
	char *s = rd->text + rd->pos, *nl;
	size_t n;

	*rc = 0;
	if (rd->pos >= rd->len)
		return NULL;
	nl = memchr(s, '\n', rd->len - rd->pos);
	n = nl != NULL ? (size_t)(nl - s) : rd->len - rd->pos;
	rd->pos += n + (nl != NULL);
	rd->line++;
	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (n > PLATFORM_LINE_MAX)
		*rc = fail(rd, "line longer than %d bytes", PLATFORM_LINE_MAX);
	else if (memchr(s, '\0', n) != NULL)
		*rc = fail(rd, "NUL byte in the line");
	if (*rc == -1)
		return NULL;
	s[n] = '\0';
	return s;
}

/* The next blank-separated field, NUL-terminated; NULL at the end or at
 * a '#' that starts a field (a comment). */
static char *next_field(char **cur)
{
	char *s = *cur, *f;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || *s == '#')
		return NULL;
	for (f = s; *s != '\0' && *s != ' ' && *s != '\t'; s++)
		;
	if (*s != '\0')
		*s++ = '\0';
	*cur = s;
	return f;
}

/* ------------------------------------------------------- patterns */

/* Each placeholder a whole segment with a name of its own; one splat. */
static int pattern_check(struct reader *rd, struct pattern *pt)
{
	const char *t = pt->text, *seen[PLATFORM_CAPS_MAX];
	size_t nseen = 0;

	pt->star = NO_STAR;
	for (size_t i = 0; i < pt->len; i++) {
		if (t[i] == '*' && pt->star != NO_STAR)
			return fail(rd, "more than one * in \"%.80s\"", t);
		if (t[i] == '*')
			pt->star = i;
		if (!platform_is_placeholder(t, i))
			continue;
		size_t nl = platform_name_len(t + i + 1);
		if (t[i + 1 + nl] != '/' && t[i + 1 + nl] != '\0')
			return fail(rd,
				    "placeholder in \"%.80s\" must be a "
				    "whole path segment (/:name/)",
				    t);
		if (nl == 5 && strncmp(t + i + 1, "splat", 5) == 0)
			return fail(rd, ":splat names what * matched; it is "
					"not a placeholder");
		for (size_t k = 0; k < nseen; k++)
			if (platform_name_len(seen[k]) == nl &&
			    strncmp(seen[k], t + i + 1, nl) == 0)
				return fail(rd, "placeholder :%.*s twice",
					    (int)nl, t + i + 1);
		if (nseen == PLATFORM_CAPS_MAX)
			return fail(rd, "more than %d placeholders",
				    PLATFORM_CAPS_MAX);
		seen[nseen++] = t + i + 1;
		i += nl;
	}
	pt->fixed = pt->star == NO_STAR && nseen == 0;
	return 0;
}

/* A pattern field, normalised in place (never longer than written). */
static int pattern_parse(struct reader *rd, char *s, struct pattern *pt)
{
	char buf[PATH_MAX_LEN];
	int n;

	if (s[0] != '/')
		return fail(rd,
			    "\"%.80s\": a pattern is a path starting with "
			    "/ (rules for a host are not supported)",
			    s);
	if (strpbrk(s, "?#") != NULL)
		return fail(rd,
			    "\"%.80s\": matching a query or fragment is "
			    "not supported",
			    s);
	n = path_normalize(s, strlen(s), buf, sizeof(buf));
	if (n < 0 || (size_t)n > strlen(s))
		return fail(rd, "\"%.80s\" is not a valid path", s);
	memcpy(s, buf, (size_t)n + 1);
	pt->text = s;
	pt->len = (size_t)n;
	return pattern_check(rd, pt);
}

/* ------------------------------------------------------ _redirects */

static bool is_url(const char *s)
{
	return strncasecmp(s, "http://", 7) == 0 ||
	       strncasecmp(s, "https://", 8) == 0;
}

/* STATUS[!]: what the mode supports. */
static int parse_status(struct reader *rd, const char *s, struct rule *r)
{
	char *end;
	long v = strtol(s, &end, 10);
	bool netlify = rd->p->mode == PLATFORM_NETLIFY;

	r->force = *end == '!';
	if (r->force)
		end++;
	if (end == s || *end != '\0' || v < 100 || v > 999)
		return fail(rd, "\"%.40s\" is not a status", s);
	if (v == 404 && !netlify)
		return fail(rd, "status 404 (a page for a path) is Netlify's; "
				"Cloudflare Pages does not support it");
	if (v != 200 && v != 404 &&
	    (!redirect_status_ok(v) || v == REDIRECT_GONE))
		return fail(rd,
			    "status %ld is not supported (200, 301, 302, "
			    "303, 307, 308%s)",
			    v, netlify ? ", 404" : "");
	r->status = (int)v;
	return 0;
}

/* A placeholder in the host of an absolute TO would let a request pick
 * the host. */
static bool host_has_placeholder(const char *to)
{
	const char *h = to + (strncasecmp(to, "https://", 8) == 0 ? 8 : 7);
	size_t n = strcspn(h, "/?#");

	for (size_t i = 0; i + 1 < n; i++)
		if (h[i] == ':' && isalpha((unsigned char)h[i + 1]))
			return true;
	return false;
}

/* TO as the status allows it. */
static int check_target(struct reader *rd, struct rule *r)
{
	char msg[256];
	bool page = r->status == 200 || r->status == 404;

	if (page && is_url(r->to))
		return fail(rd,
			    "\"%.80s\": proxying to another host (status "
			    "%d with a URL) is not supported",
			    r->to, r->status);
	if (page && strpbrk(r->to, "?#") != NULL)
		return fail(rd,
			    "\"%.80s\": a rewrite names a file: no query "
			    "or fragment",
			    r->to);
	if (redirect_check_to(r->to, msg, sizeof(msg)) == -1)
		return fail(rd, "%s", msg);
	if (is_url(r->to) && host_has_placeholder(r->to))
		return fail(rd,
			    "\"%.80s\": a placeholder in the host is not "
			    "supported",
			    r->to);
	if (r->from.star == NO_STAR && strstr(r->to, ":splat") != NULL)
		return fail(rd, "TO uses :splat but FROM has no *");
	return 0;
}

/* Fields after TO [STATUS]: conditions forkd cannot evaluate. */
static int extra_field(struct reader *rd, const char *f)
{
	if (strchr(f, '=') != NULL)
		return fail(rd,
			    "condition \"%.80s\" is not supported (Country=, "
			    "Language=, Role=, Cookie= and the like are "
			    "decided at the platform's edge)",
			    f);
	return fail(rd, "unexpected \"%.80s\" after FROM TO [STATUS]", f);
}

/* The fields of one rule, FROM TO [STATUS[!]] [CONDITIONS]. */
static int rule_fields(struct reader *rd, char **f, size_t n, struct rule *r)
{
	size_t k = 2;

	if (pattern_parse(rd, f[0], &r->from) == -1)
		return -1;
	if (n < 2)
		return fail(rd, "expected \"FROM TO [STATUS]\"");
	if (f[1][0] != '/' && !is_url(f[1]) && strchr(f[1], '=') != NULL)
		return fail(rd,
			    "\"%.80s\": matching query parameters is not "
			    "supported",
			    f[1]);
	if (isdigit((unsigned char)f[1][0]))
		return fail(rd,
			    "a rule without TO (\"%.40s\" is a status; "
			    "access rules such as Role= are not supported)",
			    f[1]);
	r->to = f[1];
	r->status = rd->p->mode == PLATFORM_NETLIFY ? 301 : 302;
	if (n > 2 && isdigit((unsigned char)f[2][0])) {
		if (parse_status(rd, f[2], r) == -1)
			return -1;
		k = 3;
	}
	if (k < n)
		return extra_field(rd, f[k]);
	return check_target(rd, r);
}

static int rule_line(struct reader *rd, char *line)
{
	struct platform *p = rd->p;
	char *f[FIELDS_MAX + 1];
	size_t n = 0;
	struct rule r = { .force = false };

	while (n <= FIELDS_MAX && (f[n] = next_field(&line)) != NULL)
		n++;
	if (n == 0)
		return 0;
	if (n > FIELDS_MAX)
		return fail(rd, "more than %d fields", FIELDS_MAX);
	if (rule_fields(rd, f, n, &r) == -1)
		return -1;
	if (grow(&p->rules, &p->rcap, p->nrules, sizeof(*p->rules)) == -1)
		return no_memory(rd);
	p->rules[p->nrules++] = r;
	return 0;
}

/* -------------------------------------------------------- _headers */

/* A pattern line must have header lines under it. */
static int block_close(struct reader *rd)
{
	const struct platform *p = rd->p;

	if (p->nblocks == 0 || p->blocks[p->nblocks - 1].n > 0)
		return 0;
	rd->line = p->blocks[p->nblocks - 1].line;
	return fail(rd, "no header lines under \"%.80s\"",
		    p->blocks[p->nblocks - 1].pat.text);
}

static int block_line(struct reader *rd, char *line)
{
	struct platform *p = rd->p;
	struct block b = { .first = p->nhdrs, .line = rd->line };
	char *end = line + strlen(line);

	while (end > line && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	if (block_close(rd) == -1 || pattern_parse(rd, line, &b.pat) == -1)
		return -1;
	if (grow(&p->blocks, &p->bcap, p->nblocks, sizeof(*p->blocks)) == -1)
		return no_memory(rd);
	p->blocks[p->nblocks++] = b;
	return 0;
}

/* "! Name": Cloudflare's way to drop what an earlier block added. */
static int detach_line(struct reader *rd, char *s, struct header *h)
{
	s++;
	while (*s == ' ' || *s == '\t')
		s++;
	char probe[PLATFORM_LINE_MAX + 8], msg[256];

	h->name = s;
	h->nlen = strcspn(s, " \t:");
	if (rd->p->mode != PLATFORM_CLOUDFLARE)
		return fail(rd,
			    "\"! Name\" (removing a header) is Cloudflare's: "
			    "platform_files = cloudflare");
	snprintf(probe, sizeof(probe), "%s: x", s);
	if (h->nlen == 0 || s[h->nlen] != '\0' ||
	    confval_check_header(probe, msg, sizeof(msg)) == -1)
		return fail(rd,
			    "\"! %.80s\": expected \"! Name\" of a header "
			    "forkd lets a site set",
			    s);
	return 0;
}

/* "Name: value", checked as add_header checks its lines. */
static int header_line(struct reader *rd, char *s)
{
	struct platform *p = rd->p;
	struct block *b = &p->blocks[p->nblocks - 1];
	struct header h = { .value = NULL };
	char msg[256], *end = s + strlen(s);
	size_t bytes;

	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	if (*s == '!' && detach_line(rd, s, &h) == -1)
		return -1;
	if (*s != '!') {
		if (confval_check_header(s, msg, sizeof(msg)) == -1)
			return fail(rd, "%s",
				    strncmp(msg, "add_", 4) == 0 ? msg + 4
								 : msg);
		h.name = s;
		h.nlen = strcspn(s, ":");
		for (h.value = s + h.nlen + 1;
		     *h.value == ' ' || *h.value == '\t'; h.value++)
			;
		s[h.nlen] = '\0';
	}
	bytes = h.nlen + (h.value != NULL ? strlen(h.value) : 0) + 4;
	if ((b->bytes += bytes) > BLOCK_MAX)
		return fail(rd,
			    "the headers under \"%.80s\" take more than %d "
			    "bytes",
			    b->pat.text, BLOCK_MAX);
	if (grow(&p->hdrs, &p->hcap, p->nhdrs, sizeof(*p->hdrs)) == -1)
		return no_memory(rd);
	p->hdrs[p->nhdrs++] = h;
	b->n++;
	return 0;
}

static int headers_line(struct reader *rd, char *line)
{
	char *s = line + strspn(line, " \t");

	if (*s == '\0' || *s == '#')
		return 0;
	if (s == line)
		return block_line(rd, line);
	if (rd->p->nblocks == 0)
		return fail(rd, "a header line needs a path line above it");
	return header_line(rd, s);
}

/* ----------------------------------------------- the fixed rules */

static int index_rules(struct platform *p)
{
	size_t nfixed = 0, size = 16;

	for (size_t i = 0; i < p->nrules; i++)
		nfixed += p->rules[i].from.fixed;
	while (size < 2 * nfixed)
		size *= 2;
	if ((p->slot = calloc(size, sizeof(*p->slot))) == NULL ||
	    (p->dyn = calloc(p->nrules - nfixed + 1, sizeof(*p->dyn))) == NULL)
		return -1;
	p->mask = size - 1;
	for (size_t i = 0; i < p->nrules; i++) {
		const struct pattern *pt = &p->rules[i].from;
		if (!pt->fixed) {
			p->dyn[p->ndyn++] = (uint32_t)i;
			continue;
		}
		size_t klen = platform_key_len(p, pt->text, pt->len);
		struct slot *s =
			&p->slot[platform_slot_find(p, pt->text, klen)];
		if (s->first == 0)
			s->first = (uint32_t)i + 1;
		if (p->rules[i].force && s->forced == 0)
			s->forced = (uint32_t)i + 1;
	}
	return 0;
}

/* ----------------------------------------------------------- files */

static int parse_file(struct reader *rd, int (*one)(struct reader *, char *))
{
	int rc;
	char *line;

	while ((line = next_line(rd, &rc)) != NULL)
		if (one(rd, line) == -1)
			return -1;
	return rc;
}

static int parse_text(struct platform *p, char *text, size_t len,
		      const char *name, bool headers, char *err, size_t errlen)
{
	struct reader rd = {
		.p = p,
		.text = text,
		.len = len,
		.name = name,
		.err = err,
		.errlen = errlen,
	};

	if (text == NULL)
		return 0;
	if (!headers)
		return parse_file(&rd, rule_line);
	if (parse_file(&rd, headers_line) == -1)
		return -1;
	return block_close(&rd);
}

struct platform *platform_parse(enum platform_mode mode, char *rtext,
				size_t rlen, const char *rname, char *htext,
				size_t hlen, const char *hname, char *err,
				size_t errlen)
{
	struct platform *p = calloc(1, sizeof(*p));

	if (p == NULL) {
		free(rtext);
		free(htext);
		snprintf(err, errlen, "%s: out of memory", rname);
		return NULL;
	}
	p->mode = mode;
	p->rtext = rtext;
	p->htext = htext;
	if (parse_text(p, rtext, rlen, rname, false, err, errlen) == -1 ||
	    parse_text(p, htext, hlen, hname, true, err, errlen) == -1)
		goto fail;
	if (index_rules(p) == -1) {
		snprintf(err, errlen, "%s: out of memory", rname);
		errno = ENOMEM;
		goto fail;
	}
	return p;
fail:
	platform_free(p);
	return NULL;
}

/* Why st is not a file to read whole, as an errno; 0 when it is one. */
static int unreadable(const struct stat *st)
{
	if (S_ISDIR(st->st_mode))
		return EISDIR;
	if (!S_ISREG(st->st_mode))
		return EINVAL;
	return st->st_size > (off_t)PLATFORM_FILE_MAX ? EFBIG : 0;
}

/* The whole of file name beneath dfd into *text (NUL-terminated); a
 * missing file leaves *text NULL.  -1 with errno. */
static int read_beneath(int dfd, const char *name, char **text, size_t *len)
{
	struct stat st;
	ssize_t got = 0;
	int fd = file_open_beneath(dfd, name, &st), e;

	if (fd == -1)
		return errno == ENOENT ? 0 : -1;
	if ((e = unreadable(&st)) != 0)
		goto fail;
	if ((*text = malloc((size_t)st.st_size + 1)) == NULL) {
		e = ENOMEM;
		goto fail;
	}
	*len = 0;
	while (*len < (size_t)st.st_size &&
	       (got = read(fd, *text + *len, (size_t)st.st_size - *len)) > 0)
		*len += (size_t)got;
	if (got == -1) {
		e = errno;
		goto fail_text;
	}
	(*text)[*len] = '\0';
	close(fd);
	return 0;
fail_text:
	free(*text);
	*text = NULL;
fail:
	close(fd);
	errno = e;
	return -1;
}

struct platform *platform_load(const char *root, enum platform_mode mode,
			       char *err, size_t errlen)
{
	char rname[PATH_MAX_LEN + 16], hname[PATH_MAX_LEN + 16];
	char *rtext = NULL, *htext = NULL;
	size_t rlen = 0, hlen = 0;
	int dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);

	snprintf(rname, sizeof(rname), "%s/_redirects", root);
	snprintf(hname, sizeof(hname), "%s/_headers", root);
	if (dfd == -1) {
		snprintf(err, errlen, "%s: %s", root, strerror(errno));
		return NULL;
	}
	if (read_beneath(dfd, "/_redirects", &rtext, &rlen) == -1) {
		snprintf(err, errlen, "%s: %s", rname, strerror(errno));
		goto fail;
	}
	if (read_beneath(dfd, "/_headers", &htext, &hlen) == -1) {
		snprintf(err, errlen, "%s: %s", hname, strerror(errno));
		goto fail;
	}
	close(dfd);
	return platform_parse(mode, rtext, rlen, rname, htext, hlen, hname, err,
			      errlen);
fail:
	free(rtext);
	close(dfd);
	return NULL;
}

void platform_free(struct platform *p)
{
	if (p == NULL)
		return;
	free(p->rtext);
	free(p->htext);
	free(p->rules);
	free(p->slot);
	free(p->dyn);
	free(p->blocks);
	free(p->hdrs);
	free(p);
}
