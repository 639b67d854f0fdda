// SPDX-License-Identifier: GPL-2.0
/*
 * softodp: completion queues.
 *
 * A CQ is one ring of CQEs (queue.c) that the kernel produces.  A user CQ's
 * ring is mapped by the provider, which polls it without system calls; a
 * kernel CQ's ring is polled by sod_poll_cq().  sod_cq_post() is the only
 * producer, called by the QP workers; cq->lock serialises it with the
 * kernel poller, req_notify_cq and resize_cq.
 */
#include <linux/vmalloc.h>
#include <rdma/ib_user_verbs.h>
#include <rdma/uverbs_ioctl.h>

#include "softodp.h"

/*
 * Slot of a kernel CQ: the CQE plus the ib_qp that produced it, resolved
 * when the CQE is posted (the posting QP is alive then), so that polling
 * never has to look a QP up by number.  Kernel rings are never mapped, so
 * this layout is private.
 */
struct sod_kcqe {
	struct softodp_cqe cqe;
	struct ib_qp *qp;
};

static u32 sod_cq_slot_size(bool is_user)
{
	return is_user ? sizeof(struct softodp_cqe) : sizeof(struct sod_kcqe);
}

/*
 * sod_cq_check_size - validate a requested number of CQEs.  Pure.
 */
static int sod_cq_check_size(struct sod_dev *sdev, int cqe)
{
	if (cqe < 1 || cqe > SOD_MAX_CQE) {
		sod_dbg(sdev, "cqe %d out of range\n", cqe);
		return -EINVAL;
	}
	return 0;
}

/*
 * sod_create_cq - ops.create_cq.  Process context, may sleep; @udata is
 * NULL for kernel consumers.  The CQ holds num_slots CQEs (the ring is
 * full when prod - cons == num_slots), which is what ibcq->cqe reports.
 */
static int sod_create_cq(struct ib_cq *ibcq, const struct ib_cq_init_attr *attr,
			 struct ib_udata *udata)
{
	struct sod_dev *sdev = to_sod_dev(ibcq->device);
	struct sod_cq *cq = to_sod_cq(ibcq);
	struct softodp_create_cq_resp resp = {};
	int err;

	if (attr->flags) {
		sod_dbg(sdev, "unsupported flags %#x\n", attr->flags);
		return -EOPNOTSUPP;
	}
	if (attr->comp_vector >= 1) {
		sod_dbg(sdev, "bad comp_vector %u\n", attr->comp_vector);
		return -EINVAL;
	}
	err = sod_cq_check_size(sdev, min_t(unsigned int, attr->cqe, INT_MAX));
	if (err)
		return err;
	if (udata && udata->outlen < sizeof(resp)) {
		sod_dbg(sdev, "response buffer too short (%zu)\n",
			udata->outlen);
		return -EINVAL;
	}

	spin_lock_init(&cq->lock);
	spin_lock_init(&cq->comp_lock);
	cq->notify = 0;
	cq->overflow = false;
	cq->is_user = !!udata;

	err = sod_queue_init(sdev, &cq->q, udata, attr->cqe,
			     sod_cq_slot_size(cq->is_user));
	if (err)
		return err;

	err = xa_alloc(&sdev->cq_xa, &cq->cqn, cq, XA_LIMIT(1, SOD_MAX_CQ),
		       GFP_KERNEL);
	if (err) {
		sod_dbg(sdev, "no CQ number left (%d)\n", err);
		err = err == -EBUSY ? -ENOMEM : err;
		goto err_queue;
	}

	ibcq->cqe = cq->q.mask + 1;

	if (udata) {
		resp.cq = cq->q.info;
		err = ib_copy_to_udata(udata, &resp, sizeof(resp));
		if (err)
			goto err_xa;
	}
	return 0;

err_xa:
	xa_erase(&sdev->cq_xa, cq->cqn);
err_queue:
	sod_queue_cleanup(&cq->q);
	return err;
}

