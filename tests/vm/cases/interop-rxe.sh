#!/usr/bin/env bash
# Wire interoperability with Debian's Soft-RoCE: VM 0 runs softodp, VM 1
# runs rdma_rxe (the stock kernel's), one Ethernet link between them.  The
# sod_traffic matrix (RC SEND, SEND_WITH_IMM, WRITE, WRITE_WITH_IMM, READ,
# CAS, FAA, inline SEND; UD SEND and SEND_WITH_IMM; sizes 0 B..1 MiB+1;
# every byte checked on both sides) runs in both directions: first the
# rxe VM drives (requester) and softodp answers (responder), then the
# other way round; at path MTU 1024 and 4096, with an SRQ, and READs and
# atomics repeated (one at a time: sod_traffic waits for each).  ICRC: a
# packet with a wrong ICRC is dropped silently by rxe and counted by
# softodp, so after the runs softodp's icrc_errors counter must still be 0
# and rxe must have answered everything (no timeouts in the matrix).
# Then the remote error cases both ways.
# vms: 2
# cost: 71
# timeout: 420
# tiers: stock
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
if [ "$SOFTODP_VM_INDEX" = 0 ]; then SOD_TRAFFIC_DEV=softodp; else SOD_TRAFFIC_DEV=rxe; fi
. "$(dirname "$0")/_traffic.sh"

traffic_setup 9000 || exit 1
barrier up 180

# counter NAME: softodp0's port counter NAME (VM 0 only).
counter() {
	rdma statistic show link "$TDEV/1" | tr ' ' '\n' | awk -v n="$1" 'p { print; exit } $0 == n { p = 1 }'
}

for srv in 0 1; do
	TRAFFIC_SERVER_VM=$srv
	if [ $srv = 0 ]; then dir="rxe requester -> softodp responder"; else dir="softodp requester -> rxe responder"; fi
	t_check "matrix, path MTU 1024, $dir" traffic_2vm "m1024-s$srv" --mtu 1024
	t_check "matrix, path MTU 4096, $dir" traffic_2vm "m4096-s$srv" --mtu 4096 \
		--sizes 0,1,4095,4096,4097,65536,1048577
	t_check "SRQ (2 QPs), $dir" traffic_2vm "srq-s$srv" --srq --iters 2 \
		--ops send,send_imm,write_imm --sizes 0,4097,65536
	t_check "READs and atomics, 8 iterations, $dir" traffic_2vm "rdatom-s$srv" \
		--ops read,cas,faa --sizes 8,4097,262144 --iters 8
	t_check "remote error cases, $dir" traffic_2vm "err-s$srv" --no-matrix \
		--check-errors --errors no_write,read_oob,rnr,vanish
done
if [ "$SOFTODP_VM_INDEX" = 0 ]; then
	rdma statistic show link "$TDEV/1"
	t_check "softodp counted no ICRC error from rxe" eval '[ "$(counter rcvd_icrc_err)" = 0 ]'
	t_check "softodp received packets from rxe" eval '[ "$(counter rcvd_pkts)" -gt 1000 ]'
fi
barrier done 120
! grep -q '^FAIL ' "$SOFTODP_OUT/results"
