// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sod_odp_bench: what On-Demand Paging costs against pinned memory (one
 * process, loopback on one device; bench/odp.sh runs it in a VM).
 *
 *   sod_odp_bench --dev NAME [--tests LIST] [--reps N] [--big-reps N]
 *                 [--bytes N] [--depth N] [--cold-pages N] [--reg-mib N]
 *                 [--inval-mib N] [--inval-map read|advise] [--poll event|busy]
 *                 [--qp-timeout N] [--warm-mr both|pinned|odp] [--gid-index N]
 *
 * One RC QP pair on the device: A (requester) connected to B (responder),
 * one CQ, waited on through a completion channel (--poll busy polls it).
 * The ACK timeout is 1.07 s (--qp-timeout 18), not perftest's 67 ms (14):
 * nothing is lost in loopback once the guest's netdev_max_backlog holds a
 * burst (bench/odp.sh sees to it), so a retransmission would be a spurious
 * one, after the host preempted the VM's vCPUs; the figures are about ODP,
 * not about the recovery from that.  A transfer that fails anyway marks
 * its figure FAIL; the QPs are made again and the other figures go on.
 * The two sides of every comparison are measured in the same process, one
 * after the other in each repetition (the order alternates), and both the
 * median and the best of the repetitions are reported.  Buffers are
 * anonymous private memory with MADV_NOHUGEPAGE, so a page is 4 KiB.
 *
 * warm   RDMA WRITE, RDMA READ and SEND of 64 KiB and 1 MiB messages from a
 *        source MR to a destination MR (one message-sized buffer each),
 *        both pinned against both ODP.  The pages were faulted in by a
 *        first, untimed pass.  --bytes per measurement (at least 8
 *        messages), --depth messages in flight, --reps repetitions.
 *        Figure: MB/s (10^6 B/s) from the first post to the last
 *        completion.
 * cold   The same three operations over a --cold-pages destination in 1 MiB
 *        messages (both MRs ODP), once warm and once after
 *        madvise(MADV_DONTNEED) of the destination, so that the device
 *        faults every destination page again.  ODP fault cost per page =
 *        (cold iteration - warm iteration) / pages (median of the
 *        per-repetition differences; "best": best cold - best warm);
 *        pinning cost per page = ibv_reg_mr (not ODP) of a fresh, never
 *        touched buffer of the same pages / pages.  Shown too: the same
 *        transfer on pinned MRs, a CPU write fault per page,
 *        ibv_advise_mr(PREFETCH_WRITE) of a fresh ODP buffer per page, and
 *        from the port counters the pages faulted and the fault passes
 *        (hmm_range_fault() windows) per cold iteration.
 * reg    ibv_reg_mr of --reg-mib MiB and of 1 TiB, ODP, mmap()ed with
 *        MAP_NORESERVE and never touched, against --reg-mib MiB pinned
 *        (which faults and pins every page).  ibv_dereg_mr is timed too.
 *        --big-reps repetitions.
 * inval  munmap() of --inval-mib MiB, every page written by the CPU, once
 *        not registered and once registered ODP after the device mapped
 *        every page (--inval-map read: RDMA READs of all of it, 1 MiB at a
 *        time; advise: ibv_advise_mr(PREFETCH) over all of it).  The port
 *        counters confirm that the device mapped and then dropped every
 *        page.  --big-reps repetitions.
 *
 * Prints "BENCH <name> <value> <unit>" lines as figures are measured (and
 * "RAW <name> <value>..." with every repetition of a series), then a table
 * with the targets, judged on the medians (ODP/pinned warm >=
 * 0.95, fault/pin per page <= 1.5, munmap ODP/plain <= 2).  A missed
 * target is not a failure: exit status 1 only if a verb or a system call
 * fails, as in sod_common.h.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "sod_common.h"

#define IB_PORT 1
#define PAGE 4096UL
#define POLL_MS 120000
#define MAX_REPS 50
#define MAX_DEPTH 16
#define QP_WR 64
#define CQ_SIZE 256
#define SINK (1UL << 20)	/* the READ sink of the invalidation test */
#define COLD_MSG (1UL << 20)

static const char usage[] =
	"--dev NAME [--tests LIST] [--reps N] [--big-reps N] [--bytes N]\n"
	"       [--depth N] [--cold-pages N] [--reg-mib N] [--inval-mib N]\n"
	"       [--inval-map read|advise] [--poll event|busy] [--qp-timeout N]\n"
	"       [--warm-mr both|pinned|odp] [--gid-index N]\n"
	"  --dev NAME         RDMA device\n"
	"  --tests LIST       comma list of warm,cold,reg,inval (default: all)\n"
	"  --reps N           repetitions of the warm and cold figures, 1..50\n"
	"                     (default 5)\n"
	"  --big-reps N       repetitions of the reg and inval figures, 1..50\n"
	"                     (default 3)\n"
	"  --bytes N          bytes moved per warm measurement (default 2 MiB)\n"
	"  --depth N          messages in flight, 1..16 (default 4)\n"
	"  --cold-pages N     4 KiB pages of the cold-path buffer (default 512)\n"
	"  --reg-mib N        MiB registered by the reg test (default 1024)\n"
	"  --inval-mib N      MiB unmapped by the inval test (default 1024)\n"
	"  --inval-map HOW    how the device maps the region before munmap:\n"
	"                     read (RDMA READ of all of it, default) or advise\n"
	"  --poll HOW         wait for completions sleeping on a completion channel\n"
	"                     (event, default) or polling the CQ (busy)\n"
	"  --warm-mr KIND     the warm test measures both kinds of MR (default) or\n"
	"                     only one (for a profile of one kind: bench/odp.sh --perf)\n"
	"  --qp-timeout N     the QPs' local ACK timeout, 4.096 us << N; 0..31\n"
	"                     (default 18: 1.07 s)\n"
	"  --gid-index N      GID to use (default: the first RoCE v2 IPv4 GID)\n";

