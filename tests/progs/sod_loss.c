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
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sod_common.h"

#define IB_PORT 1
#define LINE_MAX_LEN 512
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
	const char *dev;
	bool server;
	const char *host;
	long port;
	long gid_index;
	int tests[MAX_TESTS];
	int ntests;
	long size, chunk, depth, count, mtu, timeout, retry_cnt;
	long cut_wrs, floor_ms, cut_slack_ms, expect_stall_ms, timeout_ms;
	const char *ready_file, *go_file, *done_file;
};

struct cq {
	struct ibv_comp_channel *ch;
	struct ibv_cq *cq;
};

static struct opts o;
static struct ibv_context *ctx;
static struct ibv_pd *pd;
static struct ibv_mr *mr, *amr;
static uint64_t *buf;		/* --size bytes (client: + faa results) */
static size_t buf_len;
static uint64_t *atom;		/* server: the counter at atom[0] */
static struct cq scq, rcq;
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

static int sock = -1;
static FILE *sock_in;
static bool failing;
static bool ready_done;

/* ------------------------------------------------------------ failing */

static void send_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: FAIL %s\n", sod_prog, msg);
	if (sock >= 0 && !failing) {
		failing = true;
		send_line("FAIL %s", msg);
	}
	exit(SOD_EXIT_FAIL);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die_env(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", sod_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (sock >= 0 && !failing) {
		failing = true;
		send_line("FAIL peer setup failed");
	}
	exit(SOD_EXIT_USAGE);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static double now_msf(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ------------------------------------------------------------ control */

static void send_line(const char *fmt, ...)
{
	char line[LINE_MAX_LEN];
	size_t n, done = 0;
	va_list ap;
	ssize_t w;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	n = strlen(line);
	line[n++] = '\n';
	while (done < n) {
		w = send(sock, line + done, n - done, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (failing)
				return;
			failing = true;
			fprintf(stderr, "%s: FAIL control connection: send: %s\n",
				sod_prog, strerror(errno));
			exit(SOD_EXIT_FAIL);
		}
		done += (size_t)w;
	}
}

static void recv_line(char *line, size_t len)
{
	size_t n;

	if (!fgets(line, (int)len, sock_in)) {
		failing = true;
		fail("control connection: expected a message from the peer got %s",
		     ferror(sock_in) ? strerror(errno) : "end of stream");
	}
	n = strlen(line);
	if (n && line[n - 1] == '\n')
		line[--n] = '\0';
	if (strncmp(line, "FAIL ", 5) == 0) {
		failing = true;
		fprintf(stderr, "%s: FAIL peer reported: %s\n", sod_prog, line + 5);
		exit(SOD_EXIT_FAIL);
	}
}

static void expect_line(const char *want)
{
	char line[LINE_MAX_LEN];

	recv_line(line, sizeof(line));
	if (strcmp(line, want) != 0)
		fail("control protocol: expected '%s' got '%s'", want, line);
}

static void ctl_connect(void)
{
	struct timeval tv = { .tv_sec = o.timeout_ms / 1000 + 30 };
	int one = 1;

	if (o.server) {
		struct sockaddr_in sa = {
			.sin_family = AF_INET,
			.sin_port = htons((uint16_t)o.port),
			.sin_addr.s_addr = htonl(INADDR_ANY),
		};
		struct pollfd pfd;
		int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (ls < 0)
			die_env("socket: %s", strerror(errno));
		setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) || listen(ls, 1))
			die_env("cannot listen on TCP port %ld: %s", o.port,
				strerror(errno));
		sod_info("server: listening on TCP port %ld", o.port);
		pfd.fd = ls;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)(o.timeout_ms * 2)) != 1)
			fail("control connection: expected a client within %ld ms got none",
			     o.timeout_ms * 2);
		sock = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
		if (sock < 0)
			fail("control connection: accept: %s", strerror(errno));
		close(ls);
	} else {
		struct addrinfo hints = { .ai_family = AF_INET,
					  .ai_socktype = SOCK_STREAM };
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		long end = now_ms() + o.timeout_ms;
		struct addrinfo *ai;
		char port[16];
		int ret;

		snprintf(port, sizeof(port), "%ld", o.port);
		ret = getaddrinfo(o.host, port, &hints, &ai);
		if (ret)
			die_env("cannot resolve '%s': %s", o.host, gai_strerror(ret));
		for (;;) {
			sock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (sock < 0)
				die_env("socket: %s", strerror(errno));
			if (connect(sock, ai->ai_addr, ai->ai_addrlen) == 0)
				break;
			ret = errno;
			close(sock);
			sock = -1;
			if ((ret != ECONNREFUSED && ret != EHOSTUNREACH &&
			     ret != ETIMEDOUT) || now_ms() >= end)
				fail("control connection to %s:%ld: expected success got %s",
				     o.host, o.port, strerror(ret));
			nanosleep(&ts, NULL);
		}
		freeaddrinfo(ai);
	}
	setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	sock_in = fdopen(dup(sock), "r");
	if (!sock_in)
		die_env("fdopen: %s", strerror(errno));
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

