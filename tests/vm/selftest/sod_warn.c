// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only module for the VM harness self-test (tests/vm/selftest.sh):
 * it commits one deliberate kernel bug when loaded, chosen with bug=, so
 * that the harness can show that it catches each kind.  Never part of the
 * shipped driver (module parameters are fine here for that reason).
 *
 *   bug=warn   WARN_ON(1)                         any kernel
 *   bug=uaf    read after kfree()                 KASAN (debug kernel)
 *   bug=sleep  mutex_lock() under a spinlock      DEBUG_ATOMIC_SLEEP
 *   bug=leak   allocations whose pointers are lost  kmemleak
 */
#include <linux/bug.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

static char *bug = "warn";
module_param(bug, charp, 0444);
MODULE_PARM_DESC(bug, "which bug to commit: warn, uaf, sleep or leak");

static DEFINE_SPINLOCK(sod_planted_lock);
static DEFINE_MUTEX(sod_planted_mutex);
static void *sod_planted_ptr;

static noinline void sod_planted_uaf(void)
{
	char *p = kmalloc(64, GFP_KERNEL);

	if (!p)
		return;
	kfree(p);
	/* The read must not be optimised away. */
	pr_info("sod_warn: read after free: %d\n", READ_ONCE(p[8]));
}

static noinline void sod_planted_sleep(void)
{
	spin_lock(&sod_planted_lock);
	mutex_lock(&sod_planted_mutex);		/* may sleep: a bug here */
	mutex_unlock(&sod_planted_mutex);
	spin_unlock(&sod_planted_lock);
}

static noinline void sod_planted_leak(void)
{
	int i;

	/*
	 * Several objects, each kept only in a variable that the next one
	 * overwrites: kmemleak may miss one whose stale pointer survives
	 * somewhere it scans, but not all of them.
	 */
	for (i = 0; i < 16; i++)
		WRITE_ONCE(sod_planted_ptr, kmalloc(200, GFP_KERNEL));
	WRITE_ONCE(sod_planted_ptr, NULL);
}

static int __init sod_warn_init(void)
{
	if (!strcmp(bug, "warn"))
		WARN_ON(1);
	else if (!strcmp(bug, "uaf"))
		sod_planted_uaf();
	else if (!strcmp(bug, "sleep"))
		sod_planted_sleep();
	else if (!strcmp(bug, "leak"))
		sod_planted_leak();
	else
		return -EINVAL;
	return 0;
}

static void __exit sod_warn_exit(void)
{
}

module_init(sod_warn_init);
module_exit(sod_warn_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("softodp VM harness self-test: one deliberate kernel bug at load");
