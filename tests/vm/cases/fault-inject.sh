#!/usr/bin/env bash
# Error paths: device creation (the allocations of newlink in turn, the
# first ones all, then sampled); every kernel allocation on the way
# through user context creation, PD allocation, and the creation of each data path object (CQ;
# RC and UD QPs with their own RQ, an RC QP on an SRQ; SRQ; pinned MR;
# AH) is made to fail in turn (per-task fault injection,
# /proc/thread-self/fail-nth, failslab), from the verb in userspace through
# the provider and uverbs down to the driver.  Each failure must give the
# caller an allocation errno, leave the device usable (after every run the
# object is made for real and used: a QP goes RESET->INIT, a CQ is polled
# and armed, an SRQ takes a receive; QP numbers and MR indexes must not
# leak), and leak nothing (kmemleak runs after the script); no kernel
# report; the module must still unload.  Needs CONFIG_FAULT_INJECTION: the
# debug kernel.  sod_failnth writes each sweep's runs to
# $SOFTODP_OUT/failnth-OP.log and prints how many fault points it found
# (about 310 in all; most runs are absorbed: the allocation had a fallback).
#
# Duration on the debug kernel, measured: QEMU used 5.0 min of CPU for the
# whole case, boot and kmemleak scan included, which is its duration on an
# idle host; on the 2-core host with 4-6 other VMs running it took 11.2 min
# (boot 4.2, script 4.9, kmemleak scan and shutdown 2.1), and 14.4 min with
# 7 other VMs: hence the 1200 s timeout.
# vms: 1
# cost-debug: 460
# tiers: debug
# timeout: 1200
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

# failnth ARGS...: sod_failnth, printing its pid first (a kmemleak report
# names the process that allocated a leaked object).
failnth() { sh -c 'echo "pid $$"; exec "$0" "$@"' "$SOD_PROGS/sod_failnth" "$@"; }

# Device creation (`rdma link add`, while no device exists, so that the
# UDP tunnel sockets are made too): the first 24 allocation points in
# turn, which are the module's own steps (the device, the netdev
# reference, the IPv4 and IPv6 tunnel sockets: ENOMEM, ENOBUFS and ENFILE
# come back), then a sample of the rest, every 500th point: all of them,
# ~4000 inside the core's registration and the sysfs/netlink work around
# it, at ~3 s per point here, would take over three hours (measured:
# first 24, then every 40th: 122 runs, 395 s).  fail_function on the
# module's functions was tried and left: on this kernel its kprobe handler
# draws a random number under lockdep's NMI rules (should_fail_ex ->
# get_random_u32), which lockdep reports as an inconsistent lock state.
t_check "newlink: allocations fail in turn (first 24, then every 500th)" \
	eval 'failnth --op newlink --ndev eth0 --first 24 --every 500 \
		>"$SOFTODP_OUT/failnth-newlink.log" 2>&1 || { tail -n 30 "$SOFTODP_OUT/failnth-newlink.log"; false; }'
grep -h '^sod_failnth: ' "$SOFTODP_OUT/failnth-newlink.log"

# A leak of the core, not of softodp: when an allocation inside
# uverbs_alloc_api() (ib_uverbs_add_one, during registration) fails,
# radix_tree_insert() has already linked the tree nodes it made on the way
# down and leaves them, empty, in uapi->radix; uverbs_destroy_api() then
# deletes only the entries, so those nodes leak.  The sampled sweep lands
# on such an allocation in some runs and not in others (the number of
# allocations before it varies), which kmemleak reported in one CI run.
# So the sweep's leaks are checked here: every object allocated under
# uverbs_alloc_api is that core bug (softodp defines no uapi of its own)
# and is counted, then forgotten; any other leak fails.
t_check "newlink: nothing leaked but the core's known uverbs_alloc_api leak" \
	kmemleak_check uverbs_alloc_api

t_check "link add softodp0" rdma link add softodp0 type softodp netdev eth0 || exit 1

# sweep OP: sod_failnth --op OP on softodp0; its whole output goes to
# $SOFTODP_OUT/failnth-OP.log, the last lines of it to the log on failure.
sweep() {
	local log=$SOFTODP_OUT/failnth-$1.log rc=0

	failnth --op "$1" --dev softodp0 >"$log" 2>&1 || rc=$?
	[ $rc -eq 0 ] || tail -n 30 "$log"
	return $rc
}

# check_sweep OP WHAT: one result per operation, and its summary.
check_sweep() {
	t_check "fail each allocation of $2 in turn" sweep "$1"
	grep -h '^sod_failnth: ' "$SOFTODP_OUT/failnth-$1.log"
}

check_sweep ucontext ibv_open_device
check_sweep pd ibv_alloc_pd
check_sweep cq ibv_create_cq
check_sweep qp-rc "ibv_create_qp (RC)"
check_sweep qp-ud "ibv_create_qp (UD)"
check_sweep qp-srq "ibv_create_qp (RC on an SRQ)"
check_sweep srq ibv_create_srq
check_sweep mr "ibv_reg_mr (pinned)"
check_sweep ah ibv_create_ah
t_check "device still works" "$SOD_PROGS/sod_pd_loop" --dev softodp0 --iters 100
echo Y >$fs/ignore-gfp-wait
t_check "link delete" rdma link delete softodp0
t_check "rmmod softodp" rmmod softodp
echo "fault-inject: script took ${SECONDS} s"