/*
 * sod_destroy_cq - ops.destroy_cq.  Process context, may sleep.  No QP
 * uses the CQ any more (the core's use count), so no worker can post to
 * it or run its completion handler.
 */
static int sod_destroy_cq(struct ib_cq *ibcq, struct ib_udata *udata)
{
	struct sod_cq *cq = to_sod_cq(ibcq);

	xa_erase(&to_sod_dev(ibcq->device)->cq_xa, cq->cqn);
	sod_queue_cleanup(&cq->q);
	return 0;
}

/*
 * sod_resize_cq - ops.resize_cq.  Process context, may sleep.  Builds a
 * new ring, then under cq->lock moves the unpolled CQEs to its start
 * (new cons 0, new prod = their number) and swaps it in.  A user CQ gets
 * the new ring's description in struct softodp_resize_cq_resp; the
 * provider switches to it and unmaps the old one.  -EINVAL if the new size
 * cannot hold the pending CQEs or the old ring's consumer index is
 * impossible.
 */
static int sod_resize_cq(struct ib_cq *ibcq, int cqe, struct ib_udata *udata)
{
	struct sod_dev *sdev = to_sod_dev(ibcq->device);
	struct sod_cq *cq = to_sod_cq(ibcq);
	struct softodp_resize_cq_resp resp = {};
	struct sod_queue nq, oq;
	unsigned long flags;
	u32 cons, pending, i;
	int err;

	err = sod_cq_check_size(sdev, cqe);
	if (err)
		return err;
	if (udata && udata->outlen < sizeof(resp)) {
		sod_dbg(sdev, "response buffer too short (%zu)\n",
			udata->outlen);
		return -EINVAL;
	}
	if (!!udata != cq->is_user)
		return -EINVAL;

	err = sod_queue_init(sdev, &nq, udata, cqe,
			     sod_cq_slot_size(cq->is_user));
	if (err)
		return err;
	/*
	 * Answer before swapping: if the swap fails below, the command fails
	 * and the provider ignores what it was told.
	 */
	if (udata) {
		resp.cq = nq.info;
		err = ib_copy_to_udata(udata, &resp, sizeof(resp));
		if (err)
			goto err_nq;
	}

	spin_lock_irqsave(&cq->lock, flags);
	/* the consumer is done reading the slots it polled */
	cons = smp_load_acquire(&cq->q.ring->cons);
	pending = cq->q.index - cons;
	if (pending > cq->q.mask + 1 || pending > nq.mask + 1) {
		spin_unlock_irqrestore(&cq->lock, flags);
		sod_dbg(sdev, "%u pending CQEs do not fit in %u\n", pending,
			nq.mask + 1);
		err = -EINVAL;
		goto err_nq;
	}
	for (i = 0; i < pending; i++)
		memcpy(sod_queue_slot(&nq, i), sod_queue_slot(&cq->q, cons + i),
		       nq.slot_size);
	nq.index = pending;
	nq.ring->prod = pending;
	oq = cq->q;
	cq->q = nq;
	cq->overflow = false;
	ibcq->cqe = nq.mask + 1;
	spin_unlock_irqrestore(&cq->lock, flags);

	sod_queue_cleanup(&oq);
	return 0;

err_nq:
	sod_queue_cleanup(&nq);
	return err;
}

/*
 * sod_cqe_to_wc - convert a CQE of a kernel CQ.  @qp is the ib_qp stored
 * with it.  Any context.
 */
static void sod_cqe_to_wc(const struct softodp_cqe *cqe, struct ib_qp *qp,
			  struct ib_wc *wc)
{
	memset(wc, 0, sizeof(*wc));
	wc->wr_id = cqe->wr_id;
	wc->status = cqe->status;
	/* enum ib_wc_opcode is defined from the uverbs values CQEs carry */
	wc->opcode = cqe->opcode;
	wc->vendor_err = cqe->vendor_err;
	wc->byte_len = cqe->byte_len;
	wc->qp = qp;
	wc->src_qp = cqe->src_qp;
	wc->pkey_index = cqe->pkey_index;
	wc->sl = cqe->sl;
	wc->port_num = 1;

