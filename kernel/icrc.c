// SPDX-License-Identifier: GPL-2.0
/*
 * softodp: the RoCEv2 invariant CRC (IBTA vol. 1 annex A17.3.3).
 *
 * The ICRC is a CRC32 (the Ethernet polynomial, reflected, seed ~0, result
 * inverted) over
 *   - 8 bytes of 0xff standing for the LRH of an InfiniBand packet,
 *   - the IP header with the fields routers may change set to all ones:
 *     IPv4 TOS, TTL and header checksum; IPv6 traffic class, flow label
 *     and hop limit,
 *   - the UDP header with its checksum set to all ones,
 *   - the BTH with its reserved byte 4 (FECN, BECN, resv6) set to all ones,
 *   - everything after the BTH up to, not including, the ICRC field.
 * The inverted CRC is stored least significant byte first, which is what
 * rdma_rxe puts on the wire and checks.
 */
#include <linux/crc32.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>

#include "hdr.h"

/* The largest masked prefix: IPv4 with options (60) > IPv6 (40). */
#define SOD_ICRC_PREFIX_MAX	(60 + sizeof(struct udphdr) + SOD_BTH_BYTES)

static __wsum sod_icrc_update(const void *buf, int len, __wsum crc)
{
	return (__force __wsum)crc32_le((__force u32)crc, buf, len);
}

static __wsum sod_icrc_combine(__wsum crc1, __wsum crc2, int offset, int len)
{
	return (__force __wsum)crc32_le_combine((__force u32)crc1,
						(__force u32)crc2, len);
}

static const struct skb_checksum_ops sod_icrc_ops = {
	.update = sod_icrc_update,
	.combine = sod_icrc_combine,
};

/*
 * sod_icrc - see hdr.h.  Any context.
 *
 * Besides what hdr.h states, the IP and UDP headers must lie in the skb's
 * linear area (they always do: the IP layer pulled them on receive, and
 * sod_pkt_xmit() writes them there) and the BTH must start at or after
 * skb->data; the rest may be paged.  A packet too short to hold the
 * headers and the ICRC yields 0 (the receive path never asks for those).
 */
__le32 sod_icrc(struct sk_buff *skb)
{
	static const u8 lrh[8] = { 0xff, 0xff, 0xff, 0xff,
				   0xff, 0xff, 0xff, 0xff };
	u8 buf[SOD_ICRC_PREFIX_MAX];
	unsigned int iplen, bth_off, rest;
	const u8 *nh = skb_network_header(skb);
	struct udphdr *uh;
	u8 *bth;
	u32 crc;

	if ((nh[0] >> 4) == 4) {
		struct iphdr *iph;

		iplen = (nh[0] & 0x0f) * 4;
		if (iplen < sizeof(*iph))
			return 0;
		memcpy(buf, nh, iplen);
		iph = (struct iphdr *)buf;
		iph->tos = 0xff;
		iph->ttl = 0xff;
		iph->check = CSUM_MANGLED_0;
	} else {
		struct ipv6hdr *ip6h;

		iplen = sizeof(*ip6h);
		memcpy(buf, nh, iplen);
		ip6h = (struct ipv6hdr *)buf;
		ip6h->priority = 0xf;
		memset(ip6h->flow_lbl, 0xff, sizeof(ip6h->flow_lbl));
		ip6h->hop_limit = 0xff;
	}

	memcpy(buf + iplen, skb_transport_header(skb), sizeof(*uh));
	uh = (struct udphdr *)(buf + iplen);
	uh->check = CSUM_MANGLED_0;

	bth_off = skb_transport_offset(skb) + sizeof(*uh);
	if ((int)bth_off < 0 ||
	    skb->len < bth_off + SOD_BTH_BYTES + SOD_ICRC_BYTES)
		return 0;
	bth = buf + iplen + sizeof(*uh);
	if (skb_copy_bits(skb, bth_off, bth, SOD_BTH_BYTES))
		return 0;
	bth[4] = 0xff;

	crc = crc32_le(~0U, lrh, sizeof(lrh));
	crc = crc32_le(crc, buf, iplen + sizeof(*uh) + SOD_BTH_BYTES);

	rest = skb->len - bth_off - SOD_BTH_BYTES - SOD_ICRC_BYTES;
	crc = (__force u32)__skb_checksum(skb, bth_off + SOD_BTH_BYTES, rest,
					  (__force __wsum)crc, &sod_icrc_ops);
	return cpu_to_le32(~crc);
}
