// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sod_traffic: data-path test matrix between a server and a client over
 * plain libibverbs (no provider-specific code), RC and UD over RoCE v2.
 *
 * Either two processes on one device (loopback: --client 127.0.0.1) or two
 * hosts.  The client drives: for every op x size x iteration it tells the
 * server over a TCP control connection what comes ("PREP"), the server
 * prepares (poisons its buffer, posts a receive, fills a READ source, sets
 * an atomic target) and answers "READY", the client runs the operation and
 * checks its own completion and buffer, then asks the server to check its
 * side ("CHECK"); the server answers "OK" or "FAIL <why>".
 *
 * Every payload is a pattern that depends on (op, size, iteration, byte
 * offset); destinations are poisoned first and the 64 bytes before and
 * after every destination must stay poisoned.  Completions are checked for
 * status, opcode, byte_len, imm_data and IBV_WC_WITH_IMM, wc_flags, qp_num,
 * src_qp and IBV_WC_GRH (UD, plus the IPv4 header in GRH bytes 20..39).
 *
 * Two ops run only when named in --ops: rd_burst (READ/CAS/FAA posted
 * at once, more than --rd-atomic, completions in order and every slot
 * checked) and ud_reply (the server answers a UD SEND through an AH made
 * by ibv_create_ah_from_wc; the client checks the answer).
 *
 * --check-errors then runs error cases, each on fresh QPs, each asserting
 * one exact completion status (see the usage text).
 *
 * The first failed check prints "<prog>: FAIL <what>: expected X got Y" and
 * exits 1 (both sides: the peer is told).  Exit status as in sod_common.h.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sod_common.h"

#define IB_PORT 1
#define GUARD 64
#define GRH_LEN 40
#define UD_QKEY 0x11111111u
#define MAX_QP 2
#define RO_LEN 4096
#define RBUF_LEN 8192
#define MAX_BURST 60

static const char usage[] =
	"--dev NAME (--server | --client HOST) [options]\n"
	"  --dev NAME         RDMA device (both sides)\n"
	"  --server           wait for one client on --port\n"
	"  --client HOST      connect to the server at HOST (IPv4 or name)\n"
	"  --port N           TCP port of the control connection (default 18515)\n"
	"  --gid-index N      GID index to use (default: the first RoCE v2 GID\n"
	"                     holding an IPv4-mapped address)\n"
	"  --mtu BYTES        RC path MTU: 256, 512, 1024, 2048 or 4096\n"
	"                     (default 1024; must be <= the port's active MTU)\n"
	"  --ops LIST         comma list of send,send_imm,write,write_imm,read,\n"
	"                     cas,faa,inline,ud_send,ud_send_imm, or 'all' (default);\n"
	"                     not in 'all': rd_burst (a burst of READ, CAS, FAA\n"
	"                     posted at once, see --burst) and ud_reply (UD SEND,\n"
	"                     the server answers with an AH from the receive WC)\n"
	"  --sizes LIST       comma list of byte counts\n"
	"                     (default 0,1,63,4095,4096,4097,65536,1048577)\n"
	"  --iters N          iterations of every op x size (default 1)\n"
	"  --srq              server: 2 RC QPs sharing one SRQ (client alternates)\n"
	"  --rd-atomic N      max_rd_atomic and max_dest_rd_atomic of the RC QPs\n"
	"                     (1..255, default 4; checked against the device caps\n"
	"                     and read back with ibv_query_qp)\n"
	"  --qp-timeout N     RC local ACK timeout exponent (4.096 us x 2^N,\n"
	"                     1..31, default 14: 67 ms); the error cases keep theirs\n"
	"  --burst N          rd_burst: WRs per burst (1..60, default 2 x\n"
	"                     --rd-atomic + 3, at most 60)\n"
	"  --check-errors     then run the error cases: bad lkey (LOC_PROT_ERR),\n"
	"                     WRITE without REMOTE_WRITE (REM_ACCESS_ERR), READ\n"
	"                     outside the MR (REM_ACCESS_ERR), MR of another PD\n"
	"                     (LOC_PROT_ERR), 2 receives posted before and 3 sends\n"
	"                     after a move to ERR (WR_FLUSH_ERR each), a receive\n"
	"                     posted to a QP in ERR (WR_FLUSH_ERR),\n"
	"                     no receive with rnr_retry 0 (RNR_RETRY_EXC_ERR),\n"
	"                     peer QP destroyed with retry_cnt 1 (RETRY_EXC_ERR)\n"
	"  --errors LIST      with --check-errors: only these cases (default all):\n"
	"                     bad_lkey,no_write,read_oob,wrong_pd,flush,\n"
	"                     flush_late_recv,rnr,vanish\n"
	"  --no-matrix        skip the op x size matrix (e.g. errors only)\n"
	"  --timeout-ms N     wait for any completion or peer message at most N ms\n"
	"                     (default 30000)\n"
	"  Options that shape the run (--ops, --sizes, --iters, --srq,\n"
	"  --check-errors, --no-matrix, --mtu, --rd-atomic, --burst) are taken\n"
	"  from the client; the server follows (give both the same --ops and\n"
	"  --sizes: they size the buffers).\n";

enum op {
	OP_SEND, OP_SEND_IMM, OP_WRITE, OP_WRITE_IMM, OP_READ, OP_CAS, OP_FAA,
	OP_INLINE, OP_UD_SEND, OP_UD_SEND_IMM, OP_RD_BURST, OP_UD_REPLY, OP_COUNT
};

/* The ops "all" stands for (rd_burst and ud_reply are asked for by name). */
#define OP_ALL_COUNT OP_RD_BURST

static const char *const op_names[OP_COUNT] = {
	"send", "send_imm", "write", "write_imm", "read", "cas", "faa",
	"inline", "ud_send", "ud_send_imm", "rd_burst", "ud_reply",
};

enum { ERR_BAD_LKEY, ERR_NO_WRITE, ERR_READ_OOB, ERR_WRONG_PD, ERR_FLUSH,
	ERR_FLUSH_LATE_RECV, ERR_RNR, ERR_VANISH, ERR_COUNT };

static const char *const err_names[ERR_COUNT] = {
	"bad_lkey", "no_write", "read_oob", "wrong_pd", "flush",
	"flush_late_recv", "rnr", "vanish",
};

#define MAX_SIZES 32

struct opts {
	struct sod_peer_opts peer;
	long mtu;
	bool ops[OP_COUNT];
	long sizes[MAX_SIZES];
	int nsizes;
	long iters;
	bool srq;
	bool check_errors;
	unsigned int errors;	/* bit per error case */
	bool matrix;
	long timeout_ms;
	long rd_atomic;		/* max_rd_atomic = max_dest_rd_atomic */
	long burst;		/* rd_burst: WRs posted at once */
};

struct peer {
	union ibv_gid gid;
	uint32_t rkey, ro_rkey, ud_qpn;
	uint64_t addr, ro_addr, len;
	uint64_t atom_off;
};

static struct opts o;
static struct ibv_context *ctx;
static struct ibv_pd *pd, *pd2;
static struct ibv_mr *mr, *ro_mr, *mr2;
static uint8_t *buf, *robuf, *buf2, *rbuf;
static struct ibv_mr *rmr;	/* rbuf: where ud_reply's answer lands */
static size_t buf_len, data_off, atom_off;
static long max_size;
static union ibv_gid my_gid;
static int gid_index;
static enum ibv_mtu path_mtu;
static int port_mtu_bytes;
static uint32_t max_inline;
static struct ibv_device_attr dev_attr;

static struct sod_cq scq, rcq, udcq;
static struct ibv_srq *srq;
static struct ibv_qp *qp[MAX_QP];
static int nqp;
static struct ibv_qp *udqp;
static struct ibv_ah *ah;
static struct peer peer;

/* ------------------------------------------------------------ patterns */

static uint8_t pattern(int op, long size, long iter, size_t i)
{
	uint32_t x = (uint32_t)i * 0x9E3779B1u ^
		     ((uint32_t)op * 0x85EBCA77u + (uint32_t)size * 0xC2B2AE3Du +
		      (uint32_t)iter * 0x27D4EB2Fu + 0x165667B1u);

	x ^= x >> 15;
	x *= 0x2C1B3C6Du;
	x ^= x >> 12;
	return (uint8_t)(x ^ (x >> 8));
}

static uint8_t poison(int op, long iter)
{
	return (uint8_t)(0xA5 ^ (op * 16) ^ iter);
}

static void fill_pattern(uint8_t *p, int op, long size, long iter)
{
	for (long i = 0; i < size; i++)
		p[i] = pattern(op, size, iter, (size_t)i);
}

/* Check [p-GUARD, p) and [p+size, p+size+GUARD) hold pv and p[0..size) the
 * pattern.  Returns NULL if so, else a message in msg. */
static const char *check_buf_pv(char *msg, size_t len, const char *what,
				const uint8_t *p, int op, long size, long iter,
				bool check_before, uint8_t pv)
{
	if (check_before)
		for (long i = -GUARD; i < 0; i++)
			if (p[i] != pv) {
				snprintf(msg, len, "%s %s size %ld iter %ld: guard byte %ld before the data: expected 0x%02x got 0x%02x",
					 what, op_names[op], size, iter, -i, pv, p[i]);
				return msg;
			}
	for (long i = 0; i < size; i++) {
		uint8_t want = pattern(op, size, iter, (size_t)i);

		if (p[i] != want) {
			snprintf(msg, len, "%s %s size %ld iter %ld: data byte %ld: expected 0x%02x got 0x%02x",
				 what, op_names[op], size, iter, i, want, p[i]);
			return msg;
		}
	}
	for (long i = size; i < size + GUARD; i++)
		if (p[i] != pv) {
			snprintf(msg, len, "%s %s size %ld iter %ld: guard byte %ld after the data: expected 0x%02x got 0x%02x",
				 what, op_names[op], size, iter, i - size, pv, p[i]);
			return msg;
		}
	return NULL;
}