static void cq_create(struct cq *c, int depth)
{
	c->ch = ibv_create_comp_channel(ctx);
	if (!c->ch)
		fail("ibv_create_comp_channel: expected success got %s", strerror(errno));
	c->cq = ibv_create_cq(ctx, depth, NULL, c->ch, 0);
	if (!c->cq)
		fail("ibv_create_cq(%d): expected success got %s", depth, strerror(errno));
	if (ibv_req_notify_cq(c->cq, 0))
		fail("ibv_req_notify_cq: expected success got %s", strerror(errno));
}

/* One completion within timeout_ms (event driven): true if got. */
static bool cq_wait(struct cq *c, struct ibv_wc *wc, long timeout_ms)
{
	long end = now_ms() + timeout_ms;

	for (;;) {
		struct pollfd pfd = { .fd = c->ch->fd, .events = POLLIN };
		struct ibv_cq *ev_cq;
		void *ev_ctx;
		long left;
		int n = ibv_poll_cq(c->cq, 1, wc);

		if (n < 0)
			fail("ibv_poll_cq: expected >= 0 got %d", n);
		if (n == 1)
			return true;
		left = end - now_ms();
		if (left <= 0)
			return false;
		n = poll(&pfd, 1, (int)(left > 100 ? 100 : left));
		if (n < 0 && errno != EINTR)
			fail("poll on the completion channel: %s", strerror(errno));
		if (n == 1) {
			if (ibv_get_cq_event(c->ch, &ev_cq, &ev_ctx))
				fail("ibv_get_cq_event: expected success got %s",
				     strerror(errno));
			ibv_ack_cq_events(ev_cq, 1);
			if (ibv_req_notify_cq(c->cq, 0))
				fail("ibv_req_notify_cq: expected success got %s",
				     strerror(errno));
		}
	}
}

static void cq_expect_empty(struct cq *c, const char *what)
{
	struct ibv_wc wc;
	int n = ibv_poll_cq(c->cq, 1, &wc);

	if (n != 0)
		fail("%s: expected no further completion got %d (wr_id %" PRIu64
		     " status %s opcode %d)", what, n, wc.wr_id,
		     ibv_wc_status_str(wc.status), wc.opcode);
}

static void check_wc(const struct ibv_wc *wc, const char *what, uint64_t wr_id,
		     enum ibv_wc_status st, int opcode)
{
	if (wc->status != st)
		fail("%s: wr %" PRIu64 ": status: expected %s got %s (wr_id %" PRIu64
		     ", vendor_err 0x%x)", what, wr_id, ibv_wc_status_str(st),
		     ibv_wc_status_str(wc->status), wc->wr_id, wc->vendor_err);
	if (wc->wr_id != wr_id)
		fail("%s: wr_id: expected %" PRIu64 " got %" PRIu64, what, wr_id,
		     wc->wr_id);
	if (wc->qp_num != qp->qp_num)
		fail("%s: qp_num: expected 0x%x got 0x%x", what, qp->qp_num,
		     wc->qp_num);
	if (opcode >= 0 && (int)wc->opcode != opcode)
		fail("%s: wr %" PRIu64 ": opcode: expected %d got %d", what, wr_id,
		     opcode, wc->opcode);
}

