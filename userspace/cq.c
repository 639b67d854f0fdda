// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Completion queues: created, resized and destroyed by uverbs commands;
 * polled from the CQ ring without system calls.
 *
 * The kernel writes CQEs and store-releases prod; we load-acquire prod,
 * copy the CQEs out and store-release cons, under the CQ's spinlock so
 * any number of threads may poll one CQ.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "softodp.h"

/* Completion flags the extended CQ can report (all of the standard ones). */
#define SOFTODP_CQ_EX_WC_FLAGS                                              \
	(IBV_WC_EX_WITH_BYTE_LEN | IBV_WC_EX_WITH_IMM |                     \
	 IBV_WC_EX_WITH_QP_NUM | IBV_WC_EX_WITH_SRC_QP |                    \
	 IBV_WC_EX_WITH_SLID | IBV_WC_EX_WITH_SL |                          \
	 IBV_WC_EX_WITH_DLID_PATH_BITS)

/* Map the ring of a new CQ and start consuming where the kernel says. */
static int cq_attach_ring(struct ibv_context *ibctx, struct softodp_cq *cq,
			  const struct softodp_queue_info *qi)
{
	int ret;

	ret = softodp_queue_map(ibctx, &cq->q, qi, sizeof(struct softodp_cqe),
				qi->num_slots);
	if (ret)
		return ret;
	cq->q.index = softodp_ring_load_relaxed(&cq->q.ring->cons);
	return 0;
}

static struct softodp_cq *cq_alloc(void)
{
	struct softodp_cq *cq = calloc(1, sizeof(*cq));

	if (!cq)
		return NULL;
	if (pthread_spin_init(&cq->lock, PTHREAD_PROCESS_PRIVATE)) {
		free(cq);
		return NULL;
	}
	return cq;
}

static void cq_free(struct softodp_cq *cq)
{
	pthread_spin_destroy(&cq->lock);
	free(cq);
}

struct ibv_cq *softodp_create_cq(struct ibv_context *ibctx, int cqe,
				 struct ibv_comp_channel *channel,
				 int comp_vector)
{
	struct softodp_resp_create_cq resp;
	struct ibv_create_cq cmd;
	struct softodp_cq *cq;
	int ret;

	cq = cq_alloc();
	if (!cq) {
		errno = ENOMEM;
		return NULL;
	}

	memset(&cmd, 0, sizeof(cmd));
	memset(&resp, 0, sizeof(resp));
	ret = ibv_cmd_create_cq(ibctx, cqe, channel, comp_vector, &cq->vcq.cq,
				&cmd, sizeof(cmd),
				softodp_core_resp(&resp,
						  struct ib_uverbs_create_cq_resp),
				sizeof(resp));
	if (ret)
		goto err_free;

	ret = cq_attach_ring(ibctx, cq, &resp.drv.cq);
	if (ret)
		goto err_destroy;
	return &cq->vcq.cq;

err_destroy:
	ibv_cmd_destroy_cq(&cq->vcq.cq);
err_free:
	cq_free(cq);
	errno = ret;
	return NULL;
}

int softodp_destroy_cq(struct ibv_cq *ibcq)
{
	struct softodp_cq *cq = to_scq(ibcq);
	int ret;

	ret = ibv_cmd_destroy_cq(ibcq);
	if (ret)
		return ret;

	softodp_queue_unmap(&cq->q);
	cq_free(cq);
	return 0;
}

/*
 * Resize: the kernel moves the unpolled CQEs to a new ring and returns it;
 * we switch to it with the lock held, so no poller reads either ring
 * meanwhile and the cons the kernel read from the old ring is final.
 */
int softodp_resize_cq(struct ibv_cq *ibcq, int cqe)
{
	struct softodp_cq *cq = to_scq(ibcq);
	struct softodp_resp_resize_cq resp;
	struct softodp_queue old;
	struct ibv_resize_cq cmd;
	int ret;

	memset(&cmd, 0, sizeof(cmd));
	memset(&resp, 0, sizeof(resp));

	pthread_spin_lock(&cq->lock);
	ret = ibv_cmd_resize_cq(ibcq, cqe, &cmd, sizeof(cmd),
				softodp_core_resp(&resp,
						  struct ib_uverbs_resize_cq_resp),
				sizeof(resp));
	if (!ret) {
		old = cq->q;
		ret = cq_attach_ring(ibcq->context, cq, &resp.drv.cq);
		if (ret)
			cq->q = old;	/* the kernel switched; nothing to poll */
		else
			softodp_queue_unmap(&old);
		cq->cur_valid = false;
	}
	pthread_spin_unlock(&cq->lock);
	return ret;
}

