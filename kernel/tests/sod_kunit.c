// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for softodp's pure logic.  Built as the test-only module
 * softodp_kunit.ko, and only against kernels with CONFIG_KUNIT (the debug
 * kernel); never part of the shipped softodp.ko.  The suites run when the
 * module is loaded; their TAP output goes to the kernel log.
 *
 * The pure parts of the data path under test (the opcode table, the ICRC
 * and the TX queue pacing) are compiled into this module from their own
 * sources, so that it does not depend on softodp.ko; what they call in
 * qp.c has test doubles here.
 */
#include <kunit/test.h>
#include <linux/etherdevice.h>
#include <linux/module.h>

#include "../softodp.h"
#include "../opcode.c"
#include "../icrc.c"
#include "../txq.c"

struct mtu_case {
	int netdev_mtu;
	enum ib_mtu expect;
};

/*
 * The core counts 96 header bytes (GRH 40, UDP 8, BTH 12, XRC 4,
 * AtomicETH 28, ICRC 4): an IB MTU fits when netdev_mtu >= ib_mtu + 96.
 */
static const struct mtu_case mtu_cases[] = {
	{ 0, IB_MTU_256 },		/* nonsense in, the minimum out */
	{ 351, IB_MTU_256 },		/* below 256 + 96: still the minimum */
	{ 352, IB_MTU_256 },
	{ 607, IB_MTU_256 },
	{ 608, IB_MTU_512 },
	{ 1119, IB_MTU_512 },
	{ 1120, IB_MTU_1024 },
	{ 1500, IB_MTU_1024 },		/* plain Ethernet */
	{ 2143, IB_MTU_1024 },
	{ 2144, IB_MTU_2048 },
	{ 4191, IB_MTU_2048 },
	{ 4192, IB_MTU_4096 },
	{ 9000, IB_MTU_4096 },		/* jumbo frames: capped at 4096 */
	{ 65535, IB_MTU_4096 },
};

static void sod_test_active_mtu(struct kunit *test)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(mtu_cases); i++)
		KUNIT_EXPECT_EQ_MSG(test, sod_active_mtu(mtu_cases[i].netdev_mtu),
				    mtu_cases[i].expect, "netdev mtu %d",
				    mtu_cases[i].netdev_mtu);
}

static void sod_test_active_mtu_monotonic(struct kunit *test)
{
	enum ib_mtu prev = IB_MTU_256, cur;
	int m;

	for (m = 0; m <= 10000; m++) {
		cur = sod_active_mtu(m);
		KUNIT_ASSERT_GE_MSG(test, cur, prev, "netdev mtu %d", m);
		KUNIT_ASSERT_LE(test, ib_mtu_enum_to_int(cur) + 96,
				max(m, ib_mtu_enum_to_int(IB_MTU_256) + 96));
		prev = cur;
	}
}

/* Mb/s -> (IB speed, width): rate in Gb/s = lane rate * lanes. */
static void sod_test_eth_speed(struct kunit *test)
{
	static const struct {
		u32 mbps;
		u16 speed;
		u8 width;
	} cases[] = {
		{ 10, IB_SPEED_SDR, IB_WIDTH_1X },
		{ 1000, IB_SPEED_SDR, IB_WIDTH_1X },
		{ 2500, IB_SPEED_SDR, IB_WIDTH_1X },
		{ 2501, IB_SPEED_DDR, IB_WIDTH_1X },
		{ 10000, IB_SPEED_FDR10, IB_WIDTH_1X },
		{ 25000, IB_SPEED_EDR, IB_WIDTH_1X },
		{ 40000, IB_SPEED_FDR10, IB_WIDTH_4X },
		{ 100000, IB_SPEED_EDR, IB_WIDTH_4X },
		{ 200000, IB_SPEED_HDR, IB_WIDTH_4X },
		{ 400000, IB_SPEED_NDR, IB_WIDTH_4X },
		{ U32_MAX, IB_SPEED_NDR, IB_WIDTH_4X },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		u16 speed = 0;
		u8 width = 0;

		sod_eth_speed_to_ib(cases[i].mbps, &speed, &width);
		KUNIT_EXPECT_EQ_MSG(test, speed, cases[i].speed, "%u Mb/s",
				    cases[i].mbps);
		KUNIT_EXPECT_EQ_MSG(test, width, cases[i].width, "%u Mb/s",
				    cases[i].mbps);
	}
}

static struct kunit_case sod_port_cases[] = {
	KUNIT_CASE(sod_test_active_mtu),
	KUNIT_CASE(sod_test_active_mtu_monotonic),
	KUNIT_CASE(sod_test_eth_speed),
	{}
};

static struct kunit_suite sod_port_suite = {
	.name = "softodp_port",
	.test_cases = sod_port_cases,
};

