#!/usr/bin/env bash
# perftest between two VMs, small -n to stay quick under TCG: ib_send_bw,
# ib_write_bw, ib_read_bw, ib_atomic_bw, the _lat variants, ib_send_bw -c UD
# (all with the TCP exchange and -x GID index), and ib_send_bw -R (rdma_cm).
# Each must exit 0 on both sides and print its results line.
# Device kind: sod.dev=rxe|softodp on --append (see _traffic.sh).
# vms: 2
# cost: 70
# timeout: 240
# tiers: stock
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
. "$(dirname "$0")/_traffic.sh"

traffic_setup || exit 1
t_check "modprobe rdma_ucm" modprobe rdma_ucm
barrier up 180
peer=$SOFTODP_PEER_IP4
port=18600

# results_ok NAME: a line of numbers after the "#bytes" header.
results_ok() {
	awk '/#bytes/ { h = 1; next } h && /^ *[0-9]+ +[0-9]+ / { ok = 1 } END { exit !ok }' \
		"$SOFTODP_OUT/$1.log"
}

# pt NAME PROGRAM ARGS...: one perftest run (server VM 0, client VM 1).
pt() {
	local name=$1 prog=$2
	shift 2
	port=$((port + 1))
	local a="-d $TDEV -i 1 -F -p $port $*"
	t_check "$name" pair_2vm "$name" "traffic_listening $port" \
		"$prog $a" "$prog $a $peer" || return
	# The server of ib_read_lat / ib_atomic_lat is passive: no results.
	case $SOFTODP_VM_INDEX:$name in 0:read_lat | 0:atomic_lat) return 0 ;; esac
	t_check "$name: results line" results_ok "$name"
}
ptcm() {	# rdma_cm: the server listens on an rdma_cm ID, not TCP
	local name=$1 prog=$2
	shift 2
	port=$((port + 1))
	local a="-d $TDEV -i 1 -F -R -p $port $*"
	t_check "$name" pair_2vm "$name" rdma_cm_listening \
		"$prog $a" "$prog $a $peer" && t_check "$name: results line" results_ok "$name"
}

x="-x $TGID"
pt send_bw ib_send_bw $x -n 50 -s 65536
pt write_bw ib_write_bw $x -n 50 -s 65536
pt read_bw ib_read_bw $x -n 50 -s 65536
pt atomic_bw ib_atomic_bw $x -n 50
pt send_lat ib_send_lat $x -n 50 -s 64
pt write_lat ib_write_lat $x -n 50 -s 64
pt read_lat ib_read_lat $x -n 50 -s 64
pt atomic_lat ib_atomic_lat $x -n 50
pt send_bw_ud ib_send_bw $x -c UD -n 50 -s 1024
ptcm send_bw_rdma_cm ib_send_bw -n 50 -s 65536

! grep -q '^FAIL ' "$SOFTODP_OUT/results"
