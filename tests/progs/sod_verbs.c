// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sod_verbs: verbs semantics beyond the data-path matrix of sod_traffic,
 * on one device, in one process (QPs connected to each other over the
 * device's own GID: loopback).  Plain libibverbs, no provider-specific code.
 *
 * Every sub-test creates its own objects (registered here and destroyed
 * afterwards, in reverse order, whatever happened) and prints
 *   "<prog>: PASS <name>: <what was shown>"   or
 *   "<prog>: FAIL <name>: <what>: expected X got Y".
 * A failed sub-test does not stop the others.  The exit status is 1 if any
 * failed (see sod_common.h for the contract).
 *
 * Waiting never hangs: completions are polled with a deadline, completion
 * channels and the async event fd are non-blocking and waited for with
 * poll() and a timeout (--timeout-ms); "no event" checks wait
 * --quiet-ms.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sod_common.h"

#define IB_PORT 1
#define GRH_LEN 40
#define UD_QKEY 0x22222222u
#define BUF_LEN 65536
#define MAX_RES 64

static const char usage[] =
	"--dev NAME [options]\n"
	"  --dev NAME         RDMA device (its port 1 must be ACTIVE)\n"
	"  --gid-index N      GID index (default: the first RoCE v2 GID holding\n"
	"                     an IPv4-mapped address)\n"
	"  --only LIST        comma list of sub-tests to run (default: all)\n"
	"  --list             print the sub-tests and exit\n"
	"  --timeout-ms N     wait for a completion or an event at most N ms\n"
	"                     (default 20000)\n"
	"  --quiet-ms N       how long an event must stay absent (default 500)\n";

/* ------------------------------------------------------------ state */

static struct ibv_context *ctx;
static struct ibv_pd *pd;
static struct ibv_device_attr dattr;
static union ibv_gid my_gid;
static int gid_index = -1;
static long timeout_ms = 20000;
static long quiet_ms = 500;
static const char *dev_name;

static const char *cur_test;
static jmp_buf fail_jmp;
static int n_pass, n_fail;

enum rtype { R_CH, R_CQ, R_QP, R_SRQ, R_MR, R_AH, R_MEM };

static struct {
	enum rtype t;
	void *p;
} res[MAX_RES];
static int nres;

/* ------------------------------------------------------------ failing */

/* sod_fail's handler: the sub-test failed, back to the runner in main. */
static void __attribute__((noreturn)) on_fail(const char *msg)
{
	printf("%s: FAIL %s: %s\n", sod_prog, cur_test, msg);
	longjmp(fail_jmp, 1);
}

static const char *err_str(int e)
{
	return e ? strerror(e) : "success";
}

/* ------------------------------------------------------------ resources */

static void reg_res(enum rtype t, void *p)
{
	if (nres == MAX_RES)
		sod_fail("internal: more than %d objects in one sub-test", MAX_RES);
	res[nres].t = t;
	res[nres].p = p;
	nres++;
}

/* Forget @p (the test destroyed it itself). */
static void unreg_res(void *p)
{
	for (int i = 0; i < nres; i++)
		if (res[i].p == p)
			res[i].p = NULL;
}

/* Destroy what the sub-test left, newest first.  False if any failed. */
static bool cleanup(void)
{
	bool ok = true;
	int ret = 0;

	while (nres > 0) {
		void *p = res[--nres].p;
		const char *what = "";

		if (!p)
			continue;
		switch (res[nres].t) {
		case R_CH:
			ret = ibv_destroy_comp_channel(p);
			what = "ibv_destroy_comp_channel";
			break;
		case R_CQ:
			ret = ibv_destroy_cq(p);
			what = "ibv_destroy_cq";
			break;
		case R_QP:
			ret = ibv_destroy_qp(p);
			what = "ibv_destroy_qp";
			break;
		case R_SRQ:
			ret = ibv_destroy_srq(p);
			what = "ibv_destroy_srq";
			break;
		case R_MR:
			ret = ibv_dereg_mr(p);
			what = "ibv_dereg_mr";
			break;
		case R_AH:
			ret = ibv_destroy_ah(p);
			what = "ibv_destroy_ah";
			break;
		case R_MEM:
			free(p);
			ret = 0;
			break;
		}
		if (ret) {
			printf("%s: FAIL %s: cleanup: %s: expected success got %s\n",
			       sod_prog, cur_test, what, err_str(ret < 0 ? errno : ret));
			ok = false;
		}
	}
	return ok;
}

static void nap_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		sod_fail("fcntl(O_NONBLOCK): expected success got %s", strerror(errno));
}

static uint8_t *mk_mem(size_t len, uint8_t fill)
{
	uint8_t *p;

	if (posix_memalign((void **)&p, 4096, len))
		sod_fail("posix_memalign(%zu): expected success got failure", len);
	memset(p, fill, len);
	reg_res(R_MEM, p);
	return p;
}

static struct ibv_mr *mk_mr(void *addr, size_t len, int access)
{
	struct ibv_mr *mr = ibv_reg_mr(pd, addr, len, access);

	if (!mr)
		sod_fail("ibv_reg_mr(%zu bytes, access %#x): expected success got %s",
			 len, access, strerror(errno));
	reg_res(R_MR, mr);
	return mr;
}

static struct ibv_comp_channel *mk_ch(void)
{
	struct ibv_comp_channel *ch = ibv_create_comp_channel(ctx);

	if (!ch)
		sod_fail("ibv_create_comp_channel: expected success got %s", strerror(errno));
	reg_res(R_CH, ch);
	set_nonblock(ch->fd);
	return ch;
}

static struct ibv_cq *mk_cq(int depth, struct ibv_comp_channel *ch)
{
	struct ibv_cq *cq = ibv_create_cq(ctx, depth, NULL, ch, 0);

	if (!cq)
		sod_fail("ibv_create_cq(%d): expected success got %s", depth, strerror(errno));
	reg_res(R_CQ, cq);
	return cq;
}

struct qp_opts {
	enum ibv_qp_type type;
	struct ibv_cq *scq, *rcq;
	struct ibv_srq *srq;
	uint32_t max_send_wr, max_recv_wr, max_inline;
	int sig_all;
};

/* Try to create a QP; NULL and errno on failure (not registered). */
static struct ibv_qp *try_qp(const struct qp_opts *o, struct ibv_qp_cap *cap)
{
	struct ibv_qp_init_attr ia;
	struct ibv_qp *qp;

	memset(&ia, 0, sizeof(ia));
	ia.send_cq = o->scq;
	ia.recv_cq = o->rcq;
	ia.srq = o->srq;
	ia.qp_type = o->type;
	ia.sq_sig_all = o->sig_all;
	ia.cap.max_send_wr = o->max_send_wr ? o->max_send_wr : 32;
	ia.cap.max_recv_wr = o->srq ? 0 : (o->max_recv_wr ? o->max_recv_wr : 32);
	ia.cap.max_send_sge = 1;
	ia.cap.max_recv_sge = o->srq ? 0 : 1;
	ia.cap.max_inline_data = o->max_inline;
	qp = ibv_create_qp(pd, &ia);
	if (qp && cap)
		*cap = ia.cap;
	return qp;
}

static struct ibv_qp *mk_qp(const struct qp_opts *o, struct ibv_qp_cap *cap)
{
	struct ibv_qp *qp = try_qp(o, cap);

	if (!qp)
		sod_fail("ibv_create_qp(%s): expected success got %s",
			 o->type == IBV_QPT_RC ? "RC" : "UD", strerror(errno));
	reg_res(R_QP, qp);
	return qp;
}

/* ------------------------------------------------------------ QP states */

static void to_init(struct ibv_qp *qp, int access)
{
	struct ibv_qp_attr a;

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_INIT;
	a.port_num = IB_PORT;
	if (qp->qp_type == IBV_QPT_UD) {
		a.qkey = UD_QKEY;
		sod_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
			      IBV_QP_QKEY, "UD RESET->INIT");
		return;
	}
	a.qp_access_flags = access;
	sod_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
		      IBV_QP_ACCESS_FLAGS, "RC RESET->INIT");
}

/* An address vector to ourselves (loopback). */
static void fill_av(struct ibv_ah_attr *ah)
{
	sod_fill_ah(ah, IB_PORT, &my_gid, (uint8_t)gid_index);
}

static const int rtr_mask = IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
			    IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
			    IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER;
static const int rts_mask = IBV_QP_STATE | IBV_QP_SQ_PSN | IBV_QP_TIMEOUT |
			    IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
			    IBV_QP_MAX_QP_RD_ATOMIC;

static void rtr_attr(struct ibv_qp_attr *a, uint32_t dqpn)
{
	memset(a, 0, sizeof(*a));
	a->qp_state = IBV_QPS_RTR;
	a->path_mtu = IBV_MTU_1024;
	a->dest_qp_num = dqpn;
	a->rq_psn = 0x100;
	a->max_dest_rd_atomic = 4;
	a->min_rnr_timer = 1;
	fill_av(&a->ah_attr);
}

static void rts_attr(struct ibv_qp_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->qp_state = IBV_QPS_RTS;
	a->sq_psn = 0x100;
	a->timeout = 14;
	a->retry_cnt = 7;
	a->rnr_retry = 7;
	a->max_rd_atomic = 4;
}

static void to_rtr(struct ibv_qp *qp, uint32_t dqpn)
{
	struct ibv_qp_attr a;

	if (qp->qp_type == IBV_QPT_UD) {
		memset(&a, 0, sizeof(a));
		a.qp_state = IBV_QPS_RTR;
		sod_modify_qp(qp, &a, IBV_QP_STATE, "UD INIT->RTR");
		return;
	}
	rtr_attr(&a, dqpn);
	sod_modify_qp(qp, &a, rtr_mask, "RC INIT->RTR");
}

static void to_rts(struct ibv_qp *qp)
{
	struct ibv_qp_attr a;

	if (qp->qp_type == IBV_QPT_UD) {
		memset(&a, 0, sizeof(a));
		a.qp_state = IBV_QPS_RTS;
		a.sq_psn = 0x100;
		sod_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_SQ_PSN, "UD RTR->RTS");
		return;
	}
	rts_attr(&a);
	sod_modify_qp(qp, &a, rts_mask, "RC RTR->RTS");
}

static void to_state(struct ibv_qp *qp, enum ibv_qp_state s, const char *what)
{
	struct ibv_qp_attr a;

	memset(&a, 0, sizeof(a));
	a.qp_state = s;
	sod_modify_qp(qp, &a, IBV_QP_STATE, what);
}

static enum ibv_qp_state qp_state(struct ibv_qp *qp)
{
	struct ibv_qp_init_attr ia;
	struct ibv_qp_attr a;
	int ret = ibv_query_qp(qp, &a, IBV_QP_STATE, &ia);

	if (ret)
		sod_fail("ibv_query_qp: expected success got %s", err_str(ret));
	return a.qp_state;
}

static const int rc_access = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
			     IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_ATOMIC;

/* Connect two RC QPs to each other (both to RTS). */
static void rc_connect(struct ibv_qp *a, struct ibv_qp *b)
{
	to_init(a, rc_access);
	to_init(b, rc_access);
	to_rtr(a, b->qp_num);
	to_rtr(b, a->qp_num);
	to_rts(a);
	to_rts(b);
}

/*
 * The usual setup: two connected RC QPs, each with one CQ for both of its
 * queues, and a buffer registered with every right.
 */
struct pair {
	struct ibv_cq *cq[2];
	struct ibv_qp *qp[2];
	uint8_t *buf;
	struct ibv_mr *mr;
};

/*
 * Two RC QPs, each with its own CQ (a sender's and a receiver's
 * completions never race in one CQ).  @tmpl gives the creation options
 * (CQs are filled in here); @srq, if given, serves qp[1]'s receives.
 * Connected (both in RTS) if @connect.
 */
static void pair_make_o(struct pair *p, int cq_depth, const struct qp_opts *tmpl,
			struct ibv_srq *srq, bool connect)
{
	struct qp_opts o = { .type = IBV_QPT_RC };

