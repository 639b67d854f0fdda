/* SPDX-License-Identifier: GPL-2.0 */
/*
 * softodp: the requester's congestion window (docs/datapath.md,
 * "Congestion window").  RoCE assumes a lossless fabric; on Ethernet
 * without PFC (a virtual switch, a host UDP socket under an emulated NIC)
 * a burst of a full window overruns a queue somewhere, and every loss
 * costs a go-back-N resend of all that follows it.  So the number of
 * request packets in flight adapts: halved on each sign of loss (a PSN
 * sequence NAK, a retransmission timeout), grown by one for each window's
 * worth of PSNs acknowledged, between SOD_CWND_MIN and SOD_MAX_UNACKED.
 * Without losses it stays at the maximum: loopback and clean links never
 * see it.
 *
 * The helpers are pure arithmetic on the QP's struct sod_cwnd; the caller
 * serialises (requester unit pass, its mutex held).
 */
#ifndef SOD_CWND_H
#define SOD_CWND_H

#include <linux/minmax.h>
#include <linux/types.h>

/* At most this many PSNs may be outstanding (sent, not acknowledged). */
#define SOD_MAX_UNACKED		128
/* The window never shrinks below this many packets. */
#define SOD_CWND_MIN		8

/**
 * struct sod_cwnd - requester congestion window
 * @wnd: request packets that may be outstanding now
 * @credit: PSNs acknowledged since @wnd last grew
 */
struct sod_cwnd {
	u32 wnd;
	u32 credit;
};

/* sod_cwnd_init - full window (QP reset, new send PSN). */
static inline void sod_cwnd_init(struct sod_cwnd *c)
{
	c->wnd = SOD_MAX_UNACKED;
	c->credit = 0;
}

/* sod_cwnd_loss - a loss was detected: halve the window. */
static inline void sod_cwnd_loss(struct sod_cwnd *c)
{
	c->wnd = max_t(u32, c->wnd / 2, SOD_CWND_MIN);
	c->credit = 0;
}

/*
 * sod_cwnd_acked - @n more PSNs are acknowledged: one packet more per
 * window's worth.  Returns true if the window grew.
 */
static inline bool sod_cwnd_acked(struct sod_cwnd *c, u32 n)
{
	bool grew = false;

	if (c->wnd >= SOD_MAX_UNACKED)
		return false;
	c->credit += n;
	while (c->credit >= c->wnd && c->wnd < SOD_MAX_UNACKED) {
		c->credit -= c->wnd;
		c->wnd++;
		grew = true;
	}
	if (c->wnd >= SOD_MAX_UNACKED)
		c->credit = 0;
	return grew;
}

#endif /* SOD_CWND_H */
