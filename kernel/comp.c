// SPDX-License-Identifier: GPL-2.0
/*
 * softodp: the completer.  Matches ACKs, NAKs, read responses and atomic
 * ACKs against the oldest outstanding send WQEs, and runs the
 * retransmission and RNR timers' decisions.
 *
 * Runs in a pass of the QP's requester unit (its mutex and owner bit
 * held): process context, may sleep (read responses are written to
 * memory here); or, for a plain ACK or a READ response into pinned
 * memory, in the receive softirq with the owner bit held
 * (sod_comp_fast()), where nothing it reaches sleeps.  See
 * docs/datapath.md, "RC completer".
 */
#include "qp.h"

/* RNR timer values of the IBTA table, in microseconds, by 5-bit code. */
static const u32 sod_rnr_usecs[32] = {
	655360, 10, 20, 30, 40, 60, 80, 120, 160, 240, 320, 480, 640, 960,
	1280, 1920, 2560, 3840, 5120, 7680, 10240, 15360, 20480, 30720,
	40960, 61440, 81920, 122880, 163840, 245760, 327680, 491520,
};

static bool sod_wqe_rd_atomic(const struct sod_swqe *s)
{
	return s->hdr.opcode == IB_WR_RDMA_READ ||
	       s->hdr.opcode == IB_WR_ATOMIC_CMP_AND_SWP ||
	       s->hdr.opcode == IB_WR_ATOMIC_FETCH_AND_ADD;
}

/* The SQ index (as q.index counts) of the WQE state @s. */
static u32 sod_swqe_index(struct sod_qp *qp, struct sod_swqe *s)
{
	u32 slot = (u32)(s - qp->swqe);

	return qp->sq.index + ((slot - qp->sq.index) & qp->sq.mask);
}

/* The oldest WQE that is neither done nor unsent, or NULL. */
static struct sod_swqe *sod_comp_head(struct sod_qp *qp)
{
	u32 idx, end = sod_req_end(qp);

	for (idx = qp->sq.index; idx != end; idx++) {
		struct sod_swqe *s = sod_swqe_at(qp, idx);

		if (s->state != SOD_SWQE_DONE)
			return s;
	}
	return NULL;
}

/* A request packet was lost (sequence NAK, timeout): halve the window. */
static void sod_comp_cwnd_cut(struct sod_qp *qp)
{
	sod_cwnd_loss(&qp->req.cwnd);
	sod_stat_inc(qp->sdev, SOD_STAT_CWND_CUTS);
}

/* Something acknowledged new PSNs: the retry budgets start over. */
static void sod_comp_progress(struct sod_qp *qp, u32 psn)
{
	s32 n = sod_psn_diff(psn, qp->req.last_psn_acked);

	if (n > 0) {
		sod_cwnd_acked(&qp->req.cwnd, n);
		qp->req.last_psn_acked = psn;
	}
	qp->req.retry_left = qp->attr.retry_cnt;
	qp->req.rnr_left = qp->attr.rnr_retry;
	qp->req.gap_rewound = false;
	sod_req_restart_timer(qp);
}

/*
 * Everything up to @psn is acknowledged: complete the SEND/WRITE WQEs it
 * covers, in order.  A READ/ATOMIC at the head that @psn passes lost its
 * response: rewind to it, once until the next progress (every response
 * still in flight behind the lost one passes it too; rewinding for each
 * of them would ask for the READs again and again, and the responder,
 * answering every copy, would bury the wanted responses under stale ones
 * until the retries ran out).  If the one rewind is lost, the timer
 * recovers.  Returns the head WQE still waiting, if any.
 */
