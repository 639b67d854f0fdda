// SPDX-License-Identifier: GPL-2.0
/*
 * softodp: the responder.  Executes inbound requests (SEND into receive
 * WQEs, RDMA WRITE, READ, atomics), answers with ACKs, NAKs, read
 * responses and atomic ACKs, handles duplicates, and receives UD.
 *
 * Runs in a pass of the QP's responder unit (its mutex and owner bit
 * held): process context, may sleep (ODP faults here).  One-packet SENDs
 * and WRITEs to pinned memory may instead run in the receive softirq,
 * owner bit held (sod_resp_fast()): what they reach never sleeps there.
 * See docs/datapath.md, "RC responder", "Receive fast path" and "UD".
 */
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>

#include "qp.h"

#define SOD_GRH_BYTES	40

/* sod_resp_reset - forget all responder state (RESET, create, destroy). */
void sod_resp_reset(struct sod_qp *qp)
{
	qp->resp.epsn = qp->attr.rq_psn;
	qp->resp.msn = 0;
	qp->resp.nak_sent = false;
	qp->resp.in_msg = false;
	qp->resp.have_rwqe = false;
	qp->resp.rd_streaming = false;
	if (qp->resp.rd)
		memset(qp->resp.rd, 0, SOD_MAX_RD_ATOMIC * sizeof(*qp->resp.rd));
	qp->resp.rd_next = 0;
	qp->resp.ack_pending = false;
	qp->resp.unacked = 0;
}

/* Send an ACK (syndrome @syn) or NAK for @psn, with the current MSN. */
static void sod_resp_send_aeth(struct sod_qp *qp, u8 syn, u32 psn)
{
	struct sod_aeth *aeth;
	struct sk_buff *skb;
	struct sod_pkt pkt;

	skb = sod_pkt_new(qp, &qp->attr.av, SOD_OP_RC_ACKNOWLEDGE, 0,
			  qp->attr.dest_qpn, psn, false, false);
	if (!skb)
		return;
	pkt.hdr = skb->data;
	pkt.opcode = SOD_OP_RC_ACKNOWLEDGE;
	aeth = sod_pkt_ext(&pkt, SOD_F_AETH);
	aeth->smsn = cpu_to_be32((u32)syn << 24 |
				 (qp->resp.msn & SOD_MSN_MASK));
	sod_pkt_send(qp, SOD_UNIT_RESP, &qp->attr.av, skb);
	qp->resp.unacked = 0;
}

/* sod_resp_send_pending_ack - send the coalesced ACK, if one is due. */
void sod_resp_send_pending_ack(struct sod_qp *qp)
{
	if (!qp->resp.ack_pending)
		return;
	qp->resp.ack_pending = false;
	sod_resp_send_aeth(qp, SOD_AETH_ACK | SOD_AETH_NO_CREDIT,
			   qp->resp.ack_psn);
}

static void sod_resp_ack_later(struct sod_qp *qp, u32 psn)
{
	qp->resp.ack_pending = true;
	qp->resp.ack_psn = psn;
}

/*
 * sod_resp_executed - request packet @pkt was executed (epsn is past it):
 * acknowledge it with the next ones of this pass if the requester asked
 * (AckReq) or the message ended, and in any case once SOD_ACK_COALESCE
 * packets went unacknowledged (an ACK inside a message is a legal
 * coalesced ACK: it covers every PSN up to @pkt's).
 */
static void sod_resp_executed(struct sod_qp *qp, struct sod_pkt *pkt,
			      bool last)
{
	if (++qp->resp.unacked >= SOD_ACK_COALESCE) {
		sod_resp_ack_later(qp, pkt->psn);
		sod_resp_send_pending_ack(qp);
	} else if (pkt->ackreq || last) {
		sod_resp_ack_later(qp, pkt->psn);
	}
}

/* NAK @psn with @code (enum sod_nak_code), counted by code. */
static void sod_resp_nak(struct sod_qp *qp, u8 code, u32 psn)
{
	static const u8 nak_stat[] = {
		[SOD_NAK_PSN_SEQ_ERR] = SOD_STAT_NAK_SEQ_ERR,
		[SOD_NAK_INVALID_REQ] = SOD_STAT_NAK_INVALID_REQ,
		[SOD_NAK_REM_ACCESS_ERR] = SOD_STAT_NAK_REM_ACCESS,
		[SOD_NAK_REM_OP_ERR] = SOD_STAT_NAK_REM_OP,
		[SOD_NAK_INVALID_RD_REQ] = SOD_STAT_NAK_INVALID_REQ,
	};

	if (code < ARRAY_SIZE(nak_stat))
		sod_stat_inc(qp->sdev, nak_stat[code]);
	sod_resp_send_pending_ack(qp);
	sod_resp_send_aeth(qp, SOD_AETH_NAK | code, psn);
}

