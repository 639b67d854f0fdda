// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sod_failnth: make every kernel allocation of one operation fail in turn.
 *
 *   sod_failnth --op newlink --ndev ETH [--max N] [--first F --every E]
 *   sod_failnth --op OP --dev NAME [--max N] [--first F --every E]
 *
 * OP is ucontext (ibv_open_device), pd (ibv_alloc_pd), cq (ibv_create_cq),
 * qp-rc, qp-ud (ibv_create_qp with its own receive queue), qp-srq (an RC
 * QP on an SRQ), srq (ibv_create_srq), mr (ibv_reg_mr, pinned) or ah
 * (ibv_create_ah).  What an operation needs (context, PD, CQ, SRQ, a
 * buffer, a RoCE v2 GID) is made before any fault is armed, so only the
 * operation itself is swept, from the provider's system calls down to the
 * driver.
 *
 * Uses the kernel's per-task fault injection (/proc/thread-self/fail-nth,
 * CONFIG_FAULT_INJECTION with failslab/fail_page_alloc armed for sleeping
 * allocations): writing N makes the N-th fault-injectable call of this
 * thread fail.  For N = 1, 2, ... the operation runs once with the N-th
 * allocation failing, until a run completes without the fault being
 * reached: then every allocation of the path has been failed once.  With
 * --first F --every E only points 1..F and then every E-th point are failed
 * (F+E, F+2E, ...): a sample, for paths with hundreds of points.
 *
 * Each failed run must report an allocation errno (NULL + errno, or the
 * verb's return value; no success with a half-made object, no hang), must
 * leave nothing behind (the caller checks with kmemleak and by unloading
 * the module), and the device must work normally afterwards, which is
 * checked after every run: the object is created for real and used a
 * little (a QP goes RESET->INIT, a CQ is polled and armed, a receive is
 * posted to an SRQ, ...).  For QPs and MRs the check also requires the
 * same QP number / MR index as before the sweep: numbers are handed out
 * lowest first, so a failed run that kept one would show.
 *
 * Exit: 0 all runs behaved, 1 a check failed, 2 usage or setup error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <rdma/rdma_netlink.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "sod_common.h"

#define IB_PORT		1
#define UD_QKEY		0x11111111u
/* The MR registered by --op mr: three pages, not page aligned. */
#define MR_BUF_LEN	(4 * 4096)
#define MR_OFF		256
#define MR_LEN		(3 * 4096)

static const char usage[] =
	"--op OP (--dev NAME | --ndev ETH) [--max N] [--first F --every E]\n"
	"  --op OP     operation whose allocations fail in turn: newlink (needs\n"
	"              --ndev), or with --dev: ucontext, pd, cq, qp-rc, qp-ud,\n"
	"              qp-srq, srq, mr, ah\n"
	"  --dev NAME  RDMA device to use\n"
	"  --ndev ETH  netdev for newlink (device sodfail0 is made and deleted)\n"
	"  --max N     give up after N runs (default 2000)\n"
	"  --first F   fail points 1..F, then only every E-th point (--every E)\n"
	"  --every E   (with --first) the step after point F (default 1: all)\n";

static int failnth_fd = -1;
/* Whether the fault armed for the last run was actually injected. */
static bool failnth_last_injected;

/* Arm the fault injection: the n-th injectable call of this thread fails. */
static void failnth_arm(long n)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%ld", n);

	if (pwrite(failnth_fd, buf, (size_t)len, 0) != len) {
		sod_err("writing fail-nth: %s", strerror(errno));
		exit(SOD_EXIT_USAGE);
	}
}

/*
 * Disarm; remember whether the armed fault was injected (reading fail-nth
 * gives 0 once it was, the remaining count otherwise).  Preserves errno,
 * so that a verb's errno can be read after disarming.
 */
