// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Queue pairs (RC and UD): control path through uverbs commands, send and
 * receive work requests through the SQ and RQ rings.
 *
 * post_send writes WQEs under the SQ lock, store-releases prod, issues a
 * full barrier and reads the ring's flags: only if the kernel's worker is
 * idle (SOFTODP_RING_F_DOORBELL) does it ring the doorbell, a POST_SEND
 * command with no work requests.  post_recv does the same on the RQ ring,
 * where the kernel sets the flag only in the error state (so that WQEs
 * posted after the flush get flushed too): in any other state posting a
 * receive never enters the kernel.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "softodp.h"

static struct softodp_qp *qp_alloc(void)
{
	struct softodp_qp *qp = calloc(1, sizeof(*qp));

	if (!qp)
		return NULL;
	if (pthread_spin_init(&qp->sq_lock, PTHREAD_PROCESS_PRIVATE))
		goto err_free;
	if (pthread_spin_init(&qp->rq_lock, PTHREAD_PROCESS_PRIVATE))
		goto err_sq;
	atomic_init(&qp->state, IBV_QPS_RESET);
	return qp;

err_sq:
	pthread_spin_destroy(&qp->sq_lock);
err_free:
	free(qp);
	return NULL;
}

static void qp_free(struct softodp_qp *qp)
{
	pthread_spin_destroy(&qp->rq_lock);
	pthread_spin_destroy(&qp->sq_lock);
	free(qp);
}

/* What create_qp_ex accepts; the rest is EOPNOTSUPP. */
static int qp_check_init_attr(const struct ibv_qp_init_attr_ex *attr)
{
	if (attr->qp_type != IBV_QPT_RC && attr->qp_type != IBV_QPT_UD)
		return EOPNOTSUPP;
	if (attr->comp_mask & IBV_QP_INIT_ATTR_SEND_OPS_FLAGS)
		return EOPNOTSUPP;	/* no ibv_wr_* API */
	if (attr->comp_mask & ~(uint32_t)(IBV_QP_INIT_ATTR_PD |
					  IBV_QP_INIT_ATTR_CREATE_FLAGS))
		return EOPNOTSUPP;
	if ((attr->comp_mask & IBV_QP_INIT_ATTR_CREATE_FLAGS) &&
	    attr->create_flags)
		return EOPNOTSUPP;
	if (!(attr->comp_mask & IBV_QP_INIT_ATTR_PD) || !attr->pd)
		return EINVAL;
	return 0;
}

/*
 * Map the rings of a QP the kernel just created and take the capacities
 * it granted.  Returns 0 or an errno (EPROTO: the response breaks the ABI).
 */
static int qp_attach_rings(struct ibv_context *ibctx, struct softodp_qp *qp,
			   const struct softodp_create_qp_resp *drv,
			   enum ibv_qp_type qpt, bool on_srq)
{
	int ret;

	qp->sq_lim.qp_type = qpt;
	qp->sq_lim.max_sge = drv->max_send_sge;
	qp->sq_lim.max_inline = drv->max_inline_data;
	qp->max_recv_sge = drv->max_recv_sge;

	if (softodp_send_slot_need(drv->max_send_sge, drv->max_inline_data) >
	    UINT32_MAX)
		return EPROTO;
	ret = softodp_queue_map(ibctx, &qp->sq, &drv->sq,
				(uint32_t)softodp_send_slot_need(
					drv->max_send_sge,
					drv->max_inline_data),
				drv->max_send_wr);
	if (ret)
		return ret;
	qp->sq.index = softodp_ring_load_relaxed(&qp->sq.ring->prod);

	if (on_srq) {
		if (!softodp_queue_info_absent(&drv->rq)) {
			ret = EPROTO;
			goto err_sq;
		}
		return 0;
	}

