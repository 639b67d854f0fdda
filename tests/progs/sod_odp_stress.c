// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sod_odp_stress: ODP coherence under racing invalidations (one process,
 * loopback on one device).
 *
 *   sod_odp_stress --dev NAME [--seconds N] [--workers N] [--gid-index N]
 *
 * One anonymous region of 2 MiB per worker plus one page of counters is
 * registered with IBV_ACCESS_ON_DEMAND once.  Each worker owns one RC QP
 * pair (requester A -> responder B, both on the device) and its own slice
 * of the region, and loops:
 *   1. RDMA WRITE of a fresh pattern (worker, round, offset) into its
 *      slice, from an ODP source buffer;
 *   2. the CPU checks the slice (the device wrote the pages the process
 *      sees, not stale ones);
 *   3. RDMA READ of the slice into an ODP sink, checked;
 *   4. SEND from the slice into a receive buffer that is itself ODP
 *      memory of the region's receive area, checked;
 *   5. FETCH_ADD +1 on the worker's counter, whose old value must be the
 *      number of earlier rounds, and a CMP_SWP with a stale compare value
 *      that must not store.
 * Meanwhile invalidator threads keep changing the process's page tables:
 *   - without any lock, contents-preserving changes that race with the
 *     device's accesses: fork() (write-protects every page; the child
 *     writes its own copy of a slice, which must never reach the device
 *     and then exits), memory compaction (migrates pages), MADV_COLD +
 *     MADV_PAGEOUT, THP collapse (MADV_COLLAPSE) and a split of it
 *     (mprotect of one page inside a huge page and back), KSM merging;
 *   - destructive changes (MADV_DONTNEED, munmap + mmap MAP_FIXED with new
 *     contents, mprotect PROT_READ and back) on a slice between two rounds
 *     of its worker (under the slice's lock), so the next round must see
 *     the new mapping.
 * At the end every counter must equal its worker's number of rounds.
 * Prints a summary line; exit status as in sod_common.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sod_common.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_COLD
#define MADV_COLD 20
#endif

#define IB_PORT 1
#define SLICE (2UL << 20)		/* bytes of region per worker */
#define XFER (256UL << 10)		/* bytes moved per operation */
#define MAX_WORKERS 4
#define POLL_MS 20000

static const char usage[] =
	"--dev NAME [--seconds N] [--workers N] [--gid-index N]\n"
	"  --dev NAME      RDMA device\n"
	"  --seconds N     how long the invalidators run (default 60)\n"
	"  --workers N     QP pairs, 1..4 (default 2)\n"
	"  --gid-index N   GID to use (default: the first RoCE v2 IPv4 GID)\n";

struct worker {
	int id;
	pthread_t thread;
	pthread_mutex_t lock;	/* held for a round; invalidators take it */
	struct ibv_cq *cq;
	struct ibv_qp *a, *b;
	char *slice;		/* in the region */
	char *rbuf;		/* receive area in the region */
	char *src, *sink;	/* ODP buffers of their own */
	struct ibv_mr *src_mr, *sink_mr;
	uint64_t rounds;
	char why[256];
	bool failed;
};

static struct ibv_context *ctx;
static struct ibv_pd *pd;
static union ibv_gid gid;
static int gid_index = -1;
static char *region;		/* slices, then receive areas, then counters */
static size_t region_len;
static struct ibv_mr *region_mr;
static struct worker workers[MAX_WORKERS];
static int nworkers = 2;
static atomic_bool stop;
static atomic_ulong n_fork, n_compact, n_pageout, n_collapse, n_ksm,
	n_dontneed, n_remap, n_mprotect;

static char *slice_of(int w) { return region + (size_t)w * SLICE; }
static char *rbuf_of(int w) { return region + (size_t)(nworkers + w) * SLICE; }
static uint64_t *counter_of(int w)
{
	return (uint64_t *)(region + (size_t)2 * nworkers * SLICE) + w * 8;
}

static uint8_t pat(int w, uint64_t round, size_t off, int kind)
{
	uint64_t x = (uint64_t)w * 0x9e3779b97f4a7c15ull ^ round * 0xbf58476d1ce4e5b9ull ^
		     (off >> 3) * 0x94d049bb133111ebull ^ (uint64_t)kind << 56;

	x ^= x >> 31;
	return (uint8_t)(x >> (8 * (off & 7)));
}

static void fill(char *p, size_t len, int w, uint64_t round, int kind)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (char)pat(w, round, i, kind);
}