static void failnth_disarm(void)
{
	char buf[32] = "";
	int saved = errno;
	ssize_t r = pread(failnth_fd, buf, sizeof(buf) - 1, 0);

	failnth_last_injected = r > 0 && atol(buf) == 0;
	if (pwrite(failnth_fd, "0", 1, 0) != 1) {
		sod_err("resetting fail-nth: %s", strerror(errno));
		exit(SOD_EXIT_USAGE);
	}
	errno = saved;
}

/* ------------------------------------------------------------ netlink */

struct nl_req {
	struct nlmsghdr hdr;
	char attrs[256];
};

static void nl_put_str(struct nl_req *req, unsigned short type, const char *s)
{
	struct nlattr *a = (struct nlattr *)((char *)req +
					      NLMSG_ALIGN(req->hdr.nlmsg_len));
	size_t len = strlen(s) + 1;

	a->nla_type = type;
	a->nla_len = (unsigned short)(NLA_HDRLEN + len);
	memcpy((char *)a + NLA_HDRLEN, s, len);
	req->hdr.nlmsg_len = NLMSG_ALIGN(req->hdr.nlmsg_len) +
			     NLA_ALIGN(a->nla_len);
}

/*
 * Send one RDMA_NLDEV command and return 0 or the negative errno from the
 * kernel's ack.  The socket is created before fault injection is armed by
 * the caller, so only the command itself can fail.
 */
static int nl_rdma_cmd(int sk, int cmd, const char *name, const char *type,
		       const char *ndev)
{
	static unsigned int seq;
	struct nl_req req;
	char ack[1024];
	struct nlmsghdr *h = (struct nlmsghdr *)ack;
	ssize_t r;

	memset(&req, 0, sizeof(req));
	req.hdr.nlmsg_len = NLMSG_LENGTH(0);
	req.hdr.nlmsg_type = RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, cmd);
	req.hdr.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.hdr.nlmsg_seq = ++seq;
	nl_put_str(&req, RDMA_NLDEV_ATTR_DEV_NAME, name);
	if (type)
		nl_put_str(&req, RDMA_NLDEV_ATTR_LINK_TYPE, type);
	if (ndev)
		nl_put_str(&req, RDMA_NLDEV_ATTR_NDEV_NAME, ndev);

	if (send(sk, &req, req.hdr.nlmsg_len, 0) < 0)
		return -errno;
	r = recv(sk, ack, sizeof(ack), 0);
	if (r < 0)
		return -errno;
	if (!NLMSG_OK(h, (unsigned int)r) || h->nlmsg_type != NLMSG_ERROR)
		return -EPROTO;
	return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
}

/*
 * Deleting needs the device index (RDMA_NLDEV_ATTR_DEV_INDEX); the rdma
 * tool looks it up.  Runs without fault injection armed.
 */
static bool link_delete(void)
{
	return system("rdma link delete sodfail0") == 0 &&
	       access("/sys/class/infiniband/sodfail0", F_OK) != 0;
}

static int nl_open(void)
{
	int sk = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_RDMA);

	if (sk < 0) {
		sod_err("netlink socket: %s", strerror(errno));
		exit(SOD_EXIT_USAGE);
	}
	return sk;
}

/* ------------------------------------------------------------ operations */

struct op_ctx {
	const char *dev;
	const char *ndev;
	int nl;
	/* Made before any fault is armed, as the operation needs them. */
	struct ibv_device *device;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_srq *srq;
	char *buf;
	union ibv_gid gid;
	int gid_index;
	/*
	 * QP number / MR index the check got before the sweep; -1 where
	 * the operation has none.
	 */
	long first_num;
};

/*
 * Each op runs once with injection armed and returns 0 on success (having
 * undone itself, without injection) or a positive errno.
 */
static int op_newlink(struct op_ctx *o, long n)
{
	int err;

	failnth_arm(n);
	err = nl_rdma_cmd(o->nl, RDMA_NLDEV_CMD_NEWLINK, "sodfail0", "softodp",
			  o->ndev);
	failnth_disarm();
	/*
	 * The fault may hit only the netlink ack after the device was made:
	 * then the call reports an error but the device exists, and must
	 * work (device_works() checks) and be deletable.
	 */
	if (err && access("/sys/class/infiniband/sodfail0", F_OK))
		return -err;
	if (!link_delete()) {
		sod_err("run %ld: deleting the device failed", n);
		exit(SOD_EXIT_FAIL);
	}
	return 0;
}

