#!/usr/bin/env bash
# Error paths: every kernel allocation on the way through user context
# creation and PD allocation is made to fail in turn (per-task fault injection, /proc/thread-self/fail-nth, failslab).
# Each failure must give the caller an errno, leave the device usable and
# leak nothing (kmemleak runs after the script), and the module must still
# unload.  Needs CONFIG_FAULT_INJECTION: the debug kernel.
# vms: 1
# tiers: debug
# timeout: 900
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
. "$(dirname "$0")/_softodp.sh"

fs=/sys/kernel/debug/failslab
if [ ! -d $fs ]; then
	t_fail "failslab available" "no $fs (kernel without fault injection?)"
	exit 1
fi
# Count sleeping allocations too, and inject quietly: the default verbosity
# prints a stack trace for each injected fault, which the log scan rejects.
echo N >$fs/ignore-gfp-wait
echo 0 >$fs/verbose

t_check "insmod softodp" sod_load || exit 1
# Device creation (sod_failnth --op newlink) reaches several hundred
# allocation points inside the core's registration; at 2-3 s per point on
# the debug kernel that does not fit the budget yet (see docs/testing notes).
t_check "link add softodp0" rdma link add softodp0 type softodp netdev eth0 || exit 1
t_check "fail each allocation of ibv_open_device in turn" \
	"$SOD_PROGS/sod_failnth" --op ucontext --dev softodp0
t_check "fail each allocation of ibv_alloc_pd in turn" \
	"$SOD_PROGS/sod_failnth" --op pd --dev softodp0
t_check "device still works" "$SOD_PROGS/sod_pd_loop" --dev softodp0 --iters 100
echo Y >$fs/ignore-gfp-wait
t_check "link delete" rdma link delete softodp0
t_check "rmmod softodp" rmmod softodp
