// SPDX-License-Identifier: GPL-2.0
/*
 * softodp: the requester.  Turns send WQEs into request packets, keeps
 * them in order, completes them in order, rewinds for retransmission, and
 * flushes them when the QP is in error.
 *
 * Everything here runs in a pass of the QP's requester unit, its mutex
 * and owner bit held: process context, may sleep (the payload is read
 * from memory as packets are built).  See docs/datapath.md, "RC
 * requester".  What the completer calls here (sod_req_complete(),
 * sod_req_restart_timer(), sod_req_rewind(), sod_req_outstanding()) also
 * runs in the receive softirq under the owner bit (sod_comp_fast()); none
 * of it sleeps or touches memory other than the rings.
 */
#include "qp.h"

struct softodp_sge *sod_swqe_sges(struct sod_qp *qp, u32 idx)
{
	return (struct softodp_sge *)((struct softodp_send_wqe *)
				      sod_queue_slot(&qp->sq, idx) + 1);
}

static bool sod_op_is_rd_atomic(u32 opcode)
{
	return opcode == IB_WR_RDMA_READ ||
	       opcode == IB_WR_ATOMIC_CMP_AND_SWP ||
	       opcode == IB_WR_ATOMIC_FETCH_AND_ADD;
}

static bool sod_op_is_atomic(u32 opcode)
{
	return opcode == IB_WR_ATOMIC_CMP_AND_SWP ||
	       opcode == IB_WR_ATOMIC_FETCH_AND_ADD;
}

static u32 sod_qp_mtu(struct sod_qp *qp)
{
	if (sod_qp_is_ud(qp))
		return ib_mtu_enum_to_int(sod_active_mtu(READ_ONCE(qp->sdev->ndev->mtu)));
	return qp->attr.mtu ? qp->attr.mtu : 256;
}

/* Retransmission timeout: 4.096 us * 2^timeout, at least 10 ms. */
unsigned long sod_req_timeout(struct sod_qp *qp)
{
	u64 ns = 4096ULL << qp->attr.timeout;

	return max(nsecs_to_jiffies(ns), msecs_to_jiffies(10));
}

/*
 * sod_req_restart_timer - the retransmission timeout counts from now
 * (nothing to do for a QP without one).  Only the deadline moves while the
 * timer is pending: the timer, when it fires, finds the later deadline in
 * sod_comp_timers() and waits on.  Moving the timer itself on every packet
 * sent and every ACK cost a dozen timer-wheel calls per round trip; this
 * way a QP that keeps traffic going sees one timer expiry per timeout
 * period instead.  Requester unit owned (its pass, or the fast path).
 */
void sod_req_restart_timer(struct sod_qp *qp)
{
	unsigned long deadline;

	if (!qp->attr.timeout)
		return;
	deadline = jiffies + sod_req_timeout(qp);
	qp->req.retrans_deadline = deadline;
	/* A shorter timeout (modify_qp) than the one pending moves it too. */
	if (!timer_pending(&qp->retrans_timer) ||
	    time_after(READ_ONCE(qp->retrans_timer.expires), deadline))
		mod_timer(&qp->retrans_timer, deadline);
}

/* sod_req_arm_timer - start the retransmission timer if it is not running. */
void sod_req_arm_timer(struct sod_qp *qp)
{
	if (!sod_qp_is_ud(qp) && !timer_pending(&qp->retrans_timer))
		sod_req_restart_timer(qp);
}

/*
 * sod_req_sent_restart - this pass sent request packets: the ACK timeout
 * of what is outstanding counts from now, the end of the pass.  A pass
 * sends up to SOD_WORK_BUDGET packets, which on the debug kernel took
 * 50-660 ms (TCG, three VMs on two cores), and the responder cannot
 * answer packets before they exist; in loopback it even runs after this
 * pass, in the same thread.  Counting from the first packet made the
 * timer fire while the requester was still sending, and each such
 * timeout spent a retry and sent the window again.  A lost packet is so
 * detected at most one pass's duration later.  A timer that has already
 * fired finds the new deadline in sod_comp_timers() and waits on.
 * Worker context, requester unit mutex held.
 */