	if (tmpl)
		o = *tmpl;
	for (int i = 0; i < 2; i++) {
		p->cq[i] = mk_cq(cq_depth, NULL);
		o.scq = o.rcq = p->cq[i];
		o.srq = i ? srq : NULL;
		p->qp[i] = mk_qp(&o, NULL);
	}
	if (connect)
		rc_connect(p->qp[0], p->qp[1]);
	p->buf = mk_mem(BUF_LEN, 0);
	p->mr = mk_mr(p->buf, BUF_LEN, rc_access);
}

static void pair_make(struct pair *p, int cq_depth)
{
	pair_make_o(p, cq_depth, NULL, NULL, true);
}

/* ------------------------------------------------------------ posting */

static int post_send(struct ibv_qp *qp, uint64_t wr_id, enum ibv_wr_opcode op,
		     void *addr, uint32_t len, uint32_t lkey, unsigned int flags,
		     uint64_t raddr, uint32_t rkey, uint32_t imm)
{
	struct ibv_sge sge = { .addr = (uintptr_t)addr, .length = len, .lkey = lkey };
	struct ibv_send_wr wr, *bad = NULL;

	memset(&wr, 0, sizeof(wr));
	wr.wr_id = wr_id;
	wr.sg_list = &sge;
	wr.num_sge = 1;
	wr.opcode = op;
	wr.send_flags = flags;
	wr.imm_data = htobe32(imm);
	wr.wr.rdma.remote_addr = raddr;
	wr.wr.rdma.rkey = rkey;
	return ibv_post_send(qp, &wr, &bad);
}

static void post_send_ok(struct ibv_qp *qp, uint64_t wr_id, enum ibv_wr_opcode op,
			 void *addr, uint32_t len, uint32_t lkey, unsigned int flags,
			 uint64_t raddr, uint32_t rkey, uint32_t imm)
{
	int ret = post_send(qp, wr_id, op, addr, len, lkey, flags, raddr, rkey, imm);

	if (ret)
		sod_fail("ibv_post_send(wr_id %" PRIu64 "): expected success got %s",
			 wr_id, err_str(ret));
}

static int post_ud(struct ibv_qp *qp, uint64_t wr_id, struct ibv_ah *ah,
		   uint32_t rqpn, void *addr, uint32_t len, uint32_t lkey)
{
	struct ibv_sge sge = { .addr = (uintptr_t)addr, .length = len, .lkey = lkey };
	struct ibv_send_wr wr, *bad = NULL;

	memset(&wr, 0, sizeof(wr));
	wr.wr_id = wr_id;
	wr.sg_list = &sge;
	wr.num_sge = 1;
	wr.opcode = IBV_WR_SEND;
	wr.send_flags = IBV_SEND_SIGNALED;
	wr.wr.ud.ah = ah;
	wr.wr.ud.remote_qpn = rqpn;
	wr.wr.ud.remote_qkey = UD_QKEY;
	return ibv_post_send(qp, &wr, &bad);
}

static int post_recv(struct ibv_qp *qp, uint64_t wr_id, void *addr,
		     uint32_t len, uint32_t lkey)
{
	struct ibv_sge sge = { .addr = (uintptr_t)addr, .length = len, .lkey = lkey };
	struct ibv_recv_wr wr = { .wr_id = wr_id, .sg_list = &sge, .num_sge = 1 };
	struct ibv_recv_wr *bad = NULL;

	return ibv_post_recv(qp, &wr, &bad);
}

static void post_recv_ok(struct ibv_qp *qp, uint64_t wr_id, void *addr,
			 uint32_t len, uint32_t lkey)
{
	int ret = post_recv(qp, wr_id, addr, len, lkey);

	if (ret)
		sod_fail("ibv_post_recv(wr_id %" PRIu64 "): expected success got %s",
			 wr_id, err_str(ret));
}

static void post_srq_ok(struct ibv_srq *srq, uint64_t wr_id, void *addr,
			uint32_t len, uint32_t lkey)
{
	struct ibv_sge sge = { .addr = (uintptr_t)addr, .length = len, .lkey = lkey };
	struct ibv_recv_wr wr = { .wr_id = wr_id, .sg_list = &sge, .num_sge = 1 };
	struct ibv_recv_wr *bad = NULL;
	int ret = ibv_post_srq_recv(srq, &wr, &bad);

	if (ret)
		sod_fail("ibv_post_srq_recv(wr_id %" PRIu64 "): expected success got %s",
			 wr_id, err_str(ret));
}

/* ------------------------------------------------------------ completions */

/* One completion within timeout_ms, polled. */
static void wait_wc(struct ibv_cq *cq, struct ibv_wc *wc, const char *what)
{
	int n = sod_poll_one(cq, wc, timeout_ms, 200);

	if (n < 0)
		sod_fail("%s: ibv_poll_cq: expected >= 0 got %d", what, n);
	if (n == 0)
		sod_fail("%s: expected a completion within %ld ms got none",
			 what, timeout_ms);
}

static void expect_wc(struct ibv_cq *cq, uint64_t wr_id,
		      enum ibv_wc_status st, int opcode, const char *what)
{
	struct ibv_wc wc;

	wait_wc(cq, &wc, what);
	if (wc.status != st)
		sod_fail("%s: status: expected %s got %s (wr_id %" PRIu64 ")", what,
			 ibv_wc_status_str(st), ibv_wc_status_str(wc.status), wc.wr_id);
	if (wc.wr_id != wr_id)
		sod_fail("%s: wr_id: expected %" PRIu64 " got %" PRIu64, what, wr_id,
			 wc.wr_id);
	if (opcode >= 0 && st == IBV_WC_SUCCESS && (int)wc.opcode != opcode)
		sod_fail("%s: opcode: expected %d got %d", what, opcode, wc.opcode);
}

/* No completion within @ms. */
static void expect_no_wc(struct ibv_cq *cq, long ms, const char *what)
{
	long end = sod_now_ms() + ms;
	struct ibv_wc wc;

	do {
		int n = ibv_poll_cq(cq, 1, &wc);

		if (n != 0)
			sod_fail("%s: expected no completion got %d (wr_id %" PRIu64 " status %s)",
				 what, n, wc.wr_id, ibv_wc_status_str(wc.status));
		nap_us(1000);
	} while (sod_now_ms() < end);
}

/* ------------------------------------------------------------ events */

/* Wait for a completion event on @ch; returns the CQ or NULL. */
static struct ibv_cq *wait_cq_event(struct ibv_comp_channel *ch, long ms)
{
	long end = sod_now_ms() + ms;

	for (;;) {
		struct pollfd pfd = { .fd = ch->fd, .events = POLLIN };
		long left = end - sod_now_ms();
		struct ibv_cq *cq;
		void *cq_ctx;
		int n;

		if (left < 0)
			left = 0;
		n = poll(&pfd, 1, (int)left);
		if (n < 0 && errno != EINTR)
			sod_fail("poll on the completion channel: %s", strerror(errno));
		if (n == 1) {
			if (ibv_get_cq_event(ch, &cq, &cq_ctx) == 0) {
				ibv_ack_cq_events(cq, 1);
				return cq;
			}
			if (errno != EAGAIN)
				sod_fail("ibv_get_cq_event: expected success got %s",
					 strerror(errno));
		}
		if (left == 0)
			return NULL;
	}
}

static const char *ev_str(enum ibv_event_type t)
{
	return ibv_event_type_str(t);
}

static bool ev_matches(const struct ibv_async_event *ev,
		       enum ibv_event_type type, const void *elem)
{
	if (ev->event_type != type)
		return false;
	switch (type) {
	case IBV_EVENT_CQ_ERR:
		return ev->element.cq == elem;
	case IBV_EVENT_SRQ_ERR:
	case IBV_EVENT_SRQ_LIMIT_REACHED:
		return ev->element.srq == elem;
	case IBV_EVENT_PORT_ACTIVE:
	case IBV_EVENT_PORT_ERR:
	case IBV_EVENT_GID_CHANGE:
	case IBV_EVENT_LID_CHANGE:
	case IBV_EVENT_PKEY_CHANGE:
	case IBV_EVENT_SM_CHANGE:
	case IBV_EVENT_CLIENT_REREGISTER:
	case IBV_EVENT_DEVICE_FATAL:
		return true;
	default:
		return ev->element.qp == elem;
	}
}

/*
 * Wait up to @ms for the async event @type of @elem; every event read is
 * acknowledged at once.  Others are counted in *@others when given and
 * otherwise just reported.  True if it came.
 */
static bool wait_async(enum ibv_event_type type, const void *elem, long ms,
		       int *others)
{
	long end = sod_now_ms() + ms;

	for (;;) {
		struct pollfd pfd = { .fd = ctx->async_fd, .events = POLLIN };
		long left = end - sod_now_ms();
		struct ibv_async_event ev;
		int n;

		if (left < 0)
			left = 0;
		n = poll(&pfd, 1, (int)left);
		if (n < 0 && errno != EINTR)
			sod_fail("poll on the async fd: %s", strerror(errno));
		while (n == 1 && ibv_get_async_event(ctx, &ev) == 0) {
			bool hit = ev_matches(&ev, type, elem);
			enum ibv_event_type t = ev.event_type;

			ibv_ack_async_event(&ev);
			if (hit)
				return true;
			if (others && ev_matches(&ev, t, elem))
				(*others)++;
			sod_info("%s: (async event %s, not the one awaited)",
				 cur_test, ev_str(t));
		}
		if (left == 0)
			return false;
	}
}

static void expect_async(enum ibv_event_type type, const void *elem,
			 const char *what)
{
	if (!wait_async(type, elem, timeout_ms, NULL))
		sod_fail("%s: expected async event %s within %ld ms got none", what,
			 ev_str(type), timeout_ms);
}

static void expect_no_async(enum ibv_event_type type, const void *elem,
			    const char *what)
{
	if (wait_async(type, elem, quiet_ms, NULL))
		sod_fail("%s: expected no async event %s got one", what, ev_str(type));
}

/* Read and acknowledge whatever async events are pending. */
static void drain_async(void)
{
	struct ibv_async_event ev;

	while (ibv_get_async_event(ctx, &ev) == 0)
		ibv_ack_async_event(&ev);
}

/* ------------------------------------------------------------ CQ tests */

/*
 * Ten completions pending on a 16-entry CQ (B's receives): grow to 64,
 * shrink to 16 (ibv_resize_cq may round up): all ten survive, in order.
 */
static const char *t_cq_resize(void)
{
	static char msg[128];
	struct pair p;
	struct ibv_wc wc;
	char what[64];
	int ret, orig;

	pair_make(&p, 16);
	orig = p.cq[1]->cqe;
	for (int i = 0; i < 10; i++)
		post_recv_ok(p.qp[1], 100 + (uint64_t)i, p.buf + 4096 + i * 64, 64,
			     p.mr->lkey);
	for (int i = 0; i < 10; i++)
		post_send_ok(p.qp[0], (uint64_t)i, IBV_WR_SEND, p.buf + i * 64,
			     (uint32_t)i + 1, p.mr->lkey, IBV_SEND_SIGNALED, 0, 0, 0);
	/* The receiver posts its CQE before the ACK: ten are pending now. */
	for (int i = 0; i < 10; i++) {
		snprintf(what, sizeof(what), "send %d", i);
		expect_wc(p.cq[0], (uint64_t)i, IBV_WC_SUCCESS, IBV_WC_SEND, what);
	}
	ret = ibv_resize_cq(p.cq[1], 64);
	if (ret)
		sod_fail("ibv_resize_cq(16 -> 64, 10 pending): expected success got %s",
			 err_str(ret));
	if (p.cq[1]->cqe < 64)
		sod_fail("cq->cqe after growing to 64: expected >= 64 got %d", p.cq[1]->cqe);
	ret = ibv_resize_cq(p.cq[1], 16);
	if (ret)
		sod_fail("ibv_resize_cq(64 -> 16, 10 pending): expected success got %s",
			 err_str(ret));
	if (p.cq[1]->cqe < 16 || p.cq[1]->cqe >= 64)
		sod_fail("cq->cqe after shrinking to 16: expected 16..63 got %d",
			 p.cq[1]->cqe);
	for (int i = 0; i < 10; i++) {
		snprintf(what, sizeof(what), "pending receive %d after resize", i);
		wait_wc(p.cq[1], &wc, what);
		if (wc.wr_id != 100 + (uint64_t)i || wc.status != IBV_WC_SUCCESS ||
		    wc.byte_len != (uint32_t)i + 1 || wc.opcode != IBV_WC_RECV)
			sod_fail("%s: expected wr_id %d success RECV byte_len %d got wr_id %" PRIu64 " %s opcode %d byte_len %u",
				 what, 100 + i, i + 1, wc.wr_id,
				 ibv_wc_status_str(wc.status), wc.opcode, wc.byte_len);
	}
	expect_no_wc(p.cq[1], 0, "after the ten");
	/* And the resized CQ keeps working. */
	post_recv_ok(p.qp[1], 200, p.buf + 8192, 64, p.mr->lkey);
	post_send_ok(p.qp[0], 20, IBV_WR_SEND, p.buf, 7, p.mr->lkey,
		     IBV_SEND_SIGNALED, 0, 0, 0);
	expect_wc(p.cq[1], 200, IBV_WC_SUCCESS, IBV_WC_RECV, "receive after resize");
	expect_wc(p.cq[0], 20, IBV_WC_SUCCESS, IBV_WC_SEND, "send after resize");
	snprintf(msg, sizeof(msg), "cqe %d -> 64 -> %d with 10 CQEs pending, all kept in order",
		 orig, p.cq[1]->cqe);
	return msg;
}

