// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for softodp's pure logic.  Built as the test-only module
 * softodp_kunit.ko, and only against kernels with CONFIG_KUNIT (the debug
 * kernel); never part of the shipped softodp.ko.  The suites run when the
 * module is loaded; their TAP output goes to the kernel log.
 */
#include <kunit/test.h>
#include <linux/module.h>

#include "../softodp.h"

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

kunit_test_suites(&sod_port_suite);

MODULE_DESCRIPTION("softodp KUnit tests (test-only)");
MODULE_LICENSE("GPL");
