/*
 * config: config_load on files written into a fresh temporary directory,
 * which is also the current directory, so errors read "forkd.conf:LINE:
 * ...".  Good files with every value checked, defaults, relative paths,
 * comments, and a table of bad files with their exact one-line errors.
 * The value parsers have their own tables in test_confval.c.
 */
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "config.h"
#include "cpus.h"
#include "mime.h"
#include "route.h"
#include "suites.h"

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

/* A valid server section of four lines, for files about other things. */
#define SERVER "server {\n\tlisten = \"127.0.0.1:8080\"\n\troot = www\n}\n"

static char tmpdir[PATH_MAX]; /* realpath of the test's directory */
static int oldcwd = -1;
static char err[CONFIG_ERR_MAX];

static void setup(void)
{
	char tmpl[] = "/tmp/forkd-test-config-XXXXXX";

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	ck_assert_ptr_nonnull(realpath(tmpl, tmpdir));
	oldcwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ne(oldcwd, -1);
	ck_assert_int_eq(chdir(tmpdir), 0);
	ck_assert_int_eq(mkdir("www", 0755), 0);
}

static int remove_entry(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	return remove(path);
}

static void teardown(void)
{
	if (oldcwd != -1) {
		ck_assert_int_eq(fchdir(oldcwd), 0);
		close(oldcwd);
		oldcwd = -1;
	}
	ck_assert_int_eq(nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS),
			 0);
}

static void write_file(const char *name, const char *text, size_t len)
{
	FILE *fp = fopen(name, "w");

	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(text, 1, len, fp), len);
	ck_assert_int_eq(fclose(fp), 0);
}

/* tmpdir/rel, for comparing with the absolute paths config stores. */
static const char *tmp(const char *rel)
{
	static char buf[2][PATH_MAX + 64];
	static int which;

	which = !which;
	snprintf(buf[which], sizeof(buf[which]), "%s/%s", tmpdir, rel);
	return buf[which];
}

static struct config *load(const char *text)
{
	write_file("forkd.conf", text, strlen(text));
	memset(err, 'x', sizeof(err));
	return config_load("forkd.conf", err, sizeof(err));
}

static struct config *load_ok(const char *text)
{
	struct config *cf = load(text);

	ck_assert_msg(cf != NULL, "unexpected error: %s", err);
	ck_assert_str_eq(err, "");
	return cf;
}

static void load_fails(const char *text, const char *want)
{
	struct config *cf = load(text);

	ck_assert_msg(cf == NULL, "loaded, but expected: %s", want);
	ck_assert_str_eq(err, want);
}

static unsigned expected_auto_workers(void)
{
	unsigned n = cpus_usable();

	return n > 512 ? 512 : n;
}

/* ------------------------------------------------------ good files */

START_TEST(test_defaults)
{
	struct config *cf = load_ok(SERVER);
	struct server_conf *sc = &cf->servers[0];

	ck_assert_str_eq(cf->path, tmp("forkd.conf"));
	ck_assert_uint_eq(cf->worker_processes, expected_auto_workers());
	ck_assert_int_eq(cf->accept_mode, ACCEPT_REUSEPORT);
	ck_assert_str_eq(cf->pid_file, "/run/forkd.pid");
	ck_assert_str_eq(cf->error_log, "stderr");
	ck_assert_int_eq(cf->error_log_level, LOG_LVL_NOTICE);
	ck_assert_str_eq(cf->user, "nobody");
	ck_assert_uint_eq(cf->shutdown_timeout, 30000);
	ck_assert(!cf->daemon);
	ck_assert_uint_eq(cf->worker_connections, 4096);
	ck_assert_uint_eq(cf->nservers, 1);
	ck_assert_uint_eq(sc->nlisten, 1);
	ck_assert_str_eq(sc->listen[0].text, "127.0.0.1:8080");
	fx_assert_addr(&sc->listen[0].addr, AF_INET, "127.0.0.1", 8080);
	ck_assert_uint_eq(sc->listen[0].addrlen, sizeof(struct sockaddr_in));
	ck_assert_str_eq(sc->root, tmp("www"));
	ck_assert_uint_eq(sc->nindex, 1);
	ck_assert_str_eq(sc->index[0], "index.html");
	ck_assert_ptr_null(sc->access_log);
	ck_assert_uint_eq(sc->keepalive_timeout, 75000);
	ck_assert_uint_eq(sc->keepalive_requests, 1000);
	ck_assert_uint_eq(sc->client_header_timeout, 60000);
	ck_assert_uint_eq(sc->send_timeout, 60000);
	config_free(cf);
}
END_TEST

START_TEST(test_every_option_quoted)
{
	struct config *cf = load_ok(
		"worker_processes = \"3\"\n"
		"accept_mode = \"shared\"\n"
		"pid_file = \"/var/run/f.pid\"\n"
		"error_log = \"/tmp/error.log\"\n"
		"error_log_level = \"debug\"\n"
		"user = \"www-data\"\n"
		"shutdown_timeout = \"1m\"\n"
		"daemon = true\n"
		"worker_connections = \"1000000\"\n"
		"server {\n"
		"\tlisten = { \"127.0.0.1:8080\", \"[::1]:8080\" }\n"
		"\troot = \"/\"\n"
		"\tindex = { \"index.html\", \"index.htm\" }\n"
		"\taccess_log = \"/tmp/access.log\"\n"
		"\tkeepalive_timeout = \"0\"\n"
		"\tkeepalive_requests = \"1\"\n"
		"\tclient_header_timeout = \"500ms\"\n"
		"\tsend_timeout = \"2h\"\n"
		"}\n");
	struct server_conf *sc = &cf->servers[0];

	ck_assert_uint_eq(cf->worker_processes, 3);
	ck_assert_int_eq(cf->accept_mode, ACCEPT_SHARED);
	ck_assert_str_eq(cf->pid_file, "/var/run/f.pid");
	ck_assert_str_eq(cf->error_log, "/tmp/error.log");
	ck_assert_int_eq(cf->error_log_level, LOG_LVL_DEBUG);
	ck_assert_str_eq(cf->user, "www-data");
	ck_assert_uint_eq(cf->shutdown_timeout, 60000);
	ck_assert(cf->daemon);
	ck_assert_uint_eq(cf->worker_connections, 1000000);
	ck_assert_uint_eq(cf->nservers, 1);
	ck_assert_uint_eq(sc->nlisten, 2);
	ck_assert_str_eq(sc->listen[0].text, "127.0.0.1:8080");
	ck_assert_str_eq(sc->listen[1].text, "[::1]:8080");
	fx_assert_addr(&sc->listen[1].addr, AF_INET6, "::1", 8080);
	ck_assert_uint_eq(sc->listen[1].addrlen, sizeof(struct sockaddr_in6));
	ck_assert_str_eq(sc->root, "/");
	ck_assert_uint_eq(sc->nindex, 2);
	ck_assert_str_eq(sc->index[0], "index.html");
	ck_assert_str_eq(sc->index[1], "index.htm");
	ck_assert_str_eq(sc->access_log, "/tmp/access.log");
	ck_assert_uint_eq(sc->keepalive_timeout, 0);
	ck_assert_uint_eq(sc->keepalive_requests, 1);
	ck_assert_uint_eq(sc->client_header_timeout, 500);
	ck_assert_uint_eq(sc->send_timeout, 2 * 3600 * 1000);
	config_free(cf);
}
END_TEST

