// SPDX-License-Identifier: GPL-2.0
/*
 * softodp: the opcode table, what each IBTA opcode softodp implements
 * means and which extension headers follow its BTH.
 *
 * Extension headers appear on the wire in the order of their SOD_F_* bits
 * (RETH, DETH, AtomicETH, AETH, AtomicAckETH, ImmDt, IETH), which lets
 * sod_op_hdr_offset() add up the sizes of the headers before the one asked
 * for.  Opcodes softodp does not implement (UC, RD, XRC, ...) have flags 0.
 */
#include <linux/bitops.h>
#include <linux/bug.h>
#include <linux/log2.h>

#include "hdr.h"

/* Sizes of the extension headers, indexed by the bit number of SOD_F_*. */
static const u8 sod_ext_bytes[] = {
	[0] = SOD_RETH_BYTES,		/* SOD_F_RETH */
	[1] = SOD_DETH_BYTES,		/* SOD_F_DETH */
	[2] = SOD_ATMETH_BYTES,		/* SOD_F_ATMETH */
	[3] = SOD_AETH_BYTES,		/* SOD_F_AETH */
	[4] = SOD_ATMACK_BYTES,		/* SOD_F_ATMACK */
	[5] = SOD_IMMDT_BYTES,		/* SOD_F_IMMDT */
	[6] = SOD_IETH_BYTES,		/* SOD_F_IETH */
};

#define SOD_F_EXT_MASK	(SOD_F_RETH | SOD_F_DETH | SOD_F_ATMETH | \
			 SOD_F_AETH | SOD_F_ATMACK | SOD_F_IMMDT | SOD_F_IETH)

/* Flags shared by whole families of opcodes. */
#define RC_REQ		(SOD_F_VALID | SOD_F_RC | SOD_F_REQ)
#define RC_RESP		(SOD_F_VALID | SOD_F_RC | SOD_F_RESP)
#define UD_REQ		(SOD_F_VALID | SOD_F_UD | SOD_F_REQ)
#define ONLY		(SOD_F_FIRST | SOD_F_LAST)

/* Header lengths, written out so that the table reads like the spec. */
#define BTH		SOD_BTH_BYTES
#define RETH		SOD_RETH_BYTES
#define DETH		SOD_DETH_BYTES
#define ATMETH		SOD_ATMETH_BYTES
#define AETH		SOD_AETH_BYTES
#define ATMACK		SOD_ATMACK_BYTES
#define IMMDT		SOD_IMMDT_BYTES
#define IETH		SOD_IETH_BYTES