static struct ibv_device *find_dev(const char *name)
{
	struct ibv_device **list = ibv_get_device_list(NULL);
	struct ibv_device *found = NULL;

	for (int i = 0; list && list[i]; i++)
		if (!strcmp(ibv_get_device_name(list[i]), name))
			found = list[i];
	/* The list entries stay valid: libibverbs keeps devices cached. */
	if (list)
		ibv_free_device_list(list);
	return found;
}

static int op_ucontext(struct op_ctx *o, long n)
{
	struct ibv_context *ctx;
	int err;

	failnth_arm(n);
	ctx = ibv_open_device(o->device);
	err = ctx ? 0 : errno;
	failnth_disarm();
	if (ctx)
		ibv_close_device(ctx);
	return err;
}

/* A destroy verb failed after a run: the object is stuck, stop. */
static void destroy_failed(long n, const char *what, int ret)
{
	sod_err("run %ld: %s failed: %s", n, what, strerror(ret));
	exit(SOD_EXIT_FAIL);
}

static int op_pd(struct op_ctx *o, long n)
{
	struct ibv_pd *pd;
	int err, ret;

	failnth_arm(n);
	pd = ibv_alloc_pd(o->ctx);
	err = pd ? 0 : errno;
	failnth_disarm();
	if (pd && (ret = ibv_dealloc_pd(pd)))
		destroy_failed(n, "ibv_dealloc_pd", ret);
	return err;
}

static int op_cq(struct op_ctx *o, long n)
{
	struct ibv_cq *cq;
	int err, ret;

	failnth_arm(n);
	cq = ibv_create_cq(o->ctx, 16, NULL, NULL, 0);
	err = cq ? 0 : errno;
	failnth_disarm();
	if (cq && (ret = ibv_destroy_cq(cq)))
		destroy_failed(n, "ibv_destroy_cq", ret);
	return err;
}

static void qp_init_attr(struct op_ctx *o, enum ibv_qp_type type,
			 bool on_srq, struct ibv_qp_init_attr *ia)
{
	memset(ia, 0, sizeof(*ia));
	ia->send_cq = o->cq;
	ia->recv_cq = o->cq;
	ia->srq = on_srq ? o->srq : NULL;
	ia->qp_type = type;
	ia->cap.max_send_wr = 16;
	ia->cap.max_recv_wr = on_srq ? 0 : 16;
	ia->cap.max_send_sge = 2;
	ia->cap.max_recv_sge = on_srq ? 0 : 2;
	ia->cap.max_inline_data = 64;
}

static int qp_run(struct op_ctx *o, long n, enum ibv_qp_type type,
		  bool on_srq)
{
	struct ibv_qp_init_attr ia;
	struct ibv_qp *qp;
	int err, ret;

	qp_init_attr(o, type, on_srq, &ia);
	failnth_arm(n);
	qp = ibv_create_qp(o->pd, &ia);
	err = qp ? 0 : errno;
	failnth_disarm();
	if (qp && (ret = ibv_destroy_qp(qp)))
		destroy_failed(n, "ibv_destroy_qp", ret);
	return err;
}

static int op_qp_rc(struct op_ctx *o, long n)
{
	return qp_run(o, n, IBV_QPT_RC, false);
}

static int op_qp_ud(struct op_ctx *o, long n)
{
	return qp_run(o, n, IBV_QPT_UD, false);
}

static int op_qp_srq(struct op_ctx *o, long n)
{
	return qp_run(o, n, IBV_QPT_RC, true);
}

static struct ibv_srq *srq_create(struct op_ctx *o)
{
	struct ibv_srq_init_attr sa;

