// SPDX-License-Identifier: GPL-2.0
/*
 * softodp: shared receive queues.
 *
 * An SRQ is one ring of receive WQEs (queue.c).  The provider (user SRQ)
 * or sod_post_srq_recv() (kernel SRQ) produces them; the workers of the
 * QPs that share the SRQ consume them with sod_srq_pop().  srq->lock
 * serialises the consumers with each other, with the kernel producer and
 * with limit updates.  It is taken with interrupts disabled because kernel
 * consumers may post receives from any context.
 */
#include <rdma/ib_user_verbs.h>
#include <rdma/uverbs_ioctl.h>

#include "softodp.h"

static u32 sod_srq_slot_size(u32 max_sge)
{
	return sizeof(struct softodp_recv_wqe) +
	       max_sge * sizeof(struct softodp_sge);
}

/*
 * sod_srq_event - dispatch an asynchronous event of @srq.  Any context; no
 * lock of the SRQ held.
 */
static void sod_srq_event(struct sod_srq *srq, enum ib_event_type type)
{
	struct ib_event ev = {
		.device = srq->ibsrq.device,
		.element.srq = &srq->ibsrq,
		.event = type,
	};

	if (srq->ibsrq.event_handler)
		srq->ibsrq.event_handler(&ev, srq->ibsrq.srq_context);
}

/*
 * sod_create_srq - ops.create_srq.  Process context, may sleep; @udata is
 * NULL for kernel consumers.  The granted capacities (max_wr: the ring's
 * slots; max_sge) are written back to @init->attr.  srq_limit is ignored
 * at creation, as the verbs specify; modify_srq arms it.
 */
static int sod_create_srq(struct ib_srq *ibsrq, struct ib_srq_init_attr *init,
			  struct ib_udata *udata)
{
	struct sod_dev *sdev = to_sod_dev(ibsrq->device);
	struct sod_srq *srq = to_sod_srq(ibsrq);
	struct softodp_create_srq_resp resp = {};
	u32 max_sge;
	int err;

	if (init->srq_type != IB_SRQT_BASIC) {
		sod_dbg(sdev, "unsupported SRQ type %d\n", init->srq_type);
		return -EOPNOTSUPP;
	}
	if (!init->attr.max_wr || init->attr.max_wr > SOD_MAX_SRQ_WR ||
	    init->attr.max_sge > SOD_MAX_SGE) {
		sod_dbg(sdev, "max_wr %u / max_sge %u out of range\n",
			init->attr.max_wr, init->attr.max_sge);
		return -EINVAL;
	}
	if (udata && udata->outlen < sizeof(resp)) {
		sod_dbg(sdev, "response buffer too short (%zu)\n",
			udata->outlen);
		return -EINVAL;
	}

	max_sge = max(init->attr.max_sge, 1U);
	spin_lock_init(&srq->lock);
	srq->limit = 0;
	srq->is_user = !!udata;

	err = sod_queue_init(sdev, &srq->q, udata, init->attr.max_wr,
			     sod_srq_slot_size(max_sge));
	if (err)
		return err;
	srq->max_wr = srq->q.mask + 1;
	/* Use every SGE the rounded-up slot has room for. */
	srq->max_sge = min_t(u32, SOD_MAX_SGE,
			     (srq->q.slot_size -
			      sizeof(struct softodp_recv_wqe)) /
			     sizeof(struct softodp_sge));

	err = xa_alloc(&sdev->srq_xa, &srq->srqn, srq,
		       XA_LIMIT(1, SOD_MAX_SRQ), GFP_KERNEL);
	if (err) {
		sod_dbg(sdev, "no SRQ number left (%d)\n", err);
		err = err == -EBUSY ? -ENOMEM : err;
		goto err_queue;
	}