static void sod_req_sent_restart(struct sod_qp *qp)
{
	if (!sod_qp_is_ud(qp) && !qp->req.rnr_wait && sod_req_outstanding(qp))
		sod_req_restart_timer(qp);
}

/* Are there WQEs sent but not completed? */
bool sod_req_outstanding(struct sod_qp *qp)
{
	return qp->sq.index != sod_req_end(qp);
}

/* sod_req_reset - forget all requester state (RESET, create). */
void sod_req_reset(struct sod_qp *qp)
{
	qp->req.fetch = qp->sq.index;
	qp->req.cur = qp->sq.index;
	qp->req.psn = qp->attr.sq_psn;
	qp->req.last_psn_acked = sod_psn_add(qp->attr.sq_psn, SOD_PSN_MASK);
	sod_cwnd_init(&qp->req.cwnd);
	qp->req.rd_atomic = 0;
	qp->req.retry_left = qp->attr.retry_cnt;
	qp->req.rnr_left = qp->attr.rnr_retry;
	qp->req.rnr_wait = false;
	qp->req.need_rewind = false;
	qp->req.gap_rewound = false;
	clear_bit(SOD_QP_EV_RETRANS, &qp->events);
	clear_bit(SOD_QP_EV_RNR, &qp->events);
	del_timer(&qp->retrans_timer);
	del_timer(&qp->rnr_timer);
}

static void sod_swqe_fail(struct sod_swqe *s, enum ib_wc_status status)
{
	s->state = SOD_SWQE_DONE;
	s->status = status;
}

/* Copy and validate the WQE in SQ slot @idx (first look at it). */
static void sod_req_fetch_one(struct sod_qp *qp, u32 idx)
{
	struct softodp_send_wqe *w = sod_queue_slot(&qp->sq, idx);
	struct softodp_sge *sge = sod_swqe_sges(qp, idx);
	struct sod_swqe *s = sod_swqe_at(qp, idx);
	u64 len = 0;
	u32 i;

	memset(s, 0, sizeof(*s));
	memcpy(&s->hdr, w, sizeof(s->hdr));
	/* From here on only the copy is used. */
	barrier();
	s->state = SOD_SWQE_NEW;
	s->status = IB_WC_SUCCESS;

	switch (s->hdr.opcode) {
	case IB_WR_SEND:
	case IB_WR_SEND_WITH_IMM:
		break;
	case IB_WR_RDMA_WRITE:
	case IB_WR_RDMA_WRITE_WITH_IMM:
	case IB_WR_RDMA_READ:
	case IB_WR_ATOMIC_CMP_AND_SWP:
	case IB_WR_ATOMIC_FETCH_AND_ADD:
		if (qp->type == IB_QPT_RC)
			break;
		fallthrough;
	default:
		sod_swqe_fail(s, IB_WC_LOC_QP_OP_ERR);
		return;
	}

	if (s->hdr.send_flags & IB_SEND_INLINE) {
		if (s->hdr.inline_len > qp->max_inline ||
		    s->hdr.opcode == IB_WR_RDMA_READ ||
		    sod_op_is_atomic(s->hdr.opcode)) {
			sod_swqe_fail(s, IB_WC_LOC_QP_OP_ERR);
			return;
		}
		len = s->hdr.inline_len;
	} else {
		if (s->hdr.num_sge > qp->max_send_sge) {
			sod_swqe_fail(s, IB_WC_LOC_QP_OP_ERR);
			return;
		}
		for (i = 0; i < s->hdr.num_sge; i++)
			len += READ_ONCE(sge[i].length);
	}
	if (len > SOD_MAX_MSG_SIZE) {
		sod_swqe_fail(s, IB_WC_LOC_LEN_ERR);
		return;
	}
	s->length = len;

	if (sod_op_is_atomic(s->hdr.opcode) && len != 8) {
		sod_swqe_fail(s, IB_WC_LOC_LEN_ERR);
		return;
	}
	if (sod_op_is_rd_atomic(s->hdr.opcode) && !qp->attr.max_rd_atomic) {
		sod_swqe_fail(s, IB_WC_LOC_QP_OP_ERR);
		return;
	}
	if (sod_qp_is_ud(qp)) {
		if (len > sod_qp_mtu(qp)) {
			sod_swqe_fail(s, IB_WC_LOC_LEN_ERR);
			return;
		}
		if (sod_ah_lookup(qp->sdev, s->hdr.wr.ud.ah_num, qp->pd->pdn,
				  &s->av)) {
			sod_swqe_fail(s, IB_WC_LOC_QP_OP_ERR);
			return;
		}
		s->dest_qpn = s->hdr.wr.ud.remote_qpn & SOD_QPN_MASK;
		s->qkey = (s->hdr.wr.ud.remote_qkey & BIT(31)) ?
			  qp->attr.qkey : s->hdr.wr.ud.remote_qkey;
	}
	/* ODP: map the local buffers in batches before packets need them. */
	if (!(s->hdr.send_flags & IB_SEND_INLINE) &&
	    !sod_op_is_atomic(s->hdr.opcode))
		sod_sge_prefetch(qp, sge, s->hdr.num_sge, 0, len,
				 s->hdr.opcode == IB_WR_RDMA_READ);
}