/* ------------------------------------------------------------------ */
/* Opcode table                                                         */
/* ------------------------------------------------------------------ */

static const u8 sod_valid_ops[] = {
	SOD_OP_RC_SEND_FIRST, SOD_OP_RC_SEND_MIDDLE, SOD_OP_RC_SEND_LAST,
	SOD_OP_RC_SEND_LAST_IMM, SOD_OP_RC_SEND_ONLY, SOD_OP_RC_SEND_ONLY_IMM,
	SOD_OP_RC_WRITE_FIRST, SOD_OP_RC_WRITE_MIDDLE, SOD_OP_RC_WRITE_LAST,
	SOD_OP_RC_WRITE_LAST_IMM, SOD_OP_RC_WRITE_ONLY,
	SOD_OP_RC_WRITE_ONLY_IMM, SOD_OP_RC_READ_REQUEST,
	SOD_OP_RC_READ_RESPONSE_FIRST, SOD_OP_RC_READ_RESPONSE_MIDDLE,
	SOD_OP_RC_READ_RESPONSE_LAST, SOD_OP_RC_READ_RESPONSE_ONLY,
	SOD_OP_RC_ACKNOWLEDGE, SOD_OP_RC_ATOMIC_ACKNOWLEDGE,
	SOD_OP_RC_COMPARE_SWAP, SOD_OP_RC_FETCH_ADD, SOD_OP_RC_SEND_LAST_INV,
	SOD_OP_RC_SEND_ONLY_INV, SOD_OP_UD_SEND_ONLY, SOD_OP_UD_SEND_ONLY_IMM,
};

static const struct {
	u32 flag;
	unsigned int bytes;
} sod_ext_hdrs[] = {		/* in wire order */
	{ SOD_F_RETH, SOD_RETH_BYTES },
	{ SOD_F_DETH, SOD_DETH_BYTES },
	{ SOD_F_ATMETH, SOD_ATMETH_BYTES },
	{ SOD_F_AETH, SOD_AETH_BYTES },
	{ SOD_F_ATMACK, SOD_ATMACK_BYTES },
	{ SOD_F_IMMDT, SOD_IMMDT_BYTES },
	{ SOD_F_IETH, SOD_IETH_BYTES },
};

static bool sod_test_op_is_valid(unsigned int op)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sod_valid_ops); i++)
		if (sod_valid_ops[i] == op)
			return true;
	return false;
}

/* Exactly the enum's opcodes are valid, every other entry is empty. */
static void sod_test_op_valid_set(struct kunit *test)
{
	unsigned int op;

	for (op = 0; op < 256; op++) {
		if (sod_test_op_is_valid(op)) {
			KUNIT_EXPECT_TRUE_MSG(test, sod_op_flags(op) & SOD_F_VALID,
					      "opcode 0x%02x", op);
			KUNIT_EXPECT_NOT_NULL(test, sod_opinfo[op].name);
		} else {
			KUNIT_EXPECT_EQ_MSG(test, sod_op_flags(op), 0U,
					    "opcode 0x%02x", op);
			KUNIT_EXPECT_EQ_MSG(test, sod_op_hdr_len(op), 0U,
					    "opcode 0x%02x", op);
		}
	}
}

/* hdr_len is the BTH plus its extension headers; offsets add up in order. */
static void sod_test_op_hdr_len(struct kunit *test)
{
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(sod_valid_ops); i++) {
		u8 op = sod_valid_ops[i];
		u32 flags = sod_op_flags(op);
		unsigned int off = SOD_BTH_BYTES;

		for (j = 0; j < ARRAY_SIZE(sod_ext_hdrs); j++) {
			if (!(flags & sod_ext_hdrs[j].flag))
				continue;
			KUNIT_EXPECT_EQ_MSG(test,
					    sod_op_hdr_offset(op, sod_ext_hdrs[j].flag),
					    off, "%s header %zu",
					    sod_opinfo[op].name, j);
			off += sod_ext_hdrs[j].bytes;
		}
		KUNIT_EXPECT_EQ_MSG(test, sod_op_hdr_len(op), off, "%s",
				    sod_opinfo[op].name);
	}
}

/* Each opcode has one role, one transport, the transport its high bits say. */
static void sod_test_op_flags(struct kunit *test)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sod_valid_ops); i++) {
		u8 op = sod_valid_ops[i];
		u32 f = sod_op_flags(op);

		KUNIT_EXPECT_EQ_MSG(test, hweight32(f & (SOD_F_REQ | SOD_F_RESP)),
				    1U, "%s", sod_opinfo[op].name);
		KUNIT_EXPECT_EQ_MSG(test, hweight32(f & (SOD_F_RC | SOD_F_UD)),
				    1U, "%s", sod_opinfo[op].name);
		KUNIT_EXPECT_EQ_MSG(test, !!(f & SOD_F_UD), (op >> 5) == 3,
				    "%s", sod_opinfo[op].name);
		KUNIT_EXPECT_TRUE_MSG(test, f & (SOD_F_FIRST | SOD_F_MIDDLE |
						 SOD_F_LAST), "%s",
				      sod_opinfo[op].name);
		if (f & SOD_F_MIDDLE)
			KUNIT_EXPECT_FALSE(test, f & (SOD_F_FIRST | SOD_F_LAST));
	}
}