	if (udata) {
		resp.rq = srq->q.info;
		resp.srq_num = srq->srqn;
		resp.max_wr = srq->max_wr;
		resp.max_sge = srq->max_sge;
		err = ib_copy_to_udata(udata, &resp, sizeof(resp));
		if (err)
			goto err_xa;
	}

	init->attr.max_wr = srq->max_wr;
	init->attr.max_sge = srq->max_sge;
	init->attr.srq_limit = 0;
	return 0;

err_xa:
	xa_erase(&sdev->srq_xa, srq->srqn);
err_queue:
	sod_queue_cleanup(&srq->q);
	return err;
}

/*
 * sod_modify_srq - ops.modify_srq.  Process context.  IB_SRQ_LIMIT arms
 * the limit event (0 disarms); resizing (IB_SRQ_MAX_WR) is not supported.
 * Takes srq->lock.
 */
static int sod_modify_srq(struct ib_srq *ibsrq, struct ib_srq_attr *attr,
			  enum ib_srq_attr_mask mask, struct ib_udata *udata)
{
	struct sod_dev *sdev = to_sod_dev(ibsrq->device);
	struct sod_srq *srq = to_sod_srq(ibsrq);
	unsigned long flags;

	if (mask & ~(IB_SRQ_MAX_WR | IB_SRQ_LIMIT))
		return -EINVAL;
	if (mask & IB_SRQ_MAX_WR) {
		sod_dbg(sdev, "SRQ resize is not supported\n");
		return -EOPNOTSUPP;
	}
	if (mask & IB_SRQ_LIMIT) {
		if (attr->srq_limit >= srq->max_wr) {
			sod_dbg(sdev, "srq_limit %u >= max_wr %u\n",
				attr->srq_limit, srq->max_wr);
			return -EINVAL;
		}
		spin_lock_irqsave(&srq->lock, flags);
		srq->limit = attr->srq_limit;
		spin_unlock_irqrestore(&srq->lock, flags);
	}
	return 0;
}

/* ops.query_srq.  Process context; takes srq->lock. */
static int sod_query_srq(struct ib_srq *ibsrq, struct ib_srq_attr *attr)
{
	struct sod_srq *srq = to_sod_srq(ibsrq);
	unsigned long flags;

	attr->max_wr = srq->max_wr;
	attr->max_sge = srq->max_sge;
	spin_lock_irqsave(&srq->lock, flags);
	attr->srq_limit = srq->limit;
	spin_unlock_irqrestore(&srq->lock, flags);
	return 0;
}

/*
 * sod_destroy_srq - ops.destroy_srq.  Process context, may sleep.  No QP
 * uses the SRQ any more (the core's use count), so nothing pops from it.
 */
static int sod_destroy_srq(struct ib_srq *ibsrq, struct ib_udata *udata)
{
	struct sod_srq *srq = to_sod_srq(ibsrq);

	xa_erase(&to_sod_dev(ibsrq->device)->srq_xa, srq->srqn);
	sod_queue_cleanup(&srq->q);
	return 0;
}

/*
 * sod_post_srq_recv - ops.post_srq_recv for kernel consumers: write each
 * work request into the ring and publish it.  Any context, never sleeps;
 * takes srq->lock (irqsave).  -EINVAL for too many SGEs, -ENOMEM when the
 * ring is full; *@bad_wr is the first request not posted.
 */