/* Opcode of the packet of an RC SEND/WRITE at position first/last. */
static u8 sod_rc_opcode(u32 wr_op, bool first, bool last)
{
	bool imm = wr_op == IB_WR_SEND_WITH_IMM ||
		   wr_op == IB_WR_RDMA_WRITE_WITH_IMM;

	if (wr_op == IB_WR_SEND || wr_op == IB_WR_SEND_WITH_IMM) {
		if (first && last)
			return imm ? SOD_OP_RC_SEND_ONLY_IMM : SOD_OP_RC_SEND_ONLY;
		if (first)
			return SOD_OP_RC_SEND_FIRST;
		if (last)
			return imm ? SOD_OP_RC_SEND_LAST_IMM : SOD_OP_RC_SEND_LAST;
		return SOD_OP_RC_SEND_MIDDLE;
	}
	if (first && last)
		return imm ? SOD_OP_RC_WRITE_ONLY_IMM : SOD_OP_RC_WRITE_ONLY;
	if (first)
		return SOD_OP_RC_WRITE_FIRST;
	if (last)
		return imm ? SOD_OP_RC_WRITE_LAST_IMM : SOD_OP_RC_WRITE_LAST;
	return SOD_OP_RC_WRITE_MIDDLE;
}

/* Read @len payload bytes at @offset of WQE @idx into @buf. */
static int sod_req_gather(struct sod_qp *qp, struct sod_swqe *s, u32 idx,
			  u32 offset, void *buf, u32 len)
{
	if (s->hdr.send_flags & IB_SEND_INLINE) {
		memcpy(buf, (u8 *)sod_swqe_sges(qp, idx) + offset, len);
		return 0;
	}
	return sod_sge_copy(qp, sod_swqe_sges(qp, idx), s->hdr.num_sge,
			    offset, buf, len, SOD_COPY_FROM_MR);
}

static enum ib_wc_status sod_gather_status(int err)
{
	return err == -ENOSPC ? IB_WC_LOC_LEN_ERR : IB_WC_LOC_PROT_ERR;
}

/* One UD packet for WQE @idx; the WQE is done afterwards. */
static void sod_req_send_ud(struct sod_qp *qp, struct sod_swqe *s, u32 idx)
{
	bool imm = s->hdr.opcode == IB_WR_SEND_WITH_IMM;
	u8 op = imm ? SOD_OP_UD_SEND_ONLY_IMM : SOD_OP_UD_SEND_ONLY;
	struct sod_deth *deth;
	struct sk_buff *skb;
	struct sod_pkt pkt;
	int err;

	skb = sod_pkt_new(qp, &s->av, op, s->length, s->dest_qpn,
			  qp->req.psn, false,
			  s->hdr.send_flags & IB_SEND_SOLICITED);
	if (!skb) {
		/* Like a packet lost on the wire: UD gives no guarantee. */
		sod_stat_inc(qp->sdev, SOD_STAT_TX_DROP);
		goto done;
	}
	qp->req.psn = sod_psn_add(qp->req.psn, 1);
	pkt.hdr = skb->data;
	pkt.opcode = op;
	deth = sod_pkt_ext(&pkt, SOD_F_DETH);
	deth->qkey = cpu_to_be32(s->qkey);
	deth->sqp = cpu_to_be32(qp->qpn & SOD_QPN_MASK);
	if (imm)
		*(__be32 *)sod_pkt_ext(&pkt, SOD_F_IMMDT) =
			(__force __be32)s->hdr.imm_data;
	err = sod_req_gather(qp, s, idx, 0, sod_pkt_payload(&pkt), s->length);
	if (err) {
		kfree_skb(skb);
		sod_swqe_fail(s, sod_gather_status(err));
		return;
	}
	if (qp->type == IB_QPT_GSI)
		sod_dbg(qp->sdev, "qp 1: MAD of %u bytes %pI6c -> %pI6c qpn %u qkey %#x ttl %u port %u\n",
			s->length, &s->av.saddr, &s->av.daddr, s->dest_qpn, s->qkey,
			s->av.hop_limit, qp->attr.src_port);
	sod_pkt_send(qp, SOD_UNIT_REQ, &s->av, skb);
done:
	s->state = SOD_SWQE_DONE;
	s->status = IB_WC_SUCCESS;
}