/* Offset of the first byte that differs from the pattern, or -1. */
static long check(const char *p, size_t len, int w, uint64_t round, int kind)
{
	for (size_t i = 0; i < len; i++)
		if ((uint8_t)p[i] != pat(w, round, i, kind))
			return (long)i;
	return -1;
}

static struct ibv_qp *make_qp(struct ibv_cq *cq)
{
	struct ibv_qp_init_attr ia = {
		.send_cq = cq, .recv_cq = cq, .qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 8, .max_recv_wr = 8,
			 .max_send_sge = 2, .max_recv_sge = 2 },
	};
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_INIT, .port_num = IB_PORT,
		.qp_access_flags = IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ |
				   IBV_ACCESS_REMOTE_ATOMIC,
	};
	struct ibv_qp *qp = ibv_create_qp(pd, &ia);

	if (!qp)
		return NULL;
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
			  IBV_QP_ACCESS_FLAGS)) {
		ibv_destroy_qp(qp);
		return NULL;
	}
	return qp;
}

static int connect_qp(struct ibv_qp *qp, uint32_t dest)
{
	struct ibv_port_attr pa;
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_RTR, .dest_qp_num = dest, .rq_psn = 1,
		.max_dest_rd_atomic = 4, .min_rnr_timer = 1,
		.ah_attr = { .is_global = 1, .port_num = IB_PORT,
			     .grh = { .dgid = gid, .sgid_index = (uint8_t)gid_index,
				      .hop_limit = 64 } },
	};

	if (ibv_query_port(ctx, IB_PORT, &pa))
		return -1;
	a.path_mtu = pa.active_mtu;
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
			  IBV_QP_DEST_QPN | IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC |
			  IBV_QP_MIN_RNR_TIMER))
		return -1;
	a.qp_state = IBV_QPS_RTS;
	a.sq_psn = 1;
	a.timeout = 18;	/* 1 s: see docs/odp.md, "Fault latency and the ACK timeout" */
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.max_rd_atomic = 4;
	return ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_SQ_PSN | IBV_QP_TIMEOUT |
			     IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
			     IBV_QP_MAX_QP_RD_ATOMIC);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Wait for @n completions of @w's CQ, all successful. */
static int wait_wc(struct worker *w, int n, struct ibv_wc *last)
{
	uint64_t deadline = now_ms() + POLL_MS;
	struct ibv_wc wc;

	while (n > 0) {
		int r = ibv_poll_cq(w->cq, 1, &wc);

		if (r < 0) {
			snprintf(w->why, sizeof(w->why), "poll_cq failed");
			return -1;
		}
		if (!r) {
			if (now_ms() > deadline) {
				snprintf(w->why, sizeof(w->why),
					 "no completion within %d ms", POLL_MS);
				return -1;
			}
			continue;
		}
		if (wc.status != IBV_WC_SUCCESS) {
			snprintf(w->why, sizeof(w->why), "wr_id %" PRIu64 ": %s",
				 wc.wr_id, ibv_wc_status_str(wc.status));
			return -1;
		}
		if (last)
			*last = wc;
		n--;
	}
	return 0;
}

static int post1(struct worker *w, enum ibv_wr_opcode op, void *addr,
		 uint32_t len, uint32_t lkey, void *raddr, uint64_t cmp,
		 uint64_t add)
{
	struct ibv_sge sge = { .addr = (uintptr_t)addr, .length = len, .lkey = lkey };
	struct ibv_send_wr wr = {
		.wr_id = op, .sg_list = &sge, .num_sge = 1, .opcode = op,
		.send_flags = IBV_SEND_SIGNALED,
	}, *bad;

	if (op == IBV_WR_ATOMIC_FETCH_AND_ADD || op == IBV_WR_ATOMIC_CMP_AND_SWP) {
		wr.wr.atomic.remote_addr = (uintptr_t)raddr;
		wr.wr.atomic.rkey = region_mr->rkey;
		wr.wr.atomic.compare_add = op == IBV_WR_ATOMIC_CMP_AND_SWP ? cmp : add;
		wr.wr.atomic.swap = add;
	} else if (op != IBV_WR_SEND) {
		wr.wr.rdma.remote_addr = (uintptr_t)raddr;
		wr.wr.rdma.rkey = region_mr->rkey;
	}
	if (ibv_post_send(w->a, &wr, &bad)) {
		snprintf(w->why, sizeof(w->why), "post_send %d failed", op);
		return -1;
	}
	return 0;
}