/* Bare words and bare numbers are strings to libconfuse: all must work. */
START_TEST(test_bare_values)
{
	struct config *cf;

	ck_assert_int_eq(mkdir("run", 0755), 0);
	cf = load_ok("worker_processes = 4\n"
		     "accept_mode = shared\n"
		     "pid_file = run/forkd.pid\n"
		     "error_log_level = info\n"
		     "user = daemon\n"
		     "shutdown_timeout = 30\n"
		     "daemon = yes\n"
		     "worker_connections = 010\n"
		     "server {\n"
		     "\tlisten = { 8080, [::1]:8081, 127.0.0.1:8082 }\n"
		     "\troot = www\n"
		     "\tindex = default.htm\n"
		     "\taccess_log = off\n"
		     "\tkeepalive_timeout = 500ms\n"
		     "\tkeepalive_requests = 7\n"
		     "\tclient_header_timeout = 5s\n"
		     "\tsend_timeout = 1h\n"
		     "}\n");
	struct server_conf *sc = &cf->servers[0];

	ck_assert_uint_eq(cf->worker_processes, 4);
	ck_assert_int_eq(cf->accept_mode, ACCEPT_SHARED);
	ck_assert_str_eq(cf->pid_file, tmp("run/forkd.pid"));
	ck_assert_int_eq(cf->error_log_level, LOG_LVL_INFO);
	ck_assert_str_eq(cf->user, "daemon");
	ck_assert_uint_eq(cf->shutdown_timeout, 30000);
	ck_assert(cf->daemon);
	ck_assert_uint_eq(cf->worker_connections, 10); /* decimal, not octal */
	ck_assert_uint_eq(sc->nlisten, 3);
	fx_assert_addr(&sc->listen[0].addr, AF_INET, "0.0.0.0", 8080);
	fx_assert_addr(&sc->listen[1].addr, AF_INET6, "::1", 8081);
	fx_assert_addr(&sc->listen[2].addr, AF_INET, "127.0.0.1", 8082);
	ck_assert_str_eq(sc->root, tmp("www"));
	ck_assert_uint_eq(sc->nindex, 1);
	ck_assert_str_eq(sc->index[0], "default.htm");
	ck_assert_ptr_null(sc->access_log);
	ck_assert_uint_eq(sc->keepalive_timeout, 500);
	ck_assert_uint_eq(sc->keepalive_requests, 7);
	ck_assert_uint_eq(sc->client_header_timeout, 5000);
	ck_assert_uint_eq(sc->send_timeout, 3600000);
	config_free(cf);
}
END_TEST

START_TEST(test_workers_auto)
{
	struct config *cf = load_ok("worker_processes = auto\n" SERVER);

	ck_assert_uint_eq(cf->worker_processes, expected_auto_workers());
	ck_assert_uint_ge(cf->worker_processes, 1);
	config_free(cf);
}
END_TEST

START_TEST(test_workers_limits)
{
	struct config *cf = load_ok("worker_processes = 512\n" SERVER);

	ck_assert_uint_eq(cf->worker_processes, 512);
	config_free(cf);
	cf = load_ok("worker_processes = 1\n" SERVER);
	ck_assert_uint_eq(cf->worker_processes, 1);
	config_free(cf);
}
END_TEST

START_TEST(test_user_empty_keeps_root)
{
	struct config *cf = load_ok("user = \"\"\n" SERVER);

	ck_assert_ptr_null(cf->user);
	config_free(cf);
}
END_TEST

START_TEST(test_error_log_stderr_and_path)
{
	struct config *cf = load_ok("error_log = stderr\n" SERVER);

	ck_assert_str_eq(cf->error_log, "stderr");
	config_free(cf);
	ck_assert_int_eq(mkdir("logs", 0755), 0);
	cf = load_ok("error_log = \"logs/error.log\"\n" SERVER);
	ck_assert_str_eq(cf->error_log, tmp("logs/error.log"));
	config_free(cf);
}
END_TEST