	memset(&sa, 0, sizeof(sa));
	sa.attr.max_wr = 32;
	sa.attr.max_sge = 2;
	return ibv_create_srq(o->pd, &sa);
}

static int op_srq(struct op_ctx *o, long n)
{
	struct ibv_srq *srq;
	int err, ret;

	failnth_arm(n);
	srq = srq_create(o);
	err = srq ? 0 : errno;
	failnth_disarm();
	if (srq && (ret = ibv_destroy_srq(srq)))
		destroy_failed(n, "ibv_destroy_srq", ret);
	return err;
}

static struct ibv_mr *mr_reg(struct op_ctx *o)
{
	return ibv_reg_mr(o->pd, o->buf + MR_OFF, MR_LEN,
			  IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
			  IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_ATOMIC);
}

static int op_mr(struct op_ctx *o, long n)
{
	struct ibv_mr *mr;
	int err, ret;

	failnth_arm(n);
	mr = mr_reg(o);
	err = mr ? 0 : errno;
	failnth_disarm();
	if (mr && (ret = ibv_dereg_mr(mr)))
		destroy_failed(n, "ibv_dereg_mr", ret);
	return err;
}

/* An AH to our own address: resolving it needs no neighbour. */
static struct ibv_ah *ah_create(struct op_ctx *o)
{
	struct ibv_ah_attr aa;

	memset(&aa, 0, sizeof(aa));
	aa.is_global = 1;
	aa.grh.dgid = o->gid;
	aa.grh.sgid_index = (uint8_t)o->gid_index;
	aa.grh.hop_limit = 64;
	aa.port_num = IB_PORT;
	return ibv_create_ah(o->pd, &aa);
}

static int op_ah(struct op_ctx *o, long n)
{
	struct ibv_ah *ah;
	int err, ret;

	failnth_arm(n);
	ah = ah_create(o);
	err = ah ? 0 : errno;
	failnth_disarm();
	if (ah && (ret = ibv_destroy_ah(ah)))
		destroy_failed(n, "ibv_destroy_ah", ret);
	return err;
}

/* ------------------------------------------------------------ checks */

/*
 * The checks run without injection, after every run (and once before the
 * sweep).  Each prints why it fails.
 */

/* A new context and PD can be made (every op's device check). */
static bool ctx_pd_works(struct op_ctx *o)
{
	struct ibv_context *ctx = ibv_open_device(o->device);
	struct ibv_pd *pd = ctx ? ibv_alloc_pd(ctx) : NULL;
	bool ok = pd && !ibv_dealloc_pd(pd);

	if (!ok)
		sod_err("opening %s and allocating a PD failed: %s", o->dev,
			strerror(errno));
	if (ctx)
		ibv_close_device(ctx);
	return ok;
}

static bool newlink_works(struct op_ctx *o)
{
	int err = nl_rdma_cmd(o->nl, RDMA_NLDEV_CMD_NEWLINK, "sodfail0",
			      "softodp", o->ndev);

	if (err) {
		sod_err("newlink without injection: %s", strerror(-err));
		return false;
	}
	return link_delete();
}

/* The number a check got must not change over the sweep (see above). */
static bool same_num(struct op_ctx *o, const char *what, long num)
{
	if (o->first_num < 0) {
		o->first_num = num;
		return true;
	}
	if (num == o->first_num)
		return true;
	sod_err("%s %ld, %ld before the sweep: a failed run kept one", what,
		num, o->first_num);
	return false;
}

/* Poll it (empty) and arm it. */
static bool cq_works(struct op_ctx *o)
{
	struct ibv_cq *cq = ibv_create_cq(o->ctx, 16, NULL, NULL, 0);
	struct ibv_wc wc;
	int ret;
	bool ok;

	if (!cq) {
		sod_err("ibv_create_cq without injection: %s", strerror(errno));
		return false;
	}
	ret = ibv_poll_cq(cq, 1, &wc);
	ok = ret == 0;
	if (!ok)
		sod_err("ibv_poll_cq on a new CQ gave %d", ret);
	ret = ibv_req_notify_cq(cq, 0);
	if (ret) {
		sod_err("ibv_req_notify_cq: %s", strerror(ret));
		ok = false;
	}
	ret = ibv_destroy_cq(cq);
	if (ret) {
		sod_err("ibv_destroy_cq: %s", strerror(ret));
		ok = false;
	}
	return ok;
}