/* Resizing below the number of pending CQEs fails and loses nothing. */
static const char *t_cq_resize_small(void)
{
	struct pair p;
	char what[64];
	int ret;

	pair_make(&p, 32);
	for (int i = 0; i < 10; i++)
		post_recv_ok(p.qp[1], 100 + (uint64_t)i, p.buf + 4096, 64, p.mr->lkey);
	for (int i = 0; i < 10; i++)
		post_send_ok(p.qp[0], (uint64_t)i, IBV_WR_SEND, p.buf, 8, p.mr->lkey,
			     IBV_SEND_SIGNALED, 0, 0, 0);
	for (int i = 0; i < 10; i++) {
		snprintf(what, sizeof(what), "send %d", i);
		expect_wc(p.cq[0], (uint64_t)i, IBV_WC_SUCCESS, IBV_WC_SEND, what);
	}
	ret = ibv_resize_cq(p.cq[1], 4);
	if (ret != EINVAL)
		sod_fail("ibv_resize_cq(32 -> 4, 10 pending): expected %s got %s",
			 strerror(EINVAL), err_str(ret));
	for (int i = 0; i < 10; i++) {
		snprintf(what, sizeof(what), "receive %d after the refused resize", i);
		expect_wc(p.cq[1], 100 + (uint64_t)i, IBV_WC_SUCCESS, IBV_WC_RECV, what);
	}
	expect_no_wc(p.cq[1], 0, "after the ten");
	return "resize to 4 with 10 CQEs pending: EINVAL, the 10 CQEs still there in order";
}

/* req_notify_cq(0) then a completion: the channel delivers that CQ. */
static const char *t_cq_notify(void)
{
	struct ibv_comp_channel *ch = mk_ch();
	struct ibv_cq *cq = mk_cq(16, ch), *other = mk_cq(16, ch), *got;
	struct qp_opts o = { .type = IBV_QPT_RC };
	struct ibv_qp *a, *b;
	uint8_t *buf = mk_mem(4096, 0);
	struct ibv_mr *mr = mk_mr(buf, 4096, rc_access);
	int ret;

	o.scq = o.rcq = other;
	a = mk_qp(&o, NULL);
	o.scq = o.rcq = cq;
	b = mk_qp(&o, NULL);
	rc_connect(a, b);

	ret = ibv_req_notify_cq(cq, 0);
	if (ret)
		sod_fail("ibv_req_notify_cq(cq, 0): expected success got %s", err_str(ret));
	got = wait_cq_event(ch, quiet_ms);
	if (got)
		sod_fail("before any completion: expected no CQ event got one for %p", (void *)got);
	post_recv_ok(b, 1, buf + 2048, 64, mr->lkey);
	post_send_ok(a, 2, IBV_WR_SEND, buf, 16, mr->lkey, IBV_SEND_SIGNALED, 0, 0, 0);
	got = wait_cq_event(ch, timeout_ms);
	if (got != cq)
		sod_fail("ibv_get_cq_event after a receive completion: expected cq %p got %p",
			 (void *)cq, (void *)got);
	expect_wc(cq, 1, IBV_WC_SUCCESS, IBV_WC_RECV, "the receive");
	expect_wc(other, 2, IBV_WC_SUCCESS, IBV_WC_SEND, "the send");
	/* The arming was consumed: a second completion raises nothing. */
	post_recv_ok(b, 3, buf + 2048, 64, mr->lkey);
	post_send_ok(a, 4, IBV_WR_SEND, buf, 16, mr->lkey, IBV_SEND_SIGNALED, 0, 0, 0);
	expect_wc(cq, 3, IBV_WC_SUCCESS, IBV_WC_RECV, "the second receive");
	expect_wc(other, 4, IBV_WC_SUCCESS, IBV_WC_SEND, "the second send");
	got = wait_cq_event(ch, quiet_ms);
	if (got)
		sod_fail("unarmed CQ: expected no CQ event got one for %p", (void *)got);
	return "armed with ibv_req_notify_cq(cq, 0): one event for that CQ, acked; none when not re-armed";
}

/* Solicited-only arming: an unsolicited receive raises nothing, SOLICITED does. */
static const char *t_cq_solicited(void)
{
	struct ibv_comp_channel *ch = mk_ch();
	struct ibv_cq *cq = mk_cq(16, ch), *other = mk_cq(16, NULL), *got;
	struct qp_opts o = { .type = IBV_QPT_RC };
	struct ibv_qp *a, *b;
	uint8_t *buf = mk_mem(4096, 0);
	struct ibv_mr *mr = mk_mr(buf, 4096, rc_access);
	struct ibv_wc wc;
	int ret;

	o.scq = o.rcq = other;
	a = mk_qp(&o, NULL);
	o.scq = o.rcq = cq;
	b = mk_qp(&o, NULL);
	rc_connect(a, b);

	ret = ibv_req_notify_cq(cq, 1);
	if (ret)
		sod_fail("ibv_req_notify_cq(cq, 1): expected success got %s", err_str(ret));
	post_recv_ok(b, 1, buf + 2048, 64, mr->lkey);
	post_recv_ok(b, 2, buf + 2048, 64, mr->lkey);
	post_send_ok(a, 10, IBV_WR_SEND, buf, 16, mr->lkey, IBV_SEND_SIGNALED, 0, 0, 0);
	expect_wc(other, 10, IBV_WC_SUCCESS, IBV_WC_SEND, "unsolicited send");
	expect_wc(cq, 1, IBV_WC_SUCCESS, IBV_WC_RECV, "unsolicited receive");
	got = wait_cq_event(ch, quiet_ms);
	if (got)
		sod_fail("solicited-only CQ after an unsolicited receive: expected no event got one for %p",
			 (void *)got);
	post_send_ok(a, 11, IBV_WR_SEND_WITH_IMM, buf, 16, mr->lkey,
		     IBV_SEND_SIGNALED | IBV_SEND_SOLICITED, 0, 0, 0x5011);
	got = wait_cq_event(ch, timeout_ms);
	if (got != cq)
		sod_fail("solicited-only CQ after a SOLICITED send: expected an event for cq %p got %p",
			 (void *)cq, (void *)got);
	wait_wc(cq, &wc, "solicited receive");
	if (wc.wr_id != 2 || wc.status != IBV_WC_SUCCESS ||
	    !(wc.wc_flags & IBV_WC_WITH_IMM) || be32toh(wc.imm_data) != 0x5011)
		sod_fail("solicited receive: expected wr_id 2 success imm 0x5011 got wr_id %" PRIu64 " %s flags %#x imm %#x",
			 wc.wr_id, ibv_wc_status_str(wc.status), wc.wc_flags,
			 be32toh(wc.imm_data));
	expect_wc(other, 11, IBV_WC_SUCCESS, IBV_WC_SEND, "solicited send");
	return "ibv_req_notify_cq(cq, 1): no event for an unsolicited receive, one for IBV_SEND_SOLICITED";
}

/* More completions than the CQ holds: IBV_EVENT_CQ_ERR on the async fd. */
static const char *t_cq_overrun(void)
{
	struct ibv_cq *small = mk_cq(4, NULL), *rcq = mk_cq(16, NULL);
	struct qp_opts o = { .type = IBV_QPT_RC, .max_send_wr = 256 };
	struct ibv_qp *a, *b;
	uint8_t *buf = mk_mem(4096, 0);
	struct ibv_mr *mr = mk_mr(buf, 4096, rc_access);
	int n = small->cqe + 4;
	static char msg[128];

	o.scq = small;
	o.rcq = rcq;
	a = mk_qp(&o, NULL);
	o.scq = o.rcq = rcq;
	b = mk_qp(&o, NULL);
	rc_connect(a, b);
	if (n > 256)
		sod_fail("CQ of 4 entries: expected a ring of at most 252 got %d", small->cqe);
	drain_async();
	for (int i = 0; i < n; i++)
		post_send_ok(a, (uint64_t)i, IBV_WR_RDMA_WRITE, buf, 8, mr->lkey,
			     IBV_SEND_SIGNALED, (uintptr_t)(buf + 2048), mr->rkey, 0);
	expect_async(IBV_EVENT_CQ_ERR, small, "CQ overrun");
	snprintf(msg, sizeof(msg), "%d signaled WRITEs on a CQ of %d: IBV_EVENT_CQ_ERR",
		 n, small->cqe);
	return msg;
}

