// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sod_fuzz - malformed and randomized RoCEv2 packets against a softodp
 * device, from a host without an RDMA device (tests/vm/cases/malformed.sh).
 *
 *   sod_fuzz --target --dev DEV [--dev2 DEV2] [--gid-index N] [--port P]
 *   sod_fuzz --sender HOST [--port P] [--packets N] [--seed S]
 *
 * The target owns the device: RC QPs (in RTS, their remote is the sender's
 * address and a QPN the sender answers to), a UD QP, and one mmap laid out
 *   canary | W (remote write/read/atomic) | canary | R (remote read) |
 *   canary | receive buffers | canary
 * plus the R_Key of an MR over the middle canary page that was registered
 * with remote write and deregistered, and (--dev2) a QP of a second device
 * whose QPN is not one of DEV's.  It tells the sender all of that over a
 * TCP control connection, resets QPs on request, reports its port counters
 * (sysfs hw_counters), and at the end checks that every canary page, R and
 * the second device's MR are unchanged.
 *
 * The sender builds every packet itself (raw IPv4 socket, IP_HDRINCL) and
 * receives the device's answers on its own UDP port 4791.  It first sends
 * directed cases (truncated headers, bad ICRC, unknown opcode, opcode of the
 * other QP type, bad P_Key, unknown QPN and a QPN of the other device, PSN
 * ahead and behind, deregistered R_Key, RETH beyond an MR, write to the
 * read-only MR, misaligned atomic, payload beyond the path MTU, broken
 * opcode sequences), each checked against the counter it must move and,
 * where IBTA says NAK, the NAK code that comes back.  Then --packets
 * randomized packets: valid requests mutated (opcode, bit flips in the
 * BTH and extension headers, pad, truncation, extension, RETH/AtomicETH
 * fields, PSNs near the window, QPNs, P_Key), mostly with a correct ICRC
 * computed after the mutation.  For each packet the sender predicts what
 * the receive path does before handing it to a QP (malformed, unknown
 * opcode, ICRC, P_Key, no QP, QP type, delivered); the device's counters
 * must match those predictions exactly.  READ responses from R must carry
 * R's pattern, and no response may carry canary bytes.
 *
 * Exit status: 0 all checks passed, 1 a check failed, 2 usage/environment.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sod_common.h"

#define IB_PORT		1
#define ROCE_PORT	4791
#define NRC		8		/* RC QPs of the target */
#define RQ_DEPTH	16		/* receive WQEs per RC QP */
#define RC_SLOT		4096
#define UD_DEPTH	64
#define UD_SLOT		2048
#define UD_QKEY		0x1234abcdU
/*
 * The destination QPN an RC QP answers to: FAKE_QPN + gen * NRC + i, a new
 * generation each reset, so that answers of a QP's previous life (still in
 * flight when it was reset) are told apart and ignored.
 */
#define FAKE_QPN	0x1000
#define FAKE_GENS	0x1000
#define PAGE		4096U
#define W_LEN		(8 * PAGE)	/* >= PAGE + 16 MTUs + 8 (ACK bound) */
#define R_LEN		(4 * PAGE)
#define RB_LEN		(NRC * RQ_DEPTH * RC_SLOT + UD_DEPTH * UD_SLOT)
#define E_LEN		PAGE		/* MR of the second device */
#define MAGIC		0x534f4446U
#define MAX_QPN_LIST	32
#define MAX_TLEN	1400		/* BTH .. pad, without ICRC */
#define SYNC_EVERY	32	/* packets between syncs: no ring overflows */
#define CTL_TIMEOUT_MS	30000

static const uint8_t canary8[8] = { 0xca, 0xfe, 0xba, 0xbe,
				    0xde, 0xad, 0xc0, 0xde };

/* Port counters, in this order in every CTRS reply. */
enum ctr {
	CT_RX_PKTS, CT_MALFORMED, CT_ICRC, CT_NO_QP, CT_OPCODE, CT_QP_TYPE,
	CT_PKEY, CT_BUSY, CT_QP_STATE, CT_QKEY, CT_UD_DROP, CT_SEQ_ERR,
	CT_DUP, CT_NAK_INV, CT_NAK_ACC, CT_NAK_OP, CT_NAK_SEQ, CT_RNR_SENT,
	CT_TX_PKTS, NCTR
};

static const char *const ctr_name[NCTR] = {
	"rcvd_pkts", "rcvd_malformed", "rcvd_icrc_err", "rcvd_no_qp",
	"rcvd_bad_opcode", "rcvd_qp_type_err", "rcvd_pkey_err",
	"rcvd_busy_drop", "rcvd_qp_state_drop", "rcvd_qkey_err",
	"rcvd_ud_drop", "rcvd_seq_err", "duplicate_request",
	"nak_sent_inv_req", "nak_sent_rem_access", "nak_sent_rem_op",
	"nak_sent_seq_err", "rnr_nak_sent", "sent_pkts",
};

/* The counters every packet reaching the receive path moves exactly one of. */
static const enum ctr arrival_ctr[] = {
	CT_RX_PKTS, CT_MALFORMED, CT_ICRC, CT_NO_QP, CT_OPCODE, CT_QP_TYPE,
	CT_PKEY, CT_BUSY,
};

/* Target -> sender, once. */
struct params {
	uint32_t magic;
	uint32_t mtu;
	uint32_t rc_qpn[NRC];
	uint32_t ud_qpn;
	uint32_t other_qpn;		/* 0: no second device */
	uint32_t nqpn;			/* the QPNs that exist on DEV */
	uint32_t qpn[MAX_QPN_LIST];
	uint64_t w_addr, r_addr, c_addr;
	uint32_t w_rkey, r_rkey, d_rkey;
	uint32_t pad;
};

enum { CMD_RESET = 1, CMD_SYNC, CMD_CTRS, CMD_DONE };

struct cmd {
	uint32_t op;
	uint32_t n;
	uint32_t a[3 * NRC + 2];
};

struct reply {
	uint32_t status;
	uint32_t n;
	uint64_t v[2 * NCTR];
	char msg[256];
};

static struct {
	bool target, sender;
	const char *dev, *dev2, *host;
	long port, gid_index, packets, seed, mtu;
} o = { .port = 18800, .gid_index = -1, .packets = 100000, .mtu = 1024 };

static int ctl = -1;

static const char usage[] =
	"Usage: sod_fuzz --target --dev DEV [--dev2 DEV2] [--gid-index N] [--port P] [--mtu BYTES]\n"
	"       sod_fuzz --sender HOST [--port P] [--packets N] [--seed S]\n"
	"Malformed and randomized RoCEv2 packets against a softodp device: the\n"
	"target owns DEV, the sender (a host without RDMA device: it binds UDP\n"
	"port 4791) crafts the packets and checks answers and counters.\n";

/* sod_fail's handler: "<prog>: <why>" (no FAIL prefix), exit 1. */
static void __attribute__((noreturn)) on_fail(const char *msg)
{
	sod_err("%s", msg);
	exit(SOD_EXIT_FAIL);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ */
/* Control connection                                                  */
/* ------------------------------------------------------------------ */

static void ctl_io(void *buf, size_t len, bool wr)
{
	uint8_t *p = buf;
	uint64_t deadline = now_ms() + CTL_TIMEOUT_MS;

	while (len) {
		struct pollfd pfd = { .fd = ctl, .events = wr ? POLLOUT : POLLIN };
		ssize_t n;

		if (now_ms() > deadline)
			sod_fail("control connection: expected %s within %d ms, timed out",
				 wr ? "to send" : "a message", CTL_TIMEOUT_MS);
		if (poll(&pfd, 1, 100) < 1)
			continue;
		n = wr ? send(ctl, p, len, MSG_NOSIGNAL) : recv(ctl, p, len, 0);
		if (n == 0)
			sod_fail("control connection: closed by the peer");
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			sod_fail("control connection: %s", strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
}

/* Wait for the sender (it may start much later: another VM). */
static void ctl_listen(void)
{
	char msg[300];

	ctl = sod_tcp_accept(o.port, "target", "sender", 120000, msg, sizeof(msg));
	if (ctl == -SOD_EXIT_USAGE)
		sod_die_env("%s", msg);
	if (ctl < 0)
		sod_fail("%s", msg);
}

/* Connect to the target, retrying while it does not listen yet. */
static void ctl_connect(void)
{
	char msg[300];

	ctl = sod_tcp_connect(o.host, o.port, 60000, msg, sizeof(msg));
	if (ctl == -SOD_EXIT_USAGE)
		sod_die_env("%s", msg);
	if (ctl < 0)
		sod_fail("%s", msg);
}

/* ------------------------------------------------------------------ */
/* Target                                                              */
/* ------------------------------------------------------------------ */

static struct {
	struct ibv_context *ctx, *ctx2;
	struct ibv_pd *pd, *pd2;
	struct ibv_cq *cq, *scq, *cq2;
	struct ibv_qp *rc[NRC], *ud, *qp2[MAX_QPN_LIST];
	struct ibv_mr *w, *r, *rb, *e;
	uint8_t *base;
	size_t len;
	uint8_t *cw, *cwr, *crb, *cend, *ce, *ce_end;	/* canary pages */
	uint8_t *wbuf, *rbuf, *rbbuf, *ebuf;
	union ibv_gid peer_gid;
	int gid_index;
	enum ibv_mtu mtu;
	uint8_t max_rd;
	uint32_t d_rkey;		/* of the MR over the middle canary, gone */
	unsigned long repost_fail;
} t;

static uint8_t r_pattern(uint64_t off)
{
	return (uint8_t)(off * 7 + (off >> 8) + 0x5a);
}

static void fill_canary(uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = canary8[i & 7];
}

static const char *check_canary(const uint8_t *p, size_t len, size_t *at)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] != canary8[i & 7]) {
			*at = i;
			return "changed";
		}
	}
	return NULL;
}

/*
 * A port counter of @ctx (one of ctr_name[]), from sysfs.  The files stay
 * open: a read at offset 0 asks the driver again (cheaper than opening
 * them for every poll, which counts on the debug kernel).
 */
