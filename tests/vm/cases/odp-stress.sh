#!/usr/bin/env bash
# shellcheck disable=SC2016 # (eval of single-quoted conditions)
# ODP coherence under racing invalidations (sod_odp_stress, 60 s): QP
# pairs run WRITE/READ/SEND/atomics on one ODP region while other threads
# fork, compact memory, page out, collapse and split THPs, merge with KSM,
# and (between a worker's rounds) DONTNEED, remap and mprotect its slice.
# Every byte and every atomic result is checked; afterwards the device's
# ODP counters must show faults and invalidations, and softodp must unload.
# vms: 1
# cost: 74
# cost-debug: 235
# timeout: 300
# timeout-debug: 900
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
. "$(dirname "$0")/_softodp.sh"

t_check "insmod softodp" sod_load || exit 1
t_check "link add" rdma link add softodp0 type softodp netdev eth0 || exit 1
t_check "port ACTIVE" wait_for 30 eval 'grep -q ACTIVE /sys/class/infiniband/softodp0/ports/1/state' || exit 1
# KSM merging and THP collapse are part of the race (both optional).
[ ! -w /sys/kernel/mm/ksm/run ] || echo 1 >/sys/kernel/mm/ksm/run
[ ! -w /sys/kernel/mm/transparent_hugepage/enabled ] ||
	echo madvise >/sys/kernel/mm/transparent_hugepage/enabled

stat_of() { # stat_of NAME: a port counter of softodp0
	rdma statistic show link softodp0/1 | grep -oE "(^| )$1 [0-9]+" | awk '{ print $2 }'
}
log=$SOFTODP_OUT/odp-stress.log
t_check "60 s of traffic against racing invalidations" eval \
	'timeout 200 "$SOD_PROGS/sod_odp_stress" --dev softodp0 --seconds 60 --workers 2 >"$log" 2>&1'
cat "$log"
rdma statistic show link softodp0/1
t_check "pages were faulted" eval '[ "$(stat_of odp_fault_pages)" -gt 0 ]'
t_check "mappings were invalidated" eval '[ "$(stat_of odp_invalidated_pages)" -gt 0 ]'
t_check "no fault failed" eval '[ "$(stat_of odp_fault_errors)" = 0 ]'
t_check "link delete" rdma link delete softodp0
t_check "rmmod softodp" rmmod softodp
! grep -q '^FAIL ' "$SOFTODP_OUT/results"