/* Complete the receive WQE in hand. */
static void sod_resp_complete(struct sod_qp *qp, struct softodp_cqe *cqe,
			      bool se)
{
	cqe->wr_id = qp->resp.rwqe.wr_id;
	cqe->qp_num = qp->qpn;
	qp->resp.have_rwqe = false;
	sod_cqe_post(qp, qp->rcq, cqe, se);
}

static void sod_resp_fail_rwqe(struct sod_qp *qp, enum ib_wc_status status)
{
	struct softodp_cqe cqe = {
		.status = status,
		.opcode = IB_WC_RECV,
		.byte_len = qp->resp.recv_off,
	};

	if (qp->resp.have_rwqe)
		sod_resp_complete(qp, &cqe, false);
}

/* A fatal request error: NAK it and take the QP to ERR. */
static void sod_resp_fatal(struct sod_qp *qp, u8 code, u32 psn)
{
	sod_resp_nak(qp, code, psn);
	qp->resp.in_msg = false;
	sod_qp_error(qp);
}

/*
 * Take the next receive WQE (SRQ or RQ) into qp->resp.rwqe.  Returns 0,
 * -ENOENT when there is none, -EIO when the queue is broken (the QP is
 * then in ERR).
 */
static int sod_resp_get_rwqe(struct sod_qp *qp)
{
	struct softodp_recv_wqe *w;
	struct softodp_sge *sge;
	u32 avail, n;
	int err;

	if (qp->resp.have_rwqe)
		return 0;
	if (qp->srq) {
		err = sod_srq_pop(qp->srq, &qp->resp.rwqe, qp->resp.rsge);
		if (err == -EINVAL) {
			sod_qp_event(qp, IB_EVENT_QP_FATAL);
			sod_qp_error(qp);
			return -EIO;
		}
		if (err)
			return err;
	} else {
		if (sod_qp_ring_broken(qp, &qp->rq, &avail))
			return -EIO;
		if (!avail)
			return -ENOENT;
		w = sod_queue_slot(&qp->rq, qp->rq.index);
		sge = (struct softodp_sge *)(w + 1);
		qp->resp.rwqe.wr_id = READ_ONCE(w->wr_id);
		n = READ_ONCE(w->num_sge);
		if (n > qp->max_recv_sge) {
			sod_queue_consume(&qp->rq);
			sod_qp_event(qp, IB_EVENT_QP_FATAL);
			sod_qp_error(qp);
			return -EIO;
		}
		qp->resp.rwqe.num_sge = n;
		memcpy(qp->resp.rsge, sge, n * sizeof(*sge));
		sod_queue_consume(&qp->rq);
	}
	qp->resp.have_rwqe = true;
	qp->resp.recv_off = 0;
	qp->resp.recv_pf = 0;
	return 0;
}

/* No receive WQE for the request @psn: RNR NAK with our timer. */
static void sod_resp_rnr(struct sod_qp *qp, u32 psn)
{
	sod_stat_inc(qp->sdev, SOD_STAT_RNR_NAK_SENT);
	sod_resp_send_pending_ack(qp);
	sod_resp_send_aeth(qp, SOD_AETH_RNR_NAK |
			   (qp->attr.min_rnr_timer & SOD_AETH_VALUE_MASK), psn);
}

/* Scatter @len bytes of @buf into the receive WQE at its current offset. */
static int sod_resp_scatter(struct sod_qp *qp, void *buf, u32 len)
{
	int err;

	err = sod_sge_copy(qp, qp->resp.rsge, qp->resp.rwqe.num_sge,
			   qp->resp.recv_off, buf, len, SOD_COPY_TO_MR);
	if (!err)
		qp->resp.recv_off += len;
	return err;
}

/*
 * sod_resp_recv_prefetch - a packet of @len bytes that is not the last of
 * its SEND is about to land in the receive WQE: if it crosses what was
 * prefetched, let ODP MRs among the WQE's SGEs map the next
 * SOD_ODP_PREFETCH bytes from the current offset in batches, so that a
 * long SEND does not fault page by page.  The message's length is
 * unknown, so a SEND of one packet prefetches nothing (its copy faults
 * the pages it needs), and a longer one maps at most SOD_ODP_PREFETCH
 * bytes ahead of what has arrived.  Best effort.  The QP's work item
 * (responder unit mutex held): may sleep.  From the receive fast path
 * (softirq; its memory is pinned, nothing to map) it returns at once.
 */
static void sod_resp_recv_prefetch(struct sod_qp *qp, u32 len)
{
	u32 off = qp->resp.recv_off;

	if (!in_task() || off + len <= qp->resp.recv_pf)
		return;
	sod_sge_prefetch(qp, qp->resp.rsge, qp->resp.rwqe.num_sge, off,
			 SOD_ODP_PREFETCH, true);
	qp->resp.recv_pf = off + SOD_ODP_PREFETCH;
}

/* ------------------------------------------------------------------ */
/* RC                                                                   */
/* ------------------------------------------------------------------ */