/* Relative to the file's directory, not to the current directory. */
START_TEST(test_relative_paths)
{
	const char *text = "pid_file = \"run/forkd.pid\"\n"
			   "error_log = \"error.log\"\n"
			   "server {\n"
			   "\tlisten = 80\n"
			   "\troot = \"site/\"\n"
			   "\taccess_log = \"../logs/access.log\"\n"
			   "}\n";
	struct config *cf;

	ck_assert_int_eq(mkdir("etc", 0755), 0);
	ck_assert_int_eq(mkdir("etc/site", 0755), 0);
	ck_assert_int_eq(mkdir("etc/run", 0755), 0);
	ck_assert_int_eq(mkdir("logs", 0755), 0);
	write_file("etc/forkd.conf", text, strlen(text));
	cf = config_load("etc/forkd.conf", err, sizeof(err));
	ck_assert_msg(cf != NULL, "%s", err);
	ck_assert_str_eq(cf->path, tmp("etc/forkd.conf"));
	ck_assert_str_eq(cf->pid_file, tmp("etc/run/forkd.pid"));
	ck_assert_str_eq(cf->error_log, tmp("etc/error.log"));
	ck_assert_str_eq(cf->servers[0].root, tmp("etc/site"));
	ck_assert_str_eq(cf->servers[0].access_log,
			 tmp("etc/../logs/access.log"));
	config_free(cf);

	/* The same file by its absolute name, from another directory. */
	ck_assert_int_eq(chdir("/"), 0);
	cf = config_load(tmp("etc/forkd.conf"), err, sizeof(err));
	ck_assert_msg(cf != NULL, "%s", err);
	ck_assert_str_eq(cf->servers[0].root, tmp("etc/site"));
	config_free(cf);
}
END_TEST

START_TEST(test_root_trailing_slashes)
{
	static const struct {
		const char *root;
		const char *want; /* NULL: tmp("www") */
	} cases[] = {
		{ "www/", NULL }, { "www///", NULL }, { "./www", "./www" },
		{ "/", "/" },     { "///", "/" },
	};
	char text[256];

	for (size_t i = 0; i < nitems(cases); i++) {
		struct config *cf;

		snprintf(text, sizeof(text),
			 "server {\n\tlisten = 80\n\troot = \"%s\"\n}\n",
			 cases[i].root);
		cf = load_ok(text);
		if (cases[i].want == NULL)
			ck_assert_str_eq(cf->servers[0].root, tmp("www"));
		else if (cases[i].want[0] == '.')
			ck_assert_str_eq(cf->servers[0].root,
					 tmp(cases[i].want));
		else
			ck_assert_str_eq(cf->servers[0].root, cases[i].want);
		config_free(cf);
	}
}
END_TEST

START_TEST(test_several_servers)
{
	struct config *cf;

	ck_assert_int_eq(mkdir("two", 0755), 0);
	cf = load_ok("server {\n"
		     "\tlisten = { \"127.0.0.1:8080\", \"[::1]:8080\" }\n"
		     "\troot = www\n"
		     "}\n"
		     "server {\n"
		     "\tlisten = { \"*:8081\", \"[::]:8081\" }\n"
		     "\troot = two\n"
		     "\tkeepalive_timeout = 0\n"
		     "\taccess_log = two.log\n"
		     "}\n"
		     "server {\n"
		     "\tlisten = 8082\n"
		     "\troot = /\n"
		     "}\n");
	ck_assert_uint_eq(cf->nservers, 3);
	ck_assert_str_eq(cf->servers[0].root, tmp("www"));
	ck_assert_uint_eq(cf->servers[0].nlisten, 2);
	ck_assert_uint_eq(cf->servers[0].keepalive_timeout, 75000);
	ck_assert_ptr_null(cf->servers[0].access_log);
	ck_assert_str_eq(cf->servers[1].root, tmp("two"));
	ck_assert_uint_eq(cf->servers[1].nlisten, 2);
	fx_assert_addr(&cf->servers[1].listen[0].addr, AF_INET, "0.0.0.0",
		       8081);
	fx_assert_addr(&cf->servers[1].listen[1].addr, AF_INET6, "::", 8081);
	ck_assert_uint_eq(cf->servers[1].keepalive_timeout, 0);
	ck_assert_str_eq(cf->servers[1].access_log, tmp("two.log"));
	ck_assert_str_eq(cf->servers[2].root, "/");
	ck_assert_str_eq(cf->servers[2].listen[0].text, "8082");
	ck_assert_uint_eq(cf->servers[2].nindex, 1);
	config_free(cf);
}
END_TEST

/* Servers sharing an address form one group, its default first. */
START_TEST(test_virtual_hosts)
{
	struct config *cf;
	static const struct {
		const char *host;
		unsigned server;
	} picks[] = {
		{ "a.example", 1 },
		{ "A.EXAMPLE", 1 },
		{ "x.a.example", 2 },
		{ "y.x.a.example", 3 },
		{ "a.example.org", 0 },
		{ "b.example", 0 },
		{ "", 0 },
	};

	cf = load_ok("server {\n\tlisten = { 8080, 8081 }\n\troot = www\n}\n"
		     "server {\n\tlisten = 8080\n\troot = www\n"
		     "\tserver_name = { \"a.example\", \"*.b.example\" }\n}\n"
		     "server {\n\tlisten = 8080\n\troot = www\n"
		     "\tserver_name = \"*.a.example\"\n}\n"
		     "server {\n\tlisten = { \"*:8081\", 8080 }\n\troot = www\n"
		     "\tserver_name = \"*.x.a.example\"\n"
		     "\tdefault_server = true\n}\n");
	ck_assert_uint_eq(cf->ngroups, 2);
	ck_assert_uint_eq(cf->groups[0].nservers, 4);
	ck_assert_uint_eq(cf->groups[0].servers[0], 3); /* default_server */
	ck_assert_uint_eq(cf->groups[1].nservers, 2);
	ck_assert_uint_eq(cf->groups[1].servers[0], 3);
	ck_assert_uint_eq(cf->groups[1].servers[1], 0);
	for (size_t i = 0; i < nitems(picks); i++) {
		unsigned want = picks[i].server == 0 ? 3 : picks[i].server;
		unsigned got = route_server(cf, &cf->groups[0], picks[i].host,
					    strlen(picks[i].host));
		ck_assert_msg(got == want, "%s: server %u, want %u",
			      picks[i].host, got, want);
	}
	ck_assert(route_name_match("*.b.example", "q.b.example", 11));
	ck_assert(!route_name_match("*.b.example", "b.example", 9));
	ck_assert(!route_name_match("*.b.example", "xb.example", 10));
	ck_assert(!route_name_match("a.example", "a.example.", 10));
	config_free(cf);
}
END_TEST

