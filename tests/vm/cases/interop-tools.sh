#!/usr/bin/env bash
# Standard RDMA programs across softodp (VM 0) and Debian's Soft-RoCE
# (rdma_rxe, VM 1), the server first on the softodp VM, then on the rxe
# VM: ibv_rc_pingpong, ibv_ud_pingpong, ibv_rc_pingpong on On-Demand
# Paging memory (once: -o on the softodp side only, rxe in Debian 12 has
# no ODP), rping -V -v (rdma_cm, every ping's data validated), ucmatose (RC
# over rdma_cm), and perftest's ib_write_bw, ib_read_bw, ib_send_bw,
# ib_atomic_bw, ib_write_lat, ib_read_lat, ib_send_lat, ib_atomic_lat
# (-n 20: correctness, not speed).  Each program must exit 0 on both
# sides and print its result line (see _traffic.sh, tools_*).
# vms: 2
# cost: 160
# timeout: 420
# tiers: stock
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
SOD_TRAFFIC_DEV=softodp,rxe
. "$(dirname "$0")/_traffic.sh"

traffic_setup || exit 1
t_check "modprobe rdma_ucm" modprobe rdma_ucm
barrier up 180

x="-x $TGID"
# perftest sets a QP's max_rd_atomic to the peer's outstanding-read count,
# by default the peer device's max_qp_rd_atom: rxe's 128 is more than
# softodp's 16 (modify_qp to RTS then fails with EINVAL, as rxe's would
# above 128), so READ and atomic runs ask for 16 on both sides.
o="-o 16"
for srv in 0 1; do
	PAIR_SERVER_VM=$srv
	if [ $srv = 0 ]; then s=sod; else s=rxe; fi	# which side serves
	p=$((19000 + srv * 100))
	tools_pp "rc-srv$s" ibv_rc_pingpong $((p + 1)) 20 -s 4096 -m 1024 -c
	tools_pp "ud-srv$s" ibv_ud_pingpong $((p + 2)) 20 -s 512
	# ibv_rc_pingpong is symmetric (both sides send and receive): ODP once
	[ $srv = 1 ] || tools_pp_odp "odp-srv$s" $((p + 3))
	tools_rping "rping-srv$s" $((p + 4)) 10
	tools_ucmatose "ucmatose-srv$s" $((p + 5))
	tools_pt "write_bw-srv$s" $((p + 11)) ib_write_bw $x -n 20 -s 65536
	tools_pt "read_bw-srv$s" $((p + 12)) ib_read_bw $x $o -n 20 -s 65536
	tools_pt "send_bw-srv$s" $((p + 13)) ib_send_bw $x -n 20 -s 65536
	tools_pt "atomic_bw-srv$s" $((p + 14)) ib_atomic_bw $x $o -n 20
	tools_pt "write_lat-srv$s" $((p + 15)) ib_write_lat $x -n 20 -s 64
	tools_pt "read_lat-srv$s" $((p + 16)) ib_read_lat $x $o -n 20 -s 64
	tools_pt "send_lat-srv$s" $((p + 17)) ib_send_lat $x -n 20 -s 64
	tools_pt "atomic_lat-srv$s" $((p + 18)) ib_atomic_lat $x $o -n 20
done
if [ "$SOFTODP_VM_INDEX" = 0 ]; then
	rdma statistic show link "$TDEV/1"
	t_check "softodp counted no ICRC error from rxe" eval \
		'[ "$(rdma statistic show link "$TDEV/1" | grep -oE "rcvd_icrc_err [0-9]+")" = "rcvd_icrc_err 0" ]'
fi
barrier done 120
! grep -q '^FAIL ' "$SOFTODP_OUT/results"
