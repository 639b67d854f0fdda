#!/usr/bin/env bash
# rdma-core's own programs between two VMs: ibv_rc_pingpong,
# ibv_ud_pingpong, ibv_srq_pingpong (with -g GID index, exit status and
# their "N iters in" line on both sides), ibv_rc_pingpong on On-Demand
# Paging memory (-o, explicit and implicit, validated, ulimit -l 0; and
# one-packet SENDs on ODP and on pinned memory, tools_pp_fast; ODP on
# each side whose device advertises it: rxe in Debian 12 has none, so a
# mixed pair runs ODP on the softodp side only, an rxe-only pair skips
# these), and the rdma_cm programs: rping (-V: data validated), ucmatose
# (RC), udaddy (UD), rdma_server/rdma_client.
# Device kind: sod.dev=rxe|softodp|softodp,rxe on --append (see _traffic.sh).
# vms: 2
# cost: 73
# timeout: 240
# tiers: stock
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
. "$(dirname "$0")/_traffic.sh"

traffic_setup || exit 1
t_check "modprobe rdma_ucm" modprobe rdma_ucm
barrier up 180
peer=$SOFTODP_PEER_IP4

tools_pp rc ibv_rc_pingpong 18531 50 -s 4096 -m 1024
tools_pp rcbig ibv_rc_pingpong 18532 10 -s 65536 -m 1024 -c
tools_pp ud ibv_ud_pingpong 18533 50 -s 512
tools_pp srq ibv_srq_pingpong 18534 50 -q 4 -s 1024 -m 1024
tools_rping rping 7174 20
if traffic_pair_has softodp; then
	tools_pp_odp odp 18535
	tools_pp_odp iodp 18536 implicit
	tools_pp_fast 18537
fi

# ucmatose: RC over rdma_cm, 2 connections x 10 messages; udaddy: UD (its
# -p is the port space, so it uses its fixed port).
tools_ucmatose ucmatose 7175
t_check "udaddy (UD over rdma_cm)" pair_2vm udaddy rdma_cm_listening \
	"udaddy -b $SOFTODP_MY_IP4 -c 2 -C 10 -S 500" \
	"udaddy -s $peer -c 2 -C 10 -S 500"
t_check "udaddy: test complete" tools_cm_ok udaddy
t_check "rdma_server / rdma_client" pair_2vm rdmasrv rdma_cm_listening \
	"rdma_server -s $SOFTODP_MY_IP4 -p 7471" \
	"rdma_client -s $peer -p 7471"
t_check "rdma_server / rdma_client: end 0" eval 'grep -qE "rdma_(client|server): end 0" "$SOFTODP_OUT/rdmasrv.log"'

! grep -q '^FAIL ' "$SOFTODP_OUT/results"
