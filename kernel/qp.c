// SPDX-License-Identifier: GPL-2.0
/*
 * softodp: queue pair verbs, the QP state machine, the posting verbs for
 * kernel consumers, and the per-QP work item that runs the protocol
 * engine (req.c, comp.c, resp.c).  See docs/datapath.md.
 */
#include <linux/vmalloc.h>
#include <rdma/ib_cache.h>
#include <rdma/ib_mad.h>
#include <rdma/uverbs_ioctl.h>

#include "qp.h"

struct workqueue_struct *sod_wq;

/* ------------------------------------------------------------------ */
/* Lookup and references                                                */
/* ------------------------------------------------------------------ */

/*
 * sod_qp_get_rcu - the QP numbered @qpn, referenced, or NULL.  Caller holds
 * rcu_read_lock(); any context.
 */
struct sod_qp *sod_qp_get_rcu(struct sod_dev *sdev, u32 qpn)
{
	struct sod_qp *qp = xa_load(&sdev->qp_xa, qpn);

	if (!qp || !refcount_inc_not_zero(&qp->ref))
		return NULL;
	return qp;
}

/* sod_qp_put - drop a reference from sod_qp_get_rcu().  Any context. */
void sod_qp_put(struct sod_qp *qp)
{
	if (refcount_dec_and_test(&qp->ref))
		complete(&qp->ref_done);
}

/*
 * sod_qp_kick - have the work item of @qp's unit @id run a pass.  Any
 * context.
 */
void sod_qp_kick(struct sod_qp *qp, enum sod_unit_id id)
{
	sod_qp_want(qp, id);
	queue_work(sod_wq, &qp->unit[id].work);
}

/*
 * sod_unit_own - take unit @u's owner bit, which the receive softirq's
 * fast paths (sod_resp_fast(), sod_comp_fast()) only ever try: spin while
 * a softirq on another CPU holds it (it never sleeps and never waits, so
 * this is short).  Kept while the holder sleeps (an ODP fault): the
 * softirq then queues its packet instead.  Process context, @u's mutex
 * held (so only softirqs compete).
 */
static void sod_unit_own(struct sod_unit *u)
{
	lockdep_assert_held(&u->mutex);
	while (test_and_set_bit_lock(SOD_QP_EV_OWNED + u->id, &u->qp->events))
		cpu_relax();
}

/* sod_unit_disown - give the bit back, before the unit's mutex. */
static void sod_unit_disown(struct sod_unit *u)
{
	clear_bit_unlock(SOD_QP_EV_OWNED + u->id, &u->qp->events);
}

/*
 * sod_qp_lock - take both units' mutexes, the requester's first, and
 * their owner bits, for a verb that changes or reads the QP as a whole
 * (modify_qp, query_qp, destroy).  Waits for the passes running.
 * Process context, may sleep.
 */
static void sod_qp_lock(struct sod_qp *qp)
{
	mutex_lock(&qp->unit[SOD_UNIT_REQ].mutex);
	mutex_lock(&qp->unit[SOD_UNIT_RESP].mutex);
	sod_unit_own(&qp->unit[SOD_UNIT_REQ]);
	sod_unit_own(&qp->unit[SOD_UNIT_RESP]);
}

/*
 * sod_qp_unlock - release what sod_qp_lock() took: a pass asked for
 * meanwhile by a thread that could not take a mutex (sod_qp_run()) goes
 * to that unit's work item.  Process context.
 */
static void sod_qp_unlock(struct sod_qp *qp)
{
	int id;

	sod_unit_disown(&qp->unit[SOD_UNIT_RESP]);
	sod_unit_disown(&qp->unit[SOD_UNIT_REQ]);
	mutex_unlock(&qp->unit[SOD_UNIT_RESP].mutex);
	mutex_unlock(&qp->unit[SOD_UNIT_REQ].mutex);
	/* The unlock, then the bit: pairs with sod_qp_run_one(). */
	smp_mb();
	for (id = 0; id < SOD_UNITS; id++)
		if (test_bit(SOD_QP_EV_PASS + id, &qp->events))
			sod_qp_kick(qp, id);
}

/*
 * sod_run_add - have the thread that owns @run run unit @u's pass after
 * its current one.  Takes a reference on @u's QP (the caller holds one).
 * Returns false when @run is full.  Process context, the pass that owns
 * @run.
 */
static bool sod_run_add(struct sod_run *run, struct sod_unit *u)
{
	unsigned int i;

	for (i = 0; i < run->n; i++)
		if (run->u[i] == u)
			return true;
	if (run->n == SOD_RUN_MAX)
		return false;
	refcount_inc(&u->qp->ref);
	run->u[run->n++] = u;
	return true;
}

/*
 * sod_qp_rcv - take a packet for @qp from the receive path; consumes @skb.
 * Responses go to the requester unit (its completer), requests to the
 * responder.  The caller holds a reference on @qp.  Softirq (@run NULL:
 * a request or an ACK may be handled right here, sod_resp_fast() and
 * sod_comp_fast(); otherwise the unit's work item runs), or the process
 * context of a pass that delivered the packet locally (the unit goes on
 * @run, see sod_qp_run()).  Any other caller in process context must
 * pass a @run.
 */
void sod_qp_rcv(struct sod_qp *qp, struct sk_buff *skb, struct sod_run *run)
{
	enum sod_unit_id id = sod_pkt_unit(skb);

	if (!run && (id == SOD_UNIT_RESP ? sod_resp_fast(qp, skb) :
					   sod_comp_fast(qp, skb)))
		return;
	skb_queue_tail(&qp->unit[id].rxq, skb);
	if (!run || !sod_run_add(run, &qp->unit[id]))
		sod_qp_kick(qp, id);
}

/*
 * sod_qp_event - raise an asynchronous event on @qp.  Any context (the
 * handlers are called from interrupt context by hardware drivers).
 */
void sod_qp_event(struct sod_qp *qp, enum ib_event_type type)
{
	struct ib_event ev = {
		.device = qp->ibqp.device,
		.element.qp = &qp->ibqp,
		.event = type,
	};

	if (qp->ibqp.event_handler)
		qp->ibqp.event_handler(&ev, qp->ibqp.qp_context);
}