int softodp_req_notify_cq(struct ibv_cq *ibcq, int solicited_only)
{
	return ibv_cmd_req_notify_cq(ibcq, solicited_only);
}

/* Is there a CQE at our consumer index?  Called with the lock held. */
static const struct softodp_cqe *cq_peek(struct softodp_cq *cq)
{
	uint32_t prod = softodp_ring_load_acquire(&cq->q.ring->prod);

	if (softodp_ring_empty(prod, cq->q.index))
		return NULL;
	return softodp_queue_slot(&cq->q, cq->q.index);
}

int softodp_poll_cq(struct ibv_cq *ibcq, int ne, struct ibv_wc *wc)
{
	struct softodp_cq *cq = to_scq(ibcq);
	uint32_t prod, start;
	int n = 0;

	pthread_spin_lock(&cq->lock);
	prod = softodp_ring_load_acquire(&cq->q.ring->prod);
	start = cq->q.index;
	while (n < ne && !softodp_ring_empty(prod, cq->q.index)) {
		struct softodp_cqe cqe;

		memcpy(&cqe, softodp_queue_slot(&cq->q, cq->q.index),
		       sizeof(cqe));
		softodp_cqe_to_wc(&cqe, &wc[n]);
		cq->q.index++;
		n++;
	}
	if (cq->q.index != start)
		softodp_ring_store_release(&cq->q.ring->cons, cq->q.index);
	pthread_spin_unlock(&cq->lock);
	return n;
}

/* ------------------------------------------------------------------ */
/* Extended CQ: ibv_start_poll / ibv_next_poll / ibv_end_poll          */
/* ------------------------------------------------------------------ */

/* Load the CQE at the consumer index into cur; false if there is none. */
static bool cq_ex_load(struct softodp_cq *cq)
{
	const struct softodp_cqe *cqe = cq_peek(cq);

	cq->cur_valid = cqe != NULL;
	if (!cqe)
		return false;
	memcpy(&cq->cur, cqe, sizeof(cq->cur));
	cq->vcq.cq_ex.wr_id = cq->cur.wr_id;
	cq->vcq.cq_ex.status = (enum ibv_wc_status)cq->cur.status;
	return true;
}

/* Give the current CQE's slot back to the kernel. */
static void cq_ex_consume(struct softodp_cq *cq)
{
	if (!cq->cur_valid)
		return;
	cq->cur_valid = false;
	cq->q.index++;
	softodp_ring_store_release(&cq->q.ring->cons, cq->q.index);
}

static int cq_ex_start_poll(struct ibv_cq_ex *ibcq,
			    struct ibv_poll_cq_attr *attr)
{
	struct softodp_cq *cq = to_scq_ex(ibcq);

	if (attr->comp_mask)
		return EINVAL;

	pthread_spin_lock(&cq->lock);
	if (!cq_ex_load(cq)) {
		/* ibv_end_poll() is not called after ENOENT here. */
		pthread_spin_unlock(&cq->lock);
		return ENOENT;
	}
	return 0;
}

static int cq_ex_next_poll(struct ibv_cq_ex *ibcq)
{
	struct softodp_cq *cq = to_scq_ex(ibcq);

	cq_ex_consume(cq);
	return cq_ex_load(cq) ? 0 : ENOENT;
}

static void cq_ex_end_poll(struct ibv_cq_ex *ibcq)
{
	struct softodp_cq *cq = to_scq_ex(ibcq);

	cq_ex_consume(cq);
	pthread_spin_unlock(&cq->lock);
}

static enum ibv_wc_opcode cq_ex_read_opcode(struct ibv_cq_ex *ibcq)
{
	return (enum ibv_wc_opcode)to_scq_ex(ibcq)->cur.opcode;
}