static void sod_resp_send(struct sod_qp *qp, struct sod_pkt *pkt)
{
	struct softodp_cqe cqe = {};
	int err;

	if (pkt->flags & SOD_F_FIRST) {
		err = sod_resp_get_rwqe(qp);
		if (err == -ENOENT) {
			sod_resp_rnr(qp, pkt->psn);
			return;
		}
		if (err)
			return;
	}
	/* ODP: map the receive buffer ahead of a multi-packet SEND. */
	if (!(pkt->flags & SOD_F_LAST))
		sod_resp_recv_prefetch(qp, pkt->paylen);
	err = sod_resp_scatter(qp, sod_pkt_payload(pkt), pkt->paylen);
	if (err) {
		sod_resp_fail_rwqe(qp, err == -ENOSPC ? IB_WC_LOC_LEN_ERR :
					IB_WC_LOC_PROT_ERR);
		sod_resp_fatal(qp, err == -ENOSPC ? SOD_NAK_INVALID_REQ :
				   SOD_NAK_REM_OP_ERR, pkt->psn);
		return;
	}
	qp->resp.epsn = sod_psn_add(qp->resp.epsn, 1);
	qp->resp.in_msg = !(pkt->flags & SOD_F_LAST);
	if (pkt->flags & SOD_F_LAST) {
		qp->resp.msn++;
		cqe.status = IB_WC_SUCCESS;
		cqe.opcode = IB_WC_RECV;
		cqe.byte_len = qp->resp.recv_off;
		if (pkt->flags & SOD_F_IMMDT) {
			cqe.imm_data = *(u32 *)sod_pkt_ext(pkt, SOD_F_IMMDT);
			cqe.wc_flags |= SOFTODP_WC_F_WITH_IMM;
		}
		sod_resp_complete(qp, &cqe, pkt->se);
	}
	sod_resp_executed(qp, pkt, pkt->flags & SOD_F_LAST);
}

/* Look up and check an rkey for @len bytes at @va with @access. */
static struct sod_mr *sod_resp_rkey(struct sod_qp *qp, u32 rkey, u64 va,
				    u32 len, int access)
{
	struct sod_mr *mr;

	if (!(qp->attr.access & access))
		return NULL;
	mr = sod_mr_get(qp->sdev, rkey);
	if (!mr)
		return NULL;
	if (sod_mr_check(mr, qp->pd->pdn, va, len, access)) {
		sod_mr_put(mr);
		return NULL;
	}
	return mr;
}

static void sod_resp_write(struct sod_qp *qp, struct sod_pkt *pkt)
{
	bool last = pkt->flags & SOD_F_LAST;
	struct softodp_cqe cqe = {};
	int err;

	if (pkt->flags & SOD_F_FIRST) {
		struct sod_reth *reth = sod_pkt_ext(pkt, SOD_F_RETH);
		u64 va = be64_to_cpu(reth->va);
		u32 len = be32_to_cpu(reth->len);

		/* The whole range is checked once, up front. */
		if (len) {
			struct sod_mr *mr;

			mr = sod_resp_rkey(qp, be32_to_cpu(reth->rkey), va, len,
					   IB_ACCESS_REMOTE_WRITE);
			if (!mr) {
				sod_resp_fatal(qp, SOD_NAK_REM_ACCESS_ERR,
					       pkt->psn);
				return;
			}
			sod_mr_prefetch(mr, va, len, true);
			sod_mr_put(mr);
		}
		qp->resp.wrkey = be32_to_cpu(reth->rkey);
		qp->resp.wva = va;
		qp->resp.wleft = len;
		qp->resp.wlen = len;
		qp->resp.wpf = va + min_t(u32, len, SOD_ODP_PREFETCH);
	}
	if (pkt->paylen > qp->resp.wleft ||
	    (last && pkt->paylen != qp->resp.wleft) ||
	    (!last && pkt->paylen != qp->attr.mtu)) {
		sod_resp_fatal(qp, SOD_NAK_INVALID_REQ, pkt->psn);
		return;
	}
	/* WRITE with immediate needs a receive WQE: check before writing. */
	if (last && (pkt->flags & SOD_F_IMMDT)) {
		err = sod_resp_get_rwqe(qp);
		if (err == -ENOENT) {
			sod_resp_rnr(qp, pkt->psn);
			qp->resp.in_msg = !(pkt->flags & SOD_F_FIRST);
			return;
		}
		if (err)
			return;
	}
	if (pkt->paylen) {
		/*
		 * Looked up again for every packet, so that no reference is
		 * held between packets: dereg_mr never waits for a peer.
		 */
		struct sod_mr *mr = sod_resp_rkey(qp, qp->resp.wrkey,
						  qp->resp.wva, pkt->paylen,
						  IB_ACCESS_REMOTE_WRITE);

		/* ODP: map the next stretch of a long WRITE in one batch. */
		if (mr && qp->resp.wva + pkt->paylen > qp->resp.wpf) {
			sod_mr_prefetch(mr, qp->resp.wva, qp->resp.wleft, true);
			qp->resp.wpf = qp->resp.wva +
				       min_t(u32, qp->resp.wleft,
					     SOD_ODP_PREFETCH);
		}
		err = mr ? sod_mr_copy(mr, qp->resp.wva, sod_pkt_payload(pkt),
				       pkt->paylen, SOD_COPY_TO_MR) : -EACCES;
		if (mr)
			sod_mr_put(mr);
		if (err) {
			sod_resp_fatal(qp, SOD_NAK_REM_ACCESS_ERR, pkt->psn);
			return;
		}
	}
	qp->resp.wva += pkt->paylen;
	qp->resp.wleft -= pkt->paylen;
	qp->resp.epsn = sod_psn_add(qp->resp.epsn, 1);
	qp->resp.in_msg = !last;
	if (last) {
		qp->resp.msn++;
		if (pkt->flags & SOD_F_IMMDT) {
			cqe.status = IB_WC_SUCCESS;
			cqe.opcode = IB_WC_RECV_RDMA_WITH_IMM;
			cqe.byte_len = qp->resp.wlen;
			cqe.imm_data = *(u32 *)sod_pkt_ext(pkt, SOD_F_IMMDT);
			cqe.wc_flags = SOFTODP_WC_F_WITH_IMM;
			sod_resp_complete(qp, &cqe, pkt->se);
		}
	}
	sod_resp_executed(qp, pkt, last);
}

