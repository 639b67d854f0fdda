// SPDX-License-Identifier: GPL-2.0
/*
 * softodp: RoCEv2 packets on the wire, over the UDP tunnel sockets (port
 * 4791).
 *
 * Each network namespace that has softodp devices gets one IPv4 and, where
 * IPv6 is available, one IPv6 socket, created by its first device and
 * released with its last one; merely loading the module binds nothing, so
 * it never conflicts with rdma_rxe or anything else using the port.  The
 * namespace also keeps an RCU list of its devices, which the receive
 * softirq searches for the device of each packet.
 *
 * Transmit builds the UDP and IP headers itself and hands the packet to
 * ip_local_out()/ip6_local_out(), so that the ICRC is computed over the
 * very header bytes that go out.  Packets to an address of this host go
 * through the loopback device and come back in through the tunnel socket.
 */
#include <linux/module.h>
#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <net/addrconf.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>
#include <net/ipv6_stubs.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/route.h>
#include <net/udp_tunnel.h>

#include "softodp.h"

/**
 * struct sod_net - per network namespace state
 * @lock: protects the other fields' updates; process context only
 * @users: devices of this namespace holding the tunnel
 * @sk4: IPv4 socket, valid while @users > 0
 * @sk6: IPv6 socket or NULL (IPv6 disabled)
 * @devs: the namespace's devices (sod_dev.net_node): changed under @lock
 *	with list_add_rcu/list_del_rcu, read under RCU by the receive path
 */
struct sod_net {
	struct mutex lock;
	unsigned int users;
	struct socket *sk4;
	struct socket *sk6;
	struct list_head devs;
};

static unsigned int sod_net_id __read_mostly;

/* Headroom for any link layer + the larger IP header + UDP. */
static unsigned int sod_headroom(const struct net_device *ndev)
{
	return LL_RESERVED_SPACE(ndev) + sizeof(struct ipv6hdr) +
	       sizeof(struct udphdr);
}

/*
 * sod_pkt_alloc - an skb for one RoCEv2 packet of @len bytes from the BTH
 * up to and including the pad (without the ICRC).
 *
 * Process context (GFP_KERNEL; a QP pass), or the receive softirq's fast
 * path (GFP_ATOMIC, sod_resp_fast()).  On return skb->data is
 * where the BTH goes and @len zeroed bytes are there for the caller to
 * fill; the headroom holds the UDP and IP headers and the link layer
 * header of @sdev's netdev, the tailroom the ICRC.  Returns NULL when out
 * of memory.
 */
struct sk_buff *sod_pkt_alloc(struct sod_dev *sdev, const struct sod_av *av,
			      unsigned int len)
{
	struct net_device *ndev = sdev->ndev;
	unsigned int head = sod_headroom(ndev);
	struct sk_buff *skb;

	skb = alloc_skb(head + len + SOD_ICRC_BYTES + ndev->needed_tailroom,
			in_task() ? GFP_KERNEL : GFP_ATOMIC);
	if (!skb)
		return NULL;
	skb_reserve(skb, head);
	skb_put_zero(skb, len);
	skb->protocol = av->ipv6 ? htons(ETH_P_IPV6) : htons(ETH_P_IP);
	skb->dev = ndev;
	return skb;
}

/* Is @addr (IPv4-mapped or IPv6, per @ipv6) an address of @net?  RCU. */
static bool sod_addr_is_local(struct net *net, const struct in6_addr *addr,
			      bool ipv6)
{
	if (!ipv6)
		return inet_addr_type(net, addr->s6_addr32[3]) == RTN_LOCAL;
#if IS_ENABLED(CONFIG_IPV6)
	return ipv6_chk_addr(net, addr, NULL, 0);
#else
	return false;
#endif
}

/* sod_av.dst_memo: valid, destination local, local on this device's netdev. */
#define SOD_DST_VALID		BIT(0)
#define SOD_DST_LOCAL		BIT(1)
#define SOD_DST_OWN		BIT(2)
#define SOD_DST_FLAGS		(SOD_DST_VALID | SOD_DST_LOCAL | SOD_DST_OWN)
#define SOD_DST_GEN_SHIFT	3