static uint64_t read_ctr(struct ibv_context *ctx, const char *name)
{
	static int fds[2][NCTR];
	static bool opened[2][NCTR];
	int d = ctx == t.ctx ? 0 : 1, k;
	char path[512], buf[64];
	unsigned long long v = 0;
	ssize_t n;

	for (k = 0; k < NCTR && strcmp(ctr_name[k], name); k++)
		;
	if (k == NCTR)
		sod_fail("counter %s: not one of this test's", name);
	if (!opened[d][k]) {
		snprintf(path, sizeof(path),
			 "/sys/class/infiniband/%s/ports/%d/hw_counters/%s",
			 ibv_get_device_name(ctx->device), IB_PORT, name);
		fds[d][k] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[d][k] < 0)
			sod_fail("counter %s: cannot open %s: %s", name, path,
				 strerror(errno));
		opened[d][k] = true;
	}
	n = pread(fds[d][k], buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		sod_fail("counter %s: unreadable", name);
	buf[n] = '\0';
	if (sscanf(buf, "%llu", &v) != 1)
		sod_fail("counter %s: unreadable ('%s')", name, buf);
	return v;
}

static uint64_t arrivals_of(const uint64_t *v)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < sizeof(arrival_ctr) / sizeof(arrival_ctr[0]); i++)
		sum += v[arrival_ctr[i]];
	return sum;
}

static void read_ctrs(struct ibv_context *ctx, uint64_t *v)
{
	for (int i = 0; i < NCTR; i++)
		v[i] = read_ctr(ctx, ctr_name[i]);
}

static uint64_t arrivals(struct ibv_context *ctx)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < sizeof(arrival_ctr) / sizeof(arrival_ctr[0]); i++)
		sum += read_ctr(ctx, ctr_name[arrival_ctr[i]]);
	return sum;
}

static void post_recv(struct ibv_qp *qp, uint32_t qi, uint32_t slot)
{
	struct ibv_sge sge;
	struct ibv_recv_wr wr = { .sg_list = &sge, .num_sge = 1 }, *bad;

	wr.wr_id = (uint64_t)qi << 16 | slot;
	if (qi < NRC) {
		sge.addr = (uintptr_t)t.rbbuf + (qi * RQ_DEPTH + slot) * RC_SLOT;
		sge.length = RC_SLOT;
	} else {
		sge.addr = (uintptr_t)t.rbbuf + NRC * RQ_DEPTH * RC_SLOT +
			   slot * UD_SLOT;
		sge.length = UD_SLOT;
	}
	sge.lkey = t.rb->lkey;
	if (ibv_post_recv(qp, &wr, &bad))
		t.repost_fail++;	/* full (a stale completion reposted) */
}

/* Poll the CQ; a successful receive gives its slot back to its QP. */
static void service_cq(void)
{
	struct ibv_wc wc[32];
	int n;

	while ((n = ibv_poll_cq(t.cq, 32, wc)) > 0) {
		for (int i = 0; i < n; i++) {
			uint32_t qi = (uint32_t)(wc[i].wr_id >> 16);
			uint32_t slot = (uint32_t)(wc[i].wr_id & 0xffff);

			if (wc[i].status != IBV_WC_SUCCESS || qi > NRC)
				continue;
			post_recv(qi < NRC ? t.rc[qi] : t.ud, qi, slot);
		}
	}
	if (n < 0)
		sod_fail("ibv_poll_cq: expected >= 0 got %d", n);
	while (ibv_poll_cq(t.scq, 32, wc) > 0)
		;
}

static void rc_reset(uint32_t i, uint32_t psn, uint32_t dqpn)
{
	const struct sod_rc_conn c = {
		.port = IB_PORT,
		.path_mtu = t.mtu,
		.dgid = t.peer_gid,
		.sgid_index = (uint8_t)t.gid_index,
		.dest_qpn = dqpn,
		.rq_psn = psn,
		.max_dest_rd_atomic = t.max_rd,
		.max_rd_atomic = 1,
		.min_rnr_timer = 1,
		.timeout = 14,
		.retry_cnt = 7,
		.rnr_retry = 7,
	};
	struct ibv_qp *qp = t.rc[i];
	struct ibv_qp_attr a;
	const char *step;
	int ret;

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RESET;
	sod_modify_qp(qp, &a, IBV_QP_STATE, "RC RESET");
	service_cq();

	ret = sod_rc_init(qp, IB_PORT);
	if (ret)
		sod_fail("ibv_modify_qp(RC INIT): expected success got %s", strerror(ret));
	for (uint32_t s = 0; s < RQ_DEPTH; s++)
		post_recv(qp, i, s);
	ret = sod_rc_rtr_rts(qp, &c, &step);
	if (ret)
		sod_fail("ibv_modify_qp(RC %s): expected success got %s", step,
			 strerror(ret));
}

static struct ibv_qp *make_qp(struct ibv_pd *pd, struct ibv_cq *scq,
			      struct ibv_cq *rcq, enum ibv_qp_type type,
			      uint32_t depth)
{
	struct ibv_qp_init_attr ia = {
		.send_cq = scq,
		.recv_cq = rcq,
		.cap = { .max_send_wr = 4, .max_recv_wr = depth * 2,
			 .max_send_sge = 1, .max_recv_sge = 1 },
		.qp_type = type,
	};
	struct ibv_qp *qp = ibv_create_qp(pd, &ia);

	if (!qp)
		sod_fail("ibv_create_qp: expected success got %s", strerror(errno));
	return qp;
}