/* ------------------------------------------------------------ setup */

static void setup_device(void)
{
	struct ibv_device_attr da;
	struct ibv_port_attr pa;
	int ec = SOD_EXIT_FAIL;

	ctx = sod_open_device(o.dev, &ec);
	if (!ctx)
		exit(ec);
	if (ibv_query_port(ctx, IB_PORT, &pa))
		die_env("ibv_query_port: %s", strerror(errno));
	if (pa.state != IBV_PORT_ACTIVE)
		die_env("port %d of %s is %s, not ACTIVE", IB_PORT, o.dev,
			ibv_port_state_str(pa.state));
	if (ibv_query_device(ctx, &da))
		die_env("ibv_query_device: %s", strerror(errno));
	my_rd_atom = (uint32_t)da.max_qp_rd_atom;
	my_init_rd_atom = (uint32_t)da.max_qp_init_rd_atom;
	if (sod_mtu_to_bytes(pa.active_mtu) < o.mtu)
		die_env("--mtu %ld exceeds the active MTU %d of %s", o.mtu,
			sod_mtu_to_bytes(pa.active_mtu), o.dev);
	gid_index = (int)o.gid_index;
	if (gid_index < 0) {
		gid_index = sod_roce_v2_ipv4_gid(ctx, IB_PORT);
		if (gid_index < 0)
			die_env("%s has no RoCE v2 GID with an IPv4 address", o.dev);
	}
	if (ibv_query_gid(ctx, IB_PORT, gid_index, &my_gid))
		die_env("ibv_query_gid(%d): %s", gid_index, strerror(errno));
	pd = ibv_alloc_pd(ctx);
	if (!pd)
		fail("ibv_alloc_pd: expected success got %s", strerror(errno));
}

