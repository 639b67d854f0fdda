#!/usr/bin/env bash
# Teardown with traffic in flight: processes running 1 MiB WRITE/READ/SEND
# loops (64 KiB on the debug kernel) in loopback are killed (-9) mid-transfer, client first, then server
# first; the kernel destroys their QPs, CQs and MRs while packets, read
# streams and retransmission timers are live.  Afterwards the device still
# carries verified traffic, and link delete + rmmod succeed (no reference
# leaked).  The log scan (and kmemleak on the debug kernel) judge the rest.
# vms: 1
# tiers: stock
# tier-note: the debug tier runs it inside debug-datapath.sh (one debug VM for several cases)
# cost: 19
# cost-debug: 300
# timeout: 300
# timeout-debug: 1200
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
. "$(dirname "$0")/_softodp.sh"

P=$SOD_PROGS/sod_traffic
# The debug kernel (KASAN) runs this 5-10x slower: smaller transfers there.
# (The default ACK timeout, 67 ms, ran out here twice in full debug-tier
# runs until the responder acknowledged every 16 packets and the
# requester's timer counted from the end of its sending pass;
# docs/datapath.md, "ACK coalescing".)
SIZE=1048577 MOVING=3000
case $KVER in *-softodp-dbg) SIZE=65536 MOVING=600 ;; esac
t_check "insmod softodp" sod_load || exit 1
t_check "link add" rdma link add softodp0 type softodp netdev eth0 || exit 1

# Packets the device sent (loopback RDMA traffic never reaches lo: it is
# delivered inside softodp, counted in sent_pkts and sent_pkts_local).
dev_tx() {
	rdma statistic show link softodp0/1 | sed -n 's/.* sent_pkts \([0-9]*\) .*/\1/p'
}

# kill_mid FIRST: start a long run, wait until it is moving packets, kill
# FIRST (client|server) with SIGKILL, then the other.
kill_mid() {
	local first=$1 port=$((19000 + RANDOM % 1000)) srv cli t0
	"$P" --dev softodp0 --server --port "$port" >"$SOFTODP_OUT/kill-$first-server.log" 2>&1 &
	srv=$!
	wait_for 30 eval "grep -qi ':$(printf %04X "$port") ' /proc/net/tcp" || return 1
	t0=$(dev_tx)
	"$P" --dev softodp0 --client 127.0.0.1 --port "$port" --ops write,read,send \
		--sizes "$SIZE" --iters 100000 >"$SOFTODP_OUT/kill-$first-client.log" 2>&1 &
	cli=$!
	# Moving: the device sent a few thousand packets.
	wait_for 120 eval '[ $(( $(dev_tx) - t0 )) -gt $MOVING ]' || {
		kill -9 $cli $srv
		echo "sent $(( $(dev_tx) - t0 )) packets; client, server:"
		tail -n 5 "$SOFTODP_OUT/kill-$first-client.log" "$SOFTODP_OUT/kill-$first-server.log"
		return 1
	}
	if [ "$first" = client ]; then
		kill -9 "$cli"; wait "$cli"; kill -9 "$srv"; wait "$srv"
	else
		kill -9 "$srv"; wait "$srv"; kill -9 "$cli"; wait "$cli"
	fi
	# Nothing of theirs is left open on the device.
	! ls -l /proc/[0-9]*/fd 2>/dev/null | grep -q uverbs
}

# traffic: a short verified run (the device still works).
traffic() {
	local port=$((20000 + RANDOM % 1000)) srv rc
	"$P" --dev softodp0 --server --port "$port" >"$SOFTODP_OUT/after-server.log" 2>&1 &
	srv=$!
	wait_for 30 eval "grep -qi ':$(printf %04X "$port") ' /proc/net/tcp" || return 1
	"$P" --dev softodp0 --client 127.0.0.1 --port "$port" --ops write,read,send,cas \
		--sizes 1,65536
	rc=$?
	wait "$srv" || rc=1
	return $rc
}

t_check "client killed mid-transfer, then server" kill_mid client
t_check "server killed mid-transfer, then client" kill_mid server
t_check "device still carries verified traffic" traffic
t_check "link delete" rdma link delete softodp0
t_check "rmmod" rmmod softodp
