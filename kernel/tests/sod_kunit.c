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

static struct kunit_case sod_port_cases[] = {
	KUNIT_CASE(sod_test_active_mtu),
	KUNIT_CASE(sod_test_active_mtu_monotonic),
	{}
};

static struct kunit_suite sod_port_suite = {
	.name = "softodp_port",
	.test_cases = sod_port_cases,
};

kunit_test_suites(&sod_port_suite);

MODULE_DESCRIPTION("softodp KUnit tests (test-only)");
MODULE_LICENSE("GPL");