/*
 * sod_resp_read_stream - send the next READ responses of the stream in
 * progress, at most SOD_WORK_BUDGET of them: a long READ is paced so that
 * the requester's worker runs meanwhile, and a repeated READ request only
 * moves the stream back instead of starting a second one.  The MR is
 * looked up for every batch, so no reference is held between passes.
 */
void sod_resp_read_stream(struct sod_qp *qp)
{
	u32 mtu = qp->attr.mtu;
	struct sod_mr *mr = NULL;
	int n;

	if (!qp->resp.rd_streaming)
		return;
	if (!sod_qp_receives(qp)) {
		qp->resp.rd_streaming = false;
		return;
	}
	if (qp->resp.rd_left) {
		mr = sod_resp_rkey(qp, qp->resp.rd_rkey, qp->resp.rd_va,
				   qp->resp.rd_left, IB_ACCESS_REMOTE_READ);
		if (!mr) {
			qp->resp.rd_streaming = false;
			sod_resp_fatal(qp, SOD_NAK_REM_ACCESS_ERR,
				       qp->resp.rd_psn);
			return;
		}
		/* ODP: map this pass's stretch in one batch. */
		sod_mr_prefetch(mr, qp->resp.rd_va,
				min_t(u64, qp->resp.rd_left,
				      (u64)SOD_WORK_BUDGET * mtu), false);
	}
	for (n = 0; n < SOD_WORK_BUDGET && qp->resp.rd_streaming; n++) {
		u32 paylen = min(mtu, qp->resp.rd_left);
		bool last = qp->resp.rd_psn == qp->resp.rd_last_psn;
		bool first = qp->resp.rd_first;
		struct sk_buff *skb;
		struct sod_pkt pkt;
		u8 op;

		if (first && last)
			op = SOD_OP_RC_READ_RESPONSE_ONLY;
		else if (first)
			op = SOD_OP_RC_READ_RESPONSE_FIRST;
		else if (last)
			op = SOD_OP_RC_READ_RESPONSE_LAST;
		else
			op = SOD_OP_RC_READ_RESPONSE_MIDDLE;
		skb = sod_pkt_new(qp, &qp->attr.av, op, paylen,
				  qp->attr.dest_qpn, qp->resp.rd_psn, false,
				  false);
		if (!skb)
			break;	/* try again on the next pass */
		pkt.hdr = skb->data;
		pkt.opcode = op;
		if (sod_op_flags(op) & SOD_F_AETH) {
			struct sod_aeth *aeth = sod_pkt_ext(&pkt, SOD_F_AETH);
			u32 msn = last ? qp->resp.rd_msn : qp->resp.rd_msn - 1;

			aeth->smsn = cpu_to_be32((u32)(SOD_AETH_ACK |
						       SOD_AETH_NO_CREDIT) << 24 |
						 (msn & SOD_MSN_MASK));
		}
		if (paylen && sod_mr_copy(mr, qp->resp.rd_va,
					  sod_pkt_payload(&pkt), paylen,
					  SOD_COPY_FROM_MR)) {
			kfree_skb(skb);
			qp->resp.rd_streaming = false;
			sod_resp_fatal(qp, SOD_NAK_REM_ACCESS_ERR,
				       qp->resp.rd_psn);
			break;
		}
		sod_pkt_send(qp, SOD_UNIT_RESP, &qp->attr.av, skb);
		qp->resp.rd_first = false;
		qp->resp.rd_va += paylen;
		qp->resp.rd_left -= paylen;
		if (last)
			qp->resp.rd_streaming = false;
		else
			qp->resp.rd_psn = sod_psn_add(qp->resp.rd_psn, 1);
	}
	if (mr)
		sod_mr_put(mr);
	if (qp->resp.rd_streaming)
		sod_qp_want(qp, SOD_UNIT_RESP);
}