/*
 * Send the request packets of RC WQE @idx from where it stands.  Returns
 * true when its last request packet is out (or it failed), false when the
 * window, the budget or the local TX queue (sod_qp_tx_full()) stopped it.
 */
static bool sod_req_send_rc(struct sod_qp *qp, struct sod_swqe *s, u32 idx,
			    int *budget)
{
	u32 mtu = qp->attr.mtu;
	u32 op = s->hdr.opcode;
	struct sod_pkt pkt;
	struct sk_buff *skb;
	int err;

	if (op == IB_WR_RDMA_READ || sod_op_is_atomic(op)) {
		u32 psn = sod_psn_add(s->first_psn, s->sent / mtu);
		u8 opc;

		if (sod_psn_diff(psn, qp->req.last_psn_acked) >
		    qp->req.cwnd.wnd)
			return false;
		opc = op == IB_WR_RDMA_READ ? SOD_OP_RC_READ_REQUEST :
		      op == IB_WR_ATOMIC_CMP_AND_SWP ? SOD_OP_RC_COMPARE_SWAP :
						       SOD_OP_RC_FETCH_ADD;
		skb = sod_pkt_new(qp, &qp->attr.av, opc, 0, qp->attr.dest_qpn,
				  psn, true, false);
		if (!skb)
			return false;
		pkt.hdr = skb->data;
		pkt.opcode = opc;
		if (op == IB_WR_RDMA_READ) {
			struct sod_reth *reth = sod_pkt_ext(&pkt, SOD_F_RETH);

			reth->va = cpu_to_be64(s->hdr.wr.rdma.remote_addr +
					       s->sent);
			reth->rkey = cpu_to_be32(s->hdr.wr.rdma.rkey);
			reth->len = cpu_to_be32(s->length - s->sent);
		} else {
			struct sod_atmeth *a = sod_pkt_ext(&pkt, SOD_F_ATMETH);
			bool cas = op == IB_WR_ATOMIC_CMP_AND_SWP;

			a->va = cpu_to_be64(s->hdr.wr.atomic.remote_addr);
			a->rkey = cpu_to_be32(s->hdr.wr.atomic.rkey);
			a->swap_add = cpu_to_be64(cas ? s->hdr.wr.atomic.swap :
						  s->hdr.wr.atomic.compare_add);
			a->cmp = cpu_to_be64(cas ? s->hdr.wr.atomic.compare_add :
					     0);
		}
		sod_pkt_send(qp, SOD_UNIT_REQ, &qp->attr.av, skb);
		(*budget)--;
		s->state = SOD_SWQE_SENT;
		qp->req.rd_atomic++;
		sod_req_arm_timer(qp);
		return true;
	}

	/* SEND and WRITE: one packet per MTU, at least one. */
	do {
		u32 psn = sod_psn_add(s->first_psn, s->sent / mtu);
		u32 paylen = min(mtu, s->length - s->sent);
		bool first = s->sent == 0;
		bool last = s->sent + paylen == s->length;
		bool imm = op == IB_WR_SEND_WITH_IMM ||
			   op == IB_WR_RDMA_WRITE_WITH_IMM;
		u8 opc = sod_rc_opcode(op, first, last);

		if (*budget <= 0 ||
		    sod_psn_diff(psn, qp->req.last_psn_acked) >
		    qp->req.cwnd.wnd || sod_qp_tx_full(qp))
			return false;
		skb = sod_pkt_new(qp, &qp->attr.av, opc, paylen,
				  qp->attr.dest_qpn, psn,
				  last || (psn & SOD_ACKREQ_MASK) == SOD_ACKREQ_MASK ||
				  sod_psn_diff(psn, qp->req.last_psn_acked) >=
				  qp->req.cwnd.wnd,
				  last && (s->hdr.send_flags & IB_SEND_SOLICITED));
		if (!skb)
			return false;
		pkt.hdr = skb->data;
		pkt.opcode = opc;
		if (sod_op_flags(opc) & SOD_F_RETH) {
			struct sod_reth *reth = sod_pkt_ext(&pkt, SOD_F_RETH);

			reth->va = cpu_to_be64(s->hdr.wr.rdma.remote_addr);
			reth->rkey = cpu_to_be32(s->hdr.wr.rdma.rkey);
			reth->len = cpu_to_be32(s->length);
		}
		if (last && imm)
			*(__be32 *)sod_pkt_ext(&pkt, SOD_F_IMMDT) =
				(__force __be32)s->hdr.imm_data;
		err = sod_req_gather(qp, s, idx, s->sent,
				     sod_pkt_payload(&pkt), paylen);
		if (err) {
			kfree_skb(skb);
			sod_swqe_fail(s, sod_gather_status(err));
			return true;
		}
		sod_pkt_send(qp, SOD_UNIT_REQ, &qp->attr.av, skb);
		(*budget)--;
		s->sent += paylen;
		s->state = last ? SOD_SWQE_SENT : SOD_SWQE_SENDING;
		sod_req_arm_timer(qp);
	} while (s->state != SOD_SWQE_SENT);
	return true;
}