START_TEST(test_index_append_and_empty)
{
	struct config *cf = load_ok("server {\n\tlisten = 80\n\troot = www\n"
				    "\tindex += \"index.htm\"\n}\n");

	ck_assert_uint_eq(cf->servers[0].nindex, 2);
	ck_assert_str_eq(cf->servers[0].index[0], "index.html");
	ck_assert_str_eq(cf->servers[0].index[1], "index.htm");
	config_free(cf);

	cf = load_ok(
		"server {\n\tlisten = 80\n\troot = www\n\tindex = {}\n}\n");
	ck_assert_uint_eq(cf->servers[0].nindex, 0);
	config_free(cf);
}
END_TEST

/*
 * A list given twice in one section appends (listen, index, ...); a single
 * value given twice is an error naming both lines, wherever the two are.
 */
START_TEST(test_repeated_list_appends)
{
	struct config *cf = load_ok("server {\n"
				    "\tlisten = \"127.0.0.1:80\"\n"
				    "\tlisten = { \"127.0.0.1:81\", 82 }\n"
				    "\troot = www\n"
				    "\tindex = a.html\n"
				    "\tindex = b.html\n"
				    "}\n");

	ck_assert_uint_eq(cf->servers[0].nlisten, 3);
	ck_assert_str_eq(cf->servers[0].listen[0].text, "127.0.0.1:80");
	ck_assert_str_eq(cf->servers[0].listen[2].text, "82");
	ck_assert_uint_eq(cf->servers[0].nindex, 2);
	ck_assert_str_eq(cf->servers[0].index[1], "b.html");
	config_free(cf);
	load_fails("server {\n\tlisten = 80\n\tlisten = 80\n\troot = www\n}\n",
		   "forkd.conf:3: listen \"80\": duplicate address");
}
END_TEST

START_TEST(test_repeated_single_value)
{
	load_fails("server {\n\tlisten = 80\n\troot = /\n\n\troot = www\n}\n",
		   "forkd.conf:5: root is given twice in one server section "
		   "(first at forkd.conf:3)");
	load_fails("user = nobody\nworker_processes = 2 worker_processes = "
		   "3\n" SERVER,
		   "forkd.conf:2: worker_processes is given twice at the top "
		   "level (first at forkd.conf:2)");
	load_fails("daemon = false\n" SERVER "daemon = true\n",
		   "forkd.conf:6: daemon is given twice at the top level "
		   "(first at forkd.conf:1)");
	load_fails("server {\n\tlisten = 80\n\troot = www\n"
		   "\tlocation \"/a/\" {\n\t\texpires = 1d\n\t\texpires = 2d\n"
		   "\t}\n}\n",
		   "forkd.conf:6: expires is given twice in one "
		   "location section (first at forkd.conf:5)");
	load_fails("server {\n\tlisten = 80\n\troot = www\n"
		   "\tlocation \"/a/\" {\n\t}\n\tlocation '/a/' {\n\t}\n}\n",
		   "forkd.conf:6: location \"/a/\" is given twice in one "
		   "server section (first at forkd.conf:4)");
	/* the same option in two sections is no repeat */
	config_free(load_ok(SERVER "server {\n\tlisten = \"127.0.0.1:8081\"\n"
				   "\troot = www\n}\n"));
}
END_TEST

/* Same port, different addresses or families: all allowed. */
START_TEST(test_listen_same_port_other_address)
{
	struct config *cf = load_ok(
		"server {\n"
		"\tlisten = { \"127.0.0.1:80\", \"127.0.0.2:80\","
		" \"[::1]:80\" }\n"
		"\troot = www\n"
		"}\n"
		"server {\n\tlisten = { \"*:81\", \"[::]:82\" }\n"
		"\troot = www\n}\n");

	ck_assert_uint_eq(cf->servers[0].nlisten, 3);
	ck_assert_uint_eq(cf->servers[1].nlisten, 2);
	config_free(cf);
}
END_TEST

/* Comments of every kind, anywhere, and comment marks inside quotes. */
START_TEST(test_comments)
{
	struct config *cf;

	ck_assert_int_eq(mkdir("w#w", 0755), 0);
	cf = load_ok("# forkd.conf\n"
		     "// another\n"
		     "/* a block\n   over lines */ worker_processes = 2 # two\n"
		     "server { # opening\n"
		     "\tadd_header = \"X-A: a#b//c/*d*/\" // trailing\n"
		     "\tlisten = { \"127.0.0.1:1\", # first\n"
		     "\t\t\"127.0.0.1:2\" // second\n"
		     "\t\t/* third */ , \"127.0.0.1:3\"\n"
		     "\t}\n"
		     "\troot = \"w#w\"#no space\n"
		     "\tindex = { 'it\\'s#1', \"say \\\"#hi\\\"\" }\n"
		     "}\n"
		     "#### the end");
	ck_assert_uint_eq(cf->worker_processes, 2);
	ck_assert_str_eq(cf->servers[0].defaults.headers,
			 "X-A: a#b//c/*d*/\r\n");
	ck_assert_uint_eq(cf->servers[0].nlisten, 3);
	ck_assert_str_eq(cf->servers[0].listen[2].text, "127.0.0.1:3");
	ck_assert_str_eq(cf->servers[0].root, tmp("w#w"));
	ck_assert_uint_eq(cf->servers[0].nindex, 2);
	ck_assert_str_eq(cf->servers[0].index[0], "it's#1");
	ck_assert_str_eq(cf->servers[0].index[1], "say \"#hi\"");
	config_free(cf);
}
END_TEST

START_TEST(test_crlf_line_endings)
{
	struct config *cf = load_ok("worker_processes = 3\r\n"
				    "server {\r\n\tlisten = 80\r\n"
				    "\troot = www\r\n}\r\n");

	ck_assert_uint_eq(cf->worker_processes, 3);
	ck_assert_str_eq(cf->servers[0].root, tmp("www"));
	config_free(cf);
}
END_TEST