static int round_once(struct worker *w)
{
	uint64_t r = w->rounds;
	uint64_t *res = (uint64_t *)w->sink;
	struct ibv_sge rsge = { .addr = (uintptr_t)w->rbuf, .length = XFER,
				.lkey = region_mr->lkey };
	struct ibv_recv_wr rwr = { .wr_id = 99, .sg_list = &rsge, .num_sge = 1 }, *rbad;
	long bad;

	/* 1-2: WRITE into the slice, seen by the CPU */
	fill(w->src, XFER, w->id, r, 1);
	if (post1(w, IBV_WR_RDMA_WRITE, w->src, XFER, w->src_mr->lkey, w->slice, 0, 0) ||
	    wait_wc(w, 1, NULL))
		return -1;
	bad = check(w->slice, XFER, w->id, r, 1);
	if (bad >= 0) {
		snprintf(w->why, sizeof(w->why),
			 "round %" PRIu64 ": WRITE: CPU sees a stale byte at %ld", r, bad);
		return -1;
	}
	/* 3: READ it back into an ODP sink */
	memset(w->sink, 0xa5, XFER);
	if (post1(w, IBV_WR_RDMA_READ, w->sink, XFER, w->sink_mr->lkey, w->slice, 0, 0) ||
	    wait_wc(w, 1, NULL))
		return -1;
	bad = check(w->sink, XFER, w->id, r, 1);
	if (bad >= 0) {
		snprintf(w->why, sizeof(w->why),
			 "round %" PRIu64 ": READ: wrong byte at %ld", r, bad);
		return -1;
	}
	/* 4: SEND from the slice (CPU-written now) into the receive area */
	fill(w->slice, XFER, w->id, r, 2);
	memset(w->rbuf, 0x5a, XFER);
	if (ibv_post_recv(w->b, &rwr, &rbad)) {
		snprintf(w->why, sizeof(w->why), "post_recv failed");
		return -1;
	}
	if (post1(w, IBV_WR_SEND, w->slice, XFER, region_mr->lkey, NULL, 0, 0) ||
	    wait_wc(w, 2, NULL))
		return -1;
	bad = check(w->rbuf, XFER, w->id, r, 2);
	if (bad >= 0) {
		snprintf(w->why, sizeof(w->why),
			 "round %" PRIu64 ": SEND: wrong byte at %ld", r, bad);
		return -1;
	}
	/* 5: atomics on the counter */
	*res = ~0ull;
	if (post1(w, IBV_WR_ATOMIC_FETCH_AND_ADD, res, 8, w->sink_mr->lkey,
		  counter_of(w->id), 0, 1) || wait_wc(w, 1, NULL))
		return -1;
	if (*res != r) {
		snprintf(w->why, sizeof(w->why), "round %" PRIu64 ": FETCH_ADD returned %" PRIu64,
			 r, *res);
		return -1;
	}
	if (post1(w, IBV_WR_ATOMIC_CMP_AND_SWP, res, 8, w->sink_mr->lkey,
		  counter_of(w->id), r, 12345) || wait_wc(w, 1, NULL))
		return -1;
	if (*res != r + 1) {
		snprintf(w->why, sizeof(w->why), "round %" PRIu64 ": CMP_SWP returned %" PRIu64
			 " (want %" PRIu64 ")", r, *res, r + 1);
		return -1;
	}
	w->rounds++;
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	while (!atomic_load(&stop)) {
		int err;

		pthread_mutex_lock(&w->lock);
		err = round_once(w);
		pthread_mutex_unlock(&w->lock);
		if (err) {
			w->failed = true;
			atomic_store(&stop, true);
			break;
		}
	}
	return NULL;
}

static unsigned int rnd(unsigned int *seed, unsigned int n)
{
	return (unsigned int)rand_r(seed) % n;
}

/* fork: the child writes its copy of a slice and exits; the parent's
 * device mappings must never reach the child's pages. */
static void do_fork(unsigned int *seed)
{
	int w = (int)rnd(seed, (unsigned int)nworkers);
	pid_t pid = fork();

	if (pid == 0) {
		memset(counter_of(w) + 1, 0x77, 8);
		memset(slice_of(w), 0x66, 4096);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	atomic_fetch_add(&n_fork, 1);
}

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return;
	if (write(fd, s, strlen(s)) < 0) {
		/* not available in this kernel: fine */
	}
	close(fd);
}

