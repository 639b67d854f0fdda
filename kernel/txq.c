// SPDX-License-Identifier: GPL-2.0
/*
 * softodp: pacing by the local TX queue (docs/datapath.md, "Pacing by the
 * local TX queue").  A QP's packets handed to the IP layer are charged to
 * it until the stack frees them; its requester stops while SOD_TX_HIGH of
 * them are held and goes on when fewer than SOD_TX_LOW are left.
 *
 * Kept apart from qp.c so that the KUnit suite can build it with test
 * doubles of sod_qp_kick() and sod_qp_put().
 */
#include <linux/skbuff.h>

#include "qp.h"

/*
 * sod_qp_tx_done - destructor of a packet charged to its QP by
 * sod_qp_tx_hold(): the stack is done with it.  Softirq or process
 * context (wherever the skb is freed), never hard IRQ (drivers free from
 * there through dev_kfree_skb_irq(), which defers it to softirq).
 */
static void sod_qp_tx_done(struct sk_buff *skb)
{
	struct sod_qp *qp = skb_shinfo(skb)->destructor_arg;

	skb_shinfo(skb)->destructor_arg = NULL;
	/* Fully ordered: pairs with the barrier in sod_qp_tx_full(). */
	if (atomic_dec_return(&qp->tx_out) < SOD_TX_LOW &&
	    test_and_clear_bit(SOD_QP_EV_TXWAIT, &qp->events))
		sod_qp_kick(qp, SOD_UNIT_REQ);
	sod_qp_put(qp);
}

/*
 * sod_qp_tx_hold - charge @skb, about to go to the IP layer, to @qp until
 * the stack frees it: qp->tx_out counts it and it holds a QP reference
 * (so destroy_qp waits for packets still queued in a qdisc or a driver).
 * The skb has no socket and no destructor yet.  Any context.
 */
void sod_qp_tx_hold(struct sod_qp *qp, struct sk_buff *skb)
{
	refcount_inc(&qp->ref);
	atomic_inc(&qp->tx_out);
	skb_shinfo(skb)->destructor_arg = qp;
	skb->destructor = sod_qp_tx_done;
}

/*
 * sod_qp_tx_full - true if the requester must stop: SOD_TX_HIGH or more of
 * its packets are still held by the local stack.  The packet whose release
 * brings the count below SOD_TX_LOW kicks the work item.  Worker context.
 */
bool sod_qp_tx_full(struct sod_qp *qp)
{
	if (atomic_read(&qp->tx_out) < SOD_TX_HIGH)
		return false;
	set_bit(SOD_QP_EV_TXWAIT, &qp->events);
	/* Bit, then count; the destructor: count, then bit. */
	smp_mb__after_atomic();
	if (atomic_read(&qp->tx_out) < SOD_TX_LOW) {
		clear_bit(SOD_QP_EV_TXWAIT, &qp->events);
		return false;
	}
	sod_stat_inc(qp->sdev, SOD_STAT_TX_PACED);
	return true;
}