static const char *check_buf(char *msg, size_t len, const char *what,
			     const uint8_t *p, int op, long size, long iter,
			     bool check_before)
{
	return check_buf_pv(msg, len, what, p, op, size, iter, check_before,
			    poison(op, iter));
}

/* ------------------------------------------------------------ CQs */

static void cq_expect_one(struct sod_cq *c, struct ibv_wc *wc, const char *what)
{
	if (!sod_cq_wait(c, wc, o.timeout_ms))
		sod_fail("%s: expected a completion within %ld ms got none", what,
			 o.timeout_ms);
}

static void check_wc(const struct ibv_wc *wc, const char *what, uint64_t wr_id,
		     enum ibv_wc_status st, int opcode, uint32_t qpn)
{
	if (wc->status != st)
		sod_fail("%s: status: expected %s got %s (vendor_err 0x%x)", what,
			 ibv_wc_status_str(st), ibv_wc_status_str(wc->status),
			 wc->vendor_err);
	if (wc->wr_id != wr_id)
		sod_fail("%s: wr_id: expected %" PRIu64 " got %" PRIu64, what, wr_id,
			 wc->wr_id);
	if (wc->qp_num != qpn)
		sod_fail("%s: qp_num: expected 0x%x got 0x%x", what, qpn, wc->qp_num);
	if (opcode >= 0 && (int)wc->opcode != opcode)
		sod_fail("%s: opcode: expected %d got %d", what, opcode, wc->opcode);
}

/* ------------------------------------------------------------ device */

static void setup_device(void)
{
	struct ibv_port_attr pa;

	ctx = sod_open_peer_dev(&o.peer, IB_PORT, &gid_index, &my_gid, &pa);
	port_mtu_bytes = sod_mtu_to_bytes(pa.active_mtu);
	if (ibv_query_device(ctx, &dev_attr))
		sod_die_env("ibv_query_device: %s", strerror(errno));
	sod_info("%s: max_qp_rd_atom %d max_qp_init_rd_atom %d max_qp_wr %d",
		 o.peer.dev, dev_attr.max_qp_rd_atom, dev_attr.max_qp_init_rd_atom,
		 dev_attr.max_qp_wr);

	pd = ibv_alloc_pd(ctx);
	pd2 = ibv_alloc_pd(ctx);
	if (!pd || !pd2)
		sod_fail("ibv_alloc_pd: expected success got %s", strerror(errno));

	/* [guard][GRH][data max_size][guard] ... [guard][8 atomic][guard] */
	data_off = GUARD + GRH_LEN;
	atom_off = (data_off + (size_t)max_size + GUARD + 63) / 64 * 64 + GUARD;
	buf_len = (atom_off + 8 + GUARD + 4095) / 4096 * 4096;
	if (posix_memalign((void **)&buf, 4096, buf_len) ||
	    posix_memalign((void **)&robuf, 4096, RO_LEN) ||
	    posix_memalign((void **)&buf2, 4096, 4096) ||
	    posix_memalign((void **)&rbuf, 4096, RBUF_LEN))
		sod_fail("posix_memalign: expected success got failure");
	memset(buf, 0, buf_len);
	for (int i = 0; i < RO_LEN; i++)
		robuf[i] = (uint8_t)(i * 7 + 3);
	memset(buf2, 0x3C, 4096);
	mr = ibv_reg_mr(pd, buf, buf_len,
			IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
			IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_ATOMIC);
	if (!mr)
		sod_fail("ibv_reg_mr(%zu bytes, all access): expected success got %s",
			 buf_len, strerror(errno));
	/* No REMOTE_WRITE: the target of the remote access error cases. */
	ro_mr = ibv_reg_mr(pd, robuf, RO_LEN,
			   IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ);
	if (!ro_mr)
		sod_fail("ibv_reg_mr(read-only): expected success got %s", strerror(errno));
	/* Registered in another PD: the wrong-PD case. */
	mr2 = ibv_reg_mr(pd2, buf2, 4096, IBV_ACCESS_LOCAL_WRITE);
	if (!mr2)
		sod_fail("ibv_reg_mr(pd2): expected success got %s", strerror(errno));
	memset(rbuf, 0, RBUF_LEN);
	rmr = ibv_reg_mr(pd, rbuf, RBUF_LEN, IBV_ACCESS_LOCAL_WRITE);
	if (!rmr)
		sod_fail("ibv_reg_mr(reply buffer): expected success got %s", strerror(errno));
}

/* ------------------------------------------------------------ QPs */

struct rc_params {
	uint8_t retry_cnt, rnr_retry, timeout, min_rnr_timer;
};

static struct rc_params rc_default = {	/* timeout: --qp-timeout */
	.retry_cnt = 7, .rnr_retry = 7, .timeout = 14, .min_rnr_timer = 12,
};

static struct ibv_qp *create_qp(enum ibv_qp_type type, struct sod_cq *s, struct sod_cq *r,
				bool use_srq)
{
	static const uint32_t inl[] = { 512, 256, 128, 64, 0 };
	struct ibv_qp_init_attr ia;
	struct ibv_qp *q = NULL;

	for (unsigned int k = 0; k < sizeof(inl) / sizeof(inl[0]) && !q; k++) {
		memset(&ia, 0, sizeof(ia));
		ia.send_cq = s->cq;
		ia.recv_cq = r->cq;
		ia.srq = use_srq ? srq : NULL;
		ia.qp_type = type;
		/* rd_burst posts o.burst WRs at once */
		ia.cap.max_send_wr = type == IBV_QPT_RC && o.burst > 14 ?
				     (uint32_t)o.burst + 2 : 16;
		ia.cap.max_recv_wr = use_srq ? 0 : 16;
		ia.cap.max_send_sge = 1;
		ia.cap.max_recv_sge = use_srq ? 0 : 1;
		ia.cap.max_inline_data = inl[k];
		ia.sq_sig_all = 0;
		q = ibv_create_qp(pd, &ia);
	}
	if (!q)
		sod_fail("ibv_create_qp(%s): expected success got %s",
			 type == IBV_QPT_RC ? "RC" : "UD", strerror(errno));
	if (type == IBV_QPT_RC)
		max_inline = ia.cap.max_inline_data;
	return q;
}

/* The QP holds the READ/atomic depths asked for (both directions). */
static void check_rd_atomic(struct ibv_qp *q)
{
	struct ibv_qp_init_attr ia;
	struct ibv_qp_attr a;
	int ret;

	memset(&a, 0, sizeof(a));
	ret = ibv_query_qp(q, &a, IBV_QP_MAX_QP_RD_ATOMIC | IBV_QP_MAX_DEST_RD_ATOMIC,
			   &ia);
	if (ret)
		sod_fail("ibv_query_qp: expected success got %s", strerror(ret));
	if (a.max_rd_atomic != o.rd_atomic || a.max_dest_rd_atomic != o.rd_atomic)
		sod_fail("ibv_query_qp: max_rd_atomic / max_dest_rd_atomic: expected %ld / %ld got %u / %u",
			 o.rd_atomic, o.rd_atomic, a.max_rd_atomic, a.max_dest_rd_atomic);
}

static void qp_to_rts_rc(struct ibv_qp *q, uint32_t rqpn, uint32_t rpsn,
			 uint32_t lpsn, const struct rc_params *p)
{
	const struct sod_rc_conn c = {
		.port = IB_PORT,
		.path_mtu = path_mtu,
		.dgid = peer.gid,
		.sgid_index = (uint8_t)gid_index,
		.dest_qpn = rqpn,
		.rq_psn = rpsn,
		.sq_psn = lpsn,
		.max_dest_rd_atomic = (uint8_t)o.rd_atomic,
		.max_rd_atomic = (uint8_t)o.rd_atomic,
		.min_rnr_timer = p->min_rnr_timer,
		.timeout = p->timeout,
		.retry_cnt = p->retry_cnt,
		.rnr_retry = p->rnr_retry,
	};
	const char *step;
	int ret = sod_rc_connect(q, &c, &step);

	if (ret)
		sod_fail("ibv_modify_qp(RC %s): expected success got %s", step,
			 strerror(ret));
	check_rd_atomic(q);
}

static void ud_setup(void)
{
	struct ibv_qp_attr a;

	sod_cq_create(ctx, &udcq, 32);
	udqp = create_qp(IBV_QPT_UD, &udcq, &udcq, false);
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_INIT;
	a.pkey_index = 0;
	a.port_num = IB_PORT;
	a.qkey = UD_QKEY;
	sod_modify_qp(udqp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
		      IBV_QP_QKEY, "UD INIT");
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	sod_modify_qp(udqp, &a, IBV_QP_STATE, "UD RTR");
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.sq_psn = 0x1234;
	sod_modify_qp(udqp, &a, IBV_QP_STATE | IBV_QP_SQ_PSN, "UD RTS");
}