static struct sod_swqe *sod_comp_ack_upto(struct sod_qp *qp, u32 psn,
					  bool read_resp)
{
	struct sod_swqe *s;

	while ((s = sod_comp_head(qp))) {
		if (sod_psn_diff(psn, s->first_psn) < 0)
			break;
		if (sod_wqe_rd_atomic(s)) {
			/* The next response of this very READ: nothing lost. */
			if (read_resp &&
			    sod_psn_diff(psn + 1, s->first_psn) >= 0 &&
			    sod_psn_diff(psn + 1, s->last_psn) <= 0)
				break;
			/* Data missing for a READ/ATOMIC before @psn. */
			if (sod_psn_diff(psn, s->last_psn) >= 0 ||
			    s->state == SOD_SWQE_SENT)
				qp->req.need_rewind = true;
			qp->req.rewind_psn = qp->req.last_psn_acked + 1;
			break;
		}
		/*
		 * All of it acknowledged completes it even while a rewind
		 * has it SENDING again: the responder has every packet, and
		 * its answers to the repeats would only be duplicate ACKs.
		 */
		if (sod_psn_diff(psn, s->last_psn) < 0) {
			/* Part of the message is acknowledged. */
			sod_comp_progress(qp, psn);
			break;
		}
		s->state = SOD_SWQE_DONE;
		s->status = IB_WC_SUCCESS;
		sod_comp_progress(qp, s->last_psn);
	}
	if (qp->req.need_rewind) {
		qp->req.need_rewind = false;
		if (!qp->req.gap_rewound) {
			qp->req.gap_rewound = true;
			sod_req_rewind(qp,
				       sod_psn_add(qp->req.last_psn_acked, 1));
		}
	}
	return sod_comp_head(qp);
}

/* Fail WQE @s with @status: it completes in order, the QP goes to ERR. */
static void sod_comp_fail(struct sod_qp *qp, struct sod_swqe *s,
			  enum ib_wc_status status)
{
	s->state = SOD_SWQE_DONE;
	s->status = status;
}

/*
 * sod_comp_read_gap - a response of the READ at the head of the send
 * queue, but not the next one expected.  The responder is alive and
 * streaming, so the retransmit timer is pushed back (the retry budget
 * stays as it is): a long response stream that lost a packet must not
 * spend the retries while its remaining packets, now useless, still
 * arrive.  A response beyond the expected PSN means the ones between
 * were lost: the READ is asked again from the first missing PSN at once,
 * once until the next progress (the rest of the old stream passes the
 * gap too).  Requester pass (its mutex held).
 */
static void sod_comp_read_gap(struct sod_qp *qp, u32 psn)
{
	u32 want = sod_psn_add(qp->req.last_psn_acked, 1);

	sod_dbg(qp->sdev, "qp %u: read response psn %#x, expected %#x\n",
		qp->qpn, psn, want);
	sod_req_restart_timer(qp);
	if (sod_psn_diff(psn, want) > 0 && !qp->req.gap_rewound) {
		qp->req.gap_rewound = true;
		sod_req_rewind(qp, want);
	}
}

static void sod_comp_read_resp(struct sod_qp *qp, struct sk_buff *skb,
			       struct sod_swqe *s)
{
	struct sod_pkt *pkt = SOD_PKT(skb);
	u32 idx = sod_swqe_index(qp, s);
	u32 mtu = qp->attr.mtu;
	u32 offset, expect;
	int err;

	if (s->hdr.opcode != IB_WR_RDMA_READ ||
	    sod_psn_diff(pkt->psn, s->first_psn) < 0 ||
	    sod_psn_diff(pkt->psn, s->last_psn) > 0) {
		sod_dbg(qp->sdev, "qp %u: read response psn %#x unexpected (acked %#x, wqe %#x..%#x op %u)\n",
			qp->qpn, pkt->psn, qp->req.last_psn_acked,
			s->first_psn, s->last_psn, s->hdr.opcode);
		return;		/* not for the head READ: the timer recovers */
	}
	if (pkt->psn != sod_psn_add(qp->req.last_psn_acked, 1)) {
		sod_comp_read_gap(qp, pkt->psn);
		return;
	}