/*
 * sod_dst_kind - is @av's destination an address of this host
 * (SOD_DST_LOCAL), and one of @sdev's own netdev (SOD_DST_OWN: a loopback
 * on this device)?  For IPv4 the answer is kept in @av->dst_memo with the
 * namespace's route generation (rt_genid_ipv4(), which the IP layer moves
 * on every change of an address or route) and asked again when that moved:
 * two FIB lookups per packet were a visible share of a loopback 8-byte
 * round trip.  The generation is read before the lookups, so a change
 * racing with them leaves an old generation in the memo, never a wrong
 * answer under the new one.  Concurrent writers store answers of equal
 * standing (WRITE_ONCE of one word).  IPv6 is asked every time and never
 * answers SOD_DST_OWN.  A UD WQE's AV is a fresh copy of its AH's, so UD
 * asks every time too (as before the memo; for a local destination the
 * device lookup moves here from sod_rx()).  Process or softirq context.
 */
static unsigned long sod_dst_kind(struct sod_dev *sdev, struct sod_av *av)
{
	struct net *net = sdev->net;
	unsigned long gen, memo, kind = 0;
	__be32 daddr = av->daddr.s6_addr32[3];

	if (av->ipv6)
		return sod_addr_is_local(net, &av->daddr, true) ?
		       SOD_DST_LOCAL : 0;
	gen = (unsigned long)rt_genid_ipv4(net) << SOD_DST_GEN_SHIFT;
	memo = READ_ONCE(av->dst_memo);
	if ((memo & SOD_DST_VALID) && (memo & ~SOD_DST_FLAGS) == gen)
		return memo;
	if (sod_addr_is_local(net, &av->daddr, false)) {
		kind = SOD_DST_LOCAL;
		rcu_read_lock();
		if (__ip_dev_find(net, daddr, false) == sdev->ndev)
			kind |= SOD_DST_OWN;
		rcu_read_unlock();
	}
	WRITE_ONCE(av->dst_memo, gen | kind | SOD_DST_VALID);
	return kind;
}

/*
 * sod_route - the route for @av's addresses, which are not this host's
 * (sod_pkt_xmit() delivers those itself).  Process or softirq context.
 * Packets leave through @sdev's netdev.  As with rdma_rxe, a destination
 * without a route through that netdev is taken to be on its link (the IP
 * layer's rule for lookups with an output interface): the neighbour
 * lookup, not this function, then fails for unreachable hosts.
 */
static struct dst_entry *sod_route(struct sod_dev *sdev, struct sod_net *sn,
				   const struct sod_av *av)
{
	struct net *net = sdev->net;
	int oif = sdev->ndev->ifindex;

	if (!av->ipv6) {
		struct flowi4 fl4 = {
			.flowi4_oif = oif,
			.flowi4_proto = IPPROTO_UDP,
			.saddr = av->saddr.s6_addr32[3],
			.daddr = av->daddr.s6_addr32[3],
		};
		struct rtable *rt;

		rt = ip_route_output_key(net, &fl4);
		return IS_ERR(rt) ? NULL : &rt->dst;
	}
#if IS_ENABLED(CONFIG_IPV6)
	if (sn->sk6) {
		struct flowi6 fl6 = {
			.flowi6_oif = oif,
			.flowi6_proto = IPPROTO_UDP,
			.saddr = av->saddr,
			.daddr = av->daddr,
		};
		struct dst_entry *dst;

		dst = ipv6_stub->ipv6_dst_lookup_flow(net, sn->sk6->sk, &fl6,
						      NULL);
		if (IS_ERR(dst))
			return NULL;
		if (dst->error) {
			dst_release(dst);
			return NULL;
		}
		return dst;
	}
#endif
	return NULL;
}

static void sod_push_udp(struct sk_buff *skb, u16 src_port)
{
	struct udphdr *uh;

	__skb_push(skb, sizeof(*uh));
	skb_reset_transport_header(skb);
	uh = udp_hdr(skb);
	uh->source = htons(src_port);
	uh->dest = htons(SOD_ROCE_V2_PORT);
	uh->len = htons(skb->len);
	uh->check = 0;
}

