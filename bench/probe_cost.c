/*
 * What asking "are these file bytes in the page cache?" costs, for a warm
 * file: preadv2(RWF_NOWAIT) of one byte, cachestat(2) over a 1 MiB range
 * (Linux 6.5), and mmap + mincore + munmap of that range.  See
 * doc/DESIGN.md, "Cold files go to the I/O pool".
 *
 *   cc -O2 -o /tmp/probe_cost bench/probe_cost.c && /tmp/probe_cost [FILE]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_cachestat
#define SYS_cachestat 451
#endif
#ifndef RWF_NOWAIT
#define RWF_NOWAIT 0x00000008
#endif

#define N 200000
#define RANGE (1 << 20)

struct cs_range { uint64_t off, len; };
struct cs { uint64_t cache, dirty, writeback, evicted, recently_evicted; };

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/tmp/forkd-probe-cost.bin";
	int fd = open(path, O_RDWR | O_CREAT, 0600);
	static char buf[RANGE];
	char one;
	struct iovec iov = { &one, 1 };
	struct cs_range r = { 0, RANGE };
	struct cs c;
	unsigned char vec[RANGE / 4096];
	long ok = 0;

	if (fd == -1 || pwrite(fd, buf, RANGE, 0) != RANGE || fsync(fd) == -1)
		return 1;
	double t0 = now();
	for (long i = 0; i < N; i++)
		ok += preadv2(fd, &iov, 1, (off_t)(i & 255) * 4096, RWF_NOWAIT) == 1;
	double t1 = now();
	for (long i = 0; i < N; i++)
		ok += syscall(SYS_cachestat, fd, &r, &c, 0) == 0 &&
		      c.cache == RANGE / 4096;
	double t2 = now();
	for (long i = 0; i < N; i++) {
		void *m = mmap(NULL, RANGE, PROT_READ, MAP_SHARED, fd, 0);
		ok += m != MAP_FAILED && mincore(m, RANGE, vec) == 0 && vec[255] & 1;
		munmap(m, RANGE);
	}
	double t3 = now();
	printf("preadv2 RWF_NOWAIT, 1 byte:   %.0f ns\n", (t1 - t0) / N * 1e9);
	printf("cachestat, 1 MiB:             %.0f ns\n", (t2 - t1) / N * 1e9);
	printf("mmap+mincore+munmap, 1 MiB:   %.0f ns\n", (t3 - t2) / N * 1e9);
	printf("(%ld of %d said resident)\n", ok, 3 * N);
	if (argc < 2)
		unlink(path);
	return 0;
}