static void make_ah(void)
{
	struct ibv_ah_attr aa;

	sod_fill_ah(&aa, IB_PORT, &peer.gid, (uint8_t)gid_index);
	ah = ibv_create_ah(pd, &aa);
	if (!ah)
		sod_fail("ibv_create_ah: expected success got %s", strerror(errno));
}

static void rc_teardown(void)
{
	for (int i = 0; i < nqp; i++)
		if (qp[i] && ibv_destroy_qp(qp[i]))
			sod_fail("ibv_destroy_qp: expected success got %s", strerror(errno));
	memset(qp, 0, sizeof(qp));
	nqp = 0;
	if (srq && ibv_destroy_srq(srq))
		sod_fail("ibv_destroy_srq: expected success got %s", strerror(errno));
	srq = NULL;
	sod_cq_destroy(&scq);
	sod_cq_destroy(&rcq);
}

static uint32_t rand_psn(void)
{
	return (uint32_t)(rand() & 0xffffff);
}

/*
 * (Re)create the RC QPs on both sides and connect them.  Client: sends
 * "RC n srq"; the server answers "QP qpn0 qpn1 psn", the client answers
 * the same, the server says "READY" once its QPs are in RTS.
 */
static void rc_connect_client(int n, bool use_srq, const struct rc_params *p)
{
	char line[SOD_LINE_MAX];
	uint32_t rq[MAX_QP] = { 0 }, rpsn, lpsn = rand_psn();

	rc_teardown();
	sod_cq_create(ctx, &scq, 64 + MAX_BURST);
	sod_cq_create(ctx, &rcq, 64);
	nqp = n;
	for (int i = 0; i < n; i++)
		qp[i] = create_qp(IBV_QPT_RC, &scq, &rcq, false);
	sod_ctl_send("RC %d %d", n, use_srq ? 1 : 0);
	sod_ctl_recv(line, sizeof(line));
	if (sscanf(line, "QP %" SCNu32 " %" SCNu32 " %" SCNu32, &rq[0], &rq[1], &rpsn) != 3)
		sod_fail("control protocol: expected 'QP ...' got '%s'", line);
	for (int i = 0; i < n; i++)
		qp_to_rts_rc(qp[i], rq[i], rpsn, lpsn, p);
	sod_ctl_send("QP %" PRIu32 " %" PRIu32 " %" PRIu32, qp[0]->qp_num,
		     n > 1 ? qp[1]->qp_num : 0, lpsn);
	sod_ctl_expect("READY");
}

static void rc_connect_server(int n, bool use_srq)
{
	char line[SOD_LINE_MAX];
	uint32_t rq[MAX_QP] = { 0 }, rpsn, lpsn = rand_psn();

	rc_teardown();
	sod_cq_create(ctx, &scq, 64 + MAX_BURST);
	sod_cq_create(ctx, &rcq, 64);
	if (use_srq) {
		struct ibv_srq_init_attr sa;

		memset(&sa, 0, sizeof(sa));
		sa.attr.max_wr = 32;
		sa.attr.max_sge = 1;
		srq = ibv_create_srq(pd, &sa);
		if (!srq)
			sod_fail("ibv_create_srq: expected success got %s", strerror(errno));
	}
	nqp = n;
	for (int i = 0; i < n; i++)
		qp[i] = create_qp(IBV_QPT_RC, &scq, &rcq, use_srq);
	sod_ctl_send("QP %" PRIu32 " %" PRIu32 " %" PRIu32, qp[0]->qp_num,
		     n > 1 ? qp[1]->qp_num : 0, lpsn);
	sod_ctl_recv(line, sizeof(line));
	if (sscanf(line, "QP %" SCNu32 " %" SCNu32 " %" SCNu32, &rq[0], &rq[1], &rpsn) != 3)
		sod_fail("control protocol: expected 'QP ...' got '%s'", line);
	for (int i = 0; i < n; i++)
		qp_to_rts_rc(qp[i], rq[i], rpsn, lpsn, &rc_default);
	sod_ctl_send("READY");
}

/* ------------------------------------------------------------ posting */

static void post_recv_at(struct ibv_qp *q, uint64_t wr_id, void *addr, uint32_t len,
			 uint32_t lkey, int nsge)
{
	struct ibv_sge sge = { .addr = (uintptr_t)addr, .length = len, .lkey = lkey };
	struct ibv_recv_wr wr = { .wr_id = wr_id, .sg_list = &sge, .num_sge = nsge };
	struct ibv_recv_wr *bad;
	int ret;

	if (q)
		ret = ibv_post_recv(q, &wr, &bad);
	else
		ret = ibv_post_srq_recv(srq, &wr, &bad);
	if (ret)
		sod_fail("ibv_post_%srecv: expected success got %s", q ? "" : "srq_",
			 strerror(ret));
}

static int post_send_wr(struct ibv_qp *q, struct ibv_send_wr *wr)
{
	struct ibv_send_wr *bad;

	return ibv_post_send(q, wr, &bad);
}

static void post_send_ok(struct ibv_qp *q, struct ibv_send_wr *wr, const char *what)
{
	int ret = post_send_wr(q, wr);

	if (ret)
		sod_fail("%s: ibv_post_send: expected success got %s", what, strerror(ret));
}

static uint32_t imm_of(int op, long size, long iter)
{
	return 0x5eed0000u ^ ((uint32_t)op << 24) ^ ((uint32_t)size * 2654435761u) ^
	       (uint32_t)iter;
}

static uint64_t atom_init(int op, long iter)
{
	return op == OP_CAS ? 0x0123456789abcdefull ^ ((uint64_t)iter << 20) :
			      0xfffffffffffffff0ull - (uint64_t)iter;
}

static void atom_guard_fill(uint8_t *p, uint8_t pv)
{
	memset(p - GUARD, pv, GUARD);
	memset(p + 8, pv, GUARD);
}

static void atom_guard_check(const uint8_t *p, uint8_t pv, const char *what)
{
	for (int i = -GUARD; i < 8 + GUARD; i++) {
		if (i >= 0 && i < 8)
			continue;
		if (p[i] != pv)
			sod_fail("%s: guard byte at offset %d of the 8-byte target: expected 0x%02x got 0x%02x",
				 what, i, pv, p[i]);
	}
}

/* ------------------------------------------------------------ rd_burst */

/*
 * rd_burst: o.burst WRs posted with one ibv_post_send on one RC QP, more
 * than max_rd_atomic, so that the requester must hold some back: WR k is
 * a READ of the test's size (k % 3 == 0), a CMP_AND_SWP (1) or a
 * FETCH_AND_ADD (2).  Slot k of the data area (burst_stride apart) is the
 * READ's source (server) and destination (client), the CAS's target
 * (server), and where an atomic's original value lands (client).  All the
 * FAAs add to one target (the server's atom_off): the original values
 * they return show that the responder ran each once, in order.
 */
enum { BK_READ, BK_CAS, BK_FAA };

static int burst_kind(long k)
{
	return (int)(k % 3);
}

static size_t burst_stride(long size)
{
	return (size_t)((size < 8 ? 8 : size) + GUARD + 63) / 64 * 64;
}

static long burst_len(long size)
{
	return (long)burst_stride(size) * o.burst;
}

/* The pattern "iteration" of slot k. */
static long burst_iter(long iter, long k)
{
	return iter * MAX_BURST + k;
}

static uint64_t burst_cas_init(long iter, long k)
{
	return 0x0123456789abcdefull ^ ((uint64_t)iter << 20) ^ ((uint64_t)k << 40);
}

static uint64_t burst_faa_add(long k)
{
	return 0x100000001ull * (uint64_t)(k + 1);
}

/* Bytes the test's data transfer spans at buf + data_off. */
static long test_span(int op, long size)
{
	return op == OP_RD_BURST ? burst_len(size) : size;
}

/* ------------------------------------------------------------ server */

struct test {
	int op;
	long size, iter;
	int qpi;
};

static bool op_is_ud(int op)
{
	return op == OP_UD_SEND || op == OP_UD_SEND_IMM || op == OP_UD_REPLY;
}

static bool op_is_recv(int op)
{
	return op == OP_SEND || op == OP_SEND_IMM || op == OP_INLINE ||
	       op == OP_WRITE_IMM || op_is_ud(op);
}

static void server_prep(const struct test *t)
{
	uint8_t pv = poison(t->op, t->iter);
	uint8_t *d = buf + data_off;

	memset(buf, pv, data_off + (size_t)test_span(t->op, t->size) + GUARD);
	switch (t->op) {
	case OP_RD_BURST: {
		uint64_t v = atom_init(OP_FAA, t->iter);

		atom_guard_fill(buf + atom_off, pv);
		memcpy(buf + atom_off, &v, 8);
		for (long k = 0; k < o.burst; k++) {
			uint8_t *p = d + (size_t)k * burst_stride(t->size);

			v = burst_cas_init(t->iter, k);
			if (burst_kind(k) == BK_READ)
				fill_pattern(p, t->op, t->size, burst_iter(t->iter, k));
			else if (burst_kind(k) == BK_CAS)
				memcpy(p, &v, 8);
		}
		break;
	}
	case OP_SEND:
	case OP_SEND_IMM:
	case OP_INLINE:
		post_recv_at(srq ? NULL : qp[t->qpi], 1000 + (uint64_t)t->iter,
			     d, (uint32_t)t->size + GUARD, mr->lkey, 1);
		break;
	case OP_WRITE_IMM:
		/* A receive without buffers: WRITE_IMM consumes it. */
		post_recv_at(srq ? NULL : qp[t->qpi], 1000 + (uint64_t)t->iter,
			     d, 0, mr->lkey, 0);
		break;
	case OP_READ:
		fill_pattern(d, t->op, t->size, t->iter);
		break;
	case OP_CAS:
	case OP_FAA: {
		uint64_t v = atom_init(t->op, t->iter);

		atom_guard_fill(buf + atom_off, pv);
		memcpy(buf + atom_off, &v, 8);
		break;
	}
	case OP_UD_SEND:
	case OP_UD_SEND_IMM:
	case OP_UD_REPLY:
		post_recv_at(udqp, 2000 + (uint64_t)t->iter, buf + GUARD + 0,
			     GRH_LEN + (uint32_t)t->size + GUARD, mr->lkey, 1);
		break;
	default:
		break;
	}
}