static void sod_push_ipv4(struct net *net, struct sk_buff *skb,
			  const struct sod_av *av, struct dst_entry *dst)
{
	struct iphdr *iph;

	__skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	iph = ip_hdr(skb);
	iph->version = 4;
	iph->ihl = sizeof(*iph) >> 2;
	iph->tos = av->traffic_class;
	iph->tot_len = htons(skb->len);
	iph->frag_off = htons(IP_DF);
	iph->ttl = av->hop_limit ?:
		   (dst ? ip4_dst_hoplimit(dst) :
			  READ_ONCE(net->ipv4.sysctl_ip_default_ttl));
	iph->protocol = IPPROTO_UDP;
	iph->check = 0;
	iph->saddr = av->saddr.s6_addr32[3];
	iph->daddr = av->daddr.s6_addr32[3];
	/* DF and no socket: the identification is 0, before the ICRC. */
	ip_select_ident(net, skb, NULL);
}

static void sod_push_ipv6(struct net *net, struct sk_buff *skb,
			  const struct sod_av *av, struct dst_entry *dst)
{
	struct ipv6hdr *ip6h;

	__skb_push(skb, sizeof(*ip6h));
	skb_reset_network_header(skb);
	ip6h = ipv6_hdr(skb);
	ip6_flow_hdr(ip6h, av->traffic_class, htonl(av->flow_label));
	ip6h->payload_len = htons(skb->len - sizeof(*ip6h));
	ip6h->nexthdr = IPPROTO_UDP;
	ip6h->hop_limit = av->hop_limit ?:
			  (dst ? ip6_dst_hoplimit(dst) :
				 READ_ONCE(net->ipv6.devconf_all->hop_limit));
	ip6h->saddr = av->saddr;
	ip6h->daddr = av->daddr;
}

static void sod_rx(struct net *net, struct sk_buff *skb, bool local,
		   struct sod_dev *to, struct sod_run *run);

/*
 * sod_pkt_xmit - send a packet from sod_pkt_alloc() whose BTH..pad the
 * caller has filled in.
 *
 * Process context (a pass of a QP unit, its mutex held), or the receive
 * softirq's fast path (its ACKs, @run NULL); does not sleep.  Always
 * consumes @skb.  Appends the ICRC, pushes UDP (checksum 0 over IPv4, as
 * rdma_rxe does; a real checksum over IPv6, which rxe and every RoCE
 * receiver accept) and the IP header (DF for IPv4), computes the ICRC over
 * those final headers and hands the packet to the IP layer.
 *
 * Local delivery: a packet for an address of this host (loopback on one
 * device, or another softodp device of the namespace) is not sent through
 * the IP stack and the loopback netdev, but handed straight to the receive
 * path (sod_rx()) as if it had come in over the loopback device, with the
 * same headers (no route: the hop limit, unless the AV sets one, is the
 * namespace's default).  Its ICRC is neither computed nor checked: the
 * bytes never leave this host's memory.  The receiving QP's unit is added
 * to @run (the list of the thread running this pass, or NULL), so that the
 * same thread runs its pass next instead of waking its work item.  Counts
 * SOD_STAT_TX_LOCAL besides the following.
 *
 * A packet that goes to the IP layer is charged to @owner (the sending QP,
 * or NULL) until the stack frees it: sod_qp_tx_hold().
 *
 * Counts SOD_STAT_TX_PACKETS and SOD_STAT_TX_BYTES (BTH to ICRC) or
 * SOD_STAT_TX_DROP.  Returns 0 or a negative errno (no route, IPv6
 * unavailable, the stack dropped it).
 */
int sod_pkt_xmit(struct sod_dev *sdev, struct sod_av *av,
		 u16 src_port, struct sk_buff *skb, struct sod_qp *owner,
		 struct sod_run *run)
{
	struct sod_net *sn = net_generic(sdev->net, sod_net_id);
	struct net *net = sdev->net;
	struct dst_entry *dst;
	unsigned long kind;
	unsigned int len;
	__le32 icrc;
	struct sock *sk;
	bool local;
	int err;

	if (WARN_ON_ONCE(skb_tailroom(skb) < SOD_ICRC_BYTES ||
			 skb_is_nonlinear(skb) ||
			 skb_headroom(skb) < sizeof(struct ipv6hdr) +
					     sizeof(struct udphdr))) {
		err = -EINVAL;
		goto drop;
	}

