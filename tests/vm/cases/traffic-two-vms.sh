#!/usr/bin/env bash
# The sod_traffic matrix between two VMs (server VM 0, client VM 1, control
# connection over the VMs' IPv4 link): every op x sizes 0..1 MiB+1 at path
# MTU 1024, a shorter list at 4096 (eth0 MTU 9000 on both), and an SRQ
# shared by two QPs.  softodp's server VM must have executed some of the
# one-packet requests in its receive softirq (rcvd_softirq, the fast
# path for pinned memory, docs/datapath.md), the client some ACKs
# (rcvd_softirq_acks) and some READ responses (rcvd_softirq_read_resps).
# Device kind: sod.dev=rxe|softodp on --append (see _traffic.sh).
# vms: 2
# cost: 36
# timeout: 240
# tiers: stock
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
. "$(dirname "$0")/_traffic.sh"

traffic_setup 9000 || exit 1
barrier up 180
fast0=0 acks0=0 reads0=0
if [ "$SOD_TRAFFIC_DEV" = softodp ]; then
	fast0=$(traffic_ctr rcvd_softirq)
	acks0=$(traffic_ctr rcvd_softirq_acks)
	reads0=$(traffic_ctr rcvd_softirq_read_resps)
fi
t_check "two-VM matrix, path MTU 1024" traffic_2vm mtu1024 --mtu 1024
t_check "two-VM matrix, path MTU 4096" traffic_2vm mtu4096 --mtu 4096 \
	--sizes 0,1,4096,4097,65536,1048577
t_check "two-VM SRQ (2 QPs), 2 iterations" traffic_2vm srq --srq --iters 2 \
	--ops send,send_imm,write_imm --sizes 0,4097,65536
if [ "$SOD_TRAFFIC_DEV" = softodp ] && [ "$SOFTODP_VM_INDEX" = 0 ]; then
	t_check "server: requests executed in the receive softirq" \
		traffic_ctr_grew rcvd_softirq "$fast0" -gt 0
elif [ "$SOD_TRAFFIC_DEV" = softodp ]; then
	t_check "client: ACKs taken in the receive softirq" \
		traffic_ctr_grew rcvd_softirq_acks "$acks0" -gt 0
	t_check "client: READ responses taken in the receive softirq" \
		traffic_ctr_grew rcvd_softirq_read_resps "$reads0" -gt 0
fi
! grep -q '^FAIL ' "$SOFTODP_OUT/results"