/* Spot checks against IBTA vol. 1 table 35 (header order). */
static void sod_test_op_spot(struct kunit *test)
{
	u8 op;

	op = SOD_OP_RC_WRITE_ONLY_IMM;
	KUNIT_EXPECT_EQ(test, sod_op_hdr_offset(op, SOD_F_RETH), 12U);
	KUNIT_EXPECT_EQ(test, sod_op_hdr_offset(op, SOD_F_IMMDT), 28U);
	KUNIT_EXPECT_EQ(test, sod_op_hdr_len(op), 32U);
	op = SOD_OP_UD_SEND_ONLY_IMM;
	KUNIT_EXPECT_EQ(test, sod_op_hdr_offset(op, SOD_F_DETH), 12U);
	KUNIT_EXPECT_EQ(test, sod_op_hdr_offset(op, SOD_F_IMMDT), 20U);
	KUNIT_EXPECT_EQ(test, sod_op_hdr_len(op), 24U);
	op = SOD_OP_RC_ATOMIC_ACKNOWLEDGE;
	KUNIT_EXPECT_EQ(test, sod_op_hdr_offset(op, SOD_F_AETH), 12U);
	KUNIT_EXPECT_EQ(test, sod_op_hdr_offset(op, SOD_F_ATMACK), 16U);
	KUNIT_EXPECT_EQ(test, sod_op_hdr_len(op), 24U);
	KUNIT_EXPECT_EQ(test, sod_op_hdr_len(SOD_OP_RC_COMPARE_SWAP), 40U);
	KUNIT_EXPECT_EQ(test, sod_op_hdr_len(SOD_OP_RC_READ_REQUEST), 28U);
	KUNIT_EXPECT_EQ(test, sod_op_hdr_len(SOD_OP_RC_READ_RESPONSE_MIDDLE),
			12U);
	KUNIT_EXPECT_EQ(test, sod_op_hdr_len(SOD_OP_RC_SEND_ONLY_INV), 16U);
	KUNIT_EXPECT_FALSE(test, sod_op_flags(SOD_OP_RC_READ_REQUEST) &
			   SOD_F_PAYLOAD);
	KUNIT_EXPECT_FALSE(test, sod_op_flags(SOD_OP_RC_ACKNOWLEDGE) &
			   SOD_F_PAYLOAD);
	KUNIT_EXPECT_TRUE(test, sod_op_flags(SOD_OP_RC_READ_RESPONSE_MIDDLE) &
			  SOD_F_PAYLOAD);
}

static struct kunit_case sod_opcode_cases[] = {
	KUNIT_CASE(sod_test_op_valid_set),
	KUNIT_CASE(sod_test_op_hdr_len),
	KUNIT_CASE(sod_test_op_flags),
	KUNIT_CASE(sod_test_op_spot),
	{}
};

static struct kunit_suite sod_opcode_suite = {
	.name = "softodp_opcode",
	.test_cases = sod_opcode_cases,
};

/* ------------------------------------------------------------------ */
/* PSN arithmetic and the BTH                                           */
/* ------------------------------------------------------------------ */

static void sod_test_psn(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, sod_psn_add(SOD_PSN_MASK, 1), 0U);
	KUNIT_EXPECT_EQ(test, sod_psn_add(SOD_PSN_MASK - 1, 5), 3U);
	KUNIT_EXPECT_EQ(test, sod_psn_add(5, 0), 5U);
	KUNIT_EXPECT_EQ(test, sod_psn_diff(0, SOD_PSN_MASK), 1);
	KUNIT_EXPECT_EQ(test, sod_psn_diff(SOD_PSN_MASK, 0), -1);
	KUNIT_EXPECT_EQ(test, sod_psn_diff(3, SOD_PSN_MASK - 1), 5);
	KUNIT_EXPECT_EQ(test, sod_psn_diff(10, 10), 0);
	KUNIT_EXPECT_EQ(test, sod_psn_diff(0x7fffff, 0), 0x7fffff);
	KUNIT_EXPECT_EQ(test, sod_psn_diff(0x800000, 0), -0x800000);
	KUNIT_EXPECT_EQ(test, sod_psn_diff(0, 0x800000), -0x800000);
	KUNIT_EXPECT_EQ(test, sod_psn_diff(0, 0x800001), 0x7fffff);
	/* bits above the 24 are ignored */
	KUNIT_EXPECT_EQ(test, sod_psn_diff(0xff000001, 0x00000000), 1);
}