/* ------------------------------------------------------- bad files */

static const struct bad_conf {
	const char *text;
	const char *err;
} bad_confs[] = {
	/* unknown options and syntax, reported by libconfuse */
	{ "worker_processes = 4\nbogus = 1\n" SERVER,
	  "forkd.conf:2: no such option 'bogus'" },
	{ "server {\n\tlisten = 80\n\troot = www\n\tproxy_pass = x\n}\n",
	  "forkd.conf:4: no such option 'proxy_pass'" },
	{ "server {\n\tlisten = 80\n\troot = www\n\tlocation = x\n}\n",
	  "forkd.conf:4: missing title for section 'location'" },
	{ "server {\n\tlisten = 80\n\troot = www\n"
	  "\tlocation \"/a/\" {\n\t\texpires = soon\n\t}\n}\n",
	  "forkd.conf:5: expires must be off, epoch or a time such as 3600, "
	  "30m, 12h, 30d or 2w (at most 10 years), not \"soon\"" },
	{ "server {\n\tlisten = 80\n\tserver {\n\t}\n}\n",
	  "forkd.conf:3: no such option 'server'" },
	{ "Worker_Processes = 4\n" SERVER,
	  "forkd.conf:1: no such option 'Worker_Processes'" },
	{ "\nworker_processes 4\n" SERVER,
	  "forkd.conf:2: missing equal sign after option 'worker_processes'" },
	{ "daemon = maybe\n" SERVER,
	  "forkd.conf:1: invalid boolean value for option 'daemon'" },
	{ "server \"a\" {\n\tlisten = 80\n\troot = www\n}\n",
	  "forkd.conf:1: missing opening brace for section 'server'" },
	{ SERVER "}\n", "forkd.conf:5: unexpected closing brace" },
	{ "server {\n\tlisten = { 80,\n",
	  "forkd.conf:3: premature end of file" },
	/* left open at the end of the file */
	{ "server {\n\tlisten = 80\n\troot = www\n",
	  "forkd.conf:1: '{' is not closed with '}'" },
	{ SERVER "\nserver {\n\tlisten = 81\n\troot = www\n\t# }\n",
	  "forkd.conf:6: '{' is not closed with '}'" },
	{ "/* never\nclosed\n" SERVER,
	  "forkd.conf:1: comment is not closed with */" },
	{ SERVER "user = \"never\nclosed\n",
	  "forkd.conf:5: string is not closed with \"" },
	{ SERVER "\nuser = 'never\\'\n",
	  "forkd.conf:6: string is not closed with '" },
	/* an open list is a syntax error where it shows */
	{ "server {\n\tlisten = { 80\n\troot = www\n}\n",
	  "forkd.conf:3: unexpected token 'root'" },
	/* an open section that is incomplete says what it lacks */
	{ "server {\n\troot = www\n",
	  "forkd.conf:3: server section needs a listen directive" },
	/* top-level values */
	{ "\n\naccept_mode = fast\n" SERVER,
	  "forkd.conf:3: accept_mode must be reuseport, shared or handoff, not "
	  "\"fast\"" },
	{ "worker_processes = 0\n" SERVER,
	  "forkd.conf:1: worker_processes must be auto or a number from 1 to "
	  "512, not \"0\"" },
	{ "worker_processes = 513\n" SERVER,
	  "forkd.conf:1: worker_processes must be auto or a number from 1 to "
	  "512, not \"513\"" },
	{ "worker_processes = \" 4\"\n" SERVER,
	  "forkd.conf:1: worker_processes must be auto or a number from 1 to "
	  "512, not \" 4\"" },
	{ "worker_processes = Auto\n" SERVER,
	  "forkd.conf:1: worker_processes must be auto or a number from 1 to "
	  "512, not \"Auto\"" },
	{ "error_log_level = err\n" SERVER,
	  "forkd.conf:1: error_log_level must be one of emerg, alert, crit, "
	  "error, warn, notice, info, debug, not \"err\"" },
	{ "worker_connections = 0\n" SERVER,
	  "forkd.conf:1: worker_connections must be a number from 1 to "
	  "1000000, not \"0\"" },
	{ "worker_connections = 1000001\n" SERVER,
	  "forkd.conf:1: worker_connections must be a number from 1 to "
	  "1000000, not \"1000001\"" },
	{ "worker_connections = 0x10\n" SERVER,
	  "forkd.conf:1: worker_connections must be a number from 1 to "
	  "1000000, not \"0x10\"" },
	{ "worker_connections = 184467440737095516160\n" SERVER,
	  "forkd.conf:1: worker_connections must be a number from 1 to "
	  "1000000, not \"184467440737095516160\"" },
	{ "shutdown_timeout = 25h\n" SERVER,
	  "forkd.conf:1: shutdown_timeout must be at most 24h, not \"25h\"" },
	{ "shutdown_timeout = 5x\n" SERVER,
	  "forkd.conf:1: shutdown_timeout must be a duration such as 30, "
	  "500ms, 30s, 5m or 1h, not \"5x\"" },
	{ "shutdown_timeout = 1.5s\n" SERVER,
	  "forkd.conf:1: shutdown_timeout must be a duration such as 30, "
	  "500ms, 30s, 5m or 1h, not \"1.5s\"" },
	{ "pid_file = \"\"\n" SERVER,
	  "forkd.conf:1: pid_file must not be empty" },
	{ "error_log = \"\"\n" SERVER,
	  "forkd.conf:1: error_log must not be empty" },
	{ "worker_processes = four\nworker_processes = 4\n" SERVER,
	  "forkd.conf:1: worker_processes must be auto or a number from 1 to "
	  "512, not \"four\"" },
	/* a value with a newline still gives a one-line message */
	{ "accept_mode = \"fa\\nst\"\n" SERVER,
	  "forkd.conf:1: accept_mode must be reuseport, shared or handoff, not "
	  "\"fa?st\"" },
	/* line numbers after comments of every kind */
	{ "# one\n// two\n/* three\n four */\naccept_mode = fast # "
	  "six\n" SERVER,
	  "forkd.conf:5: accept_mode must be reuseport, shared or handoff, not "
	  "\"fast\"" },
	/* server sections */
	{ "server {\n\tlisten = { \"127.0.0.1:8080\",\n"
	  "\t\t\"127.0.0.1:99999\" }\n\troot = www\n}\n",
	  "forkd.conf:3: listen \"127.0.0.1:99999\": port out of range" },
	{ "server {\n\tlisten = { \"127.0.0.1:1\", # one\n"
	  "\t\t\"127.0.0.1:0\" } // two\n\troot = www\n}\n",
	  "forkd.conf:3: listen \"127.0.0.1:0\": port out of range" },
	{ "server {\n\tlisten = \"localhost:80\"\n\troot = www\n}\n",
	  "forkd.conf:2: listen \"localhost:80\": host is not a numeric IPv4 "
	  "address (names are not looked up)" },
	{ "server {\n\tlisten = \"127.0.0.1\"\n\troot = www\n}\n",
	  "forkd.conf:2: listen \"127.0.0.1\": missing port" },
	{ "server {\n\tlisten = \"::1:80\"\n\troot = www\n}\n",
	  "forkd.conf:2: listen \"::1:80\": IPv6 addresses need brackets, "
	  "as in \"[::1]:80\"" },
	/* libconfuse drops a bare '*', leaving ":80" */
	{ "server {\n\tlisten = *:80\n\troot = www\n}\n",
	  "forkd.conf:2: listen \":80\": missing host; for every address "
	  "write \"*:port\", quoted" },
	{ "server {\n\tlisten = { \"127.0.0.1:80\", \"127.0.0.1:80\" }\n"
	  "\troot = www\n}\n",
	  "forkd.conf:2: listen \"127.0.0.1:80\": duplicate address" },
	{ "server {\n\tlisten = \"[::1]:80\"\n\tlisten += \"[0::1]:80\"\n"
	  "\troot = www\n}\n",
	  "forkd.conf:3: listen \"[0::1]:80\": same address as \"[::1]:80\"" },
	{ "server {\n\tlisten = 80\n\troot = www\n}\n"
	  "server {\n\tlisten = { 81,\n\t\t\"*:80\" }\n\troot = www\n}\n",
	  "forkd.conf:7: listen \"*:80\": same address as \"80\" of an "
	  "earlier server (forkd.conf:2); give this one a server_name" },
	{ "server {\n\tlisten = 80\n\troot = www\n\tdefault_server = true\n}\n"
	  "server {\n\tlisten = \"*:80\"\n\troot = www\n"
	  "\tdefault_server = true\n}\n",
	  "forkd.conf:7: listen \"*:80\": the server listening at "
	  "forkd.conf:2 is default_server for \"80\" already" },
	/* a wildcard and a specific address on one port: both lines named */
	{ "server {\n\tlisten = \"*:80\"\n\troot = www\n}\n"
	  "server {\n\tserver_name = b\n\tlisten = \"127.0.0.1:80\"\n"
	  "\troot = www\n}\n",
	  "forkd.conf:7: listen \"127.0.0.1:80\" overlaps \"*:80\" at "
	  "forkd.conf:2: a wildcard and a specific address cannot share a "
	  "port; listen on the same address in both and tell the servers "
	  "apart by server_name" },
	{ "server {\n\tlisten = { \"[::1]:80\",\n\t\t\"[::]:80\" }\n"
	  "\troot = www\n}\n",
	  "forkd.conf:3: listen \"[::]:80\" overlaps \"[::1]:80\" at "
	  "forkd.conf:2: a wildcard and a specific address cannot share a "
	  "port; listen on the same address in both and tell the servers "
	  "apart by server_name" },
	/* what a start would refuse, at its line */
	{ "\nuser = wwwdata-no-such\n" SERVER,
	  "forkd.conf:2: user \"wwwdata-no-such\" does not exist" },
	{ "group = no-such-group\n" SERVER,
	  "forkd.conf:1: group \"no-such-group\" does not exist" },
	{ "pid_file = /nonexistent/forkd.pid\n" SERVER,
	  "forkd.conf:1: pid_file \"/nonexistent/forkd.pid\": directory "
	  "/nonexistent: No such file or directory" },
	{ "error_log = /etc/passwd/x\n" SERVER,
	  "forkd.conf:1: error_log \"/etc/passwd/x\": Not a directory" },
	{ "error_log = /nonexistent/x\n" SERVER,
	  "forkd.conf:1: error_log \"/nonexistent/x\": directory /nonexistent: "
	  "No such file or directory" },
	{ "server {\n\tlisten = 80\n\troot = www\n\taccess_log = /\n}\n",
	  "forkd.conf:4: access_log \"/\": Is a directory" },
	{ "mime_types = /nonexistent.types\n" SERVER,
	  "forkd.conf:1: mime_types \"/nonexistent.types\": No such file or "
	  "directory" },
	{ "server {\n\tlisten = 80\n\troot = www\n"
	  "\tserver_name = { \"a.example\", \"*a.example\" }\n}\n",
	  "forkd.conf:4: server_name \"*a.example\" is not a host name or "
	  "\"*.\" and one" },
	{ "server {\n\tlisten = 80\n\troot = www\n\tserver_name = \"a b\"\n}\n",
	  "forkd.conf:4: server_name \"a b\" is not a host name or \"*.\" "
	  "and one" },
	{ "server {\n\tlisten = 80\n\troot = www\n\tserver_name = \"*.\"\n}\n",
	  "forkd.conf:4: server_name \"*.\" is not a host name or \"*.\" "
	  "and one" },
	{ "server {\n\tlisten = 80\n\troot = \"/nope\"\n}\n",
	  "forkd.conf:3: root \"/nope\": No such file or directory" },
	{ "server {\n\tlisten = 80\n\troot = \"/etc/passwd\"\n}\n",
	  "forkd.conf:3: root \"/etc/passwd\": Not a directory" },
	{ "server {\n\tlisten = 80\n\troot = \"\"\n}\n",
	  "forkd.conf:3: root must not be empty" },
	{ "server {\n\troot = www\n\n}\n",
	  "forkd.conf:4: server section needs a listen directive" },
	{ "server {\n\tlisten = {}\n\troot = www\n}\n",
	  "forkd.conf:4: server section needs a listen directive" },
	{ SERVER "server {\n\tlisten = 80\n}\n",
	  "forkd.conf:7: server section needs a root directive" },
	{ "server {\n\tlisten = 80\n\troot = www\n"
	  "\tindex = { \"index.html\", \"a/b.html\" }\n}\n",
	  "forkd.conf:4: index entries must be file names, not \"a/b.html\"" },
	{ "server {\n\tlisten = 80\n\troot = www\n\tindex = \"..\"\n}\n",
	  "forkd.conf:4: index entries must be file names, not \"..\"" },
	{ "server {\n\tlisten = 80\n\troot = www\n\taccess_log = \"\"\n}\n",
	  "forkd.conf:4: access_log must not be empty" },
	{ "server {\n\tlisten = 80\n\troot = www\n\tkeepalive_requests = "
	  "0\n}\n",
	  "forkd.conf:4: keepalive_requests must be a number from 1 to "
	  "1000000000, not \"0\"" },
	{ "server {\n\tlisten = 80\n\troot = www\n\tkeepalive_timeout = "
	  "-1\n}\n",
	  "forkd.conf:4: keepalive_timeout must be a duration such as 30, "
	  "500ms, 30s, 5m or 1h, not \"-1\"" },
	{ "server {\n\tlisten = 80\n\troot = www\n"
	  "\tkeepalive_timeout = 86400001ms\n}\n",
	  "forkd.conf:4: keepalive_timeout must be at most 24h, "
	  "not \"86400001ms\"" },
	{ "server {\n\tlisten = 80\n\troot = www\n"
	  "\tclient_header_timeout = 0\n}\n",
	  "forkd.conf:4: client_header_timeout must be more than 0, not "
	  "\"0\"" },
	{ "server {\n\tlisten = 80\n\troot = www\n\tsend_timeout = 0ms\n}\n",
	  "forkd.conf:4: send_timeout must be more than 0, not \"0ms\"" },
	/* no server at all: no line applies */
	{ "", "forkd.conf: no server section; at least one is required" },
	{ "# nothing but a comment\n",
	  "forkd.conf: no server section; at least one is required" },
	{ "worker_processes = 4\n",
	  "forkd.conf: no server section; at least one is required" },
};