	/* A local packet needs no route: the defaults give its hop limit. */
	kind = sod_dst_kind(sdev, av);
	local = kind & SOD_DST_LOCAL;
	dst = local ? NULL : sod_route(sdev, sn, av);
	if (!local && !dst) {
		sod_dbg(sdev, "no route to %pI6c\n", &av->daddr);
		err = -EHOSTUNREACH;
		goto drop;
	}

	skb_put(skb, SOD_ICRC_BYTES);
	len = skb->len;
	sod_push_udp(skb, src_port);
	skb->ip_summed = CHECKSUM_NONE;
	if (!av->ipv6) {
		memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
		skb->protocol = htons(ETH_P_IP);
		sod_push_ipv4(net, skb, av, dst);
	} else {
		memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
		skb->protocol = htons(ETH_P_IPV6);
		sod_push_ipv6(net, skb, av, dst);
	}

	if (local) {
		/* What the IP layer would have filled in on the way out. */
		if (!av->ipv6)
			ip_send_check(ip_hdr(skb));
		memset(skb_tail_pointer(skb) - SOD_ICRC_BYTES, 0,
		       SOD_ICRC_BYTES);
		skb->dev = net->loopback_dev;
		skb->pkt_type = PACKET_HOST;
		sod_stat_inc(sdev, SOD_STAT_TX_PACKETS);
		sod_stat_add(sdev, SOD_STAT_TX_BYTES, len);
		sod_stat_inc(sdev, SOD_STAT_TX_LOCAL);
		sod_rx(net, skb, true, kind & SOD_DST_OWN ? sdev : NULL, run);
		return 0;
	}

	skb_dst_set(skb, dst);
	/* The headers are final: the ICRC covers them, masked. */
	icrc = sod_icrc(skb);
	memcpy(skb_tail_pointer(skb) - SOD_ICRC_BYTES, &icrc, sizeof(icrc));
	if (owner)
		sod_qp_tx_hold(owner, skb);

	if (!av->ipv6) {
		sk = sn->sk4->sk;
		err = ip_local_out(net, sk, skb);
	} else {
		/* Checksum last: it covers the ICRC (which masks it). */
		udp6_set_csum(false, skb, &av->saddr, &av->daddr,
			      len + sizeof(struct udphdr));
		sk = sn->sk6->sk;
		err = ip6_local_out(net, sk, skb);
	}
	err = net_xmit_eval(err);
	if (err) {
		sod_dbg(sdev, "IP layer dropped a packet: %d\n", err);
		sod_stat_inc(sdev, SOD_STAT_TX_DROP);
		return err;
	}
	sod_stat_inc(sdev, SOD_STAT_TX_PACKETS);
	sod_stat_add(sdev, SOD_STAT_TX_BYTES, len);
	return 0;

drop:
	kfree_skb(skb);
	sod_stat_inc(sdev, SOD_STAT_TX_DROP);
	return err;
}

/*
 * sod_rx_dev - the device a received packet is for: the one bound to the
 * netdev it arrived on, or for packets that came over the loopback device
 * (sent by this host to one of its own addresses) the one bound to the
 * netdev owning the destination address.  Softirq, under RCU; the device
 * stays valid until rcu_read_unlock() (sod_tunnel_put() waits for RCU).
 */
static struct sod_dev *sod_rx_dev(struct sod_net *sn, struct net *net,
				  struct sk_buff *skb, bool ipv6)
{
	struct net_device *ndev = skb->dev;
	struct sod_dev *sdev;

	if (ndev && (ndev->flags & IFF_LOOPBACK)) {
		if (!ipv6)
			ndev = __ip_dev_find(net, ip_hdr(skb)->daddr, false);
#if IS_ENABLED(CONFIG_IPV6)
		else
			ndev = ipv6_dev_find(net, &ipv6_hdr(skb)->daddr, NULL);
#endif
	}
	if (!ndev)
		return NULL;
	list_for_each_entry_rcu(sdev, &sn->devs, net_node)
		if (sdev->ndev == ndev)
			return sdev;
	return NULL;
}