static void sod_test_psn_sweep(struct kunit *test)
{
	u32 base, n;

	for (base = 0; base < (1U << 24); base += 0x12345)
		for (n = 0; n < (1U << 23); n += 0x54321) {
			u32 next = sod_psn_add(base, n);

			KUNIT_ASSERT_LE(test, next, SOD_PSN_MASK);
			KUNIT_ASSERT_EQ(test, sod_psn_diff(next, base), (s32)n);
			KUNIT_ASSERT_EQ(test, sod_psn_diff(base, next), -(s32)n);
		}
}

static void sod_test_bth(struct kunit *test)
{
	static const u8 expect[SOD_BTH_BYTES] = {
		0x0a, 0x40 | 0x80 | 0x30, 0xff, 0xff,
		0x00, 0x12, 0x34, 0x56,
		0x80, 0xab, 0xcd, 0xef,
	};
	struct sod_bth bth;

	BUILD_BUG_ON(sizeof(struct sod_bth) != SOD_BTH_BYTES);
	BUILD_BUG_ON(sizeof(struct sod_reth) != SOD_RETH_BYTES);
	BUILD_BUG_ON(sizeof(struct sod_aeth) != SOD_AETH_BYTES);
	BUILD_BUG_ON(sizeof(struct sod_atmeth) != SOD_ATMETH_BYTES);
	BUILD_BUG_ON(sizeof(struct sod_atmack) != SOD_ATMACK_BYTES);
	BUILD_BUG_ON(sizeof(struct sod_deth) != SOD_DETH_BYTES);

	sod_bth_build(&bth, SOD_OP_RC_WRITE_ONLY, true, 3, 0xffff,
		      0xff123456, true, 0x12abcdef);
	KUNIT_EXPECT_EQ(test, memcmp(&bth, expect, sizeof(expect)), 0);
	KUNIT_EXPECT_EQ(test, sod_bth_qpn(&bth), 0x123456U);
	KUNIT_EXPECT_EQ(test, sod_bth_psn(&bth), 0xabcdefU);
	KUNIT_EXPECT_TRUE(test, sod_bth_ackreq(&bth));
	KUNIT_EXPECT_EQ(test, sod_bth_pad(&bth), 3);
	KUNIT_EXPECT_EQ(test, bth.flags & SOD_BTH_TVER_MASK, 0);

	sod_bth_build(&bth, SOD_OP_UD_SEND_ONLY, false, 0, 0x8001, 1, false,
		      0);
	KUNIT_EXPECT_EQ(test, bth.opcode, SOD_OP_UD_SEND_ONLY);
	KUNIT_EXPECT_EQ(test, bth.flags, SOD_BTH_MIG);
	KUNIT_EXPECT_EQ(test, sod_bth_qpn(&bth), 1U);
	KUNIT_EXPECT_EQ(test, sod_bth_psn(&bth), 0U);
	KUNIT_EXPECT_FALSE(test, sod_bth_ackreq(&bth));
	KUNIT_EXPECT_EQ(test, sod_bth_pad(&bth), 0);
}

static struct kunit_case sod_bth_cases[] = {
	KUNIT_CASE(sod_test_psn),
	KUNIT_CASE(sod_test_psn_sweep),
	KUNIT_CASE(sod_test_bth),
	{}
};

static struct kunit_suite sod_bth_suite = {
	.name = "softodp_bth",
	.test_cases = sod_bth_cases,
};

/* ------------------------------------------------------------------ */
/* ICRC against packets rdma_rxe (Debian 12, 6.1) sent                  */
/* ------------------------------------------------------------------ */

/*
 * Frames rdma_rxe (Debian 12, 6.1.0-56-amd64) exchanged between two VMs
 * running ibv_rc_pingpong and ibv_ud_pingpong, as the receiving VM saw
 * them on eth0 (Ethernet header included; each ends with rxe's ICRC).
 */
struct sod_test_pkt {
	const char *name;
	const u8 *data;
	unsigned int len;
};

/* IPv4 RC SEND_ONLY, 61-byte payload + 3 pad */
static const u8 sod_pkt_rxe_v4_rc_send_only[] = {
	0x52, 0x54, 0x00, 0x50, 0xde, 0x01, 0x52, 0x54, 0x00, 0x50, 0xde, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x6c, 0x34, 0xac, 0x40, 0x00, 0x40, 0x11,
	0x81, 0xd1, 0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x02, 0xc1, 0x21,
	0x12, 0xb7, 0x00, 0x58, 0x00, 0x00, 0x04, 0x30, 0xff, 0xff, 0x00, 0x00,
	0x00, 0x11, 0x80, 0x30, 0x68, 0x2c, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b,
	0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b,
	0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b,
	0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b,
	0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b,
	0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x00, 0x00, 0x00, 0x78, 0x5c,
	0xa9, 0x95,
};

