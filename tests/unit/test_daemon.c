/* daemon.c: the terminal that started `forkd -d` hears how the start went. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "suites.h"

enum outcome {
	SERVES,
	FAILS,
	DIES
};

/*
 * Fork a process that detaches and then reports as told; return what the
 * waiting process (the one a terminal would wait on) printed on stderr,
 * and its exit status in *status.
 */
static char *detach_and(enum outcome how, int *status)
{
	static char out[2048];
	int errp[2];
	pid_t pid;
	ssize_t n, len = 0;

	ck_assert_int_eq(pipe(errp), 0);
	if ((pid = fork()) == 0) {
		int fd;

		dup2(errp[1], STDERR_FILENO);
		close(errp[0]);
		close(errp[1]);
		if (daemon_detach(&fd) == -1)
			_exit(99);
		/* the daemon: stderr is /dev/null now */
		if (how == SERVES)
			daemon_report_ready(&fd);
		else if (how == FAILS)
			daemon_report_failure(&fd,
					      "listen 127.0.0.1:1: no luck");
		_exit(0);
	}
	close(errp[1]);
	while ((n = read(errp[0], out + len, sizeof(out) - 1 - (size_t)len)) >
	       0)
		len += n;
	out[len] = '\0';
	close(errp[0]);
	ck_assert_int_eq(waitpid(pid, status, 0), pid);
	return out;
}

START_TEST(test_daemon_ready_exits_0)
{
	int status;
	char *err = detach_and(SERVES, &status);

	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_str_eq(err, "");
}
END_TEST

START_TEST(test_daemon_failure_printed)
{
	int status;
	char *err = detach_and(FAILS, &status);

	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 1);
	ck_assert_str_eq(err,
			 "forkd: cannot start: listen 127.0.0.1:1: no luck\n");
}
END_TEST

START_TEST(test_daemon_died_says_so)
{
	int status;
	char *err = detach_and(DIES, &status);

	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 1);
	ck_assert_ptr_nonnull(strstr(err, "see the error log"));
}
END_TEST

Suite *daemon_suite(void)
{
	Suite *s = suite_create("daemon");
	TCase *tc = tcase_create("detach");

	tcase_add_test(tc, test_daemon_ready_exits_0);
	tcase_add_test(tc, test_daemon_failure_printed);
	tcase_add_test(tc, test_daemon_died_says_so);
	suite_add_tcase(s, tc);
	return s;
}