	offset = ((pkt->psn - s->first_psn) & SOD_PSN_MASK) * mtu;
	expect = min(mtu, s->length - offset);
	/*
	 * A READ asked again after a rewind is answered by a new FIRST at
	 * the PSN we rewound to, so FIRST may come at any PSN; LAST only at
	 * the READ's last PSN.
	 */
	if (pkt->paylen != expect ||
	    !!(pkt->flags & SOD_F_LAST) != (pkt->psn == s->last_psn)) {
		/* Inconsistent with what we asked: treat as lost. */
		sod_dbg(qp->sdev, "qp %u: read response psn %#x len %u op %#x inconsistent\n",
			qp->qpn, pkt->psn, pkt->paylen, pkt->opcode);
		return;
	}
	err = sod_sge_copy(qp, sod_swqe_sges(qp, idx), s->hdr.num_sge, offset,
			   sod_pkt_payload(pkt), pkt->paylen, SOD_COPY_TO_MR);
	if (err) {
		sod_comp_fail(qp, s, err == -ENOSPC ? IB_WC_LOC_LEN_ERR :
				     IB_WC_LOC_PROT_ERR);
		return;
	}
	sod_comp_progress(qp, pkt->psn);
	if (pkt->psn == s->last_psn) {
		s->state = SOD_SWQE_DONE;
		s->status = IB_WC_SUCCESS;
	}
}

static void sod_comp_atomic_ack(struct sod_qp *qp, struct sk_buff *skb,
				struct sod_swqe *s)
{
	struct sod_pkt *pkt = SOD_PKT(skb);
	struct sod_atmack *ack = sod_pkt_ext(pkt, SOD_F_ATMACK);
	u32 idx = sod_swqe_index(qp, s);
	u64 orig = be64_to_cpu(ack->orig);
	int err;

	if (s->hdr.opcode != IB_WR_ATOMIC_CMP_AND_SWP &&
	    s->hdr.opcode != IB_WR_ATOMIC_FETCH_AND_ADD)
		return;
	if (pkt->psn != s->first_psn)
		return;
	err = sod_sge_copy(qp, sod_swqe_sges(qp, idx), s->hdr.num_sge, 0,
			   &orig, sizeof(orig), SOD_COPY_TO_MR);
	if (err) {
		sod_comp_fail(qp, s, IB_WC_LOC_PROT_ERR);
		return;
	}
	sod_comp_progress(qp, pkt->psn);
	s->state = SOD_SWQE_DONE;
	s->status = IB_WC_SUCCESS;
}

static void sod_comp_nak(struct sod_qp *qp, struct sk_buff *skb, u8 syn)
{
	struct sod_pkt *pkt = SOD_PKT(skb);
	u32 psn = pkt->psn;
	struct sod_swqe *s;

	/* Everything before the NAKed PSN is acknowledged. */
	s = sod_comp_ack_upto(qp, sod_psn_add(psn, SOD_PSN_MASK), false);
	if (!s || sod_psn_diff(psn, s->first_psn) < 0 ||
	    sod_psn_diff(psn, s->last_psn) > 0)
		return;

	if ((syn & SOD_AETH_KIND_MASK) == SOD_AETH_RNR_NAK) {
		u32 usecs = sod_rnr_usecs[syn & SOD_AETH_VALUE_MASK];

		sod_stat_inc(qp->sdev, SOD_STAT_RNR_NAK_RCVD);
		if (qp->attr.rnr_retry != 7 && !qp->req.rnr_left) {
			sod_stat_inc(qp->sdev, SOD_STAT_RNR_RETRY_EXCEEDED);
			sod_comp_fail(qp, s, IB_WC_RNR_RETRY_EXC_ERR);
			return;
		}
		if (qp->attr.rnr_retry != 7)
			qp->req.rnr_left--;
		qp->req.rnr_wait = true;
		qp->req.rewind_psn = psn;
		del_timer(&qp->retrans_timer);
		mod_timer(&qp->rnr_timer, jiffies + usecs_to_jiffies(usecs));
		return;
	}

	switch (syn & SOD_AETH_VALUE_MASK) {
	case SOD_NAK_PSN_SEQ_ERR:
		sod_stat_inc(qp->sdev, SOD_STAT_SEQ_ERR);
		sod_comp_cwnd_cut(qp);
		sod_req_rewind(qp, psn);
		break;
	case SOD_NAK_INVALID_REQ:
		sod_comp_fail(qp, s, IB_WC_REM_INV_REQ_ERR);
		break;
	case SOD_NAK_REM_ACCESS_ERR:
		sod_comp_fail(qp, s, IB_WC_REM_ACCESS_ERR);
		break;
	default:
		sod_comp_fail(qp, s, IB_WC_REM_OP_ERR);
		break;
	}
}