/* Give WQE @s its PSNs: SEND/WRITE/READ one per MTU, atomics one. */
static void sod_req_assign_psn(struct sod_qp *qp, struct sod_swqe *s)
{
	u32 mtu = qp->attr.mtu;

	s->npkts = sod_op_is_atomic(s->hdr.opcode) ? 1 :
		   max_t(u32, 1, DIV_ROUND_UP(s->length, mtu));
	s->first_psn = qp->req.psn;
	s->last_psn = sod_psn_add(s->first_psn, s->npkts - 1);
	qp->req.psn = sod_psn_add(s->last_psn, 1);
	s->sent = 0;
	s->state = SOD_SWQE_SENDING;
}

static void sod_req_fetch(struct sod_qp *qp)
{
	u32 avail, prod;

	if (sod_qp_ring_broken(qp, &qp->sq, &avail))
		return;
	prod = qp->sq.index + avail;
	while (qp->req.fetch != prod) {
		sod_req_fetch_one(qp, qp->req.fetch);
		qp->req.fetch++;
	}
}

/*
 * Tell the provider whether the next post needs a doorbell: only when the
 * worker has nothing left to send.  The flag is set, then the producer
 * index re-read (full barrier between), so that a WQE published at the
 * same time is seen either by us or by the provider's flag check.
 */
static void sod_req_idle(struct sod_qp *qp)
{
	struct softodp_ring *ring = qp->sq.ring;

	WRITE_ONCE(ring->flags, SOFTODP_RING_F_DOORBELL);
	/*
	 * Store flag, then load prod; the provider stores prod, then loads
	 * the flag (each with a full barrier): one of us sees the other.
	 */
	smp_mb();
	/* Pairs with the provider's store-release of prod. */
	if (smp_load_acquire(&ring->prod) != qp->req.fetch) {
		WRITE_ONCE(ring->flags, 0);
		sod_qp_want(qp, SOD_UNIT_REQ);
	}
}

/*
 * sod_req_process - send what the SQ holds, as far as the windows allow,
 * then complete what is done.  QP in RTS or SQD.
 */
