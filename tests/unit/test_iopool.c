/*
 * iopool: reads over files and pipes come back to the loop in order and
 * intact; a cancelled op never reaches its owner and its fd is closed only
 * once the thread is done with it; a full pool makes callers wait, FIFO;
 * a file plan run by the pool answers file_open as the open would have.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iopool.h"
#include "suites.h"

static struct event_loop loop;
static struct iopool pool;
static char dir[64];
static int dirfd_ = -1;
static int ndone;

static void setup(void)
{
	ck_assert_int_eq(event_loop_init(&loop), 0);
	strcpy(dir, "/tmp/forkd-test-iopool-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	dirfd_ = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ne(dirfd_, -1);
	ndone = 0;
}

static void teardown(void)
{
	file_plan_use(NULL);
	unlinkat(dirfd_, "data.bin", 0);
	unlinkat(dirfd_, "sub/a.txt", 0);
	unlinkat(dirfd_, "sub", AT_REMOVEDIR);
	close(dirfd_);
	rmdir(dir);
	event_loop_close(&loop);
}

static void put_file(const char *name, size_t size)
{
	int fd = openat(dirfd_, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			0644);

	unsigned char *b = malloc(size);

	ck_assert_int_ne(fd, -1);
	for (size_t i = 0; i < size; i++)
		b[i] = (unsigned char)(i * 7 + i / 251);
	ck_assert_int_eq(write(fd, b, size), (ssize_t)size);
	free(b);
	close(fd);
}

/* Run the loop until cond holds (or 5 s pass). */
#define RUN_UNTIL(cond)                                                 \
	do {                                                            \
		for (int i_ = 0; i_ < 500 && !(cond); i_++) {           \
			ck_assert_int_ge(event_run_once(&loop, 10), 0); \
			iopool_dispatch(&pool);                         \
		}                                                       \
		ck_assert(cond);                                        \
	} while (0)

static void count_done(struct iop *op)
{
	ndone++;
}

START_TEST(test_read_file)
{
	put_file("data.bin", 3 * IOPOOL_CHUNK + 100);
	int fd = openat(dirfd_, "data.bin", O_RDONLY | O_CLOEXEC);
	struct iop *ops[4];

	ck_assert_int_eq(iopool_init(&pool, &loop, 2, 8), 0);
	for (int k = 0; k < 4; k++) {
		ops[k] = iopool_get(&pool);
		ck_assert_ptr_nonnull(ops[k]);
		ops[k]->kind = IOP_READ;
		ops[k]->fd = fd;
		ops[k]->off = (off_t)k * IOPOOL_CHUNK;
		ops[k]->len = IOPOOL_CHUNK;
		ops[k]->done = count_done;
		ck_assert_int_eq(iopool_submit(&pool, ops[k]), 0);
	}
	ck_assert_uint_eq(pool.offloaded, 4);
	RUN_UNTIL(ndone == 4);
	ck_assert_uint_eq(pool.in_flight, 0);
	ck_assert_uint_eq(iopool_queued(&pool), 0);
	for (int k = 0; k < 4; k++) {
		size_t want = k < 3 ? IOPOOL_CHUNK : 100;
		ck_assert_int_eq(ops[k]->res, (ssize_t)want);
		for (size_t i = 0; i < want; i++) {
			size_t at = (size_t)k * IOPOOL_CHUNK + i;
			ck_assert_uint_eq((unsigned char)ops[k]->buf[i],
					  (unsigned char)(at * 7 + at / 251));
		}
		iopool_put(&pool, ops[k]);
	}
	close(fd);
	iopool_close(&pool);
}
END_TEST

/* A read that fails reports its errno. */
START_TEST(test_read_error)
{
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(iopool_init(&pool, &loop, 1, 1), 0);
	struct iop *op = iopool_get(&pool);
	op->kind = IOP_READ;
	op->fd = p[0]; /* pread on a pipe: ESPIPE */
	op->len = 10;
	op->done = count_done;
	ck_assert_int_eq(iopool_submit(&pool, op), 0);
	RUN_UNTIL(ndone == 1);
	ck_assert_int_eq(op->res, -1);
	ck_assert_int_eq(op->err, ESPIPE);
	iopool_put(&pool, op);
	close(p[0]);
	close(p[1]);
	iopool_close(&pool);
}
END_TEST

static struct iopool_waiter waiter;
static int nready;

static void on_ready(struct iopool_waiter *wt)
{
	nready++;
}

