/*
 * proctitle.c — process titles (see proctitle.h).
 *
 * /proc/PID/cmdline reads from the first argument to the end of the last.
 * When the byte at that end is not NUL (a title longer than the original
 * command line), the kernel goes on reading into the environment area up
 * to the first NUL; so a title may use both areas, and the bytes after it
 * are cleared so that nothing of the old command line shows.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proctitle.h"

extern char **environ;

static char *area; /* argv[0] .. the end of the contiguous strings */
static size_t area_len;

/* The end of the strings of v that follow end back to back. */
static char *contiguous_end(char **v, char *end)
{
	for (size_t i = 0; v[i] != NULL; i++)
		if (v[i] == end)
			end = v[i] + strlen(v[i]) + 1;
	return end;
}

/*
 * The strings of the area, copied in one block that stays referenced here
 * (a variable unset later must not look like a leak), and the new
 * environment's array.
 */
static char *copy;
static char **env_copy;

/* Point each string of v that lies in the area at its copy. */
static void strings_rebase(char **v)
{
	uintptr_t lo = (uintptr_t)area;

	for (size_t i = 0; v[i] != NULL; i++)
		if ((uintptr_t)v[i] - lo < area_len)
			v[i] = copy + ((uintptr_t)v[i] - lo);
}

int proctitle_init(char **argv)
{
	size_t n = 0;

	if (argv == NULL || argv[0] == NULL || area != NULL)
		return -1;
	char *end = contiguous_end(environ, contiguous_end(argv, argv[0]));
	while (environ[n] != NULL)
		n++;
	copy = malloc((size_t)(end - argv[0]));
	env_copy = calloc(n + 1, sizeof(*env_copy));
	if (copy == NULL || env_copy == NULL) {
		free(copy);
		free(env_copy);
		copy = NULL;
		env_copy = NULL;
		return -1;
	}
	area = argv[0];
	area_len = (size_t)(end - argv[0]);
	memcpy(copy, area, area_len);
	memcpy(env_copy, environ, n * sizeof(*env_copy));
	strings_rebase(env_copy);
	strings_rebase(argv);
	environ = env_copy;
	return 0;
}

void proctitle_set(const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (area == NULL || area_len < 2)
		return;
	va_start(ap, fmt);
	vsnprintf(area, area_len, fmt, ap);
	va_end(ap);
	n = strlen(area);
	memset(area + n, 0, area_len - n);
}

void proctitle_worker(unsigned gen, unsigned slot, bool draining)
{
	proctitle_set("forkd: worker process (generation %u, slot %u%s)", gen,
		      slot, draining ? ", draining" : "");
}
