// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sod_loss: RC reliability under a lossy link (the VM case applies tc netem
 * loss, duplication, reordering or an outage to either side's egress).
 * Plain libibverbs: runs against softodp and rdma_rxe alike.
 *
 * A server and a client with a TCP control connection; the client drives
 * one RC QP through the --tests in order, each prepared by the server
 * ("PREP <test>" -> "READY") and checked by it ("CHECK <test>" -> "OK" or
 * "FAIL <why>"):
 *
 *   write  --size bytes RDMA WRITTEN in --chunk pieces, --depth WRs in
 *          flight; the server checks every 8-byte word of its poisoned
 *          buffer holds the pattern
 *   send   the same as SENDs into receives the server posted beforehand;
 *          the server checks each receive's status, order and length, and
 *          the data
 *   read   the client READs the server's pattern into its poisoned buffer,
 *          --depth in flight, and checks it
 *   faa    --count FETCH_AND_ADDs of 1 on one server counter that starts
 *          at 0, --depth in flight (the QP's max_rd_atomic limits): the
 *          fetched values must be 0..count-1 each exactly once (and, RC
 *          being in order, the i-th WR's is i); the server's counter must
 *          end at exactly --count (an atomic executed twice, e.g. for a
 *          duplicated or retransmitted request not answered from the
 *          responder's cache, would break both)
 *   cut    a 4 KiB WRITE completes; the client creates --ready-file and
 *          waits for --go-file (the case cuts the link for good
 *          meanwhile), posts --cut-wrs WRITEs and measures the time from
 *          the first post to its IBV_WC_RETRY_EXC_ERR completion.  With
 *          t = max(4.096 us * 2^timeout, --floor-ms) and retry_cnt+1 tries
 *          it must lie in [0.9 * (retry_cnt+1) * t - 4 ms,
 *          1.5 * (retry_cnt+1) * t + --cut-slack-ms] (rxe: from
 *          0.9 * retry_cnt * t - 4 ms: its first try may be timed from an
 *          earlier send); every later WR must
 *          complete with IBV_WC_WR_FLUSH_ERR, in order, and the QP must be
 *          in IBV_QPS_ERR.  Must be the last test (the QP is dead after).
 *
 * Every send completion is checked for status, wr_id (in posting order),
 * opcode (and byte_len where defined); after each test the CQs must be
 * empty (no completion twice).  --ready-file is created once the first
 * test's first WR completed (the transfer is underway); --expect-stall-ms
 * requires the longest gap between two completions of the first test to
 * be at least that long (proof that an outage hit the transfer).
 *
 * The first failed check prints "<prog>: FAIL <what>: expected X got Y" and
 * exits 1 (the peer is told and exits 1 too).  Exit status as in
 * sod_common.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sod_common.h"

#define IB_PORT 1
#define ATOM_LEN 4096
#define MAX_DEPTH 64
#define POISON 0x5a5a5a5a5a5a5a5aull

static const char usage[] =
	"--dev NAME (--server | --client HOST) [options]\n"
	"  --dev NAME          RDMA device (both sides)\n"
	"  --server            wait for one client on --port\n"
	"  --client HOST       connect to the server at HOST\n"
	"  --port N            TCP port of the control connection (default 18530)\n"
	"  --gid-index N       GID index (default: the first RoCE v2 GID with\n"
	"                      an IPv4 address)\n"
	"  Client options (the server follows the client's):\n"
	"  --tests LIST        comma list, run in order, of write,send,read,faa,cut\n"
	"                      (default write,send,read,faa; cut only last)\n"
	"  --size BYTES        bytes moved by write/send/read (multiple of 8,\n"
	"                      8..64 MiB; default 4 MiB)\n"
	"  --chunk BYTES       bytes per WR (multiple of 8; default 65536)\n"
	"  --depth N           WRs in flight, 1..64 (default 8)\n"
	"  --count N           faa: number of FETCH_AND_ADDs (default 1000)\n"
	"  --mtu BYTES         path MTU 256..4096 (default 4096)\n"
	"  --timeout N         QP local ACK timeout exponent 0..31 (default 14)\n"
	"  --retry-cnt N       QP retry_cnt 0..7 (default 7)\n"
	"  --cut-wrs N         cut: WRITEs posted after the cut (2..32, default 4)\n"
	"  --floor-ms N        cut: the requester's minimum timeout (default 0)\n"
	"  --cut-slack-ms N    cut: added to the upper bound (default 1000)\n"
	"  --ready-file PATH   create PATH when the first test is underway (cut:\n"
	"                      when the link may be cut)\n"
	"  --go-file PATH      cut: wait until PATH exists before posting\n"
	"  --done-file PATH    create PATH when the last test's WRs are complete\n"
	"                      (before its check over the control connection)\n"
	"  --expect-stall-ms N the first test must see a gap of at least N ms\n"
	"                      between two completions\n"
	"  --timeout-ms N      wait for any completion, message or file at most\n"
	"                      N ms (default 60000)\n";

enum test { T_WRITE, T_SEND, T_READ, T_FAA, T_CUT, T_COUNT };

static const char *const test_names[T_COUNT] = {
	"write", "send", "read", "faa", "cut",
};

#define MAX_TESTS 16

struct opts {
	struct sod_peer_opts peer;
	int tests[MAX_TESTS];
	int ntests;
	long size, chunk, depth, count, mtu, timeout, retry_cnt;
	long cut_wrs, floor_ms, cut_slack_ms, expect_stall_ms, timeout_ms;
	const char *ready_file, *go_file, *done_file;
};

static struct opts o;
static struct ibv_context *ctx;
static struct ibv_pd *pd;
static struct ibv_mr *mr, *amr;
static uint64_t *buf;		/* --size bytes (client: + faa results) */
static size_t buf_len;
static uint64_t *atom;		/* server: the counter at atom[0] */
static struct sod_cq scq, rcq;
static struct ibv_qp *qp;
static union ibv_gid my_gid;
static int gid_index;
static uint32_t my_rd_atom, my_init_rd_atom;
static uint64_t seed;

static struct {
	union ibv_gid gid;
	uint32_t qpn, psn, rkey, arkey, rd_atom;
	uint64_t addr, aaddr;
} peer;

static bool ready_done;

/* ------------------------------------------------------------ time */

static double now_msf(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ------------------------------------------------------------ pattern */

/* The 8-byte word @i of test @t's data (splitmix64 of seed, test, i). */
static uint64_t patw(int t, uint64_t i)
{
	uint64_t x = seed + ((uint64_t)t << 56) + i * 0x9E3779B97F4A7C15ull;

	x ^= x >> 31;
	x *= 0xBF58476D1CE4E5B9ull;
	x ^= x >> 27;
	x *= 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

static void fill_pattern(int t)
{
	for (uint64_t i = 0; i < (uint64_t)o.size / 8; i++)
		buf[i] = patw(t, i);
}

static void fill_poison(void)
{
	for (uint64_t i = 0; i < (uint64_t)o.size / 8; i++)
		buf[i] = POISON;
}

/* NULL if buf holds test @t's pattern, else a message in msg. */
static const char *check_pattern(char *msg, size_t len, int t, const char *who)
{
	uint64_t bad = 0, first = 0, want0 = 0, got0 = 0;

	for (uint64_t i = 0; i < (uint64_t)o.size / 8; i++) {
		uint64_t want = patw(t, i);

		if (buf[i] == want)
			continue;
		if (!bad++) {
			first = i;
			want0 = want;
			got0 = buf[i];
		}
	}
	if (!bad)
		return NULL;
	snprintf(msg, len, "%s %s data: byte offset %" PRIu64 " (chunk %" PRIu64
		 "): expected 0x%016" PRIx64 " got 0x%016" PRIx64 "%s; %" PRIu64
		 " of %ld words wrong", who, test_names[t], first * 8,
		 first * 8 / (uint64_t)o.chunk, want0, got0,
		 got0 == POISON ? " (poison: never written)" : "", bad, o.size / 8);
	return msg;
}

/* ------------------------------------------------------------ CQs */

static void check_wc(const struct ibv_wc *wc, const char *what, uint64_t wr_id,
		     enum ibv_wc_status st, int opcode)
{
	if (wc->status != st)
		sod_fail("%s: wr %" PRIu64 ": status: expected %s got %s (wr_id %" PRIu64
			 ", vendor_err 0x%x)", what, wr_id, ibv_wc_status_str(st),
			 ibv_wc_status_str(wc->status), wc->wr_id, wc->vendor_err);
	if (wc->wr_id != wr_id)
		sod_fail("%s: wr_id: expected %" PRIu64 " got %" PRIu64, what, wr_id,
			 wc->wr_id);
	if (wc->qp_num != qp->qp_num)
		sod_fail("%s: qp_num: expected 0x%x got 0x%x", what, qp->qp_num,
			 wc->qp_num);
	if (opcode >= 0 && (int)wc->opcode != opcode)
		sod_fail("%s: wr %" PRIu64 ": opcode: expected %d got %d", what, wr_id,
			 opcode, wc->opcode);
}

/* ------------------------------------------------------------ setup */

static void setup_device(void)
{
	struct ibv_device_attr da;
	struct ibv_port_attr pa;

	ctx = sod_open_peer_dev(&o.peer, IB_PORT, &gid_index, &my_gid, &pa);
	if (ibv_query_device(ctx, &da))
		sod_die_env("ibv_query_device: %s", strerror(errno));
	my_rd_atom = (uint32_t)da.max_qp_rd_atom;
	my_init_rd_atom = (uint32_t)da.max_qp_init_rd_atom;
	if (sod_mtu_to_bytes(pa.active_mtu) < o.mtu)
		sod_die_env("--mtu %ld exceeds the active MTU %d of %s", o.mtu,
			    sod_mtu_to_bytes(pa.active_mtu), o.peer.dev);
	pd = ibv_alloc_pd(ctx);
	if (!pd)
		sod_fail("ibv_alloc_pd: expected success got %s", strerror(errno));
}

static void setup_buffers(void)
{
	int acc = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
		  IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_ATOMIC;

	/* Client: the data, then one 8-byte slot per FETCH_AND_ADD. */
	buf_len = ((size_t)o.size + (o.peer.server ? 0 : (size_t)o.count * 8) +
		   4095) / 4096 * 4096;
	if (posix_memalign((void **)&buf, 4096, buf_len) ||
	    posix_memalign((void **)&atom, 4096, ATOM_LEN))
		sod_fail("posix_memalign(%zu): expected success got failure", buf_len);
	memset(buf, 0, buf_len);
	memset(atom, 0, ATOM_LEN);
	mr = ibv_reg_mr(pd, buf, buf_len, acc);
	if (!mr)
		sod_fail("ibv_reg_mr(%zu bytes): expected success got %s", buf_len,
			 strerror(errno));
	amr = ibv_reg_mr(pd, atom, ATOM_LEN, acc);
	if (!amr)
		sod_fail("ibv_reg_mr(atomic target): expected success got %s",
			 strerror(errno));
}

static bool has_test(int t)
{
	for (int i = 0; i < o.ntests; i++)
		if (o.tests[i] == t)
			return true;
	return false;
}

static long nchunks(void)
{
	return (o.size + o.chunk - 1) / o.chunk;
}

static void setup_qp(void)
{
	struct ibv_qp_init_attr ia;
	long nrecv = o.peer.server && has_test(T_SEND) ? nchunks() : 1;

	sod_cq_create(ctx, &scq, MAX_DEPTH + 40);
	sod_cq_create(ctx, &rcq, (int)nrecv + 8);
	memset(&ia, 0, sizeof(ia));
	ia.send_cq = scq.cq;
	ia.recv_cq = rcq.cq;
	ia.qp_type = IBV_QPT_RC;
	ia.cap.max_send_wr = MAX_DEPTH + 34;
	ia.cap.max_recv_wr = (uint32_t)nrecv;
	ia.cap.max_send_sge = 1;
	ia.cap.max_recv_sge = 1;
	qp = ibv_create_qp(pd, &ia);
	if (!qp)
		sod_fail("ibv_create_qp(RC, %ld receives): expected success got %s",
			 nrecv, strerror(errno));
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static void qp_to_rts(uint32_t lpsn)
{
	const struct sod_rc_conn c = {
		.port = IB_PORT,
		.path_mtu = sod_mtu_from_bytes(o.mtu),
		.dgid = peer.gid,
		.sgid_index = (uint8_t)gid_index,
		.dest_qpn = peer.qpn,
		.rq_psn = peer.psn,
		.sq_psn = lpsn,
		.max_dest_rd_atomic = (uint8_t)min_u32(my_rd_atom, 255),
		.max_rd_atomic = (uint8_t)min_u32(min_u32(my_init_rd_atom, peer.rd_atom),
						  min_u32((uint32_t)o.depth, 255)),
		.min_rnr_timer = 12,
		.timeout = (uint8_t)o.timeout,
		.retry_cnt = (uint8_t)o.retry_cnt,
		.rnr_retry = 7,
	};
	const char *step;
	int ret = sod_rc_connect(qp, &c, &step);

	if (ret)
		sod_fail("ibv_modify_qp(%s): expected success got %s", step,
			 strerror(ret));
	sod_info("%s: qp 0x%x -> peer qp 0x%x, mtu %ld, timeout %ld, retry_cnt %ld, max_rd_atomic %u",
		 o.peer.server ? "server" : "client", qp->qp_num, peer.qpn, o.mtu,
		 o.timeout, o.retry_cnt, c.max_rd_atomic);
}

static void send_info(uint32_t psn)
{
	char g[33];

	sod_gid_to_hex(&my_gid, g);
	sod_ctl_send("INFO %s %" PRIu32 " %" PRIu32 " %" PRIu32 " %" PRIu64 " %" PRIu32
		     " %" PRIu64 " %" PRIu32, g, qp->qp_num, psn, mr->rkey,
		     (uint64_t)(uintptr_t)buf, amr->rkey, (uint64_t)(uintptr_t)atom,
		     my_rd_atom);
}

static void recv_info(void)
{
	char line[SOD_LINE_MAX], g[40];

	sod_ctl_recv(line, sizeof(line));
	if (sscanf(line, "INFO %32s %" SCNu32 " %" SCNu32 " %" SCNu32 " %" SCNu64
		   " %" SCNu32 " %" SCNu64 " %" SCNu32, g, &peer.qpn, &peer.psn,
		   &peer.rkey, &peer.addr, &peer.arkey, &peer.aaddr,
		   &peer.rd_atom) != 8 || strlen(g) != 32)
		sod_fail("control protocol: expected 'INFO ...' got '%s'", line);
	if (!sod_gid_from_hex(g, &peer.gid))
		sod_fail("control protocol: bad GID '%s'", g);
}

/* ------------------------------------------------------------ files */

static bool file_exists(const char *p)
{
	return access(p, F_OK) == 0;
}

static void make_file(const char *p)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		sod_fail("create %s: expected success got %s", p, strerror(errno));
	close(fd);
}

/* The first test is underway: tell the case (once). */
static void mark_ready(const char *test)
{
	if (ready_done)
		return;
	ready_done = true;
	sod_info("client: %s underway", test);
	fflush(stdout);
	if (o.ready_file)
		make_file(o.ready_file);
}

static void wait_file(const char *p)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	long end = sod_now_ms() + o.timeout_ms;

	while (!file_exists(p)) {
		if (sod_now_ms() >= end)
			sod_fail("expected %s to appear within %ld ms got none", p,
				 o.timeout_ms);
		nanosleep(&ts, NULL);
	}
}

/* ------------------------------------------------------------ client */

static uint32_t chunk_len(long i)
{
	long off = i * o.chunk;

	return (uint32_t)(o.size - off < o.chunk ? o.size - off : o.chunk);
}

static void post_one(int t, long i, bool signaled)
{
	struct ibv_send_wr wr, *bad;
	struct ibv_sge sge;
	int ret;

	memset(&wr, 0, sizeof(wr));
	wr.wr_id = (uint64_t)i;
	wr.sg_list = &sge;
	wr.num_sge = 1;
	wr.send_flags = signaled ? IBV_SEND_SIGNALED : 0;
	sge.lkey = mr->lkey;
	switch (t) {
	case T_WRITE:
	case T_READ:
	case T_SEND:
	case T_CUT:
		sge.addr = (uintptr_t)buf + (uint64_t)i * (uint64_t)o.chunk;
		sge.length = chunk_len(i);
		if (t == T_CUT) {
			sge.addr = (uintptr_t)buf;
			sge.length = (uint32_t)o.chunk;
		}
		wr.opcode = t == T_READ ? IBV_WR_RDMA_READ :
			    t == T_SEND ? IBV_WR_SEND : IBV_WR_RDMA_WRITE;
		if (t != T_SEND) {
			wr.wr.rdma.remote_addr = peer.addr + (sge.addr - (uintptr_t)buf);
			wr.wr.rdma.rkey = peer.rkey;
		}
		break;
	case T_FAA:
		sge.addr = (uintptr_t)buf + (uint64_t)o.size + (uint64_t)i * 8;
		sge.length = 8;
		wr.opcode = IBV_WR_ATOMIC_FETCH_AND_ADD;
		wr.wr.atomic.remote_addr = peer.aaddr;
		wr.wr.atomic.rkey = peer.arkey;
		wr.wr.atomic.compare_add = 1;
		break;
	default:
		break;
	}
	ret = ibv_post_send(qp, &wr, &bad);
	if (ret)
		sod_fail("%s: ibv_post_send(wr %ld): expected success got %s",
			 test_names[t], i, strerror(ret));
}

static const int wc_opcode[T_COUNT] = {
	[T_WRITE] = IBV_WC_RDMA_WRITE, [T_SEND] = IBV_WC_SEND,
	[T_READ] = IBV_WC_RDMA_READ, [T_FAA] = IBV_WC_FETCH_ADD,
	[T_CUT] = IBV_WC_RDMA_WRITE,
};

/*
 * Post n WRs of test @t, at most --depth in flight, every one signaled;
 * check each completion (in order).  Returns the longest gap between two
 * completions (or the first post and the first completion) in ms.
 */
static long run_wrs(int t, long n)
{
	long posted = 0, done = 0, last = sod_now_ms(), gap = 0;
	struct ibv_wc wc;
	char what[64];

	snprintf(what, sizeof(what), "%s completion", test_names[t]);
	while (done < n) {
		long now;

		while (posted < n && posted - done < o.depth)
			post_one(t, posted++, true);
		if (!sod_cq_wait(&scq, &wc, o.timeout_ms))
			sod_fail("%s: wr %ld: expected a completion within %ld ms got none (%ld of %ld done)",
				 test_names[t], done, o.timeout_ms, done, n);
		check_wc(&wc, what, (uint64_t)done, IBV_WC_SUCCESS, wc_opcode[t]);
		if (t == T_READ && wc.byte_len != chunk_len(done))
			sod_fail("%s: wr %ld: byte_len: expected %u got %u", what, done,
				 chunk_len(done), wc.byte_len);
		now = sod_now_ms();
		if (now - last > gap)
			gap = now - last;
		last = now;
		done++;
		mark_ready(test_names[t]);
	}
	sod_cq_expect_empty(&scq, what);
	return gap;
}

static void client_faa_check(void)
{
	const uint64_t *res = buf + o.size / 8;
	long n = o.count;
	uint8_t *seen = calloc((size_t)n, 1);
	long out_of_order = -1;

	if (!seen)
		sod_fail("calloc: expected success got failure");
	for (long i = 0; i < n; i++) {
		uint64_t v = res[i];

		if (v >= (uint64_t)n)
			sod_fail("faa: wr %ld fetched %" PRIu64 ": expected a value in 0..%ld (each once)",
				 i, v, n - 1);
		if (seen[v])
			sod_fail("faa: value %" PRIu64 " fetched twice (second by wr %ld): an atomic was executed twice",
				 v, i);
		seen[v] = 1;
		if (v != (uint64_t)i && out_of_order < 0)
			out_of_order = i;
	}
	free(seen);
	/* A permutation of 0..n-1 (n distinct values below n); RC executes
	 * in order, so wr i fetched i. */
	if (out_of_order >= 0)
		sod_fail("faa: wr %ld fetched %" PRIu64 ": expected %ld (RC executes in order)",
			 out_of_order, res[out_of_order], out_of_order);
}

static void client_cut(void)
{
	double t_try, expect, lo, hi, t0, el;
	struct ibv_qp_init_attr ia;
	struct ibv_qp_attr qa;
	struct ibv_wc wc;

	/* The link works: one WRITE completes. */
	post_one(T_CUT, 0, true);
	if (!sod_cq_wait(&scq, &wc, o.timeout_ms))
		sod_fail("cut: the WRITE before the cut: expected a completion within %ld ms got none",
			 o.timeout_ms);
	check_wc(&wc, "cut: the WRITE before the cut", 0, IBV_WC_SUCCESS,
		 IBV_WC_RDMA_WRITE);
	mark_ready("cut");
	if (o.go_file)
		wait_file(o.go_file);

	t_try = 4.096e-3 * (double)(1ull << o.timeout);
	if (t_try < (double)o.floor_ms)
		t_try = (double)o.floor_ms;
	expect = (double)(o.retry_cnt + 1) * t_try;
	/*
	 * rxe arms its retransmit timer only when it is not already pending,
	 * so its first try may be timed from the WRITE before the cut: up to
	 * one try shorter (seen: 931 ms for 4 x 268 ms).
	 */
	lo = 0.9 * (double)(strncmp(o.peer.dev, "rxe", 3) ? o.retry_cnt + 1 :
			    o.retry_cnt) * t_try - 4.0;
	hi = 1.5 * expect + (double)o.cut_slack_ms;

	t0 = now_msf();
	for (long i = 0; i < o.cut_wrs; i++)
		post_one(T_CUT, i, true);
	if (!sod_cq_wait(&scq, &wc, (long)hi + 5000))
		sod_fail("cut: wr 0: expected IBV_WC_RETRY_EXC_ERR within %.0f ms got no completion",
			 hi + 5000);
	el = now_msf() - t0;
	check_wc(&wc, "cut: first WR after the cut", 0, IBV_WC_RETRY_EXC_ERR, -1);
	sod_info("client: cut: RETRY_EXC_ERR after %.1f ms (timeout %ld: %.1f ms x %ld tries = %.1f ms; bounds %.1f..%.1f ms)",
		 el, o.timeout, t_try, o.retry_cnt + 1, expect, lo, hi);
	if (el < lo || el > hi)
		sod_fail("cut: time to IBV_WC_RETRY_EXC_ERR: expected %.1f..%.1f ms got %.1f ms",
			 lo, hi, el);
	for (long i = 1; i < o.cut_wrs; i++) {
		if (!sod_cq_wait(&scq, &wc, o.timeout_ms))
			sod_fail("cut: wr %ld: expected IBV_WC_WR_FLUSH_ERR got no completion within %ld ms",
				 i, o.timeout_ms);
		check_wc(&wc, "cut: a later WR", (uint64_t)i, IBV_WC_WR_FLUSH_ERR, -1);
	}
	sod_cq_expect_empty(&scq, "cut");
	if (ibv_query_qp(qp, &qa, IBV_QP_STATE, &ia))
		sod_fail("cut: ibv_query_qp: expected success got %s", strerror(errno));
	if (qa.qp_state != IBV_QPS_ERR)
		sod_fail("cut: QP state: expected IBV_QPS_ERR (%d) got %d", IBV_QPS_ERR,
			 qa.qp_state);
	sod_info("client: cut: %ld later WRs flushed (WR_FLUSH_ERR), QP in ERR",
		 o.cut_wrs - 1);
}

static void client_test(int t, bool first, bool last)
{
	char line[SOD_LINE_MAX];
	long t0, gap = 0, n = 0;
	double mb;

	sod_ctl_send("PREP %s", test_names[t]);
	switch (t) {
	case T_READ:
		fill_poison();
		break;
	case T_WRITE:
	case T_SEND:
		fill_pattern(t);
		break;
	case T_FAA:
		memset(buf + o.size / 8, 0xff, (size_t)o.count * 8);
		break;
	default:
		break;
	}
	sod_ctl_expect("READY");
	t0 = sod_now_ms();
	switch (t) {
	case T_WRITE:
	case T_SEND:
	case T_READ:
		n = nchunks();
		gap = run_wrs(t, n);
		break;
	case T_FAA:
		n = o.count;
		gap = run_wrs(t, n);
		break;
	case T_CUT:
		client_cut();
		break;
	default:
		break;
	}
	t0 = sod_now_ms() - t0;
	if (last && o.done_file)
		make_file(o.done_file);
	if (t == T_READ) {
		const char *m = check_pattern(line, sizeof(line), t, "client");

		if (m)
			sod_fail("%s", m);
	}
	if (t == T_FAA)
		client_faa_check();
	if (t == T_FAA)
		sod_ctl_send("CHECK %s %ld", test_names[t], o.count);
	else
		sod_ctl_send("CHECK %s", test_names[t]);
	sod_ctl_expect("OK");
	mb = t == T_FAA || t == T_CUT ? 0 : (double)o.size / 1048576.0;
	sod_info("client: PASS %s: %ld WRs%s%.1f MiB in %ld ms, longest completion gap %ld ms",
		 test_names[t], n, mb > 0 ? ", " : " ", mb, t0, gap);
	if (first && o.expect_stall_ms && gap < o.expect_stall_ms)
		sod_fail("%s: longest gap between completions: expected >= %ld ms (the outage) got %ld ms",
			 test_names[t], o.expect_stall_ms, gap);
}

/* ------------------------------------------------------------ server */

static void server_post_recvs(void)
{
	for (long i = 0; i < nchunks(); i++) {
		struct ibv_sge sge = {
			.addr = (uintptr_t)buf + (uint64_t)i * (uint64_t)o.chunk,
			.length = chunk_len(i),
			.lkey = mr->lkey,
		};
		struct ibv_recv_wr wr = { .wr_id = (uint64_t)i, .sg_list = &sge,
					  .num_sge = 1 };
		struct ibv_recv_wr *bad;
		int ret = ibv_post_recv(qp, &wr, &bad);

		if (ret)
			sod_fail("send: ibv_post_recv(%ld): expected success got %s", i,
				 strerror(ret));
	}
}

static void server_check_recvs(void)
{
	struct ibv_wc wc;

	for (long i = 0; i < nchunks(); i++) {
		if (!sod_cq_wait(&rcq, &wc, o.timeout_ms))
			sod_fail("send: receive %ld: expected a completion within %ld ms got none",
				 i, o.timeout_ms);
		check_wc(&wc, "send: receive", (uint64_t)i, IBV_WC_SUCCESS, IBV_WC_RECV);
		if (wc.byte_len != chunk_len(i))
			sod_fail("send: receive %ld: byte_len: expected %u got %u", i,
				 chunk_len(i), wc.byte_len);
	}
	sod_cq_expect_empty(&rcq, "send: receives");
}

static void server_loop(void)
{
	char line[SOD_LINE_MAX], msg[SOD_LINE_MAX], name[32];
	long arg;

	for (;;) {
		const char *m = NULL;
		int t;

		sod_ctl_recv(line, sizeof(line));
		if (strcmp(line, "QUIT") == 0) {
			sod_ctl_send("BYE");
			return;
		}
		arg = 0;
		if (sscanf(line, "PREP %31s", name) == 1) {
			for (t = 0; t < T_COUNT; t++)
				if (strcmp(name, test_names[t]) == 0)
					break;
			switch (t) {
			case T_WRITE:
				fill_poison();
				break;
			case T_SEND:
				fill_poison();
				server_post_recvs();
				break;
			case T_READ:
				fill_pattern(t);
				break;
			case T_FAA:
				atom[0] = 0;
				break;
			case T_CUT:
				break;
			default:
				sod_fail("control protocol: unknown test in '%s'", line);
			}
			sod_ctl_send("READY");
			continue;
		}
		if (sscanf(line, "CHECK %31s %ld", name, &arg) < 1)
			sod_fail("control protocol: expected PREP, CHECK or QUIT got '%s'", line);
		for (t = 0; t < T_COUNT; t++)
			if (strcmp(name, test_names[t]) == 0)
				break;
		switch (t) {
		case T_SEND:
			server_check_recvs();
			__attribute__((fallthrough));
		case T_WRITE:
			m = check_pattern(msg, sizeof(msg), t, "server");
			break;
		case T_READ:
			/* The READ source must be unchanged. */
			m = check_pattern(msg, sizeof(msg), t, "server (READ source)");
			break;
		case T_FAA:
			if (atom[0] != (uint64_t)arg) {
				snprintf(msg, sizeof(msg),
					 "faa: the server's counter after %ld FETCH_AND_ADDs of 1: expected %ld got %" PRIu64 "%s",
					 arg, arg, atom[0],
					 atom[0] > (uint64_t)arg ?
					 " (an atomic was executed twice)" : "");
				m = msg;
			}
			break;
		case T_CUT:
			break;
		default:
			sod_fail("control protocol: unknown test in '%s'", line);
		}
		if (m)
			sod_fail("%s", m);
		sod_cq_expect_empty(&scq, "server send queue");
		sod_info("server: %s checked", test_names[t]);
		sod_ctl_send("OK");
	}
}

/* ------------------------------------------------------------ main */

static void parse_tests(const char *s)
{
	o.ntests = sod_opt_list(usage, "tests", "test", s, test_names,
				sizeof(test_names[0]), T_COUNT, o.tests, MAX_TESTS);
	for (int i = 0; i < o.ntests - 1; i++)
		if (o.tests[i] == T_CUT)
			sod_usage_error(usage, "invalid --tests: cut must be the last test");
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		SOD_PEER_LONGOPTS,
		{ "tests", required_argument, NULL, 'T' },
		{ "size", required_argument, NULL, 's' },
		{ "chunk", required_argument, NULL, 'c' },
		{ "depth", required_argument, NULL, 'D' },
		{ "count", required_argument, NULL, 'n' },
		{ "mtu", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 'o' },
		{ "retry-cnt", required_argument, NULL, 'r' },
		{ "cut-wrs", required_argument, NULL, 'w' },
		{ "floor-ms", required_argument, NULL, 'f' },
		{ "cut-slack-ms", required_argument, NULL, 'k' },
		{ "ready-file", required_argument, NULL, 'R' },
		{ "go-file", required_argument, NULL, 'G' },
		{ "done-file", required_argument, NULL, 'F' },
		{ "expect-stall-ms", required_argument, NULL, 'x' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o.peer.port = 18530;
	o.peer.gid_index = -1;
	o.size = 4L << 20;
	o.chunk = 65536;
	o.depth = 8;
	o.count = 1000;
	o.mtu = 4096;
	o.timeout = 14;
	o.retry_cnt = 7;
	o.cut_wrs = 4;
	o.cut_slack_ms = 1000;
	o.timeout_ms = 60000;
	parse_tests("write,send,read,faa");
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (sod_opt_peer(c, usage, &o.peer))
			continue;
		switch (c) {
		case 'T': parse_tests(optarg); break;
		case 's': sod_opt_long(usage, "size", optarg, 8, 64L << 20, &o.size); break;
		case 'c': sod_opt_long(usage, "chunk", optarg, 8, 64L << 20, &o.chunk); break;
		case 'D': sod_opt_long(usage, "depth", optarg, 1, MAX_DEPTH, &o.depth); break;
		case 'n': sod_opt_long(usage, "count", optarg, 1, 1000000, &o.count); break;
		case 'm': sod_opt_mtu(usage, optarg, &o.mtu); break;
		case 'o': sod_opt_long(usage, "timeout", optarg, 0, 31, &o.timeout); break;
		case 'r': sod_opt_long(usage, "retry-cnt", optarg, 0, 7, &o.retry_cnt); break;
		case 'w': sod_opt_long(usage, "cut-wrs", optarg, 2, 32, &o.cut_wrs); break;
		case 'f': sod_opt_long(usage, "floor-ms", optarg, 0, 100000, &o.floor_ms); break;
		case 'k': sod_opt_long(usage, "cut-slack-ms", optarg, 0, 600000, &o.cut_slack_ms); break;
		case 'R': o.ready_file = optarg; break;
		case 'G': o.go_file = optarg; break;
		case 'F': o.done_file = optarg; break;
		case 'x': sod_opt_long(usage, "expect-stall-ms", optarg, 0, 600000, &o.expect_stall_ms); break;
		case 't': sod_opt_long(usage, "timeout-ms", optarg, 1, 3600000, &o.timeout_ms); break;
		default: sod_opt_other(c, usage, argv);
		}
	}
	sod_opt_peer_done(usage, argc, argv, &o.peer);
	if (o.size % 8 || o.chunk % 8)
		sod_usage_error(usage, "invalid --size/--chunk: multiples of 8 required");
	if (o.size / o.chunk > 16384)
		sod_usage_error(usage, "invalid --chunk: more than 16384 chunks");
	if (o.chunk > o.size)
		sod_usage_error(usage, "invalid --chunk: larger than --size");
}

static void client_hello(void)
{
	char t[128] = "";

	for (int i = 0; i < o.ntests; i++)
		snprintf(t + strlen(t), sizeof(t) - strlen(t), "%s%s", i ? "," : "",
			 test_names[o.tests[i]]);
	sod_ctl_send("HELLO %" PRIu64 " %ld %ld %ld %ld %ld %ld %ld %s", seed, o.size,
		     o.chunk, o.depth, o.count, o.mtu, o.timeout, o.retry_cnt, t);
}

static void server_hello(void)
{
	char line[SOD_LINE_MAX], t[128];

	sod_ctl_recv(line, sizeof(line));
	if (sscanf(line, "HELLO %" SCNu64 " %ld %ld %ld %ld %ld %ld %ld %127s", &seed,
		   &o.size, &o.chunk, &o.depth, &o.count, &o.mtu, &o.timeout,
		   &o.retry_cnt, t) != 9 || o.size < 8 || o.size > (64L << 20) ||
	    o.size % 8 || o.chunk < 8 || o.chunk % 8 || o.size / o.chunk > 16384 ||
	    !sod_mtu_from_bytes(o.mtu))
		sod_fail("control protocol: expected a valid 'HELLO ...' got '%s'", line);
	parse_tests(t);
}

int main(int argc, char **argv)
{
	uint32_t psn;

	sod_init(argv[0]);
	parse_args(argc, argv);
	srand((unsigned int)(getpid() ^ time(NULL)));
	psn = (uint32_t)rand() & 0xffffff;
	seed = (uint64_t)rand() << 32 ^ (uint64_t)rand();
	setup_device();
	sod_ctl_open(o.peer.server ? NULL : o.peer.host, o.peer.port,
		     o.timeout_ms * 2, o.timeout_ms, o.timeout_ms / 1000 + 30);
	if (o.peer.server)
		server_hello();
	else
		client_hello();
	setup_buffers();
	setup_qp();
	if (o.peer.server) {
		send_info(psn);
		recv_info();
		qp_to_rts(psn);
		sod_ctl_send("READY");
		server_loop();
		sod_info("server: PASS (client finished)");
		return SOD_EXIT_OK;
	}
	recv_info();
	qp_to_rts(psn);
	send_info(psn);
	sod_ctl_expect("READY");
	for (int i = 0; i < o.ntests; i++)
		client_test(o.tests[i], i == 0, i == o.ntests - 1);
	sod_ctl_send("QUIT");
	sod_ctl_expect("BYE");
	sod_info("client: PASS all %d tests", o.ntests);
	return SOD_EXIT_OK;
}