/* ibv_create_cq_ex + start/next/end_poll report what ibv_poll_cq reports. */
static const char *t_cq_ex(void)
{
	struct ibv_cq_init_attr_ex ca;
	struct ibv_cq_ex *cqx;
	struct ibv_cq *plain = mk_cq(16, NULL), *scq = mk_cq(16, NULL);
	struct ibv_poll_cq_attr pa = { .comp_mask = 0 };
	struct qp_opts o = { .type = IBV_QPT_RC };
	struct ibv_qp *a, *bx, *bp, *ua, *ux, *up;
	struct ibv_ah_attr aa;
	struct ibv_ah *ah;
	uint8_t *buf = mk_mem(BUF_LEN, 0);
	struct ibv_mr *mr = mk_mr(buf, BUF_LEN, rc_access);
	struct ibv_wc want[4];
	int ret, n = 0;
	static const uint32_t lens[3] = { 0, 100, 3000 };

	memset(&ca, 0, sizeof(ca));
	ca.cqe = 16;
	ca.wc_flags = IBV_WC_EX_WITH_BYTE_LEN | IBV_WC_EX_WITH_IMM |
		      IBV_WC_EX_WITH_QP_NUM | IBV_WC_EX_WITH_SRC_QP;
	cqx = ibv_create_cq_ex(ctx, &ca);
	if (!cqx)
		sod_fail("ibv_create_cq_ex(BYTE_LEN|IMM|QP_NUM|SRC_QP): expected success got %s",
			 strerror(errno));
	reg_res(R_CQ, ibv_cq_ex_to_cq(cqx));

	/* RC: a -> bx (ex CQ), then a -> bp (plain CQ), the same messages;
	 * UD: ua -> ux, then ua -> up. */
	o.scq = o.rcq = scq;
	a = mk_qp(&o, NULL);
	o.scq = scq;
	o.rcq = ibv_cq_ex_to_cq(cqx);
	bx = mk_qp(&o, NULL);
	o.rcq = plain;
	bp = mk_qp(&o, NULL);
	{
		struct qp_opts u = { .type = IBV_QPT_UD, .scq = scq };

		u.rcq = scq;
		ua = mk_qp(&u, NULL);
		u.rcq = ibv_cq_ex_to_cq(cqx);
		ux = mk_qp(&u, NULL);
		u.rcq = plain;
		up = mk_qp(&u, NULL);
		for (int i = 0; i < 3; i++) {
			struct ibv_qp *q = i == 0 ? ua : i == 1 ? ux : up;

			to_init(q, 0);
			to_rtr(q, 0);
			to_rts(q);
		}
	}
	fill_av(&aa);
	ah = ibv_create_ah(pd, &aa);
	if (!ah)
		sod_fail("ibv_create_ah: expected success got %s", strerror(errno));
	reg_res(R_AH, ah);

	for (int round = 0; round < 2; round++) {
		struct ibv_qp *b = round ? bp : bx;
		struct ibv_qp *ub = round ? up : ux;

		if (round)
			to_state(a, IBV_QPS_RESET, "a to RESET");
		rc_connect(a, b);
		for (int i = 0; i < 3; i++)
			post_recv_ok(b, 10 + (uint64_t)i, buf + 8192 + i * 4096, 4096,
				     mr->lkey);
		post_recv_ok(ub, 13, buf + 24576, 4096, mr->lkey);
		for (int i = 0; i < 3; i++) {
			post_send_ok(a, (uint64_t)i,
				     i == 1 ? IBV_WR_SEND : IBV_WR_SEND_WITH_IMM,
				     buf, lens[i], mr->lkey, IBV_SEND_SIGNALED, 0, 0,
				     0xabc0u + (uint32_t)i);
			expect_wc(scq, (uint64_t)i, IBV_WC_SUCCESS, IBV_WC_SEND, "RC send");
		}
		ret = post_ud(ua, 3, ah, ub->qp_num, buf, 200, mr->lkey);
		if (ret)
			sod_fail("UD post_send: expected success got %s", err_str(ret));
		expect_wc(scq, 3, IBV_WC_SUCCESS, IBV_WC_SEND, "UD send");

		if (round == 1) {
			/* the plain CQ, the reference */
			for (int i = 0; i < 4; i++) {
				struct ibv_wc wc;

				wait_wc(plain, &wc, "ibv_poll_cq");
				if (wc.wr_id != want[i].wr_id)
					sod_fail("ibv_poll_cq CQE %d: expected wr_id %" PRIu64 " got %" PRIu64,
						 i, want[i].wr_id, wc.wr_id);
				if (wc.status != want[i].status || wc.opcode != want[i].opcode ||
				    wc.byte_len != want[i].byte_len ||
				    (wc.wc_flags & IBV_WC_WITH_IMM) !=
					    (want[i].wc_flags & IBV_WC_WITH_IMM) ||
				    ((wc.wc_flags & IBV_WC_WITH_IMM) &&
				     wc.imm_data != want[i].imm_data) ||
				    wc.src_qp != want[i].src_qp)
					sod_fail("CQE %d: extended poll gave status %d opcode %d byte_len %u flags %#x imm %#x src_qp %#x; expected the same from ibv_poll_cq got status %d opcode %d byte_len %u flags %#x imm %#x src_qp %#x",
						 i, want[i].status, want[i].opcode, want[i].byte_len,
						 want[i].wc_flags, be32toh(want[i].imm_data),
						 want[i].src_qp, wc.status, wc.opcode, wc.byte_len,
						 wc.wc_flags, be32toh(wc.imm_data), wc.src_qp);
				if (wc.qp_num != (i < 3 ? bp->qp_num : up->qp_num))
					sod_fail("ibv_poll_cq CQE %d: qp_num: expected %#x got %#x", i,
						 i < 3 ? bp->qp_num : up->qp_num, wc.qp_num);
			}
			expect_no_wc(plain, 0, "the plain CQ after 4");
			break;
		}

		/* round 0: the extended CQ */
		{
			long end = sod_now_ms() + timeout_ms;

			while ((ret = ibv_start_poll(cqx, &pa)) == ENOENT) {
				if (sod_now_ms() > end)
					sod_fail("ibv_start_poll: expected a completion within %ld ms got ENOENT",
						 timeout_ms);
				nap_us(500);
			}
			if (ret)
				sod_fail("ibv_start_poll: expected 0 got %s", err_str(ret));
			do {
				struct ibv_wc *w = &want[n];

				memset(w, 0, sizeof(*w));
				w->wr_id = cqx->wr_id;
				w->status = cqx->status;
				w->opcode = ibv_wc_read_opcode(cqx);
				w->wc_flags = ibv_wc_read_wc_flags(cqx);
				w->byte_len = ibv_wc_read_byte_len(cqx);
				if (w->wc_flags & IBV_WC_WITH_IMM)
					w->imm_data = ibv_wc_read_imm_data(cqx);
				w->qp_num = ibv_wc_read_qp_num(cqx);
				w->src_qp = ibv_wc_read_src_qp(cqx);
				n++;
				if (n == 4)
					break;
				end = sod_now_ms() + timeout_ms;
				/* next_poll may find nothing yet: end, restart */
				ret = ibv_next_poll(cqx);
				if (ret == ENOENT) {
					ibv_end_poll(cqx);
					while ((ret = ibv_start_poll(cqx, &pa)) == ENOENT) {
						if (sod_now_ms() > end)
							sod_fail("ibv_start_poll: expected CQE %d got ENOENT", n);
						nap_us(500);
					}
				}
				if (ret)
					sod_fail("ibv_next_poll/start_poll: expected 0 got %s", err_str(ret));
			} while (n < 4);
			ibv_end_poll(cqx);
			if (ibv_start_poll(cqx, &pa) != ENOENT) {
				ibv_end_poll(cqx);
				sod_fail("ibv_start_poll after 4: expected ENOENT got a CQE");
			}
		}
		/* Explicit expectations too. */
		for (int i = 0; i < 4; i++) {
			bool imm = i != 1 && i != 3;
			uint32_t len = i < 3 ? lens[i] : GRH_LEN + 200;
			uint32_t qpn = i < 3 ? bx->qp_num : ux->qp_num;

			if (want[i].wr_id != 10 + (uint64_t)i || want[i].status ||
			    want[i].opcode != IBV_WC_RECV || want[i].byte_len != len ||
			    !!(want[i].wc_flags & IBV_WC_WITH_IMM) != imm ||
			    (imm && be32toh(want[i].imm_data) != 0xabc0u + (uint32_t)i) ||
			    want[i].qp_num != qpn ||
			    (i == 3 && want[i].src_qp != ua->qp_num))
				sod_fail("extended poll CQE %d: expected wr_id %d success RECV byte_len %u imm %s qp_num %#x%s got wr_id %" PRIu64 " status %d opcode %d byte_len %u flags %#x imm %#x qp_num %#x src_qp %#x",
					 i, 10 + i, len, imm ? "yes" : "no", qpn,
					 i == 3 ? " src_qp = sender" : "", want[i].wr_id,
					 want[i].status, want[i].opcode, want[i].byte_len,
					 want[i].wc_flags, be32toh(want[i].imm_data),
					 want[i].qp_num, want[i].src_qp);
		}
	}
	return "RC SEND/SEND_IMM (0, 100, 3000 B) and a UD SEND: start/next/end_poll == ibv_poll_cq (wr_id, status, opcode, byte_len, imm, qp_num, src_qp)";
}

/* ------------------------------------------------------------ QP tests */

static const char *t_qp_query(void)
{
	struct ibv_cq *cq = mk_cq(16, NULL);
	struct qp_opts o = { .type = IBV_QPT_RC, .scq = cq, .rcq = cq,
			     .max_send_wr = 20, .max_recv_wr = 10,
			     .max_inline = 100, .sig_all = 1 };
	struct ibv_qp_cap cap;
	struct ibv_qp *a, *b;
	struct ibv_qp_attr x, q;
	struct ibv_qp_init_attr ia;
	int ret;

	a = mk_qp(&o, &cap);
	o.sig_all = 0;
	b = mk_qp(&o, NULL);

	memset(&x, 0, sizeof(x));
	x.qp_state = IBV_QPS_INIT;
	x.port_num = IB_PORT;
	x.qp_access_flags = IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ;
	sod_modify_qp(a, &x, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
		      IBV_QP_ACCESS_FLAGS, "INIT");
	rtr_attr(&x, b->qp_num);
	x.path_mtu = IBV_MTU_512;
	x.rq_psn = 0x123456;
	x.max_dest_rd_atomic = 3;
	x.min_rnr_timer = 9;
	sod_modify_qp(a, &x, rtr_mask, "RTR");
	rts_attr(&x);
	x.sq_psn = 0x654321;
	x.timeout = 17;
	x.retry_cnt = 5;
	x.rnr_retry = 3;
	x.max_rd_atomic = 2;
	sod_modify_qp(a, &x, rts_mask, "RTS");

	memset(&q, 0xff, sizeof(q));
	memset(&ia, 0xff, sizeof(ia));
	ret = ibv_query_qp(a, &q, IBV_QP_STATE | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN |
			   IBV_QP_RQ_PSN | IBV_QP_SQ_PSN | IBV_QP_TIMEOUT |
			   IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY | IBV_QP_MIN_RNR_TIMER |
			   IBV_QP_MAX_QP_RD_ATOMIC | IBV_QP_MAX_DEST_RD_ATOMIC |
			   IBV_QP_ACCESS_FLAGS | IBV_QP_CAP | IBV_QP_AV | IBV_QP_PORT |
			   IBV_QP_PKEY_INDEX, &ia);
	if (ret)
		sod_fail("ibv_query_qp: expected success got %s", err_str(ret));
#define QEQ(field, want)                                                         \
	do {                                                                     \
		if ((uint64_t)(field) != (uint64_t)(want))                       \
			sod_fail("query_qp " #field ": expected %#" PRIx64 " got %#" PRIx64, \
				 (uint64_t)(want), (uint64_t)(field));              \
	} while (0)
	QEQ(q.qp_state, IBV_QPS_RTS);
	QEQ(q.path_mtu, IBV_MTU_512);
	QEQ(q.dest_qp_num, b->qp_num);
	QEQ(q.rq_psn, 0x123456);
	QEQ(q.sq_psn, 0x654321);
	QEQ(q.timeout, 17);
	QEQ(q.retry_cnt, 5);
	QEQ(q.rnr_retry, 3);
	QEQ(q.min_rnr_timer, 9);
	QEQ(q.max_rd_atomic, 2);
	QEQ(q.max_dest_rd_atomic, 3);
	QEQ(q.qp_access_flags, IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ);
	QEQ(q.port_num, IB_PORT);
	QEQ(q.pkey_index, 0);
	QEQ(q.cap.max_send_wr, cap.max_send_wr);
	QEQ(q.cap.max_recv_wr, cap.max_recv_wr);
	QEQ(q.cap.max_send_sge, cap.max_send_sge);
	QEQ(q.cap.max_recv_sge, cap.max_recv_sge);
	QEQ(q.cap.max_inline_data, cap.max_inline_data);
	QEQ(q.ah_attr.is_global, 1);
	QEQ(q.ah_attr.grh.sgid_index, gid_index);
	QEQ(q.ah_attr.grh.hop_limit, 64);
	if (memcmp(q.ah_attr.grh.dgid.raw, my_gid.raw, 16))
		sod_fail("query_qp ah_attr.grh.dgid: expected the GID set got another");
	QEQ(ia.qp_type, IBV_QPT_RC);
	QEQ(ia.sq_sig_all, 1);
	QEQ(ia.cap.max_send_wr, cap.max_send_wr);
	QEQ(ia.cap.max_inline_data, cap.max_inline_data);
	if (ia.send_cq != cq || ia.recv_cq != cq || ia.srq)
		sod_fail("query_qp init_attr CQs/SRQ: expected cq %p/%p no SRQ got %p/%p %p",
			 (void *)cq, (void *)cq, (void *)ia.send_cq,
			 (void *)ia.recv_cq, (void *)ia.srq);
	if (cap.max_send_wr < 20 || cap.max_recv_wr < 10 || cap.max_inline_data < 100)
		sod_fail("granted cap: expected >= 20/10/100 got %u/%u/%u",
			 cap.max_send_wr, cap.max_recv_wr, cap.max_inline_data);
	/* sq_sig_all 0 on the other QP */
	ret = ibv_query_qp(b, &q, IBV_QP_STATE, &ia);
	if (ret)
		sod_fail("ibv_query_qp(b): expected success got %s", err_str(ret));
	QEQ(q.qp_state, IBV_QPS_RESET);
	QEQ(ia.sq_sig_all, 0);
#undef QEQ
	return "state, path_mtu, dest_qp_num, rq_psn, sq_psn, timeout, retry_cnt, rnr_retry, min_rnr_timer, max_rd_atomic, max_dest_rd_atomic, access, cap, AV, sq_sig_all as set";
}