static int sod_post_srq_recv(struct ib_srq *ibsrq,
			     const struct ib_recv_wr *wr,
			     const struct ib_recv_wr **bad_wr)
{
	struct sod_srq *srq = to_sod_srq(ibsrq);
	struct softodp_recv_wqe *wqe;
	struct softodp_sge *sge;
	struct softodp_ring *ring;
	unsigned long flags;
	u32 prod;
	int err = 0;
	int i;

	if (srq->is_user) {
		*bad_wr = wr;
		return -EINVAL;
	}

	spin_lock_irqsave(&srq->lock, flags);
	ring = srq->q.ring;
	/* kernel SRQ: the kernel owns both indices, prod lives in the ring */
	prod = ring->prod;
	for (; wr; wr = wr->next) {
		if (wr->num_sge < 0 || (u32)wr->num_sge > srq->max_sge) {
			err = -EINVAL;
			break;
		}
		if (prod - srq->q.index >= srq->q.mask + 1) {
			err = -ENOMEM;
			break;
		}
		wqe = sod_queue_slot(&srq->q, prod);
		wqe->wr_id = wr->wr_id;
		wqe->num_sge = wr->num_sge;
		wqe->reserved = 0;
		sge = (struct softodp_sge *)(wqe + 1);
		for (i = 0; i < wr->num_sge; i++) {
			sge[i].addr = wr->sg_list[i].addr;
			sge[i].length = wr->sg_list[i].length;
			sge[i].lkey = wr->sg_list[i].lkey;
		}
		prod++;
		/* the WQE is visible before the new prod */
		smp_store_release(&ring->prod, prod);
	}
	spin_unlock_irqrestore(&srq->lock, flags);

	if (err)
		*bad_wr = wr;
	return err;
}

/*
 * sod_srq_pop - take the oldest receive WQE of @srq: its header into
 * @wqe and its SGEs into @sge (room for SOD_MAX_SGE).  Fields are read
 * once from the ring and validated here, so a provider that rewrites a
 * slot cannot change what the caller uses.  Raises
 * IB_EVENT_SRQ_LIMIT_REACHED when fewer than the armed limit remain (and
 * disarms it).
 *
 * Returns 0, -ENOENT when the SRQ is empty, or -EINVAL when the ring is
 * broken (a producer index beyond capacity, or a WQE with too many SGEs):
 * the caller treats that as a fatal error of the queue.
 * Called by QP workers (process context); never sleeps; takes srq->lock
 * (irqsave).
 */
int sod_srq_pop(struct sod_srq *srq, struct softodp_recv_wqe *wqe,
		struct softodp_sge *sge)
{
	const struct softodp_recv_wqe *slot;
	const struct softodp_sge *ssge;
	bool limit_event = false;
	unsigned long flags;
	u32 avail, num_sge, i;
	int err = 0;

	spin_lock_irqsave(&srq->lock, flags);
	avail = sod_queue_consumer_avail(&srq->q);
	if (!avail) {
		err = -ENOENT;
		goto unlock;
	}
	if (avail > srq->q.mask + 1) {
		err = -EINVAL;
		goto unlock;
	}

	slot = sod_queue_slot(&srq->q, srq->q.index);
	num_sge = READ_ONCE(slot->num_sge);
	if (num_sge > srq->max_sge) {
		err = -EINVAL;
		goto unlock;
	}
	wqe->wr_id = READ_ONCE(slot->wr_id);
	wqe->num_sge = num_sge;
	wqe->reserved = 0;
	ssge = (const struct softodp_sge *)(slot + 1);
	for (i = 0; i < num_sge; i++) {
		sge[i].addr = READ_ONCE(ssge[i].addr);
		sge[i].length = READ_ONCE(ssge[i].length);
		sge[i].lkey = READ_ONCE(ssge[i].lkey);
	}
	sod_queue_consume(&srq->q);

	if (srq->limit && avail - 1 < srq->limit) {
		srq->limit = 0;
		limit_event = true;
	}
unlock:
	spin_unlock_irqrestore(&srq->lock, flags);

	if (limit_event)
		sod_srq_event(srq, IB_EVENT_SRQ_LIMIT_REACHED);
	return err;
}

const struct ib_device_ops sod_srq_ops = {
	.create_srq = sod_create_srq,
	.destroy_srq = sod_destroy_srq,
	.modify_srq = sod_modify_srq,
	.post_srq_recv = sod_post_srq_recv,
	.query_srq = sod_query_srq,

	INIT_RDMA_OBJ_SIZE(ib_srq, sod_srq, ibsrq),
};