/* Start (or restart) the READ response stream at @psn for @len at @va. */
static void sod_resp_read_start(struct sod_qp *qp, struct sod_rd_entry *e,
				u32 psn, u64 va, u32 len, u32 msn)
{
	qp->resp.rd_streaming = true;
	qp->resp.rd_first = true;
	qp->resp.rd_psn = psn;
	qp->resp.rd_last_psn = e->last_psn;
	qp->resp.rd_va = va;
	qp->resp.rd_left = len;
	qp->resp.rd_rkey = e->rkey;
	qp->resp.rd_msn = msn;
	sod_resp_read_stream(qp);
}

static struct sod_rd_entry *sod_resp_rd_new(struct sod_qp *qp)
{
	u32 n = max_t(u32, qp->attr.max_dest_rd_atomic, 1);
	struct sod_rd_entry *e = &qp->resp.rd[qp->resp.rd_next % n];

	qp->resp.rd_next = (qp->resp.rd_next + 1) % n;
	memset(e, 0, sizeof(*e));
	return e;
}

static void sod_resp_read(struct sod_qp *qp, struct sod_pkt *pkt)
{
	struct sod_reth *reth = sod_pkt_ext(pkt, SOD_F_RETH);
	u64 va = be64_to_cpu(reth->va);
	u32 len = be32_to_cpu(reth->len);
	u32 rkey = be32_to_cpu(reth->rkey);
	struct sod_mr *mr = NULL;
	struct sod_rd_entry *e;
	u32 npkts;

	if (!qp->attr.max_dest_rd_atomic || len > SOD_MAX_MSG_SIZE) {
		sod_resp_fatal(qp, SOD_NAK_INVALID_REQ, pkt->psn);
		return;
	}
	if (len) {
		mr = sod_resp_rkey(qp, rkey, va, len, IB_ACCESS_REMOTE_READ);
		if (!mr) {
			sod_resp_fatal(qp, SOD_NAK_REM_ACCESS_ERR, pkt->psn);
			return;
		}
	}
	npkts = max_t(u32, 1, DIV_ROUND_UP(len, qp->attr.mtu));
	e = sod_resp_rd_new(qp);
	e->valid = true;
	e->psn = pkt->psn;
	e->last_psn = sod_psn_add(pkt->psn, npkts - 1);
	e->va = va;
	e->rkey = rkey;
	e->len = len;

	if (mr)
		sod_mr_put(mr);
	sod_resp_send_pending_ack(qp);
	qp->resp.msn++;
	qp->resp.epsn = sod_psn_add(e->last_psn, 1);
	sod_resp_read_start(qp, e, pkt->psn, va, len, qp->resp.msn);
}

static void sod_resp_send_atomic_ack(struct sod_qp *qp, u32 psn, u64 orig)
{
	struct sod_atmack *ack;
	struct sod_aeth *aeth;
	struct sk_buff *skb;
	struct sod_pkt pkt;

	skb = sod_pkt_new(qp, &qp->attr.av, SOD_OP_RC_ATOMIC_ACKNOWLEDGE, 0,
			  qp->attr.dest_qpn, psn, false, false);
	if (!skb)
		return;
	pkt.hdr = skb->data;
	pkt.opcode = SOD_OP_RC_ATOMIC_ACKNOWLEDGE;
	aeth = sod_pkt_ext(&pkt, SOD_F_AETH);
	aeth->smsn = cpu_to_be32((u32)(SOD_AETH_ACK | SOD_AETH_NO_CREDIT) << 24 |
				 (qp->resp.msn & SOD_MSN_MASK));
	ack = sod_pkt_ext(&pkt, SOD_F_ATMACK);
	ack->orig = cpu_to_be64(orig);
	sod_pkt_send(qp, SOD_UNIT_RESP, &qp->attr.av, skb);
}

static void sod_resp_atomic(struct sod_qp *qp, struct sod_pkt *pkt)
{
	struct sod_atmeth *a = sod_pkt_ext(pkt, SOD_F_ATMETH);
	u64 va = be64_to_cpu(a->va);
	struct sod_rd_entry *e;
	struct sod_mr *mr;
	u64 orig;
	int err;

	if (!qp->attr.max_dest_rd_atomic || (va & 7)) {
		sod_resp_fatal(qp, SOD_NAK_INVALID_REQ, pkt->psn);
		return;
	}
	mr = sod_resp_rkey(qp, be32_to_cpu(a->rkey), va, 8,
			   IB_ACCESS_REMOTE_ATOMIC);
	if (!mr) {
		sod_resp_fatal(qp, SOD_NAK_REM_ACCESS_ERR, pkt->psn);
		return;
	}
	err = sod_mr_atomic(mr, va, pkt->opcode == SOD_OP_RC_COMPARE_SWAP,
			    be64_to_cpu(a->cmp), be64_to_cpu(a->swap_add),
			    &orig);
	sod_mr_put(mr);
	if (err) {
		sod_resp_fatal(qp, SOD_NAK_REM_ACCESS_ERR, pkt->psn);
		return;
	}
	e = sod_resp_rd_new(qp);
	e->valid = true;
	e->atomic = true;
	e->psn = pkt->psn;
	e->last_psn = pkt->psn;
	e->orig = orig;

	qp->resp.msn++;
	qp->resp.epsn = sod_psn_add(pkt->psn, 1);
	sod_resp_send_pending_ack(qp);
	sod_resp_send_atomic_ack(qp, pkt->psn, orig);
}

