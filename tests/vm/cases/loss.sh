#!/usr/bin/env bash
# RC under a lossy link, softodp <-> softodp (loss-rxe.sh: the same against
# Debian's rdma_rxe).  tc netem on eth0's egress of either VM: 1% and 10%
# loss, 5% duplication (both VMs), reordering (2% of the packets delayed 2
# +- 1 ms, path MTU 1024), each in both directions with sod_loss's write,
# send, read and faa tests (every byte checked; N fetch-and-adds fetch
# exactly 0..N-1 and the counter ends at N: no atomic executed twice); the
# link cut for good (RETRY_EXC_ERR within the bounds that timeout/retry_cnt
# imply, the other WRs WR_FLUSH_ERR, the QP in ERR), also at timeout 1
# (softodp's 10 ms floor); a 3 s outage in the middle of a 64 MiB WRITE;
# a slow link that queues (tbf) instead of dropping, where the requester
# paces itself by its packets held in the local stack (tx_paced); the
# requester killed -9 while its packets wait in the qdisc, then link delete
# and rmmod (no QP reference left behind by a queued packet).
# softodp's port counters must show it: retransmits and cwnd_cuts (the
# congestion window halved) on the requester under loss, rcvd_seq_err on
# the responder that lost or reordered requests, duplicate_request on the
# responder under duplication, retry_exceeded_err once per cut.
# vms: 2
# cost: 150
# timeout: 600
# tiers: stock
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
SOD_TRAFFIC_DEV=softodp
. "$(dirname "$0")/_traffic.sh"
. "$(dirname "$0")/_loss.sh"

# Killed with its packets queued: vm0's requester (64 MiB WRITE) is
# killed -9 while tbf at 2 Mbit holds its packets in vm0's qdisc.  Those
# packets hold references on the QP (docs/datapath.md, "Pacing by the
# local TX queue"): destroying it waits until the qdisc has sent them,
# a few seconds, never forever.  Then the link is deleted and the module
# unloaded on vm0: no reference may be left behind.
kill_queued() {
	local rc=0 pid log=$SOFTODP_OUT/kill-queued.log t0 ready
	ready=$(_loss_file killq ready)
	rm -f "$ready"
	if [ "$SOFTODP_VM_INDEX" = 0 ]; then
		tc qdisc add dev eth0 root tbf rate 2mbit burst 32kb limit 4mb || rc=1
		barrier killq-listen 60 || rc=1
		timeout 300 "$LOSS_PROG" --dev "$TDEV" --client "$SOFTODP_PEER_IP4" \
			--port 18790 --ready-file "$ready" --tests write \
			--size 67108864 --chunk 65536 --depth 8 --timeout 18 >"$log" 2>&1 &
		pid=$!
		wait_for 120 test -e "$ready" || rc=1
		# Packets waiting in tbf: its backlog is not empty.
		wait_for 30 sh -c "tc -s qdisc show dev eth0 | grep -q 'backlog [1-9]'" || rc=1
		tc -s qdisc show dev eth0 | grep backlog >>"$SOFTODP_OUT/loss-summary"
		t0=$(_t_now_us)
		kill -9 "$pid"
		wait "$pid"
		echo "kill-queued: client gone $((($(_t_now_us) - t0) / 1000)) ms after kill -9" \
			>>"$SOFTODP_OUT/loss-summary"
		tc -s qdisc show dev eth0 | grep backlog >>"$SOFTODP_OUT/loss-summary"
		tc qdisc del dev eth0 root || rc=1
	else
		timeout 300 "$LOSS_PROG" --dev "$TDEV" --server --port 18790 >"$log" 2>&1 &
		pid=$!
		wait_for 30 traffic_listening 18790 || rc=1
		barrier killq-listen 60 || rc=1
		# The client's death ends it with an error: only its end counts.
		wait "$pid"
	fi
	barrier killq-done 300 || rc=1
	return $rc
}

traffic_setup 9000 || exit 1
barrier up 180
loss_body
t_check "kill -9 of a requester whose packets wait in vm0's qdisc (vm$SOFTODP_VM_INDEX)" kill_queued
if [ "$SOFTODP_VM_INDEX" = 0 ]; then
	t_check "link delete after the kill (vm0)" timeout 60 rdma link delete "$TDEV"
	t_check "rmmod after the kill (vm0)" timeout 60 rmmod softodp
fi
barrier end 300
! grep -q '^FAIL ' "$SOFTODP_OUT/results"