/* A read at off -1 is a read(): on an empty pipe, it blocks its thread
 * until the pipe is written to. */
static void block_on_pipe(struct iop *op, int rfd)
{
	op->kind = IOP_READ;
	op->fd = rfd;
	op->off = -1;
	op->len = 1;
	op->done = count_done;
}

START_TEST(test_cancel_in_flight)
{
	int p[2];

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_eq(iopool_init(&pool, &loop, 1, 1), 0);
	struct iop *op = iopool_get(&pool);
	block_on_pipe(op, p[0]);
	ck_assert_int_eq(iopool_submit(&pool, op), 0);
	for (int i = 0; i < 500 && iopool_queued(&pool) != 0; i++)
		usleep(1000); /* until the thread took it, and blocks */
	iopool_cancel(&pool, op, true);
	waiter.ready = on_ready;
	ck_assert_ptr_null(iopool_get(&pool));
	iopool_wait(&pool, &waiter);
	ck_assert_int_eq(event_run_once(&loop, 50), 0);
	iopool_dispatch(&pool);
	/* The fd is the op's now: open while the thread may still use it. */
	ck_assert_int_ne(fcntl(p[0], F_GETFD), -1);
	ck_assert_int_eq(write(p[1], "x", 1), 1);
	RUN_UNTIL(pool.in_flight == 0);
	ck_assert_int_eq(ndone, 0);  /* the owner never hears */
	ck_assert_int_eq(nready, 1); /* the op went back, to the waiter */
	ck_assert_int_eq(fcntl(p[0], F_GETFD), -1);
	ck_assert_int_eq(errno, EBADF);
	close(p[1]);
	iopool_close(&pool);
}
END_TEST

START_TEST(test_cancel_held)
{
	int p[2];

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_eq(iopool_init(&pool, &loop, 1, 1), 0);
	struct iop *op = iopool_get(&pool);
	op->fd = p[0];
	iopool_cancel(&pool, op, true);
	ck_assert_int_eq(fcntl(p[0], F_GETFD), -1);
	ck_assert_ptr_nonnull(iopool_get(&pool));
	close(p[1]);
	iopool_close(&pool);
}
END_TEST

static int order[2], norder;
static struct iop *taken;

/* A waiter takes the op it was told of, as a connection does. */
static void on_first(struct iopool_waiter *wt)
{
	order[norder++] = 1;
	taken = iopool_get(&pool);
}

static void on_second(struct iopool_waiter *wt)
{
	order[norder++] = 2;
	taken = iopool_get(&pool);
}

/* One thread blocked, the queue behind it, every op in use: get says
 * EAGAIN and waiters are called in order as ops come back. */
START_TEST(test_full_waits)
{
	static struct iopool_waiter w1, w2;
	int p[2];

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_eq(iopool_init(&pool, &loop, 1, 2), 0);
	struct iop *a = iopool_get(&pool), *b = iopool_get(&pool);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	block_on_pipe(a, p[0]);
	block_on_pipe(b, p[0]);
	ck_assert_int_eq(iopool_submit(&pool, a), 0);
	ck_assert_int_eq(iopool_submit(&pool, b), 0);
	for (int i = 0; i < 500 && iopool_queued(&pool) != 1; i++)
		usleep(1000);
	ck_assert_uint_eq(iopool_queued(&pool), 1); /* b, behind a */
	ck_assert_uint_eq(pool.in_flight, 2);
	errno = 0;
	ck_assert_ptr_null(iopool_get(&pool));
	ck_assert_int_eq(errno, EAGAIN);
	w1.ready = on_first;
	w2.ready = on_second;
	iopool_wait(&pool, &w1);
	iopool_wait(&pool, &w2);
	ck_assert_int_eq(write(p[1], "xy", 2), 2);
	RUN_UNTIL(ndone == 2);
	ck_assert_int_eq(norder, 0); /* nothing came back yet */
	iopool_put(&pool, a);
	ck_assert_int_eq(norder, 0); /* waiters hear of it between waits */
	iopool_dispatch(&pool);
	ck_assert_int_eq(norder, 1);
	ck_assert_int_eq(order[0], 1);
	ck_assert_ptr_eq(taken, a);
	ck_assert(!w1.waiting);
	ck_assert(w2.waiting);     /* no op left for it */
	iopool_unwait(&pool, &w2); /* gone, e.g. its connection closed */
	iopool_put(&pool, b);
	iopool_put(&pool, taken);
	iopool_dispatch(&pool);
	ck_assert_int_eq(norder, 1);
	close(p[0]);
	close(p[1]);
	iopool_close(&pool);
}
END_TEST