/* Create a QP, take it RESET -> INIT, query it. */
static bool qp_one_works(struct op_ctx *o, enum ibv_qp_type type, bool on_srq,
			 long *num)
{
	const char *name = type == IBV_QPT_RC ? "RC" : "UD";
	struct ibv_qp_init_attr ia, qia;
	struct ibv_qp_attr a, qa;
	struct ibv_qp *qp;
	int mask, ret;
	bool ok = true;

	qp_init_attr(o, type, on_srq, &ia);
	qp = ibv_create_qp(o->pd, &ia);
	if (!qp) {
		sod_err("ibv_create_qp(%s%s) without injection: %s", name,
			on_srq ? " on SRQ" : "", strerror(errno));
		return false;
	}
	*num = qp->qp_num;
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_INIT;
	a.pkey_index = 0;
	a.port_num = IB_PORT;
	mask = IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT;
	if (type == IBV_QPT_UD) {
		a.qkey = UD_QKEY;
		mask |= IBV_QP_QKEY;
	} else {
		a.qp_access_flags = IBV_ACCESS_REMOTE_WRITE |
				    IBV_ACCESS_REMOTE_READ;
		mask |= IBV_QP_ACCESS_FLAGS;
	}
	ret = ibv_modify_qp(qp, &a, mask);
	if (ret) {
		sod_err("ibv_modify_qp(%s, INIT): %s", name, strerror(ret));
		ok = false;
	} else if ((ret = ibv_query_qp(qp, &qa, IBV_QP_STATE, &qia)) ||
		   qa.qp_state != IBV_QPS_INIT) {
		sod_err("ibv_query_qp(%s): %s, state %d", name,
			ret ? strerror(ret) : "ok", (int)qa.qp_state);
		ok = false;
	}
	ret = ibv_destroy_qp(qp);
	if (ret) {
		sod_err("ibv_destroy_qp(%s): %s", name, strerror(ret));
		ok = false;
	}
	return ok;
}

static bool qp_rc_works(struct op_ctx *o)
{
	long num;

	return qp_one_works(o, IBV_QPT_RC, false, &num) &&
	       same_num(o, "QP number", num);
}

static bool qp_ud_works(struct op_ctx *o)
{
	long num;

	return qp_one_works(o, IBV_QPT_UD, false, &num) &&
	       same_num(o, "QP number", num);
}

/* Both QP types on the SRQ: UD takes the same create path as RC. */
static bool qp_srq_works(struct op_ctx *o)
{
	long num, num_ud;

	return qp_one_works(o, IBV_QPT_RC, true, &num) &&
	       same_num(o, "QP number", num) &&
	       qp_one_works(o, IBV_QPT_UD, true, &num_ud);
}

/* Post a receive, query it, arm its limit. */
static bool srq_works(struct op_ctx *o)
{
	struct ibv_srq *srq = srq_create(o);
	struct ibv_recv_wr wr, *bad;
	struct ibv_srq_attr sa;
	bool ok = true;
	int ret;

	if (!srq) {
		sod_err("ibv_create_srq without injection: %s", strerror(errno));
		return false;
	}
	memset(&wr, 0, sizeof(wr));
	wr.wr_id = 1;
	ret = ibv_post_srq_recv(srq, &wr, &bad);
	if (ret) {
		sod_err("ibv_post_srq_recv: %s", strerror(ret));
		ok = false;
	}
	memset(&sa, 0, sizeof(sa));
	sa.srq_limit = 4;
	ret = ibv_modify_srq(srq, &sa, IBV_SRQ_LIMIT);
	if (ret) {
		sod_err("ibv_modify_srq(limit): %s", strerror(ret));
		ok = false;
	}
	ret = ibv_query_srq(srq, &sa);
	if (ret || sa.max_wr < 32 || sa.srq_limit != 4) {
		sod_err("ibv_query_srq: %s, max_wr %u, limit %u",
			ret ? strerror(ret) : "ok", sa.max_wr, sa.srq_limit);
		ok = false;
	}
	ret = ibv_destroy_srq(srq);
	if (ret) {
		sod_err("ibv_destroy_srq: %s", strerror(ret));
		ok = false;
	}
	return ok;
}