/* IPv4 RC ACKNOWLEDGE */
static const u8 sod_pkt_rxe_v4_rc_ack[] = {
	0x52, 0x54, 0x00, 0x50, 0xde, 0x01, 0x52, 0x54, 0x00, 0x50, 0xde, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x30, 0x34, 0xb0, 0x40, 0x00, 0x40, 0x11,
	0x82, 0x09, 0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x02, 0xc1, 0x21,
	0x12, 0xb7, 0x00, 0x1c, 0x00, 0x00, 0x11, 0x00, 0xff, 0xff, 0x00, 0x00,
	0x00, 0x11, 0x00, 0x8a, 0x0d, 0xa0, 0x1f, 0x00, 0x00, 0x01, 0x9f, 0xdb,
	0x45, 0x5c,
};

/* IPv4 UD SEND_ONLY (DETH) */
static const u8 sod_pkt_rxe_v4_ud_send_only[] = {
	0x52, 0x54, 0x00, 0x50, 0xde, 0x01, 0x52, 0x54, 0x00, 0x50, 0xde, 0x00,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x74, 0x34, 0xbf, 0x40, 0x00, 0x40, 0x11,
	0x81, 0xb6, 0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x02, 0xf8, 0x06,
	0x12, 0xb7, 0x00, 0x60, 0x00, 0x00, 0x64, 0x20, 0xff, 0xff, 0x00, 0x00,
	0x00, 0x12, 0x00, 0x51, 0x35, 0xda, 0x11, 0x11, 0x11, 0x11, 0x00, 0x00,
	0x00, 0x12, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b,
	0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b,
	0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b,
	0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b,
	0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b,
	0x7b, 0x7b, 0x7b, 0x7b, 0x00, 0x00, 0xc6, 0x5a, 0x0a, 0xcd,
};

/* IPv6 RC SEND_ONLY */
static const u8 sod_pkt_rxe_v6_rc_send_only[] = {
	0x52, 0x54, 0x00, 0x50, 0xde, 0x01, 0x52, 0x54, 0x00, 0x50, 0xde, 0x00,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x58, 0x11, 0x40, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xc1, 0x69, 0x12, 0xb7, 0x00, 0x58,
	0x00, 0x00, 0x04, 0x10, 0xff, 0xff, 0x00, 0x00, 0x00, 0x13, 0x80, 0x35,
	0xb6, 0x86, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b,
	0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b,
	0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b,
	0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b,
	0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b,
	0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x00, 0x12, 0x20, 0x89, 0x1f,
};

/* IPv6 RC ACKNOWLEDGE */
static const u8 sod_pkt_rxe_v6_rc_ack[] = {
	0x52, 0x54, 0x00, 0x50, 0xde, 0x01, 0x52, 0x54, 0x00, 0x50, 0xde, 0x00,
	0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x1c, 0x11, 0x40, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xc1, 0x69, 0x12, 0xb7, 0x00, 0x1c,
	0x00, 0x00, 0x11, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x13, 0x00, 0x58,
	0x23, 0xde, 0x1f, 0x00, 0x00, 0x01, 0x28, 0x40, 0x29, 0xd9,
};

#define SOD_TEST_PKT(n, a) { .name = (n), .data = (a), .len = sizeof(a) }

static const struct sod_test_pkt sod_test_pkts[] = {
	SOD_TEST_PKT("rxe_v4_rc_send_only", sod_pkt_rxe_v4_rc_send_only),
	SOD_TEST_PKT("rxe_v4_rc_ack", sod_pkt_rxe_v4_rc_ack),
	SOD_TEST_PKT("rxe_v4_ud_send_only", sod_pkt_rxe_v4_ud_send_only),
	SOD_TEST_PKT("rxe_v6_rc_send_only", sod_pkt_rxe_v6_rc_send_only),
	SOD_TEST_PKT("rxe_v6_rc_ack", sod_pkt_rxe_v6_rc_ack),
};

/*
 * sod_test_skb - an skb holding @frame (Ethernet + IP + UDP + ... + ICRC)
 * with the headers set as the receive path sees them (data at the UDP
 * header).  When @split, the bytes after the first 100 go to a page
 * fragment, to exercise the non-linear path of sod_icrc().
 */
