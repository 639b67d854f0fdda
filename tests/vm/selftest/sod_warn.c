// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only module for the VM harness self-test (tests/vm/selftest.sh):
 * it triggers WARN_ON(1) when loaded, so that the harness can show it
 * catches a kernel warning.  Never part of the shipped driver.
 */
#include <linux/bug.h>
#include <linux/init.h>
#include <linux/module.h>

static int __init sod_warn_init(void)
{
	WARN_ON(1);
	return 0;
}

static void __exit sod_warn_exit(void)
{
}

module_init(sod_warn_init);
module_exit(sod_warn_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("softodp VM harness self-test: WARN_ON(1) at load");