enum op { OP_WRITE, OP_READ, OP_SEND, NUM_OPS };
static const char *const op_name[NUM_OPS] = { "write", "read", "send" };

struct buf {
	char *p;
	size_t len;
	struct ibv_mr *mr;
};

static struct ibv_context *ctx;
static struct ibv_pd *pd;
static struct ibv_comp_channel *channel;	/* NULL: --poll busy */
static bool poll_busy;
static int warm_mr;		/* 0 both, 1 pinned only, 2 ODP only */
static struct ibv_cq *cq;
static struct ibv_qp *qa, *qb;
static union ibv_gid gid;
static int gid_index = -1;
static const char *dev;
static int reps = 5, big_reps = 3, depth = 4, qp_timeout = 18;
static long bytes = 2L << 20, cold_pages = 512, reg_mib = 1024, inval_mib = 1024;
static bool inval_read = true;
static char phase[96];		/* what is being measured, for messages */

static const int acc_pinned = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
			      IBV_ACCESS_REMOTE_READ;
static const int acc_odp = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
			   IBV_ACCESS_REMOTE_READ | IBV_ACCESS_ON_DEMAND;

/* ---- results */

#define MAX_ROWS 64
enum target { NO_TARGET, AT_LEAST, AT_MOST };
struct row {
	char heading[80];	/* printed before the row if not empty */
	char what[40];
	double a, b, ratio, best;
	const char *fmt;	/* of a and b */
	enum target target;
	double limit;
	bool failed;
};
static struct row rows[MAX_ROWS];
static int nrows;

static void bench(const char *name, double v, const char *unit)
{
	printf("BENCH %s %.3f %s\n", name, v, unit);
	fflush(stdout);
}

/* "RAW <name> <v1> <v2> ...": every repetition's value, in order. */
static void raw(const char *name, const double *v, int n)
{
	printf("RAW %s", name);
	for (int i = 0; i < n; i++)
		printf(" %.3f", v[i]);
	printf("\n");
}

/* One line of the final table; ratio and best are b / a. */
static void add_row(const char *heading, const char *what, const char *fmt,
		    double a, double b, double best, enum target target, double limit)
{
	struct row *r;

	if (nrows == MAX_ROWS)
		return;
	r = &rows[nrows++];
	memset(r, 0, sizeof(*r));
	snprintf(r->heading, sizeof(r->heading), "%s", heading ? heading : "");
	snprintf(r->what, sizeof(r->what), "%s", what);
	r->fmt = fmt;
	r->a = a;
	r->b = b;
	r->ratio = b / a;
	r->best = best;
	r->target = target;
	r->limit = limit;
}

/* A line of the table for a figure whose transfers failed. */
static void add_fail_row(const char *heading, const char *what)
{
	add_row(heading, what, "%.2f", 0, 0, 0, NO_TARGET, 0);
	if (nrows)
		rows[nrows - 1].failed = true;
}

static void print_cell(const char *fmt, double v)
{
	char s[32];

	if (!strcmp(fmt, "%.0f"))
		snprintf(s, sizeof(s), "%.0f", v);
	else if (!strcmp(fmt, "%.1f"))
		snprintf(s, sizeof(s), "%.1f", v);
	else
		snprintf(s, sizeof(s), "%.2f", v);
	printf(" %12s", s);
}

static void print_ratio(double v)
{
	if (v >= 1000)
		printf(" %8.0f", v);
	else
		printf(" %8.4f", v);
}

