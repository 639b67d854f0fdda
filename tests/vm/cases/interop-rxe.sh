#!/usr/bin/env bash
# Wire interoperability with Debian's Soft-RoCE: VM 0 runs softodp, VM 1
# runs rdma_rxe (the stock kernel's), one Ethernet link between them.  The
# sod_traffic matrix (RC SEND, SEND_WITH_IMM, WRITE, WRITE_WITH_IMM, READ,
# CAS, FAA, inline SEND; UD SEND and SEND_WITH_IMM, and UD SEND answered
# by the receiver through an AH from ibv_create_ah_from_wc; sizes 0 B..
# 4 MiB+1; every byte checked on both sides) runs in both directions:
# first the rxe VM drives (requester) and softodp answers (responder), then
# the other way round; at path MTU 1024 and 4096, with an SRQ, READs and
# atomics repeated one at a time, and bursts of READ/CAS/FAA posted at once
# with max_rd_atomic = max_dest_rd_atomic 1 (burst of 5: the requester
# must hold READs back) and 16 (burst of 35).
# ICRC: rxe drops a packet with a wrong ICRC silently (before counting it
# in rcvd_pkts), softodp counts it in rcvd_icrc_err.  After the matrix,
# rxe's rcvd_pkts must equal softodp's sent_pkts (a small shortfall only
# if softodp had to resend, i.e. the emulated link lost packets), and
# softodp's rcvd_icrc_err must be 0 while it received > 1000 packets.
# Then the remote error cases both ways.
# vms: 2
# cost: 77
# timeout: 420
# tiers: stock
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
if [ "$SOFTODP_VM_INDEX" = 0 ]; then SOD_TRAFFIC_DEV=softodp; else SOD_TRAFFIC_DEV=rxe; fi
. "$(dirname "$0")/_traffic.sh"

traffic_setup 9000 || exit 1
barrier up 180

counter() {	# counter NAME [FILE]: port counter NAME (of $TDEV, or as saved in FILE)
	if [ -n "${2:-}" ]; then cat "$2"; else rdma statistic show link "$TDEV/1"; fi |
		tr ' ' '\n' | awk -v n="$1" 'p { print; exit } $0 == n { p = 1 }'
}
ctr_save() {	# ctr_save TAG: this VM's counters into the shared directory
	rdma statistic show link "$TDEV/1" | tee "$SOFTODP_SHARED/ctr-$1.vm$SOFTODP_VM_INDEX"
}
# ctr_delta NAME VM: how much NAME grew on VM between ctr_save before and after
ctr_delta() {
	echo $(($(counter "$1" "$SOFTODP_SHARED/ctr-after.vm$2") - $(counter "$1" "$SOFTODP_SHARED/ctr-before.vm$2")))
}

dirname_of() {
	if [ "$1" = 0 ]; then echo "rxe requester -> softodp responder"; else echo "softodp requester -> rxe responder"; fi
}

# ICRC, exactly: a phase of lock-step traffic (every op, sizes of 1 to 3
# packets, both directions) that must lose nothing, so that every packet
# one side sent is one the other side accepted: rxe counts rcvd_pkts only
# after its ICRC check (a bad ICRC is dropped silently), softodp only after
# its own (a bad one counts in rcvd_icrc_err).
ctr_save before
barrier ctr-before 120
for srv in 0 1; do
	TRAFFIC_SERVER_VM=$srv
	t_check "ICRC phase: every op, 1-3 packets, $(dirname_of $srv)" traffic_2vm "icrc-s$srv" \
		--mtu 1024 --ops all,ud_reply --sizes 0,1,63,1024,1025,3000
done
ctr_save after
barrier ctr-after 120
if [ "$SOFTODP_VM_INDEX" = 0 ]; then
	s_sent=$(ctr_delta sent_pkts 0) s_rcvd=$(ctr_delta rcvd_pkts 0)
	r_sent=$(ctr_delta sent_pkts 1) r_rcvd=$(ctr_delta rcvd_pkts 1)
	echo "ICRC phase: softodp sent $s_sent rcvd $s_rcvd (icrc_err +$(ctr_delta rcvd_icrc_err 0), retransmits +$(ctr_delta retransmits 0)); rxe sent $r_sent rcvd $r_rcvd"
	t_check "ICRC phase: rxe accepted every packet softodp sent ($r_rcvd of $s_sent)" \
		eval '[ "$s_sent" -gt 50 ] && [ "$r_rcvd" = "$s_sent" ]'
	t_check "ICRC phase: softodp accepted every packet rxe sent ($s_rcvd of $r_sent)" \
		eval '[ "$r_sent" -gt 50 ] && [ "$s_rcvd" = "$r_sent" ]'
fi

for srv in 0 1; do
	TRAFFIC_SERVER_VM=$srv
	dir=$(dirname_of $srv)
	t_check "matrix, path MTU 1024, $dir" traffic_2vm "m1024-s$srv" --mtu 1024 \
		--ops all,ud_reply
	t_check "matrix, path MTU 4096, $dir" traffic_2vm "m4096-s$srv" --mtu 4096 \
		--ops all,ud_reply --sizes 0,1,4095,4096,4097,65536,1048577
	# 4 MiB READs both ways: the emulated link loses much of a 1024-packet
	# READ response burst; softodp's requester asks again from the first
	# gap at once and keeps its timer alive while responses stream in
	# (kernel/comp.c sod_comp_read_gap; docs/interop.md).
	big=send,send_imm,write,write_imm,read
	t_check "4 MiB and 4 MiB + 1 ($big), path MTU 4096, $dir" traffic_2vm "big-s$srv" \
		--mtu 4096 --ops $big --sizes 4194304,4194305
	t_check "SRQ (2 QPs), $dir" traffic_2vm "srq-s$srv" --srq --iters 2 \
		--ops send,send_imm,write_imm --sizes 0,4097,65536
	t_check "READs and atomics, 8 iterations, $dir" traffic_2vm "rdatom-s$srv" \
		--ops read,cas,faa --sizes 8,4097,262144 --iters 8
	for n in 1 16; do
		t_check "max_rd_atomic $n: bursts of READ/CAS/FAA posted at once, $dir" \
			traffic_2vm "burst$n-s$srv" --rd-atomic $n --ops rd_burst \
			--sizes 8,4097 --iters 2
	done
done

if [ "$SOFTODP_VM_INDEX" = 0 ]; then
	rdma statistic show link "$TDEV/1"
	t_check "softodp counted no ICRC error from rxe" eval '[ "$(counter rcvd_icrc_err)" = 0 ]'
	t_check "softodp received packets from rxe" eval '[ "$(counter rcvd_pkts)" -gt 1000 ]'
fi

for srv in 0 1; do
	TRAFFIC_SERVER_VM=$srv
	t_check "remote error cases, $(dirname_of $srv)" traffic_2vm "err-s$srv" --no-matrix \
		--check-errors --errors no_write,read_oob,rnr,vanish
done
barrier done 120
! grep -q '^FAIL ' "$SOFTODP_OUT/results"