static void expect_modify_einval(struct ibv_qp *qp, struct ibv_qp_attr *a, int mask,
				 enum ibv_qp_state stays, const char *what)
{
	int ret = ibv_modify_qp(qp, a, mask);
	enum ibv_qp_state s;

	if (ret != EINVAL)
		sod_fail("%s: expected %s got %s", what, strerror(EINVAL), err_str(ret));
	s = qp_state(qp);
	if (s != stays)
		sod_fail("%s: state after the refused modify: expected %d got %d", what,
			 stays, s);
}

static const char *t_qp_bad_transition(void)
{
	struct ibv_cq *cq = mk_cq(16, NULL);
	struct qp_opts o = { .type = IBV_QPT_RC, .scq = cq, .rcq = cq };
	struct ibv_qp *a = mk_qp(&o, NULL), *b = mk_qp(&o, NULL);
	struct ibv_qp_attr x;

	rts_attr(&x);
	expect_modify_einval(a, &x, rts_mask, IBV_QPS_RESET, "RESET->RTS");
	rtr_attr(&x, b->qp_num);
	expect_modify_einval(a, &x, rtr_mask, IBV_QPS_RESET, "RESET->RTR");
	memset(&x, 0, sizeof(x));
	x.qp_state = IBV_QPS_INIT;
	x.port_num = IB_PORT;
	expect_modify_einval(a, &x, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT,
			     IBV_QPS_RESET, "RESET->INIT without ACCESS_FLAGS");
	to_init(a, rc_access);
	rts_attr(&x);
	expect_modify_einval(a, &x, rts_mask, IBV_QPS_INIT, "INIT->RTS");
	rtr_attr(&x, b->qp_num);
	expect_modify_einval(a, &x, rtr_mask & ~IBV_QP_AV, IBV_QPS_INIT,
			     "INIT->RTR without AV");
	expect_modify_einval(a, &x, rtr_mask & ~IBV_QP_DEST_QPN, IBV_QPS_INIT,
			     "INIT->RTR without DEST_QPN");
	expect_modify_einval(a, &x, rtr_mask & ~IBV_QP_PATH_MTU, IBV_QPS_INIT,
			     "INIT->RTR without PATH_MTU");
	to_rtr(a, b->qp_num);
	rts_attr(&x);
	expect_modify_einval(a, &x, rts_mask & ~IBV_QP_SQ_PSN, IBV_QPS_RTR,
			     "RTR->RTS without SQ_PSN");
	expect_modify_einval(a, &x, rts_mask & ~IBV_QP_RETRY_CNT, IBV_QPS_RTR,
			     "RTR->RTS without RETRY_CNT");
	memset(&x, 0, sizeof(x));
	x.qp_state = IBV_QPS_SQD;
	expect_modify_einval(a, &x, IBV_QP_STATE, IBV_QPS_RTR, "RTR->SQD");
	to_rts(a);
	if (qp_state(a) != IBV_QPS_RTS)
		sod_fail("after the refusals: expected RTS reachable got state %d", qp_state(a));
	return "RESET->RTS, RESET->RTR, INIT->RTS, RTR->SQD and 6 missing-attribute cases: EINVAL, state unchanged";
}

static const char *t_qp_create_limits(void)
{
	struct ibv_cq *cq = mk_cq(16, NULL);
	struct qp_opts o = { .type = IBV_QPT_RC, .scq = cq, .rcq = cq };
	struct ibv_qp_init_attr ia;
	struct ibv_qp *qp;
	static char msg[160];
	struct {
		const char *what;
		uint32_t wr, sge, inl;
	} cases[] = {
		{ "max_send_wr = max_qp_wr + 1", (uint32_t)dattr.max_qp_wr + 1, 1, 0 },
		{ "max_send_sge = max_sge + 1", 1, (uint32_t)dattr.max_sge + 1, 0 },
		{ "max_inline_data = 513", 1, 1, 513 },
	};

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&ia, 0, sizeof(ia));
		ia.send_cq = cq;
		ia.recv_cq = cq;
		ia.qp_type = IBV_QPT_RC;
		ia.cap.max_send_wr = cases[i].wr;
		ia.cap.max_recv_wr = 1;
		ia.cap.max_send_sge = cases[i].sge;
		ia.cap.max_recv_sge = 1;
		ia.cap.max_inline_data = cases[i].inl;
		errno = 0;
		qp = ibv_create_qp(pd, &ia);
		if (qp) {
			reg_res(R_QP, qp);
			sod_fail("create_qp %s: expected EINVAL got a QP", cases[i].what);
		}
		if (errno != EINVAL)
			sod_fail("create_qp %s: expected %s got %s", cases[i].what,
				 strerror(EINVAL), strerror(errno));
	}
	/* The limits themselves are fine. */
	o.max_send_wr = (uint32_t)dattr.max_qp_wr;
	o.max_inline = 512;
	mk_qp(&o, NULL);
	snprintf(msg, sizeof(msg), "max_qp_wr %d + 1, max_sge %d + 1, inline 513: EINVAL; max_qp_wr and inline 512 accepted",
		 dattr.max_qp_wr, dattr.max_sge);
	return msg;
}

/* sq_sig_all 0: only signaled WRs complete; sq_sig_all 1: all do. */
static const char *t_qp_sig_all(void)
{
	struct pair p;
	struct ibv_cq *cq2 = mk_cq(32, NULL);
	struct qp_opts o = { .type = IBV_QPT_RC, .scq = cq2, .rcq = cq2, .sig_all = 1 };
	struct ibv_qp *s, *r;
	char what[64];

	pair_make(&p, 32);
	for (int i = 0; i < 6; i++)
		post_send_ok(p.qp[0], (uint64_t)i, IBV_WR_RDMA_WRITE, p.buf, 8,
			     p.mr->lkey, i % 3 == 2 ? IBV_SEND_SIGNALED : 0,
			     (uintptr_t)(p.buf + 4096), p.mr->rkey, 0);
	expect_wc(p.cq[0], 2, IBV_WC_SUCCESS, IBV_WC_RDMA_WRITE, "signaled WR 2");
	expect_wc(p.cq[0], 5, IBV_WC_SUCCESS, IBV_WC_RDMA_WRITE, "signaled WR 5");
	expect_no_wc(p.cq[0], quiet_ms, "sq_sig_all 0, after the 2 signaled of 6");
	/* The SQ slots of the unsignaled ones were freed: fill it twice. */
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 32; i++) {
			bool last = i == 31;

			post_send_ok(p.qp[0], 1000 + (uint64_t)i, IBV_WR_RDMA_WRITE,
				     p.buf, 8, p.mr->lkey, last ? IBV_SEND_SIGNALED : 0,
				     (uintptr_t)(p.buf + 4096), p.mr->rkey, 0);
			if (last)
				expect_wc(p.cq[0], 1031, IBV_WC_SUCCESS,
					  IBV_WC_RDMA_WRITE, "signaled WR after 31 unsignaled");
		}

	s = mk_qp(&o, NULL);
	o.sig_all = 0;
	r = mk_qp(&o, NULL);
	rc_connect(s, r);
	for (int i = 0; i < 3; i++)
		post_send_ok(s, 50 + (uint64_t)i, IBV_WR_RDMA_WRITE, p.buf, 8,
			     p.mr->lkey, 0, (uintptr_t)(p.buf + 4096), p.mr->rkey, 0);
	for (int i = 0; i < 3; i++) {
		snprintf(what, sizeof(what), "sq_sig_all 1, unsignaled WR %d", i);
		expect_wc(cq2, 50 + (uint64_t)i, IBV_WC_SUCCESS, IBV_WC_RDMA_WRITE, what);
	}
	expect_no_wc(cq2, quiet_ms, "sq_sig_all 1, after 3");
	return "sq_sig_all 0: 2 CQEs for 6 WRs (the signaled), 64 more unsignaled-mostly posts fit; sq_sig_all 1: 3 CQEs for 3 unsignaled WRs";
}

static const char *t_qp_inline(void)
{
	struct qp_opts o = { .type = IBV_QPT_RC, .max_inline = 512 };
	struct ibv_qp_init_attr ia;
	struct ibv_qp_attr qa;
	struct pair p;
	uint8_t *src = mk_mem(4096, 0), *dst;
	static char msg[128];
	struct ibv_wc wc;
	uint32_t max;
	int ret;

	pair_make_o(&p, 16, &o, NULL, true);
	dst = p.buf;
	memset(dst, 0xee, 4096);
	ret = ibv_query_qp(p.qp[0], &qa, IBV_QP_CAP, &ia);
	if (ret)
		sod_fail("ibv_query_qp: expected success got %s", err_str(ret));
	max = qa.cap.max_inline_data;
	if (max < 512)
		sod_fail("granted max_inline_data: expected >= 512 got %u", max);
	for (uint32_t i = 0; i < max + 1; i++)
		src[i] = (uint8_t)(i * 13 + 1);
	post_recv_ok(p.qp[1], 1, dst, 4096, p.mr->lkey);
	/* Inline: src is not registered, and is overwritten right after the post. */
	post_send_ok(p.qp[0], 2, IBV_WR_SEND, src, max, 0,
		     IBV_SEND_INLINE | IBV_SEND_SIGNALED, 0, 0, 0);
	memset(src, 0, max);
	expect_wc(p.cq[0], 2, IBV_WC_SUCCESS, IBV_WC_SEND,
		  "inline send of max_inline_data");
	wait_wc(p.cq[1], &wc, "its receive");
	if (wc.wr_id != 1 || wc.status || wc.byte_len != max)
		sod_fail("receive of the inline send: expected wr_id 1 success byte_len %u got wr_id %" PRIu64 " %s byte_len %u",
			 max, wc.wr_id, ibv_wc_status_str(wc.status), wc.byte_len);
	for (uint32_t i = 0; i < max; i++)
		if (dst[i] != (uint8_t)(i * 13 + 1))
			sod_fail("inline data byte %u: expected 0x%02x got 0x%02x", i,
				 (uint8_t)(i * 13 + 1), dst[i]);
	if (dst[max] != 0xee)
		sod_fail("byte after the inline data: expected 0xee got 0x%02x", dst[max]);
	for (uint32_t i = 0; i < max + 1; i++)
		src[i] = (uint8_t)(i * 13 + 1);
	ret = post_send(p.qp[0], 3, IBV_WR_SEND, src, max + 1, 0,
			IBV_SEND_INLINE | IBV_SEND_SIGNALED, 0, 0, 0);
	if (ret != EINVAL)
		sod_fail("inline send of max_inline_data + 1: expected %s got %s",
			 strerror(EINVAL), err_str(ret));
	expect_no_wc(p.cq[0], quiet_ms, "after the refused inline post");
	/* The QP still works. */
	post_recv_ok(p.qp[1], 4, dst, 4096, p.mr->lkey);
	post_send_ok(p.qp[0], 5, IBV_WR_SEND, src, 10, 0,
		     IBV_SEND_INLINE | IBV_SEND_SIGNALED, 0, 0, 0);
	expect_wc(p.cq[0], 5, IBV_WC_SUCCESS, IBV_WC_SEND, "inline send after the refusal");
	expect_wc(p.cq[1], 4, IBV_WC_SUCCESS, IBV_WC_RECV, "its receive");
	snprintf(msg, sizeof(msg), "inline send of %u B arrives intact; %u B: EINVAL at post, nothing sent",
		 max, max + 1);
	return msg;
}