/* Is the GID an IPv4-mapped IPv6 address (::ffff:a.b.c.d)? */
static bool gid_is_v4(const union ibv_gid *gid)
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(gid->raw, prefix, sizeof(prefix));
}

/* An IPv6 GRH: the IPv6 header itself (version, next header, payload
 * length = UDP + BTH + DETH [+ ImmDt] + padded payload + ICRC, the GIDs). */
static void check_grh6(const uint8_t *g, unsigned int udp_len, const char *what)
{
	unsigned int got_len = (unsigned int)g[4] << 8 | g[5];

	if (g[0] >> 4 != 6)
		sod_fail("%s: GRH byte 0 (IPv6 version): expected 6 got %u", what, g[0] >> 4);
	if (g[6] != 17)
		sod_fail("%s: GRH byte 6 (IPv6 next header): expected 17 (UDP) got %u",
			 what, g[6]);
	if (got_len != udp_len)
		sod_fail("%s: GRH bytes 4..5 (IPv6 payload length): expected %u got %u",
			 what, udp_len, got_len);
	if (memcmp(g + 8, peer.gid.raw, 16))
		sod_fail("%s: GRH bytes 8..23 (IPv6 source): not the peer's GID", what);
	if (memcmp(g + 24, my_gid.raw, 16))
		sod_fail("%s: GRH bytes 24..39 (IPv6 destination): not our GID", what);
}

/* The 40 GRH bytes g of a UD receive of size bytes (with_imm: carrying
 * an ImmDt) that came from the peer to us: the IPv4 header in 20..39, or
 * the IPv6 header over an IPv6 GID. */
static void check_grh(const uint8_t *g, long size, bool with_imm, const char *what)
{
	int imm = with_imm ? 4 : 0;
	/* IPv4 + UDP + BTH + DETH [+ ImmDt] + payload padded to 4 + ICRC */
	unsigned int tot = (unsigned int)(20 + 8 + 12 + 8 + imm +
					  (size + 3) / 4 * 4 + 4);
	unsigned int got_tot = (unsigned int)g[22] << 8 | g[23];

	if (!gid_is_v4(&my_gid)) {
		check_grh6(g, tot - 20, what);
		return;
	}

	if (g[20] != 0x45)
		sod_fail("%s: GRH byte 20 (IPv4 version/IHL): expected 0x45 got 0x%02x",
			 what, g[20]);
	if (g[29] != 17)
		sod_fail("%s: GRH byte 29 (IPv4 protocol): expected 17 (UDP) got %u",
			 what, g[29]);
	if (got_tot != tot)
		sod_fail("%s: GRH bytes 22..23 (IPv4 total length): expected %u got %u",
			 what, tot, got_tot);
	if (memcmp(g + 32, peer.gid.raw + 12, 4))
		sod_fail("%s: GRH bytes 32..35 (IPv4 source): expected %u.%u.%u.%u got %u.%u.%u.%u",
			 what, peer.gid.raw[12], peer.gid.raw[13], peer.gid.raw[14],
			 peer.gid.raw[15], g[32], g[33], g[34], g[35]);
	if (memcmp(g + 36, my_gid.raw + 12, 4))
		sod_fail("%s: GRH bytes 36..39 (IPv4 destination): expected %u.%u.%u.%u got %u.%u.%u.%u",
			 what, my_gid.raw[12], my_gid.raw[13], my_gid.raw[14],
			 my_gid.raw[15], g[36], g[37], g[38], g[39]);
}

/* After a rd_burst: READ sources unchanged, every CAS target swapped, the
 * FAA target holds the sum of all the adds, nothing else written. */
static void server_check_burst(const struct test *t, const char *what)
{
	uint8_t pv = poison(t->op, t->iter), *d = buf + data_off;
	uint64_t v, want = atom_init(OP_FAA, t->iter);
	char msg[400], w[240];
	const char *bad;

	for (long k = 0; k < o.burst; k++) {
		uint8_t *p = d + (size_t)k * burst_stride(t->size);

		snprintf(w, sizeof(w), "%s slot %ld", what, k);
		switch (burst_kind(k)) {
		case BK_READ:
			bad = check_buf_pv(msg, sizeof(msg), w, p, t->op, t->size,
					   burst_iter(t->iter, k), true, pv);
			if (bad)
				sod_fail("%s (READ source)", bad);
			break;
		case BK_CAS:
			memcpy(&v, p, 8);
			if (v != ~burst_cas_init(t->iter, k))
				sod_fail("%s: CAS target: expected 0x%016" PRIx64 " got 0x%016" PRIx64,
					 w, ~burst_cas_init(t->iter, k), v);
			atom_guard_check(p, pv, w);
			break;
		default:
			want += burst_faa_add(k);
			for (int i = 0; i < 8; i++)
				if (p[i] != pv)
					sod_fail("%s: FAA slot byte %d (not a target): expected 0x%02x got 0x%02x",
						 w, i, pv, p[i]);
			atom_guard_check(p, pv, w);
		}
	}
	memcpy(&v, buf + atom_off, 8);
	if (v != want)
		sod_fail("%s: FAA target after the burst: expected 0x%016" PRIx64 " got 0x%016" PRIx64,
			 what, want, v);
	atom_guard_check(buf + atom_off, pv, what);
}

/*
 * ud_reply: answer the UD message just received (wc) with a UD SEND_WITH_IMM
 * to its sender, addressed only from the receive: an AH made by
 * ibv_create_ah_from_wc from the WC and the GRH bytes, and wc->src_qp.
 */
static void server_ud_reply(const struct test *t, const struct ibv_wc *rwc,
			    const char *what)
{
	struct ibv_sge sge = { .addr = (uintptr_t)(buf + data_off),
			       .length = (uint32_t)t->size, .lkey = mr->lkey };
	struct ibv_send_wr wr;
	struct ibv_ah *rah;
	struct ibv_wc wc;

	rah = ibv_create_ah_from_wc(pd, (struct ibv_wc *)rwc,
				    (struct ibv_grh *)(buf + GUARD), IB_PORT);
	if (!rah)
		sod_fail("%s: ibv_create_ah_from_wc: expected success got %s", what,
			 strerror(errno));
	fill_pattern(buf + data_off, t->op, t->size, t->iter + 1);
	memset(&wr, 0, sizeof(wr));
	wr.wr_id = 3100 + (uint64_t)t->iter;
	wr.sg_list = &sge;
	wr.num_sge = 1;
	wr.opcode = IBV_WR_SEND_WITH_IMM;
	wr.send_flags = IBV_SEND_SIGNALED;
	wr.imm_data = htonl(~imm_of(t->op, t->size, t->iter));
	wr.wr.ud.ah = rah;
	wr.wr.ud.remote_qpn = rwc->src_qp;
	wr.wr.ud.remote_qkey = UD_QKEY;
	post_send_ok(udqp, &wr, what);
	cq_expect_one(&udcq, &wc, what);
	check_wc(&wc, what, 3100 + (uint64_t)t->iter, IBV_WC_SUCCESS, IBV_WC_SEND,
		 udqp->qp_num);
	if (ibv_destroy_ah(rah))
		sod_fail("%s: ibv_destroy_ah: expected success got %s", what, strerror(errno));
}