/* A request with a PSN before the expected one. */
static void sod_resp_duplicate(struct sod_qp *qp, struct sod_pkt *pkt)
{
	u32 n = max_t(u32, qp->attr.max_dest_rd_atomic, 1);
	struct sod_rd_entry *e = NULL;
	u32 i;

	sod_stat_inc(qp->sdev, SOD_STAT_DUP_REQ);
	if (!(pkt->flags & (SOD_F_READ | SOD_F_ATOMIC))) {
		/* SEND/WRITE were executed: acknowledge again. */
		sod_resp_ack_later(qp, sod_psn_add(qp->resp.epsn, SOD_PSN_MASK));
		return;
	}
	for (i = 0; i < n; i++) {
		struct sod_rd_entry *c = &qp->resp.rd[i];

		if (c->valid && !!c->atomic == !!(pkt->flags & SOD_F_ATOMIC) &&
		    sod_psn_diff(pkt->psn, c->psn) >= 0 &&
		    sod_psn_diff(pkt->psn, c->last_psn) <= 0) {
			e = c;
			break;
		}
	}
	if (!e)
		return;		/* too old: dropped */
	sod_resp_send_pending_ack(qp);
	if (e->atomic) {
		if (pkt->psn == e->psn)
			sod_resp_send_atomic_ack(qp, e->psn, e->orig);
		return;
	}
	{
		struct sod_reth *reth = sod_pkt_ext(pkt, SOD_F_RETH);
		u64 va = be64_to_cpu(reth->va);
		u32 len = be32_to_cpu(reth->len);

		if (be32_to_cpu(reth->rkey) != e->rkey)
			return;
		/* Moves a stream in progress back rather than adding one. */
		sod_resp_read_start(qp, e, pkt->psn, va, len, qp->resp.msn);
	}
}

static void sod_resp_rc(struct sod_qp *qp, struct sod_pkt *pkt)
{
	s32 d = sod_psn_diff(pkt->psn, qp->resp.epsn);
	u32 f = pkt->flags;

	if (d > 0) {
		sod_stat_inc(qp->sdev, SOD_STAT_SEQ_ERR);
		if (!qp->resp.nak_sent) {
			qp->resp.nak_sent = true;
			sod_resp_nak(qp, SOD_NAK_PSN_SEQ_ERR, qp->resp.epsn);
		}
		return;
	}
	if (d < 0) {
		sod_resp_duplicate(qp, pkt);
		return;
	}
	qp->resp.nak_sent = false;

	/* Opcode sequence: FIRST/ONLY opens a message, MIDDLE/LAST continue. */
	if (qp->resp.in_msg) {
		if ((f & SOD_F_FIRST) ||
		    (f & (SOD_F_SEND | SOD_F_WRITE)) != qp->resp.cur_op) {
			sod_resp_fatal(qp, SOD_NAK_INVALID_REQ, pkt->psn);
			return;
		}
	} else if (!(f & SOD_F_FIRST)) {
		sod_resp_fatal(qp, SOD_NAK_INVALID_REQ, pkt->psn);
		return;
	}
	/* No packet carries more than the path MTU: a length error. */
	if (pkt->paylen > qp->attr.mtu ||
	    (!(f & SOD_F_LAST) && pkt->paylen != qp->attr.mtu)) {
		sod_resp_fatal(qp, SOD_NAK_INVALID_REQ, pkt->psn);
		return;
	}
	qp->resp.cur_op = f & (SOD_F_SEND | SOD_F_WRITE);

	if (f & SOD_F_SEND)
		sod_resp_send(qp, pkt);
	else if (f & SOD_F_WRITE)
		sod_resp_write(qp, pkt);
	else if (f & SOD_F_READ)
		sod_resp_read(qp, pkt);
	else if (f & SOD_F_ATOMIC)
		sod_resp_atomic(qp, pkt);
	else
		sod_resp_fatal(qp, SOD_NAK_INVALID_REQ, pkt->psn);
}

/* ------------------------------------------------------------------ */
/* UD                                                                   */
/* ------------------------------------------------------------------ */

