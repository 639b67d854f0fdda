#!/usr/bin/env bash
# The debug tier's two-VM case: what only traffic over a link exercises
# (loopback never leaves the device, so no debug-tier case saw it): the
# UDP receive softirq, and in it softodp's fast path for requests to
# pinned memory (docs/datapath.md, "Receive fast path"), under KASAN,
# lockdep, kmemleak and the sleep-in-atomic checks.  The sod_traffic
# matrix (every op) at path MTU 1024 with messages of 0 to 3 packets,
# after which the server VM must have executed some requests in its
# softirq and the client taken some ACKs and READ responses there; then
# tools_pp_fast (one-packet SENDs into ODP memory: none in the softirq;
# one- and four-packet SENDs into pinned memory: some).
# vms: 2
# cost-debug: 340
# tiers: debug
# timeout: 300
# timeout-debug: 1500
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
. "$(dirname "$0")/_traffic.sh"

traffic_setup || exit 1
barrier up 600
fast0=$(traffic_ctr rcvd_softirq) acks0=$(traffic_ctr rcvd_softirq_acks)
reads0=$(traffic_ctr rcvd_softirq_read_resps)
t_check "two-VM matrix, 0-3 packets, path MTU 1024" traffic_2vm small \
	--mtu 1024 --sizes 0,1,63,1024,1025,3000
if [ "$SOFTODP_VM_INDEX" = 0 ]; then
	t_check "server: requests executed in the receive softirq" \
		traffic_ctr_grew rcvd_softirq "$fast0" -gt 0
else
	t_check "client: ACKs taken in the receive softirq" \
		traffic_ctr_grew rcvd_softirq_acks "$acks0" -gt 0
	t_check "client: READ responses taken in the receive softirq" \
		traffic_ctr_grew rcvd_softirq_read_resps "$reads0" -gt 0
fi
tools_pp_fast 18537
! grep -q '^FAIL ' "$SOFTODP_OUT/results"