static uint32_t cq_ex_read_vendor_err(struct ibv_cq_ex *ibcq)
{
	return to_scq_ex(ibcq)->cur.vendor_err;
}

static uint32_t cq_ex_read_byte_len(struct ibv_cq_ex *ibcq)
{
	return to_scq_ex(ibcq)->cur.byte_len;
}

/* Also what ibv_wc_read_invalidated_rkey() reads (WITH_INV). */
static __be32 cq_ex_read_imm_data(struct ibv_cq_ex *ibcq)
{
	return (__be32)to_scq_ex(ibcq)->cur.imm_data;
}

static uint32_t cq_ex_read_qp_num(struct ibv_cq_ex *ibcq)
{
	return to_scq_ex(ibcq)->cur.qp_num;
}

static uint32_t cq_ex_read_src_qp(struct ibv_cq_ex *ibcq)
{
	return to_scq_ex(ibcq)->cur.src_qp;
}

static unsigned int cq_ex_read_wc_flags(struct ibv_cq_ex *ibcq)
{
	return softodp_wc_flags_to_ibv(to_scq_ex(ibcq)->cur.wc_flags);
}

static uint32_t cq_ex_read_slid(struct ibv_cq_ex *ibcq)
{
	(void)ibcq;
	return 0;	/* RoCE: no LIDs */
}

static uint8_t cq_ex_read_sl(struct ibv_cq_ex *ibcq)
{
	return to_scq_ex(ibcq)->cur.sl;
}

static uint8_t cq_ex_read_dlid_path_bits(struct ibv_cq_ex *ibcq)
{
	(void)ibcq;
	return 0;
}

struct ibv_cq_ex *softodp_create_cq_ex(struct ibv_context *ibctx,
				       struct ibv_cq_init_attr_ex *attr)
{
	struct softodp_resp_create_cq_ex resp;
	struct ibv_create_cq_ex cmd;
	struct ibv_cq_ex *ex;
	struct softodp_cq *cq;
	int ret;

	if (attr->wc_flags & ~(uint64_t)SOFTODP_CQ_EX_WC_FLAGS) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	if (attr->comp_mask & ~(uint32_t)IBV_CQ_INIT_ATTR_MASK_FLAGS) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	if ((attr->comp_mask & IBV_CQ_INIT_ATTR_MASK_FLAGS) &&
	    (attr->flags & ~(uint32_t)IBV_CREATE_CQ_ATTR_SINGLE_THREADED)) {
		errno = EOPNOTSUPP;
		return NULL;
	}

	cq = cq_alloc();
	if (!cq) {
		errno = ENOMEM;
		return NULL;
	}

	memset(&cmd, 0, sizeof(cmd));
	memset(&resp, 0, sizeof(resp));
	ret = ibv_cmd_create_cq_ex(ibctx, attr, &cq->vcq, &cmd, sizeof(cmd),
				   softodp_core_resp(&resp,
						     struct ib_uverbs_ex_create_cq_resp),
				   sizeof(resp), 0);
	if (ret)
		goto err_free;

	ret = cq_attach_ring(ibctx, cq, &resp.drv.cq);
	if (ret)
		goto err_destroy;

	ex = &cq->vcq.cq_ex;
	ex->start_poll = cq_ex_start_poll;
	ex->next_poll = cq_ex_next_poll;
	ex->end_poll = cq_ex_end_poll;
	ex->read_opcode = cq_ex_read_opcode;
	ex->read_vendor_err = cq_ex_read_vendor_err;
	ex->read_wc_flags = cq_ex_read_wc_flags;
	ex->read_byte_len = cq_ex_read_byte_len;
	ex->read_imm_data = cq_ex_read_imm_data;
	ex->read_qp_num = cq_ex_read_qp_num;
	ex->read_src_qp = cq_ex_read_src_qp;
	ex->read_slid = cq_ex_read_slid;
	ex->read_sl = cq_ex_read_sl;
	ex->read_dlid_path_bits = cq_ex_read_dlid_path_bits;
	return ex;

err_destroy:
	ibv_cmd_destroy_cq(&cq->vcq.cq);
err_free:
	cq_free(cq);
	errno = ret;
	return NULL;
}