static void sod_resp_ud(struct sod_qp *qp, struct sk_buff *skb)
{
	struct sod_pkt *pkt = SOD_PKT(skb);
	struct sod_deth *deth = sod_pkt_ext(pkt, SOD_F_DETH);
	struct softodp_cqe cqe = {};
	u8 grh[SOD_GRH_BYTES] = {};
	int err;

	if (be32_to_cpu(deth->qkey) != qp->attr.qkey) {
		sod_dbg(qp->sdev, "qp %u: Q_Key %#x does not match\n", qp->qpn,
			be32_to_cpu(deth->qkey));
		sod_stat_inc(qp->sdev, SOD_STAT_RX_DROP_QKEY);
		return;
	}
	if (sod_resp_get_rwqe(qp)) {
		sod_dbg(qp->sdev, "qp %u: no receive WQE, UD packet dropped\n",
			qp->qpn);
		sod_stat_inc(qp->sdev, SOD_STAT_RX_DROP_NO_RWQE);
		return;
	}

	if (pkt->ipv6)
		memcpy(grh, skb_network_header(skb), sizeof(struct ipv6hdr));
	else
		memcpy(grh + 20, skb_network_header(skb), sizeof(struct iphdr));
	err = sod_resp_scatter(qp, grh, sizeof(grh));
	if (!err)
		err = sod_resp_scatter(qp, sod_pkt_payload(pkt), pkt->paylen);
	if (err) {
		sod_resp_fail_rwqe(qp, err == -ENOSPC ? IB_WC_LOC_LEN_ERR :
					IB_WC_LOC_PROT_ERR);
		return;
	}
	cqe.status = IB_WC_SUCCESS;
	cqe.opcode = IB_WC_RECV;
	cqe.byte_len = qp->resp.recv_off;
	cqe.src_qp = be32_to_cpu(deth->sqp) & SOD_QPN_MASK;
	cqe.wc_flags = SOFTODP_WC_F_GRH;
	cqe.network_hdr_type = pkt->ipv6 ? SOFTODP_NETWORK_IPV6 :
					   SOFTODP_NETWORK_IPV4;
	/* Over loopback the "Ethernet" header is made up: the sender is us. */
	if (skb->dev && (skb->dev->flags & IFF_LOOPBACK))
		ether_addr_copy(cqe.smac, qp->sdev->ndev->dev_addr);
	else if (skb_mac_header_was_set(skb))
		ether_addr_copy(cqe.smac, eth_hdr(skb)->h_source);
	if (pkt->flags & SOD_F_IMMDT) {
		cqe.imm_data = *(u32 *)sod_pkt_ext(pkt, SOD_F_IMMDT);
		cqe.wc_flags |= SOFTODP_WC_F_WITH_IMM;
	}
	if (qp->type == IB_QPT_GSI)
		sod_dbg(qp->sdev, "qp 1: MAD of %u bytes from qpn %u grh %*ph\n",
			pkt->paylen, cqe.src_qp, SOD_GRH_BYTES, grh);
	sod_resp_complete(qp, &cqe, pkt->se);
}

/*
 * sod_resp_may_take - may the responder take request @skb now?  Not while
 * READ responses are still streaming (requests are executed in order),
 * except a repeated request of that READ, which moves the stream back.
 */
bool sod_resp_may_take(struct sod_qp *qp, struct sk_buff *skb)
{
	struct sod_pkt *pkt = SOD_PKT(skb);

	if (!qp->resp.rd_streaming)
		return true;
	return pkt->opcode == SOD_OP_RC_READ_REQUEST &&
	       sod_psn_diff(pkt->psn, qp->resp.rd_last_psn) <= 0 &&
	       sod_psn_diff(pkt->psn, qp->resp.epsn) < 0;
}

/*
 * sod_resp_fast - the receive fast path (docs/datapath.md, "Receive fast
 * path"): execute request @skb for @qp right here in the receive softirq
 * when it is the simple, common case, and answer it, instead of queueing
 * it for the responder's work item.  The case: an RC QP without an SRQ
 * that receives (RTR, RTS, SQD), nothing queued before it and no pass
 * running (the responder's owner bit, SOD_QP_EV_OWNED + SOD_UNIT_RESP,
 * taken with a try: the softirq never waits), no READ streaming, no ACK
 * left pending, the expected PSN, and a packet of a SEND or an RDMA WRITE
 * (with or without immediate) that is in sequence (FIRST or ONLY outside a
 * message, MIDDLE or LAST inside one) and whose memory is pinned: the
 * WRITE's rkey (from the RETH, or the one the message's first packet
 * named), or every SGE of the receive WQE, which is taken into the
 * responder's hand first (a WQE taken and then found to name an ODP MR
 * stays in hand for the pass, as if the pass had taken it).  The checks
 * are made for every packet, so a message may move between the pass and
 * the softirq packet by packet; anything out of sequence is left to the
 * pass, which answers it.  Returns true if it consumed @skb; false leaves
 * @skb to the caller, who queues it.
 *
 * Softirq (sod_qp_rcv() from the UDP receive path, @qp referenced);
 * never sleeps, never touches ODP memory.  The memory copies, the CQE,
 * the ACK (sod_pkt_xmit() to the network; a local destination never
 * reaches the softirq) all work in this context; the ODP prefetches on
 * the way do nothing outside process context.
 */