static struct sk_buff *sod_test_skb(struct kunit *test, const u8 *frame,
				    unsigned int len, bool split)
{
	unsigned int iplen, head = split ? min(len, 100U) : len;
	struct sk_buff *skb;
	struct page *page;

	skb = alloc_skb(len + 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_reserve(skb, 32);
	skb_put_data(skb, frame, head);
	if (head < len) {
		page = alloc_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, page);
		memcpy(page_address(page), frame + head, len - head);
		skb_add_rx_frag(skb, 0, page, 0, len - head, PAGE_SIZE);
	}
	skb_reset_mac_header(skb);
	__skb_pull(skb, ETH_HLEN);
	skb_reset_network_header(skb);
	iplen = (skb->data[0] >> 4) == 4 ? (skb->data[0] & 0xf) * 4 :
					   sizeof(struct ipv6hdr);
	__skb_pull(skb, iplen);
	skb_reset_transport_header(skb);
	return skb;
}

static void sod_test_icrc_case(struct kunit *test, const struct sod_test_pkt *p,
			       bool split)
{
	struct sk_buff *skb = sod_test_skb(test, p->data, p->len, split);
	__le32 want;

	memcpy(&want, p->data + p->len - SOD_ICRC_BYTES, sizeof(want));
	KUNIT_EXPECT_EQ_MSG(test, le32_to_cpu(sod_icrc(skb)), le32_to_cpu(want),
			    "%s%s", p->name, split ? " (paged)" : "");

	/* With the data at the BTH (as sod_qp_rcv sees it): the same. */
	__skb_pull(skb, sizeof(struct udphdr));
	KUNIT_EXPECT_EQ_MSG(test, le32_to_cpu(sod_icrc(skb)), le32_to_cpu(want),
			    "%s at BTH", p->name);
	kfree_skb(skb);
}

static void sod_test_icrc_rxe(struct kunit *test)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sod_test_pkts); i++) {
		sod_test_icrc_case(test, &sod_test_pkts[i], false);
		sod_test_icrc_case(test, &sod_test_pkts[i], true);
	}
}

/* Variant fields do not change the ICRC; invariant ones do. */
static void sod_test_icrc_mask(struct kunit *test)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sod_test_pkts); i++) {
		const struct sod_test_pkt *p = &sod_test_pkts[i];
		u8 *frame = kunit_kmalloc(test, p->len, GFP_KERNEL);
		bool v4 = (p->data[ETH_HLEN] >> 4) == 4;
		/* offsets in the frame: TOS/TC, TTL/hop limit, UDP csum, BTH+4 */
		unsigned int ipoff = ETH_HLEN, udpoff = ipoff + (v4 ? 20 : 40);
		unsigned int variant[] = {
			v4 ? ipoff + 1 : ipoff + 1,
			v4 ? ipoff + 8 : ipoff + 7,
			v4 ? ipoff + 10 : ipoff + 3,
			udpoff + 6, udpoff + 8 + 4,
		};
		unsigned int invariant[] = {
			v4 ? ipoff + 12 : ipoff + 8,	/* source address */
			udpoff + 0,			/* source port */
			udpoff + 8 + 0,			/* BTH opcode */
			udpoff + 8 + 5,			/* BTH QPN */
			p->len - SOD_ICRC_BYTES - 1,	/* last covered byte */
		};
		struct sk_buff *skb;
		__le32 want;
		size_t j;

		KUNIT_ASSERT_NOT_NULL(test, frame);
		memcpy(&want, p->data + p->len - SOD_ICRC_BYTES, sizeof(want));
		for (j = 0; j < ARRAY_SIZE(variant); j++) {
			memcpy(frame, p->data, p->len);
			frame[variant[j]] ^= 0x5a;
			skb = sod_test_skb(test, frame, p->len, false);
			KUNIT_EXPECT_EQ_MSG(test, sod_icrc(skb), want,
					    "%s: variant byte %u", p->name,
					    variant[j]);
			kfree_skb(skb);
		}
		for (j = 0; j < ARRAY_SIZE(invariant); j++) {
			memcpy(frame, p->data, p->len);
			frame[invariant[j]] ^= 0x01;
			skb = sod_test_skb(test, frame, p->len, false);
			KUNIT_EXPECT_NE_MSG(test, sod_icrc(skb), want,
					    "%s: invariant byte %u", p->name,
					    invariant[j]);
			kfree_skb(skb);
		}
	}
}

static struct kunit_case sod_icrc_cases[] = {
	KUNIT_CASE(sod_test_icrc_rxe),
	KUNIT_CASE(sod_test_icrc_mask),
	{}
};

static struct kunit_suite sod_icrc_suite = {
	.name = "softodp_icrc",
	.test_cases = sod_icrc_cases,
};

/* ------------------------------------------------------------------ */
/* The requester's congestion window (cwnd.h)                          */
/* ------------------------------------------------------------------ */