void sod_req_process(struct sod_qp *qp)
{
	struct softodp_ring *ring = qp->sq.ring;
	int budget = SOD_WORK_BUDGET;
	bool stalled = false;

	if (READ_ONCE(ring->flags))
		WRITE_ONCE(ring->flags, 0);
	sod_req_fetch(qp);
	while (qp->req.cur != qp->req.fetch && !qp->req.rnr_wait) {
		u32 idx = qp->req.cur;
		struct sod_swqe *s = sod_swqe_at(qp, idx);

		if (s->state == SOD_SWQE_DONE && s->status)
			break;	/* a failed WQE: nothing after it is sent */
		if (s->state == SOD_SWQE_NEW) {
			/* SQD: no new WQE starts, drained or not, until RTS */
			if (budget <= 0 ||
			    READ_ONCE(qp->state) == IB_QPS_SQD) {
				stalled = true;
				break;
			}
			if (!sod_qp_is_ud(qp)) {
				bool rda = sod_op_is_rd_atomic(s->hdr.opcode);

				if ((rda && qp->req.rd_atomic >=
					    qp->attr.max_rd_atomic) ||
				    ((s->hdr.send_flags & IB_SEND_FENCE) &&
				     qp->req.rd_atomic)) {
					stalled = true;
					break;
				}
				sod_req_assign_psn(qp, s);
			}
		}
		if (sod_qp_is_ud(qp)) {
			if (s->state == SOD_SWQE_NEW) {
				if (sod_qp_tx_full(qp)) {
					stalled = true;
					break;
				}
				sod_req_send_ud(qp, s, idx);
				budget--;
			}
		} else if (s->state == SOD_SWQE_SENDING &&
			   !sod_op_is_rd_atomic(s->hdr.opcode) &&
			   sod_psn_diff(s->last_psn,
					qp->req.last_psn_acked) <= 0) {
			/*
			 * A rewind put it back, but the responder has since
			 * acknowledged all of it (while it stood beyond
			 * req.cur, out of the completer's sight): done.  Sent
			 * again, its packets would only draw duplicate ACKs,
			 * which complete nothing, and the QP would wait for
			 * an ACK that never comes until the retries ran out.
			 */
			s->state = SOD_SWQE_DONE;
			s->status = IB_WC_SUCCESS;
		} else if (s->state == SOD_SWQE_SENDING) {
			if (sod_op_is_rd_atomic(s->hdr.opcode) &&
			    qp->req.rd_atomic >= qp->attr.max_rd_atomic) {
				stalled = true;
				break;
			}
			if (!sod_req_send_rc(qp, s, idx, &budget)) {
				stalled = true;
				break;
			}
		}
		qp->req.cur++;
	}
	sod_req_complete(qp);
	if (budget < SOD_WORK_BUDGET)
		sod_req_sent_restart(qp);

	if (qp->attr.sq_draining && READ_ONCE(qp->state) == IB_QPS_SQD &&
	    !sod_req_outstanding(qp)) {
		qp->attr.sq_draining = false;
		sod_qp_event(qp, IB_EVENT_SQ_DRAINED);
	}
	if (budget <= 0)
		sod_qp_want(qp, SOD_UNIT_REQ);
	else if (!stalled && qp->req.cur == qp->req.fetch)
		sod_req_idle(qp);
}

static u32 sod_wc_opcode(u32 wr_op)
{
	switch (wr_op) {
	case IB_WR_RDMA_WRITE:
	case IB_WR_RDMA_WRITE_WITH_IMM:
		return IB_WC_RDMA_WRITE;
	case IB_WR_RDMA_READ:
		return IB_WC_RDMA_READ;
	case IB_WR_ATOMIC_CMP_AND_SWP:
		return IB_WC_COMP_SWAP;
	case IB_WR_ATOMIC_FETCH_AND_ADD:
		return IB_WC_FETCH_ADD;
	default:
		return IB_WC_SEND;
	}
}

/* Post the completion of WQE @s (if it is due) and free its slot. */
static void sod_req_retire(struct sod_qp *qp, struct sod_swqe *s,
			   enum ib_wc_status status)
{
	struct softodp_cqe cqe = {};
	bool post = status || qp->sq_sig_all ||
		    (s->hdr.send_flags & IB_SEND_SIGNALED);

