/* SPDX-License-Identifier: GPL-2.0 */
/*
 * softodp: what the QP verbs (qp.c) and the protocol engine (req.c,
 * comp.c, resp.c) share.  Everything here runs in a pass of one of the
 * QP's units (struct sod_unit) with that unit's mutex held unless it says
 * otherwise: req.c and comp.c in SOD_UNIT_REQ's, resp.c in
 * SOD_UNIT_RESP's.
 */
#ifndef SOD_QP_H
#define SOD_QP_H

#include "softodp.h"

/* Request AckReq on every packet whose PSN has these low bits set. */
#define SOD_ACKREQ_MASK		15
/*
 * The responder acknowledges at the latest after this many request
 * packets, even in the middle of a pass or a message: a pass of
 * SOD_WORK_BUDGET packets can outlast the requester's ACK timeout on a
 * slow (debug) kernel, and an ACK held to its end would cost the
 * requester its retries (docs/datapath.md, "ACK coalescing").
 */
#define SOD_ACK_COALESCE	16
/* Packets handled / sent per pass of the work item before it yields. */
#define SOD_WORK_BUDGET		64
/*
 * Passes one sod_qp_run() call runs in all (its own QP's, again when more
 * work came, and those of the QPs its packets were delivered to locally)
 * before it leaves the rest to their work items.
 */
#define SOD_RUN_PASSES		16

/* qp->events bits: set from timers and verbs, consumed by the worker. */
enum {
	SOD_QP_EV_RETRANS,	/* the retransmission timer fired */
	SOD_QP_EV_RNR,		/* the RNR timer fired */
	SOD_QP_EV_TXWAIT,	/* requester waits for qp->tx_out to drain */
	SOD_QP_EV_PASS,		/* + unit id: a pass is wanted (sod_qp_want()) */
	SOD_QP_EV_PASS_LAST = SOD_QP_EV_PASS + SOD_UNITS - 1,
	/*
	 * + unit id: the unit's state is owned (bit lock): by its pass or a
	 * verb holding its mutex (taken after the mutex, spinning), or by
	 * the receive softirq's fast path (a try, never a wait).
	 */
	SOD_QP_EV_OWNED,
	SOD_QP_EV_OWNED_LAST = SOD_QP_EV_OWNED + SOD_UNITS - 1,
};

/*
 * Requester pacing by the local TX queue (docs/datapath.md, "Pacing by
 * the local TX queue"): with this many of its packets still held by the
 * IP layer and the driver, the requester stops sending; it goes on once
 * fewer than SOD_TX_LOW are left.
 */
#define SOD_TX_HIGH		64
#define SOD_TX_LOW		16

extern struct workqueue_struct *sod_wq;

/*
 * sod_qp_want - ask for one more pass of @qp's unit @id from whichever
 * thread holds that unit's mutex: it runs the pass, or has the work item
 * run it, before or right after it lets go of the mutex.  Any context;
 * called with the unit's mutex held (in its pass, or in modify_qp) it is
 * all that is needed; elsewhere use sod_qp_kick().
 */
static inline void sod_qp_want(struct sod_qp *qp, enum sod_unit_id id)
{
	set_bit(SOD_QP_EV_PASS + id, &qp->events);
}

/*
 * sod_qp_sends - the QP is in a state whose requester sends and takes
 * responses (RTS, SQD).  Any context: the other unit may move the QP to
 * ERR meanwhile, which its kick of this unit then handles.
 */
static inline bool sod_qp_sends(const struct sod_qp *qp)
{
	enum ib_qp_state state = READ_ONCE(qp->state);

	return state == IB_QPS_RTS || state == IB_QPS_SQD;
}

/* sod_qp_receives - the responder takes requests (RTR, RTS, SQD). */
static inline bool sod_qp_receives(const struct sod_qp *qp)
{
	return sod_qp_sends(qp) || READ_ONCE(qp->state) == IB_QPS_RTR;
}

/* qp.c */
void sod_qp_kick(struct sod_qp *qp, enum sod_unit_id id);
void sod_qp_error(struct sod_qp *qp);
void sod_qp_event(struct sod_qp *qp, enum ib_event_type type);
bool sod_qp_ring_broken(struct sod_qp *qp, struct sod_queue *q, u32 *avail);
void sod_sge_prefetch(struct sod_qp *qp, const struct softodp_sge *sge,
		      u32 num_sge, u32 offset, u64 len, bool write);
int sod_sge_copy(struct sod_qp *qp, const struct softodp_sge *sge,
		 u32 num_sge, u32 offset, void *buf, u32 len,
		 enum sod_copy_dir dir);
struct sk_buff *sod_pkt_new(struct sod_qp *qp, const struct sod_av *av,
			    u8 opcode, u32 paylen, u32 dest_qpn, u32 psn,
			    bool ackreq, bool se);
int sod_pkt_send(struct sod_qp *qp, enum sod_unit_id id,
		 struct sod_av *av, struct sk_buff *skb);
void sod_cqe_post(struct sod_qp *qp, struct sod_cq *cq,
		  const struct softodp_cqe *cqe, bool solicited);

/* txq.c */
bool sod_qp_tx_full(struct sod_qp *qp);

/* req.c */
void sod_req_process(struct sod_qp *qp);
void sod_req_reset(struct sod_qp *qp);
void sod_req_complete(struct sod_qp *qp);
void sod_req_flush(struct sod_qp *qp);
void sod_req_rewind(struct sod_qp *qp, u32 psn);
bool sod_req_outstanding(struct sod_qp *qp);
void sod_req_arm_timer(struct sod_qp *qp);
void sod_req_restart_timer(struct sod_qp *qp);
unsigned long sod_req_timeout(struct sod_qp *qp);
struct softodp_sge *sod_swqe_sges(struct sod_qp *qp, u32 idx);

/* comp.c */
void sod_comp_rcv(struct sod_qp *qp, struct sk_buff *skb);
void sod_comp_timers(struct sod_qp *qp);
bool sod_comp_fast(struct sod_qp *qp, struct sk_buff *skb);

/* resp.c */
void sod_resp_rcv(struct sod_qp *qp, struct sk_buff *skb);
bool sod_resp_fast(struct sod_qp *qp, struct sk_buff *skb);
void sod_resp_reset(struct sod_qp *qp);
void sod_resp_flush(struct sod_qp *qp);
void sod_resp_send_pending_ack(struct sod_qp *qp);
void sod_resp_read_stream(struct sod_qp *qp);
bool sod_resp_may_take(struct sod_qp *qp, struct sk_buff *skb);

static inline struct sod_swqe *sod_swqe_at(struct sod_qp *qp, u32 idx)
{
	return &qp->swqe[idx & qp->sq.mask];
}

/*
 * sod_req_end - one past the last WQE that has packets on the wire: the
 * WQE being transmitted (req.cur) counts once it has its PSNs.
 */
static inline u32 sod_req_end(struct sod_qp *qp)
{
	u32 cur = qp->req.cur;

	if (cur != qp->req.fetch &&
	    sod_swqe_at(qp, cur)->state == SOD_SWQE_SENDING)
		return cur + 1;
	return cur;
}

/* Index of the receive WQE slot type of @qp's sends. */
static inline bool sod_qp_is_ud(const struct sod_qp *qp)
{
	return qp->type == IB_QPT_UD || qp->type == IB_QPT_GSI;
}

#endif /* SOD_QP_H */