static void sod_test_cwnd_loss(struct kunit *test)
{
	struct sod_cwnd c;
	u32 want = SOD_MAX_UNACKED;

	sod_cwnd_init(&c);
	KUNIT_EXPECT_EQ(test, c.wnd, (u32)SOD_MAX_UNACKED);
	/* Each loss halves, down to the floor, and stays there. */
	while (want > SOD_CWND_MIN) {
		want /= 2;
		sod_cwnd_loss(&c);
		KUNIT_EXPECT_EQ(test, c.wnd, max_t(u32, want, SOD_CWND_MIN));
	}
	sod_cwnd_loss(&c);
	KUNIT_EXPECT_EQ(test, c.wnd, (u32)SOD_CWND_MIN);
	KUNIT_EXPECT_EQ(test, c.credit, 0U);
}

static void sod_test_cwnd_growth(struct kunit *test)
{
	struct sod_cwnd c;
	u32 n;

	sod_cwnd_init(&c);
	/* At the maximum, ACKs change nothing. */
	KUNIT_EXPECT_FALSE(test, sod_cwnd_acked(&c, 1000));
	KUNIT_EXPECT_EQ(test, c.wnd, (u32)SOD_MAX_UNACKED);
	KUNIT_EXPECT_EQ(test, c.credit, 0U);

	sod_cwnd_loss(&c);		/* 64 */
	/* One packet more per window's worth acknowledged, not before. */
	KUNIT_EXPECT_FALSE(test, sod_cwnd_acked(&c, 63));
	KUNIT_EXPECT_EQ(test, c.wnd, 64U);
	KUNIT_EXPECT_TRUE(test, sod_cwnd_acked(&c, 1));
	KUNIT_EXPECT_EQ(test, c.wnd, 65U);
	KUNIT_EXPECT_EQ(test, c.credit, 0U);
	/* A big cumulative ACK grows it by several steps; the rest stays. */
	KUNIT_EXPECT_TRUE(test, sod_cwnd_acked(&c, 65 + 66 + 10));
	KUNIT_EXPECT_EQ(test, c.wnd, 67U);
	KUNIT_EXPECT_EQ(test, c.credit, 10U);
	/* A loss forgets the credit. */
	sod_cwnd_loss(&c);
	KUNIT_EXPECT_EQ(test, c.wnd, 33U);
	KUNIT_EXPECT_EQ(test, c.credit, 0U);
	/* Back at the maximum after enough ACKs, and never beyond. */
	for (n = 0; n < 100000 && c.wnd < SOD_MAX_UNACKED; n++)
		sod_cwnd_acked(&c, 7);
	KUNIT_EXPECT_EQ(test, c.wnd, (u32)SOD_MAX_UNACKED);
	KUNIT_EXPECT_EQ(test, c.credit, 0U);
	/* 33 + ... + 127 PSNs, in steps of 7: about 7700 / 7 calls. */
	KUNIT_EXPECT_GT(test, n, 1000U);
	KUNIT_EXPECT_LT(test, n, 1200U);
}

static struct kunit_case sod_cwnd_cases[] = {
	KUNIT_CASE(sod_test_cwnd_loss),
	KUNIT_CASE(sod_test_cwnd_growth),
	{}
};

static struct kunit_suite sod_cwnd_suite = {
	.name = "softodp_cwnd",
	.test_cases = sod_cwnd_cases,
};

/* TX queue pacing (txq.c), with test doubles of qp.c's kick and put. */
static struct {
	unsigned int kicks;
	unsigned int puts;
	unsigned int other_kicks;	/* of a unit other than the requester */
} sod_txq_seen;

void sod_qp_kick(struct sod_qp *qp, enum sod_unit_id id)
{
	if (id == SOD_UNIT_REQ)
		sod_txq_seen.kicks++;
	else
		sod_txq_seen.other_kicks++;
}

void sod_qp_put(struct sod_qp *qp)
{
	sod_txq_seen.puts++;
	refcount_dec(&qp->ref);
}

