#!/usr/bin/env bash
# rdma-core's own programs between two VMs: ibv_rc_pingpong,
# ibv_ud_pingpong, ibv_srq_pingpong (with -g GID index, exit status and
# their "N iters in" line on both sides), ibv_rc_pingpong on On-Demand
# Paging memory (-o, explicit and implicit, validated, ulimit -l 0; softodp
# only: rxe in Debian 12 has no ODP), and the rdma_cm programs: rping (-V:
# data validated), ucmatose (RC), udaddy (UD), rdma_server/rdma_client.
# Device kind: sod.dev=rxe|softodp on --append (see _traffic.sh).
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
d="-d $TDEV -i 1 -g $TGID"

iters_ok() { grep -qE "^[0-9]+ bytes in [0-9.]+ seconds" "$SOFTODP_OUT/$1.log" &&
	grep -qE "^$2 iters in [0-9.]+ seconds" "$SOFTODP_OUT/$1.log"; }

t_check "ibv_rc_pingpong" pair_2vm rc "traffic_listening 18531" \
	"ibv_rc_pingpong $d -p 18531 -n 50 -s 4096 -m 1024" \
	"ibv_rc_pingpong $d -p 18531 -n 50 -s 4096 -m 1024 $peer"
t_check "ibv_rc_pingpong: 50 iters" iters_ok rc 50

t_check "ibv_rc_pingpong, 64 KiB, validated" pair_2vm rcbig "traffic_listening 18532" \
	"ibv_rc_pingpong $d -p 18532 -n 10 -s 65536 -m 1024 -c" \
	"ibv_rc_pingpong $d -p 18532 -n 10 -s 65536 -m 1024 -c $peer"
t_check "ibv_rc_pingpong 64 KiB: 10 iters" iters_ok rcbig 10

t_check "ibv_ud_pingpong" pair_2vm ud "traffic_listening 18533" \
	"ibv_ud_pingpong $d -p 18533 -n 50 -s 512" \
	"ibv_ud_pingpong $d -p 18533 -n 50 -s 512 $peer"
t_check "ibv_ud_pingpong: 50 iters" iters_ok ud 50

t_check "ibv_srq_pingpong" pair_2vm srq "traffic_listening 18534" \
	"ibv_srq_pingpong $d -p 18534 -n 50 -q 4 -s 1024 -m 1024" \
	"ibv_srq_pingpong $d -p 18534 -n 50 -q 4 -s 1024 -m 1024 $peer"
t_check "ibv_srq_pingpong: 50 iters" iters_ok srq 50

# rping: -V validates every ping's data, -C 20 pings.
rping_ok() {
	local n
	n=$(grep -c 'ping data: rdma-ping-' "$SOFTODP_OUT/rping.log")
	echo "rping: $n data lines"
	[ "$n" -ge 20 ] && ! grep -qiE 'error|mismatch|invalid' "$SOFTODP_OUT/rping.log"
}
t_check "rping -V -C 20" pair_2vm rping rdma_cm_listening \
	"rping -s -a $SOFTODP_MY_IP4 -p 7174 -V -v -C 20 -S 100" \
	"rping -c -a $peer -p 7174 -V -v -C 20 -S 100"
t_check "rping: 20 validated pings" rping_ok

if [ "$SOD_TRAFFIC_DEV" = softodp ]; then
	t_check "ibv_rc_pingpong --odp, 64 KiB, validated, ulimit -l 0" pair_2vm odp "traffic_listening 18535" \
		"prlimit --memlock=0:0 ibv_rc_pingpong $d -p 18535 -n 10 -s 65536 -m 1024 -c -o" \
		"prlimit --memlock=0:0 ibv_rc_pingpong $d -p 18535 -n 10 -s 65536 -m 1024 -c -o $peer"
	t_check "ibv_rc_pingpong --odp: 10 iters" iters_ok odp 10
	t_check "ibv_rc_pingpong implicit ODP, validated" pair_2vm iodp "traffic_listening 18536" \
		"prlimit --memlock=0:0 ibv_rc_pingpong $d -p 18536 -n 10 -s 65536 -m 1024 -c -o -O" \
		"prlimit --memlock=0:0 ibv_rc_pingpong $d -p 18536 -n 10 -s 65536 -m 1024 -c -o -O $peer"
	t_check "ibv_rc_pingpong implicit ODP: 10 iters" iters_ok iodp 10
fi

# ucmatose: RC over rdma_cm, 2 connections x 10 messages; udaddy: UD (its
# -p is the port space, so it uses its fixed port).
cm_ok() { grep -q 'test complete' "$SOFTODP_OUT/$1.log" && ! grep -qiE 'error|fail' "$SOFTODP_OUT/$1.log"; }
t_check "ucmatose (RC over rdma_cm)" pair_2vm ucmatose rdma_cm_listening \
	"ucmatose -b $SOFTODP_MY_IP4 -p 7175 -c 2 -C 10 -S 1000" \
	"ucmatose -s $peer -p 7175 -c 2 -C 10 -S 1000"
t_check "ucmatose: test complete" cm_ok ucmatose
t_check "udaddy (UD over rdma_cm)" pair_2vm udaddy rdma_cm_listening \
	"udaddy -b $SOFTODP_MY_IP4 -c 2 -C 10 -S 500" \
	"udaddy -s $peer -c 2 -C 10 -S 500"
t_check "udaddy: test complete" cm_ok udaddy
t_check "rdma_server / rdma_client" pair_2vm rdmasrv rdma_cm_listening \
	"rdma_server -s $SOFTODP_MY_IP4 -p 7471" \
	"rdma_client -s $peer -p 7471"
t_check "rdma_server / rdma_client: end 0" eval 'grep -qE "rdma_(client|server): end 0" "$SOFTODP_OUT/rdmasrv.log"'

! grep -q '^FAIL ' "$SOFTODP_OUT/results"
