#!/usr/bin/env bash
# perftest between two VMs, small -n to stay quick under TCG: ib_send_bw,
# ib_write_bw, ib_read_bw, ib_atomic_bw, the _lat variants, ib_send_bw -c UD
# (all with the TCP exchange and -x GID index), and ib_send_bw -R (rdma_cm).
# Each must exit 0 on both sides and print its results line.
# Device kind: sod.dev=rxe|softodp|softodp,rxe on --append (see _traffic.sh).
# vms: 2
# cost: 70
# timeout: 240
# tiers: stock
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
. "$(dirname "$0")/_traffic.sh"

traffic_setup || exit 1
t_check "modprobe rdma_ucm" modprobe rdma_ucm
barrier up 180

x="-x $TGID"
# READ and atomic runs ask for 16 outstanding on both sides: perftest sets
# max_rd_atomic to the peer's count (default: its max_qp_rd_atom), and
# rxe's 128 is more than softodp's 16 (sod.dev=softodp,rxe).
o="-o 16"
tools_pt send_bw 18601 ib_send_bw $x -n 50 -s 65536
tools_pt write_bw 18602 ib_write_bw $x -n 50 -s 65536
tools_pt read_bw 18603 ib_read_bw $x $o -n 50 -s 65536
tools_pt atomic_bw 18604 ib_atomic_bw $x $o -n 50
tools_pt send_lat 18605 ib_send_lat $x -n 50 -s 64
tools_pt write_lat 18606 ib_write_lat $x -n 50 -s 64
tools_pt read_lat 18607 ib_read_lat $x $o -n 50 -s 64
tools_pt atomic_lat 18608 ib_atomic_lat $x $o -n 50
tools_pt send_bw_ud 18609 ib_send_bw $x -c UD -n 50 -s 1024
tools_ptcm send_bw_rdma_cm 18610 ib_send_bw -n 50 -s 65536

! grep -q '^FAIL ' "$SOFTODP_OUT/results"
