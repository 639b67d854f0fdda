#!/usr/bin/env bash
# Protection domains from userspace: alloc/dealloc loops over several
# contexts, many PDs held at once, and a process killed while holding PDs.
# vms: 1
# cost: 14
# tiers: stock
# tier-note: the debug tier runs it inside debug-basics.sh (one debug VM for several cases)
# timeout: 300
# timeout-debug: 900
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
. "$(dirname "$0")/_softodp.sh"

sod_load || { t_fail "insmod softodp" "load failed"; exit 1; }
rdma link add softodp0 type softodp netdev eth0 || { t_fail "link add" "failed"; exit 1; }

# The debug kernel (KASAN) runs each verb 10-20x slower: fewer rounds there
# (it is there to check the paths, not to repeat them).
iters=5000 again=1000
[[ $KVER != *-softodp-dbg ]] || iters=300 again=300
t_check "PD alloc/dealloc loop, 4 contexts" \
	"$SOD_PROGS/sod_pd_loop" --dev softodp0 --iters $iters --contexts 4
t_check "PD loop again (numbers reused cleanly)" \
	"$SOD_PROGS/sod_pd_loop" --dev softodp0 --iters $again --contexts 1

killed() {
	"$SOD_PROGS/sod_pd_loop" --dev softodp0 --iters 100000000 --contexts 2 &
	local pid=$!
	# Let it get going: wait until it holds the uverbs device open.
	wait_for 30 eval "ls -l /proc/$pid/fd 2>/dev/null | grep -q uverbs" || return 1
	kill -9 "$pid"
	wait "$pid"
	[ $? -eq 137 ]
}
t_check "process killed while holding PDs" killed
t_check "PD loop after the kill" \
	"$SOD_PROGS/sod_pd_loop" --dev softodp0 --iters 100 --contexts 1
t_check "link delete" rdma link delete softodp0
t_check "rmmod" rmmod softodp