/*
 * sod_rx_parse - check a packet whose data starts at the BTH and fill
 * SOD_PKT(skb).  Softirq, or process context for a @local packet (which
 * has no ICRC to check).  The skb is linear.  Returns the stat to count
 * for a drop, or SOD_NUM_STATS if the packet is good.
 *
 * The checks that need no trust in the packet come first (lengths, so
 * that nothing is read beyond it), then the ICRC, then the fields an
 * authentic packet may still get wrong (P_Key).  Packets failing these
 * checks are silently dropped, never answered (IBTA header validation).
 */
static enum sod_stat sod_rx_parse(struct sk_buff *skb, bool ipv6, bool local)
{
	struct sod_pkt *pkt = SOD_PKT(skb);
	unsigned int len = skb->len, hdr_len;
	struct sod_bth *bth;
	__le32 icrc;
	u32 flags;
	u16 pkey;
	u8 pad;

	BUILD_BUG_ON(sizeof(struct sod_pkt) > sizeof_field(struct sk_buff, cb));

	/* Every header is a multiple of 4 bytes, and payload + pad too. */
	if (len < SOD_BTH_BYTES + SOD_ICRC_BYTES || (len & 3))
		return SOD_STAT_RX_DROP_MALFORMED;
	bth = (struct sod_bth *)skb->data;
	if (bth->flags & SOD_BTH_TVER_MASK)
		return SOD_STAT_RX_DROP_OPCODE;
	flags = sod_op_flags(bth->opcode);
	if (!(flags & SOD_F_VALID))
		return SOD_STAT_RX_DROP_OPCODE;
	hdr_len = sod_op_hdr_len(bth->opcode);
	pad = sod_bth_pad(bth);
	if (len < hdr_len + pad + SOD_ICRC_BYTES)
		return SOD_STAT_RX_DROP_MALFORMED;
	/* Pad only ends a message with payload (LAST or ONLY). */
	if (pad && (flags & (SOD_F_PAYLOAD | SOD_F_LAST)) !=
		   (SOD_F_PAYLOAD | SOD_F_LAST))
		return SOD_STAT_RX_DROP_MALFORMED;
	if (!(flags & SOD_F_PAYLOAD) && len != hdr_len + SOD_ICRC_BYTES)
		return SOD_STAT_RX_DROP_MALFORMED;

	/* A locally delivered packet has no ICRC (see sod_pkt_xmit()). */
	memcpy(&icrc, skb->data + len - SOD_ICRC_BYTES, sizeof(icrc));
	if (!local && sod_icrc(skb) != icrc)
		return SOD_STAT_RX_DROP_ICRC;

	/*
	 * The port has only the default P_Key (full member): a packet
	 * matches when the low 15 bits are all ones (full or limited
	 * member of the default partition).
	 */
	pkey = be16_to_cpu(bth->pkey);
	if ((pkey & SOD_PKEY_BASE_MASK) !=
	    (SOD_DEFAULT_PKEY & SOD_PKEY_BASE_MASK))
		return SOD_STAT_RX_DROP_PKEY;

	pkt->hdr = skb->data;
	pkt->opcode = bth->opcode;
	pkt->flags = flags;
	pkt->psn = sod_bth_psn(bth);
	pkt->qpn = sod_bth_qpn(bth);
	pkt->paylen = len - hdr_len - pad - SOD_ICRC_BYTES;
	pkt->pad = pad;
	pkt->ackreq = sod_bth_ackreq(bth);
	pkt->se = bth->flags & SOD_BTH_SE;
	pkt->ipv6 = ipv6;
	return SOD_NUM_STATS;
}