static void server_check(const struct test *t)
{
	char what[128], msg[400];
	const char *bad = NULL;
	struct ibv_wc wc;
	bool imm = t->op == OP_SEND_IMM || t->op == OP_WRITE_IMM ||
		   t->op == OP_UD_SEND_IMM;

	snprintf(what, sizeof(what), "server %s size %ld iter %ld qp %d",
		 op_names[t->op], t->size, t->iter, t->qpi);
	if (op_is_recv(t->op)) {
		bool ud = op_is_ud(t->op);
		struct sod_cq *c = ud ? &udcq : &rcq;
		uint32_t want_len = (uint32_t)t->size + (ud ? GRH_LEN : 0);

		cq_expect_one(c, &wc, what);
		check_wc(&wc, what, (ud ? 2000 : 1000) + (uint64_t)t->iter,
			 IBV_WC_SUCCESS,
			 t->op == OP_WRITE_IMM ? IBV_WC_RECV_RDMA_WITH_IMM : IBV_WC_RECV,
			 ud ? udqp->qp_num : qp[t->qpi]->qp_num);
		if (wc.byte_len != want_len)
			sod_fail("%s: byte_len: expected %u got %u", what, want_len,
				 wc.byte_len);
		if (!!(wc.wc_flags & IBV_WC_WITH_IMM) != imm)
			sod_fail("%s: IBV_WC_WITH_IMM: expected %s got %s", what,
				 imm ? "set" : "clear",
				 wc.wc_flags & IBV_WC_WITH_IMM ? "set" : "clear");
		if (imm && wc.imm_data != htonl(imm_of(t->op, t->size, t->iter)))
			sod_fail("%s: imm_data: expected 0x%08x got 0x%08x", what,
				 imm_of(t->op, t->size, t->iter), ntohl(wc.imm_data));
		if (ud) {
			if (!(wc.wc_flags & IBV_WC_GRH))
				sod_fail("%s: IBV_WC_GRH: expected set got clear", what);
			if (wc.src_qp != peer.ud_qpn)
				sod_fail("%s: src_qp: expected 0x%x got 0x%x", what,
					 peer.ud_qpn, wc.src_qp);
			check_grh(buf + GUARD, t->size, t->op == OP_UD_SEND_IMM, what);
		}
	}
	sod_cq_expect_empty(&rcq, what);
	if (udqp)
		sod_cq_expect_empty(&udcq, what);
	sod_cq_expect_empty(&scq, what);

	switch (t->op) {
	case OP_RD_BURST:
		server_check_burst(t, what);
		break;
	case OP_CAS:
	case OP_FAA: {
		uint64_t a = atom_init(t->op, t->iter), v, want;

		want = t->op == OP_CAS ? ~a : a + 0x21 + 1;
		memcpy(&v, buf + atom_off, 8);
		if (v != want)
			sod_fail("%s: target after the atomics: expected 0x%016" PRIx64 " got 0x%016" PRIx64,
				 what, want, v);
		atom_guard_check(buf + atom_off, poison(t->op, t->iter), what);
		break;
	}
	case OP_READ:
		break;
	default:
		bad = check_buf(msg, sizeof(msg), "server", buf + data_off, t->op,
				t->size, t->iter, !op_is_ud(t->op));
		if (bad)
			sod_fail("%s", bad);
		if (op_is_ud(t->op))
			for (int i = 0; i < GUARD; i++)
				if (buf[i] != poison(t->op, t->iter))
					sod_fail("%s: guard byte %d before the GRH: expected 0x%02x got 0x%02x",
						 what, GUARD - i, poison(t->op, t->iter), buf[i]);
	}
	if (t->op == OP_UD_REPLY)
		server_ud_reply(t, &wc, what);
}

static void server_loop(void)
{
	char line[SOD_LINE_MAX];
	struct test t;
	int n, s;

	for (;;) {
		sod_ctl_recv(line, sizeof(line));
		if (sscanf(line, "PREP %d %ld %ld %d", &t.op, &t.size, &t.iter, &t.qpi) == 4) {
			if (t.op < 0 || t.op >= OP_COUNT || t.size < 0 ||
			    test_span(t.op, t.size) > max_size || t.qpi < 0 ||
			    t.qpi >= nqp)
				sod_fail("control protocol: bad '%s' (server --sizes max %ld)",
					 line, max_size);
			server_prep(&t);
			sod_ctl_send("READY");
			sod_ctl_expect("CHECK");
			server_check(&t);
			sod_ctl_send("OK");
		} else if (sscanf(line, "RC %d %d", &n, &s) == 2 && n >= 1 && n <= MAX_QP) {
			rc_connect_server(n, s);
		} else if (strcmp(line, "RECV") == 0) {
			/* error cases: one receive so that sends are accepted */
			post_recv_at(qp[0], 7, buf + data_off, 4096, mr->lkey, 1);
			sod_ctl_send("READY");
		} else if (strcmp(line, "ROBUF") == 0) {
			for (int i = 0; i < RO_LEN; i++)
				if (robuf[i] != (uint8_t)(i * 7 + 3))
					sod_fail("server: MR without REMOTE_WRITE, byte %d: expected 0x%02x got 0x%02x",
						 i, (uint8_t)(i * 7 + 3), robuf[i]);
			sod_ctl_send("OK");
		} else if (strcmp(line, "VANISH") == 0) {
			if (ibv_destroy_qp(qp[0]))
				sod_fail("ibv_destroy_qp: expected success got %s",
					 strerror(errno));
			qp[0] = NULL;
			sod_ctl_send("READY");
		} else if (strcmp(line, "QUIT") == 0) {
			sod_ctl_send("BYE");
			return;
		} else {
			sod_fail("control protocol: unexpected '%s'", line);
		}
	}
}

/* ------------------------------------------------------------ client */

static long tests_run, tests_skipped;

/* rd_burst, client side: post o.burst READ/CAS/FAA WRs with one call,
 * then every completion in order and every slot's bytes. */
static void client_burst(const struct test *t, const char *what)
{
	static struct ibv_sge sge[MAX_BURST];
	static struct ibv_send_wr wr[MAX_BURST];
	struct ibv_send_wr *bad = NULL;
	struct ibv_qp *q = qp[t->qpi];
	size_t stride = burst_stride(t->size);
	uint8_t pv = poison(t->op, t->iter), *d = buf + data_off;
	uint64_t v, faa = atom_init(OP_FAA, t->iter);
	char msg[400], w[240];
	struct ibv_wc wc;
	const char *b;
	int ret;

	memset(wr, 0, sizeof(wr));
	for (long k = 0; k < o.burst; k++) {
		uint64_t slot = peer.addr + data_off + (uint64_t)k * stride;

		sge[k].addr = (uintptr_t)(d + (size_t)k * stride);
		sge[k].length = 8;
		sge[k].lkey = mr->lkey;
		wr[k].wr_id = 700 + (uint64_t)k;
		wr[k].sg_list = &sge[k];
		wr[k].num_sge = 1;
		wr[k].send_flags = IBV_SEND_SIGNALED;
		wr[k].next = k + 1 < o.burst ? &wr[k + 1] : NULL;
		switch (burst_kind(k)) {
		case BK_READ:
			sge[k].length = (uint32_t)t->size;
			wr[k].opcode = IBV_WR_RDMA_READ;
			wr[k].wr.rdma.remote_addr = slot;
			wr[k].wr.rdma.rkey = peer.rkey;
			break;
		case BK_CAS:
			wr[k].opcode = IBV_WR_ATOMIC_CMP_AND_SWP;
			wr[k].wr.atomic.remote_addr = slot;
			wr[k].wr.atomic.rkey = peer.rkey;
			wr[k].wr.atomic.compare_add = burst_cas_init(t->iter, k);
			wr[k].wr.atomic.swap = ~burst_cas_init(t->iter, k);
			break;
		default:
			wr[k].opcode = IBV_WR_ATOMIC_FETCH_AND_ADD;
			wr[k].wr.atomic.remote_addr = peer.addr + peer.atom_off;
			wr[k].wr.atomic.rkey = peer.rkey;
			wr[k].wr.atomic.compare_add = burst_faa_add(k);
		}
	}
	ret = ibv_post_send(q, wr, &bad);
	if (ret)
		sod_fail("%s: ibv_post_send of %ld WRs at once: expected success got %s (at WR %ld)",
			 what, o.burst, strerror(ret), bad ? (long)(bad - wr) : -1L);
	for (long k = 0; k < o.burst; k++) {
		static const int wc_op[] = { IBV_WC_RDMA_READ, IBV_WC_COMP_SWAP,
					     IBV_WC_FETCH_ADD };
		uint32_t len = burst_kind(k) == BK_READ ? (uint32_t)t->size : 8;

		snprintf(w, sizeof(w), "%s, WR %ld of %ld (max_rd_atomic %ld)", what,
			 k, o.burst, o.rd_atomic);
		cq_expect_one(&scq, &wc, w);
		check_wc(&wc, w, 700 + (uint64_t)k, IBV_WC_SUCCESS,
			 wc_op[burst_kind(k)], q->qp_num);
		if (wc.byte_len != len)
			sod_fail("%s: byte_len: expected %u got %u", w, len, wc.byte_len);
	}
	for (long k = 0; k < o.burst; k++) {
		uint8_t *p = d + (size_t)k * stride;

		snprintf(w, sizeof(w), "%s slot %ld", what, k);
		switch (burst_kind(k)) {
		case BK_READ:
			b = check_buf_pv(msg, sizeof(msg), w, p, t->op, t->size,
					 burst_iter(t->iter, k), true, pv);
			if (b)
				sod_fail("%s (READ destination)", b);
			break;
		case BK_CAS:
			memcpy(&v, p, 8);
			if (v != burst_cas_init(t->iter, k))
				sod_fail("%s: CAS original value: expected 0x%016" PRIx64 " got 0x%016" PRIx64,
					 w, burst_cas_init(t->iter, k), v);
			atom_guard_check(p, pv, w);
			break;
		default:
			memcpy(&v, p, 8);
			if (v != faa)
				sod_fail("%s: FAA original value (the sum of the adds before it): expected 0x%016" PRIx64 " got 0x%016" PRIx64,
					 w, faa, v);
			atom_guard_check(p, pv, w);
			faa += burst_faa_add(k);
		}
	}
}

/* ud_reply, client side: the server's answer to our UD SEND, sent with an
 * AH it made from its receive completion. */