static void sod_qp_set_state(struct sod_qp *qp, enum ib_qp_state state)
{
	unsigned long flags;

	spin_lock_irqsave(&qp->state_lock, flags);
	WRITE_ONCE(qp->state, state);
	spin_unlock_irqrestore(&qp->state_lock, flags);
}

/*
 * sod_qp_error - move @qp to ERR: everything outstanding is flushed by the
 * next pass of each unit (both are kicked).  The two units may both get
 * here at once: the move happens once, under state_lock.  A pass (one
 * unit's mutex held) or modify_qp (both held).
 */
void sod_qp_error(struct sod_qp *qp)
{
	bool last_wqe = false;
	unsigned long flags;

	spin_lock_irqsave(&qp->state_lock, flags);
	if (qp->state == IB_QPS_ERR) {
		spin_unlock_irqrestore(&qp->state_lock, flags);
		return;
	}
	WRITE_ONCE(qp->state, IB_QPS_ERR);
	if (qp->srq && !qp->last_wqe_sent) {
		qp->last_wqe_sent = true;
		last_wqe = true;
	}
	spin_unlock_irqrestore(&qp->state_lock, flags);
	if (last_wqe)
		sod_qp_event(qp, IB_EVENT_QP_LAST_WQE_REACHED);
	sod_qp_kick(qp, SOD_UNIT_REQ);
	sod_qp_kick(qp, SOD_UNIT_RESP);
}

/*
 * sod_qp_ring_broken - read how many entries the producer (userspace, or
 * a kernel consumer) has published in @q beyond the kernel's consumer
 * index.  A count beyond the ring's size can only come from a corrupted
 * producer index: the QP then gets a fatal event and goes to ERR, and true
 * is returned.  A pass of either unit (its mutex held).
 */
