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
# cost: 71
# timeout: 420
# tiers: stock
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
if [ "$SOFTODP_VM_INDEX" = 0 ]; then SOD_TRAFFIC_DEV=softodp; else SOD_TRAFFIC_DEV=rxe; fi
. "$(dirname "$0")/_traffic.sh"

traffic_setup 9000 || exit 1
barrier up 180

dirname_of() {
	if [ "$1" = 0 ]; then echo "rxe requester -> softodp responder"; else echo "softodp requester -> rxe responder"; fi
}

for srv in 0 1; do
	TRAFFIC_SERVER_VM=$srv
	dir=$(dirname_of $srv)
	t_check "matrix, path MTU 1024, $dir" traffic_2vm "m1024-s$srv" --mtu 1024 \
		--ops all,ud_reply
	t_check "matrix, path MTU 4096, up to 4 MiB + 1, $dir" traffic_2vm "m4096-s$srv" --mtu 4096 \
		--ops all,ud_reply --sizes 0,1,4095,4096,4097,65536,1048577,4194304,4194305
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

# Port counters, before the error cases (their packets to a destroyed QP
# are dropped on purpose).  Each VM leaves its counters in the shared
# directory; VM 0 compares.
counter() {	# counter NAME: this VM's port counter NAME
	rdma statistic show link "$TDEV/1" | tr ' ' '\n' | awk -v n="$1" 'p { print; exit } $0 == n { p = 1 }'
}
rdma statistic show link "$TDEV/1"
rdma statistic show link "$TDEV/1" >"$SOFTODP_SHARED/interop-counters.vm$SOFTODP_VM_INDEX"
barrier counters 120
if [ "$SOFTODP_VM_INDEX" = 0 ]; then
	peer_counter() {
		tr ' ' '\n' <"$SOFTODP_SHARED/interop-counters.vm1" |
			awk -v n="$1" 'p { print; exit } $0 == n { p = 1 }'
	}
	s_sent=$(counter sent_pkts) s_rcvd=$(counter rcvd_pkts)
	s_resent=$(($(counter retransmits) + $(counter duplicate_request)))
	r_sent=$(peer_counter sent_pkts) r_rcvd=$(peer_counter rcvd_pkts)
	echo "counters: softodp sent $s_sent rcvd $s_rcvd resent $s_resent; rxe sent $r_sent rcvd $r_rcvd"
	# rxe counts a packet in rcvd_pkts only after its ICRC check.
	icrc_ok() {
		[ "$r_rcvd" = "$s_sent" ] && return 0
		[ "$r_rcvd" -lt "$s_sent" ] && [ "$s_resent" -gt 0 ] &&
			[ $((s_sent - r_rcvd)) -le $((s_sent / 100)) ]
	}
	t_check "rxe accepted (ICRC checked) every packet softodp sent: $r_rcvd of $s_sent" icrc_ok
	t_check "softodp counted no ICRC error from rxe" eval '[ "$(counter rcvd_icrc_err)" = 0 ]'
	t_check "softodp received packets from rxe ($s_rcvd of $r_sent sent)" \
		eval '[ "$s_rcvd" -gt 1000 ] && [ "$s_rcvd" -le "$r_sent" ]'
fi

for srv in 0 1; do
	TRAFFIC_SERVER_VM=$srv
	t_check "remote error cases, $(dirname_of $srv)" traffic_2vm "err-s$srv" --no-matrix \
		--check-errors --errors no_write,read_oob,rnr,vanish
done
barrier done 120
! grep -q '^FAIL ' "$SOFTODP_OUT/results"