static void client_ud_reply(const struct test *t, const char *what)
{
	char w[240], msg[400];
	struct ibv_wc wc;
	const char *bad;
	uint32_t imm = ~imm_of(t->op, t->size, t->iter);

	snprintf(w, sizeof(w), "%s: the server's reply (AH from its WC)", what);
	cq_expect_one(&udcq, &wc, w);
	check_wc(&wc, w, 3000 + (uint64_t)t->iter, IBV_WC_SUCCESS, IBV_WC_RECV,
		 udqp->qp_num);
	if (wc.byte_len != GRH_LEN + (uint32_t)t->size)
		sod_fail("%s: byte_len: expected %u got %u", w, GRH_LEN + (uint32_t)t->size,
			 wc.byte_len);
	if (!(wc.wc_flags & IBV_WC_GRH))
		sod_fail("%s: IBV_WC_GRH: expected set got clear", w);
	if (!(wc.wc_flags & IBV_WC_WITH_IMM) || wc.imm_data != htonl(imm))
		sod_fail("%s: imm_data: expected 0x%08x got %s0x%08x", w, imm,
			 wc.wc_flags & IBV_WC_WITH_IMM ? "" : "none, ", ntohl(wc.imm_data));
	if (wc.src_qp != peer.ud_qpn)
		sod_fail("%s: src_qp: expected 0x%x got 0x%x", w, peer.ud_qpn, wc.src_qp);
	check_grh(rbuf + GUARD, t->size, true, w);
	bad = check_buf(msg, sizeof(msg), "client reply", rbuf + GUARD + GRH_LEN,
			t->op, t->size, t->iter + 1, false);
	if (bad)
		sod_fail("%s", bad);
	for (int i = 0; i < GUARD; i++)
		if (rbuf[i] != poison(t->op, t->iter + 1))
			sod_fail("%s: guard byte %d before the GRH: expected 0x%02x got 0x%02x",
				 w, GUARD - i, poison(t->op, t->iter + 1), rbuf[i]);
	sod_cq_expect_empty(&udcq, w);
}

static void client_test(const struct test *t)
{
	char what[128], msg[400];
	struct ibv_sge sge;
	struct ibv_send_wr wr;
	struct ibv_wc wc;
	struct ibv_qp *q = op_is_ud(t->op) ? udqp : qp[t->qpi];
	struct sod_cq *c = op_is_ud(t->op) ? &udcq : &scq;
	uint8_t *d = buf + data_off;
	uint8_t pv = poison(t->op, t->iter);
	int wc_op = IBV_WC_SEND;

	snprintf(what, sizeof(what), "client %s size %ld iter %ld qp %d",
		 op_names[t->op], t->size, t->iter, t->qpi);
	sod_ctl_send("PREP %d %ld %ld %d", t->op, t->size, t->iter, t->qpi);
	sod_ctl_expect("READY");

	memset(&wr, 0, sizeof(wr));
	memset(&sge, 0, sizeof(sge));
	sge.addr = (uintptr_t)d;
	sge.length = (uint32_t)t->size;
	sge.lkey = mr->lkey;
	wr.wr_id = 500 + (uint64_t)t->iter;
	wr.sg_list = &sge;
	wr.num_sge = 1;
	wr.send_flags = IBV_SEND_SIGNALED;
	memset(buf, pv, data_off + (size_t)test_span(t->op, t->size) + GUARD);
	if (t->op == OP_RD_BURST) {
		client_burst(t, what);
		goto check;
	}
	if (t->op != OP_READ)	/* a READ's destination stays poisoned */
		fill_pattern(d, t->op, t->size, t->iter);

	switch (t->op) {
	case OP_SEND:
	case OP_INLINE:
		wr.opcode = IBV_WR_SEND;
		if (t->op == OP_INLINE)
			wr.send_flags |= IBV_SEND_INLINE;
		break;
	case OP_SEND_IMM:
		wr.opcode = IBV_WR_SEND_WITH_IMM;
		wr.imm_data = htonl(imm_of(t->op, t->size, t->iter));
		break;
	case OP_WRITE:
	case OP_WRITE_IMM:
		wr.opcode = t->op == OP_WRITE ? IBV_WR_RDMA_WRITE :
						IBV_WR_RDMA_WRITE_WITH_IMM;
		wr.imm_data = htonl(imm_of(t->op, t->size, t->iter));
		wr.wr.rdma.remote_addr = peer.addr + data_off;
		wr.wr.rdma.rkey = peer.rkey;
		wc_op = IBV_WC_RDMA_WRITE;
		break;
	case OP_READ:
		wr.opcode = IBV_WR_RDMA_READ;
		wr.wr.rdma.remote_addr = peer.addr + data_off;
		wr.wr.rdma.rkey = peer.rkey;
		wc_op = IBV_WC_RDMA_READ;
		break;
	case OP_UD_REPLY:
		/* where the server's answer lands */
		memset(rbuf, poison(t->op, t->iter + 1), RBUF_LEN);
		post_recv_at(udqp, 3000 + (uint64_t)t->iter, rbuf + GUARD,
			     GRH_LEN + (uint32_t)t->size + GUARD, rmr->lkey, 1);
		/* fall through */
	case OP_UD_SEND:
	case OP_UD_SEND_IMM:
		wr.opcode = t->op == OP_UD_SEND_IMM ? IBV_WR_SEND_WITH_IMM : IBV_WR_SEND;
		wr.imm_data = htonl(imm_of(t->op, t->size, t->iter));
		wr.wr.ud.ah = ah;
		wr.wr.ud.remote_qpn = peer.ud_qpn;
		wr.wr.ud.remote_qkey = UD_QKEY;
		break;
	case OP_CAS:
	case OP_FAA: {
		uint64_t a = atom_init(t->op, t->iter), got;
		/* CAS: success (a -> ~a), then failure (compare a, target ~a);
		 * FAA: +0x21 (wraps around 2^64), then +1. */
		uint64_t cmp[2] = { a, a }, swp[2] = { ~a, 0x5555 };
		uint64_t add[2] = { 0x21, 1 };
		uint64_t want[2];

		want[0] = a;
		want[1] = t->op == OP_CAS ? ~a : a + 0x21;
		for (int k = 0; k < 2; k++) {
			uint64_t junk = 0xdeadbeefcafef00dull;

			atom_guard_fill(buf + atom_off, pv);
			memcpy(buf + atom_off, &junk, 8);
			sge.addr = (uintptr_t)(buf + atom_off);
			sge.length = 8;
			wr.wr_id = 600 + (uint64_t)k;
			wr.opcode = t->op == OP_CAS ? IBV_WR_ATOMIC_CMP_AND_SWP :
						      IBV_WR_ATOMIC_FETCH_AND_ADD;
			wr.wr.atomic.remote_addr = peer.addr + peer.atom_off;
			wr.wr.atomic.rkey = peer.rkey;
			wr.wr.atomic.compare_add = t->op == OP_CAS ? cmp[k] : add[k];
			wr.wr.atomic.swap = swp[k];
			post_send_ok(q, &wr, what);
			cq_expect_one(c, &wc, what);
			check_wc(&wc, what, 600 + (uint64_t)k, IBV_WC_SUCCESS,
				 t->op == OP_CAS ? IBV_WC_COMP_SWAP : IBV_WC_FETCH_ADD,
				 q->qp_num);
			if (wc.byte_len != 8)
				sod_fail("%s: atomic %d byte_len: expected 8 got %u", what,
					 k, wc.byte_len);
			memcpy(&got, buf + atom_off, 8);
			if (got != want[k])
				sod_fail("%s: atomic %d (%s) original value: expected 0x%016" PRIx64 " got 0x%016" PRIx64,
					 what, k,
					 t->op == OP_CAS ? (k ? "compare fails" : "compare matches") :
						       (k ? "add 1" : "add 0x21, wraps"),
					 want[k], got);
			atom_guard_check(buf + atom_off, pv, what);
		}
		goto check;
	}
	default:
		break;
	}

	post_send_ok(q, &wr, what);
	if (t->op == OP_INLINE)
		/* The data was copied at post time: overwrite the source. */
		memset(d, 0xEE, (size_t)t->size);
	cq_expect_one(c, &wc, what);
	check_wc(&wc, what, 500 + (uint64_t)t->iter, IBV_WC_SUCCESS, wc_op,
		 q->qp_num);
	if (t->op == OP_READ) {
		const char *bad;

		if (wc.byte_len != (uint32_t)t->size)
			sod_fail("%s: byte_len: expected %ld got %u", what, t->size,
				 wc.byte_len);
		bad = check_buf(msg, sizeof(msg), "client", d, t->op, t->size,
				t->iter, true);
		if (bad)
			sod_fail("%s", bad);
	}
check:
	sod_cq_expect_empty(&scq, what);
	sod_cq_expect_empty(&rcq, what);
	if (udqp)
		sod_cq_expect_empty(&udcq, what);
	sod_ctl_send("CHECK");
	sod_ctl_expect("OK");
	if (t->op == OP_UD_REPLY)
		client_ud_reply(t, what);
	tests_run++;
}

static void client_matrix(void)
{
	long qctr = 0;

	for (int op = 0; op < OP_COUNT; op++) {
		if (!o.ops[op])
			continue;
		for (int si = 0; si < o.nsizes; si++) {
			long size = o.sizes[si];

			if (op == OP_CAS || op == OP_FAA) {
				if (si > 0)
					break;	/* size does not apply */
			} else if (op == OP_INLINE && size > (long)max_inline) {
				sod_info("skip inline size %ld: max_inline_data %u",
					 size, max_inline);
				tests_skipped++;
				continue;
			} else if (op_is_ud(op) && size > port_mtu_bytes) {
				sod_info("skip %s size %ld: larger than the port MTU %d",
					 op_names[op], size, port_mtu_bytes);
				tests_skipped++;
				continue;
			}
			for (long it = 0; it < o.iters; it++) {
				struct test t = {
					.op = op, .size = size, .iter = it,
					.qpi = op_is_ud(op) ? 0 : (int)(qctr++ % nqp),
				};

				client_test(&t);
			}
		}
	}
}