	if (softodp_recv_slot_need(drv->max_recv_sge) > UINT32_MAX) {
		ret = EPROTO;
		goto err_sq;
	}
	ret = softodp_queue_map(ibctx, &qp->rq, &drv->rq,
				(uint32_t)softodp_recv_slot_need(
					drv->max_recv_sge),
				drv->max_recv_wr);
	if (ret)
		goto err_sq;
	qp->rq.index = softodp_ring_load_relaxed(&qp->rq.ring->prod);
	return 0;

err_sq:
	softodp_queue_unmap(&qp->sq);
	return ret;
}

static void report_caps(struct ibv_qp_cap *cap,
			const struct softodp_create_qp_resp *drv, bool on_srq)
{
	cap->max_send_wr = drv->max_send_wr;
	cap->max_send_sge = drv->max_send_sge;
	cap->max_inline_data = drv->max_inline_data;
	cap->max_recv_wr = on_srq ? 0 : drv->max_recv_wr;
	cap->max_recv_sge = on_srq ? 0 : drv->max_recv_sge;
}

struct ibv_qp *softodp_create_qp_ex(struct ibv_context *ibctx,
				    struct ibv_qp_init_attr_ex *attr)
{
	struct softodp_resp_create_qp resp;
	struct ibv_create_qp cmd;
	struct softodp_qp *qp;
	bool on_srq = attr->srq != NULL;
	int ret;

	ret = qp_check_init_attr(attr);
	if (ret) {
		errno = ret;
		return NULL;
	}

	qp = qp_alloc();
	if (!qp) {
		errno = ENOMEM;
		return NULL;
	}

	memset(&cmd, 0, sizeof(cmd));
	memset(&resp, 0, sizeof(resp));
	ret = ibv_cmd_create_qp_ex(ibctx, &qp->vqp, attr, &cmd, sizeof(cmd),
				   softodp_core_resp(&resp,
						     struct ib_uverbs_create_qp_resp),
				   sizeof(resp));
	if (ret)
		goto err_free;

	ret = qp_attach_rings(ibctx, qp, &resp.drv, attr->qp_type, on_srq);
	if (ret)
		goto err_destroy;

	report_caps(&attr->cap, &resp.drv, on_srq);
	return &qp->vqp.qp;

err_destroy:
	ibv_cmd_destroy_qp(&qp->vqp.qp);
err_free:
	qp_free(qp);
	errno = ret;
	return NULL;
}

struct ibv_qp *softodp_create_qp(struct ibv_pd *pd,
				 struct ibv_qp_init_attr *attr)
{
	struct ibv_qp_init_attr_ex attr_ex;
	struct ibv_qp *ibqp;

	memset(&attr_ex, 0, sizeof(attr_ex));
	attr_ex.qp_context = attr->qp_context;
	attr_ex.send_cq = attr->send_cq;
	attr_ex.recv_cq = attr->recv_cq;
	attr_ex.srq = attr->srq;
	attr_ex.cap = attr->cap;
	attr_ex.qp_type = attr->qp_type;
	attr_ex.sq_sig_all = attr->sq_sig_all;
	attr_ex.comp_mask = IBV_QP_INIT_ATTR_PD;
	attr_ex.pd = pd;

	ibqp = softodp_create_qp_ex(pd->context, &attr_ex);
	if (ibqp)
		attr->cap = attr_ex.cap;
	return ibqp;
}

int softodp_modify_qp(struct ibv_qp *ibqp, struct ibv_qp_attr *attr,
		      int attr_mask)
{
	struct softodp_qp *qp = to_sqp(ibqp);
	struct ibv_modify_qp cmd;
	int ret;

	memset(&cmd, 0, sizeof(cmd));
	ret = ibv_cmd_modify_qp(ibqp, attr, attr_mask, &cmd, sizeof(cmd));
	if (ret)
		return ret;
	if (attr_mask & IBV_QP_STATE)
		atomic_store_explicit(&qp->state, (int)attr->qp_state,
				      memory_order_relaxed);
	return 0;
}

