// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Shared receive queues (basic SRQs only): control path through uverbs
 * commands, receive WQEs through the SRQ ring without system calls.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "softodp.h"

static struct ibv_srq *srq_create(struct ibv_pd *pd,
				  struct ibv_srq_init_attr *attr)
{
	struct softodp_resp_create_srq resp;
	struct ibv_create_srq cmd;
	struct softodp_srq *srq;
	int ret;

	srq = calloc(1, sizeof(*srq));
	if (!srq) {
		errno = ENOMEM;
		return NULL;
	}
	if (pthread_spin_init(&srq->lock, PTHREAD_PROCESS_PRIVATE)) {
		free(srq);
		errno = ENOMEM;
		return NULL;
	}

	memset(&cmd, 0, sizeof(cmd));
	memset(&resp, 0, sizeof(resp));
	ret = ibv_cmd_create_srq(pd, &srq->vsrq.srq, attr, &cmd, sizeof(cmd),
				 softodp_core_resp(&resp,
						   struct ib_uverbs_create_srq_resp),
				 sizeof(resp));
	if (ret)
		goto err_free;

	if (softodp_recv_slot_need(resp.drv.max_sge) > UINT32_MAX) {
		ret = EPROTO;
		goto err_destroy;
	}
	ret = softodp_queue_map(pd->context, &srq->q, &resp.drv.rq,
				(uint32_t)softodp_recv_slot_need(
					resp.drv.max_sge),
				resp.drv.max_wr);
	if (ret)
		goto err_destroy;
	srq->q.index = softodp_ring_load_relaxed(&srq->q.ring->prod);
	srq->max_sge = resp.drv.max_sge;
	srq->srq_num = resp.drv.srq_num;
	srq->vsrq.srq_type = IBV_SRQT_BASIC;
	srq->vsrq.srq_num = resp.drv.srq_num;

	attr->attr.max_wr = resp.drv.max_wr;
	attr->attr.max_sge = resp.drv.max_sge;
	return &srq->vsrq.srq;

err_destroy:
	ibv_cmd_destroy_srq(&srq->vsrq.srq);
err_free:
	pthread_spin_destroy(&srq->lock);
	free(srq);
	errno = ret;
	return NULL;
}

struct ibv_srq *softodp_create_srq(struct ibv_pd *pd,
				   struct ibv_srq_init_attr *attr)
{
	return srq_create(pd, attr);
}

struct ibv_srq *softodp_create_srq_ex(struct ibv_context *ibctx,
				      struct ibv_srq_init_attr_ex *attr)
{
	struct ibv_srq_init_attr basic;
	struct ibv_srq *ibsrq;

	(void)ibctx;
	if (attr->comp_mask & ~(uint32_t)(IBV_SRQ_INIT_ATTR_PD |
					  IBV_SRQ_INIT_ATTR_TYPE)) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	if ((attr->comp_mask & IBV_SRQ_INIT_ATTR_TYPE) &&
	    attr->srq_type != IBV_SRQT_BASIC) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	if (!(attr->comp_mask & IBV_SRQ_INIT_ATTR_PD) || !attr->pd) {
		errno = EINVAL;
		return NULL;
	}

	memset(&basic, 0, sizeof(basic));
	basic.srq_context = attr->srq_context;
	basic.attr = attr->attr;
	ibsrq = srq_create(attr->pd, &basic);
	if (!ibsrq)
		return NULL;

	/* What ibv_create_srq() does for the basic path. */
	ibsrq->context = attr->pd->context;
	ibsrq->srq_context = attr->srq_context;
	ibsrq->pd = attr->pd;
	ibsrq->events_completed = 0;
	pthread_mutex_init(&ibsrq->mutex, NULL);
	pthread_cond_init(&ibsrq->cond, NULL);

	attr->attr = basic.attr;
	return ibsrq;
}

int softodp_modify_srq(struct ibv_srq *ibsrq, struct ibv_srq_attr *attr,
		       int attr_mask)
{
	struct ibv_modify_srq cmd;

	/* The ring cannot be resized (see softodp-abi.h). */
	if (attr_mask & IBV_SRQ_MAX_WR)
		return EOPNOTSUPP;

	memset(&cmd, 0, sizeof(cmd));
	return ibv_cmd_modify_srq(ibsrq, attr, attr_mask, &cmd, sizeof(cmd));
}

int softodp_query_srq(struct ibv_srq *ibsrq, struct ibv_srq_attr *attr)
{
	struct ibv_query_srq cmd;

	memset(&cmd, 0, sizeof(cmd));
	return ibv_cmd_query_srq(ibsrq, attr, &cmd, sizeof(cmd));
}

int softodp_destroy_srq(struct ibv_srq *ibsrq)
{
	struct softodp_srq *srq = to_ssrq(ibsrq);
	int ret;

	ret = ibv_cmd_destroy_srq(ibsrq);
	if (ret)
		return ret;

	softodp_queue_unmap(&srq->q);
	pthread_spin_destroy(&srq->lock);
	free(srq);
	return 0;
}

int softodp_post_srq_recv(struct ibv_srq *ibsrq, struct ibv_recv_wr *wr,
			  struct ibv_recv_wr **bad_wr)
{
	struct softodp_srq *srq = to_ssrq(ibsrq);
	bool unused;
	int ret;

	/*
	 * No doorbell: an SRQ is only read by responders that look for a
	 * WQE when a message arrives (no flush, no flag from the kernel).
	 */
	*bad_wr = NULL;
	pthread_spin_lock(&srq->lock);
	ret = softodp_post_recv_ring(&srq->q, srq->max_sge, wr, bad_wr,
				     &unused);
	pthread_spin_unlock(&srq->lock);
	return ret;
}