static void target_setup(void)
{
	struct ibv_device_attr da;
	struct ibv_qp_attr a;
	struct sockaddr_in peer;
	socklen_t plen = sizeof(peer);
	int ec;
	uint8_t *p;

	t.ctx = sod_open_device(o.dev, &ec);
	if (!t.ctx)
		exit(ec);
	if (o.dev2) {
		t.ctx2 = sod_open_device(o.dev2, &ec);
		if (!t.ctx2)
			exit(ec);
	}
	if (ibv_query_device(t.ctx, &da))
		sod_fail("ibv_query_device failed");
	t.max_rd = (uint8_t)(da.max_qp_rd_atom < 16 ? da.max_qp_rd_atom : 16);
	t.mtu = sod_mtu_from_bytes(o.mtu);
	t.gid_index = (int)o.gid_index;
	if (t.gid_index < 0)
		t.gid_index = sod_roce_v2_ipv4_gid(t.ctx, IB_PORT);
	if (t.gid_index < 0)
		sod_die_env("%s has no RoCE v2 IPv4 GID", o.dev);
	/* The counters this test reads must exist (fails on older modules). */
	for (int i = 0; i < NCTR; i++)
		read_ctr(t.ctx, ctr_name[i]);

	/* canary | W | canary | R | canary | RB | canary [| E | canary] */
	t.len = PAGE + W_LEN + PAGE + R_LEN + PAGE + RB_LEN + PAGE + E_LEN + PAGE;
	t.base = mmap(NULL, t.len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (t.base == MAP_FAILED)
		sod_fail("mmap: %s", strerror(errno));
	p = t.base;
	t.cw = p;
	p += PAGE;
	t.wbuf = p;
	p += W_LEN;
	t.cwr = p;
	p += PAGE;
	t.rbuf = p;
	p += R_LEN;
	t.crb = p;
	p += PAGE;
	t.rbbuf = p;
	p += RB_LEN;
	t.cend = p;
	p += PAGE;
	t.ebuf = p;
	p += E_LEN;
	t.ce_end = p;
	fill_canary(t.base, t.len);
	memset(t.wbuf, 0, W_LEN);
	for (uint32_t i = 0; i < R_LEN; i++)
		t.rbuf[i] = r_pattern(i);
	memset(t.rbbuf, 0, RB_LEN);
	for (uint32_t i = 0; i < E_LEN; i++)
		t.ebuf[i] = r_pattern(i + 3);

	t.pd = ibv_alloc_pd(t.ctx);
	if (!t.pd)
		sod_fail("ibv_alloc_pd failed");
	t.w = ibv_reg_mr(t.pd, t.wbuf, W_LEN, IBV_ACCESS_LOCAL_WRITE |
			 IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ |
			 IBV_ACCESS_REMOTE_ATOMIC);
	t.r = ibv_reg_mr(t.pd, t.rbuf, R_LEN, IBV_ACCESS_REMOTE_READ);
	t.rb = ibv_reg_mr(t.pd, t.rbbuf, RB_LEN, IBV_ACCESS_LOCAL_WRITE);
	if (!t.w || !t.r || !t.rb)
		sod_fail("ibv_reg_mr: expected success got %s", strerror(errno));
	{
		/* A writable MR over the canary between W and R, gone. */
		struct ibv_mr *d = ibv_reg_mr(t.pd, t.cwr, PAGE,
					      IBV_ACCESS_LOCAL_WRITE |
					      IBV_ACCESS_REMOTE_WRITE |
					      IBV_ACCESS_REMOTE_READ |
					      IBV_ACCESS_REMOTE_ATOMIC);
		if (!d)
			sod_fail("ibv_reg_mr(canary): %s", strerror(errno));
		t.d_rkey = d->rkey;
		if (ibv_dereg_mr(d))
			sod_fail("ibv_dereg_mr failed");
	}
	t.cq = ibv_create_cq(t.ctx, 4096, NULL, NULL, 0);
	t.scq = ibv_create_cq(t.ctx, 64, NULL, NULL, 0);
	if (!t.cq || !t.scq)
		sod_fail("ibv_create_cq failed");
	for (int i = 0; i < NRC; i++)
		t.rc[i] = make_qp(t.pd, t.scq, t.cq, IBV_QPT_RC, RQ_DEPTH);
	t.ud = make_qp(t.pd, t.scq, t.cq, IBV_QPT_UD, UD_DEPTH);
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_INIT;
	a.port_num = IB_PORT;
	a.qkey = UD_QKEY;
	sod_modify_qp(t.ud, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
		      IBV_QP_QKEY, "UD INIT");
	for (uint32_t s = 0; s < UD_DEPTH; s++)
		post_recv(t.ud, NRC, s);
	a.qp_state = IBV_QPS_RTR;
	sod_modify_qp(t.ud, &a, IBV_QP_STATE, "UD RTR");
	a.qp_state = IBV_QPS_RTS;
	a.sq_psn = 0;
	sod_modify_qp(t.ud, &a, IBV_QP_STATE | IBV_QP_SQ_PSN, "UD RTS");

	ctl_listen();
	if (getpeername(ctl, (struct sockaddr *)&peer, &plen))
		sod_fail("getpeername: %s", strerror(errno));
	memset(&t.peer_gid, 0, sizeof(t.peer_gid));
	t.peer_gid.raw[10] = 0xff;
	t.peer_gid.raw[11] = 0xff;
	memcpy(&t.peer_gid.raw[12], &peer.sin_addr, 4);
	for (uint32_t i = 0; i < NRC; i++)
		rc_reset(i, 0, FAKE_QPN + i);
}

static bool qpn_on_dev(const struct params *pa, uint32_t qpn)
{
	for (uint32_t i = 0; i < pa->nqpn; i++)
		if (pa->qpn[i] == qpn)
			return true;
	return false;
}

static void target_second_dev(struct params *pa)
{
	t.pd2 = ibv_alloc_pd(t.ctx2);
	t.cq2 = t.pd2 ? ibv_create_cq(t.ctx2, 16, NULL, NULL, 0) : NULL;
	if (!t.cq2)
		sod_fail("%s: PD/CQ: %s", o.dev2, strerror(errno));
	t.e = ibv_reg_mr(t.pd2, t.ebuf, E_LEN, IBV_ACCESS_LOCAL_WRITE |
			 IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ);
	if (!t.e)
		sod_fail("%s: ibv_reg_mr: %s", o.dev2, strerror(errno));
	/* A QPN of the second device that DEV does not have. */
	for (int i = 0; i < MAX_QPN_LIST; i++) {
		struct ibv_qp_attr a = { .qp_state = IBV_QPS_INIT,
					 .port_num = IB_PORT,
					 .qp_access_flags =
						IBV_ACCESS_REMOTE_WRITE };

		t.qp2[i] = make_qp(t.pd2, t.cq2, t.cq2, IBV_QPT_RC, 4);
		if (qpn_on_dev(pa, t.qp2[i]->qp_num))
			continue;
		sod_modify_qp(t.qp2[i], &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
			      IBV_QP_PORT | IBV_QP_ACCESS_FLAGS, "dev2 INIT");
		pa->other_qpn = t.qp2[i]->qp_num;
		return;
	}
	sod_fail("%s: no QPN that %s does not have in %d QPs", o.dev2, o.dev,
		 MAX_QPN_LIST);
}

/* The memory checks: canaries, R and E as they were set up. */
static int target_memcheck(char *msg, size_t mlen)
{
	static const struct { const char *name; int which; } reg[] = {
		{ "canary before W", 0 }, { "canary between W and R", 1 },
		{ "canary after R", 2 }, { "canary after the receive buffers", 3 },
		{ "canary after the second device's MR", 4 },
	};
	uint8_t *pages[] = { t.cw, t.cwr, t.crb, t.cend, t.ce_end };
	size_t at;

	for (size_t i = 0; i < sizeof(reg) / sizeof(reg[0]); i++) {
		if (check_canary(pages[reg[i].which], PAGE, &at)) {
			snprintf(msg, mlen, "%s changed at byte %zu (%#x)",
				 reg[i].name, at, pages[reg[i].which][at]);
			return 1;
		}
	}
	for (uint32_t i = 0; i < R_LEN; i++) {
		if (t.rbuf[i] != r_pattern(i)) {
			snprintf(msg, mlen, "read-only MR changed at byte %u", i);
			return 1;
		}
	}
	for (uint32_t i = 0; i < E_LEN; i++) {
		if (t.ebuf[i] != r_pattern(i + 3)) {
			snprintf(msg, mlen, "second device's MR changed at byte %u", i);
			return 1;
		}
	}
	snprintf(msg, mlen, "canaries, read-only MR and second device's MR unchanged");
	return 0;
}

static int target_run(void)
{
	struct params pa;
	uint64_t base, base2 = 0;
	unsigned long resets = 0, syncs = 0;

	target_setup();
	memset(&pa, 0, sizeof(pa));
	pa.magic = MAGIC;
	pa.mtu = (uint32_t)o.mtu;
	for (int i = 0; i < NRC; i++) {
		pa.rc_qpn[i] = t.rc[i]->qp_num;
		pa.qpn[pa.nqpn++] = t.rc[i]->qp_num;
	}
	pa.ud_qpn = t.ud->qp_num;
	pa.qpn[pa.nqpn++] = t.ud->qp_num;
	pa.qpn[pa.nqpn++] = 1;		/* the GSI QP */
	pa.w_addr = (uintptr_t)t.wbuf;
	pa.w_rkey = t.w->rkey;
	pa.r_addr = (uintptr_t)t.rbuf;
	pa.r_rkey = t.r->rkey;
	pa.c_addr = (uintptr_t)t.cwr;
	pa.d_rkey = t.d_rkey;
	if (t.ctx2) {
		target_second_dev(&pa);
		base2 = arrivals(t.ctx2);
	}
	base = arrivals(t.ctx);
	ctl_io(&pa, sizeof(pa), true);
	sod_info("target: %d RC QPs (%u..), UD QP %u, W rkey %#x, R rkey %#x, deregistered rkey %#x, other device's QPN %u",
		 NRC, pa.rc_qpn[0], pa.ud_qpn, pa.w_rkey, pa.r_rkey, pa.d_rkey,
		 pa.other_qpn);

	for (;;) {
		struct pollfd pfd = { .fd = ctl, .events = POLLIN };
		struct reply rep;
		struct cmd c;

		service_cq();
		if (poll(&pfd, 1, 5) < 1)
			continue;
		ctl_io(&c, sizeof(c), false);
		memset(&rep, 0, sizeof(rep));
		switch (c.op) {
		case CMD_RESET:
			for (uint32_t i = 0; i < c.n && i < NRC; i++)
				rc_reset(c.a[3 * i] % NRC, c.a[3 * i + 1],
					 c.a[3 * i + 2]);
			resets += c.n;
			break;
		case CMD_SYNC: {
			/*
			 * Poll until the packets sent have arrived, or until
			 * nothing more arrives for 300 ms (a packet was lost).
			 */
			uint64_t want = (uint64_t)c.a[0] << 32 | c.a[1];
			uint64_t got = 0, prev = UINT64_MAX, idle = now_ms();

			syncs++;
			for (;;) {
				struct timespec ts = { 0, 500 * 1000 };

				got = arrivals(t.ctx) - base;
				if (got >= want)
					break;
				if (got != prev) {
					prev = got;
					idle = now_ms();
				} else if (now_ms() - idle > 300) {
					break;
				}
				service_cq();
				nanosleep(&ts, NULL);
			}
			read_ctrs(t.ctx, rep.v + 1);
			rep.v[0] = arrivals_of(rep.v + 1) - base;
			rep.n = NCTR + 1;
			break;
		}
		case CMD_CTRS:
			for (int i = 0; i < NCTR; i++)
				rep.v[i] = read_ctr(t.ctx, ctr_name[i]);
			rep.v[NCTR] = t.ctx2 ? arrivals(t.ctx2) - base2 : 0;
			rep.n = NCTR + 1;
			break;
		case CMD_DONE:
			service_cq();
			rep.status = (uint32_t)target_memcheck(rep.msg,
							       sizeof(rep.msg));
			ctl_io(&rep, sizeof(rep), true);
			sod_info("target: %s (%lu QP resets, %lu syncs, %lu receive reposts refused)",
				 rep.msg, resets, syncs, t.repost_fail);
			if (rep.status)
				sod_fail("%s", rep.msg);
			return SOD_EXIT_OK;
		default:
			sod_fail("control: unknown command %u", c.op);
		}
		ctl_io(&rep, sizeof(rep), true);
	}
}

/* ------------------------------------------------------------------ */
/* Sender: packets                                                     */
/* ------------------------------------------------------------------ */

/* Extension headers, in wire order. */
enum { X_RETH, X_DETH, X_ATMETH, X_AETH, X_ATMACK, X_IMMDT, X_IETH, NX };
static const uint8_t x_len[NX] = { 16, 8, 28, 4, 8, 4, 4 };

enum {
	F_PAYLOAD = 1 << 0, F_LAST = 1 << 1, F_RC = 1 << 2, F_UD = 1 << 3,
	F_VALID = 1 << 4,
};

struct opinfo {
	uint8_t flags;
	uint8_t ext;		/* bit per X_* */
};

/* What softodp implements (IBTA vol. 1 table 38, RC and UD). */
static struct opinfo ops[256];

#define OPX(code, fl, ex) ops[code] = (struct opinfo){ (fl) | F_VALID, (ex) }
#define B(x) (1 << (x))

static void ops_init(void)
{
	const uint8_t rc = F_RC, pl = F_PAYLOAD, la = F_LAST;

	OPX(0x00, rc | pl, 0);				/* SEND FIRST */
	OPX(0x01, rc | pl, 0);				/* SEND MIDDLE */
	OPX(0x02, rc | pl | la, 0);			/* SEND LAST */
	OPX(0x03, rc | pl | la, B(X_IMMDT));
	OPX(0x04, rc | pl | la, 0);			/* SEND ONLY */
	OPX(0x05, rc | pl | la, B(X_IMMDT));
	OPX(0x06, rc | pl, B(X_RETH));			/* WRITE FIRST */
	OPX(0x07, rc | pl, 0);
	OPX(0x08, rc | pl | la, 0);
	OPX(0x09, rc | pl | la, B(X_IMMDT));
	OPX(0x0a, rc | pl | la, B(X_RETH));		/* WRITE ONLY */
	OPX(0x0b, rc | pl | la, B(X_RETH) | B(X_IMMDT));
	OPX(0x0c, rc | la, B(X_RETH));			/* READ REQUEST */
	OPX(0x0d, rc | pl, B(X_AETH));			/* READ RESP FIRST */
	OPX(0x0e, rc | pl, 0);
	OPX(0x0f, rc | pl | la, B(X_AETH));
	OPX(0x10, rc | pl | la, B(X_AETH));
	OPX(0x11, rc | la, B(X_AETH));			/* ACK */
	OPX(0x12, rc | la, B(X_AETH) | B(X_ATMACK));	/* ATOMIC ACK */
	OPX(0x13, rc | la, B(X_ATMETH));		/* CMP SWAP */
	OPX(0x14, rc | la, B(X_ATMETH));		/* FETCH ADD */
	OPX(0x16, rc | pl | la, B(X_IETH));		/* SEND LAST INV */
	OPX(0x17, rc | pl | la, B(X_IETH));		/* SEND ONLY INV */
	OPX(0x64, F_UD | pl | la, B(X_DETH));		/* UD SEND ONLY */
	OPX(0x65, F_UD | pl | la, B(X_DETH) | B(X_IMMDT));
}

static unsigned int op_hdr_len(uint8_t op)
{
	unsigned int n = 12;

	for (int x = 0; x < NX; x++)
		if (ops[op].ext & B(x))
			n += x_len[x];
	return n;
}

/* Offset of extension header @x in a packet of @op, or 0 if absent. */
static unsigned int op_x_off(uint8_t op, int x)
{
	unsigned int n = 12;

	if (!(ops[op].ext & B(x)))
		return 0;
	for (int i = 0; i < x; i++)
		if (ops[op].ext & B(i))
			n += x_len[i];
	return n;
}

/* A transport packet: BTH .. pad (the ICRC is added on sending). */
struct tpkt {
	uint8_t b[MAX_TLEN + 64];
	unsigned int len;
	bool bad_icrc;
};

static void put32(uint8_t *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return ntohl(v);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static uint32_t bth_psn(const uint8_t *b) { return get32(b + 8) & 0xffffff; }
static uint32_t bth_qpn(const uint8_t *b) { return get32(b + 4) & 0xffffff; }

static void set_psn(struct tpkt *p, uint32_t psn)
{
	put32(p->b + 8, (get32(p->b + 8) & 0xff000000U) | (psn & 0xffffff));
}

static void set_qpn(struct tpkt *p, uint32_t qpn)
{
	put32(p->b + 4, (get32(p->b + 4) & 0xff000000U) | (qpn & 0xffffff));
}

static void set_pad(struct tpkt *p, unsigned int pad)
{
	p->b[1] = (uint8_t)((p->b[1] & ~0x30) | (pad & 3) << 4);
}

/* Payload bytes: xorshift, much cheaper than rand() per byte. */
static void fill_random(uint8_t *p, unsigned int n)
{
	static uint64_t x = 0x9e3779b97f4a7c15ULL;

	for (unsigned int i = 0; i < n; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(p + i, &x, n - i < 8 ? n - i : 8);
	}
}

/* A well-formed packet of @op with @paylen payload bytes (random). */
static void pkt_build(struct tpkt *p, uint8_t op, uint32_t qpn, uint32_t psn,
		      unsigned int paylen, bool ackreq)
{
	unsigned int hl = op_hdr_len(op), pad = (4 - (paylen & 3)) & 3;

	memset(p, 0, sizeof(*p));
	p->b[0] = op;
	p->b[1] = 0x40 | (uint8_t)(pad << 4);	/* MigReq, pad, TVer 0 */
	p->b[2] = 0xff;
	p->b[3] = 0xff;				/* default P_Key */
	put32(p->b + 4, qpn & 0xffffff);
	put32(p->b + 8, (ackreq ? 0x80000000U : 0) | (psn & 0xffffff));
	fill_random(p->b + hl, paylen);
	p->len = hl + paylen + pad;
}

static void set_reth(struct tpkt *p, uint64_t va, uint32_t rkey, uint32_t len)
{
	unsigned int off = op_x_off(p->b[0], X_RETH);

	put64(p->b + off, va);
	put32(p->b + off + 8, rkey);
	put32(p->b + off + 12, len);
}

static void set_atmeth(struct tpkt *p, uint64_t va, uint32_t rkey,
		       uint64_t swap_add, uint64_t cmp)
{
	unsigned int off = op_x_off(p->b[0], X_ATMETH);

	put64(p->b + off, va);
	put32(p->b + off + 8, rkey);
	put64(p->b + off + 12, swap_add);
	put64(p->b + off + 20, cmp);
}

static void set_deth(struct tpkt *p, uint32_t qkey, uint32_t sqp)
{
	unsigned int off = op_x_off(p->b[0], X_DETH);

	put32(p->b + off, qkey);
	put32(p->b + off + 4, sqp & 0xffffff);
}

static uint32_t crc_table[256];

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320U ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t crc_update(uint32_t crc, const uint8_t *p, size_t n)
{
	while (n--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

/*
 * The RoCEv2 ICRC of a packet whose IPv4 header starts at @ip (20 bytes,
 * then UDP, then @tlen bytes of BTH .. pad): CRC32 over 8 bytes of ones,
 * the IP header with TOS, TTL and checksum set to ones, the UDP header
 * with its checksum set to ones, the BTH with byte 4 set to ones, and
 * the rest; inverted, least significant byte first on the wire.
 */
static void icrc_put(uint8_t *ip, unsigned int tlen)
{
	uint8_t h[20 + 8 + 12];
	uint8_t ones[8];
	uint32_t crc;

	memset(ones, 0xff, sizeof(ones));
	memcpy(h, ip, sizeof(h));
	h[1] = 0xff;			/* TOS */
	h[8] = 0xff;			/* TTL */
	h[10] = h[11] = 0xff;		/* IP checksum */
	h[26] = h[27] = 0xff;		/* UDP checksum */
	h[28 + 4] = 0xff;		/* BTH FECN, BECN, resv6 */
	crc = crc_update(~0U, ones, sizeof(ones));
	crc = crc_update(crc, h, sizeof(h) < 28 + tlen ? sizeof(h) : 28 + tlen);
	if (tlen > 12)
		crc = crc_update(crc, ip + 40, tlen - 12);
	crc = ~crc;
	ip[28 + tlen] = (uint8_t)crc;
	ip[28 + tlen + 1] = (uint8_t)(crc >> 8);
	ip[28 + tlen + 2] = (uint8_t)(crc >> 16);
	ip[28 + tlen + 3] = (uint8_t)(crc >> 24);
}

/* ------------------------------------------------------------------ */
/* Sender: state                                                       */
/* ------------------------------------------------------------------ */

enum cls {
	C_MALFORMED, C_OPCODE, C_ICRC, C_PKEY, C_NOQP, C_QPTYPE, C_DELIVERED,
	NCLS
};

static const enum ctr cls_ctr[NCLS] = {
	CT_MALFORMED, CT_OPCODE, CT_ICRC, CT_PKEY, CT_NO_QP, CT_QP_TYPE,
	CT_RX_PKTS,
};

struct qpm {
	uint32_t gen;		/* its answers come from FAKE_QPN + gen * NRC + i */
	uint32_t epsn;
	bool dead;		/* a fatal NAK came: in ERR until reset */
	bool unsure;		/* a mutated packet went to it since reset */
	/* the last unmutated READ of R in flight, to check its data */
	bool rd_on;
	uint32_t rd_psn, rd_n;
	uint64_t rd_off;
	/* the last response, for the directed cases */
	unsigned long nresp;
	uint8_t last_op, last_syn;
	uint32_t last_psn;
	uint64_t last_orig;
};

static struct {
	struct params pa;
	int raw, udp;
	struct sockaddr_in dst;
	struct in_addr me;
	uint16_t ip_id;
	struct qpm q[NRC];
	uint64_t sent, cls[NCLS], icrc_bad;
	uint64_t nak_rcvd[4], rnr_rcvd, acks, rd_resp, rd_checked, atm_acks;
	uint64_t bad_data, canary_leak, resets, fatal;
	uint64_t arrived, sent_synced, lost;	/* sync_target() */
	uint64_t bad_windows, stale;
	unsigned int failures;
} s;

static void __attribute__((format(printf, 2, 3))) check(bool ok, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (ok) {
		sod_info("ok: %s", buf);
	} else {
		sod_err("FAILED: %s", buf);
		s.failures++;
	}
}

static int rc_index(uint32_t qpn)
{
	for (int i = 0; i < NRC; i++)
		if (s.pa.rc_qpn[i] == qpn)
			return i;
	return -1;
}

static bool dev_has_qpn(uint32_t qpn)
{
	return qpn_on_dev(&s.pa, qpn);
}

/* What the receive path does with @p before any QP sees it (net.c). */
static enum cls classify(const struct tpkt *p)
{
	unsigned int len = p->len + 4, hl, pad;
	uint8_t op;
	uint32_t qpn;

	if (len < 16 || (len & 3))
		return C_MALFORMED;
	op = p->b[0];
	if ((p->b[1] & 0x0f) || !(ops[op].flags & F_VALID))
		return C_OPCODE;
	hl = op_hdr_len(op);
	pad = (p->b[1] >> 4) & 3;
	if (len < hl + pad + 4)
		return C_MALFORMED;
	if (pad && (ops[op].flags & (F_PAYLOAD | F_LAST)) != (F_PAYLOAD | F_LAST))
		return C_MALFORMED;
	if (!(ops[op].flags & F_PAYLOAD) && len != hl + 4)
		return C_MALFORMED;
	if (p->bad_icrc)
		return C_ICRC;
	if ((((unsigned int)p->b[2] << 8 | p->b[3]) & 0x7fff) != 0x7fff)
		return C_PKEY;
	qpn = bth_qpn(p->b);
	if (!dev_has_qpn(qpn))
		return C_NOQP;
	if ((ops[op].flags & F_RC) ? rc_index(qpn) < 0 :
	    (qpn != s.pa.ud_qpn && qpn != 1))
		return C_QPTYPE;
	return C_DELIVERED;
}

static void drain(void);

/* Send @p (IPv4 + UDP + ICRC around it), counting its predicted class. */
static void pkt_send(struct tpkt *p)
{
	static uint8_t buf[20 + 8 + MAX_TLEN + 64 + 4];
	struct iphdr *ip = (struct iphdr *)buf;
	struct udphdr *uh = (struct udphdr *)(buf + 20);
	unsigned int tot;

	if (p->len > MAX_TLEN)
		p->len = MAX_TLEN;
	tot = 20 + 8 + p->len + 4;
	memset(buf, 0, 28);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons((uint16_t)tot);
	if (!++s.ip_id)
		s.ip_id = 1;
	ip->id = htons(s.ip_id);
	ip->frag_off = htons(IP_DF);
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = s.me.s_addr;
	ip->daddr = s.dst.sin_addr.s_addr;
	uh->source = htons((uint16_t)(0xc000 | (rand() & 0x3fff)));
	uh->dest = htons(ROCE_PORT);
	uh->len = htons((uint16_t)(tot - 20));
	memcpy(buf + 28, p->b, p->len);
	icrc_put(buf, p->len);
	if (p->bad_icrc)
		buf[28 + p->len + (unsigned int)rand() % 4] ^=
			(uint8_t)(1 + rand() % 255);
	s.cls[classify(p)]++;
	if (p->bad_icrc && classify(p) == C_ICRC)
		s.icrc_bad++;
	for (;;) {
		ssize_t n = sendto(s.raw, buf, tot, 0,
				   (struct sockaddr *)&s.dst, sizeof(s.dst));

		if (n == (ssize_t)tot)
			break;
		if (n < 0 && (errno == ENOBUFS || errno == EAGAIN ||
			      errno == EINTR)) {
			drain();
			continue;
		}
		sod_fail("sendto: expected %u bytes got %zd (%s)", tot, n,
			 n < 0 ? strerror(errno) : "short");
	}
	s.sent++;
}

/* Handle one packet softodp sent us. */
static void on_response(const uint8_t *b, size_t len)
{
	uint8_t op;
	uint32_t psn;
	int i;
	struct qpm *q;

	if (len < 16)
		return;
	op = b[0];
	psn = bth_psn(b);
	i = (int)bth_qpn(b) - FAKE_QPN;
	if (i < 0 || i >= NRC * FAKE_GENS)
		return;
	q = &s.q[i % NRC];
	if ((uint32_t)i / NRC != q->gen) {
		s.stale++;	/* from before the QP's last reset */
		return;
	}
	q->nresp++;
	q->last_op = op;
	q->last_psn = psn;
	q->last_syn = 0;
	if (op >= 0x0d && op <= 0x10) {
		unsigned int hl = op_hdr_len(op), pad = (b[1] >> 4) & 3;
		size_t pl;

		s.rd_resp++;
		if (len < hl + pad + 4)
			return;
		pl = len - hl - pad - 4;
		if (pl >= 8 && memmem(b + hl, pl, canary8, 8))
			s.canary_leak++;
		if (q->rd_on && ((psn - q->rd_psn) & 0xffffff) < q->rd_n) {
			uint64_t off = q->rd_off +
				       (uint64_t)((psn - q->rd_psn) & 0xffffff) *
				       s.pa.mtu;

			s.rd_checked++;
			for (size_t k = 0; k < pl; k++) {
				if (b[hl + k] != r_pattern(off + k)) {
					s.bad_data++;
					break;
				}
			}
		}
		if (((psn - q->epsn) & 0x800000) == 0)
			q->epsn = (psn + 1) & 0xffffff;
		if (op_x_off(op, X_AETH))
			q->last_syn = b[op_x_off(op, X_AETH)];
		return;
	}
	if (op == 0x12 && len >= 12 + 4 + 8) {
		s.atm_acks++;
		q->last_orig = get64(b + 16);
		if (((psn - q->epsn) & 0x800000) == 0)
			q->epsn = (psn + 1) & 0xffffff;
		return;
	}
	if (op != 0x11 || len < 16)
		return;
	q->last_syn = b[12];
	switch (b[12] & 0xe0) {
	case 0x00:
		s.acks++;
		if (((psn - q->epsn) & 0x800000) == 0)
			q->epsn = (psn + 1) & 0xffffff;
		break;
	case 0x20:
		s.rnr_rcvd++;
		q->unsure = true;	/* the model took it as executed */
		q->rd_on = false;
		break;
	case 0x60:
		if ((b[12] & 0x1f) < 4)
			s.nak_rcvd[b[12] & 0x1f]++;
		if ((b[12] & 0x1f) == 0) {
			q->epsn = psn;
			q->unsure = true;
			q->rd_on = false;
		} else {
			q->dead = true;
			q->rd_on = false;
			s.fatal++;
		}
		break;
	}
}

static void drain(void)
{
	uint8_t b[4200];
	ssize_t n;

	while ((n = recv(s.udp, b, sizeof(b), MSG_DONTWAIT)) > 0)
		on_response(b, (size_t)n);
}

static void ctl_cmd(struct cmd *c, struct reply *r)
{
	ctl_io(c, sizeof(*c), true);
	/* Keep receiving the device's answers while the target works. */
	for (;;) {
		struct pollfd pfd[2] = { { .fd = ctl, .events = POLLIN },
					 { .fd = s.udp, .events = POLLIN } };

		if (poll(pfd, 2, 1000) < 0 && errno != EINTR)
			sod_fail("poll: %s", strerror(errno));
		if (pfd[1].revents)
			drain();
		if (pfd[0].revents)
			break;
	}
	ctl_io(r, sizeof(*r), false);
}

/*
 * Wait until the target has seen the packets sent since the last sync;
 * returns how many packets it has seen in all, and its counters in @v
 * (if not NULL).
 */
static uint64_t sync_target(uint64_t *v)
{
	struct cmd c = { .op = CMD_SYNC, .n = 1 };
	struct reply r;
	uint64_t want = s.arrived + (s.sent - s.sent_synced);

	c.a[0] = (uint32_t)(want >> 32);
	c.a[1] = (uint32_t)want;
	ctl_cmd(&c, &r);
	drain();
	s.lost += want - r.v[0];
	s.arrived = r.v[0];
	s.sent_synced = s.sent;
	if (v)
		memcpy(v, r.v + 1, sizeof(uint64_t) * NCTR);
	return r.v[0];
}

static void get_ctrs(uint64_t *v)
{
	struct cmd c = { .op = CMD_CTRS };
	struct reply r;

	ctl_cmd(&c, &r);
	memcpy(v, r.v, sizeof(uint64_t) * (NCTR + 1));
}

/* Reset RC QP @i (or every dead one when @i < 0) with fresh PSNs. */
static void reset_qps(int i)
{
	struct cmd c = { .op = CMD_RESET };
	struct reply r;

	for (int k = 0; k < NRC; k++) {
		uint32_t psn, gen;

		if (i >= 0 ? k != i : !s.q[k].dead)
			continue;
		/* Sometimes right before the 24-bit wrap. */
		psn = rand() % 4 ? (uint32_t)rand() & 0xffffff :
				   0xffffff - (uint32_t)(rand() % 8);
		gen = (s.q[k].gen + 1) % FAKE_GENS;
		c.a[c.n * 3] = (uint32_t)k;
		c.a[c.n * 3 + 1] = psn;
		c.a[c.n * 3 + 2] = FAKE_QPN + gen * NRC + (uint32_t)k;
		c.n++;
		memset(&s.q[k], 0, sizeof(s.q[k]));
		s.q[k].epsn = psn;
		s.q[k].gen = gen;
	}
	if (!c.n)
		return;
	s.resets += c.n;
	ctl_cmd(&c, &r);
}

/* ------------------------------------------------------------------ */
/* Sender: directed cases                                              */
/* ------------------------------------------------------------------ */

static uint64_t c0[NCTR + 1], c1[NCTR + 1];

static uint64_t delta(enum ctr c)
{
	return c1[c] - c0[c];
}

/* Poll the counters until @c moved by @want (deadline 5 s). */
static bool wait_ctr(enum ctr c, uint64_t want)
{
	uint64_t deadline = now_ms() + 5000;

	for (;;) {
		get_ctrs(c1);
		if (delta(c) >= want || now_ms() > deadline)
			return delta(c) >= want;
	}
}

/* Send @p (dropped by the receive path), check counter @c moved by one. */
static void dt_drop(const char *name, struct tpkt *p, enum ctr c)
{
	uint64_t got;

	uint64_t lost = s.lost;

	get_ctrs(c0);
	pkt_send(p);
	got = sync_target(c1);
	check(s.lost == lost && delta(c) == 1,
	      "%s: %s +%" PRIu64 " (expected +1), all packets arrived: %s",
	      name, ctr_name[c], delta(c), s.lost == lost ? "yes" : "no");
	(void)got;
}

/*
 * Wait (deadline 5 s) for a response on QP @i beyond @n0 responses: one of
 * opcode @op (any if 0) for @psn, or a NAK.
 */
static bool resp_seen(int i, unsigned long n0, uint8_t op, uint32_t psn)
{
	struct qpm *q = &s.q[i];

	if (q->nresp <= n0)
		return false;
	if (!op || (q->last_op == 0x11 && (q->last_syn & 0xe0) == 0x60))
		return true;
	return q->last_op == op && q->last_psn == psn;
}

static bool wait_resp(int i, unsigned long n0, uint8_t op, uint32_t psn)
{
	uint64_t deadline = now_ms() + 5000;

	while (!resp_seen(i, n0, op, psn) && now_ms() < deadline) {
		struct pollfd pfd = { .fd = s.udp, .events = POLLIN };

		if (poll(&pfd, 1, 50) > 0)
			drain();
	}
	return resp_seen(i, n0, op, psn);
}

/*
 * Send @p to RC QP @i, expect a NAK with @code for its PSN (a sequence
 * error NAK names the expected PSN instead), and counter @c to move by
 * one; after a fatal NAK reset the QP.
 */
static void dt_nak(const char *name, int i, struct tpkt *p, unsigned int code,
		   enum ctr c)
{
	unsigned long n0 = s.q[i].nresp;
	uint32_t psn = code ? bth_psn(p->b) : s.q[i].epsn;
	bool got;

	get_ctrs(c0);
	pkt_send(p);
	got = wait_resp(i, n0, 0x11, psn);
	wait_ctr(c, 1);
	check(got && s.q[i].last_op == 0x11 &&
	      s.q[i].last_syn == (0x60 | code) && s.q[i].last_psn == psn &&
	      delta(c) == 1,
	      "%s: NAK code %u for psn %#x (got %s op %#x syndrome %#x psn %#x), %s +%" PRIu64,
	      name, code, psn, got ? "a response" : "nothing",
	      s.q[i].last_op, s.q[i].last_syn, s.q[i].last_psn, ctr_name[c],
	      delta(c));
	if (code)
		reset_qps(i);
}

/* Send @p to RC QP @i and expect response opcode @op for PSN @psn. */
static bool dt_resp(const char *name, int i, struct tpkt *p, uint8_t op,
		    uint32_t psn)
{
	unsigned long n0 = s.q[i].nresp;
	bool got, ok;

	pkt_send(p);
	got = wait_resp(i, n0, op, psn);
	ok = got && s.q[i].last_op == op && s.q[i].last_psn == psn &&
	     (op != 0x11 || s.q[i].last_syn < 0x20);
	check(ok, "%s: response %#x for psn %#x (got %s op %#x syndrome %#x psn %#x)",
	      name, op, psn, got ? "a response" : "nothing", s.q[i].last_op,
	      s.q[i].last_syn, s.q[i].last_psn);
	return ok;
}

static uint32_t qpn_of(int i) { return s.pa.rc_qpn[i]; }

static void directed(void)
{
	struct tpkt p;
	uint64_t w = s.pa.w_addr, r = s.pa.r_addr;
	uint32_t mtu = s.pa.mtu, e;
	int i = 0;

	sod_info("directed cases");
	/* Receive path drops, each its own counter. */
	pkt_build(&p, 0x0a, qpn_of(i), s.q[i].epsn, 64, true);
	set_reth(&p, w, s.pa.w_rkey, 64);
	p.len = 20;
	dt_drop("truncated RETH", &p, CT_MALFORMED);
	pkt_build(&p, 0x04, qpn_of(i), s.q[i].epsn, 8, true);
	p.len = 11;
	dt_drop("truncated BTH", &p, CT_MALFORMED);
	pkt_build(&p, 0x04, qpn_of(i), s.q[i].epsn, 8, true);
	p.len = 18;
	dt_drop("length not a multiple of 4", &p, CT_MALFORMED);
	pkt_build(&p, 0x0c, qpn_of(i), s.q[i].epsn, 0, true);
	set_reth(&p, r, s.pa.r_rkey, 8);
	set_pad(&p, 2);
	p.len += 4;
	dt_drop("pad count on a READ request", &p, CT_MALFORMED);
	pkt_build(&p, 0x04, qpn_of(i), s.q[i].epsn, 16, true);
	p.bad_icrc = true;
	dt_drop("bad ICRC", &p, CT_ICRC);
	pkt_build(&p, 0x15, qpn_of(i), s.q[i].epsn, 16, true);
	dt_drop("reserved RC opcode 0x15", &p, CT_OPCODE);
	pkt_build(&p, 0x24, qpn_of(i), s.q[i].epsn, 16, true);
	dt_drop("UC opcode (unsupported)", &p, CT_OPCODE);
	pkt_build(&p, 0xff, qpn_of(i), s.q[i].epsn, 16, true);
	dt_drop("opcode 0xff", &p, CT_OPCODE);
	pkt_build(&p, 0x04, qpn_of(i), s.q[i].epsn, 16, true);
	p.b[1] |= 1;
	dt_drop("transport version 1", &p, CT_OPCODE);
	pkt_build(&p, 0x04, qpn_of(i), s.q[i].epsn, 16, true);
	p.b[2] = 0x12;
	p.b[3] = 0x34;
	dt_drop("P_Key 0x1234", &p, CT_PKEY);
	pkt_build(&p, 0x04, s.pa.ud_qpn, 0, 16, true);
	dt_drop("RC SEND to the UD QP", &p, CT_QP_TYPE);
	pkt_build(&p, 0x64, qpn_of(i), s.q[i].epsn, 16, false);
	set_deth(&p, UD_QKEY, 7);
	dt_drop("UD SEND to an RC QP", &p, CT_QP_TYPE);
	for (e = 0xfffffe; dev_has_qpn(e); e--)
		;
	pkt_build(&p, 0x04, e, 0, 16, true);
	dt_drop("QPN that does not exist", &p, CT_NO_QP);
	if (s.pa.other_qpn) {
		pkt_build(&p, 0x0a, s.pa.other_qpn, 0, 64, true);
		set_reth(&p, s.pa.c_addr, s.pa.d_rkey, 64);
		dt_drop("QPN of the other device", &p, CT_NO_QP);
		get_ctrs(c1);
		check(c1[NCTR] == 0, "the other device saw %" PRIu64 " packets (expected 0)",
		      c1[NCTR]);
	}

	/* UD: Q_Key mismatch is dropped by the QP. */
	get_ctrs(c0);
	pkt_build(&p, 0x64, s.pa.ud_qpn, 0, 32, false);
	set_deth(&p, UD_QKEY ^ 1, 9);
	pkt_send(&p);
	{
		bool ok = wait_ctr(CT_QKEY, 1);

		check(ok, "UD Q_Key mismatch: rcvd_qkey_err +%" PRIu64,
		      delta(CT_QKEY));
	}

	/* Valid requests and the PSN window. */
	pkt_build(&p, 0x0a, qpn_of(i), s.q[i].epsn, 64, true);
	set_reth(&p, w + 128, s.pa.w_rkey, 64);
	dt_resp("valid WRITE", i, &p, 0x11, s.q[i].epsn);
	get_ctrs(c0);
	if (dt_resp("duplicate WRITE is ACKed again", i, &p, 0x11,
		    bth_psn(p.b))) {
		bool ok = wait_ctr(CT_DUP, 1);

		check(ok && delta(CT_DUP) == 1, "duplicate_request +%" PRIu64,
		      delta(CT_DUP));
	}
	/*
	 * A 17-packet WRITE with AckReq only on its LAST: the responder may
	 * coalesce ACKs but must not hold one back for more than 16 executed
	 * packets, also inside a message (SOD_ACK_COALESCE; docs/datapath.md,
	 * "ACK coalescing"): exactly one ACK, for the 16th packet, comes
	 * before the LAST is sent.  (The previous case ended with an ACK, so
	 * the responder's count starts at 0.  From W's second page on: the
	 * atomics below expect zeros at w + 64.)
	 */
	{
		uint32_t e0 = s.q[i].epsn, last = (e0 + 15) & 0xffffff, k;
		unsigned long n0 = s.q[i].nresp;
		bool got;

		for (k = 0; k < 16; k++) {
			pkt_build(&p, k ? 0x07 : 0x06, qpn_of(i),
				  (e0 + k) & 0xffffff, mtu, false);
			if (!k)
				set_reth(&p, w + PAGE, s.pa.w_rkey,
					 16 * mtu + 8);
			pkt_send(&p);
		}
		got = wait_resp(i, n0, 0x11, last);
		check(got && s.q[i].last_op == 0x11 && s.q[i].last_syn < 0x20 &&
		      s.q[i].last_psn == last && s.q[i].nresp == n0 + 1,
		      "16 packets of a WRITE without AckReq: one ACK, for psn %#x (got %s op %#x syndrome %#x psn %#x, %lu responses)",
		      last, got ? "a response" : "nothing", s.q[i].last_op,
		      s.q[i].last_syn, s.q[i].last_psn, s.q[i].nresp - n0);
		pkt_build(&p, 0x08, qpn_of(i), (e0 + 16) & 0xffffff, 8, true);
		dt_resp("the WRITE's LAST, with AckReq", i, &p, 0x11,
			(e0 + 16) & 0xffffff);
	}
	get_ctrs(c0);
	pkt_build(&p, 0x04, qpn_of(i), (s.q[i].epsn + 5) & 0xffffff, 16, true);
	dt_nak("PSN ahead of the expected one", i, &p, 0, CT_NAK_SEQ);
	check(s.q[i].last_psn == s.q[i].epsn, "the sequence NAK names the expected PSN");
	{
		unsigned long n0 = s.q[i].nresp;

		get_ctrs(c0);
		pkt_build(&p, 0x04, qpn_of(i), (s.q[i].epsn + 6) & 0xffffff, 16,
			  true);
		pkt_send(&p);
		wait_ctr(CT_SEQ_ERR, 1);
		check(delta(CT_SEQ_ERR) == 1 && delta(CT_NAK_SEQ) == 0 &&
		      s.q[i].nresp == n0,
		      "second PSN ahead: counted (+%" PRIu64 "), not NAKed again (+%" PRIu64 ")",
		      delta(CT_SEQ_ERR), delta(CT_NAK_SEQ));
	}
	pkt_build(&p, 0x0c, qpn_of(i), s.q[i].epsn, 0, true);
	set_reth(&p, r + 100, s.pa.r_rkey, 3 * mtu - 10);
	s.q[i].rd_on = true;
	s.q[i].rd_psn = s.q[i].epsn;
	s.q[i].rd_n = 3;
	s.q[i].rd_off = 100;
	e = s.rd_checked;
	dt_resp("valid READ of 3 packets from the read-only MR", i, &p, 0x0f,
		(s.q[i].epsn + 2) & 0xffffff);
	check(s.rd_checked - e == 3 && !s.bad_data,
	      "READ data is the read-only MR's (%" PRIu64 " responses checked, %" PRIu64 " wrong)",
	      s.rd_checked - e, s.bad_data);
	s.q[i].rd_on = false;
	pkt_build(&p, 0x14, qpn_of(i), s.q[i].epsn, 0, true);
	set_atmeth(&p, w + 64, s.pa.w_rkey, 5, 0);
	dt_resp("valid FETCH_ADD", i, &p, 0x12, s.q[i].epsn);
	pkt_build(&p, 0x14, qpn_of(i), s.q[i].epsn, 0, true);
	set_atmeth(&p, w + 64, s.pa.w_rkey, 5, 0);
	dt_resp("second FETCH_ADD", i, &p, 0x12, s.q[i].epsn);
	check(s.q[i].last_orig == 5, "FETCH_ADD returned the first one's result (%" PRIu64 ")",
	      s.q[i].last_orig);

	/* Fatal errors: NAK with the IBTA code, then the QP is in ERR. */
	pkt_build(&p, 0x13, qpn_of(i), s.q[i].epsn, 0, true);
	set_atmeth(&p, w + 68, s.pa.w_rkey, 1, 0);
	dt_nak("misaligned atomic", i, &p, 1, CT_NAK_INV);
	pkt_build(&p, 0x0a, qpn_of(i), s.q[i].epsn, 128, true);
	set_reth(&p, w + W_LEN - 64, s.pa.w_rkey, 128);
	dt_nak("RETH length beyond the MR", i, &p, 2, CT_NAK_ACC);
	pkt_build(&p, 0x0a, qpn_of(i), s.q[i].epsn, 64, true);
	set_reth(&p, w - 64, s.pa.w_rkey, 64);
	dt_nak("RETH address before the MR", i, &p, 2, CT_NAK_ACC);
	pkt_build(&p, 0x0a, qpn_of(i), s.q[i].epsn, 64, true);
	set_reth(&p, r, s.pa.r_rkey, 64);
	dt_nak("WRITE to the read-only MR", i, &p, 2, CT_NAK_ACC);
	pkt_build(&p, 0x0a, qpn_of(i), s.q[i].epsn, 64, true);
	set_reth(&p, s.pa.c_addr, s.pa.d_rkey, 64);
	dt_nak("WRITE with a deregistered MR's R_Key", i, &p, 2, CT_NAK_ACC);
	pkt_build(&p, 0x0c, qpn_of(i), s.q[i].epsn, 0, true);
	set_reth(&p, r + R_LEN - 8, s.pa.r_rkey, 16);
	dt_nak("READ beyond the MR", i, &p, 2, CT_NAK_ACC);
	pkt_build(&p, 0x14, qpn_of(i), s.q[i].epsn, 0, true);
	set_atmeth(&p, r, s.pa.r_rkey, 1, 0);
	dt_nak("atomic on the read-only MR", i, &p, 2, CT_NAK_ACC);
	pkt_build(&p, 0x04, qpn_of(i), s.q[i].epsn, mtu + 4, true);
	dt_nak("SEND payload beyond the path MTU", i, &p, 1, CT_NAK_INV);
	pkt_build(&p, 0x0a, qpn_of(i), s.q[i].epsn, mtu + 4, true);
	set_reth(&p, w, s.pa.w_rkey, mtu + 4);
	dt_nak("WRITE payload beyond the path MTU", i, &p, 1, CT_NAK_INV);
	pkt_build(&p, 0x07, qpn_of(i), s.q[i].epsn, mtu, true);
	dt_nak("WRITE MIDDLE without FIRST", i, &p, 1, CT_NAK_INV);
	pkt_build(&p, 0x06, qpn_of(i), s.q[i].epsn, mtu, false);
	set_reth(&p, w, s.pa.w_rkey, 2 * mtu);
	pkt_send(&p);
	s.q[i].epsn = (s.q[i].epsn + 1) & 0xffffff;
	pkt_build(&p, 0x02, qpn_of(i), s.q[i].epsn, mtu, true);
	dt_nak("SEND LAST inside a WRITE", i, &p, 1, CT_NAK_INV);
	pkt_build(&p, 0x0a, qpn_of(i), s.q[i].epsn, 4, true);
	set_reth(&p, w, s.pa.w_rkey, 8);
	dt_nak("WRITE ONLY shorter than its RETH length", i, &p, 1, CT_NAK_INV);

	/* A QP in ERR (after a fatal NAK) drops requests. */
	pkt_build(&p, 0x13, qpn_of(i), s.q[i].epsn, 0, true);
	set_atmeth(&p, w + 4, s.pa.w_rkey, 1, 0);
	{
		unsigned long n0 = s.q[i].nresp;
		bool ok;

		pkt_send(&p);
		check(wait_resp(i, n0, 0x11, bth_psn(p.b)) &&
		      s.q[i].last_syn == 0x61, "misaligned atomic NAKed again");
		get_ctrs(c0);
		pkt_build(&p, 0x04, qpn_of(i), s.q[i].epsn, 16, true);
		pkt_send(&p);
		ok = wait_ctr(CT_QP_STATE, 1);
		check(ok, "request to a QP in ERR: rcvd_qp_state_drop +%" PRIu64,
		      delta(CT_QP_STATE));
		reset_qps(i);
	}
}

/* ------------------------------------------------------------------ */
/* Sender: randomized packets                                          */
/* ------------------------------------------------------------------ */

static uint32_t rnd32(void)
{
	return (uint32_t)rand() << 16 ^ (uint32_t)rand();
}

/* An address near the edges of W or R, or random. */
static uint64_t pick_va(uint64_t base, uint32_t len, uint32_t plen)
{
	switch (rand() % 6) {
	case 0:
		return base + len - plen + (uint64_t)(rand() % 16) - 8;
	case 1:
		return base - (uint64_t)(rand() % 16);
	case 2:
		return (uint64_t)rnd32() << 32 | rnd32();
	default:
		return base + (plen < len ? (uint64_t)rand() % (len - plen) : 0);
	}
}

static uint32_t pick_rkey(uint32_t good)
{
	switch (rand() % 12) {
	case 0:
		return s.pa.r_rkey;
	case 1:
		return s.pa.d_rkey;
	case 2:
		return rnd32();
	case 3:
		return good ^ (1U << (rand() % 32));
	default:
		return good;
	}
}

/* Flip, set or cut something in @p. */
static void mutate(struct tpkt *p)
{
	unsigned int n = 1 + (unsigned int)rand() % 3, off;

	while (n--) {
		switch (rand() % 14) {
		case 0:		/* any opcode */
			p->b[0] = (uint8_t)rand();
			break;
		case 1: {	/* another opcode softodp knows */
			static const uint8_t known[] = {
				0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
				0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
				0x10, 0x11, 0x12, 0x13, 0x14, 0x16, 0x17, 0x64,
				0x65,
			};
			p->b[0] = known[rand() % (int)sizeof(known)];
			break;
		}
		case 2:		/* bits of the headers */
		case 3:
			if (!p->len)
				break;
			off = (unsigned int)rand() % (p->len < 44 ? p->len : 44);
			p->b[off] ^= (uint8_t)(1 << (rand() % 8));
			break;
		case 4:
			set_pad(p, (unsigned int)rand() % 4);
			break;
		case 5:		/* truncate, mostly to a multiple of 4 */
			p->len = (unsigned int)rand() % (p->len + 1);
			if (rand() % 4)
				p->len &= ~3U;
			break;
		case 6:		/* extend */
			off = 4 * (1 + (unsigned int)rand() % 16);
			for (unsigned int k = 0; k < off && p->len < MAX_TLEN; k++)
				p->b[p->len++] = (uint8_t)rand();
			break;
		case 7:		/* PSN near the window */
			set_psn(p, bth_psn(p->b) + (uint32_t)(rand() % 9) - 4);
			break;
		case 8:
			set_psn(p, rnd32());
			break;
		case 9: {	/* QPN: another QP, the other device, random */
			uint32_t q[] = { s.pa.rc_qpn[rand() % NRC], s.pa.ud_qpn,
					 s.pa.other_qpn, rnd32(), 0,
					 s.pa.rc_qpn[0] + NRC + 2 };

			set_qpn(p, q[rand() % 6]);
			break;
		}
		case 10:	/* RETH / AtomicETH / DETH fields */
		case 11:
			off = 12 + 4 * ((unsigned int)rand() % 7);
			if (off + 4 <= p->len)
				put32(p->b + off, rand() % 2 ? rnd32() :
				      get32(p->b + off) + (uint32_t)(rand() % 9) - 4);
			break;
		case 12:	/* P_Key */
			p->b[2] = (uint8_t)rand();
			p->b[3] = rand() % 2 ? 0xff : (uint8_t)rand();
			break;
		case 13:	/* AckReq, SE */
			p->b[8] ^= 0x80;
			p->b[1] ^= 0x80;
			break;
		}
	}
}

/* One randomized packet (or a valid multi-packet WRITE) to RC QP @i. */
static void random_rc(int i)
{
	struct qpm *q = &s.q[i];
	uint32_t mtu = s.pa.mtu, plen, qpn = qpn_of(i);
	bool mut = rand() % 100 < 60;
	struct tpkt p;
	int kind = rand() % 10;

	if (kind == 9 && rand() % 2) {
		/*
		 * A 3-packet WRITE or SEND (fits a receive slot); sometimes one
		 * of its packets mutated, or its LAST left out.
		 */
		uint64_t va = s.pa.w_addr + (uint64_t)(rand() % (W_LEN - 3 * mtu));
		bool send = rand() % 2;
		int bad = mut ? rand() % 4 : -1;

		for (int k = 0; k < 3; k++) {
			static const uint8_t wr[] = { 0x06, 0x07, 0x08 };
			static const uint8_t sd[] = { 0x00, 0x01, 0x02 };

			pkt_build(&p, send ? sd[k] : wr[k], qpn, q->epsn + k,
				  k < 2 ? mtu : mtu - 4, k == 2);
			if (k == 0 && !send)
				set_reth(&p, va, s.pa.w_rkey, 3 * mtu - 4);
			if (k == bad) {
				mutate(&p);
				p.bad_icrc = rand() % 100 < 3;
			}
			if (k < 2 || bad != 3)
				pkt_send(&p);
		}
		if (mut) {
			q->unsure = true;
			q->rd_on = false;
		} else {
			q->epsn = (q->epsn + 3) & 0xffffff;
		}
		return;
	}
	switch (kind) {
	case 0:
	case 1:
		plen = (uint32_t)rand() % (mtu + 1);
		pkt_build(&p, rand() % 2 ? 0x04 : 0x05, qpn, q->epsn, plen, true);
		break;
	case 2:
	case 3:
	case 9:
		plen = (uint32_t)rand() % (mtu + 1);
		pkt_build(&p, rand() % 2 ? 0x0a : 0x0b, qpn, q->epsn, plen, true);
		set_reth(&p, pick_va(s.pa.w_addr, W_LEN, plen),
			 pick_rkey(s.pa.w_rkey), plen);
		break;
	case 4:
	case 5: {
		bool fromr = rand() % 2;
		uint64_t b = fromr ? s.pa.r_addr : s.pa.w_addr;
		uint32_t len = (uint32_t)rand() % (3 * mtu), rk;
		uint64_t va;

		pkt_build(&p, 0x0c, qpn, q->epsn, 0, true);
		va = mut ? pick_va(b, R_LEN, len) :
			   b + (uint64_t)rand() % (R_LEN - len);
		rk = fromr ? s.pa.r_rkey : s.pa.w_rkey;
		set_reth(&p, va, mut ? pick_rkey(rk) : rk, len);
		if (!mut && fromr && !q->unsure && !q->dead) {
			q->rd_on = true;
			q->rd_psn = q->epsn;
			q->rd_n = len ? (len + mtu - 1) / mtu : 1;
			q->rd_off = va - s.pa.r_addr;
		}
		break;
	}
	case 6:
	case 7:
		pkt_build(&p, rand() % 2 ? 0x13 : 0x14, qpn, q->epsn, 0, true);
		set_atmeth(&p, mut ? pick_va(s.pa.w_addr, W_LEN, 8) :
			   s.pa.w_addr + 8 * (uint64_t)(rand() % (W_LEN / 8)),
			   mut ? pick_rkey(s.pa.w_rkey) : s.pa.w_rkey, rnd32(),
			   rnd32());
		break;
	default:	/* a response opcode: the completer's input */
		pkt_build(&p, (uint8_t)(0x0d + rand() % 6), qpn, q->epsn,
			  0, false);
		if (ops[p.b[0]].flags & F_PAYLOAD) {
			plen = (uint32_t)rand() % (mtu + 1);
			pkt_build(&p, p.b[0], qpn, q->epsn, plen, false);
		}
		mut = true;
		break;
	}
	p.bad_icrc = rand() % 100 < 3;
	if (mut) {
		mutate(&p);
		q->unsure = true;
		q->rd_on = false;
	} else if (p.bad_icrc) {
		q->rd_on = false;	/* dropped: the PSN is not used */
	} else if (p.b[0] == 0x0c) {
		uint32_t len = get32(p.b + 24);	/* RETH DMA length */

		q->epsn = (q->epsn + (len ? (len + mtu - 1) / mtu : 1)) &
			  0xffffff;
	} else {
		q->epsn = (q->epsn + 1) & 0xffffff;
	}
	pkt_send(&p);
}

static void random_ud(void)
{
	struct tpkt p;
	uint32_t plen = (uint32_t)rand() % (s.pa.mtu + 1);

	pkt_build(&p, rand() % 2 ? 0x64 : 0x65, s.pa.ud_qpn, rnd32(), plen,
		  false);
	set_deth(&p, rand() % 8 ? UD_QKEY : rnd32(), rnd32());
	if (rand() % 2)
		mutate(&p);
	p.bad_icrc = rand() % 100 < 3;
	pkt_send(&p);
}

/*
 * Compare what the receive path counted in the window since @w0 (counters)
 * and @p0 (predictions) with the predictions.  A window without loss must
 * match exactly; one with loss may only fall short.
 */
static void window_check(const uint64_t *w0, const uint64_t *w1,
			 const uint64_t *p0, bool loss)
{
	for (int k = 0; k < NCLS; k++) {
		uint64_t d = w1[cls_ctr[k]] - w0[cls_ctr[k]];
		uint64_t want = s.cls[k] - p0[k];

		if (k == C_DELIVERED)
			d += w1[CT_BUSY] - w0[CT_BUSY];
		if (d == want || (loss && d < want))
			continue;
		s.bad_windows++;
		if (s.bad_windows <= 5)
			check(false, "packets %" PRIu64 "..%" PRIu64 ": %s +%" PRIu64 ", predicted %" PRIu64 "%s",
			      s.sent_synced, s.sent, ctr_name[cls_ctr[k]], d,
			      want, loss ? " (a packet was lost)" : "");
	}
}

static void randomized(void)
{
	uint64_t t0 = now_ms(), w0[NCTR], w1[NCTR], p0[NCLS];
	long n0 = (long)s.sent;
	unsigned long windows = 0, lossy = 0;

	sod_info("randomized: %ld packets, seed %ld", o.packets, o.seed);
	sync_target(w0);
	memcpy(p0, s.cls, sizeof(p0));
	while ((long)s.sent - n0 < o.packets) {
		int k = rand() % 100;

		if (k < 80) {
			int i = rand() % NRC;

			/* Mostly live QPs; a dead one now and then. */
			for (int j = 0; j < NRC && s.q[i].dead && rand() % 16; j++)
				i = (i + 1) % NRC;
			random_rc(i);
		} else {
			random_ud();
		}
		drain();
		if (s.sent - s.sent_synced >= SYNC_EVERY ||
		    (long)s.sent - n0 >= o.packets) {
			uint64_t lost = s.lost, from = s.sent_synced;

			sync_target(w1);
			windows++;
			lossy += s.lost != lost;
			s.sent_synced = from;	/* for window_check's message */
			window_check(w0, w1, p0, s.lost != lost);
			s.sent_synced = s.sent;
			memcpy(w0, w1, sizeof(w0));
			memcpy(p0, s.cls, sizeof(p0));
			reset_qps(-1);
			if (windows % (20000 / SYNC_EVERY) == 0)
				sod_info("randomized: %" PRIu64 " packets after %" PRIu64 " ms",
					 s.sent - (uint64_t)n0, now_ms() - t0);
		}
	}
	sod_info("randomized: %" PRIu64 " packets in %" PRIu64 " ms, %lu windows (%lu with loss, %" PRIu64
		 " packets lost), %" PRIu64 " ACKs, %" PRIu64 " read responses (%" PRIu64
		 " checked), %" PRIu64 " atomic ACKs, NAKs seq %" PRIu64 " inv %" PRIu64 " acc %" PRIu64
		 " op %" PRIu64 ", %" PRIu64 " RNR NAKs, %" PRIu64 " QP resets, %" PRIu64
		 " answers from before a reset",
		 s.sent - (uint64_t)n0, now_ms() - t0, windows, lossy, s.lost,
		 s.acks, s.rd_resp, s.rd_checked, s.atm_acks, s.nak_rcvd[0],
		 s.nak_rcvd[1], s.nak_rcvd[2], s.nak_rcvd[3], s.rnr_rcvd,
		 s.resets, s.stale);
	check(!s.bad_windows, "every window's drop counters as predicted (%lu windows, %" PRIu64 " wrong)",
	      windows, s.bad_windows);
	check(s.lost * 100 <= s.sent,
	      "at most 1%% of the packets lost on the way (%" PRIu64 " of %" PRIu64 ")",
	      s.lost, s.sent);
}

static int sender_run(void)
{
	struct sockaddr_in me = { .sin_family = AF_INET,
				  .sin_port = htons(ROCE_PORT),
				  .sin_addr.s_addr = htonl(INADDR_ANY) };
	struct in_addr host;
	socklen_t ml = sizeof(me);
	uint64_t start[NCTR + 1], end[NCTR + 1];
	struct cmd c = { .op = CMD_DONE };
	struct reply r;
	int one = 1, bufsz = 4 << 20;

	if (inet_pton(AF_INET, o.host, &host) != 1)
		sod_die_env("--sender: '%s' is not an IPv4 address", o.host);
	ops_init();
	crc_init();
	srand((unsigned int)o.seed);
	s.udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s.udp < 0 || bind(s.udp, (struct sockaddr *)&me, sizeof(me)))
		sod_die_env("cannot bind UDP port %d (an RDMA device here?): %s",
			    ROCE_PORT, strerror(errno));
	setsockopt(s.udp, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	s.raw = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (s.raw < 0)
		sod_die_env("raw socket: %s", strerror(errno));
	setsockopt(s.raw, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one));
	s.dst.sin_family = AF_INET;
	s.dst.sin_addr = host;

	ctl_connect();
	if (getsockname(ctl, (struct sockaddr *)&me, &ml))
		sod_fail("getsockname: %s", strerror(errno));
	s.me = me.sin_addr;
	ctl_io(&s.pa, sizeof(s.pa), false);
	if (s.pa.magic != MAGIC || s.pa.nqpn > MAX_QPN_LIST || !s.pa.mtu)
		sod_fail("control: bad parameters from the target");
	for (int i = 0; i < NRC; i++)
		s.q[i].dead = true;
	reset_qps(-1);
	s.resets = 0;
	get_ctrs(start);

	directed();
	randomized();

	get_ctrs(end);
	for (int k = 0; k < NCLS; k++) {
		uint64_t d = end[cls_ctr[k]] - start[cls_ctr[k]];

		if (k == C_DELIVERED)
			d += end[CT_BUSY] - start[CT_BUSY];
		check(d <= s.cls[k] && d + s.lost >= s.cls[k],
		      "%s: +%" PRIu64 ", predicted %" PRIu64 "%s",
		      ctr_name[cls_ctr[k]], d, s.cls[k],
		      k == C_DELIVERED ? " (with rcvd_busy_drop)" : "");
	}
	check(end[CT_ICRC] - start[CT_ICRC] + s.lost >= s.icrc_bad,
	      "rcvd_icrc_err covers the %" PRIu64 " bad-ICRC packets", s.icrc_bad);
	for (int k = 0; k < 4; k++) {
		static const enum ctr nc[] = { CT_NAK_SEQ, CT_NAK_INV,
					       CT_NAK_ACC, CT_NAK_OP };

		check(end[nc[k]] - start[nc[k]] >= s.nak_rcvd[k],
		      "%s +%" PRIu64 " >= NAKs received %" PRIu64, ctr_name[nc[k]],
		      end[nc[k]] - start[nc[k]], s.nak_rcvd[k]);
	}
	check(end[CT_NAK_INV] - start[CT_NAK_INV] > 0 &&
	      end[CT_NAK_ACC] - start[CT_NAK_ACC] > 0 &&
	      end[CT_SEQ_ERR] - start[CT_SEQ_ERR] > 0 &&
	      end[CT_DUP] - start[CT_DUP] > 0 &&
	      s.acks > 0 && s.rd_checked > 0 && s.atm_acks > 0,
	      "the run reached the responder (ACKs %" PRIu64 ", READs checked %" PRIu64
	      ", atomic ACKs %" PRIu64 ", seq errors %" PRIu64 ", duplicates %" PRIu64 ")",
	      s.acks, s.rd_checked, s.atm_acks, end[CT_SEQ_ERR] - start[CT_SEQ_ERR],
	      end[CT_DUP] - start[CT_DUP]);
	check(end[NCTR] == 0, "the other device saw no packet (%" PRIu64 ")", end[NCTR]);
	check(!s.bad_data, "READ responses carried the read-only MR's data (%" PRIu64 " checked, %" PRIu64 " wrong)",
	      s.rd_checked, s.bad_data);
	check(!s.canary_leak, "no READ response carried canary bytes (%" PRIu64 ")",
	      s.canary_leak);
	for (int k = 0; k < NCTR; k++)
		sod_info("counter %s +%" PRIu64, ctr_name[k], end[k] - start[k]);

	ctl_cmd(&c, &r);
	check(r.status == 0, "target memory: %s", r.msg);
	if (s.failures) {
		sod_err("%u check(s) failed", s.failures);
		return SOD_EXIT_FAIL;
	}
	sod_info("all checks passed (%" PRIu64 " packets)", s.sent);
	return SOD_EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "target", no_argument, NULL, 't' },
		{ "sender", required_argument, NULL, 's' },
		{ "dev", required_argument, NULL, 'd' },
		{ "dev2", required_argument, NULL, 'D' },
		{ "port", required_argument, NULL, 'p' },
		{ "gid-index", required_argument, NULL, 'g' },
		{ "packets", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 'S' },
		{ "mtu", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	sod_init(argv[0]);
	sod_set_fail_handler(on_fail);
	setvbuf(stdout, NULL, _IOLBF, 0);	/* progress visible in the log */
	o.seed = (long)time(NULL) % 100000;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 't':
			o.target = true;
			break;
		case 's':
			o.sender = true;
			o.host = optarg;
			break;
		case 'd':
			o.dev = optarg;
			break;
		case 'D':
			o.dev2 = optarg;
			break;
		case 'p':
			if (!sod_parse_long(optarg, 1, 65535, &o.port))
				sod_usage_error(usage, "invalid --port '%s'", optarg);
			break;
		case 'g':
			if (!sod_parse_long(optarg, 0, 255, &o.gid_index))
				sod_usage_error(usage, "invalid --gid-index '%s'", optarg);
			break;
		case 'n':
			if (!sod_parse_long(optarg, 1, 100000000, &o.packets))
				sod_usage_error(usage, "invalid --packets '%s'", optarg);
			break;
		case 'S':
			if (!sod_parse_long(optarg, 0, 0x7fffffff, &o.seed))
				sod_usage_error(usage, "invalid --seed '%s'", optarg);
			break;
		case 'm':
			if (!sod_parse_long(optarg, 256, 4096, &o.mtu) ||
			    !sod_mtu_from_bytes(o.mtu))
				sod_usage_error(usage, "invalid --mtu '%s'", optarg);
			break;
		case 'h':
			fputs(usage, stdout);
			return SOD_EXIT_OK;
		default:
			sod_usage_error(usage, "unknown option");
		}
	}
	if (optind < argc)
		sod_usage_error(usage, "unexpected argument '%s'", argv[optind]);
	if (o.target == o.sender)
		sod_usage_error(usage, "exactly one of --target and --sender");
	if (o.target && !o.dev)
		sod_usage_error(usage, "--dev is required with --target");
	if (o.target)
		return target_run();
	return sender_run();
}