/*
 * sod_rx - one RoCEv2 packet arrived: check it, find its device and QP,
 * and queue it on the QP for its pass.
 *
 * Softirq context (sod_udp_encap_recv(), @local false, @to and @run NULL),
 * or the process context of a QP pass for a packet this host sent to
 * itself (sod_pkt_xmit(), @local true: no ICRC to check, and the QP goes on
 * @run; @to is the receiving device if the sender knows it, which then
 * need not be looked up, else NULL).  Never sleeps, never touches user
 * memory.  Always consumes the skb.  A packet is dropped and counted on its device (each reason its own
 * counter) when malformed, of an unknown opcode, when its ICRC or P_Key is
 * wrong, when no QP has its destination QPN or the QP is of another type
 * than the opcode's, or when the QP's unit that takes it has SOD_RXQ_MAX
 * packets waiting already; one for no device is just freed.
 *
 * What sod_qp_rcv() gets (and may rely on):
 *   - a linear skb whose data is the BTH; skb->len runs from the BTH to
 *     the end of the ICRC (SOD_PKT(skb)->paylen is the payload alone, after
 *     the sod_op_hdr_len() header bytes; the pad follows it);
 *   - SOD_PKT(skb) filled in; the BTH version, opcode, lengths, pad and
 *     ICRC checked; the QP's type matches the opcode's transport;
 *   - skb_network_header() is the IPv4 (without options) or IPv6 header
 *     and skb_transport_header() the UDP header, both still in the linear
 *     area in front of the BTH;
 *   - skb->dev is the netdev the packet came in on: the device's own, or
 *     the loopback device for a packet this host sent to itself.  In the
 *     first case eth_hdr(skb) (skb_mac_header) is the Ethernet header as
 *     received; for the loopback device it is not meaningful (use the own
 *     netdev's address as the source MAC).
 */
static void sod_rx(struct net *net, struct sk_buff *skb, bool local,
		   struct sod_dev *to, struct sod_run *run)
{
	struct sod_net *sn = net_generic(net, sod_net_id);
	enum sod_stat drop = SOD_STAT_RX_DROP_MALFORMED;
	struct sod_dev *sdev;
	struct sod_qp *qp;
	struct udphdr *uh;
	bool ipv6;
	int off;

	rcu_read_lock();
	ipv6 = ip_hdr(skb)->version == 6;
	sdev = to ? to : sod_rx_dev(sn, net, skb, ipv6);
	if (!sdev) {
		net_dbg_ratelimited("softodp: no device for a packet from %s\n",
				    skb->dev ? netdev_name(skb->dev) : "?");
		goto free;
	}

	off = skb_transport_offset(skb);
	if (off < 0 || skb_linearize(skb) ||
	    skb->len < off + sizeof(struct udphdr))
		goto drop;
	if (!ipv6 && ip_hdr(skb)->ihl != 5)
		goto drop;
	uh = udp_hdr(skb);
	if (ntohs(uh->len) != skb->len - off)
		goto drop;
	__skb_pull(skb, off + sizeof(*uh));

	drop = sod_rx_parse(skb, ipv6, local);
	if (drop != SOD_NUM_STATS)
		goto drop;

	drop = SOD_STAT_RX_DROP_NO_QP;
	qp = sod_qp_get_rcu(sdev, SOD_PKT(skb)->qpn);
	if (!qp) {
		sod_dbg(sdev, "no qp %u for opcode %#x psn %#x\n",
			SOD_PKT(skb)->qpn, SOD_PKT(skb)->opcode,
			SOD_PKT(skb)->psn);
		goto drop;
	}
	if (SOD_PKT(skb)->flags & SOD_F_RC ? qp->type != IB_QPT_RC :
	    qp->type != IB_QPT_UD && qp->type != IB_QPT_GSI) {
		sod_qp_put(qp);
		drop = SOD_STAT_RX_DROP_QP_TYPE;
		goto drop;
	}
	/* A flood must not queue unbounded memory behind a slow worker. */
	if (skb_queue_len(&qp->unit[sod_pkt_unit(skb)].rxq) >= SOD_RXQ_MAX) {
		sod_qp_put(qp);
		drop = SOD_STAT_RX_DROP_BUSY;
		goto drop;
	}
	sod_stat_inc(sdev, SOD_STAT_RX_PACKETS);
	sod_stat_add(sdev, SOD_STAT_RX_BYTES, skb->len);
	sod_qp_rcv(qp, skb, run);
	sod_qp_put(qp);
	rcu_read_unlock();
	return;

drop:
	sod_dbg(sdev, "dropped a packet (counter %d)\n", drop);
	sod_stat_inc(sdev, drop);
free:
	rcu_read_unlock();
	kfree_skb(skb);
}

/*
 * sod_udp_encap_recv - encap_rcv of the tunnel sockets: the UDP layer
 * checked the datagram's length and checksum.  Softirq context; always
 * consumes the skb (returns 0).  See sod_rx().
 */