bool sod_resp_fast(struct sod_qp *qp, struct sk_buff *skb)
{
	struct sk_buff_head *rxq = &qp->unit[SOD_UNIT_RESP].rxq;
	struct sod_pkt *pkt = SOD_PKT(skb);
	u32 f = pkt->flags;
	bool done = false;
	u32 i, rkey;

	/* Opcodes 0x00-0x0b: SEND and RDMA WRITE, FIRST to ONLY_IMM. */
	if (pkt->opcode > SOD_OP_RC_WRITE_ONLY_IMM)
		return false;
	if (qp->type != IB_QPT_RC || qp->srq || !skb_queue_empty(rxq))
		return false;
	if (test_and_set_bit_lock(SOD_QP_EV_OWNED + SOD_UNIT_RESP, &qp->events))
		return false;
	/* Owner now: no pass runs, nothing else changes resp. */
	if (!skb_queue_empty(rxq) || qp->destroyed || !sod_qp_receives(qp) ||
	    qp->resp.in_msg == !!(f & SOD_F_FIRST) ||
	    qp->resp.rd_streaming || qp->resp.ack_pending ||
	    pkt->psn != qp->resp.epsn)
		goto out;
	if (f & SOD_F_WRITE) {
		if (f & SOD_F_FIRST) {
			struct sod_reth *reth = sod_pkt_ext(pkt, SOD_F_RETH);

			rkey = be32_to_cpu(reth->rkey);
		} else {
			rkey = qp->resp.wrkey;
		}
		if (!sod_mr_key_pinned(qp->sdev, rkey))
			goto out;
	}
	if ((f & SOD_F_SEND) && !(f & SOD_F_FIRST) && !qp->resp.have_rwqe)
		goto out;
	if ((f & SOD_F_SEND) || (f & SOD_F_IMMDT)) {
		if (sod_resp_get_rwqe(qp))
			goto out;
		for (i = 0; i < qp->resp.rwqe.num_sge; i++)
			if (qp->resp.rsge[i].length &&
			    !sod_mr_key_pinned(qp->sdev, qp->resp.rsge[i].lkey))
				goto out;
	}
	sod_resp_rcv(qp, skb);
	sod_resp_send_pending_ack(qp);
	sod_stat_inc(qp->sdev, SOD_STAT_RX_SOFTIRQ);
	done = true;
out:
	clear_bit_unlock(SOD_QP_EV_OWNED + SOD_UNIT_RESP, &qp->events);
	return done;
}

/*
 * sod_resp_rcv - a request packet for @qp.  Consumes @skb.
 */
void sod_resp_rcv(struct sod_qp *qp, struct sk_buff *skb)
{
	enum ib_qp_state state = READ_ONCE(qp->state);

	if (state != IB_QPS_RTR && state != IB_QPS_RTS &&
	    state != IB_QPS_SQD) {
		sod_dbg(qp->sdev, "qp %u: request dropped in state %d\n",
			qp->qpn, state);
		sod_stat_inc(qp->sdev, SOD_STAT_RX_DROP_QP_STATE);
		goto out;
	}
	if (state == IB_QPS_RTR && !qp->comm_est) {
		qp->comm_est = true;
		sod_qp_event(qp, IB_EVENT_COMM_EST);
	}
	if (sod_qp_is_ud(qp))
		sod_resp_ud(qp, skb);
	else
		sod_resp_rc(qp, SOD_PKT(skb));
out:
	kfree_skb(skb);
}

/*
 * sod_resp_flush - QP in ERR: the receive WQEs complete with
 * IB_WC_WR_FLUSH_ERR (an SRQ's are left to the other QPs).
 */
void sod_resp_flush(struct sod_qp *qp)
{
	struct softodp_cqe cqe = {
		.status = IB_WC_WR_FLUSH_ERR,
		.opcode = IB_WC_RECV,
	};
	u32 avail;

	skb_queue_purge(&qp->unit[SOD_UNIT_RESP].rxq);
	qp->resp.rd_streaming = false;
	if (qp->resp.have_rwqe)
		sod_resp_complete(qp, &cqe, false);
	if (qp->srq)
		return;
	if (sod_qp_ring_broken(qp, &qp->rq, &avail))
		return;
	while (avail--) {
		struct softodp_recv_wqe *w = sod_queue_slot(&qp->rq,
							    qp->rq.index);

		cqe.wr_id = READ_ONCE(w->wr_id);
		cqe.qp_num = qp->qpn;
		sod_queue_consume(&qp->rq);
		sod_cqe_post(qp, qp->rcq, &cqe, false);
	}
	/* Later posts need a doorbell so that they get flushed too. */
	WRITE_ONCE(qp->rq.ring->flags, SOFTODP_RING_F_DOORBELL);
	/* Flag before prod, as in sod_req_idle(): no post is missed. */
	smp_mb();
	if (sod_queue_consumer_avail(&qp->rq))
		sod_qp_want(qp, SOD_UNIT_RESP);
}