/*
 * sod_comp_rcv - a response packet (ACK, NAK, read response, atomic ACK)
 * for @qp.  Consumes @skb.
 */
void sod_comp_rcv(struct sod_qp *qp, struct sk_buff *skb)
{
	struct sod_pkt *pkt = SOD_PKT(skb);
	struct sod_swqe *s;
	u8 syn = 0;

	if (!sod_qp_sends(qp))
		goto drop;
	/* A response for a PSN we never sent, or an old one. */
	if (sod_psn_diff(pkt->psn, sod_psn_add(qp->req.psn, SOD_PSN_MASK)) > 0)
		goto drop;
	if (sod_psn_diff(pkt->psn, qp->req.last_psn_acked) <= 0 &&
	    pkt->opcode != SOD_OP_RC_ACKNOWLEDGE)
		goto drop;

	if (pkt->flags & SOD_F_AETH) {
		struct sod_aeth *aeth = sod_pkt_ext(pkt, SOD_F_AETH);

		syn = be32_to_cpu(aeth->smsn) >> 24;
	}

	switch (pkt->opcode) {
	case SOD_OP_RC_ACKNOWLEDGE:
		if ((syn & SOD_AETH_KIND_MASK) == SOD_AETH_ACK) {
			if (sod_psn_diff(pkt->psn,
					 qp->req.last_psn_acked) <= 0)
				break;	/* duplicate ACK */
			sod_comp_ack_upto(qp, pkt->psn, false);
		} else {
			sod_comp_nak(qp, skb, syn);
		}
		break;
	case SOD_OP_RC_ATOMIC_ACKNOWLEDGE:
		s = sod_comp_ack_upto(qp, sod_psn_add(pkt->psn, SOD_PSN_MASK),
				      false);
		if (s)
			sod_comp_atomic_ack(qp, skb, s);
		break;
	default:	/* read responses */
		s = sod_comp_ack_upto(qp, sod_psn_add(pkt->psn, SOD_PSN_MASK),
				      true);
		if (s)
			sod_comp_read_resp(qp, skb, s);
		break;
	}
	sod_req_complete(qp);
drop:
	kfree_skb(skb);
}

/*
 * sod_comp_fast_read - may READ response @pkt be taken in the receive
 * softirq?  Only the next PSN expected, for the READ at the head of the
 * send queue, whose SGEs all name pinned or DMA MRs (the payload is
 * written there).  Anything else (a gap, a response that implicitly
 * acknowledges earlier WQEs, ODP memory) is left to the pass.  Requester
 * owner bit held; softirq.
 */
static bool sod_comp_fast_read(struct sod_qp *qp, struct sod_pkt *pkt)
{
	struct sod_swqe *s = sod_comp_head(qp);
	struct softodp_sge *sge;
	u32 i;

	if (!s || s->hdr.opcode != IB_WR_RDMA_READ ||
	    pkt->psn != sod_psn_add(qp->req.last_psn_acked, 1) ||
	    sod_psn_diff(pkt->psn, s->first_psn) < 0 ||
	    sod_psn_diff(pkt->psn, s->last_psn) > 0)
		return false;
	sge = sod_swqe_sges(qp, sod_swqe_index(qp, s));
	for (i = 0; i < s->hdr.num_sge; i++)
		if (READ_ONCE(sge[i].length) &&
		    !sod_mr_key_pinned(qp->sdev, READ_ONCE(sge[i].lkey)))
			return false;
	return true;
}

/*
 * sod_comp_fast - the completer's receive fast path (docs/datapath.md,
 * "Receive fast path"): take a plain ACK (not a NAK, not an atomic ACK)
 * or a READ response into pinned memory (sod_comp_fast_read()) for an RC
 * QP in RTS right here in the receive softirq when nothing is queued
 * before it and no requester pass runs (the unit's owner bit, one try):
 * WQEs complete, CQEs are posted, the window and the timer move.  The
 * requester's next packets are left to its work item, kicked whenever it
 * is not idle afterwards (WQEs outstanding or unsent, or the SQ ring not
 * waiting for a doorbell).  Returns true if it consumed @skb.  Softirq
 * (sod_qp_rcv() from the UDP receive path, @qp referenced); never
 * sleeps.
 */