	cqe.wr_id = s->hdr.wr_id;
	cqe.status = status;
	cqe.opcode = sod_wc_opcode(s->hdr.opcode);
	cqe.byte_len = s->length;
	cqe.qp_num = qp->qpn;
	if (sod_op_is_rd_atomic(s->hdr.opcode) &&
	    (s->state == SOD_SWQE_SENT || s->state == SOD_SWQE_DONE) &&
	    qp->req.rd_atomic && s->npkts)
		qp->req.rd_atomic--;
	s->npkts = 0;
	/* Free the slot first: whoever sees the CQE may post at once. */
	sod_queue_consume(&qp->sq);
	if ((s32)(qp->req.cur - qp->sq.index) < 0)
		qp->req.cur = qp->sq.index;
	if (post)
		sod_cqe_post(qp, qp->scq, &cqe, false);
}

/*
 * sod_req_complete - complete, in SQ order, every WQE at the head that is
 * done.  An error completion moves the QP to ERR (the rest is flushed).
 */
void sod_req_complete(struct sod_qp *qp)
{
	while (qp->sq.index != qp->req.fetch) {
		struct sod_swqe *s = sod_swqe_at(qp, qp->sq.index);
		enum ib_wc_status status = s->status;

		if (s->state != SOD_SWQE_DONE)
			break;
		sod_req_retire(qp, s, status);
		if (status) {
			sod_qp_error(qp);
			break;
		}
	}
	/*
	 * Nothing outstanding: the timer, if pending, is left to expire and
	 * find nothing to resend (sod_comp_timers()); stopping it here was
	 * the other half of the timer-wheel calls of every round trip.
	 */
}

/*
 * sod_req_flush - QP in ERR: complete every posted WQE, those that really
 * finished with their status, the rest with IB_WC_WR_FLUSH_ERR.
 */
void sod_req_flush(struct sod_qp *qp)
{
	skb_queue_purge(&qp->unit[SOD_UNIT_REQ].rxq);
	sod_req_fetch(qp);
	while (qp->sq.index != qp->req.fetch) {
		struct sod_swqe *s = sod_swqe_at(qp, qp->sq.index);

		sod_req_retire(qp, s, s->state == SOD_SWQE_DONE && s->status ?
				      s->status : IB_WC_WR_FLUSH_ERR);
	}
	qp->req.cur = qp->sq.index;
	qp->req.rd_atomic = 0;
	qp->req.rnr_wait = false;
	del_timer(&qp->retrans_timer);
	del_timer(&qp->rnr_timer);
	sod_req_idle(qp);
}

/*
 * sod_req_rewind - resend from @psn: every WQE that holds @psn or comes
 * after it (and was started) is sent again from that point.
 */
void sod_req_rewind(struct sod_qp *qp, u32 psn)
{
	u32 idx, found = qp->req.cur, end = sod_req_end(qp);
	bool hit = false;

	for (idx = qp->sq.index; idx != end; idx++) {
		struct sod_swqe *s = sod_swqe_at(qp, idx);

		if (s->state == SOD_SWQE_DONE || s->state == SOD_SWQE_NEW)
			continue;
		if (!hit) {
			if (sod_psn_diff(psn, s->last_psn) > 0)
				continue;
			hit = true;
			found = idx;
			if (sod_psn_diff(psn, s->first_psn) < 0)
				psn = s->first_psn;
			s->sent = sod_op_is_atomic(s->hdr.opcode) ? 0 :
				  ((psn - s->first_psn) & SOD_PSN_MASK) *
				  qp->attr.mtu;
			if (s->sent > s->length)
				s->sent = 0;
		} else {
			s->sent = 0;
		}
		s->state = SOD_SWQE_SENDING;
	}
	if (!hit)
		return;
	qp->req.cur = found;
	qp->req.rd_atomic = 0;
	for (idx = qp->sq.index; idx != qp->req.cur; idx++) {
		struct sod_swqe *s = sod_swqe_at(qp, idx);

		if (s->state == SOD_SWQE_SENT &&
		    sod_op_is_rd_atomic(s->hdr.opcode))
			qp->req.rd_atomic++;
	}
	sod_stat_inc(qp->sdev, SOD_STAT_RETRANSMITS);
}