static bool mr_works(struct op_ctx *o)
{
	struct ibv_mr *mr = mr_reg(o);
	bool ok = true;
	int ret;

	if (!mr) {
		sod_err("ibv_reg_mr without injection: %s", strerror(errno));
		return false;
	}
	if (mr->lkey != mr->rkey || !mr->lkey || mr->length != MR_LEN ||
	    mr->addr != o->buf + MR_OFF) {
		sod_err("MR: lkey %#x rkey %#x length %zu", mr->lkey, mr->rkey,
			mr->length);
		ok = false;
	}
	ok = ok && same_num(o, "MR index", mr->lkey >> 8);
	ret = ibv_dereg_mr(mr);
	if (ret) {
		sod_err("ibv_dereg_mr: %s", strerror(ret));
		ok = false;
	}
	return ok;
}

static bool ah_works(struct op_ctx *o)
{
	struct ibv_ah *ah = ah_create(o);
	int ret;

	if (!ah) {
		sod_err("ibv_create_ah without injection: %s", strerror(errno));
		return false;
	}
	ret = ibv_destroy_ah(ah);
	if (ret) {
		sod_err("ibv_destroy_ah: %s", strerror(ret));
		return false;
	}
	return true;
}

/* ------------------------------------------------------------ setup */

enum {
	NEED_CTX = 1 << 0,
	NEED_PD = 1 << 1,
	NEED_CQ = 1 << 2,
	NEED_SRQ = 1 << 3,
	NEED_BUF = 1 << 4,
	NEED_GID = 1 << 5,
};

struct op_desc {
	const char *name;
	int (*run)(struct op_ctx *o, long n);
	/* Check after each run; NULL: ctx_pd_works(). */
	bool (*works)(struct op_ctx *o);
	unsigned int needs;
};

static const struct op_desc op_descs[] = {
	{ "newlink", op_newlink, newlink_works, 0 },
	/*
	 * ucontext keeps a context of its own open (NEED_CTX) during the
	 * sweep.  Without one, every ibv_open_device allocates the rdma
	 * cgroup's resource pools (rdmacg_try_charge) and frees them at
	 * close; failing that allocation makes ib_init_ucontext fail, and
	 * Debian 6.1's GET_CONTEXT ioctl handler then frees the ucontext
	 * without rdma_restrack_put(), which leaks the task reference the
	 * restrack entry holds: kmemleak reported sod_failnth's task_struct
	 * (a core bug, not softodp's; seen in 5 of 7 debug runs).  With a
	 * context open the pools stay allocated.
	 */
	{ "ucontext", op_ucontext, NULL, NEED_CTX },
	{ "pd", op_pd, NULL, NEED_CTX },
	{ "cq", op_cq, cq_works, NEED_CTX },
	{ "qp-rc", op_qp_rc, qp_rc_works, NEED_CTX | NEED_PD | NEED_CQ },
	{ "qp-ud", op_qp_ud, qp_ud_works, NEED_CTX | NEED_PD | NEED_CQ },
	{ "qp-srq", op_qp_srq, qp_srq_works,
	  NEED_CTX | NEED_PD | NEED_CQ | NEED_SRQ },
	{ "srq", op_srq, srq_works, NEED_CTX | NEED_PD },
	{ "mr", op_mr, mr_works, NEED_CTX | NEED_PD | NEED_BUF },
	{ "ah", op_ah, ah_works, NEED_CTX | NEED_PD | NEED_GID },
};