static void *racer_main(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg;

	while (!atomic_load(&stop)) {
		int w = (int)rnd(&seed, (unsigned int)nworkers);
		char *s = slice_of(w);

		switch (rnd(&seed, 5)) {
		case 0:
			do_fork(&seed);
			break;
		case 1:
			write_file("/proc/sys/vm/compact_memory", "1");
			atomic_fetch_add(&n_compact, 1);
			break;
		case 2:
			madvise(s, SLICE, MADV_COLD);
			madvise(s, SLICE, MADV_PAGEOUT);
			atomic_fetch_add(&n_pageout, 1);
			break;
		case 3:
			/* collapse into a THP, then split it with mprotect */
			madvise(s, SLICE, MADV_HUGEPAGE);
			madvise(s, SLICE, MADV_COLLAPSE);
			pthread_mutex_lock(&workers[w].lock);
			mprotect(s + 4096, 4096, PROT_READ);
			mprotect(s + 4096, 4096, PROT_READ | PROT_WRITE);
			pthread_mutex_unlock(&workers[w].lock);
			atomic_fetch_add(&n_collapse, 1);
			break;
		case 4:
			madvise(region, region_len, MADV_MERGEABLE);
			atomic_fetch_add(&n_ksm, 1);
			break;
		}
	}
	return NULL;
}