static void setup_buffers(void)
{
	int acc = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
		  IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_ATOMIC;

	/* Client: the data, then one 8-byte slot per FETCH_AND_ADD. */
	buf_len = ((size_t)o.size + (o.server ? 0 : (size_t)o.count * 8) + 4095) /
		  4096 * 4096;
	if (posix_memalign((void **)&buf, 4096, buf_len) ||
	    posix_memalign((void **)&atom, 4096, ATOM_LEN))
		fail("posix_memalign(%zu): expected success got failure", buf_len);
	memset(buf, 0, buf_len);
	memset(atom, 0, ATOM_LEN);
	mr = ibv_reg_mr(pd, buf, buf_len, acc);
	if (!mr)
		fail("ibv_reg_mr(%zu bytes): expected success got %s", buf_len,
		     strerror(errno));
	amr = ibv_reg_mr(pd, atom, ATOM_LEN, acc);
	if (!amr)
		fail("ibv_reg_mr(atomic target): expected success got %s",
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
	long nrecv = o.server && has_test(T_SEND) ? nchunks() : 1;

	cq_create(&scq, MAX_DEPTH + 40);
	cq_create(&rcq, (int)nrecv + 8);
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
		fail("ibv_create_qp(RC, %ld receives): expected success got %s",
		     nrecv, strerror(errno));
}

static void modify(struct ibv_qp_attr *a, int mask, const char *what)
{
	int ret = ibv_modify_qp(qp, a, mask);

	if (ret)
		fail("ibv_modify_qp(%s): expected success got %s", what, strerror(ret));
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static void qp_to_rts(uint32_t lpsn)
{
	struct ibv_qp_attr a;

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_INIT;
	a.port_num = IB_PORT;
	a.qp_access_flags = IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ |
			    IBV_ACCESS_REMOTE_ATOMIC;
	modify(&a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
	       IBV_QP_ACCESS_FLAGS, "INIT");

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	a.path_mtu = sod_mtu_from_bytes(o.mtu);
	a.dest_qp_num = peer.qpn;
	a.rq_psn = peer.psn;
	a.max_dest_rd_atomic = (uint8_t)min_u32(my_rd_atom, 255);
	a.min_rnr_timer = 12;
	a.ah_attr.is_global = 1;
	a.ah_attr.grh.dgid = peer.gid;
	a.ah_attr.grh.sgid_index = (uint8_t)gid_index;
	a.ah_attr.grh.hop_limit = 64;
	a.ah_attr.port_num = IB_PORT;
	modify(&a, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN |
	       IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER,
	       "RTR");

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.sq_psn = lpsn;
	a.timeout = (uint8_t)o.timeout;
	a.retry_cnt = (uint8_t)o.retry_cnt;
	a.rnr_retry = 7;
	a.max_rd_atomic = (uint8_t)min_u32(min_u32(my_init_rd_atom, peer.rd_atom),
					   min_u32((uint32_t)o.depth, 255));
	modify(&a, IBV_QP_STATE | IBV_QP_SQ_PSN | IBV_QP_TIMEOUT |
	       IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY | IBV_QP_MAX_QP_RD_ATOMIC,
	       "RTS");
	sod_info("%s: qp 0x%x -> peer qp 0x%x, mtu %ld, timeout %ld, retry_cnt %ld, max_rd_atomic %u",
		 o.server ? "server" : "client", qp->qp_num, peer.qpn, o.mtu,
		 o.timeout, o.retry_cnt, a.max_rd_atomic);
}

static void send_info(uint32_t psn)
{
	char g[40];

	for (int i = 0; i < 16; i++)
		sprintf(g + 2 * i, "%02x", my_gid.raw[i]);
	send_line("INFO %s %" PRIu32 " %" PRIu32 " %" PRIu32 " %" PRIu64 " %" PRIu32
		  " %" PRIu64 " %" PRIu32, g, qp->qp_num, psn, mr->rkey,
		  (uint64_t)(uintptr_t)buf, amr->rkey, (uint64_t)(uintptr_t)atom,
		  my_rd_atom);
}

static void recv_info(void)
{
	char line[LINE_MAX_LEN], g[40];

	recv_line(line, sizeof(line));
	if (sscanf(line, "INFO %32s %" SCNu32 " %" SCNu32 " %" SCNu32 " %" SCNu64
		   " %" SCNu32 " %" SCNu64 " %" SCNu32, g, &peer.qpn, &peer.psn,
		   &peer.rkey, &peer.addr, &peer.arkey, &peer.aaddr,
		   &peer.rd_atom) != 8 || strlen(g) != 32)
		fail("control protocol: expected 'INFO ...' got '%s'", line);
	for (int i = 0; i < 16; i++) {
		unsigned int b;

		if (sscanf(g + 2 * i, "%2x", &b) != 1)
			fail("control protocol: bad GID '%s'", g);
		peer.gid.raw[i] = (uint8_t)b;
	}
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
		fail("create %s: expected success got %s", p, strerror(errno));
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
	long end = now_ms() + o.timeout_ms;

	while (!file_exists(p)) {
		if (now_ms() >= end)
			fail("expected %s to appear within %ld ms got none", p,
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
		fail("%s: ibv_post_send(wr %ld): expected success got %s",
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
	long posted = 0, done = 0, last = now_ms(), gap = 0;
	struct ibv_wc wc;
	char what[64];

	snprintf(what, sizeof(what), "%s completion", test_names[t]);
	while (done < n) {
		long now;

		while (posted < n && posted - done < o.depth)
			post_one(t, posted++, true);
		if (!cq_wait(&scq, &wc, o.timeout_ms))
			fail("%s: wr %ld: expected a completion within %ld ms got none (%ld of %ld done)",
			     test_names[t], done, o.timeout_ms, done, n);
		check_wc(&wc, what, (uint64_t)done, IBV_WC_SUCCESS, wc_opcode[t]);
		if (t == T_READ && wc.byte_len != chunk_len(done))
			fail("%s: wr %ld: byte_len: expected %u got %u", what, done,
			     chunk_len(done), wc.byte_len);
		now = now_ms();
		if (now - last > gap)
			gap = now - last;
		last = now;
		done++;
		mark_ready(test_names[t]);
	}
	cq_expect_empty(&scq, what);
	return gap;
}

static void client_faa_check(void)
{
	const uint64_t *res = buf + o.size / 8;
	long n = o.count;
	uint8_t *seen = calloc((size_t)n, 1);
	long out_of_order = -1;

	if (!seen)
		fail("calloc: expected success got failure");
	for (long i = 0; i < n; i++) {
		uint64_t v = res[i];

		if (v >= (uint64_t)n)
			fail("faa: wr %ld fetched %" PRIu64 ": expected a value in 0..%ld (each once)",
			     i, v, n - 1);
		if (seen[v])
			fail("faa: value %" PRIu64 " fetched twice (second by wr %ld): an atomic was executed twice",
			     v, i);
		seen[v] = 1;
		if (v != (uint64_t)i && out_of_order < 0)
			out_of_order = i;
	}
	free(seen);
	/* A permutation of 0..n-1 (n distinct values below n); RC executes
	 * in order, so wr i fetched i. */
	if (out_of_order >= 0)
		fail("faa: wr %ld fetched %" PRIu64 ": expected %ld (RC executes in order)",
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
	if (!cq_wait(&scq, &wc, o.timeout_ms))
		fail("cut: the WRITE before the cut: expected a completion within %ld ms got none",
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
	lo = 0.9 * (double)(strncmp(o.dev, "rxe", 3) ? o.retry_cnt + 1 :
			    o.retry_cnt) * t_try - 4.0;
	hi = 1.5 * expect + (double)o.cut_slack_ms;

	t0 = now_msf();
	for (long i = 0; i < o.cut_wrs; i++)
		post_one(T_CUT, i, true);
	if (!cq_wait(&scq, &wc, (long)hi + 5000))
		fail("cut: wr 0: expected IBV_WC_RETRY_EXC_ERR within %.0f ms got no completion",
		     hi + 5000);
	el = now_msf() - t0;
	check_wc(&wc, "cut: first WR after the cut", 0, IBV_WC_RETRY_EXC_ERR, -1);
	sod_info("client: cut: RETRY_EXC_ERR after %.1f ms (timeout %ld: %.1f ms x %ld tries = %.1f ms; bounds %.1f..%.1f ms)",
		 el, o.timeout, t_try, o.retry_cnt + 1, expect, lo, hi);
	if (el < lo || el > hi)
		fail("cut: time to IBV_WC_RETRY_EXC_ERR: expected %.1f..%.1f ms got %.1f ms",
		     lo, hi, el);
	for (long i = 1; i < o.cut_wrs; i++) {
		if (!cq_wait(&scq, &wc, o.timeout_ms))
			fail("cut: wr %ld: expected IBV_WC_WR_FLUSH_ERR got no completion within %ld ms",
			     i, o.timeout_ms);
		check_wc(&wc, "cut: a later WR", (uint64_t)i, IBV_WC_WR_FLUSH_ERR, -1);
	}
	cq_expect_empty(&scq, "cut");
	if (ibv_query_qp(qp, &qa, IBV_QP_STATE, &ia))
		fail("cut: ibv_query_qp: expected success got %s", strerror(errno));
	if (qa.qp_state != IBV_QPS_ERR)
		fail("cut: QP state: expected IBV_QPS_ERR (%d) got %d", IBV_QPS_ERR,
		     qa.qp_state);
	sod_info("client: cut: %ld later WRs flushed (WR_FLUSH_ERR), QP in ERR",
		 o.cut_wrs - 1);
}

static void client_test(int t, bool first, bool last)
{
	char line[LINE_MAX_LEN];
	long t0, gap = 0, n = 0;
	double mb;

	send_line("PREP %s", test_names[t]);
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
	expect_line("READY");
	t0 = now_ms();
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
	t0 = now_ms() - t0;
	if (last && o.done_file)
		make_file(o.done_file);
	if (t == T_READ) {
		const char *m = check_pattern(line, sizeof(line), t, "client");

		if (m)
			fail("%s", m);
	}
	if (t == T_FAA)
		client_faa_check();
	if (t == T_FAA)
		send_line("CHECK %s %ld", test_names[t], o.count);
	else
		send_line("CHECK %s", test_names[t]);
	expect_line("OK");
	mb = t == T_FAA || t == T_CUT ? 0 : (double)o.size / 1048576.0;
	sod_info("client: PASS %s: %ld WRs%s%.1f MiB in %ld ms, longest completion gap %ld ms",
		 test_names[t], n, mb > 0 ? ", " : " ", mb, t0, gap);
	if (first && o.expect_stall_ms && gap < o.expect_stall_ms)
		fail("%s: longest gap between completions: expected >= %ld ms (the outage) got %ld ms",
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
			fail("send: ibv_post_recv(%ld): expected success got %s", i,
			     strerror(ret));
	}
}

static void server_check_recvs(void)
{
	struct ibv_wc wc;

	for (long i = 0; i < nchunks(); i++) {
		if (!cq_wait(&rcq, &wc, o.timeout_ms))
			fail("send: receive %ld: expected a completion within %ld ms got none",
			     i, o.timeout_ms);
		check_wc(&wc, "send: receive", (uint64_t)i, IBV_WC_SUCCESS, IBV_WC_RECV);
		if (wc.byte_len != chunk_len(i))
			fail("send: receive %ld: byte_len: expected %u got %u", i,
			     chunk_len(i), wc.byte_len);
	}
	cq_expect_empty(&rcq, "send: receives");
}

static void server_loop(void)
{
	char line[LINE_MAX_LEN], msg[LINE_MAX_LEN], name[32];
	long arg;

	for (;;) {
		const char *m = NULL;
		int t;

		recv_line(line, sizeof(line));
		if (strcmp(line, "QUIT") == 0) {
			send_line("BYE");
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
				fail("control protocol: unknown test in '%s'", line);
			}
			send_line("READY");
			continue;
		}
		if (sscanf(line, "CHECK %31s %ld", name, &arg) < 1)
			fail("control protocol: expected PREP, CHECK or QUIT got '%s'", line);
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
			fail("control protocol: unknown test in '%s'", line);
		}
		if (m)
			fail("%s", m);
		cq_expect_empty(&scq, "server send queue");
		sod_info("server: %s checked", test_names[t]);
		send_line("OK");
	}
}

/* ------------------------------------------------------------ main */

static void parse_tests(const char *s)
{
	char tmp[256], *save = NULL, *tok;

	if (strlen(s) >= sizeof(tmp))
		sod_usage_error(usage, "invalid --tests '%s'", s);
	strcpy(tmp, s);
	o.ntests = 0;
	for (tok = strtok_r(tmp, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int t;

		for (t = 0; t < T_COUNT; t++)
			if (strcmp(tok, test_names[t]) == 0)
				break;
		if (t == T_COUNT)
			sod_usage_error(usage, "invalid --tests: unknown test '%s'", tok);
		if (o.ntests == MAX_TESTS)
			sod_usage_error(usage, "invalid --tests: more than %d", MAX_TESTS);
		if (o.ntests && o.tests[o.ntests - 1] == T_CUT)
			sod_usage_error(usage, "invalid --tests: cut must be the last test");
		o.tests[o.ntests++] = t;
	}
	if (!o.ntests)
		sod_usage_error(usage, "invalid --tests '%s': no test", s);
}

static void parse_num(const char *name, const char *arg, long min, long max,
		      long *out)
{
	if (!sod_parse_long(arg, min, max, out))
		sod_usage_error(usage, "invalid --%s '%s' (%ld..%ld)", name, arg,
				min, max);
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "server", no_argument, NULL, 'S' },
		{ "client", required_argument, NULL, 'C' },
		{ "port", required_argument, NULL, 'p' },
		{ "gid-index", required_argument, NULL, 'g' },
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

	o.port = 18530;
	o.gid_index = -1;
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
		switch (c) {
		case 'd': o.dev = optarg; break;
		case 'S': o.server = true; break;
		case 'C': o.host = optarg; break;
		case 'p': parse_num("port", optarg, 1, 65535, &o.port); break;
		case 'g': parse_num("gid-index", optarg, 0, 255, &o.gid_index); break;
		case 'T': parse_tests(optarg); break;
		case 's': parse_num("size", optarg, 8, 64L << 20, &o.size); break;
		case 'c': parse_num("chunk", optarg, 8, 64L << 20, &o.chunk); break;
		case 'D': parse_num("depth", optarg, 1, MAX_DEPTH, &o.depth); break;
		case 'n': parse_num("count", optarg, 1, 1000000, &o.count); break;
		case 'm':
			if (!sod_parse_long(optarg, 1, 65536, &o.mtu) ||
			    !sod_mtu_from_bytes(o.mtu))
				sod_usage_error(usage,
						"invalid --mtu '%s' (256, 512, 1024, 2048 or 4096)",
						optarg);
			break;
		case 'o': parse_num("timeout", optarg, 0, 31, &o.timeout); break;
		case 'r': parse_num("retry-cnt", optarg, 0, 7, &o.retry_cnt); break;
		case 'w': parse_num("cut-wrs", optarg, 2, 32, &o.cut_wrs); break;
		case 'f': parse_num("floor-ms", optarg, 0, 100000, &o.floor_ms); break;
		case 'k': parse_num("cut-slack-ms", optarg, 0, 600000, &o.cut_slack_ms); break;
		case 'R': o.ready_file = optarg; break;
		case 'G': o.go_file = optarg; break;
		case 'F': o.done_file = optarg; break;
		case 'x': parse_num("expect-stall-ms", optarg, 0, 600000, &o.expect_stall_ms); break;
		case 't': parse_num("timeout-ms", optarg, 1, 3600000, &o.timeout_ms); break;
		case 'h':
			printf("Usage: %s %s", sod_prog, usage);
			exit(SOD_EXIT_OK);
		default:
			sod_usage_error(usage, "unknown or incomplete option '%s'",
					argv[optind - 1]);
		}
	}
	if (optind != argc)
		sod_usage_error(usage, "unexpected argument '%s'", argv[optind]);
	if (!o.dev)
		sod_usage_error(usage, "--dev is required");
	if (o.server == !!o.host)
		sod_usage_error(usage, "exactly one of --server and --client HOST is required");
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
	send_line("HELLO %" PRIu64 " %ld %ld %ld %ld %ld %ld %ld %s", seed, o.size,
		  o.chunk, o.depth, o.count, o.mtu, o.timeout, o.retry_cnt, t);
}

static void server_hello(void)
{
	char line[LINE_MAX_LEN], t[128];

	recv_line(line, sizeof(line));
	if (sscanf(line, "HELLO %" SCNu64 " %ld %ld %ld %ld %ld %ld %ld %127s", &seed,
		   &o.size, &o.chunk, &o.depth, &o.count, &o.mtu, &o.timeout,
		   &o.retry_cnt, t) != 9 || o.size < 8 || o.size > (64L << 20) ||
	    o.size % 8 || o.chunk < 8 || o.chunk % 8 || o.size / o.chunk > 16384 ||
	    !sod_mtu_from_bytes(o.mtu))
		fail("control protocol: expected a valid 'HELLO ...' got '%s'", line);
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
	ctl_connect();
	if (o.server)
		server_hello();
	else
		client_hello();
	setup_buffers();
	setup_qp();
	if (o.server) {
		send_info(psn);
		recv_info();
		qp_to_rts(psn);
		send_line("READY");
		server_loop();
		sod_info("server: PASS (client finished)");
		return SOD_EXIT_OK;
	}
	recv_info();
	qp_to_rts(psn);
	send_info(psn);
	expect_line("READY");
	for (int i = 0; i < o.ntests; i++)
		client_test(o.tests[i], i == 0, i == o.ntests - 1);
	send_line("QUIT");
	expect_line("BYE");
	sod_info("client: PASS all %d tests", o.ntests);
	return SOD_EXIT_OK;
}