	if (cqe->wc_flags & SOFTODP_WC_F_GRH)
		wc->wc_flags |= IB_WC_GRH;
	if (cqe->wc_flags & SOFTODP_WC_F_WITH_IMM) {
		wc->wc_flags |= IB_WC_WITH_IMM;
		wc->ex.imm_data = (__force __be32)cqe->imm_data;
	} else if (cqe->wc_flags & SOFTODP_WC_F_WITH_INV) {
		wc->wc_flags |= IB_WC_WITH_INVALIDATE;
		wc->ex.invalidate_rkey = cqe->imm_data;
	}

	switch (cqe->network_hdr_type) {
	case SOFTODP_NETWORK_IPV4:
		wc->network_hdr_type = RDMA_NETWORK_IPV4;
		break;
	case SOFTODP_NETWORK_IPV6:
		wc->network_hdr_type = RDMA_NETWORK_IPV6;
		break;
	default:
		return;
	}
	wc->wc_flags |= IB_WC_WITH_NETWORK_HDR_TYPE | IB_WC_WITH_SMAC;
	memcpy(wc->smac, cqe->smac, ETH_ALEN);
}

/*
 * sod_poll_cq - ops.poll_cq for kernel consumers.  Any context, never
 * sleeps; takes cq->lock (irqsave).  User CQs are polled by the provider
 * from the mapped ring: their CQEs are user-writable, so the kernel does
 * not interpret them (-EOPNOTSUPP for the POLL_CQ command).
 */
static int sod_poll_cq(struct ib_cq *ibcq, int num_entries, struct ib_wc *wc)
{
	struct sod_cq *cq = to_sod_cq(ibcq);
	struct sod_dev *sdev = to_sod_dev(ibcq->device);
	const struct sod_kcqe *kcqe;
	unsigned long flags;
	struct ib_qp *qp;
	int n = 0;
	u32 cons;

	if (cq->is_user)
		return -EOPNOTSUPP;

	spin_lock_irqsave(&cq->lock, flags);
	cons = cq->q.ring->cons;
	while (n < num_entries && cons != cq->q.index) {
		kcqe = sod_queue_slot(&cq->q, cons);
		qp = kcqe->qp;
		if (!qp) {
			struct sod_qp *sqp;

			rcu_read_lock();
			sqp = xa_load(&sdev->qp_xa, kcqe->cqe.qp_num);
			qp = sqp ? &sqp->ibqp : NULL;
			rcu_read_unlock();
		}
		sod_cqe_to_wc(&kcqe->cqe, qp, &wc[n]);
		n++;
		cons++;
	}
	/* kernel CQ; release like any consumer (see queue.c) */
	smp_store_release(&cq->q.ring->cons, cons);
	spin_unlock_irqrestore(&cq->lock, flags);
	return n;
}

/*
 * sod_req_notify_cq - ops.req_notify_cq (kernel consumers and the uverbs
 * REQ_NOTIFY_CQ command).  Any context, never sleeps; takes cq->lock
 * (irqsave).  With IB_CQ_REPORT_MISSED_EVENTS returns 1 when CQEs are
 * waiting to be polled.
 */
static int sod_req_notify_cq(struct ib_cq *ibcq, enum ib_cq_notify_flags flags)
{
	struct sod_cq *cq = to_sod_cq(ibcq);
	unsigned long irqflags;
	int ret = 0;

	spin_lock_irqsave(&cq->lock, irqflags);
	if (flags & IB_CQ_NEXT_COMP)
		cq->notify = IB_CQ_NEXT_COMP;
	else if ((flags & IB_CQ_SOLICITED) && cq->notify != IB_CQ_NEXT_COMP)
		cq->notify = IB_CQ_SOLICITED;
	if ((flags & IB_CQ_REPORT_MISSED_EVENTS) &&
	    cq->q.index != READ_ONCE(cq->q.ring->cons))
		ret = 1;
	spin_unlock_irqrestore(&cq->lock, irqflags);
	return ret;
}