START_TEST(test_bad_conf)
{
	load_fails(bad_confs[_i].text, bad_confs[_i].err);
}
END_TEST

START_TEST(test_root_relative_errors)
{
	char want[PATH_MAX + 128];

	snprintf(want, sizeof(want),
		 "forkd.conf:3: root \"%s\": No such file or directory",
		 tmp("nope"));
	load_fails("server {\n\tlisten = 80\n\troot = nope/\n}\n", want);
	snprintf(want, sizeof(want),
		 "forkd.conf:3: root \"%s\": Not a directory",
		 tmp("forkd.conf"));
	load_fails("server {\n\tlisten = 80\n\troot = forkd.conf\n}\n", want);
}
END_TEST

START_TEST(test_missing_file)
{
	ck_assert_ptr_null(config_load("nope.conf", err, sizeof(err)));
	ck_assert_str_eq(err, "nope.conf: No such file or directory");
	ck_assert_ptr_null(config_load("no/such/dir.conf", err, sizeof(err)));
	ck_assert_str_eq(err, "no/such/dir.conf: No such file or directory");
}
END_TEST

START_TEST(test_directory_is_not_a_file)
{
	ck_assert_ptr_null(config_load("www", err, sizeof(err)));
	ck_assert_str_eq(err, "www: Is a directory");
}
END_TEST

