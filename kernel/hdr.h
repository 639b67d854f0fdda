/* SPDX-License-Identifier: GPL-2.0 */
/*
 * softodp: IBTA transport headers as they travel in RoCEv2 packets.
 *
 * A RoCEv2 packet is IPv4/IPv6 + UDP (destination port 4791) + BTH +
 * the extension headers its opcode implies + payload + 0..3 pad bytes +
 * the 4-byte ICRC.  Every field is big endian on the wire.  The layouts
 * are those of the InfiniBand Architecture Specification, vol. 1, ch. 9
 * (base transport headers) and its RoCEv2 annex A17.
 *
 * All helpers here are pure and may be used in any context.
 */
#ifndef SOD_HDR_H
#define SOD_HDR_H

#include <linux/kernel.h>
#include <linux/skbuff.h>
#include <linux/types.h>

/* Header sizes in bytes. */
#define SOD_BTH_BYTES		12
#define SOD_RETH_BYTES		16
#define SOD_AETH_BYTES		4
#define SOD_ATMETH_BYTES	28
#define SOD_ATMACK_BYTES	8
#define SOD_IMMDT_BYTES		4
#define SOD_IETH_BYTES		4
#define SOD_DETH_BYTES		8
#define SOD_ICRC_BYTES		4

#define SOD_PSN_MASK		0xffffffU
#define SOD_QPN_MASK		0xffffffU
#define SOD_MSN_MASK		0xffffffU

/* The default P_Key (full member), the only one of a softodp port. */
#define SOD_DEFAULT_PKEY	0xffffU
#define SOD_PKEY_BASE_MASK	0x7fffU

/* The well-known Q_Key bit: Q_Keys with it set are privileged (GSI). */
#define SOD_GSI_QKEY		0x80010000U

/*
 * IBTA opcodes (BTH byte 0): the top 3 bits are the transport (RC 000,
 * UC 001, RD 010, UD 011), the low 5 bits the operation.
 */
enum sod_opcode {
	SOD_OP_RC_SEND_FIRST			= 0x00,
	SOD_OP_RC_SEND_MIDDLE			= 0x01,
	SOD_OP_RC_SEND_LAST			= 0x02,
	SOD_OP_RC_SEND_LAST_IMM			= 0x03,
	SOD_OP_RC_SEND_ONLY			= 0x04,
	SOD_OP_RC_SEND_ONLY_IMM			= 0x05,
	SOD_OP_RC_WRITE_FIRST			= 0x06,
	SOD_OP_RC_WRITE_MIDDLE			= 0x07,
	SOD_OP_RC_WRITE_LAST			= 0x08,
	SOD_OP_RC_WRITE_LAST_IMM		= 0x09,
	SOD_OP_RC_WRITE_ONLY			= 0x0a,
	SOD_OP_RC_WRITE_ONLY_IMM		= 0x0b,
	SOD_OP_RC_READ_REQUEST			= 0x0c,
	SOD_OP_RC_READ_RESPONSE_FIRST		= 0x0d,
	SOD_OP_RC_READ_RESPONSE_MIDDLE		= 0x0e,
	SOD_OP_RC_READ_RESPONSE_LAST		= 0x0f,
	SOD_OP_RC_READ_RESPONSE_ONLY		= 0x10,
	SOD_OP_RC_ACKNOWLEDGE			= 0x11,
	SOD_OP_RC_ATOMIC_ACKNOWLEDGE		= 0x12,
	SOD_OP_RC_COMPARE_SWAP			= 0x13,
	SOD_OP_RC_FETCH_ADD			= 0x14,
	SOD_OP_RC_SEND_LAST_INV			= 0x16,
	SOD_OP_RC_SEND_ONLY_INV			= 0x17,
	SOD_OP_UD_SEND_ONLY			= 0x64,
	SOD_OP_UD_SEND_ONLY_IMM			= 0x65,
};