static int sod_udp_encap_recv(struct sock *sk, struct sk_buff *skb)
{
	sod_rx(sock_net(sk), skb, false, NULL, NULL);
	return 0;
}

static struct socket *sod_tunnel_open(struct net *net, bool ipv6)
{
	struct udp_tunnel_sock_cfg tnl_cfg = {};
	struct udp_port_cfg udp_cfg = {};
	struct socket *sock;
	int err;

	if (ipv6) {
		udp_cfg.family = AF_INET6;
		udp_cfg.ipv6_v6only = 1;
	} else {
		udp_cfg.family = AF_INET;
	}
	udp_cfg.local_udp_port = htons(SOD_ROCE_V2_PORT);

	err = udp_sock_create(net, &udp_cfg, &sock);
	if (err)
		return ERR_PTR(err);

	tnl_cfg.encap_type = 1;
	tnl_cfg.encap_rcv = sod_udp_encap_recv;
	setup_udp_tunnel_sock(net, sock, &tnl_cfg);
	return sock;
}

/*
 * sod_tunnel_get - make sure the tunnel sockets of @sdev's namespace exist,
 * take a reference on them and make @sdev visible to the receive path.
 * Process context, may sleep.  Fails with -EADDRINUSE when something else
 * (e.g. rdma_rxe) owns UDP port 4791 in the namespace.
 */
int sod_tunnel_get(struct sod_dev *sdev)
{
	struct net *net = sdev->net;
	struct sod_net *sn = net_generic(net, sod_net_id);
	struct socket *sk4, *sk6 = NULL;
	int err = 0;

	mutex_lock(&sn->lock);
	if (sn->users) {
		sn->users++;
		list_add_rcu(&sdev->net_node, &sn->devs);
		goto out;
	}

	sk4 = sod_tunnel_open(net, false);
	if (IS_ERR(sk4)) {
		err = PTR_ERR(sk4);
		goto out;
	}
	if (ipv6_mod_enabled()) {
		sk6 = sod_tunnel_open(net, true);
		if (IS_ERR(sk6)) {
			err = PTR_ERR(sk6);
			udp_tunnel_sock_release(sk4);
			goto out;
		}
	}
	sn->sk4 = sk4;
	sn->sk6 = sk6;
	sn->users = 1;
	list_add_rcu(&sdev->net_node, &sn->devs);
out:
	mutex_unlock(&sn->lock);
	return err;
}

/*
 * sod_tunnel_put - undo sod_tunnel_get(): once it returns, no receive
 * softirq can still see @sdev.  Process context, sleeps (synchronize_rcu).
 */
void sod_tunnel_put(struct sod_dev *sdev)
{
	struct sod_net *sn = net_generic(sdev->net, sod_net_id);

	mutex_lock(&sn->lock);
	list_del_rcu(&sdev->net_node);
	if (!WARN_ON(!sn->users) && !--sn->users) {
		if (sn->sk6)
			udp_tunnel_sock_release(sn->sk6);
		udp_tunnel_sock_release(sn->sk4);
		sn->sk4 = NULL;
		sn->sk6 = NULL;
	}
	mutex_unlock(&sn->lock);
	synchronize_rcu();
}

static int __net_init sod_net_ns_init(struct net *net)
{
	struct sod_net *sn = net_generic(net, sod_net_id);

	mutex_init(&sn->lock);
	INIT_LIST_HEAD(&sn->devs);
	return 0;
}

/*
 * A dying namespace has already unregistered or moved its netdevs, which
 * queued the unregistration of their softodp devices; wait for those so
 * that no socket outlives its namespace.  Process context.
 */
static void __net_exit sod_net_ns_exit(struct net *net)
{
	struct sod_net *sn = net_generic(net, sod_net_id);

	sod_unregister_devices(net);
	WARN_ON(sn->users || !list_empty(&sn->devs));
	mutex_destroy(&sn->lock);
}

static struct pernet_operations sod_net_ops = {
	.init = sod_net_ns_init,
	.exit = sod_net_ns_exit,
	.id = &sod_net_id,
	.size = sizeof(struct sod_net),
};

int sod_net_init(void)
{
	return register_pernet_subsys(&sod_net_ops);
}

void sod_net_exit(void)
{
	unregister_pernet_subsys(&sod_net_ops);
}