static void print_table(void)
{
	printf("\n%-26s %12s %12s %8s %8s %8s  %s\n", "figure", "a", "b", "b/a", "best",
	       "target", "verdict (median)");
	for (int i = 0; i < nrows; i++) {
		struct row *r = &rows[i];
		char t[16] = "";
		const char *v = "";

		if (r->heading[0])
			printf("-- %s\n", r->heading);
		printf("%-26s", r->what);
		if (r->failed) {
			printf(" %12s %12s %8s %8s %8s  %s\n", "FAIL", "FAIL", "-", "-", "",
			       "not measured (a transfer failed, see above)");
			continue;
		}
		print_cell(r->fmt, r->a);
		print_cell(r->fmt, r->b);
		print_ratio(r->ratio);
		print_ratio(r->best);
		if (r->target == AT_LEAST) {
			snprintf(t, sizeof(t), ">= %g", r->limit);
			v = r->ratio >= r->limit ? "met" : "missed";
		} else if (r->target == AT_MOST) {
			snprintf(t, sizeof(t), "<= %g", r->limit);
			v = r->ratio <= r->limit ? "met" : "missed";
		}
		printf(" %8s  %s\n", t, v);
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double s[MAX_REPS];

	memcpy(s, v, sizeof(*v) * (size_t)n);
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static double minimum(const double *v, int n)
{
	double m = v[0];

	for (int i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

static double maximum(const double *v, int n)
{
	double m = v[0];

	for (int i = 1; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

/*
 * A port counter of the device (sysfs hw_counters), or -1.  The core
 * caches the counters for 10 ms: wait that long first, so that what the
 * last operation counted is in (never call this inside a timed stretch).
 */
static long long counter(const char *name)
{
	struct timespec ts = { .tv_nsec = 30 * 1000 * 1000 };
	char path[256];
	long long v = -1;
	FILE *f;

	nanosleep(&ts, NULL);
	snprintf(path, sizeof(path), "/sys/class/infiniband/%s/ports/%d/hw_counters/%s",
		 dev, IB_PORT, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static double delta(long long before, long long after)
{
	return before >= 0 && after >= 0 ? (double)(after - before) : -1;
}
/* ---- device setup (as sod_odp_stress) */

static int find_gid(void)
{
	struct ibv_gid_entry e;

	for (unsigned int i = 0; i < 32; i++) {
		if (ibv_query_gid_ex(ctx, IB_PORT, i, &e, 0))
			continue;
		if (e.gid_type == IBV_GID_TYPE_ROCE_V2 && e.gid.raw[10] == 0xff &&
		    e.gid.raw[11] == 0xff && !e.gid.raw[0])
			return (int)i;
	}
	return -1;
}

static struct ibv_qp *make_qp(void)
{
	struct ibv_qp_init_attr ia = {
		.send_cq = cq, .recv_cq = cq, .qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = QP_WR, .max_recv_wr = QP_WR,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_INIT, .port_num = IB_PORT,
		.qp_access_flags = IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ,
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
		.max_dest_rd_atomic = MAX_DEPTH, .min_rnr_timer = 1,
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
	a.timeout = (uint8_t)qp_timeout;
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.max_rd_atomic = MAX_DEPTH;
	return ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_SQ_PSN | IBV_QP_TIMEOUT |
			     IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
			     IBV_QP_MAX_QP_RD_ATOMIC);
}

/*
 * (Re)create the connected QP pair A <-> B, emptying the CQ: at the start,
 * and after a transfer failed (the QPs are then in the error state).
 */
static int new_qps(void)
{
	struct ibv_wc wc[16];

	if (qa)
		ibv_destroy_qp(qa);
	if (qb)
		ibv_destroy_qp(qb);
	qa = qb = NULL;
	while (ibv_poll_cq(cq, 16, wc) > 0)
		;
	qa = make_qp();
	qb = make_qp();
	if (!qa || !qb || connect_qp(qa, qb->qp_num) || connect_qp(qb, qa->qp_num)) {
		sod_err("QP setup failed");
		return -1;
	}
	return 0;
}

/* ---- buffers */

static void *map_anon(size_t len, bool noreserve)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | (noreserve ? MAP_NORESERVE : 0),
		       -1, 0);

	if (p == MAP_FAILED) {
		sod_err("mmap of %zu bytes: %s", len, strerror(errno));
		return NULL;
	}
	/* 4 KiB pages only: the figures are per 4 KiB page */
	madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

static void touch(char *p, size_t len, char v)
{
	for (size_t off = 0; off < len; off += PAGE)
		p[off] = v;
}

/* A buffer of @len bytes, written by the CPU, registered pinned or ODP. */
static int buf_new(struct buf *b, size_t len, bool odp)
{
	b->len = len;
	b->p = map_anon(len, false);
	if (!b->p)
		return -1;
	memset(b->p, 0x5a, len);
	b->mr = ibv_reg_mr(pd, b->p, len, odp ? acc_odp : acc_pinned);
	if (!b->mr) {
		sod_err("ibv_reg_mr (%s) of %zu bytes: %s", odp ? "ODP" : "pinned",
			len, strerror(errno));
		munmap(b->p, len);
		b->p = NULL;
		return -1;
	}
	return 0;
}

static void buf_free(struct buf *b)
{
	if (b->mr)
		ibv_dereg_mr(b->mr);
	if (b->p)
		munmap(b->p, b->len);
	memset(b, 0, sizeof(*b));
}

/* ---- transfers */

static int post_recv(struct buf *dst, size_t off, size_t msg)
{
	struct ibv_sge sge = { .addr = (uintptr_t)dst->p + off, .length = (uint32_t)msg,
			       .lkey = dst->mr->lkey };
	struct ibv_recv_wr wr = { .wr_id = 1, .sg_list = &sge, .num_sge = 1 }, *bad;

	if (ibv_post_recv(qb, &wr, &bad)) {
		sod_err("ibv_post_recv failed");
		return -1;
	}
	return 0;
}

static int post_op(enum op op, struct buf *src, size_t soff, struct buf *dst,
		   size_t doff, size_t msg)
{
	struct ibv_sge sge = { .length = (uint32_t)msg };
	struct ibv_send_wr wr = {
		.wr_id = 2, .sg_list = &sge, .num_sge = 1,
		.send_flags = IBV_SEND_SIGNALED,
	}, *bad;

	switch (op) {
	case OP_WRITE:
		wr.opcode = IBV_WR_RDMA_WRITE;
		sge.addr = (uintptr_t)src->p + soff;
		sge.lkey = src->mr->lkey;
		wr.wr.rdma.remote_addr = (uintptr_t)dst->p + doff;
		wr.wr.rdma.rkey = dst->mr->rkey;
		break;
	case OP_READ:
		wr.opcode = IBV_WR_RDMA_READ;
		sge.addr = (uintptr_t)dst->p + doff;
		sge.lkey = dst->mr->lkey;
		wr.wr.rdma.remote_addr = (uintptr_t)src->p + soff;
		wr.wr.rdma.rkey = src->mr->rkey;
		break;
	default:
		wr.opcode = IBV_WR_SEND;
		sge.addr = (uintptr_t)src->p + soff;
		sge.lkey = src->mr->lkey;
		break;
	}
	if (ibv_post_send(qa, &wr, &bad)) {
		sod_err("ibv_post_send (%s) failed", op_name[op]);
		return -1;
	}
	return 0;
}

/*
 * Up to @max completions into @wc; 0 if none came before @deadline, -1 on
 * error.  --poll event sleeps on the CQ's completion channel until one is
 * there; --poll busy polls the CQ.
 */
static int cq_wait(struct ibv_wc *wc, int max, uint64_t deadline)
{
	for (;;) {
		struct pollfd pfd = { .events = POLLIN };
		struct ibv_cq *ev_cq;
		void *ev_ctx;
		uint64_t now;
		int n = ibv_poll_cq(cq, max, wc);

		if (n)
			return n < 0 ? (sod_err("ibv_poll_cq failed"), -1) : n;
		now = now_ns();
		if (now > deadline)
			return 0;
		if (!channel)
			continue;
		if (ibv_req_notify_cq(cq, 0)) {
			sod_err("ibv_req_notify_cq failed");
			return -1;
		}
		n = ibv_poll_cq(cq, max, wc);	/* one may have come meanwhile */
		if (n)
			return n < 0 ? (sod_err("ibv_poll_cq failed"), -1) : n;
		pfd.fd = channel->fd;
		n = poll(&pfd, 1, (int)((deadline - now) / 1000000) + 1);
		if (n < 0 && errno != EINTR) {
			sod_err("poll: %s", strerror(errno));
			return -1;
		}
		if (n > 0) {
			if (ibv_get_cq_event(channel, &ev_cq, &ev_ctx)) {
				sod_err("ibv_get_cq_event failed");
				return -1;
			}
			ibv_ack_cq_events(ev_cq, 1);
		}
	}
}

/*
 * Move @count messages of @msg bytes with @op from @src to @dst, at most
 * --depth in flight; message i is at offset i * msg (modulo the buffer's
 * length) in each buffer.  Returns the time from the first post to the
 * last completion in ns, or 0 on failure.
 */
static uint64_t xfer(enum op op, struct buf *src, struct buf *dst, size_t msg,
		     long count)
{
	long posted = 0, done = 0, rposted = 0, rdone = 0;
	long need_recv = op == OP_SEND ? count : 0;
	uint64_t t0, deadline;
	struct ibv_wc wc[16];

	t0 = now_ns();
	deadline = t0 + (uint64_t)POLL_MS * 1000000;
	while (rposted < need_recv && rposted < depth + 2) {
		if (post_recv(dst, (size_t)rposted * msg % dst->len, msg))
			return 0;
		rposted++;
	}
	while (done < count || rdone < need_recv) {
		int n;

		while (posted < count && posted - done < depth) {
			if (post_op(op, src, (size_t)posted * msg % src->len, dst,
				    (size_t)posted * msg % dst->len, msg))
				return 0;
			posted++;
		}
		n = cq_wait(wc, 16, deadline);
		if (n < 0)
			return 0;
		if (!n && now_ns() > deadline) {
			sod_err("%s: %s: no completion within %d ms (%ld of %ld done)",
				phase, op_name[op], POLL_MS, done, count);
			return 0;
		}
		for (int i = 0; i < n; i++) {
			if (wc[i].status != IBV_WC_SUCCESS) {
				sod_err("%s: %s of %zu bytes: completion %s (%ld of %ld done)",
					phase, op_name[op], msg,
					ibv_wc_status_str(wc[i].status), done, count);
				return 0;
			}
			if (wc[i].opcode == IBV_WC_RECV) {
				rdone++;
				if (rposted < need_recv) {
					if (post_recv(dst, (size_t)rposted * msg % dst->len, msg))
						return 0;
					rposted++;
				}
			} else {
				done++;
			}
		}
	}
	t0 = now_ns() - t0;
	return t0 ? t0 : 1;
}

/* ---- warm path */

static const char *human(size_t n)
{
	static char s[4][24];
	static int k;

	k = (k + 1) % 4;
	if (n >= (1UL << 20) && !(n % (1UL << 20)))
		snprintf(s[k], sizeof(s[k]), "%zuM", n >> 20);
	else if (n >= 1024 && !(n % 1024))
		snprintf(s[k], sizeof(s[k]), "%zuk", n >> 10);
	else
		snprintf(s[k], sizeof(s[k]), "%zu", n);
	return s[k];
}


static int test_warm(void)
{
	static const size_t sizes[] = { 64UL << 10, 1UL << 20 };
	bool use[2] = { warm_mr != 2, warm_mr != 1 };	/* pinned, ODP */
	int failed = 0;

	for (int o = 0; o < NUM_OPS; o++) {
		for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
			size_t msg = sizes[si];
			long count = bytes / (long)msg;
			struct buf src[2] = { 0 }, dst[2] = { 0 };
			double bw[2][MAX_REPS], pair[MAX_REPS];
			double m[2], best[2];
			char name[64], what[40];
			const char *head = o || si ? NULL : "warm path, MB/s (a pinned, b ODP)";
			int err = 0;

			snprintf(what, sizeof(what), "%s %s", op_name[o], human(msg));
			if (count < 8)
				count = 8;
			/* [0] pinned, [1] ODP; a first untimed pass faults in */
			for (int k = 0; k < 2 && !err; k++) {
				if (!use[k])
					continue;
				snprintf(phase, sizeof(phase), "warm %s %s first pass", what,
					 k ? "ODP" : "pinned");
				err = buf_new(&src[k], msg, k) || buf_new(&dst[k], msg, k) ||
				      !xfer((enum op)o, &src[k], &dst[k], msg, 2);
			}
			for (int i = 0; i < reps && !err; i++) {
				for (int j = 0; j < 2 && !err; j++) {
					int k = (i + j) % 2;
					uint64_t t;

					if (!use[k]) {
						bw[k][i] = 1;
						continue;
					}
					snprintf(phase, sizeof(phase), "warm %s %s rep %d", what,
						 k ? "ODP" : "pinned", i + 1);
					t = xfer((enum op)o, &src[k], &dst[k], msg, count);
					err = !t;
					if (t)
						bw[k][i] = (double)msg * (double)count * 1e3 /
							   (double)t;
				}
				if (!err)
					pair[i] = bw[1][i] / bw[0][i];
			}
			for (int k = 0; k < 2; k++) {
				buf_free(&src[k]);
				buf_free(&dst[k]);
			}
			if (err) {
				add_fail_row(head, what);
				failed++;
				if (new_qps())
					return -1;
				continue;
			}
			for (int k = 0; k < 2; k++) {
				if (!use[k])
					continue;
				m[k] = median(bw[k], reps);
				best[k] = maximum(bw[k], reps);
				snprintf(name, sizeof(name), "warm_%s_%s_%s", op_name[o],
					 human(msg), k ? "odp" : "pinned");
				bench(name, m[k], "MB/s");
				raw(name, bw[k], reps);
				snprintf(name + strlen(name), sizeof(name) - strlen(name), "_best");
				bench(name, best[k], "MB/s");
			}
			if (!use[0] || !use[1]) {	/* --warm-mr: one kind only */
				int k = use[1];

				snprintf(what + strlen(what), sizeof(what) - strlen(what),
					 " %s only", k ? "ODP" : "pinned");
				add_row(head, what, "%.2f", m[k], m[k], 1, NO_TARGET, 0);
				continue;
			}
			snprintf(name, sizeof(name), "warm_%s_%s_ratio", op_name[o], human(msg));
			bench(name, m[1] / m[0], "x");
			snprintf(name, sizeof(name), "warm_%s_%s_ratio_best", op_name[o],
				 human(msg));
			bench(name, best[1] / best[0], "x");
			snprintf(name, sizeof(name), "warm_%s_%s_ratio_paired_median", op_name[o],
				 human(msg));
			bench(name, median(pair, reps), "x");
			add_row(head, what, "%.2f", m[0], m[1], best[1] / best[0], AT_LEAST, 0.95);
		}
	}
	return failed ? -1 : 0;
}

/* ---- cold path */

/* ibv_reg_mr (pinned) of a fresh, never touched buffer: us per page. */
static int pin_cost(size_t len, double *us_page)
{
	char *p = map_anon(len, false);
	struct ibv_mr *mr;
	uint64_t t;

	if (!p)
		return -1;
	t = now_ns();
	mr = ibv_reg_mr(pd, p, len, acc_pinned);
	t = now_ns() - t;
	if (!mr) {
		sod_err("ibv_reg_mr (pinned) of %zu bytes: %s", len, strerror(errno));
		munmap(p, len);
		return -1;
	}
	ibv_dereg_mr(mr);
	munmap(p, len);
	*us_page = (double)t / 1e3 / (double)(len / PAGE);
	return 0;
}

/* CPU write fault of every page of a fresh buffer: us per page. */
static int cpu_fault_cost(size_t len, double *us_page)
{
	char *p = map_anon(len, false);
	uint64_t t;

	if (!p)
		return -1;
	t = now_ns();
	touch(p, len, 1);
	t = now_ns() - t;
	munmap(p, len);
	*us_page = (double)t / 1e3 / (double)(len / PAGE);
	return 0;
}

/* ibv_advise_mr(PREFETCH_WRITE) of a fresh ODP buffer: us per page. */
static int advise_cost(size_t len, double *us_page)
{
	char *p = map_anon(len, false);
	struct ibv_mr *mr;
	struct ibv_sge sge;
	uint64_t t;
	int err;

	if (!p)
		return -1;
	mr = ibv_reg_mr(pd, p, len, acc_odp);
	if (!mr) {
		sod_err("ibv_reg_mr (ODP) of %zu bytes: %s", len, strerror(errno));
		munmap(p, len);
		return -1;
	}
	sge = (struct ibv_sge){ .addr = (uintptr_t)p, .length = (uint32_t)len,
				.lkey = mr->lkey };
	t = now_ns();
	err = ibv_advise_mr(pd, IBV_ADVISE_MR_ADVICE_PREFETCH_WRITE,
			    IBV_ADVISE_MR_FLAG_FLUSH, &sge, 1);
	t = now_ns() - t;
	ibv_dereg_mr(mr);
	munmap(p, len);
	if (err) {
		sod_err("ibv_advise_mr(PREFETCH_WRITE): %s", strerror(err));
		return -1;
	}
	*us_page = (double)t / 1e3 / (double)(len / PAGE);
	return 0;
}

/*
 * One operation of the cold test: fills res[] (warm MB/s, cold MB/s, best
 * cold/warm, fault us per page, best fault/pin).  -1 if a transfer failed.
 */
static int cold_op(enum op o, size_t len, size_t msg, long count, double pin_best,
		   double *res)
{
	/* order of a repetition: pinned, warm, cold; then cold, warm, pinned */
	static const int order[2][3] = { { 0, 1, 2 }, { 2, 1, 0 } };
	static const char *const it_name[3] = { "pinned", "warm", "cold" };
	double np = (double)(count * (long)msg / PAGE);	/* pages moved */
	struct buf src[2] = { 0 }, dst[2] = { 0 };
	double it[3][MAX_REPS], dn[MAX_REPS], faulted[MAX_REPS], calls[MAX_REPS];
	double diff[MAX_REPS];
	double m[3], best[3], per_page, per_page_best;
	const char *s = op_name[o];
	char name[64];
	int err = 0;

	for (int k = 0; k < 2 && !err; k++) {
		snprintf(phase, sizeof(phase), "cold %s %s first pass", s, k ? "ODP" : "pinned");
		err = buf_new(&src[k], len, k) || buf_new(&dst[k], len, k) ||
		      !xfer(o, &src[k], &dst[k], msg, count);
	}
	for (int i = 0; i < reps && !err; i++) {
		for (int j = 0; j < 3 && !err; j++) {
			int which = order[i % 2][j], k = which ? 1 : 0;
			long long f0 = 0, c0 = 0;
			uint64_t t;

			snprintf(phase, sizeof(phase), "cold %s %s rep %d", s, it_name[which],
				 i + 1);
			if (which == 2) {
				t = now_ns();
				if (madvise(dst[1].p, len, MADV_DONTNEED)) {
					sod_err("madvise(DONTNEED): %s", strerror(errno));
					err = 1;
					break;
				}
				dn[i] = (double)(now_ns() - t) / 1e3;
				f0 = counter("odp_fault_pages");
				c0 = counter("odp_faults");
			}
			t = xfer(o, &src[k], &dst[k], msg, count);
			err = !t;
			it[which][i] = (double)t / 1e3;
			if (which == 2 && t) {
				faulted[i] = delta(f0, counter("odp_fault_pages"));
				calls[i] = delta(c0, counter("odp_faults"));
			}
		}
		if (!err)
			diff[i] = it[2][i] - it[1][i];
	}
	for (int k = 0; k < 2; k++) {
		buf_free(&src[k]);
		buf_free(&dst[k]);
	}
	if (err)
		return -1;

	for (int w = 0; w < 3; w++) {
		m[w] = median(it[w], reps);
		best[w] = minimum(it[w], reps);
		snprintf(name, sizeof(name), "cold_%s_%s_iter", s, it_name[w]);
		bench(name, m[w], "us");
		raw(name, it[w], reps);
		snprintf(name + strlen(name), sizeof(name) - strlen(name), "_best");
		bench(name, best[w], "us");
		snprintf(name, sizeof(name), "cold_%s_%s_bw", s, it_name[w]);
		bench(name, np * PAGE / m[w], "MB/s");
	}
	per_page = median(diff, reps) / np;
	per_page_best = (best[2] - best[1]) / np;
	snprintf(name, sizeof(name), "cold_%s_dontneed", s);
	bench(name, median(dn, reps), "us");
	snprintf(name, sizeof(name), "cold_%s_faulted_pages", s);
	bench(name, median(faulted, reps), "pages");
	/* odp_faults counts the passes of hmm_range_fault() (one per window) */
	snprintf(name, sizeof(name), "cold_%s_fault_passes", s);
	bench(name, median(calls, reps), "passes");
	snprintf(name, sizeof(name), "cold_%s_fault_per_page", s);
	bench(name, per_page, "us");
	snprintf(name, sizeof(name), "cold_%s_fault_per_page_best", s);
	bench(name, per_page_best, "us");
	snprintf(name, sizeof(name), "cold_%s_cold_vs_warm_bw", s);
	bench(name, m[1] / m[2], "x");
	res[0] = np * PAGE / m[1];
	res[1] = np * PAGE / m[2];
	res[2] = best[1] / best[2];
	res[3] = per_page;
	res[4] = per_page_best / pin_best;
	return 0;
}

static int test_cold(void)
{
	size_t len = (size_t)cold_pages * PAGE;
	size_t msg = len < COLD_MSG ? len : COLD_MSG;
	long count = (long)(len / msg);	/* whole messages */
	double pin[MAX_REPS], cpu[MAX_REPS], adv[MAX_REPS];
	double pin_us, cpu_us, adv_us, pin_best, adv_best;
	double res[NUM_OPS][5];
	bool ok[NUM_OPS];
	char name[64], what[40];
	int failed = 0;

	/* pinning, CPU faults and advise_mr of fresh pages, interleaved */
	for (int i = 0; i < reps; i++)
		if (pin_cost(len, &pin[i]) || cpu_fault_cost(len, &cpu[i]) ||
		    advise_cost(len, &adv[i]))
			return -1;
	pin_us = median(pin, reps);
	pin_best = minimum(pin, reps);
	cpu_us = median(cpu, reps);
	adv_us = median(adv, reps);
	adv_best = minimum(adv, reps);
	bench("cold_pin_per_page", pin_us, "us");
	raw("cold_pin_per_page", pin, reps);
	raw("cold_advise_per_page", adv, reps);
	bench("cold_pin_per_page_best", pin_best, "us");
	bench("cold_cpu_fault_per_page", cpu_us, "us");
	bench("cold_advise_per_page", adv_us, "us");
	bench("cold_advise_per_page_best", adv_best, "us");

	for (int o = 0; o < NUM_OPS; o++) {
		ok[o] = !cold_op((enum op)o, len, msg, count, pin_best, res[o]);
		if (ok[o]) {
			snprintf(name, sizeof(name), "cold_%s_fault_vs_pin", op_name[o]);
			bench(name, res[o][3] / pin_us, "x");
			snprintf(name, sizeof(name), "cold_%s_fault_vs_pin_best", op_name[o]);
			bench(name, res[o][4], "x");
		} else {
			failed++;
			if (new_qps())
				return -1;
		}
	}
	for (int o = 0; o < NUM_OPS; o++) {
		const char *head = o ? NULL : "cold path: ODP bandwidth, MB/s (a warm, b cold)";

		snprintf(what, sizeof(what), "%s %s x %ld", op_name[o], human(msg), count);
		if (ok[o])
			add_row(head, what, "%.2f", res[o][0], res[o][1], res[o][2], NO_TARGET, 0);
		else
			add_fail_row(head, what);
	}
	for (int o = 0; o < NUM_OPS; o++) {
		const char *head = o ? NULL : "cold path: us per 4 KiB page (a pin, b ODP fault)";

		if (ok[o])
			add_row(head, op_name[o], "%.2f", pin_us, res[o][3], res[o][4],
				AT_MOST, 1.5);
		else
			add_fail_row(head, op_name[o]);
	}
	add_row(NULL, "advise_mr fault", "%.2f", pin_us, adv_us, adv_best / pin_best,
		NO_TARGET, 0);
	add_row(NULL, "CPU write fault", "%.2f", pin_us, cpu_us, minimum(cpu, reps) / pin_best,
		NO_TARGET, 0);
	return failed ? -1 : 0;
}

/* ---- registration */

/* ibv_reg_mr + ibv_dereg_mr of @len bytes mapped but never touched. */
static int reg_once(size_t len, bool odp, double *reg_us, double *dereg_us)
{
	char *p = map_anon(len, odp);
	struct ibv_mr *mr;
	uint64_t t;

	if (!p)
		return -1;
	t = now_ns();
	mr = ibv_reg_mr(pd, p, len, odp ? acc_odp : acc_pinned);
	t = now_ns() - t;
	if (!mr) {
		sod_err("ibv_reg_mr (%s) of %zu bytes: %s", odp ? "ODP" : "pinned",
			len, strerror(errno));
		munmap(p, len);
		return -1;
	}
	*reg_us = (double)t / 1e3;
	t = now_ns();
	if (ibv_dereg_mr(mr)) {
		sod_err("ibv_dereg_mr failed");
		return -1;
	}
	*dereg_us = (double)(now_ns() - t) / 1e3;
	munmap(p, len);
	return 0;
}

static int test_reg(void)
{
	size_t len = (size_t)reg_mib << 20, tib = 1UL << 40;
	/* [0] ODP len, [1] ODP 1 TiB, [2] pinned len */
	double r[3][MAX_REPS], d[3][MAX_REPS], mr[3], md[3], br[3], bd[3];
	char name[64], what[40], head[80];

	for (int i = 0; i < big_reps; i++)
		for (int j = 0; j < 3; j++) {
			int k = (i + j) % 3;

			if (reg_once(k == 1 ? tib : len, k != 2, &r[k][i], &d[k][i]))
				return -1;
		}
	for (int k = 0; k < 3; k++) {
		mr[k] = median(r[k], big_reps);
		md[k] = median(d[k], big_reps);
		br[k] = minimum(r[k], big_reps);
		bd[k] = minimum(d[k], big_reps);
		snprintf(name, sizeof(name), "reg_%s_%s", k == 2 ? "pinned" : "odp",
			 k == 1 ? "1T" : human(len));
		bench(name, mr[k], "us");
		snprintf(name + strlen(name), sizeof(name) - strlen(name), "_best");
		bench(name, br[k], "us");
		snprintf(name, sizeof(name), "dereg_%s_%s", k == 2 ? "pinned" : "odp",
			 k == 1 ? "1T" : human(len));
		bench(name, md[k], "us");
	}
	bench("reg_pinned_vs_odp", mr[2] / mr[0], "x");
	bench("reg_odp_1T_vs_odp", mr[1] / mr[0], "x");

	snprintf(head, sizeof(head), "registration, us (never touched memory)");
	snprintf(what, sizeof(what), "reg %s: ODP | pinned", human(len));
	add_row(head, what, "%.1f", mr[0], mr[2], br[2] / br[0], NO_TARGET, 0);
	snprintf(what, sizeof(what), "reg ODP: %s | 1T", human(len));
	add_row(NULL, what, "%.1f", mr[0], mr[1], br[1] / br[0], NO_TARGET, 0);
	snprintf(what, sizeof(what), "dereg %s: ODP | pinned", human(len));
	add_row(NULL, what, "%.1f", md[0], md[2], bd[2] / bd[0], NO_TARGET, 0);
	snprintf(what, sizeof(what), "dereg ODP: %s | 1T", human(len));
	add_row(NULL, what, "%.1f", md[0], md[1], bd[1] / bd[0], NO_TARGET, 0);
	return 0;
}

/* ---- invalidation */

static int inval_once(size_t len, bool odp, struct buf *sink, double *us,
		      double *mapped_pages, double *inval_pages)
{
	struct buf region = { 0 };
	long long f0, i0;
	uint64_t t;

	region.len = len;
	region.p = map_anon(len, false);
	if (!region.p)
		return -1;
	if (odp) {
		region.mr = ibv_reg_mr(pd, region.p, len, acc_odp);
		if (!region.mr) {
			sod_err("ibv_reg_mr (ODP) of %zu bytes: %s", len, strerror(errno));
			munmap(region.p, len);
			return -1;
		}
	}
	touch(region.p, len, 7);
	if (odp) {
		f0 = counter("odp_fault_pages");
		if (inval_read) {
			snprintf(phase, sizeof(phase), "inval: device READ of the region");
			if (!xfer(OP_READ, &region, sink, SINK, (long)(len / SINK)))
				return -1;
		} else {
			struct ibv_sge sge = { .addr = (uintptr_t)region.p,
					       .length = (uint32_t)len,
					       .lkey = region.mr->lkey };
			int err = ibv_advise_mr(pd, IBV_ADVISE_MR_ADVICE_PREFETCH,
						IBV_ADVISE_MR_FLAG_FLUSH, &sge, 1);

			if (err) {
				sod_err("ibv_advise_mr(PREFETCH): %s", strerror(err));
				return -1;
			}
		}
		*mapped_pages = delta(f0, counter("odp_fault_pages"));
		i0 = counter("odp_invalidated_pages");
	}
	t = now_ns();
	if (munmap(region.p, len)) {
		sod_err("munmap: %s", strerror(errno));
		return -1;
	}
	*us = (double)(now_ns() - t) / 1e3;
	if (odp) {
		*inval_pages = delta(i0, counter("odp_invalidated_pages"));
		ibv_dereg_mr(region.mr);
	}
	return 0;
}

static int test_inval(void)
{
	size_t len = (size_t)inval_mib << 20;
	double t[2][MAX_REPS], inv[MAX_REPS], mapped[MAX_REPS], dummy;
	double mn[2], md[2];
	struct buf sink = { 0 };
	char name[64], what[40];

	if (inval_read && buf_new(&sink, SINK, false))
		return -1;
	for (int i = 0; i < big_reps; i++)
		for (int j = 0; j < 2; j++) {
			int k = (i + j) % 2;

			if (inval_once(len, k, &sink, &t[k][i], k ? &mapped[i] : &dummy,
				       k ? &inv[i] : &dummy))
				return -1;
		}
	buf_free(&sink);
	for (int k = 0; k < 2; k++) {
		mn[k] = minimum(t[k], big_reps);
		md[k] = median(t[k], big_reps);
		snprintf(name, sizeof(name), "inval_munmap_%s_%s", k ? "odp" : "plain",
			 human(len));
		bench(name, md[k], "us");
		raw(name, t[k], big_reps);
		snprintf(name + strlen(name), sizeof(name) - strlen(name), "_best");
		bench(name, mn[k], "us");
	}
	bench("inval_device_mapped_pages", median(mapped, big_reps), "pages");
	bench("inval_invalidated_pages", median(inv, big_reps), "pages");
	bench("inval_ratio", md[1] / md[0], "x");
	bench("inval_ratio_best", mn[1] / mn[0], "x");
	snprintf(what, sizeof(what), "munmap %s", human(len));
	add_row(inval_read ?
		"munmap of a faulted region, us (a plain, b ODP, device READ all of it)" :
		"munmap of a faulted region, us (a plain, b ODP, advise_mr mapped it)",
		what, "%.0f", md[0], md[1], mn[1] / mn[0], AT_MOST, 2);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "tests", required_argument, NULL, 't' },
		{ "reps", required_argument, NULL, 'r' },
		{ "big-reps", required_argument, NULL, 'B' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "depth", required_argument, NULL, 'D' },
		{ "cold-pages", required_argument, NULL, 'c' },
		{ "reg-mib", required_argument, NULL, 'R' },
		{ "inval-mib", required_argument, NULL, 'i' },
		{ "inval-map", required_argument, NULL, 'm' },
		{ "qp-timeout", required_argument, NULL, 'T' },
		{ "poll", required_argument, NULL, 'P' },
		{ "warm-mr", required_argument, NULL, 'W' },
		{ "gid-index", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	bool run[4] = { true, true, true, true };	/* warm cold reg inval */
	static const char *const tnames[4] = { "warm", "cold", "reg", "inval" };
	int c, code, rc = SOD_EXIT_OK;
	long v;

	sod_init(argv[0]);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dev = optarg;
			break;
		case 't': {
			char *list = strdup(optarg), *save = NULL, *tok;

			if (!list)
				sod_usage_error(usage, "out of memory");
			memset(run, 0, sizeof(run));
			for (tok = strtok_r(list, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				int k;

				for (k = 0; k < 4; k++)
					if (!strcmp(tok, tnames[k]))
						break;
				if (k == 4)
					sod_usage_error(usage, "invalid --tests: unknown test '%s'",
							tok);
				run[k] = true;
			}
			free(list);
			break;
		}
		case 'r':
			if (!sod_parse_long(optarg, 1, MAX_REPS, &v))
				sod_usage_error(usage, "invalid --reps");
			reps = (int)v;
			break;
		case 'B':
			if (!sod_parse_long(optarg, 1, MAX_REPS, &v))
				sod_usage_error(usage, "invalid --big-reps");
			big_reps = (int)v;
			break;
		case 'b':
			if (!sod_parse_long(optarg, 4096, 1L << 34, &bytes))
				sod_usage_error(usage, "invalid --bytes");
			break;
		case 'D':
			if (!sod_parse_long(optarg, 1, MAX_DEPTH, &v))
				sod_usage_error(usage, "invalid --depth");
			depth = (int)v;
			break;
		case 'c':
			if (!sod_parse_long(optarg, 1, 1L << 18, &cold_pages))
				sod_usage_error(usage, "invalid --cold-pages");
			break;
		case 'R':
			if (!sod_parse_long(optarg, 1, 1L << 20, &reg_mib))
				sod_usage_error(usage, "invalid --reg-mib");
			break;
		case 'i':
			if (!sod_parse_long(optarg, 1, 4095, &inval_mib))
				sod_usage_error(usage, "invalid --inval-mib");
			break;
		case 'm':
			if (!strcmp(optarg, "read"))
				inval_read = true;
			else if (!strcmp(optarg, "advise"))
				inval_read = false;
			else
				sod_usage_error(usage, "invalid --inval-map");
			break;
		case 'P':
			if (!strcmp(optarg, "busy"))
				poll_busy = true;
			else if (!strcmp(optarg, "event"))
				poll_busy = false;
			else
				sod_usage_error(usage, "invalid --poll");
			break;
		case 'W':
			if (!strcmp(optarg, "both"))
				warm_mr = 0;
			else if (!strcmp(optarg, "pinned"))
				warm_mr = 1;
			else if (!strcmp(optarg, "odp"))
				warm_mr = 2;
			else
				sod_usage_error(usage, "invalid --warm-mr");
			break;
		case 'T':
			if (!sod_parse_long(optarg, 0, 31, &v))
				sod_usage_error(usage, "invalid --qp-timeout");
			qp_timeout = (int)v;
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
	if (pd && !poll_busy)
		channel = ibv_create_comp_channel(ctx);
	cq = pd && (poll_busy || channel) ? ibv_create_cq(ctx, CQ_SIZE, NULL, channel, 0) :
	     NULL;
	if (!cq) {
		sod_err("alloc_pd/create_comp_channel/create_cq failed");
		return SOD_EXIT_FAIL;
	}
	if (gid_index < 0)
		gid_index = find_gid();
	if (gid_index < 0 || ibv_query_gid(ctx, IB_PORT, gid_index, &gid)) {
		sod_err("no RoCE v2 IPv4 GID");
		return SOD_EXIT_USAGE;
	}
	if (new_qps())
		return SOD_EXIT_FAIL;
	sod_info("device %s, gid index %d, reps %d, big reps %d, depth %d, %ld bytes per "
		 "warm figure, cold %ld pages, reg %ld MiB, inval %ld MiB mapped by %s, "
		 "QP timeout %d, %s polling",
		 dev, gid_index, reps, big_reps, depth, bytes, cold_pages, reg_mib, inval_mib,
		 inval_read ? "RDMA READ" : "advise_mr", qp_timeout, poll_busy ? "busy" : "event");
	/* the QPs' first messages are not part of any figure */
	{
		struct buf s = { 0 }, d = { 0 };

		snprintf(phase, sizeof(phase), "warm-up");
		if (buf_new(&s, 1UL << 20, false) || buf_new(&d, 1UL << 20, false) ||
		    !xfer(OP_WRITE, &s, &d, 64UL << 10, 16)) {
			sod_err("warm-up transfer failed");
			return SOD_EXIT_FAIL;
		}
		buf_free(&s);
		buf_free(&d);
	}

	/* a test that fails does not stop the others */
	for (int k = 0; k < 4; k++) {
		static int (*const fn[4])(void) = { test_warm, test_cold, test_reg, test_inval };

		if (!run[k] || !fn[k]())
			continue;
		rc = SOD_EXIT_FAIL;
		if (k >= 2)	/* warm and cold list their failed figures themselves */
			add_fail_row(tnames[k], tnames[k]);
		if (new_qps())
			break;
	}
	print_table();
	if (rc)
		sod_err("FAILED: a measurement did not complete (figures above are partial)");

	ibv_destroy_qp(qa);
	ibv_destroy_qp(qb);
	ibv_destroy_cq(cq);
	if (channel)
		ibv_destroy_comp_channel(channel);
	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
	return rc;
}