START_TEST(test_unreadable_file)
{
	write_file("forkd.conf", SERVER, strlen(SERVER));
	ck_assert_int_eq(chmod("forkd.conf", 0), 0);
	if (access("forkd.conf", R_OK) == 0)
		return; /* root reads anything: nothing to test */
	ck_assert_ptr_null(config_load("forkd.conf", err, sizeof(err)));
	ck_assert_str_eq(err, "forkd.conf: Permission denied");
}
END_TEST

START_TEST(test_nul_byte)
{
	static const char text[] =
		"worker_processes = 2\nuser = \"a\0b\"\n" SERVER;

	write_file("forkd.conf", text, sizeof(text) - 1);
	ck_assert_ptr_null(config_load("forkd.conf", err, sizeof(err)));
	ck_assert_str_eq(err, "forkd.conf:2: NUL byte in the file");
}
END_TEST

/* 64 MB at most per file; a sparse file costs nothing to make. */
START_TEST(test_too_large)
{
	int fd = open("forkd.conf", O_WRONLY | O_CREAT | O_TRUNC, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 64 * 1024 * 1024 + 1), 0);
	close(fd);
	ck_assert_ptr_null(config_load("forkd.conf", err, sizeof(err)));
	ck_assert_str_eq(err, "forkd.conf: File too large");
}
END_TEST

/* The error path as given, even when the file is elsewhere. */
START_TEST(test_error_names_file_as_given)
{
	const char *text = "\naccept_mode = fast\n";

	ck_assert_int_eq(mkdir("etc", 0755), 0);
	write_file("etc/f.conf", text, strlen(text));
	ck_assert_ptr_null(config_load("etc/f.conf", err, sizeof(err)));
	ck_assert_str_eq(err, "etc/f.conf:2: accept_mode must be reuseport, "
			      "shared or handoff, not \"fast\"");
	ck_assert_ptr_null(
		config_load("./etc/../etc/f.conf", err, sizeof(err)));
	ck_assert_str_eq(err, "./etc/../etc/f.conf:2: accept_mode must be "
			      "reuseport, shared or handoff, not \"fast\"");
}
END_TEST