/* What an opcode means and which headers follow its BTH. */
enum sod_op_flags {
	/* extension headers, in wire order */
	SOD_F_RETH	= BIT(0),
	SOD_F_DETH	= BIT(1),
	SOD_F_ATMETH	= BIT(2),
	SOD_F_AETH	= BIT(3),
	SOD_F_ATMACK	= BIT(4),
	SOD_F_IMMDT	= BIT(5),
	SOD_F_IETH	= BIT(6),
	SOD_F_PAYLOAD	= BIT(7),	/* may carry payload */
	/* role */
	SOD_F_REQ	= BIT(8),	/* request (requester → responder) */
	SOD_F_RESP	= BIT(9),	/* ACK or read response */
	/* operation */
	SOD_F_SEND	= BIT(10),
	SOD_F_WRITE	= BIT(11),
	SOD_F_READ	= BIT(12),	/* read request or read response */
	SOD_F_ATOMIC	= BIT(13),
	/* position in a message */
	SOD_F_FIRST	= BIT(14),	/* FIRST or ONLY */
	SOD_F_MIDDLE	= BIT(15),
	SOD_F_LAST	= BIT(16),	/* LAST or ONLY */
	/* transport */
	SOD_F_RC	= BIT(17),
	SOD_F_UD	= BIT(18),
	SOD_F_VALID	= BIT(19),	/* an opcode softodp implements */
};

/**
 * struct sod_opinfo - static description of one opcode
 * @name: for debug messages
 * @flags: enum sod_op_flags
 * @hdr_len: BTH + extension headers, bytes
 */
struct sod_opinfo {
	const char *name;
	u32 flags;
	u8 hdr_len;
};

extern const struct sod_opinfo sod_opinfo[256];

static inline u32 sod_op_flags(u8 opcode)
{
	return sod_opinfo[opcode].flags;
}

static inline unsigned int sod_op_hdr_len(u8 opcode)
{
	return sod_opinfo[opcode].hdr_len;
}

/*
 * sod_op_hdr_offset - offset from the start of the BTH of the extension
 * header @which (one SOD_F_* header bit) in a packet of @opcode.  The
 * header must be present in that opcode.
 */
unsigned int sod_op_hdr_offset(u8 opcode, u32 which);

/* ------------------------------------------------------------------ */
/* BTH: opcode | se mig pad(2) tver(4) | pkey(16)                      */
/*      fecn becn resv6 | destqp(24)                                   */
/*      ackreq resv7 | psn(24)                                         */
/* ------------------------------------------------------------------ */
struct sod_bth {
	u8 opcode;
	u8 flags;		/* SE:0x80 M:0x40 PadCnt:0x30 TVer:0x0f */
	__be16 pkey;
	__be32 qpn;		/* FECN:bit31 BECN:bit30 DestQP:23..0 */
	__be32 apsn;		/* AckReq:bit31 PSN:23..0 */
};

#define SOD_BTH_SE		0x80
#define SOD_BTH_MIG		0x40
#define SOD_BTH_PAD_SHIFT	4
#define SOD_BTH_PAD_MASK	0x30
#define SOD_BTH_TVER_MASK	0x0f
#define SOD_BTH_FECN		BIT(31)
#define SOD_BTH_BECN		BIT(30)
#define SOD_BTH_ACKREQ		BIT(31)
#define SOD_BTH_RESV7_MASK	0x7f000000U
#define SOD_BTH_RESV6_MASK	0x3f000000U

/* RETH: virtual address, R_Key, DMA length. */
struct sod_reth {
	__be64 va;
	__be32 rkey;
	__be32 len;
} __packed;

/* AETH: syndrome(8) | MSN(24). */
struct sod_aeth {
	__be32 smsn;
};

/* AETH syndrome: bits 7..5 kind, 4..0 value (credits, RNR timer, NAK code). */
#define SOD_AETH_KIND_MASK	0xe0
#define SOD_AETH_ACK		0x00	/* value = credit count (0x1f: none) */
#define SOD_AETH_RNR_NAK	0x20	/* value = RNR timer code */
#define SOD_AETH_NAK		0x60	/* value = NAK code below */
#define SOD_AETH_VALUE_MASK	0x1f
#define SOD_AETH_NO_CREDIT	0x1f

enum sod_nak_code {
	SOD_NAK_PSN_SEQ_ERR	= 0,
	SOD_NAK_INVALID_REQ	= 1,
	SOD_NAK_REM_ACCESS_ERR	= 2,
	SOD_NAK_REM_OP_ERR	= 3,
	SOD_NAK_INVALID_RD_REQ	= 4,
};

/* AtomicETH: VA, R_Key, swap (or add) data, compare data. */
struct sod_atmeth {
	__be64 va;
	__be32 rkey;
	__be64 swap_add;
	__be64 cmp;
} __packed;