/* ------------------------------------------------------------ errors */

static void err_send(struct ibv_qp *q, uint32_t lkey, void *addr, uint32_t len,
		     enum ibv_wr_opcode opc, uint64_t raddr, uint32_t rkey,
		     enum ibv_wc_status want, const char *what)
{
	struct ibv_sge sge = { .addr = (uintptr_t)addr, .length = len, .lkey = lkey };
	struct ibv_send_wr wr;
	struct ibv_wc wc;
	int ret;

	memset(&wr, 0, sizeof(wr));
	wr.wr_id = 77;
	wr.sg_list = &sge;
	wr.num_sge = 1;
	wr.opcode = opc;
	wr.send_flags = IBV_SEND_SIGNALED;
	wr.wr.rdma.remote_addr = raddr;
	wr.wr.rdma.rkey = rkey;
	ret = post_send_wr(q, &wr);
	if (ret)
		sod_fail("%s: ibv_post_send: expected success (the error belongs in the completion) got %s",
			 what, strerror(ret));
	cq_expect_one(&scq, &wc, what);
	check_wc(&wc, what, 77, want, -1, q->qp_num);
	sod_info("PASS error case %s: %s", what, ibv_wc_status_str(want));
}

static void sanity_send(const char *what)
{
	struct test t = { .op = OP_SEND, .size = 4097, .iter = 99, .qpi = 0 };

	(void)what;
	client_test(&t);
}

static void client_errors(void)
{
	struct rc_params p;
	struct ibv_qp_attr a;
	struct ibv_wc wc;
	char what[64];
	int nerr = 0;

	if (o.errors & (1u << ERR_BAD_LKEY)) {
		/* 1. bad lkey */
		rc_connect_client(1, false, &rc_default);
		sod_ctl_send("RECV");
		sod_ctl_expect("READY");
		fill_pattern(buf + data_off, OP_SEND, 64, 0);
		err_send(qp[0], mr->lkey ^ 0x00abcd5au, buf + data_off, 64, IBV_WR_SEND,
			 0, 0, IBV_WC_LOC_PROT_ERR, "bad lkey");
		nerr++;
	}

	if (o.errors & (1u << ERR_NO_WRITE)) {
		/* 2. WRITE with an rkey lacking REMOTE_WRITE */
		rc_connect_client(1, false, &rc_default);
		sanity_send("fresh QPs");
		err_send(qp[0], mr->lkey, buf + data_off, 64, IBV_WR_RDMA_WRITE,
			 peer.ro_addr, peer.ro_rkey, IBV_WC_REM_ACCESS_ERR,
			 "write without REMOTE_WRITE");
		sod_ctl_send("ROBUF");
		sod_ctl_expect("OK");
		nerr++;
	}

	if (o.errors & (1u << ERR_READ_OOB)) {
		/* 3. READ beyond the end of the MR */
		rc_connect_client(1, false, &rc_default);
		memset(buf + data_off, 0x11, 128);
		err_send(qp[0], mr->lkey, buf + data_off, 128, IBV_WR_RDMA_READ,
			 peer.addr + peer.len - 64, peer.rkey, IBV_WC_REM_ACCESS_ERR,
			 "read outside the MR");
		nerr++;
	}

	if (o.errors & (1u << ERR_WRONG_PD)) {
		/* 4. local SGE with an MR of another PD */
		rc_connect_client(1, false, &rc_default);
		sod_ctl_send("RECV");
		sod_ctl_expect("READY");
		err_send(qp[0], mr2->lkey, buf2, 64, IBV_WR_SEND, 0, 0,
			 IBV_WC_LOC_PROT_ERR, "MR of another PD");
		nerr++;
	}

	if (o.errors & (1u << ERR_FLUSH)) {
		/* 5. posts around a move to ERR are flushed: 2 receives
		 * posted before, then ERR, then 3 sends. */
		rc_connect_client(1, false, &rc_default);
		for (int i = 0; i < 2; i++)
			post_recv_at(qp[0], 300 + (uint64_t)i, buf + data_off, 64,
				     mr->lkey, 1);
		memset(&a, 0, sizeof(a));
		a.qp_state = IBV_QPS_ERR;
		sod_modify_qp(qp[0], &a, IBV_QP_STATE, "to ERR");
		for (int i = 0; i < 3; i++) {
			struct ibv_sge sge = { .addr = (uintptr_t)(buf + data_off),
					       .length = 64, .lkey = mr->lkey };
			struct ibv_send_wr wr;
			int ret;

			memset(&wr, 0, sizeof(wr));
			wr.wr_id = 400 + (uint64_t)i;
			wr.sg_list = &sge;
			wr.num_sge = 1;
			wr.opcode = IBV_WR_SEND;
			wr.send_flags = IBV_SEND_SIGNALED;
			ret = post_send_wr(qp[0], &wr);
			if (ret)
				sod_fail("post_send to a QP in ERR: expected success (flushed later) got %s",
					 strerror(ret));
		}
		for (int i = 0; i < 3; i++) {
			snprintf(what, sizeof(what), "flushed send %d (posted in ERR)", i);
			cq_expect_one(&scq, &wc, what);
			check_wc(&wc, what, 400 + (uint64_t)i, IBV_WC_WR_FLUSH_ERR, -1,
				 qp[0]->qp_num);
		}
		for (int i = 0; i < 2; i++) {
			snprintf(what, sizeof(what), "flushed receive %d (posted before ERR)", i);
			cq_expect_one(&rcq, &wc, what);
			check_wc(&wc, what, 300 + (uint64_t)i, IBV_WC_WR_FLUSH_ERR, -1,
				 qp[0]->qp_num);
		}
		sod_cq_expect_empty(&scq, "after the flushed sends");
		sod_cq_expect_empty(&rcq, "after the flushed receives");
		sod_info("PASS error case move to ERR: 2 receives posted before, 3 sends posted after: %s",
			 ibv_wc_status_str(IBV_WC_WR_FLUSH_ERR));
		nerr++;
	}

	if (o.errors & (1u << ERR_FLUSH_LATE_RECV)) {
		/* 5b. a receive posted to a QP already in ERR is flushed */
		rc_connect_client(1, false, &rc_default);
		memset(&a, 0, sizeof(a));
		a.qp_state = IBV_QPS_ERR;
		sod_modify_qp(qp[0], &a, IBV_QP_STATE, "to ERR");
		post_recv_at(qp[0], 350, buf + data_off, 64, mr->lkey, 1);
		cq_expect_one(&rcq, &wc, "receive posted to a QP in ERR");
		check_wc(&wc, "receive posted to a QP in ERR", 350,
			 IBV_WC_WR_FLUSH_ERR, -1, qp[0]->qp_num);
		sod_cq_expect_empty(&rcq, "after the flushed receive");
		sod_info("PASS error case receive posted to a QP in ERR: %s",
			 ibv_wc_status_str(IBV_WC_WR_FLUSH_ERR));
		nerr++;
	}

	if (o.errors & (1u << ERR_RNR)) {
		/* 6. SEND, no receive posted, rnr_retry 0 */
		p = rc_default;
		p.rnr_retry = 0;
		rc_connect_client(1, false, &p);
		err_send(qp[0], mr->lkey, buf + data_off, 64, IBV_WR_SEND, 0, 0,
			 IBV_WC_RNR_RETRY_EXC_ERR, "send without a receive, rnr_retry 0");
		nerr++;
	}

	if (o.errors & (1u << ERR_VANISH)) {
		/* 7. the peer's QP is gone: retry_cnt 1, timeout 12 (~16.8 ms) */
		p = rc_default;
		p.retry_cnt = 1;
		p.timeout = 12;
		rc_connect_client(1, false, &p);
		sod_ctl_send("VANISH");
		sod_ctl_expect("READY");
		err_send(qp[0], mr->lkey, buf + data_off, 64, IBV_WR_SEND, 0, 0,
			 IBV_WC_RETRY_EXC_ERR, "peer QP destroyed, retry_cnt 1");
		nerr++;
	}

	/* Recovery: fresh QPs work again. */
	rc_connect_client(1, false, &rc_default);
	sanity_send("after the error cases");
	sod_info("PASS %d error cases, then a good send on fresh QPs", nerr);
}

/* ------------------------------------------------------------ main */