static const char *t_qp_post_state(void)
{
	struct pair p;
	struct ibv_qp *a, *b;
	uint8_t *buf;
	uint32_t lkey;
	int ret;

	pair_make_o(&p, 16, NULL, NULL, false);
	a = p.qp[0];
	b = p.qp[1];
	buf = p.buf;
	lkey = p.mr->lkey;
	ret = post_send(a, 1, IBV_WR_SEND, buf, 8, lkey, IBV_SEND_SIGNALED, 0, 0, 0);
	if (ret != EINVAL)
		sod_fail("post_send in RESET: expected %s got %s", strerror(EINVAL), err_str(ret));
	ret = post_recv(b, 1, buf, 8, lkey);
	if (ret != EINVAL)
		sod_fail("post_recv in RESET: expected %s got %s", strerror(EINVAL), err_str(ret));
	to_init(a, rc_access);
	to_init(b, rc_access);
	ret = post_send(a, 2, IBV_WR_SEND, buf, 8, lkey, IBV_SEND_SIGNALED, 0, 0, 0);
	if (ret != EINVAL)
		sod_fail("post_send in INIT: expected %s got %s", strerror(EINVAL), err_str(ret));
	/* Receives may be posted from INIT on. */
	post_recv_ok(b, 4, buf + 1024, 64, lkey);
	to_rtr(a, b->qp_num);
	to_rtr(b, a->qp_num);
	ret = post_send(a, 3, IBV_WR_SEND, buf, 8, lkey, IBV_SEND_SIGNALED, 0, 0, 0);
	if (ret != EINVAL)
		sod_fail("post_send in RTR: expected %s got %s", strerror(EINVAL), err_str(ret));
	to_rts(a);
	to_rts(b);
	post_send_ok(a, 5, IBV_WR_SEND, buf, 8, lkey, IBV_SEND_SIGNALED, 0, 0, 0);
	expect_wc(p.cq[0], 5, IBV_WC_SUCCESS, IBV_WC_SEND, "send in RTS");
	expect_wc(p.cq[1], 4, IBV_WC_SUCCESS, IBV_WC_RECV, "receive posted in INIT");
	expect_no_wc(p.cq[0], quiet_ms, "nothing from the refused sends");
	expect_no_wc(p.cq[1], 0, "nothing from the refused receive");
	return "post_send in RESET/INIT/RTR and post_recv in RESET: EINVAL, nothing completes; a receive posted in INIT is used in RTS";
}

/* RTS -> SQD with sends in flight: SQ_DRAINED, query SQD, back to RTS. */
static const char *t_qp_sqd(void)
{
	static char msg[256];
	struct pair p;
	struct ibv_qp_attr a;
	struct ibv_qp_init_attr ia;
	char what[64];
	int n = 16, ret, stray = 0;

	pair_make(&p, 64);
	drain_async();
	for (int i = 0; i < n; i++)
		post_send_ok(p.qp[0], (uint64_t)i, IBV_WR_RDMA_WRITE, p.buf, 16384,
			     p.mr->lkey, IBV_SEND_SIGNALED,
			     (uintptr_t)(p.buf + 32768), p.mr->rkey, 0);
	to_state(p.qp[0], IBV_QPS_SQD, "RTS->SQD with 16 WRITEs posted");
	if (!wait_async(IBV_EVENT_SQ_DRAINED, p.qp[0], timeout_ms, &stray))
		sod_fail("expected IBV_EVENT_SQ_DRAINED within %ld ms got none", timeout_ms);
	ret = ibv_query_qp(p.qp[0], &a, IBV_QP_STATE, &ia);
	if (ret)
		sod_fail("ibv_query_qp: expected success got %s", err_str(ret));
	if (a.qp_state != IBV_QPS_SQD)
		sod_fail("query after SQ_DRAINED: expected state SQD (%d) got %d",
			 IBV_QPS_SQD, a.qp_state);
	if (a.sq_draining)
		sod_fail("query after SQ_DRAINED: expected sq_draining 0 got %d", a.sq_draining);
	/* Posting in SQD is allowed; nothing new starts until RTS. */
	post_send_ok(p.qp[0], 100, IBV_WR_RDMA_WRITE, p.buf, 64, p.mr->lkey,
		     IBV_SEND_SIGNALED, (uintptr_t)(p.buf + 32768), p.mr->rkey, 0);
	{
		/* Count what completed while drained (WRs already started). */
		struct ibv_wc wc;
		int done = 0;

		while (ibv_poll_cq(p.cq[0], 1, &wc) == 1) {
			if (wc.status != IBV_WC_SUCCESS || wc.wr_id != (uint64_t)done)
				sod_fail("completion in SQD: expected wr_id %d success got wr_id %" PRIu64 " %s",
					 done, wc.wr_id, ibv_wc_status_str(wc.status));
			done++;
		}
		expect_no_wc(p.cq[0], quiet_ms, "SQD after SQ_DRAINED (nothing new may start)");
		/*
		 * The receive side works on in SQD, and what wakes the QP up
		 * (a request from the peer) must not start its SQ either.
		 */
		post_recv_ok(p.qp[0], 700, p.buf + 2048, 64, p.mr->lkey);
		post_send_ok(p.qp[1], 701, IBV_WR_SEND, p.buf, 16, p.mr->lkey,
			     IBV_SEND_SIGNALED, 0, 0, 0);
		expect_wc(p.cq[1], 701, IBV_WC_SUCCESS, IBV_WC_SEND, "peer's SEND to the QP in SQD");
		expect_wc(p.cq[0], 700, IBV_WC_SUCCESS, IBV_WC_RECV, "receive of the QP in SQD");
		expect_no_wc(p.cq[0], quiet_ms,
			     "SQD after a packet woke the QP (nothing new may start)");
		snprintf(msg, sizeof(msg), "16 x 16 KiB WRITEs posted, RTS->SQD: IBV_EVENT_SQ_DRAINED after %d completed, query SQD, nothing new starts (not even when a received SEND wakes the QP), SQD->RTS: all complete, traffic continues",
			 done);
		memset(&a, 0, sizeof(a));
		a.qp_state = IBV_QPS_RTS;
		sod_modify_qp(p.qp[0], &a, IBV_QP_STATE, "SQD->RTS");
		for (int i = done; i < n; i++) {
			snprintf(what, sizeof(what), "WRITE %d after SQD->RTS", i);
			expect_wc(p.cq[0], (uint64_t)i, IBV_WC_SUCCESS, IBV_WC_RDMA_WRITE, what);
		}
		expect_wc(p.cq[0], 100, IBV_WC_SUCCESS, IBV_WC_RDMA_WRITE,
			  "WRITE posted in SQD, after RTS");
	}
	post_recv_ok(p.qp[1], 7, p.buf + 1024, 64, p.mr->lkey);
	post_send_ok(p.qp[0], 101, IBV_WR_SEND, p.buf, 32, p.mr->lkey, IBV_SEND_SIGNALED,
		     0, 0, 0);
	expect_wc(p.cq[0], 101, IBV_WC_SUCCESS, IBV_WC_SEND, "SEND after SQD->RTS");
	expect_wc(p.cq[1], 7, IBV_WC_SUCCESS, IBV_WC_RECV, "its receive");
	return msg;
}

static const char *t_qp_comm_est(void)
{
	struct pair p;
	struct ibv_qp *a, *b;

	pair_make_o(&p, 16, NULL, NULL, false);
	a = p.qp[0];
	b = p.qp[1];
	to_init(a, rc_access);
	to_init(b, rc_access);
	to_rtr(a, b->qp_num);
	to_rtr(b, a->qp_num);
	to_rts(a);
	drain_async();
	post_recv_ok(b, 1, p.buf + 1024, 64, p.mr->lkey);
	post_send_ok(a, 2, IBV_WR_SEND, p.buf, 32, p.mr->lkey, IBV_SEND_SIGNALED, 0, 0, 0);
	expect_async(IBV_EVENT_COMM_EST, b, "first packet received in RTR");
	expect_wc(p.cq[1], 1, IBV_WC_SUCCESS, IBV_WC_RECV, "the receive in RTR");
	expect_wc(p.cq[0], 2, IBV_WC_SUCCESS, IBV_WC_SEND, "the send");
	if (qp_state(b) != IBV_QPS_RTR)
		sod_fail("receiver after COMM_EST: expected state RTR got %d", qp_state(b));
	/* Once: a second packet in RTR raises nothing more. */
	post_recv_ok(b, 3, p.buf + 1024, 64, p.mr->lkey);
	post_send_ok(a, 4, IBV_WR_SEND, p.buf, 32, p.mr->lkey, IBV_SEND_SIGNALED, 0, 0, 0);
	expect_wc(p.cq[1], 3, IBV_WC_SUCCESS, IBV_WC_RECV, "the second receive in RTR");
	expect_wc(p.cq[0], 4, IBV_WC_SUCCESS, IBV_WC_SEND, "the second send");
	expect_no_async(IBV_EVENT_COMM_EST, b, "second packet in RTR");
	to_rts(b);
	return "first SEND received by a QP in RTR: IBV_EVENT_COMM_EST, once";
}

static struct ibv_srq *mk_srq(uint32_t max_wr)
{
	struct ibv_srq_init_attr sa;
	struct ibv_srq *srq;

	memset(&sa, 0, sizeof(sa));
	sa.attr.max_wr = max_wr;
	sa.attr.max_sge = 1;
	srq = ibv_create_srq(pd, &sa);
	if (!srq)
		sod_fail("ibv_create_srq(%u): expected success got %s", max_wr, strerror(errno));
	reg_res(R_SRQ, srq);
	return srq;
}

static const char *t_qp_last_wqe(void)
{
	struct ibv_srq *srq = mk_srq(16);
	struct pair p;
	struct ibv_qp *b;

	pair_make_o(&p, 32, NULL, srq, true);
	b = p.qp[1];
	post_srq_ok(srq, 1, p.buf + 1024, 64, p.mr->lkey);
	post_send_ok(p.qp[0], 2, IBV_WR_SEND, p.buf, 32, p.mr->lkey,
		     IBV_SEND_SIGNALED, 0, 0, 0);
	expect_wc(p.cq[1], 1, IBV_WC_SUCCESS, IBV_WC_RECV, "receive through the SRQ");
	expect_wc(p.cq[0], 2, IBV_WC_SUCCESS, IBV_WC_SEND, "the send");
	drain_async();
	to_state(b, IBV_QPS_ERR, "SRQ QP to ERR");
	expect_async(IBV_EVENT_QP_LAST_WQE_REACHED, b, "SRQ QP moved to ERR");
	if (qp_state(b) != IBV_QPS_ERR)
		sod_fail("SRQ QP state: expected ERR got %d", qp_state(b));
	return "QP on an SRQ moved to ERR: IBV_EVENT_QP_LAST_WQE_REACHED";
}

/* ------------------------------------------------------------ SRQ */

static const char *t_srq_limit(void)
{
	struct ibv_srq *srq = mk_srq(16);
	struct ibv_srq_attr sa;
	struct pair p;
	struct ibv_qp *a;
	uint8_t *buf;
	struct ibv_mr *mr;
	static char msg[160];
	uint32_t max_wr;
	int ret;

	ret = ibv_query_srq(srq, &sa);
	if (ret)
		sod_fail("ibv_query_srq: expected success got %s", err_str(ret));
	if (sa.max_wr < 16 || sa.max_sge < 1 || sa.srq_limit != 0)
		sod_fail("ibv_query_srq of a new SRQ(16, 1): expected max_wr >= 16 max_sge >= 1 limit 0 got %u %u %u",
			 sa.max_wr, sa.max_sge, sa.srq_limit);
	max_wr = sa.max_wr;

	sa.srq_limit = max_wr;
	ret = ibv_modify_srq(srq, &sa, IBV_SRQ_LIMIT);
	if (ret != EINVAL)
		sod_fail("modify_srq limit = max_wr (%u): expected %s got %s", max_wr,
			 strerror(EINVAL), err_str(ret));
	sa.srq_limit = max_wr + 5;
	ret = ibv_modify_srq(srq, &sa, IBV_SRQ_LIMIT);
	if (ret != EINVAL)
		sod_fail("modify_srq limit > max_wr: expected %s got %s", strerror(EINVAL),
			 err_str(ret));

	pair_make_o(&p, 32, NULL, srq, true);
	a = p.qp[0];
	buf = p.buf;
	mr = p.mr;
	for (int i = 0; i < 6; i++)
		post_srq_ok(srq, 100 + (uint64_t)i, buf + 1024 + i * 64, 64, mr->lkey);
	drain_async();
	sa.srq_limit = 4;
	ret = ibv_modify_srq(srq, &sa, IBV_SRQ_LIMIT);
	if (ret)
		sod_fail("modify_srq limit 4: expected success got %s", err_str(ret));
	ret = ibv_query_srq(srq, &sa);
	if (ret || sa.srq_limit != 4 || sa.max_wr != max_wr)
		sod_fail("query_srq after arming: expected limit 4 max_wr %u got %s limit %u max_wr %u",
			 max_wr, err_str(ret), sa.srq_limit, sa.max_wr);
	/* 6 -> 4 posted: not below the limit */
	for (int i = 0; i < 2; i++) {
		post_send_ok(a, (uint64_t)i, IBV_WR_SEND, buf, 8, mr->lkey,
			     IBV_SEND_SIGNALED, 0, 0, 0);
		expect_wc(p.cq[1], 100 + (uint64_t)i, IBV_WC_SUCCESS, IBV_WC_RECV, "SRQ receive");
		expect_wc(p.cq[0], (uint64_t)i, IBV_WC_SUCCESS, IBV_WC_SEND, "send");
	}
	expect_no_async(IBV_EVENT_SRQ_LIMIT_REACHED, srq, "4 WQEs left, limit 4");
	/* 4 -> 3: below */
	post_send_ok(a, 2, IBV_WR_SEND, buf, 8, mr->lkey, IBV_SEND_SIGNALED, 0, 0, 0);
	expect_wc(p.cq[1], 102, IBV_WC_SUCCESS, IBV_WC_RECV, "SRQ receive 3");
	expect_wc(p.cq[0], 2, IBV_WC_SUCCESS, IBV_WC_SEND, "send 3");
	expect_async(IBV_EVENT_SRQ_LIMIT_REACHED, srq, "3 WQEs left, limit 4");
	ret = ibv_query_srq(srq, &sa);
	if (ret || sa.srq_limit != 0)
		sod_fail("query_srq after the event: expected limit 0 (disarmed) got %s limit %u",
			 err_str(ret), sa.srq_limit);
	/* Once: consuming further raises nothing more. */
	post_send_ok(a, 3, IBV_WR_SEND, buf, 8, mr->lkey, IBV_SEND_SIGNALED, 0, 0, 0);
	expect_wc(p.cq[1], 103, IBV_WC_SUCCESS, IBV_WC_RECV, "SRQ receive 4");
	expect_wc(p.cq[0], 3, IBV_WC_SUCCESS, IBV_WC_SEND, "send 4");
	expect_no_async(IBV_EVENT_SRQ_LIMIT_REACHED, srq, "2 WQEs left, disarmed");
	snprintf(msg, sizeof(msg), "query max_wr %u max_sge %u; limit >= max_wr: EINVAL; limit 4: event once at 3 left, then disarmed",
		 max_wr, 1U);
	return msg;
}