/* AtomicAckETH: the original remote data. */
struct sod_atmack {
	__be64 orig;
} __packed;

/* DETH: Q_Key, resv8 | source QP(24). */
struct sod_deth {
	__be32 qkey;
	__be32 sqp;
};

/* ------------------------------------------------------------------ */
/* Parsed packet: kept in skb->cb on receive and while building.       */
/* ------------------------------------------------------------------ */

/**
 * struct sod_pkt - what the receive path learnt about a packet
 * @hdr: start of the BTH (skb data)
 * @opcode: BTH opcode
 * @flags: sod_op_flags(@opcode)
 * @psn: BTH PSN
 * @qpn: BTH destination QP
 * @paylen: payload bytes (without pad and ICRC)
 * @pad: BTH pad count
 * @ackreq: BTH AckReq
 * @se: BTH solicited event
 * @ipv6: arrived over IPv6
 */
struct sod_pkt {
	u8 *hdr;
	u32 flags;
	u32 psn;
	u32 qpn;
	u32 paylen;
	u8 opcode;
	u8 pad;
	bool ackreq;
	bool se;
	bool ipv6;
};

#define SOD_PKT(skb) ((struct sod_pkt *)(skb)->cb)

static inline void *sod_pkt_ext(const struct sod_pkt *pkt, u32 which)
{
	return pkt->hdr + sod_op_hdr_offset(pkt->opcode, which);
}

static inline void *sod_pkt_payload(const struct sod_pkt *pkt)
{
	return pkt->hdr + sod_op_hdr_len(pkt->opcode);
}

/* Readers of the BTH at @bth (pure). */
static inline u32 sod_bth_psn(const struct sod_bth *bth)
{
	return be32_to_cpu(bth->apsn) & SOD_PSN_MASK;
}

static inline u32 sod_bth_qpn(const struct sod_bth *bth)
{
	return be32_to_cpu(bth->qpn) & SOD_QPN_MASK;
}

static inline bool sod_bth_ackreq(const struct sod_bth *bth)
{
	return be32_to_cpu(bth->apsn) & SOD_BTH_ACKREQ;
}

static inline u8 sod_bth_pad(const struct sod_bth *bth)
{
	return (bth->flags & SOD_BTH_PAD_MASK) >> SOD_BTH_PAD_SHIFT;
}

/* sod_bth_build - fill a BTH (transport version 0, no FECN/BECN). */
static inline void sod_bth_build(struct sod_bth *bth, u8 opcode, bool se,
				 u8 pad, u16 pkey, u32 qpn, bool ackreq,
				 u32 psn)
{
	bth->opcode = opcode;
	bth->flags = (se ? SOD_BTH_SE : 0) | SOD_BTH_MIG |
		     ((pad << SOD_BTH_PAD_SHIFT) & SOD_BTH_PAD_MASK);
	bth->pkey = cpu_to_be16(pkey);
	bth->qpn = cpu_to_be32(qpn & SOD_QPN_MASK);
	bth->apsn = cpu_to_be32((ackreq ? SOD_BTH_ACKREQ : 0) |
				(psn & SOD_PSN_MASK));
}

/* ------------------------------------------------------------------ */
/* PSN arithmetic (24-bit, wrapping)                                   */
/* ------------------------------------------------------------------ */

/*
 * sod_psn_diff - signed distance a - b in the 24-bit PSN space, in
 * [-2^23, 2^23).  Positive when @a is after @b.
 */
static inline s32 sod_psn_diff(u32 a, u32 b)
{
	return (s32)((a - b) << 8) >> 8;
}

static inline u32 sod_psn_add(u32 psn, u32 n)
{
	return (psn + n) & SOD_PSN_MASK;
}

/*
 * icrc.c: sod_icrc - the RoCEv2 invariant CRC of a complete packet.
 * The skb's network header is the IPv4/IPv6 header, its transport header
 * the UDP header, and its last SOD_ICRC_BYTES bytes are the ICRC field
 * itself (not covered).  The variant fields are masked as the spec says.
 * Returns the value to store in (or compare with) the ICRC field, as it
 * lies on the wire (little endian CRC32 of the masked bytes, inverted).
 * Any context.
 */
__le32 sod_icrc(struct sk_buff *skb);

#endif /* SOD_HDR_H */