/* A short buffer gets a truncated, terminated message and nothing more. */
START_TEST(test_error_truncated)
{
	char small[32];

	write_file("forkd.conf", "accept_mode = fast\n", 19);
	memset(small, 'Z', sizeof(small));
	ck_assert_ptr_null(config_load("forkd.conf", small, 8));
	ck_assert_str_eq(small, "forkd.c");
	ck_assert_int_eq(small[8], 'Z');
	ck_assert_ptr_null(config_load("forkd.conf", small, 0));
	ck_assert_int_eq(small[0], 'f');
	ck_assert_ptr_null(config_load("forkd.conf", NULL, 0));
}
END_TEST

/* No state survives a failed load: the next one starts clean. */
START_TEST(test_load_after_failures)
{
	static const char *const bad[] = {
		"server {\n\tlisten = { \"1.2.3.4:1\",\n",
		"user = \"never closed\n",
		"server {\n\tlisten = 80\n\troot = \"/nope\"\n}\n",
		"accept_mode = fast\n",
	};
	struct config *cf;

	for (size_t i = 0; i < nitems(bad); i++)
		ck_assert_ptr_null(load(bad[i]));
	cf = load_ok("\n\n" SERVER);
	ck_assert_str_eq(cf->servers[0].listen[0].text, "127.0.0.1:8080");
	config_free(cf);
	load_fails("\n\n\naccept_mode = x\n",
		   "forkd.conf:4: accept_mode must be reuseport, shared or "
		   "handoff, "
		   "not \"x\"");
}
END_TEST

START_TEST(test_free_null)
{
	config_free(NULL);
}
END_TEST

/* ------------------------------------------------- levels and CPUs */

START_TEST(test_log_levels)
{
	static const struct {
		const char *name;
		enum log_level lvl;
	} levels[] = {
		{ "emerg", LOG_LVL_EMERG }, { "alert", LOG_LVL_ALERT },
		{ "crit", LOG_LVL_CRIT },   { "error", LOG_LVL_ERR },
		{ "warn", LOG_LVL_WARN },   { "notice", LOG_LVL_NOTICE },
		{ "info", LOG_LVL_INFO },   { "debug", LOG_LVL_DEBUG },
	};
	char text[128];

	for (size_t i = 0; i < nitems(levels); i++) {
		struct config *cf;

		ck_assert_str_eq(log_level_name(levels[i].lvl), levels[i].name);
		snprintf(text, sizeof(text), "error_log_level = %s\n" SERVER,
			 levels[i].name);
		cf = load_ok(text);
		ck_assert_int_eq(cf->error_log_level, levels[i].lvl);
		config_free(cf);
	}
	ck_assert_str_eq(log_level_name((enum log_level)8), "unknown");
	ck_assert_str_eq(log_level_name((enum log_level) - 1), "unknown");
}
END_TEST

/*
 * The config owns its parsed MIME types and loading installs nothing: a
 * reload parses the new file before it knows whether it will commit, and
 * the processes still serving must keep their types (issue 11, item 4).
 */
START_TEST(test_mime_types_owned)
{
	struct config *a, *b;

	write_file("a.types", "text/x-alpha foo\n", 17);
	write_file("b.types", "text/x-beta foo\n", 16);
	mime_use(NULL);
	a = load_ok("mime_types = a.types\n" SERVER);
	ck_assert_str_eq(a->mime_types, tmp("a.types"));
	ck_assert_ptr_nonnull(a->mime);
	ck_assert_str_eq(mime_type("x.foo", 5), "application/octet-stream");
	mime_use(a->mime);
	ck_assert_str_eq(mime_type("x.foo", 5), "text/x-alpha; charset=utf-8");
	b = load_ok("mime_types = b.types\n" SERVER);
	ck_assert_str_eq(mime_type("x.foo", 5), "text/x-alpha; charset=utf-8");
	config_free(b);
	ck_assert_str_eq(mime_type("x.foo", 5), "text/x-alpha; charset=utf-8");
	config_free(a); /* the table in use: back to the built-in one */
	ck_assert_str_eq(mime_type("x.foo", 5), "application/octet-stream");

	a = load_ok("mime_types = off\n" SERVER);
	ck_assert_ptr_null(a->mime_types);
	ck_assert_ptr_null(a->mime);
	config_free(a);
	ck_assert_ptr_null(load("mime_types = no-such.types\n" SERVER));
}
END_TEST

Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("load");
	TCase *pure = tcase_create("parse");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_every_option_quoted);
	tcase_add_test(tc, test_bare_values);
	tcase_add_test(tc, test_workers_auto);
	tcase_add_test(tc, test_workers_limits);
	tcase_add_test(tc, test_user_empty_keeps_root);
	tcase_add_test(tc, test_error_log_stderr_and_path);
	tcase_add_test(tc, test_relative_paths);
	tcase_add_test(tc, test_root_trailing_slashes);
	tcase_add_test(tc, test_several_servers);
	tcase_add_test(tc, test_virtual_hosts);
	tcase_add_test(tc, test_index_append_and_empty);
	tcase_add_test(tc, test_repeated_list_appends);
	tcase_add_test(tc, test_repeated_single_value);
	tcase_add_test(tc, test_listen_same_port_other_address);
	tcase_add_test(tc, test_comments);
	tcase_add_test(tc, test_crlf_line_endings);
	tcase_add_loop_test(tc, test_bad_conf, 0, nitems(bad_confs));
	tcase_add_test(tc, test_root_relative_errors);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_directory_is_not_a_file);
	tcase_add_test(tc, test_unreadable_file);
	tcase_add_test(tc, test_nul_byte);
	tcase_add_test(tc, test_too_large);
	tcase_add_test(tc, test_error_names_file_as_given);
	tcase_add_test(tc, test_error_truncated);
	tcase_add_test(tc, test_load_after_failures);
	tcase_add_test(tc, test_log_levels);
	tcase_add_test(tc, test_mime_types_owned);
	suite_add_tcase(s, tc);

	tcase_add_test(pure, test_free_null);
	suite_add_tcase(s, pure);
	return s;
}