/* ------------------------------------------------------------ AH */

static void ud_ready(struct ibv_qp *qp)
{
	to_init(qp, 0);
	to_rtr(qp, 0);
	to_rts(qp);
}

static void fill_pat(uint8_t *p, uint32_t len, uint8_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static void check_pat(const uint8_t *p, uint32_t len, uint8_t seed, const char *what)
{
	for (uint32_t i = 0; i < len; i++)
		if (p[i] != (uint8_t)(seed + i * 7))
			sod_fail("%s: byte %u: expected 0x%02x got 0x%02x", what, i,
				 (uint8_t)(seed + i * 7), p[i]);
}

static const char *t_ah_from_wc(void)
{
	struct ibv_cq *cqa = mk_cq(16, NULL), *cqb = mk_cq(16, NULL);
	struct qp_opts o = { .type = IBV_QPT_UD };
	struct ibv_qp *a, *b;
	uint8_t *buf = mk_mem(BUF_LEN, 0);
	struct ibv_mr *mr = mk_mr(buf, BUF_LEN, rc_access);
	struct ibv_ah_attr aa;
	struct ibv_ah *ah, *back, *back2;
	struct ibv_wc wc, wcb;
	uint8_t *rx = buf + 8192;
	const uint32_t len = 300;
	int ret;

	o.scq = o.rcq = cqa;
	a = mk_qp(&o, NULL);
	o.scq = o.rcq = cqb;
	b = mk_qp(&o, NULL);
	ud_ready(a);
	ud_ready(b);
	fill_av(&aa);
	ah = ibv_create_ah(pd, &aa);
	if (!ah)
		sod_fail("ibv_create_ah: expected success got %s", strerror(errno));
	reg_res(R_AH, ah);

	/* a -> b */
	post_recv_ok(b, 1, rx, GRH_LEN + 1024, mr->lkey);
	fill_pat(buf, len, 0x31);
	ret = post_ud(a, 2, ah, b->qp_num, buf, len, mr->lkey);
	if (ret)
		sod_fail("UD send a -> b: expected success got %s", err_str(ret));
	expect_wc(cqa, 2, IBV_WC_SUCCESS, IBV_WC_SEND, "UD send a -> b");
	wait_wc(cqb, &wcb, "UD receive at b");
	if (wcb.status || wcb.wr_id != 1 || wcb.byte_len != GRH_LEN + len ||
	    !(wcb.wc_flags & IBV_WC_GRH) || wcb.src_qp != a->qp_num)
		sod_fail("UD receive at b: expected wr_id 1 success byte_len %u GRH src_qp %#x got wr_id %" PRIu64 " %s byte_len %u flags %#x src_qp %#x",
			 GRH_LEN + len, a->qp_num, wcb.wr_id, ibv_wc_status_str(wcb.status),
			 wcb.byte_len, wcb.wc_flags, wcb.src_qp);
	check_pat(rx + GRH_LEN, len, 0x31, "payload at b");

	/* b -> a with the AH made from b's completion */
	back = ibv_create_ah_from_wc(pd, &wcb, (struct ibv_grh *)rx, IB_PORT);
	if (!back)
		sod_fail("ibv_create_ah_from_wc: expected success got %s", strerror(errno));
	reg_res(R_AH, back);
	post_recv_ok(a, 3, buf + 16384, GRH_LEN + 1024, mr->lkey);
	fill_pat(buf + 4096, len, 0x77);
	ret = post_ud(b, 4, back, wcb.src_qp, buf + 4096, len, mr->lkey);
	if (ret)
		sod_fail("UD reply through the AH from the wc: expected success got %s", err_str(ret));
	expect_wc(cqb, 4, IBV_WC_SUCCESS, IBV_WC_SEND, "reply send");
	wait_wc(cqa, &wc, "reply at a");
	if (wc.status || wc.wr_id != 3 || wc.byte_len != GRH_LEN + len ||
	    wc.src_qp != b->qp_num)
		sod_fail("reply at a: expected wr_id 3 success byte_len %u src_qp %#x got wr_id %" PRIu64 " %s byte_len %u src_qp %#x",
			 GRH_LEN + len, b->qp_num, wc.wr_id, ibv_wc_status_str(wc.status),
			 wc.byte_len, wc.src_qp);
	check_pat(buf + 16384 + GRH_LEN, len, 0x77, "reply payload at a");

	/* ibv_init_ah_from_wc: the attributes, then an AH from them */
	memset(&aa, 0, sizeof(aa));
	ret = ibv_init_ah_from_wc(ctx, IB_PORT, &wcb, (struct ibv_grh *)rx, &aa);
	if (ret)
		sod_fail("ibv_init_ah_from_wc: expected success got %s", err_str(ret));
	if (!aa.is_global || memcmp(aa.grh.dgid.raw, my_gid.raw, 16) ||
	    aa.port_num != IB_PORT)
		sod_fail("ibv_init_ah_from_wc: expected a global AV to our GID on port 1 got is_global %d port %d dgid %s",
			 aa.is_global, aa.port_num,
			 memcmp(aa.grh.dgid.raw, my_gid.raw, 16) ? "other" : "ours");
	if (aa.grh.sgid_index != gid_index)
		sod_fail("ibv_init_ah_from_wc sgid_index: expected %d got %d", gid_index,
			 aa.grh.sgid_index);
	back2 = ibv_create_ah(pd, &aa);
	if (!back2)
		sod_fail("ibv_create_ah(from ibv_init_ah_from_wc): expected success got %s",
			 strerror(errno));
	reg_res(R_AH, back2);
	post_recv_ok(a, 5, buf + 16384, GRH_LEN + 1024, mr->lkey);
	memset(buf + 16384, 0, GRH_LEN + 1024);
	fill_pat(buf + 4096, len, 0x99);
	ret = post_ud(b, 6, back2, wcb.src_qp, buf + 4096, len, mr->lkey);
	if (ret)
		sod_fail("UD reply through the init_ah_from_wc AH: expected success got %s",
			 err_str(ret));
	expect_wc(cqb, 6, IBV_WC_SUCCESS, IBV_WC_SEND, "second reply send");
	expect_wc(cqa, 5, IBV_WC_SUCCESS, IBV_WC_RECV, "second reply at a");
	check_pat(buf + 16384 + GRH_LEN, len, 0x99, "second reply payload at a");
	return "UD receive -> ibv_create_ah_from_wc and ibv_init_ah_from_wc + create_ah: replies reach the sender, data verified";
}

/* ------------------------------------------------------------ MR */

static int rereg(struct ibv_mr *mr, int flags, void *addr, size_t len, int access)
{
	return ibv_rereg_mr(mr, flags, pd, addr, len, access);
}

/* One signaled op on a fresh pair with the remote MR (addr, rkey). */
static enum ibv_wc_status one_op(enum ibv_wr_opcode op, uint8_t *local,
				 uint32_t lkey, uint64_t raddr, uint32_t rkey,
				 uint32_t len, const char *what)
{
	struct ibv_cq *cq = mk_cq(16, NULL);
	struct qp_opts o = { .type = IBV_QPT_RC, .scq = cq, .rcq = cq };
	struct ibv_qp *a = mk_qp(&o, NULL), *b = mk_qp(&o, NULL);
	struct ibv_wc wc;

	rc_connect(a, b);
	post_send_ok(a, 9, op, local, len, lkey, IBV_SEND_SIGNALED, raddr, rkey, 0);
	wait_wc(cq, &wc, what);
	if (wc.wr_id != 9)
		sod_fail("%s: wr_id: expected 9 got %" PRIu64, what, wc.wr_id);
	return wc.status;
}

static const char *t_mr_rereg(void)
{
	uint8_t *old = mk_mem(8192, 0x11), *nw = mk_mem(8192, 0x22);
	uint8_t *src = mk_mem(4096, 0);
	struct ibv_mr *smr = mk_mr(src, 4096, rc_access);
	struct ibv_mr *mr = mk_mr(old, 8192, rc_access);
	uint32_t old_rkey = mr->rkey, rkey1;
	enum ibv_wc_status st;
	static char msg[256];
	int ret;

	fill_pat(src, 256, 0x40);
	st = one_op(IBV_WR_RDMA_WRITE, src, smr->lkey, (uintptr_t)old + 100, mr->rkey,
		    256, "WRITE to the original MR");
	if (st != IBV_WC_SUCCESS)
		sod_fail("WRITE to the original MR: expected success got %s", ibv_wc_status_str(st));
	check_pat(old + 100, 256, 0x40, "original buffer");

	ret = rereg(mr, IBV_REREG_MR_CHANGE_TRANSLATION, nw, 8192, 0);
	if (ret)
		sod_fail("ibv_rereg_mr(CHANGE_TRANSLATION to a new buffer): expected 0 got %d (%s)",
			 ret, strerror(errno));
	rkey1 = mr->rkey;
	if (mr->addr != nw || mr->length != 8192)
		sod_fail("MR after rereg: expected addr %p length 8192 got %p %zu", (void *)nw,
			 mr->addr, mr->length);
	memset(old, 0x11, 8192);
	fill_pat(src, 256, 0x50);
	st = one_op(IBV_WR_RDMA_WRITE, src, smr->lkey, (uintptr_t)nw + 200, mr->rkey,
		    256, "WRITE through the new translation");
	if (st != IBV_WC_SUCCESS)
		sod_fail("WRITE to the new translation: expected success got %s",
			 ibv_wc_status_str(st));
	check_pat(nw + 200, 256, 0x50, "new buffer");
	for (int i = 0; i < 8192; i++)
		if (old[i] != 0x11)
			sod_fail("old buffer byte %d after the rereg: expected 0x11 (untouched) got 0x%02x",
				 i, old[i]);
	/* The MR is also usable locally with its (new) lkey. */
	st = one_op(IBV_WR_RDMA_READ, nw + 4096, mr->lkey, (uintptr_t)nw + 200, mr->rkey,
		    256, "READ into the reregistered MR");
	if (st != IBV_WC_SUCCESS)
		sod_fail("READ into the reregistered MR: expected success got %s",
			 ibv_wc_status_str(st));
	check_pat(nw + 4096, 256, 0x50, "READ result");
	if (old_rkey != rkey1) {
		st = one_op(IBV_WR_RDMA_WRITE, src, smr->lkey, (uintptr_t)old + 100,
			    old_rkey, 256, "WRITE with the old rkey");
		if (st != IBV_WC_REM_ACCESS_ERR)
			sod_fail("WRITE with the old rkey %#x (new %#x): expected %s got %s",
				 old_rkey, rkey1, ibv_wc_status_str(IBV_WC_REM_ACCESS_ERR),
				 ibv_wc_status_str(st));
		for (int i = 0; i < 8192; i++)
			if (old[i] != 0x11)
				sod_fail("old buffer byte %d after a WRITE with the old rkey: expected 0x11 got 0x%02x",
					 i, old[i]);
	}

	/* CHANGE_ACCESS: no REMOTE_WRITE any more; READ still allowed */
	ret = rereg(mr, IBV_REREG_MR_CHANGE_ACCESS, NULL, 0,
		    IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ);
	if (ret)
		sod_fail("ibv_rereg_mr(CHANGE_ACCESS to LOCAL_WRITE|REMOTE_READ): expected 0 got %d (%s)",
			 ret, strerror(errno));
	fill_pat(src, 256, 0x60);
	st = one_op(IBV_WR_RDMA_WRITE, src, smr->lkey, (uintptr_t)nw + 200, mr->rkey,
		    256, "WRITE after dropping REMOTE_WRITE");
	if (st != IBV_WC_REM_ACCESS_ERR)
		sod_fail("WRITE after rereg without REMOTE_WRITE: expected %s got %s",
			 ibv_wc_status_str(IBV_WC_REM_ACCESS_ERR), ibv_wc_status_str(st));
	check_pat(nw + 200, 256, 0x50, "new buffer after the refused WRITE");
	memset(src, 0, 256);
	st = one_op(IBV_WR_RDMA_READ, src, smr->lkey, (uintptr_t)nw + 200, mr->rkey,
		    256, "READ after CHANGE_ACCESS");
	if (st != IBV_WC_SUCCESS)
		sod_fail("READ after rereg with REMOTE_READ: expected success got %s",
			 ibv_wc_status_str(st));
	check_pat(src, 256, 0x50, "READ after CHANGE_ACCESS");
	/* The new translation survived the access change. */
	ret = rereg(mr, IBV_REREG_MR_CHANGE_ACCESS, NULL, 0, rc_access);
	if (ret)
		sod_fail("ibv_rereg_mr(CHANGE_ACCESS back to all): expected 0 got %d (%s)", ret,
			 strerror(errno));
	fill_pat(src, 256, 0x70);
	st = one_op(IBV_WR_RDMA_WRITE, src, smr->lkey, (uintptr_t)nw + 300, mr->rkey,
		    256, "WRITE after granting REMOTE_WRITE again");
	if (st != IBV_WC_SUCCESS)
		sod_fail("WRITE after granting REMOTE_WRITE again: expected success got %s",
			 ibv_wc_status_str(st));
	check_pat(nw + 300, 256, 0x70, "new buffer, last WRITE");
	/* Invalid access by rereg is refused too. */
	ret = rereg(mr, IBV_REREG_MR_CHANGE_ACCESS, NULL, 0, IBV_ACCESS_REMOTE_WRITE);
	if (ret == 0)
		sod_fail("ibv_rereg_mr(CHANGE_ACCESS to REMOTE_WRITE without LOCAL_WRITE): expected failure got 0");
	snprintf(msg, sizeof(msg), "CHANGE_TRANSLATION: WRITE/READ use the new buffer, old untouched, old rkey %s; CHANGE_ACCESS: WRITE REM_ACCESS_ERR, READ ok",
		 old_rkey != rkey1 ? "REM_ACCESS_ERR" : "unchanged (same keys)");
	return msg;
}

static const char *t_mr_dereg_posted(void)
{
	struct ibv_cq *cq = mk_cq(16, NULL);
	struct qp_opts o = { .type = IBV_QPT_RC, .scq = cq, .rcq = cq };
	struct ibv_qp *a = mk_qp(&o, NULL), *b = mk_qp(&o, NULL);
	uint8_t *buf = mk_mem(4096, 0), *rbuf = mk_mem(4096, 0x5a);
	struct ibv_mr *mr = mk_mr(buf, 4096, rc_access);
	struct ibv_mr *rmr = mk_mr(rbuf, 4096, IBV_ACCESS_LOCAL_WRITE);
	struct ibv_wc w[2];
	static char msg[160];
	int ret, got = 0;

	rc_connect(a, b);
	post_recv_ok(b, 1, rbuf, 4096, rmr->lkey);
	ret = ibv_dereg_mr(rmr);
	if (ret)
		sod_fail("ibv_dereg_mr of the MR of a posted receive: expected 0 got %s",
			 err_str(ret));
	unreg_res(rmr);
	post_send_ok(a, 2, IBV_WR_SEND, buf, 64, mr->lkey, IBV_SEND_SIGNALED, 0, 0, 0);
	while (got < 2) {
		wait_wc(cq, &w[got], "completions after the dereg");
		got++;
	}
	for (int i = 0; i < 2; i++) {
		if (w[i].wr_id == 1 && w[i].status == IBV_WC_SUCCESS)
			sod_fail("receive into a deregistered MR: expected an error status got success");
		if (w[i].wr_id != 1 && w[i].wr_id != 2)
			sod_fail("unexpected completion wr_id %" PRIu64, w[i].wr_id);
	}
	for (int i = 0; i < 4096; i++)
		if (rbuf[i] != 0x5a)
			sod_fail("buffer of the deregistered MR byte %d: expected 0x5a (untouched) got 0x%02x",
				 i, rbuf[i]);
	{
		struct ibv_wc *r = w[0].wr_id == 1 ? &w[0] : &w[1];
		struct ibv_wc *s = w[0].wr_id == 1 ? &w[1] : &w[0];

		snprintf(msg, sizeof(msg), "receive WQE of a deregistered MR: %s; the send: %s; memory untouched",
			 ibv_wc_status_str(r->status), ibv_wc_status_str(s->status));
	}
	return msg;
}

static const char *t_mr_bad_access(void)
{
	uint8_t *buf = mk_mem(4096, 0);
	struct ibv_mr *mr;

	errno = 0;
	mr = ibv_reg_mr(pd, buf, 4096, IBV_ACCESS_REMOTE_WRITE);
	if (mr) {
		reg_res(R_MR, mr);
		sod_fail("reg_mr(REMOTE_WRITE without LOCAL_WRITE): expected EINVAL got an MR");
	}
	if (errno != EINVAL)
		sod_fail("reg_mr(REMOTE_WRITE without LOCAL_WRITE): expected %s got %s",
			 strerror(EINVAL), strerror(errno));
	errno = 0;
	mr = ibv_reg_mr(pd, buf, 4096, IBV_ACCESS_REMOTE_ATOMIC);
	if (mr) {
		reg_res(R_MR, mr);
		sod_fail("reg_mr(REMOTE_ATOMIC without LOCAL_WRITE): expected EINVAL got an MR");
	}
	if (errno != EINVAL)
		sod_fail("reg_mr(REMOTE_ATOMIC without LOCAL_WRITE): expected %s got %s",
			 strerror(EINVAL), strerror(errno));
	mk_mr(buf, 4096, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE);
	return "REMOTE_WRITE or REMOTE_ATOMIC without LOCAL_WRITE: EINVAL; with it: accepted";
}

/* ------------------------------------------------------------ main */

static const struct subtest {
	const char *name;
	const char *(*fn)(void);
} tests[] = {
	{ "cq_resize", t_cq_resize },
	{ "cq_resize_too_small", t_cq_resize_small },
	{ "cq_notify", t_cq_notify },
	{ "cq_solicited", t_cq_solicited },
	{ "cq_overrun", t_cq_overrun },
	{ "cq_ex", t_cq_ex },
	{ "qp_query", t_qp_query },
	{ "qp_bad_transition", t_qp_bad_transition },
	{ "qp_create_limits", t_qp_create_limits },
	{ "qp_sig_all", t_qp_sig_all },
	{ "qp_inline", t_qp_inline },
	{ "qp_post_state", t_qp_post_state },
	{ "qp_sqd", t_qp_sqd },
	{ "qp_comm_est", t_qp_comm_est },
	{ "qp_last_wqe", t_qp_last_wqe },
	{ "srq_limit", t_srq_limit },
	{ "ah_from_wc", t_ah_from_wc },
	{ "mr_rereg", t_mr_rereg },
	{ "mr_dereg_posted", t_mr_dereg_posted },
	{ "mr_bad_access", t_mr_bad_access },
};

#define NTESTS (sizeof(tests) / sizeof(tests[0]))

static bool selected[NTESTS];

static void parse_only(const char *s)
{
	sod_opt_select(usage, "only", "sub-test", s, &tests[0].name,
		       sizeof(tests[0]), NTESTS, selected);
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "gid-index", required_argument, NULL, 'g' },
		{ "only", required_argument, NULL, 'o' },
		{ "list", no_argument, NULL, 'l' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "quiet-ms", required_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long v;
	int c;

	for (size_t i = 0; i < NTESTS; i++)
		selected[i] = true;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': dev_name = optarg; break;
		case 'g':
			sod_opt_long(usage, "gid-index", optarg, 0, 255, &v);
			gid_index = (int)v;
			break;
		case 'o': parse_only(optarg); break;
		case 't': sod_opt_long(usage, "timeout-ms", optarg, 1, 3600000, &timeout_ms); break;
		case 'q':
			if (!sod_parse_long(optarg, 1, 600000, &quiet_ms))
				sod_usage_error(usage, "invalid --quiet-ms '%s'", optarg);
			break;
		default:
			sod_opt_subtests(c, usage, argv, &tests[0].name,
					 sizeof(tests[0]), NTESTS);
		}
	}
	sod_opt_done(usage, argc, argv, dev_name);
}

