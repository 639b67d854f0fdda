#!/usr/bin/env bash
# Data path on one softodp device (loopback through the kernel's own
# stack): every RC operation, inline sends and UD, sizes 0..64 KiB, data
# and completions verified byte for byte by sod_traffic; then the same
# over an SRQ, then every error completion case.  The larger matrix (1 MiB,
# MTU 4096) and the two-VM cases run in the stock tier (traffic-*.sh).  Module unload afterwards proves nothing leaked a reference.
# vms: 1
# tiers: stock
# tier-note: the debug tier runs it inside debug-datapath.sh (one debug VM for several cases)
# cost: 16
# cost-debug: 260
# timeout: 300
# timeout-debug: 1200
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
. "$(dirname "$0")/_softodp.sh"

P=$SOD_PROGS/sod_traffic
SIZES=0,1,63,4095,4096,4097,65536
t_check "insmod softodp" sod_load || exit 1
t_check "link add" rdma link add softodp0 type softodp netdev eth0 || exit 1

# traffic NAME ARGS...: one server and one client on softodp0.
traffic() {
	local name=$1 port=$((18515 + RANDOM % 1000)) srv rc
	shift
	"$P" --dev softodp0 --server --port "$port" "$@" >"$SOFTODP_OUT/$name-server.log" 2>&1 &
	srv=$!
	wait_for 30 eval "grep -qi ':$(printf %04X "$port") ' /proc/net/tcp" || {
		kill "$srv"
		return 1
	}
	"$P" --dev softodp0 --client 127.0.0.1 --port "$port" "$@"
	rc=$?
	wait "$srv" || rc=1
	cat "$SOFTODP_OUT/$name-server.log"
	# The device's counters tell a lost packet from a stalled QP.
	[ $rc -eq 0 ] || rdma statistic show link softodp0/1
	return $rc
}

# ctr NAME: one of softodp0's port counters.
ctr() {
	rdma statistic show link softodp0/1 | tr ' ' '\n' |
		awk -v n="$1" '$0 == n { getline; print; exit }'
}
declare -A C0
for c in sent_pkts rcvd_pkts sent_pkts_local local_passes; do C0[$c]=$(ctr $c); done

t_check "RC and UD, all operations, MTU 1024" \
	traffic all --ops all --sizes "$SIZES" --iters 2 --mtu 1024

# Local delivery (docs/datapath.md): every packet to the device's own GID
# is handed to its receive path, not sent through lo, and the sending
# thread runs the receiving QP's pass.
declare -A D
for c in sent_pkts rcvd_pkts sent_pkts_local local_passes; do D[$c]=$(( $(ctr $c) - C0[$c] )); done
echo "counters: sent ${D[sent_pkts]} rcvd ${D[rcvd_pkts]} local ${D[sent_pkts_local]} passes ${D[local_passes]}"
t_check "loopback packets all delivered locally" \
	eval '[ "${D[sent_pkts]}" -gt 100 ] && [ "${D[sent_pkts_local]}" = "${D[sent_pkts]}" ] &&
		[ "${D[rcvd_pkts]}" = "${D[sent_pkts]}" ]'
t_check "receiving QPs run by the sending thread" eval '[ "${D[local_passes]}" -gt 0 ]'
t_check "RC over an SRQ shared by two QPs" \
	traffic srq --ops send,send_imm,write_imm --sizes "$SIZES" --srq --mtu 1024
# Error completions (bad keys, rights, PD, flush, RNR, vanished peer): the
# paths that tear QPs down with work in flight, under KASAN in the debug tier.
t_check "error completions" traffic errors --check-errors --no-matrix
t_check "link delete" rdma link delete softodp0
t_check "rmmod" rmmod softodp