/* Make what the operation needs, without injection; exits on failure. */
static void setup(struct op_ctx *o, unsigned int needs)
{
	if (needs & NEED_CTX) {
		o->ctx = ibv_open_device(o->device);
		if (!o->ctx) {
			sod_err("cannot open %s: %s", o->dev, strerror(errno));
			exit(SOD_EXIT_FAIL);
		}
	}
	if ((needs & NEED_PD) && !(o->pd = ibv_alloc_pd(o->ctx))) {
		sod_err("ibv_alloc_pd: %s", strerror(errno));
		exit(SOD_EXIT_FAIL);
	}
	if ((needs & NEED_CQ) &&
	    !(o->cq = ibv_create_cq(o->ctx, 64, NULL, NULL, 0))) {
		sod_err("ibv_create_cq: %s", strerror(errno));
		exit(SOD_EXIT_FAIL);
	}
	if ((needs & NEED_SRQ) && !(o->srq = srq_create(o))) {
		sod_err("ibv_create_srq: %s", strerror(errno));
		exit(SOD_EXIT_FAIL);
	}
	if (needs & NEED_BUF) {
		o->buf = mmap(NULL, MR_BUF_LEN, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (o->buf == MAP_FAILED) {
			sod_err("mmap: %s", strerror(errno));
			exit(SOD_EXIT_FAIL);
		}
		/* Present pages: pinning them needs no page fault. */
		memset(o->buf, 0x5a, MR_BUF_LEN);
	}
	if (needs & NEED_GID) {
		o->gid_index = sod_roce_v2_ipv4_gid(o->ctx, IB_PORT);
		if (o->gid_index < 0 ||
		    ibv_query_gid(o->ctx, IB_PORT, o->gid_index, &o->gid)) {
			sod_err("%s has no RoCE v2 GID with an IPv4 address",
				o->dev);
			exit(SOD_EXIT_USAGE);
		}
	}
}

static void teardown(struct op_ctx *o)
{
	if (o->srq)
		ibv_destroy_srq(o->srq);
	if (o->cq)
		ibv_destroy_cq(o->cq);
	if (o->pd)
		ibv_dealloc_pd(o->pd);
	if (o->ctx)
		ibv_close_device(o->ctx);
	if (o->buf)
		munmap(o->buf, MR_BUF_LEN);
}

/*
 * After every run, the device must work normally again: the operation's
 * own object is made and used; a new context and PD are made after the
 * sweep (and after every run of ucontext and pd).
 */
static bool device_works(const struct op_desc *d, struct op_ctx *o)
{
	return d->works ? d->works(o) : ctx_pd_works(o);
}

/*
 * Errnos the kernel gives for a failed allocation (EFAULT: a page fault
 * of a user copy that could not allocate).  ibv_open_device() reports
 * libibverbs' own errno (e.g. ENOENT when opening the char device
 * failed), so only the outcome counts there.
 */
static bool alloc_errno(const struct op_desc *d, int err)
{
	if (d->run == op_ucontext)
		return true;
	return err == ENOMEM || err == ENOBUFS || err == ENFILE ||
	       err == EMFILE || err == EAGAIN || err == EINTR ||
	       err == EFAULT;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "op", required_argument, NULL, 'o' },
		{ "dev", required_argument, NULL, 'd' },
		{ "ndev", required_argument, NULL, 'n' },
		{ "max", required_argument, NULL, 'm' },
		{ "first", required_argument, NULL, 'f' },
		{ "every", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct op_ctx o = { .nl = -1, .first_num = -1 };
	const struct op_desc *d = NULL;
	long max = 2000, n, failed = 0, runs = 0, first = 0, every = 1;
	bool done = false;
	/* How often each errno came back, for the summary. */
	long errs[256] = { 0 };
	int c;

	sod_init(argv[0]);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			for (size_t i = 0; i < sizeof(op_descs) / sizeof(op_descs[0]); i++)
				if (!strcmp(optarg, op_descs[i].name))
					d = &op_descs[i];
			if (!d)
				sod_usage_error(usage, "unknown --op '%s'", optarg);
			break;
		case 'd':
			o.dev = optarg;
			break;
		case 'n':
			o.ndev = optarg;
			break;
		case 'm':
			if (!sod_parse_long(optarg, 1, 1000000, &max))
				sod_usage_error(usage, "invalid --max '%s'", optarg);
			break;
		case 'f':
			if (!sod_parse_long(optarg, 1, 1000000, &first))
				sod_usage_error(usage, "invalid --first '%s'", optarg);
			break;
		case 'e':
			if (!sod_parse_long(optarg, 1, 1000000, &every))
				sod_usage_error(usage, "invalid --every '%s'", optarg);
			break;
		default:
			sod_opt_other(c, usage, argv);
		}
	}
	if (optind != argc)
		sod_usage_error(usage, "unexpected argument '%s'", argv[optind]);
	if (!d)
		sod_usage_error(usage, "--op is required");
	if (every > 1 && !first)
		sod_usage_error(usage, "--every needs --first");
	if (d->run == op_newlink && (!o.ndev || o.dev))
		sod_usage_error(usage, "--op newlink needs --ndev (and no --dev)");
	if (d->run != op_newlink && (!o.dev || o.ndev))
		sod_usage_error(usage, "--op %s needs --dev (and no --ndev)",
				d->name);

	if (o.ndev && !if_nametoindex(o.ndev)) {
		sod_err("netdev '%s' not found", o.ndev);
		return SOD_EXIT_USAGE;
	}
	if (o.dev && !(o.device = find_dev(o.dev))) {
		sod_err("device '%s' not found", o.dev);
		return SOD_EXIT_USAGE;
	}
	failnth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (failnth_fd < 0) {
		sod_err("/proc/thread-self/fail-nth: %s (kernel without CONFIG_FAULT_INJECTION?)",
			strerror(errno));
		return SOD_EXIT_USAGE;
	}
	o.nl = nl_open();
	setup(&o, d->needs);
	if (!device_works(d, &o)) {
		sod_err("the device does not work before the sweep");
		return SOD_EXIT_FAIL;
	}

	for (n = 1; runs < max; n += (first && n >= first) ? every : 1) {
		int err = d->run(&o, n);

		runs++;
		/*
		 * A run that failed must fail with an allocation-type errno.
		 * A run that succeeded although the fault was injected had a
		 * fallback; one that succeeded without reaching the n-th
		 * point means that every point has now been covered.
		 */
		if (err) {
			failed++;
			errs[err & 255]++;
			if (!alloc_errno(d, err)) {
				sod_err("run %ld: unexpected errno %d (%s)", n,
					err, strerror(err));
				return SOD_EXIT_FAIL;
			}
		}
		printf("run %ld: %s%s\n", n, err ? strerror(err) : "ok",
		       failnth_last_injected ? "" : " (fault point not reached)");
		fflush(stdout);
		if (!device_works(d, &o)) {
			sod_err("run %ld: device broken after the run", n);
			return SOD_EXIT_FAIL;
		}
		if (!err && !failnth_last_injected) {
			done = true;
			break;
		}
	}
	if (!done) {
		sod_err("still reaching new fault points after %ld runs", max);
		return SOD_EXIT_FAIL;
	}
	if (o.dev && !ctx_pd_works(&o)) {
		sod_err("device broken after the sweep");
		return SOD_EXIT_FAIL;
	}
	printf("%s: --op %s: %s%ld fault points, %ld runs with a fault: %ld failed cleanly, %ld absorbed\n",
	       sod_prog, d->name, every > 1 && n > first ? "sampled, up to " : "",
	       n - 1, runs - 1, failed, runs - 1 - failed);
	for (int e = 1; e < 256; e++)
		if (errs[e])
			printf("%s:   %s: %ld\n", sod_prog, strerror(e), errs[e]);
	teardown(&o);
	close(o.nl);
	return SOD_EXIT_OK;
}