static void *wrecker_main(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg;

	while (!atomic_load(&stop)) {
		int w = (int)rnd(&seed, (unsigned int)nworkers);
		char *s = slice_of(w);
		void *p;

		pthread_mutex_lock(&workers[w].lock);
		switch (rnd(&seed, 3)) {
		case 0:
			madvise(s, SLICE, MADV_DONTNEED);
			atomic_fetch_add(&n_dontneed, 1);
			break;
		case 1:
			p = mmap(s, SLICE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			if (p == MAP_FAILED) {
				snprintf(workers[w].why, sizeof(workers[w].why),
					 "mmap MAP_FIXED: %s", strerror(errno));
				workers[w].failed = true;
				atomic_store(&stop, true);
			} else {
				memset(s, 0x3c, SLICE);
			}
			atomic_fetch_add(&n_remap, 1);
			break;
		case 2:
			mprotect(s, SLICE, PROT_READ);
			mprotect(s, SLICE, PROT_READ | PROT_WRITE);
			atomic_fetch_add(&n_mprotect, 1);
			break;
		}
		pthread_mutex_unlock(&workers[w].lock);
		sched_yield();
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "seconds", required_argument, NULL, 's' },
		{ "workers", required_argument, NULL, 'w' },
		{ "gid-index", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *dev = NULL;
	long seconds = 60, v;
	int c, code, rc = SOD_EXIT_OK;
	int acc = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
		  IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_ATOMIC |
		  IBV_ACCESS_ON_DEMAND;
	pthread_t racer, wrecker;
	uint64_t total = 0, t0;

	sod_init(argv[0]);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dev = optarg;
			break;
		case 's':
			if (!sod_parse_long(optarg, 1, 3600, &seconds))
				sod_usage_error(usage, "invalid --seconds");
			break;
		case 'w':
			if (!sod_parse_long(optarg, 1, MAX_WORKERS, &v))
				sod_usage_error(usage, "invalid --workers");
			nworkers = (int)v;
			break;
		case 'g':
			sod_opt_long(usage, "gid-index", optarg, 0, 255, &v);
			gid_index = (int)v;
			break;
		default:
			sod_opt_other(c, usage, argv);
		}
	}
	sod_opt_done(usage, argc, argv, dev);

	ctx = sod_open_device(dev, &code);
	if (!ctx)
		return code;
	pd = ibv_alloc_pd(ctx);
	if (!pd) {
		sod_err("alloc_pd failed");
		return SOD_EXIT_FAIL;
	}
	if (gid_index < 0)
		gid_index = sod_roce_v2_ipv4_gid(ctx, IB_PORT);
	if (gid_index < 0 || ibv_query_gid(ctx, IB_PORT, gid_index, &gid)) {
		sod_err("no RoCE v2 IPv4 GID");
		return SOD_EXIT_USAGE;
	}

	/* slices, receive areas, one page of counters */
	region_len = (size_t)2 * nworkers * SLICE + 4096;
	region = mmap(NULL, region_len + SLICE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED) {
		sod_err("mmap: %s", strerror(errno));
		return SOD_EXIT_FAIL;
	}
	/* 2 MiB alignment, so that a slice can become a huge page */
	region = (char *)(((uintptr_t)region + SLICE - 1) & ~(SLICE - 1));
	region_mr = ibv_reg_mr(pd, region, region_len, acc);
	if (!region_mr) {
		sod_err("ODP ibv_reg_mr of the region: %s", strerror(errno));
		return SOD_EXIT_FAIL;
	}

	for (int i = 0; i < nworkers; i++) {
		struct worker *w = &workers[i];

		w->id = i;
		pthread_mutex_init(&w->lock, NULL);
		w->slice = slice_of(i);
		w->rbuf = rbuf_of(i);
		w->src = mmap(NULL, XFER, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		w->sink = mmap(NULL, XFER, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (w->src == MAP_FAILED || w->sink == MAP_FAILED) {
			sod_err("mmap: %s", strerror(errno));
			return SOD_EXIT_FAIL;
		}
		w->src_mr = ibv_reg_mr(pd, w->src, XFER, acc);
		w->sink_mr = ibv_reg_mr(pd, w->sink, XFER, acc);
		w->cq = ibv_create_cq(ctx, 16, NULL, NULL, 0);
		if (!w->src_mr || !w->sink_mr || !w->cq) {
			sod_err("worker %d: MR/CQ setup failed", i);
			return SOD_EXIT_FAIL;
		}
		w->a = make_qp(w->cq);
		w->b = make_qp(w->cq);
		if (!w->a || !w->b || connect_qp(w->a, w->b->qp_num) ||
		    connect_qp(w->b, w->a->qp_num)) {
			sod_err("worker %d: QP setup failed", i);
			return SOD_EXIT_FAIL;
		}
	}

	t0 = now_ms();
	for (int i = 0; i < nworkers; i++)
		pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
	pthread_create(&racer, NULL, racer_main, (void *)(uintptr_t)1);
	pthread_create(&wrecker, NULL, wrecker_main, (void *)(uintptr_t)2);
	while (!atomic_load(&stop) && now_ms() - t0 < (uint64_t)seconds * 1000) {
		struct timespec ts = { .tv_nsec = 100 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	atomic_store(&stop, true);
	pthread_join(racer, NULL);
	pthread_join(wrecker, NULL);
	for (int i = 0; i < nworkers; i++)
		pthread_join(workers[i].thread, NULL);

	for (int i = 0; i < nworkers; i++) {
		struct worker *w = &workers[i];

		total += w->rounds;
		if (w->failed) {
			sod_err("FAIL worker %d: %s", i, w->why);
			rc = SOD_EXIT_FAIL;
		} else if (*counter_of(i) != w->rounds) {
			sod_err("FAIL worker %d: counter %" PRIu64 " after %" PRIu64 " rounds",
				i, *counter_of(i), w->rounds);
			rc = SOD_EXIT_FAIL;
		}
		if (!w->rounds) {
			sod_err("FAIL worker %d made no progress", i);
			rc = SOD_EXIT_FAIL;
		}
	}
	sod_info("%s: %" PRIu64 " rounds by %d workers in %.1f s; invalidators: fork %lu, "
		 "compact %lu, pageout %lu, thp collapse+split %lu, ksm %lu, dontneed %lu, "
		 "remap %lu, mprotect %lu",
		 rc ? "FAILED" : "PASS", total, nworkers, (double)(now_ms() - t0) / 1000,
		 atomic_load(&n_fork), atomic_load(&n_compact), atomic_load(&n_pageout),
		 atomic_load(&n_collapse), atomic_load(&n_ksm), atomic_load(&n_dontneed),
		 atomic_load(&n_remap), atomic_load(&n_mprotect));

	for (int i = 0; i < nworkers; i++) {
		ibv_destroy_qp(workers[i].a);
		ibv_destroy_qp(workers[i].b);
		ibv_destroy_cq(workers[i].cq);
		ibv_dereg_mr(workers[i].src_mr);
		ibv_dereg_mr(workers[i].sink_mr);
	}
	ibv_dereg_mr(region_mr);
	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
	return rc;
}