bool sod_qp_ring_broken(struct sod_qp *qp, struct sod_queue *q, u32 *avail)
{
	u32 n = sod_queue_consumer_avail(q);

	if (n <= q->mask + 1) {
		*avail = n;
		return false;
	}
	*avail = 0;
	sod_dbg(qp->sdev, "qp %u: ring producer index corrupted\n", qp->qpn);
	if (qp->state != IB_QPS_ERR) {
		sod_qp_event(qp, IB_EVENT_QP_FATAL);
		sod_qp_error(qp);
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Memory access on behalf of a QP                                      */
/* ------------------------------------------------------------------ */

/*
 * sod_sge_copy - copy @len bytes between @buf and the local memory that
 * the SGE list describes, starting @offset bytes into it.  Every SGE is
 * checked against its MR: same PD as the QP, inside the MR, and
 * LOCAL_WRITE when data lands in it.  Returns 0, -ENOSPC when the list is
 * shorter than @offset + @len, -EACCES on a protection error.
 * Worker context: may sleep (memory access).
 */
int sod_sge_copy(struct sod_qp *qp, const struct softodp_sge *sge,
		 u32 num_sge, u32 offset, void *buf, u32 len,
		 enum sod_copy_dir dir)
{
	int need = dir == SOD_COPY_TO_MR ? IB_ACCESS_LOCAL_WRITE : 0;
	u32 i;
	int err;

	for (i = 0; i < num_sge && len; i++) {
		u32 slen = READ_ONCE(sge[i].length);
		u64 addr = READ_ONCE(sge[i].addr);
		u32 lkey = READ_ONCE(sge[i].lkey);
		struct sod_mr *mr;
		u32 n;

		if (offset >= slen) {
			offset -= slen;
			continue;
		}
		n = min(slen - offset, len);
		mr = sod_mr_get(qp->sdev, lkey);
		if (!mr)
			return -EACCES;
		err = sod_mr_check(mr, qp->pd->pdn, addr + offset, n, need);
		if (!err)
			err = sod_mr_copy(mr, addr + offset, buf, n, dir);
		sod_mr_put(mr);
		if (err)
			return -EACCES;
		buf += n;
		len -= n;
		offset = 0;
	}
	return len ? -ENOSPC : 0;
}

/*
 * sod_sge_prefetch - a WQE is about to move up to @len bytes through its
 * SGE list (into it if @write), starting @offset bytes into the list: let
 * ODP MRs among the SGEs map the first SOD_ODP_PREFETCH bytes of that in
 * batches.  Best effort; bad SGEs are left for sod_sge_copy() to report.
 * A pass of either unit (its mutex held; from the work item or a system
 * call running the pass inline): may sleep.  Never from the receive
 * softirq.
 */
void sod_sge_prefetch(struct sod_qp *qp, const struct softodp_sge *sge,
		      u32 num_sge, u32 offset, u64 len, bool write)
{
	int need = write ? IB_ACCESS_LOCAL_WRITE : 0;
	u64 budget = min_t(u64, len, SOD_ODP_PREFETCH);
	u32 i;

	might_sleep();
	for (i = 0; i < num_sge && budget; i++) {
		u32 slen = READ_ONCE(sge[i].length);
		u64 addr = READ_ONCE(sge[i].addr);
		struct sod_mr *mr;
		u32 n;

		if (offset >= slen) {
			offset -= slen;
			continue;
		}
		n = min_t(u64, slen - offset, budget);
		addr += offset;
		offset = 0;
		mr = sod_mr_get(qp->sdev, READ_ONCE(sge[i].lkey));
		if (!mr)
			return;
		if (!sod_mr_check(mr, qp->pd->pdn, addr, n, need))
			sod_mr_prefetch(mr, addr, n, write);
		sod_mr_put(mr);
		budget -= n;
	}
}

/* ------------------------------------------------------------------ */
/* Packets and completions                                              */
/* ------------------------------------------------------------------ */

/*
 * sod_pkt_new - an skb holding a BTH for @opcode and room for its
 * extension headers and @paylen bytes of payload plus pad.  The caller
 * fills the extension headers and payload; pad bytes are zeroed here.
 * Worker context.
 */
struct sk_buff *sod_pkt_new(struct sod_qp *qp, const struct sod_av *av,
			    u8 opcode, u32 paylen, u32 dest_qpn, u32 psn,
			    bool ackreq, bool se)
{
	unsigned int hlen = sod_op_hdr_len(opcode);
	u8 pad = (4 - (paylen & 3)) & 3;
	struct sk_buff *skb;

	skb = sod_pkt_alloc(qp->sdev, av, hlen + paylen + pad);
	if (!skb)
		return NULL;
	memset(skb->data + SOD_BTH_BYTES, 0, hlen - SOD_BTH_BYTES);
	if (pad)
		memset(skb->data + hlen + paylen, 0, pad);
	sod_bth_build((struct sod_bth *)skb->data, opcode, se, pad,
		      IB_DEFAULT_PKEY_FULL, dest_qpn, ackreq, psn);
	return skb;
}

/*
 * sod_pkt_send - hand a built packet to the network from a pass of @qp's
 * unit @id (its mutex held): a local receiver goes on that pass's run
 * list.
 */
int sod_pkt_send(struct sod_qp *qp, enum sod_unit_id id,
		 struct sod_av *av, struct sk_buff *skb)
{
	return sod_pkt_xmit(qp->sdev, av, qp->attr.src_port, skb, qp,
			    qp->unit[id].run);
}

/*
 * sod_cqe_post - post a completion of @qp on @cq.  An overflowing CQ has
 * already raised its async event; the QP goes to ERR as on hardware.
 * Worker context.
 */
void sod_cqe_post(struct sod_qp *qp, struct sod_cq *cq,
		  const struct softodp_cqe *cqe, bool solicited)
{
	if (sod_cq_post(cq, cqe, solicited))
		sod_qp_error(qp);
}

/* ------------------------------------------------------------------ */
/* The work item                                                        */
/* ------------------------------------------------------------------ */

/*
 * sod_req_pass - one pass of the requester unit: the completer takes the
 * responses queued, the timers' decisions are made, the requester sends
 * (or, in ERR, flushes the SQ).  Returns true if it wants another pass.
 * Process context, may sleep; the requester unit's mutex held.
 */
static bool sod_req_pass(struct sod_qp *qp)
{
	struct sod_unit *u = &qp->unit[SOD_UNIT_REQ];
	struct sk_buff *skb;
	int n = 0;

	while (n < SOD_WORK_BUDGET && (skb = skb_dequeue(&u->rxq))) {
		sod_comp_rcv(qp, skb);
		n++;
	}
	sod_comp_timers(qp);
	switch (READ_ONCE(qp->state)) {
	case IB_QPS_RTS:
	case IB_QPS_SQD:
		sod_req_process(qp);
		break;
	case IB_QPS_ERR:
		sod_req_flush(qp);
		break;
	default:
		break;
	}
	return !skb_queue_empty(&u->rxq);
}

/*
 * sod_resp_pass - one pass of the responder unit: it executes the requests
 * queued (those behind a READ still streaming wait), sends a pending ACK,
 * streams READ responses (or, in ERR, flushes the RQ).  Returns true if it
 * wants another pass.  Process context, may sleep; the responder unit's
 * mutex held.
 */
static bool sod_resp_pass(struct sod_qp *qp)
{
	struct sod_unit *u = &qp->unit[SOD_UNIT_RESP];
	struct sk_buff *skb;
	int n = 0;

	while (n < SOD_WORK_BUDGET && (skb = skb_dequeue(&u->rxq))) {
		if (!sod_resp_may_take(qp, skb)) {
			/* Behind a READ still streaming: keep it for later. */
			skb_queue_head(&u->rxq, skb);
			break;
		}
		sod_resp_rcv(qp, skb);
		n++;
	}
	sod_resp_send_pending_ack(qp);
	sod_resp_read_stream(qp);
	if (READ_ONCE(qp->state) == IB_QPS_ERR)
		sod_resp_flush(qp);
	return n >= SOD_WORK_BUDGET ||
	       (!skb_queue_empty(&u->rxq) && !qp->resp.rd_streaming);
}

/*
 * sod_unit_process - one pass of unit @u.  Process context, may sleep;
 * @u->mutex held.  Called by the unit's work item, by the SQ doorbell
 * system call when it finds the requester idle, and by a thread running
 * the passes of the units its packets were delivered to (sod_qp_run()).
 */
static void sod_unit_process(struct sod_unit *u)
{
	struct sod_qp *qp = u->qp;
	bool more;

	lockdep_assert_held(&u->mutex);
	if (qp->destroyed)
		return;
	more = u->id == SOD_UNIT_REQ ? sod_req_pass(qp) : sod_resp_pass(qp);
	if (more)
		sod_qp_want(qp, u->id);
}

/*
 * sod_qp_run_one - run a pass of unit @u (taken from @run) if its mutex
 * can be had: waiting for it if @wait, else only trying.  A thread that
 * cannot take the mutex leaves the pass to the holder: the wanted bit is
 * set before the try, and every holder tests it after its unlock (here
 * and in sod_qp_unlock()), so no request is lost and the caller never
 * waits.  A pass wanted again afterwards (more work than one pass's
 * budget, a post meanwhile) goes back on @run, or to the work item once
 * *@passes reached SOD_RUN_PASSES.  Returns whether this thread ran the
 * pass.  Process context, may sleep; no unit mutex held.
 */
static bool sod_qp_run_one(struct sod_unit *u, struct sod_run *run,
			   unsigned int *passes, bool wait)
{
	struct sod_qp *qp = u->qp;
	int bit = SOD_QP_EV_PASS + u->id;

	if (*passes >= SOD_RUN_PASSES) {
		sod_qp_kick(qp, u->id);
		return false;
	}
	sod_qp_want(qp, u->id);
	/* The bit, then the lock: pairs with the holder's unlock, then test. */
	smp_mb__after_atomic();
	if (wait)
		mutex_lock(&u->mutex);
	else if (!mutex_trylock(&u->mutex))
		return false;
	sod_unit_own(u);
	clear_bit(bit, &qp->events);
	/* Clear before the pass reads the rings and the rxq. */
	smp_mb__after_atomic();
	u->run = run;
	sod_unit_process(u);
	u->run = NULL;
	(*passes)++;
	sod_unit_disown(u);
	mutex_unlock(&u->mutex);
	/* The unlock, then the bit: a failed trylock elsewhere is seen. */
	smp_mb();
	if (test_bit(bit, &qp->events) &&
	    (*passes >= SOD_RUN_PASSES || !sod_run_add(run, u)))
		sod_qp_kick(qp, u->id);
	return true;
}

/*
 * sod_qp_run - a pass of unit @u, then of the units of this host that its
 * packets were delivered to (sod_pkt_xmit()), then of theirs, ...: at most
 * SOD_RUN_PASSES passes in all, each only if the unit's mutex is free
 * (else its holder runs it); a unit left over goes to its work item.
 * Between two softodp QPs of one host (loopback) a message, its ACK and
 * the completion are so handled by one thread without a work-queue
 * wake-up, which is what makes loopback latency low; as the requester and
 * the responder of a QP are separate units, two threads (each ringing its
 * own doorbell) work on the two QPs at once (docs/performance.md).
 *
 * Process context, may sleep; no unit mutex held.  @wait: wait for the
 * mutex (the work item), or leave the pass to the holder (the doorbell
 * system call).
 */
static void sod_qp_run(struct sod_unit *u, bool wait)
{
	struct sod_run run = { .n = 0 };
	unsigned int passes = 0, i;
	struct sod_unit *v;

	/* Only fails while destroy_qp() waits for the work items. */
	if (!refcount_inc_not_zero(&u->qp->ref))
		return;
	run.u[run.n++] = u;
	while (run.n) {
		v = run.u[0];
		run.n--;
		for (i = 0; i < run.n; i++)
			run.u[i] = run.u[i + 1];
		if (sod_qp_run_one(v, &run, &passes,
				   wait && v == u && !passes) &&
		    v->qp != u->qp)
			sod_stat_inc(v->qp->sdev, SOD_STAT_RUN_PASSES);
		sod_qp_put(v->qp);
	}
}

/*
 * sod_qp_work - a unit's work item: protocol processing and access to
 * memory on the QP's behalf (also done by sod_qp_run() in other threads,
 * under the same mutex).  Process context, may sleep; never concurrently
 * with itself.
 */
static void sod_qp_work(struct work_struct *work)
{
	struct sod_unit *u = container_of(work, struct sod_unit, work);

	/* Another thread may have run the pass since the kick. */
	if (test_bit(SOD_QP_EV_PASS + u->id, &u->qp->events))
		sod_qp_run(u, true);
}

static void sod_retrans_timer(struct timer_list *t)
{
	struct sod_qp *qp = from_timer(qp, t, retrans_timer);

	set_bit(SOD_QP_EV_RETRANS, &qp->events);
	sod_qp_kick(qp, SOD_UNIT_REQ);
}

static void sod_rnr_timer(struct timer_list *t)
{
	struct sod_qp *qp = from_timer(qp, t, rnr_timer);

	set_bit(SOD_QP_EV_RNR, &qp->events);
	sod_qp_kick(qp, SOD_UNIT_REQ);
}

/* ------------------------------------------------------------------ */
/* Create / destroy                                                     */
/* ------------------------------------------------------------------ */

static int sod_qp_check_cap(struct sod_dev *sdev, struct ib_qp_init_attr *init)
{
	struct ib_qp_cap *cap = &init->cap;

	if (cap->max_send_wr > SOD_MAX_QP_WR ||
	    cap->max_send_sge > SOD_MAX_SGE ||
	    cap->max_inline_data > SOD_MAX_INLINE) {
		sod_dbg(sdev, "send capacities too large\n");
		return -EINVAL;
	}
	if (!init->srq && (cap->max_recv_wr > SOD_MAX_QP_WR ||
			   cap->max_recv_sge > SOD_MAX_SGE)) {
		sod_dbg(sdev, "receive capacities too large\n");
		return -EINVAL;
	}
	return 0;
}

/*
 * sod_create_qp - ops.create_qp.  Process context, may sleep.  The core
 * allocated @ibqp; the QP becomes visible to the receive path only once it
 * is completely set up.
 */
static int sod_create_qp(struct ib_qp *ibqp, struct ib_qp_init_attr *init,
			 struct ib_udata *udata)
{
	struct sod_dev *sdev = to_sod_dev(ibqp->device);
	struct sod_qp *qp = to_sod_qp(ibqp);
	struct softodp_create_qp_resp resp = {};
	struct ib_qp_cap *cap = &init->cap;
	u32 sq_slot, rq_slot;
	int err, id;

	switch (init->qp_type) {
	case IB_QPT_RC:
	case IB_QPT_UD:
		break;
	case IB_QPT_GSI:
		if (udata)
			return -EOPNOTSUPP;
		break;
	default:
		sod_dbg(sdev, "QP type %d not supported\n", init->qp_type);
		return -EOPNOTSUPP;
	}
	if (init->create_flags) {
		sod_dbg(sdev, "create_flags %#x not supported\n",
			init->create_flags);
		return -EOPNOTSUPP;
	}
	err = sod_qp_check_cap(sdev, init);
	if (err)
		return err;

	qp->sdev = sdev;
	qp->type = init->qp_type;
	qp->pd = to_sod_pd(ibqp->pd);
	qp->scq = to_sod_cq(init->send_cq);
	qp->rcq = to_sod_cq(init->recv_cq);
	qp->srq = init->srq ? to_sod_srq(init->srq) : NULL;
	qp->is_user = !!udata;
	qp->sq_sig_all = init->sq_sig_type == IB_SIGNAL_ALL_WR;
	refcount_set(&qp->ref, 1);
	init_completion(&qp->ref_done);
	atomic_set(&qp->tx_out, 0);
	/* Two init sites: lockdep sees two classes (requester, responder). */
	mutex_init(&qp->unit[SOD_UNIT_REQ].mutex);
	mutex_init(&qp->unit[SOD_UNIT_RESP].mutex);
	for (id = 0; id < SOD_UNITS; id++) {
		qp->unit[id].qp = qp;
		qp->unit[id].id = id;
		skb_queue_head_init(&qp->unit[id].rxq);
		INIT_WORK(&qp->unit[id].work, sod_qp_work);
	}
	spin_lock_init(&qp->state_lock);
	spin_lock_init(&qp->sq_lock);
	spin_lock_init(&qp->rq_lock);
	timer_setup(&qp->retrans_timer, sod_retrans_timer, 0);
	timer_setup(&qp->rnr_timer, sod_rnr_timer, 0);
	qp->state = IB_QPS_RESET;

	/* Capacities granted: at least what was asked, at least 1. */
	cap->max_send_wr = max(cap->max_send_wr, 1U);
	cap->max_send_sge = max(cap->max_send_sge, 1U);
	sq_slot = sizeof(struct softodp_send_wqe) +
		  max_t(u32, cap->max_send_sge * sizeof(struct softodp_sge),
			cap->max_inline_data);
	sq_slot = ALIGN(sq_slot, 64);
	/* Inline data may use the whole slot. */
	cap->max_inline_data = min_t(u32, SOD_MAX_INLINE,
				     sq_slot - sizeof(struct softodp_send_wqe));
	err = sod_queue_init(sdev, &qp->sq, udata, cap->max_send_wr, sq_slot);
	if (err)
		return err;
	cap->max_send_wr = qp->sq.mask + 1;
	qp->max_send_wr = cap->max_send_wr;
	qp->max_send_sge = cap->max_send_sge;
	qp->max_inline = cap->max_inline_data;

	if (!qp->srq) {
		cap->max_recv_wr = max(cap->max_recv_wr, 1U);
		cap->max_recv_sge = max(cap->max_recv_sge, 1U);
		rq_slot = sizeof(struct softodp_recv_wqe) +
			  cap->max_recv_sge * sizeof(struct softodp_sge);
		err = sod_queue_init(sdev, &qp->rq, udata, cap->max_recv_wr,
				     rq_slot);
		if (err)
			goto err_sq;
		cap->max_recv_wr = qp->rq.mask + 1;
		qp->max_recv_wr = cap->max_recv_wr;
		qp->max_recv_sge = cap->max_recv_sge;
	} else {
		cap->max_recv_wr = 0;
		cap->max_recv_sge = 0;
	}

	err = -ENOMEM;
	qp->swqe = kvcalloc(qp->sq.mask + 1, sizeof(*qp->swqe), GFP_KERNEL);
	if (!qp->swqe)
		goto err_rq;
	qp->resp.rd = kcalloc(SOD_MAX_RD_ATOMIC, sizeof(*qp->resp.rd),
			      GFP_KERNEL);
	if (!qp->resp.rd)
		goto err_swqe;

	/* Reserve the number; the QP is published at the end. */
	if (qp->type == IB_QPT_GSI) {
		qp->qpn = SOD_GSI_QPN;
		err = xa_insert(&sdev->qp_xa, qp->qpn, NULL, GFP_KERNEL);
	} else {
		err = xa_alloc(&sdev->qp_xa, &qp->qpn, NULL,
			       XA_LIMIT(SOD_MIN_QPN, SOD_MIN_QPN + SOD_MAX_QP),
			       GFP_KERNEL);
		if (err == -EBUSY)
			err = -ENOMEM;
	}
	if (err)
		goto err_rd;
	ibqp->qp_num = qp->qpn;

	if (udata) {
		resp.sq = qp->sq.info;
		if (!qp->srq)
			resp.rq = qp->rq.info;
		resp.qpn = qp->qpn;
		resp.max_send_wr = qp->max_send_wr;
		resp.max_send_sge = qp->max_send_sge;
		resp.max_inline_data = qp->max_inline;
		resp.max_recv_wr = qp->max_recv_wr;
		resp.max_recv_sge = qp->max_recv_sge;
		err = ib_copy_to_udata(udata, &resp,
				       min(sizeof(resp), udata->outlen));
		if (err)
			goto err_xa;
	}

	sod_req_reset(qp);
	sod_resp_reset(qp);
	xa_store(&sdev->qp_xa, qp->qpn, qp, GFP_KERNEL);
	sod_dbg(sdev, "qp %u created, type %d\n", qp->qpn, qp->type);
	return 0;

err_xa:
	xa_erase(&sdev->qp_xa, qp->qpn);
err_rd:
	kfree(qp->resp.rd);
err_swqe:
	kvfree(qp->swqe);
err_rq:
	if (!qp->srq)
		sod_queue_cleanup(&qp->rq);
err_sq:
	sod_queue_cleanup(&qp->sq);
	return err;
}

/*
 * sod_destroy_qp - ops.destroy_qp.  Process context, may sleep.  Once
 * this returns, no packet, timer or work item touches the QP.
 */
static int sod_destroy_qp(struct ib_qp *ibqp, struct ib_udata *udata)
{
	struct sod_qp *qp = to_sod_qp(ibqp);
	struct sod_dev *sdev = qp->sdev;
	int id;

	xa_erase(&sdev->qp_xa, qp->qpn);
	/* No receive softirq can find the QP any more after this... */
	synchronize_rcu();
	/* ...and none still holds it after this. */
	sod_qp_put(qp);
	wait_for_completion(&qp->ref_done);

	sod_qp_lock(qp);
	qp->destroyed = true;
	sod_unit_disown(&qp->unit[SOD_UNIT_RESP]);
	sod_unit_disown(&qp->unit[SOD_UNIT_REQ]);
	mutex_unlock(&qp->unit[SOD_UNIT_RESP].mutex);
	mutex_unlock(&qp->unit[SOD_UNIT_REQ].mutex);
	del_timer_sync(&qp->retrans_timer);
	del_timer_sync(&qp->rnr_timer);
	for (id = 0; id < SOD_UNITS; id++) {
		cancel_work_sync(&qp->unit[id].work);
		skb_queue_purge(&qp->unit[id].rxq);
	}

	sod_resp_reset(qp);
	kfree(qp->resp.rd);
	kvfree(qp->swqe);
	if (!qp->srq)
		sod_queue_cleanup(&qp->rq);
	sod_queue_cleanup(&qp->sq);
	mutex_destroy(&qp->unit[SOD_UNIT_RESP].mutex);
	mutex_destroy(&qp->unit[SOD_UNIT_REQ].mutex);
	sod_dbg(sdev, "qp %u destroyed\n", qp->qpn);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Modify / query                                                       */
/* ------------------------------------------------------------------ */

/* Empty a consumer ring: whatever was posted is discarded (RESET). */
static void sod_queue_discard(struct sod_queue *q)
{
	/* Pairs with the producer's store-release of prod. */
	u32 prod = smp_load_acquire(&q->ring->prod);

	q->index = prod;
	/* The slots are free once the provider sees cons. */
	smp_store_release(&q->ring->cons, prod);
}

static int sod_modify_check(struct sod_qp *qp, struct ib_qp_attr *attr,
			    int mask)
{
	struct sod_dev *sdev = qp->sdev;

	if ((mask & IB_QP_PORT) && attr->port_num != 1)
		return -EINVAL;
	if ((mask & IB_QP_PKEY_INDEX) && attr->pkey_index)
		return -EINVAL;
	if ((mask & IB_QP_PATH_MTU) &&
	    (attr->path_mtu < IB_MTU_256 || attr->path_mtu > IB_MTU_4096))
		return -EINVAL;
	if ((mask & IB_QP_MAX_QP_RD_ATOMIC) &&
	    attr->max_rd_atomic > SOD_MAX_RD_ATOMIC)
		return -EINVAL;
	if ((mask & IB_QP_MAX_DEST_RD_ATOMIC) &&
	    attr->max_dest_rd_atomic > SOD_MAX_RD_ATOMIC)
		return -EINVAL;
	if ((mask & IB_QP_RETRY_CNT) && attr->retry_cnt > 7)
		return -EINVAL;
	if ((mask & IB_QP_RNR_RETRY) && attr->rnr_retry > 7)
		return -EINVAL;
	if ((mask & IB_QP_MIN_RNR_TIMER) && attr->min_rnr_timer > 31)
		return -EINVAL;
	if ((mask & IB_QP_TIMEOUT) && attr->timeout > 31)
		return -EINVAL;
	if ((mask & IB_QP_ACCESS_FLAGS) &&
	    (attr->qp_access_flags & ~(IB_ACCESS_REMOTE_WRITE |
				       IB_ACCESS_REMOTE_READ |
				       IB_ACCESS_REMOTE_ATOMIC |
				       IB_ACCESS_LOCAL_WRITE)))
		return -EINVAL;
	if ((mask & IB_QP_CAP) &&
	    (attr->cap.max_send_wr > qp->max_send_wr ||
	     attr->cap.max_recv_wr > qp->max_recv_wr))
		return -EINVAL;
	if ((mask & IB_QP_STATE) && attr->qp_state == IB_QPS_SQD &&
	    qp->state != IB_QPS_RTS && qp->state != IB_QPS_SQD)
		return -EINVAL;
	if ((mask & IB_QP_AV) &&
	    !(rdma_ah_get_ah_flags(&attr->ah_attr) & IB_AH_GRH)) {
		sod_dbg(sdev, "qp %u: address vector without GRH\n", qp->qpn);
		return -EINVAL;
	}
	return 0;
}

/*
 * sod_modify_qp - ops.modify_qp.  Process context, may sleep; takes
 * both unit mutexes (waits for the passes running).
 */
static int sod_modify_qp(struct ib_qp *ibqp, struct ib_qp_attr *attr,
			 int mask, struct ib_udata *udata)
{
	struct sod_qp *qp = to_sod_qp(ibqp);
	enum ib_qp_state cur, new;
	struct sod_av av;
	int err;

	if (mask & ~IB_QP_ATTR_STANDARD_BITS)
		return -EOPNOTSUPP;
	if (udata && udata->inlen &&
	    !ib_is_udata_cleared(udata, 0, udata->inlen))
		return -EOPNOTSUPP;

	sod_qp_lock(qp);
	cur = (mask & IB_QP_CUR_STATE) ? attr->cur_qp_state : qp->state;
	new = (mask & IB_QP_STATE) ? attr->qp_state : cur;
	err = -EINVAL;
	if (cur != qp->state)
		goto out;
	if (!ib_modify_qp_is_ok(cur, new, qp->type, mask)) {
		sod_dbg(qp->sdev, "qp %u: bad transition %d -> %d mask %#x\n",
			qp->qpn, cur, new, mask);
		goto out;
	}
	err = sod_modify_check(qp, attr, mask);
	if (err)
		goto out;
	if (mask & IB_QP_AV) {
		err = sod_av_from_attr(qp->sdev, &av, &attr->ah_attr);
		if (err)
			goto out;
		qp->attr.av = av;
		qp->attr.av_valid = true;
	}

	if (mask & IB_QP_PATH_MTU) {
		qp->attr.path_mtu = attr->path_mtu;
		qp->attr.mtu = ib_mtu_enum_to_int(attr->path_mtu);
	}
	if (mask & IB_QP_DEST_QPN)
		qp->attr.dest_qpn = attr->dest_qp_num & SOD_QPN_MASK;
	if (mask & IB_QP_QKEY)
		qp->attr.qkey = attr->qkey;
	if (mask & IB_QP_PKEY_INDEX)
		qp->attr.pkey_index = attr->pkey_index;
	if (mask & IB_QP_ACCESS_FLAGS)
		qp->attr.access = attr->qp_access_flags;
	if (mask & IB_QP_TIMEOUT)
		qp->attr.timeout = attr->timeout;
	if (mask & IB_QP_RETRY_CNT) {
		qp->attr.retry_cnt = attr->retry_cnt;
		qp->req.retry_left = attr->retry_cnt;
	}
	if (mask & IB_QP_RNR_RETRY) {
		qp->attr.rnr_retry = attr->rnr_retry;
		qp->req.rnr_left = attr->rnr_retry;
	}
	if (mask & IB_QP_MIN_RNR_TIMER)
		qp->attr.min_rnr_timer = attr->min_rnr_timer;
	if (mask & IB_QP_MAX_QP_RD_ATOMIC)
		qp->attr.max_rd_atomic = attr->max_rd_atomic;
	if (mask & IB_QP_MAX_DEST_RD_ATOMIC)
		qp->attr.max_dest_rd_atomic = attr->max_dest_rd_atomic;
	if (mask & IB_QP_SQ_PSN) {
		qp->attr.sq_psn = attr->sq_psn & SOD_PSN_MASK;
		qp->req.psn = qp->attr.sq_psn;
		qp->req.last_psn_acked = sod_psn_add(qp->attr.sq_psn,
						     SOD_PSN_MASK);
		sod_cwnd_init(&qp->req.cwnd);
	}
	if (mask & IB_QP_RQ_PSN) {
		qp->attr.rq_psn = attr->rq_psn & SOD_PSN_MASK;
		qp->resp.epsn = qp->attr.rq_psn;
	}
	if (mask & (IB_QP_AV | IB_QP_DEST_QPN))
		qp->attr.src_port =
			rdma_get_udp_sport(qp->attr.av.flow_label, qp->qpn,
					   qp->attr.dest_qpn);
	if (sod_qp_is_ud(qp) && !qp->attr.src_port)
		qp->attr.src_port = rdma_get_udp_sport(0, qp->qpn, 0);

	if (mask & IB_QP_STATE) {
		switch (new) {
		case IB_QPS_RESET:
			sod_req_reset(qp);
			sod_resp_reset(qp);
			sod_queue_discard(&qp->sq);
			if (!qp->srq)
				sod_queue_discard(&qp->rq);
			skb_queue_purge(&qp->unit[SOD_UNIT_REQ].rxq);
			skb_queue_purge(&qp->unit[SOD_UNIT_RESP].rxq);
			qp->comm_est = false;
			qp->last_wqe_sent = false;
			break;
		case IB_QPS_SQD:
			qp->attr.sq_draining = true;
			break;
		case IB_QPS_RTS:
			qp->attr.sq_draining = false;
			break;
		default:
			break;
		}
		if (new == IB_QPS_ERR) {
			sod_qp_error(qp);
		} else {
			sod_qp_set_state(qp, new);
			if (new == IB_QPS_RTS || new == IB_QPS_SQD)
				sod_qp_kick(qp, SOD_UNIT_REQ);
		}
	}
	err = 0;
out:
	sod_qp_unlock(qp);
	return err;
}

static void sod_av_to_attr(struct sod_qp *qp, struct rdma_ah_attr *ah)
{
	const struct sod_av *av = &qp->attr.av;
	union ib_gid dgid;

	memset(ah, 0, sizeof(*ah));
	ah->type = RDMA_AH_ATTR_TYPE_ROCE;
	memcpy(dgid.raw, &av->daddr, sizeof(dgid.raw));
	rdma_ah_set_grh(ah, &dgid, av->flow_label, av->sgid_index,
			av->hop_limit, av->traffic_class);
	rdma_ah_set_sl(ah, av->sl);
	rdma_ah_set_port_num(ah, 1);
	memcpy(ah->roce.dmac, av->dmac, ETH_ALEN);
}

/*
 * sod_query_qp - ops.query_qp.  Process context, may sleep; takes both
 * unit mutexes.
 */
static int sod_query_qp(struct ib_qp *ibqp, struct ib_qp_attr *attr,
			int mask, struct ib_qp_init_attr *init)
{
	struct sod_qp *qp = to_sod_qp(ibqp);

	memset(attr, 0, sizeof(*attr));
	memset(init, 0, sizeof(*init));
	sod_qp_lock(qp);
	attr->qp_state = qp->state;
	attr->cur_qp_state = qp->state;
	attr->path_mtu = qp->attr.path_mtu ? qp->attr.path_mtu : IB_MTU_256;
	attr->path_mig_state = IB_MIG_MIGRATED;
	attr->qkey = qp->attr.qkey;
	attr->rq_psn = qp->resp.epsn;
	attr->sq_psn = qp->req.psn;
	attr->dest_qp_num = qp->attr.dest_qpn;
	attr->qp_access_flags = qp->attr.access;
	attr->cap.max_send_wr = qp->max_send_wr;
	attr->cap.max_send_sge = qp->max_send_sge;
	attr->cap.max_inline_data = qp->max_inline;
	attr->cap.max_recv_wr = qp->max_recv_wr;
	attr->cap.max_recv_sge = qp->max_recv_sge;
	if (qp->attr.av_valid)
		sod_av_to_attr(qp, &attr->ah_attr);
	attr->pkey_index = qp->attr.pkey_index;
	attr->sq_draining = qp->state == IB_QPS_SQD &&
			    sod_req_outstanding(qp);
	attr->max_rd_atomic = qp->attr.max_rd_atomic;
	attr->max_dest_rd_atomic = qp->attr.max_dest_rd_atomic;
	attr->min_rnr_timer = qp->attr.min_rnr_timer;
	attr->port_num = 1;
	attr->timeout = qp->attr.timeout;
	attr->retry_cnt = qp->attr.retry_cnt;
	attr->rnr_retry = qp->attr.rnr_retry;
	sod_qp_unlock(qp);

	init->qp_type = qp->type;
	init->send_cq = qp->ibqp.send_cq;
	init->recv_cq = qp->ibqp.recv_cq;
	init->srq = qp->ibqp.srq;
	init->cap = attr->cap;
	init->sq_sig_type = qp->sq_sig_all ? IB_SIGNAL_ALL_WR :
					     IB_SIGNAL_REQ_WR;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Posting (kernel consumers; for user QPs these are doorbells)        */
/* ------------------------------------------------------------------ */

static bool sod_wr_opcode_ok(struct sod_qp *qp, enum ib_wr_opcode op)
{
	switch (op) {
	case IB_WR_SEND:
	case IB_WR_SEND_WITH_IMM:
		return true;
	case IB_WR_RDMA_WRITE:
	case IB_WR_RDMA_WRITE_WITH_IMM:
	case IB_WR_RDMA_READ:
	case IB_WR_ATOMIC_CMP_AND_SWP:
	case IB_WR_ATOMIC_FETCH_AND_ADD:
		return qp->type == IB_QPT_RC;
	default:
		return false;
	}
}

/* Build one send WQE in @w from a kernel WR.  Caller holds sq_lock. */
static int sod_post_one_send(struct sod_qp *qp, const struct ib_send_wr *wr,
			     struct softodp_send_wqe *w)
{
	struct softodp_sge *sge = (struct softodp_sge *)(w + 1);
	u32 i, len = 0;

	if (!sod_wr_opcode_ok(qp, wr->opcode))
		return -EINVAL;
	memset(w, 0, sizeof(*w));
	w->wr_id = wr->wr_id;
	w->opcode = wr->opcode;
	w->send_flags = wr->send_flags & (IB_SEND_FENCE | IB_SEND_SIGNALED |
					  IB_SEND_SOLICITED | IB_SEND_INLINE);
	if (wr->opcode == IB_WR_SEND_WITH_IMM ||
	    wr->opcode == IB_WR_RDMA_WRITE_WITH_IMM)
		w->imm_data = (__force u32)wr->ex.imm_data;

	switch (wr->opcode) {
	case IB_WR_RDMA_WRITE:
	case IB_WR_RDMA_WRITE_WITH_IMM:
	case IB_WR_RDMA_READ:
		w->wr.rdma.remote_addr = rdma_wr(wr)->remote_addr;
		w->wr.rdma.rkey = rdma_wr(wr)->rkey;
		break;
	case IB_WR_ATOMIC_CMP_AND_SWP:
	case IB_WR_ATOMIC_FETCH_AND_ADD:
		w->wr.atomic.remote_addr = atomic_wr(wr)->remote_addr;
		w->wr.atomic.rkey = atomic_wr(wr)->rkey;
		w->wr.atomic.compare_add = atomic_wr(wr)->compare_add;
		w->wr.atomic.swap = atomic_wr(wr)->swap;
		break;
	default:
		if (sod_qp_is_ud(qp)) {
			w->wr.ud.ah_num = to_sod_ah(ud_wr(wr)->ah)->ah_num;
			w->wr.ud.remote_qpn = ud_wr(wr)->remote_qpn;
			w->wr.ud.remote_qkey = ud_wr(wr)->remote_qkey;
		}
		break;
	}

	if (wr->send_flags & IB_SEND_INLINE) {
		u8 *p = (u8 *)(w + 1);

		for (i = 0; i < wr->num_sge; i++)
			len += wr->sg_list[i].length;
		if (len > qp->max_inline)
			return -EINVAL;
		for (i = 0; i < wr->num_sge; i++) {
			memcpy(p, (void *)(uintptr_t)wr->sg_list[i].addr,
			       wr->sg_list[i].length);
			p += wr->sg_list[i].length;
		}
		w->inline_len = len;
		return 0;
	}
	if (wr->num_sge > qp->max_send_sge)
		return -EINVAL;
	w->num_sge = wr->num_sge;
	for (i = 0; i < wr->num_sge; i++) {
		sge[i].addr = wr->sg_list[i].addr;
		sge[i].length = wr->sg_list[i].length;
		sge[i].lkey = wr->sg_list[i].lkey;
	}
	return 0;
}

/*
 * sod_post_send - ops.post_send.  Any context, never sleeps.  For a user
 * QP this is the doorbell: the WRs are in the shared ring already.
 */
static int sod_post_send(struct ib_qp *ibqp, const struct ib_send_wr *wr,
			 const struct ib_send_wr **bad_wr)
{
	struct sod_qp *qp = to_sod_qp(ibqp);
	enum ib_qp_state state = READ_ONCE(qp->state);
	struct softodp_ring *ring = qp->sq.ring;
	unsigned long flags;
	int err = 0;
	u32 prod;

	if (qp->is_user) {
		if (wr) {
			*bad_wr = wr;
			return -EINVAL;
		}
		/*
		 * The doorbell is a system call (process context): send from
		 * here when nobody else is working on the requester, which
		 * saves the hop through the work queue (and, for a peer on
		 * this host, run its responder's pass too: sod_qp_run()).
		 * Otherwise the requester's holder will see the new WQEs.
		 */
		if (in_task())
			sod_qp_run(&qp->unit[SOD_UNIT_REQ], false);
		else
			sod_qp_kick(qp, SOD_UNIT_REQ);
		return 0;
	}
	if (state == IB_QPS_RESET || state == IB_QPS_INIT ||
	    state == IB_QPS_RTR) {
		*bad_wr = wr;
		return -EINVAL;
	}

	spin_lock_irqsave(&qp->sq_lock, flags);
	prod = ring->prod;
	for (; wr; wr = wr->next) {
		if (prod - READ_ONCE(ring->cons) > qp->sq.mask) {
			err = -ENOMEM;
			break;
		}
		err = sod_post_one_send(qp, wr, sod_queue_slot(&qp->sq, prod));
		if (err)
			break;
		prod++;
		/* The slot is written before the worker can see prod. */
		smp_store_release(&ring->prod, prod);
	}
	spin_unlock_irqrestore(&qp->sq_lock, flags);
	if (err)
		*bad_wr = wr;
	sod_qp_kick(qp, SOD_UNIT_REQ);
	return err;
}

/*
 * sod_post_recv - ops.post_recv.  Any context, never sleeps.  For a user
 * QP this is a doorbell (used in ERR, so that new WQEs get flushed).
 */
static int sod_post_recv(struct ib_qp *ibqp, const struct ib_recv_wr *wr,
			 const struct ib_recv_wr **bad_wr)
{
	struct sod_qp *qp = to_sod_qp(ibqp);
	struct softodp_ring *ring = qp->rq.ring;
	unsigned long flags;
	int err = 0;
	u32 prod, i;

	if (qp->srq) {
		*bad_wr = wr;
		return -EINVAL;
	}
	if (qp->is_user) {
		if (wr) {
			*bad_wr = wr;
			return -EINVAL;
		}
		sod_qp_kick(qp, SOD_UNIT_RESP);
		return 0;
	}
	if (READ_ONCE(qp->state) == IB_QPS_RESET) {
		*bad_wr = wr;
		return -EINVAL;
	}

	spin_lock_irqsave(&qp->rq_lock, flags);
	prod = ring->prod;
	for (; wr; wr = wr->next) {
		struct softodp_recv_wqe *w;
		struct softodp_sge *sge;

		if (wr->num_sge > qp->max_recv_sge) {
			err = -EINVAL;
			break;
		}
		if (prod - READ_ONCE(ring->cons) > qp->rq.mask) {
			err = -ENOMEM;
			break;
		}
		w = sod_queue_slot(&qp->rq, prod);
		sge = (struct softodp_sge *)(w + 1);
		w->wr_id = wr->wr_id;
		w->num_sge = wr->num_sge;
		w->reserved = 0;
		for (i = 0; i < wr->num_sge; i++) {
			sge[i].addr = wr->sg_list[i].addr;
			sge[i].length = wr->sg_list[i].length;
			sge[i].lkey = wr->sg_list[i].lkey;
		}
		prod++;
		/* The slot is written before the worker can see prod. */
		smp_store_release(&ring->prod, prod);
	}
	spin_unlock_irqrestore(&qp->rq_lock, flags);
	if (err)
		*bad_wr = wr;
	if (READ_ONCE(qp->state) == IB_QPS_ERR)
		sod_qp_kick(qp, SOD_UNIT_RESP);
	return err;
}

const struct ib_device_ops sod_qp_ops = {
	.create_qp = sod_create_qp,
	.destroy_qp = sod_destroy_qp,
	.modify_qp = sod_modify_qp,
	.post_recv = sod_post_recv,
	.post_send = sod_post_send,
	.query_qp = sod_query_qp,

	INIT_RDMA_OBJ_SIZE(ib_qp, sod_qp, ibqp),
};