int main(int argc, char **argv)
{
	char gs[INET6_ADDRSTRLEN];
	int ec = SOD_EXIT_FAIL;
	long t0 = sod_now_ms();

	sod_init(argv[0]);
	sod_set_fail_handler(on_fail);
	parse_args(argc, argv);
	ctx = sod_open_port(dev_name, IB_PORT, &gid_index, &my_gid, NULL, &ec);
	if (!ctx)
		return ec;
	if (ibv_query_device(ctx, &dattr)) {
		sod_err("ibv_query_device: %s", strerror(errno));
		return SOD_EXIT_FAIL;
	}
	pd = ibv_alloc_pd(ctx);
	if (!pd) {
		sod_err("ibv_alloc_pd: %s", strerror(errno));
		return SOD_EXIT_FAIL;
	}
	{
		int fl = fcntl(ctx->async_fd, F_GETFL);

		if (fl < 0 || fcntl(ctx->async_fd, F_SETFL, fl | O_NONBLOCK) < 0) {
			sod_err("fcntl(async_fd, O_NONBLOCK): %s", strerror(errno));
			return SOD_EXIT_FAIL;
		}
	}
	inet_ntop(AF_INET6, my_gid.raw, gs, sizeof(gs));
	sod_info("device %s gid[%d] %s max_qp_wr %d max_sge %d", dev_name,
		 gid_index, gs, dattr.max_qp_wr, dattr.max_sge);

	for (size_t i = 0; i < NTESTS; i++) {
		/* volatile: read after longjmp */
		volatile long start = sod_now_ms();
		const char *volatile what = NULL;
		bool ok;

		if (!selected[i])
			continue;
		cur_test = tests[i].name;
		if (setjmp(fail_jmp) == 0)
			what = tests[i].fn();
		ok = what != NULL;
		if (!cleanup())
			ok = false;
		drain_async();
		if (ok) {
			printf("%s: PASS %s: %s (%ld ms)\n", sod_prog, cur_test, what,
			       sod_now_ms() - start);
			n_pass++;
		} else {
			n_fail++;
		}
	}
	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
	printf("%s: %d passed, %d failed in %ld ms\n", sod_prog, n_pass, n_fail,
	       sod_now_ms() - t0);
	return n_fail ? SOD_EXIT_FAIL : SOD_EXIT_OK;
}