bool sod_comp_fast(struct sod_qp *qp, struct sk_buff *skb)
{
	struct sk_buff_head *rxq = &qp->unit[SOD_UNIT_REQ].rxq;
	int bit = SOD_QP_EV_OWNED + SOD_UNIT_REQ;
	struct sod_pkt *pkt = SOD_PKT(skb);
	bool read = false, busy;
	struct sod_aeth *aeth;

	switch (pkt->opcode) {
	case SOD_OP_RC_READ_RESPONSE_FIRST:
	case SOD_OP_RC_READ_RESPONSE_MIDDLE:
	case SOD_OP_RC_READ_RESPONSE_LAST:
	case SOD_OP_RC_READ_RESPONSE_ONLY:
		read = true;
		break;
	case SOD_OP_RC_ACKNOWLEDGE:
		break;
	default:
		return false;
	}
	if (qp->type != IB_QPT_RC || !skb_queue_empty(rxq))
		return false;
	if (pkt->flags & SOD_F_AETH) {
		aeth = sod_pkt_ext(pkt, SOD_F_AETH);
		if (((be32_to_cpu(aeth->smsn) >> 24) & SOD_AETH_KIND_MASK) !=
		    SOD_AETH_ACK)
			return false;
	}
	if (test_and_set_bit_lock(bit, &qp->events))
		return false;
	/* Owner now: no requester pass runs. */
	if (!skb_queue_empty(rxq) || qp->destroyed ||
	    READ_ONCE(qp->state) != IB_QPS_RTS || qp->req.rnr_wait ||
	    (read && !sod_comp_fast_read(qp, pkt))) {
		clear_bit_unlock(bit, &qp->events);
		return false;
	}
	sod_comp_rcv(qp, skb);
	busy = sod_req_outstanding(qp) || qp->req.cur != qp->req.fetch ||
	       !(READ_ONCE(qp->sq.ring->flags) & SOFTODP_RING_F_DOORBELL);
	sod_stat_inc(qp->sdev, read ? SOD_STAT_RX_SOFTIRQ_READ :
					SOD_STAT_RX_SOFTIRQ_ACK);
	clear_bit_unlock(bit, &qp->events);
	if (busy || test_bit(SOD_QP_EV_PASS + SOD_UNIT_REQ, &qp->events))
		sod_qp_kick(qp, SOD_UNIT_REQ);
	return true;
}

/*
 * sod_comp_timers - act on expired timers: retransmit from the oldest
 * unacknowledged PSN, or fail the oldest WQE when the retries are used up.
 */
void sod_comp_timers(struct sod_qp *qp)
{
	struct sod_swqe *s;

	if (test_and_clear_bit(SOD_QP_EV_RNR, &qp->events) &&
	    qp->req.rnr_wait) {
		qp->req.rnr_wait = false;
		sod_req_rewind(qp, qp->req.rewind_psn);
		sod_req_arm_timer(qp);
	}
	if (!test_and_clear_bit(SOD_QP_EV_RETRANS, &qp->events))
		return;
	/* Nothing outstanding (the timer is left running when it ends). */
	if (!sod_req_outstanding(qp))
		return;
	/* Progress since the timer was set (sod_req_restart_timer()). */
	if (time_before(jiffies, qp->req.retrans_deadline)) {
		mod_timer(&qp->retrans_timer, qp->req.retrans_deadline);
		return;
	}
	if (qp->req.rnr_wait || !sod_qp_sends(qp))
		return;
	s = sod_comp_head(qp);
	if (!s)
		return;
	if (!qp->req.retry_left) {
		sod_stat_inc(qp->sdev, SOD_STAT_RETRY_EXCEEDED);
		sod_comp_fail(qp, s, IB_WC_RETRY_EXC_ERR);
		sod_req_complete(qp);
		return;
	}
	qp->req.retry_left--;
	sod_dbg(qp->sdev, "qp %u: timeout, resend from psn %#x (%u retries left)\n",
		qp->qpn, sod_psn_add(qp->req.last_psn_acked, 1),
		qp->req.retry_left);
	sod_comp_cwnd_cut(qp);
	sod_req_rewind(qp, sod_psn_add(qp->req.last_psn_acked, 1));
	sod_req_arm_timer(qp);
}