static struct sod_qp *sod_txq_qp(struct kunit *test)
{
	struct sod_qp *qp = kunit_kzalloc(test, sizeof(*qp), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, qp);
	qp->sdev = kunit_kzalloc(test, sizeof(*qp->sdev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, qp->sdev);
	refcount_set(&qp->ref, 1);
	atomic_set(&qp->tx_out, 0);
	memset(&sod_txq_seen, 0, sizeof(sod_txq_seen));
	return qp;
}

static struct sk_buff **sod_txq_hold(struct kunit *test, struct sod_qp *qp,
				     unsigned int n)
{
	struct sk_buff **skb = kunit_kcalloc(test, n, sizeof(*skb),
					     GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	for (i = 0; i < n; i++) {
		skb[i] = alloc_skb(0, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, skb[i]);
		sod_qp_tx_hold(qp, skb[i]);
	}
	return skb;
}

/* Stop at SOD_TX_HIGH held, one kick when the count falls below LOW. */
static void sod_test_txq_pace(struct kunit *test)
{
	struct sod_qp *qp = sod_txq_qp(test);
	struct sk_buff **skb;
	unsigned int i, freed;

	skb = sod_txq_hold(test, qp, SOD_TX_HIGH - 1);
	KUNIT_EXPECT_FALSE(test, sod_qp_tx_full(qp));
	KUNIT_EXPECT_FALSE(test, test_bit(SOD_QP_EV_TXWAIT, &qp->events));
	/* The destructor is where the stack frees: kfree_skb() runs it. */
	for (i = 0; i < SOD_TX_HIGH - 1; i++)
		kfree_skb(skb[i]);
	KUNIT_EXPECT_EQ(test, sod_txq_seen.kicks, 0U);

	skb = sod_txq_hold(test, qp, SOD_TX_HIGH);
	KUNIT_EXPECT_EQ(test, atomic_read(&qp->tx_out), SOD_TX_HIGH);
	KUNIT_EXPECT_EQ(test, refcount_read(&qp->ref), SOD_TX_HIGH + 1);
	KUNIT_EXPECT_TRUE(test, sod_qp_tx_full(qp));
	KUNIT_EXPECT_TRUE(test, test_bit(SOD_QP_EV_TXWAIT, &qp->events));
	KUNIT_EXPECT_EQ(test,
			atomic64_read(&qp->sdev->stats[SOD_STAT_TX_PACED]),
			1LL);
	for (freed = 0; freed < SOD_TX_HIGH; freed++) {
		/* Still waiting while LOW or more are held: no kick yet. */
		if (SOD_TX_HIGH - freed >= SOD_TX_LOW)
			KUNIT_EXPECT_EQ(test, sod_txq_seen.kicks, 0U);
		kfree_skb(skb[freed]);
	}
	/* Exactly one kick, the bit consumed, every reference back. */
	KUNIT_EXPECT_EQ(test, sod_txq_seen.kicks, 1U);
	KUNIT_EXPECT_EQ(test, sod_txq_seen.other_kicks, 0U);
	KUNIT_EXPECT_FALSE(test, test_bit(SOD_QP_EV_TXWAIT, &qp->events));
	KUNIT_EXPECT_EQ(test, sod_txq_seen.puts, 2U * SOD_TX_HIGH - 1);
	KUNIT_EXPECT_EQ(test, refcount_read(&qp->ref), 1U);
	KUNIT_EXPECT_EQ(test, atomic_read(&qp->tx_out), 0);
	KUNIT_EXPECT_FALSE(test, sod_qp_tx_full(qp));
}

/* The kick comes at the first packet freed below LOW, not before. */
static void sod_test_txq_kick_point(struct kunit *test)
{
	struct sod_qp *qp = sod_txq_qp(test);
	struct sk_buff **skb = sod_txq_hold(test, qp, SOD_TX_HIGH);
	unsigned int i;

	KUNIT_ASSERT_TRUE(test, sod_qp_tx_full(qp));
	for (i = 0; i < SOD_TX_HIGH - SOD_TX_LOW; i++)
		kfree_skb(skb[i]);
	/* LOW held: still full as far as the waiter knows, no kick. */
	KUNIT_EXPECT_EQ(test, atomic_read(&qp->tx_out), SOD_TX_LOW);
	KUNIT_EXPECT_EQ(test, sod_txq_seen.kicks, 0U);
	kfree_skb(skb[i++]);
	KUNIT_EXPECT_EQ(test, sod_txq_seen.kicks, 1U);
	KUNIT_EXPECT_EQ(test, sod_txq_seen.other_kicks, 0U);
	/* Below HIGH the requester goes on; the bit stays clear. */
	KUNIT_EXPECT_FALSE(test, sod_qp_tx_full(qp));
	KUNIT_EXPECT_FALSE(test, test_bit(SOD_QP_EV_TXWAIT, &qp->events));
	for (; i < SOD_TX_HIGH; i++)
		kfree_skb(skb[i]);
	KUNIT_EXPECT_EQ(test, sod_txq_seen.kicks, 1U);
	KUNIT_EXPECT_EQ(test, sod_txq_seen.other_kicks, 0U);
	KUNIT_EXPECT_EQ(test, refcount_read(&qp->ref), 1U);
}

static struct kunit_case sod_txq_cases[] = {
	KUNIT_CASE(sod_test_txq_pace),
	KUNIT_CASE(sod_test_txq_kick_point),
	{}
};

static struct kunit_suite sod_txq_suite = {
	.name = "softodp_txq",
	.test_cases = sod_txq_cases,
};

kunit_test_suites(&sod_port_suite, &sod_opcode_suite, &sod_bth_suite,
		  &sod_icrc_suite, &sod_cwnd_suite, &sod_txq_suite);

MODULE_DESCRIPTION("softodp KUnit tests (test-only)");
MODULE_LICENSE("GPL");
