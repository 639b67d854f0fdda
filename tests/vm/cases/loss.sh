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
# paces itself by its packets held in the local stack (tx_paced).
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

traffic_setup 9000 || exit 1
barrier up 180
loss_body
barrier end 300
! grep -q '^FAIL ' "$SOFTODP_OUT/results"