/*
 * sod_cq_event - dispatch an asynchronous event of @cq.  Any context; no
 * lock of the CQ held.
 */
static void sod_cq_event(struct sod_cq *cq, enum ib_event_type type)
{
	struct ib_event ev = {
		.device = cq->ibcq.device,
		.element.cq = &cq->ibcq,
		.event = type,
	};

	if (cq->ibcq.event_handler)
		cq->ibcq.event_handler(&ev, cq->ibcq.cq_context);
}

/*
 * sod_cq_post - append @cqe to @cq and run the completion handler if the
 * CQ was armed for it (IB_CQ_NEXT_COMP; IB_CQ_SOLICITED for a @solicited
 * or unsuccessful completion).  The arming is consumed.  A full CQ loses
 * the CQE: IB_EVENT_CQ_ERR is dispatched (once) and -EOVERFLOW returned.
 *
 * Any context, never sleeps.  Takes cq->lock (irqsave), then, released,
 * cq->comp_lock around the handler so that a CQ runs one handler at a
 * time.  For a kernel CQ the QP numbered cqe->qp_num must be in qp_xa
 * (the caller is that QP's worker).
 */
int sod_cq_post(struct sod_cq *cq, const struct softodp_cqe *cqe,
		bool solicited)
{
	struct sod_dev *sdev = to_sod_dev(cq->ibcq.device);
	struct ib_qp *qp = NULL;
	bool overflow_event = false;
	bool comp_event = false;
	unsigned long flags;
	void *slot;
	int err = 0;

	if (!cq->is_user) {
		struct sod_qp *sqp;

		rcu_read_lock();
		sqp = xa_load(&sdev->qp_xa, cqe->qp_num);
		qp = sqp ? &sqp->ibqp : NULL;
		rcu_read_unlock();
	}

	spin_lock_irqsave(&cq->lock, flags);
	if (!sod_queue_producer_space(&cq->q)) {
		if (!cq->overflow) {
			cq->overflow = true;
			overflow_event = true;
		}
		err = -EOVERFLOW;
		goto unlock;
	}
	slot = sod_queue_slot(&cq->q, cq->q.index);
	memcpy(slot, cqe, sizeof(*cqe));
	if (!cq->is_user)
		((struct sod_kcqe *)slot)->qp = qp;
	sod_queue_produce(&cq->q);

	if (cq->notify == IB_CQ_NEXT_COMP ||
	    (cq->notify == IB_CQ_SOLICITED &&
	     (solicited || cqe->status != IB_WC_SUCCESS))) {
		cq->notify = 0;
		comp_event = true;
	}
unlock:
	spin_unlock_irqrestore(&cq->lock, flags);

	if (overflow_event) {
		sod_dbg(sdev, "CQ %u overflow\n", cq->cqn);
		sod_cq_event(cq, IB_EVENT_CQ_ERR);
	}
	if (comp_event && cq->ibcq.comp_handler) {
		spin_lock_irqsave(&cq->comp_lock, flags);
		cq->ibcq.comp_handler(&cq->ibcq, cq->ibcq.cq_context);
		spin_unlock_irqrestore(&cq->comp_lock, flags);
	}
	return err;
}

const struct ib_device_ops sod_cq_ops = {
	.create_cq = sod_create_cq,
	.destroy_cq = sod_destroy_cq,
	.poll_cq = sod_poll_cq,
	.req_notify_cq = sod_req_notify_cq,
	.resize_cq = sod_resize_cq,

	INIT_RDMA_OBJ_SIZE(ib_cq, sod_cq, ibcq),
};
