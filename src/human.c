/*
 * human.c — numbers for people (status page, listings).
 */
#include <stdio.h>

#include "human.h"

static size_t length(int n, size_t outsz)
{
	return n < 0 ? 0 : (size_t)n < outsz ? (size_t)n : outsz - 1;
}

size_t human_bytes(uint64_t n, char *out, size_t outsz)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB",
					    "TiB", "PiB", "EiB" };
	double v = (double)n;
	size_t u = 0;

	if (n < 1024)
		return length(snprintf(out, outsz, "%u B", (unsigned)n), outsz);
	v /= 1024;
	/* Move up while the rounded figure would reach 1024 of this unit. */
	while (v >= 1023.5 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		v /= 1024;
		u++;
	}
	if (v < 99.95)
		return length(snprintf(out, outsz, "%.1f %s", v, unit[u]),
			      outsz);
	return length(snprintf(out, outsz, "%.0f %s", v, unit[u]), outsz);
}

size_t human_duration(uint64_t s, char *out, size_t outsz)
{
	unsigned long long d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60;
	unsigned long long sec = s % 60;
	int n;

	if (d > 0)
		n = snprintf(out, outsz, "%llud %02lluh", d, h);
	else if (h > 0)
		n = snprintf(out, outsz, "%lluh %02llum", h, m);
	else if (m > 0)
		n = snprintf(out, outsz, "%llum %02llus", m, sec);
	else
		n = snprintf(out, outsz, "%llus", sec);
	return length(n, outsz);
}
