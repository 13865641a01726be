/*
 * cpus.c — count the CPUs this process may use.  The file reading is kept
 * apart from cpus_quota_parse(), which sees only the text, so the quota
 * arithmetic is unit-tested without a cgroup.
 */
#include <ctype.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "cpus.h"

/* Decimal digits at *sp, at most 18 of them; -1 when none. */
static int read_decimal(const char **sp, unsigned long long *out)
{
	const char *s = *sp;
	unsigned long long n = 0;
	int k;

	for (k = 0; k < 18 && isdigit((unsigned char)s[k]); k++)
		n = n * 10 + (unsigned)(s[k] - '0');
	if (k == 0 || isdigit((unsigned char)s[k]))
		return -1;
	*sp = s + k;
	*out = n;
	return 0;
}

unsigned cpus_quota_parse(const char *text)
{
	unsigned long long quota, period, n;

	if (read_decimal(&text, &quota) == -1 || *text++ != ' ' ||
	    read_decimal(&text, &period) == -1 || period == 0 ||
	    (*text != '\0' && strcmp(text, "\n") != 0))
		return 0;
	n = (quota + period - 1) / period;
	return n > 1u << 20 ? 1u << 20 : (unsigned)n;
}

/* The cpu.max text of this process's cgroup (v2), or "" without one. */
static void cgroup_cpu_max(char *buf, size_t len)
{
	char line[512], path[600];
	FILE *f = fopen("/proc/self/cgroup", "re");

	buf[0] = '\0';
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(path, sizeof(path), "/sys/fs/cgroup%s/cpu.max",
			 line + 3);
		FILE *g = fopen(path, "re");
		if (g != NULL) {
			if (fgets(buf, (int)len, g) == NULL)
				buf[0] = '\0';
			fclose(g);
		}
		break;
	}
	fclose(f);
}

static unsigned affinity_cpus(void)
{
	/* Start at glibc's fixed set; grow when the kernel has more CPUs. */
	for (size_t ncpu = CPU_SETSIZE; ncpu <= 64 * CPU_SETSIZE; ncpu *= 2) {
		size_t size = CPU_ALLOC_SIZE(ncpu);
		cpu_set_t *set = CPU_ALLOC(ncpu);
		int n;

		if (set == NULL)
			break;
		if (sched_getaffinity(0, size, set) == 0) {
			n = CPU_COUNT_S(size, set);
			CPU_FREE(set);
			return n > 0 ? (unsigned)n : 1;
		}
		CPU_FREE(set);
		if (errno != EINVAL)
			break;
	}
	return 1;
}

unsigned cpus_usable(void)
{
	char text[64];
	unsigned n = affinity_cpus(), quota;

	cgroup_cpu_max(text, sizeof(text));
	quota = cpus_quota_parse(text);
	return quota > 0 && quota < n ? quota : n;
}