#define OP(_op, _flags, _len) \
	[SOD_OP_##_op] = { .name = #_op, .flags = (_flags), .hdr_len = (_len) }

const struct sod_opinfo sod_opinfo[256] = {
	OP(RC_SEND_FIRST, RC_REQ | SOD_F_SEND | SOD_F_FIRST | SOD_F_PAYLOAD,
	   BTH),
	OP(RC_SEND_MIDDLE, RC_REQ | SOD_F_SEND | SOD_F_MIDDLE | SOD_F_PAYLOAD,
	   BTH),
	OP(RC_SEND_LAST, RC_REQ | SOD_F_SEND | SOD_F_LAST | SOD_F_PAYLOAD,
	   BTH),
	OP(RC_SEND_LAST_IMM, RC_REQ | SOD_F_SEND | SOD_F_LAST |
	   SOD_F_IMMDT | SOD_F_PAYLOAD, BTH + IMMDT),
	OP(RC_SEND_ONLY, RC_REQ | SOD_F_SEND | ONLY | SOD_F_PAYLOAD, BTH),
	OP(RC_SEND_ONLY_IMM, RC_REQ | SOD_F_SEND | ONLY | SOD_F_IMMDT |
	   SOD_F_PAYLOAD, BTH + IMMDT),
	OP(RC_WRITE_FIRST, RC_REQ | SOD_F_WRITE | SOD_F_FIRST | SOD_F_RETH |
	   SOD_F_PAYLOAD, BTH + RETH),
	OP(RC_WRITE_MIDDLE, RC_REQ | SOD_F_WRITE | SOD_F_MIDDLE |
	   SOD_F_PAYLOAD, BTH),
	OP(RC_WRITE_LAST, RC_REQ | SOD_F_WRITE | SOD_F_LAST | SOD_F_PAYLOAD,
	   BTH),
	OP(RC_WRITE_LAST_IMM, RC_REQ | SOD_F_WRITE | SOD_F_LAST |
	   SOD_F_IMMDT | SOD_F_PAYLOAD, BTH + IMMDT),
	OP(RC_WRITE_ONLY, RC_REQ | SOD_F_WRITE | ONLY | SOD_F_RETH |
	   SOD_F_PAYLOAD, BTH + RETH),
	OP(RC_WRITE_ONLY_IMM, RC_REQ | SOD_F_WRITE | ONLY | SOD_F_RETH |
	   SOD_F_IMMDT | SOD_F_PAYLOAD, BTH + RETH + IMMDT),
	OP(RC_READ_REQUEST, RC_REQ | SOD_F_READ | ONLY | SOD_F_RETH,
	   BTH + RETH),
	OP(RC_READ_RESPONSE_FIRST, RC_RESP | SOD_F_READ | SOD_F_FIRST |
	   SOD_F_AETH | SOD_F_PAYLOAD, BTH + AETH),
	OP(RC_READ_RESPONSE_MIDDLE, RC_RESP | SOD_F_READ | SOD_F_MIDDLE |
	   SOD_F_PAYLOAD, BTH),
	OP(RC_READ_RESPONSE_LAST, RC_RESP | SOD_F_READ | SOD_F_LAST |
	   SOD_F_AETH | SOD_F_PAYLOAD, BTH + AETH),
	OP(RC_READ_RESPONSE_ONLY, RC_RESP | SOD_F_READ | ONLY | SOD_F_AETH |
	   SOD_F_PAYLOAD, BTH + AETH),
	OP(RC_ACKNOWLEDGE, RC_RESP | ONLY | SOD_F_AETH, BTH + AETH),
	OP(RC_ATOMIC_ACKNOWLEDGE, RC_RESP | SOD_F_ATOMIC | ONLY | SOD_F_AETH |
	   SOD_F_ATMACK, BTH + AETH + ATMACK),
	OP(RC_COMPARE_SWAP, RC_REQ | SOD_F_ATOMIC | ONLY | SOD_F_ATMETH,
	   BTH + ATMETH),
	OP(RC_FETCH_ADD, RC_REQ | SOD_F_ATOMIC | ONLY | SOD_F_ATMETH,
	   BTH + ATMETH),
	OP(RC_SEND_LAST_INV, RC_REQ | SOD_F_SEND | SOD_F_LAST | SOD_F_IETH |
	   SOD_F_PAYLOAD, BTH + IETH),
	OP(RC_SEND_ONLY_INV, RC_REQ | SOD_F_SEND | ONLY | SOD_F_IETH |
	   SOD_F_PAYLOAD, BTH + IETH),
	OP(UD_SEND_ONLY, UD_REQ | SOD_F_SEND | ONLY | SOD_F_DETH |
	   SOD_F_PAYLOAD, BTH + DETH),
	OP(UD_SEND_ONLY_IMM, UD_REQ | SOD_F_SEND | ONLY | SOD_F_DETH |
	   SOD_F_IMMDT | SOD_F_PAYLOAD, BTH + DETH + IMMDT),
};

/*
 * sod_op_hdr_offset - see hdr.h.  Pure; any context.  Asking for a header
 * the opcode does not carry (or for anything but one header bit) is a bug:
 * it warns once and returns the offset of the payload, which is at least
 * inside the packet the receive path checked.
 */
unsigned int sod_op_hdr_offset(u8 opcode, u32 which)
{
	u32 flags = sod_opinfo[opcode].flags;
	unsigned int off = SOD_BTH_BYTES;
	u32 before;

	if (WARN_ON_ONCE(!is_power_of_2(which) || !(which & SOD_F_EXT_MASK) ||
			 !(flags & which)))
		return sod_opinfo[opcode].hdr_len;

	before = flags & SOD_F_EXT_MASK & (which - 1);
	while (before) {
		off += sod_ext_bytes[__ffs(before)];
		before &= before - 1;
	}
	return off;
}