int softodp_query_qp(struct ibv_qp *ibqp, struct ibv_qp_attr *attr,
		     int attr_mask, struct ibv_qp_init_attr *init_attr)
{
	struct softodp_qp *qp = to_sqp(ibqp);
	struct ibv_query_qp cmd;
	int ret;

	memset(&cmd, 0, sizeof(cmd));
	ret = ibv_cmd_query_qp(ibqp, attr, attr_mask, init_attr, &cmd,
			       sizeof(cmd));
	if (ret)
		return ret;
	/* The kernel may have moved the QP to ERR by itself. */
	atomic_store_explicit(&qp->state, (int)attr->qp_state,
			      memory_order_relaxed);
	return 0;
}

int softodp_destroy_qp(struct ibv_qp *ibqp)
{
	struct softodp_qp *qp = to_sqp(ibqp);
	int ret;

	ret = ibv_cmd_destroy_qp(ibqp);
	if (ret)
		return ret;

	softodp_queue_unmap(&qp->rq);
	softodp_queue_unmap(&qp->sq);
	qp_free(qp);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Data path                                                           */
/* ------------------------------------------------------------------ */

/* The SQ doorbell: a POST_SEND command carrying no work request. */
static int qp_sq_doorbell(struct ibv_qp *ibqp)
{
	struct ib_uverbs_post_send_resp resp;
	struct ibv_post_send cmd;
	ssize_t n;

	memset(&cmd, 0, sizeof(cmd));
	memset(&resp, 0, sizeof(resp));
	cmd.hdr.command = IB_USER_VERBS_CMD_POST_SEND;
	cmd.hdr.in_words = sizeof(cmd) / 4;
	cmd.hdr.out_words = sizeof(resp) / 4;
	cmd.core.response = (uintptr_t)&resp;
	cmd.core.qp_handle = ibqp->handle;
	cmd.core.wr_count = 0;
	cmd.core.sge_count = 0;
	/* The kernel refuses a wqe_size below its own send WR struct. */
	cmd.core.wqe_size = sizeof(struct ib_uverbs_send_wr);

	n = write(ibqp->context->cmd_fd, &cmd, sizeof(cmd));
	if (n == (ssize_t)sizeof(cmd))
		return 0;
	return n < 0 ? errno : EIO;
}

/* The RQ doorbell: a POST_RECV command carrying no work request. */
static int qp_rq_doorbell(struct ibv_qp *ibqp)
{
	struct ib_uverbs_post_recv_resp resp;
	struct ibv_post_recv cmd;
	ssize_t n;

	memset(&cmd, 0, sizeof(cmd));
	memset(&resp, 0, sizeof(resp));
	cmd.hdr.command = IB_USER_VERBS_CMD_POST_RECV;
	cmd.hdr.in_words = sizeof(cmd) / 4;
	cmd.hdr.out_words = sizeof(resp) / 4;
	cmd.core.response = (uintptr_t)&resp;
	cmd.core.qp_handle = ibqp->handle;
	cmd.core.wr_count = 0;
	cmd.core.sge_count = 0;
	cmd.core.wqe_size = sizeof(struct ib_uverbs_recv_wr);

	n = write(ibqp->context->cmd_fd, &cmd, sizeof(cmd));
	if (n == (ssize_t)sizeof(cmd))
		return 0;
	return n < 0 ? errno : EIO;
}

static bool sq_state_ok(int state)
{
	/* SQD/SQE queue up; ERR accepts and the kernel flushes. */
	return state == IBV_QPS_RTS || state == IBV_QPS_SQD ||
	       state == IBV_QPS_SQE || state == IBV_QPS_ERR;
}

int softodp_post_send(struct ibv_qp *ibqp, struct ibv_send_wr *wr,
		      struct ibv_send_wr **bad_wr)
{
	struct softodp_qp *qp = to_sqp(ibqp);
	struct softodp_queue *sq = &qp->sq;
	struct ibv_send_wr *first = wr;
	uint32_t start, cons;
	bool ring_it = false;
	int ret = 0;

	*bad_wr = NULL;
	if (!sq_state_ok(atomic_load_explicit(&qp->state,
					      memory_order_relaxed))) {
		*bad_wr = wr;
		return EINVAL;
	}

	pthread_spin_lock(&qp->sq_lock);
	start = sq->index;
	cons = softodp_ring_load_acquire(&sq->ring->cons);
	for (; wr; wr = wr->next) {
		if (softodp_ring_full(sq->index, cons, sq->cap)) {
			/* Completions may have freed slots since. */
			cons = softodp_ring_load_acquire(&sq->ring->cons);
			if (softodp_ring_full(sq->index, cons, sq->cap)) {
				ret = ENOMEM;
				break;
			}
		}
		ret = softodp_encode_send_wqe(softodp_queue_slot(sq, sq->index),
					      sq->slot_size, wr, &qp->sq_lim);
		if (ret)
			break;
		sq->index++;
	}
	if (ret)
		*bad_wr = wr;
	if (sq->index != start)
		ring_it = softodp_ring_publish_needs_doorbell(sq->ring,
							      sq->index);
	pthread_spin_unlock(&qp->sq_lock);

	if (ring_it) {
		int db = qp_sq_doorbell(ibqp);

		/*
		 * The WQEs are in the ring, but the kernel may never see
		 * them: report it (the device is most likely gone).
		 */
		if (db && !ret) {
			ret = db;
			*bad_wr = first;
		}
	}
	return ret;
}

/*
 * Post receive WQEs into a ring (RQ or SRQ); the caller holds its lock.
 * Returns the errno for *bad_wr, and in *doorbell whether the kernel asked
 * for a doorbell (SOFTODP_RING_F_DOORBELL) after this post.
 */
int softodp_post_recv_ring(struct softodp_queue *q, uint32_t max_sge,
			   struct ibv_recv_wr *wr, struct ibv_recv_wr **bad_wr,
			   bool *doorbell)
{
	uint32_t start = q->index, cons;
	int ret = 0;

	*doorbell = false;
	cons = softodp_ring_load_acquire(&q->ring->cons);
	for (; wr; wr = wr->next) {
		if (softodp_ring_full(q->index, cons, q->cap)) {
			cons = softodp_ring_load_acquire(&q->ring->cons);
			if (softodp_ring_full(q->index, cons, q->cap)) {
				ret = ENOMEM;
				break;
			}
		}
		ret = softodp_encode_recv_wqe(softodp_queue_slot(q, q->index),
					      q->slot_size, wr, max_sge);
		if (ret)
			break;
		q->index++;
	}
	if (ret)
		*bad_wr = wr;
	if (q->index != start)
		*doorbell = softodp_ring_publish_needs_doorbell(q->ring,
								q->index);
	return ret;
}

int softodp_post_recv(struct ibv_qp *ibqp, struct ibv_recv_wr *wr,
		      struct ibv_recv_wr **bad_wr)
{
	struct softodp_qp *qp = to_sqp(ibqp);
	bool ring_it;
	int ret;

	*bad_wr = NULL;
	if (!qp->rq.ring ||
	    atomic_load_explicit(&qp->state, memory_order_relaxed) ==
		    IBV_QPS_RESET) {
		*bad_wr = wr;
		return EINVAL;
	}

	pthread_spin_lock(&qp->rq_lock);
	ret = softodp_post_recv_ring(&qp->rq, qp->max_recv_sge, wr, bad_wr,
				     &ring_it);
	pthread_spin_unlock(&qp->rq_lock);

	if (ring_it) {
		int db = qp_rq_doorbell(ibqp);

		if (db && !ret) {
			ret = db;
			*bad_wr = wr;
		}
	}
	return ret;
}
