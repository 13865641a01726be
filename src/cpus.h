/*
 * cpus.h — how many CPUs this process may use: its affinity mask, capped
 * by a cgroup v2 cpu.max quota.  For worker_processes = auto.
 */
#ifndef FORKD_CPUS_H
#define FORKD_CPUS_H

/* CPUs this process may use: its affinity mask, capped by the cgroup's
 * cpu.max quota (rounded up); at least 1.  Reads /proc and /sys. */
unsigned cpus_usable(void);

/*
 * The CPUs a cgroup v2 cpu.max text allows, rounded up: "150000 100000"
 * gives 2.  0 when there is no quota ("max 100000") or the text is not
 * "QUOTA PERIOD" in decimal (garbage, empty).  Pure.
 */
unsigned cpus_quota_parse(const char *text);

#endif