static void parse_ops(const char *s)
{
	char tmp[256], *save = NULL, *tok;

	if (strlen(s) >= sizeof(tmp))
		sod_usage_error(usage, "invalid --ops '%s'", s);
	memset(o.ops, 0, sizeof(o.ops));
	strcpy(tmp, s);
	for (tok = strtok_r(tmp, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int i;

		if (strcmp(tok, "all") == 0) {
			for (i = 0; i < OP_ALL_COUNT; i++)
				o.ops[i] = true;
			continue;
		}
		for (i = 0; i < OP_COUNT; i++)
			if (strcmp(tok, op_names[i]) == 0)
				break;
		if (i == OP_COUNT)
			sod_usage_error(usage, "invalid --ops: unknown op '%s'", tok);
		o.ops[i] = true;
	}
	for (int i = 0; i < OP_COUNT; i++)
		if (o.ops[i])
			return;
	sod_usage_error(usage, "invalid --ops '%s': no op", s);
}

static void parse_errors(const char *s)
{
	bool sel[ERR_COUNT];

	sod_opt_select(usage, "errors", "case", s, err_names, sizeof(err_names[0]),
		       ERR_COUNT, sel);
	o.errors = 0;
	for (int i = 0; i < ERR_COUNT; i++)
		if (sel[i])
			o.errors |= 1u << i;
}

static void parse_sizes(const char *s)
{
	char tmp[512], *save = NULL, *tok;

	if (strlen(s) >= sizeof(tmp))
		sod_usage_error(usage, "invalid --sizes '%s'", s);
	strcpy(tmp, s);
	o.nsizes = 0;
	for (tok = strtok_r(tmp, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		long v;

		if (o.nsizes == MAX_SIZES)
			sod_usage_error(usage, "invalid --sizes: more than %d", MAX_SIZES);
		if (!sod_parse_long(tok, 0, 64L << 20, &v))
			sod_usage_error(usage, "invalid --sizes: '%s' (0..%ld)", tok,
					64L << 20);
		o.sizes[o.nsizes++] = v;
	}
	if (!o.nsizes)
		sod_usage_error(usage, "invalid --sizes '%s'", s);
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		SOD_PEER_LONGOPTS,
		{ "mtu", required_argument, NULL, 'm' },
		{ "ops", required_argument, NULL, 'o' },
		{ "sizes", required_argument, NULL, 's' },
		{ "iters", required_argument, NULL, 'i' },
		{ "srq", no_argument, NULL, 'Q' },
		{ "check-errors", no_argument, NULL, 'E' },
		{ "no-matrix", no_argument, NULL, 'N' },
		{ "errors", required_argument, NULL, 'e' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "rd-atomic", required_argument, NULL, 'r' },
		{ "burst", required_argument, NULL, 'b' },
		{ "qp-timeout", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long v;
	int c;

	o.peer.port = 18515;
	o.peer.gid_index = -1;
	o.mtu = 1024;
	o.iters = 1;
	o.matrix = true;
	o.timeout_ms = 30000;
	o.errors = (1u << ERR_COUNT) - 1;
	o.rd_atomic = 4;
	parse_ops("all");
	parse_sizes("0,1,63,4095,4096,4097,65536,1048577");
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (sod_opt_peer(c, usage, &o.peer))
			continue;
		switch (c) {
		case 'm': sod_opt_mtu(usage, optarg, &o.mtu); break;
		case 'o': parse_ops(optarg); break;
		case 's': parse_sizes(optarg); break;
		case 'i': sod_opt_long(usage, "iters", optarg, 1, 1000000, &o.iters); break;
		case 'Q': o.srq = true; break;
		case 'E': o.check_errors = true; break;
		case 'N': o.matrix = false; break;
		case 'e': parse_errors(optarg); break;
		case 't': sod_opt_long(usage, "timeout-ms", optarg, 1, 3600000, &o.timeout_ms); break;
		case 'r': sod_opt_long(usage, "rd-atomic", optarg, 1, 255, &o.rd_atomic); break;
		case 'b': sod_opt_long(usage, "burst", optarg, 1, MAX_BURST, &o.burst); break;
		case 'T':
			sod_opt_long(usage, "qp-timeout", optarg, 1, 31, &v);
			rc_default.timeout = (uint8_t)v;
			break;
		default: sod_opt_other(c, usage, argv);
		}
	}
	sod_opt_peer_done(usage, argc, argv, &o.peer);
	if (!o.burst)
		o.burst = o.rd_atomic * 2 + 3 > MAX_BURST ? MAX_BURST : o.rd_atomic * 2 + 3;
	max_size = 4096;
	for (int i = 0; i < o.nsizes; i++) {
		if (o.sizes[i] > max_size)
			max_size = o.sizes[i];
		if (o.ops[OP_RD_BURST] && burst_len(o.sizes[i]) > max_size)
			max_size = burst_len(o.sizes[i]);
	}
}

static void send_info(void)
{
	char g[33];

	sod_gid_to_hex(&my_gid, g);
	sod_ctl_send("INFO %s %" PRIu32 " %" PRIu64 " %" PRIu32 " %" PRIu64 " %zu %zu %" PRIu32
		     " %ld %ld %d %d %d %ld %ld %ld",
		     g, mr->rkey, (uint64_t)(uintptr_t)buf, ro_mr->rkey,
		     (uint64_t)(uintptr_t)robuf, buf_len, atom_off, udqp->qp_num,
		     max_size, o.mtu, o.srq, o.check_errors, o.matrix, o.rd_atomic,
		     o.iters, o.burst);
}

static void recv_info(void)
{
	char line[SOD_LINE_MAX], g[40];
	long msz, mtu, iters, rda, burst;
	int s, e, m;
	size_t len, aoff;

	sod_ctl_recv(line, sizeof(line));
	if (sscanf(line, "INFO %32s %" SCNu32 " %" SCNu64 " %" SCNu32 " %" SCNu64 " %zu %zu %" SCNu32
		   " %ld %ld %d %d %d %ld %ld %ld",
		   g, &peer.rkey, &peer.addr, &peer.ro_rkey, &peer.ro_addr, &len,
		   &aoff, &peer.ud_qpn, &msz, &mtu, &s, &e, &m, &rda, &iters,
		   &burst) != 16 ||
	    strlen(g) != 32)
		sod_fail("control protocol: expected 'INFO ...' got '%s'", line);
	if (!sod_gid_from_hex(g, &peer.gid))
		sod_fail("control protocol: bad GID '%s'", g);
	peer.len = len;
	peer.atom_off = aoff;
	if (o.peer.server) {
		/* The client shapes the run. */
		o.mtu = mtu;
		o.srq = s;
		o.check_errors = e;
		o.matrix = m;
		o.iters = iters;
		o.rd_atomic = rda;
		o.burst = burst;
		if (msz > max_size)
			sod_fail("server buffer: the client's largest size %ld exceeds this server's %ld (give the server the same --sizes)",
				 msz, max_size);
	}
}

int main(int argc, char **argv)
{
	char gs[INET6_ADDRSTRLEN];
	long t0;

	sod_init(argv[0]);
	parse_args(argc, argv);
	srand((unsigned int)(getpid() ^ time(NULL)));
	setup_device();
	inet_ntop(AF_INET6, my_gid.raw, gs, sizeof(gs));
	sod_info("%s: device %s gid[%d] %s port MTU %d", o.peer.server ? "server" : "client",
		 o.peer.dev, gid_index, gs, port_mtu_bytes);
	ud_setup();
	/* The client may start much later (another VM): wait long. */
	sod_ctl_open(o.peer.server ? NULL : o.peer.host, o.peer.port,
		     o.timeout_ms * 4, o.timeout_ms, o.timeout_ms / 1000 + 5);
	t0 = sod_now_ms();
	if (o.peer.server) {
		/* The server's buffer must hold the client's largest size:
		 * sizes come from the server's own --sizes (default list). */
		send_info();
		recv_info();
	} else {
		recv_info();
		send_info();
	}
	/* Both ends must take the READ/atomic depth asked for. */
	if (o.rd_atomic > dev_attr.max_qp_rd_atom ||
	    o.rd_atomic > dev_attr.max_qp_init_rd_atom)
		sod_fail("--rd-atomic %ld: expected <= %s's max_qp_rd_atom %d and max_qp_init_rd_atom %d",
			 o.rd_atomic, o.peer.dev, dev_attr.max_qp_rd_atom,
			 dev_attr.max_qp_init_rd_atom);
	path_mtu = sod_mtu_from_bytes(o.mtu);
	if (sod_mtu_to_bytes(path_mtu) > port_mtu_bytes)
		sod_die_env("--mtu %ld exceeds the active MTU %d of %s port %d", o.mtu,
			    port_mtu_bytes, o.peer.dev, IB_PORT);
	make_ah();

	if (o.peer.server) {
		server_loop();
		sod_info("server: PASS (client finished)");
		return SOD_EXIT_OK;
	}

	if (o.matrix) {
		rc_connect_client(o.srq ? 2 : 1, o.srq, &rc_default);
		client_matrix();
	}
	if (o.check_errors)
		client_errors();
	sod_ctl_send("QUIT");
	sod_ctl_expect("BYE");
	{
		char ops[256] = "";

		for (int i = 0; i < OP_COUNT; i++)
			if (o.ops[i] && o.matrix)
				snprintf(ops + strlen(ops), sizeof(ops) - strlen(ops),
					 "%s%s", ops[0] ? "," : "", op_names[i]);
		sod_info("PASS %ld transfers (%ld skipped) ops=%s mtu=%ld iters=%ld rd_atomic=%ld burst=%ld%s%s max_inline=%u in %ld ms",
			 tests_run, tests_skipped, ops[0] ? ops : "-", o.mtu, o.iters,
			 o.rd_atomic, o.ops[OP_RD_BURST] ? o.burst : 0,
			 o.srq ? " srq(2 QPs)" : "",
			 o.check_errors ? " + error cases" : "", max_inline,
			 sod_now_ms() - t0);
	}
	return SOD_EXIT_OK;
}