START_TEST(test_plan_open)
{
	struct stat st;
	char buf[8] = { 0 };

	ck_assert_int_eq(mkdirat(dirfd_, "sub", 0755), 0);
	int fd = openat(dirfd_, "sub/a.txt", O_WRONLY | O_CREAT | O_CLOEXEC,
			0644);
	ck_assert_int_eq(write(fd, "hello", 5), 5);
	close(fd);
	ck_assert_int_eq(iopool_init(&pool, &loop, 1, 1), 0);
	struct iop *op = iopool_get(&pool);
	op->kind = IOP_PLAN;
	op->done = count_done;
	op->plan->mode = FILE_PLAN_ALL;
	file_plan_use(op->plan);
	errno = 0;
	ck_assert_int_eq(file_open(dirfd_, "/sub/a.txt", SYMLINKS_FOLLOW, &st),
			 -1);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_int_eq(file_open(dirfd_, "/sub/none", SYMLINKS_FOLLOW, &st),
			 -1);
	ck_assert_int_eq(file_stat(dirfd_, "sub/a.txt", &st), -1);
	ck_assert_uint_eq(op->plan->pending, 3);
	file_plan_use(NULL);
	ck_assert_int_eq(iopool_submit(&pool, op), 0);
	RUN_UNTIL(ndone == 1);
	file_plan_use(op->plan);
	fd = file_open(dirfd_, "/sub/a.txt", SYMLINKS_FOLLOW, &st);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(st.st_size, 5);
	ck_assert_int_eq(pread(fd, buf, sizeof(buf), 0), 5);
	ck_assert_str_eq(buf, "hello");
	close(fd);
	ck_assert_int_eq(file_open(dirfd_, "/sub/none", SYMLINKS_FOLLOW, &st),
			 -1);
	ck_assert_int_eq(errno, ENOENT);
	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(file_stat(dirfd_, "sub/a.txt", &st), 0);
	ck_assert_int_eq(st.st_size, 5);
	file_plan_use(NULL);
	iopool_cancel(&pool, op, false); /* clears the plan: its fds close */
	iopool_close(&pool);
}
END_TEST

/* A listing planned and cancelled: its directory fd is closed. */
START_TEST(test_plan_listing_cancelled)
{
	size_t len = 0;
	time_t newest = 0;

	ck_assert_int_eq(iopool_init(&pool, &loop, 1, 1), 0);
	struct iop *op = iopool_get(&pool);
	op->kind = IOP_PLAN;
	op->done = count_done;
	op->plan->mode = FILE_PLAN_CACHED;
	file_plan_use(op->plan);
	int dfd = openat(dirfd_, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_eq(
		file_listing(dfd, "/", false, AUTOINDEX_HTML, &len, &newest),
		-1);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_int_ne(fcntl(dfd, F_GETFD), -1); /* the plan's now */
	file_plan_use(NULL);
	ck_assert_int_eq(iopool_submit(&pool, op), 0);
	iopool_cancel(&pool, op, false);
	RUN_UNTIL(pool.in_flight == 0);
	ck_assert_int_eq(ndone, 0);
	ck_assert_int_eq(fcntl(dfd, F_GETFD), -1);
	iopool_close(&pool);
}
END_TEST

/* CACHED mode: a lookup the dentry cache holds is made at once. */
START_TEST(test_plan_cached_hit)
{
	struct stat st;
	struct file_plan *plan = calloc(1, sizeof(*plan));

	put_file("data.bin", 10);
	plan->mode = FILE_PLAN_CACHED;
	file_plan_use(plan);
	int fd = file_open(dirfd_, "/data.bin", SYMLINKS_FOLLOW, &st);
	ck_assert_int_ge(fd, 0); /* just written: cached */
	ck_assert_uint_eq(plan->pending, 0);
	close(fd);
	file_plan_use(NULL);
	free(plan);
}
END_TEST

Suite *iopool_suite(void)
{
	Suite *s = suite_create("iopool");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_read_file);
	tcase_add_test(tc, test_read_error);
	tcase_add_test(tc, test_cancel_in_flight);
	tcase_add_test(tc, test_cancel_held);
	tcase_add_test(tc, test_full_waits);
	tcase_add_test(tc, test_plan_open);
	tcase_add_test(tc, test_plan_listing_cancelled);
	tcase_add_test(tc, test_plan_cached_hit);
	suite_add_tcase(s, tc);
	return s;
}
