#!/usr/bin/env bash
# Guest side of scripts/demo.sh; runs in both VMs (run-vm.sh --vms 2).
# VM 0 is the server of every transfer, VM 1 the client.
#   1. load softodp.ko, create softodp0 on eth0, show what libibverbs sees
#   2. the port follows its netdev: eth0 down -> PORT_DOWN, up -> PORT_ACTIVE
#   3. RDMA between the two VMs, data verified:
#        ibv_rc_pingpong -c        SEND/RECV, rdma-core's own checker
#        sod_traffic               WRITE, READ, SEND at 4 KiB and 64 KiB,
#                                  every byte and completion checked
#        ib_write_bw               a bandwidth figure
#   4. On-Demand Paging: ibv_rc_pingpong --odp -c (64 KiB messages) with
#      RLIMIT_MEMLOCK 0 on both sides, so nothing can be pinned, and the
#      device's ODP counters (pages faulted, invalidations) around it;
#      then the same with implicit ODP (one MR for the address space).
# Every step is recorded in $SOFTODP_OUT/results (PASS/FAIL/SKIP); the
# script exits 1 if any step failed.  The client prints one "DEMO-RESULT"
# line per transfer, which scripts/demo.sh collects.
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
export RDMAV_DRIVERS=$SOFTODP_BUILD/lib/libsoftodp
DEV=softodp0
PROGS=$SOFTODP_BUILD/tests/progs
me=vm$SOFTODP_VM_INDEX
peer=${SOFTODP_PEER_IP4:-}
role=server
[ "$SOFTODP_VM_INDEX" = 0 ] || role=client

say() { printf '\n### [%s] %s\n' "$me" "$*"; }

# step NAME CMD...: run CMD, show its output, record PASS/FAIL.
step() {
	local name=$1 rc=0
	shift
	"$@" || rc=$?
	if [ $rc -eq 0 ]; then t_pass "$name"; else t_fail "$name" "exit $rc"; fi
	return $rc
}

port_state() { sed 's/^[0-9]*: *//' "/sys/class/infiniband/$DEV/ports/1/state" 2>/dev/null; }

# find_gid IPV4: index of the RoCE v2 GID ::ffff:IPV4 on port 1.
find_gid() {
	local want f i
	want=$(printf '0000:0000:0000:0000:0000:ffff:%02x%02x:%02x%02x' ${1//./ })
	for f in /sys/class/infiniband/"$DEV"/ports/1/gids/*; do
		i=${f##*/}
		[ "$(cat "$f" 2>/dev/null)" = "$want" ] || continue
		[ "$(cat "/sys/class/infiniband/$DEV/ports/1/gid_attrs/types/$i" 2>/dev/null)" = "RoCE v2" ] ||
			continue
		echo "$i"
		return 0
	done
	return 1
}

# tcp_listening PORT: a TCP socket listens on PORT.
tcp_listening() {
	local hex
	hex=$(printf ':%04X' "$1")
	awk -v p="$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }' \
		/proc/net/tcp /proc/net/tcp6
}

# result TEXT: a line for scripts/demo.sh's summary (client side only).
result() { [ "$role" = server ] || echo "DEMO-RESULT $*"; }

# pair NAME PORT SRV_OPT CLI_OPT CMD...: VM 0 runs CMD SRV_OPT as the
# server (listening on TCP PORT), VM 1 runs CMD CLI_OPT PEER_IP once the
# server listens (the options are split on blanks; may be empty).  Output in $SOFTODP_OUT/NAME.log, shown.  Both sides limited to
# 120 s.  Status: this VM's command's.
pair() {
	local name=$1 port=$2 sopt=$3 copt=$4 rc=0 log=$SOFTODP_OUT/$1.log spid
	shift 4
	if [ "$role" = server ]; then
		echo "[$me] server: $* $sopt"
		# shellcheck disable=SC2086
		timeout 120 "$@" $sopt >"$log" 2>&1 &
		spid=$!
		wait_for 30 tcp_listening "$port" || echo "[$me] $name: server not listening after 30 s"
		barrier "$name" 120 || rc=1
		wait "$spid" || rc=$?
	else
		barrier "$name" 120 || rc=1
		echo "[$me] client: $* $copt $peer"
		# shellcheck disable=SC2086
		timeout 120 "$@" $copt "$peer" >"$log" 2>&1 || rc=$?
	fi
	sed 's/^/    /' "$log"
	[ $rc -eq 124 ] && echo "[$me] $name: timed out after 120 s"
	echo "[$me] $name: exit $rc"
	return $rc
}

say "kernel $(uname -r); loading softodp.ko"
step "load softodp.ko" load_module "$(kmod_build_dir)/softodp.ko" || exit 1
say "rdma link add $DEV type softodp netdev eth0"
step "rdma link add" rdma link add $DEV type softodp netdev eth0 || exit 1
rdma link show
say "ibv_devices"
ibv_devices
say "ibv_devinfo -d $DEV (and its limits and ODP caps from -v)"
step "ibv_devinfo" ibv_devinfo -d $DEV
ibv_devinfo -v -d $DEV | grep -E 'max_(qp|cq|mr|sge|qp_rd_atom)[: ]|max_mr_size|odp_caps|SUPPORT_' || true

say "the port follows eth0: down, then up"
link_cycle() {
	ip link set eth0 down
	wait_for 10 eval '[ "$(port_state)" = DOWN ]' || { echo "still $(port_state) with eth0 down"; return 1; }
	echo "eth0 down -> port $(port_state)"
	ip link set eth0 up
	wait_for 10 eval '[ "$(port_state)" = ACTIVE ]' || { echo "still $(port_state) with eth0 up"; return 1; }
	echo "eth0 up   -> port $(port_state)"
}
step "port follows link down/up" link_cycle || exit 1
wait_for 30 find_gid "$SOFTODP_MY_IP4" >/dev/null ||
	{ t_fail "RoCE v2 GID" "no RoCE v2 GID for $SOFTODP_MY_IP4"; exit 1; }
GID=$(find_gid "$SOFTODP_MY_IP4")
echo "[$me] $DEV: port $(port_state), RoCE v2 GID index $GID = $(cat /sys/class/infiniband/$DEV/ports/1/gids/$GID)"

if [ "${SOFTODP_NVMS:-1}" -lt 2 ]; then
	echo "one VM: no transfer (run with --vms 2)"
	exit 0
fi
barrier up 300 || { t_fail "peer ready" "vm of the other side never came up"; exit 1; }
ping -c 1 -W 5 "$peer" >/dev/null || echo "[$me] warning: ping $peer failed"

d="-d $DEV -i 1 -g $GID"
say "1/3 ibv_rc_pingpong -c: RC SEND/RECV of 4 KiB x 20 round trips, data checked by rdma-core"
if step "ibv_rc_pingpong -c (SEND, 4 KiB, data checked)" \
	pair pingpong 18531 "" "" ibv_rc_pingpong $d -p 18531 -n 20 -s 4096 -m 1024 -c; then
	result "SEND/RECV  ibv_rc_pingpong -c: $(grep -m1 -E '^[0-9]+ iters in' "$SOFTODP_OUT/pingpong.log" |
		sed -E 's/ iters in ([0-9.]+) seconds = ([0-9.]+) usec\/iter/ x 4 KiB round trips in \1 s (\2 us each)/'), received buffers checked"
else
	result "SEND/RECV  ibv_rc_pingpong -c: FAILED (see pingpong.log)"
fi

say "2/3 sod_traffic: RDMA WRITE, READ and SEND of 4 KiB and 64 KiB, 2 iterations each, every byte checked"
if step "sod_traffic write,read,send 4 KiB + 64 KiB (data checked)" \
	pair sod_traffic 18532 --server --client "$PROGS/sod_traffic" --dev $DEV --gid-index "$GID" --port 18532 \
	--ops write,read,send --sizes 4096,65536 --iters 2; then
	result "WRITE/READ/SEND  sod_traffic: $(grep -m1 -oE 'PASS [0-9]+ transfers' "$SOFTODP_OUT/sod_traffic.log") (RDMA WRITE, RDMA READ, SEND x 4 KiB, 64 KiB x 2), every byte, guard zone and completion checked"
else
	result "WRITE/READ/SEND  sod_traffic: FAILED: $(grep -m1 FAIL "$SOFTODP_OUT/sod_traffic.log")"
fi

say "3/3 ib_write_bw: RDMA WRITE bandwidth, 64 KiB messages"
if step "ib_write_bw 64 KiB" pair write_bw 18533 "" "" ib_write_bw -d $DEV -i 1 -x "$GID" -F -p 18533 -s 65536 -n 200; then
	bw=$(awk '/#bytes/ { h = 1; next } h && /^ *[0-9]+ +[0-9]+ / { print $4; exit }' "$SOFTODP_OUT/write_bw.log")
	result "bandwidth  ib_write_bw: 200 x 64 KiB RDMA WRITEs, ${bw:-?} MB/s (emulated VMs; see docs/performance.md)"
else
	result "bandwidth  ib_write_bw: FAILED (see write_bw.log)"
fi

# ODP: the validated ping-pong again, on memory registered on demand, with
# no memlock allowance (a pinned registration would fail).
odp_stats() {
	rdma statistic show link $DEV/1 | grep -oE 'odp_[a-z_]+ [0-9]+' | tr '\n' ' '
}
say "ODP: ibv_rc_pingpong --odp -c, ulimit -l 0"
if ibv_devinfo -v -d $DEV | sed -n '/rc_odp_caps/,/_odp_caps/p' | grep -q SUPPORT_SEND; then
	say "ODP counters before: $(odp_stats)"
	if step "ibv_rc_pingpong -c --odp (ulimit -l 0)" pair odp 18534 "" "" \
		bash -c 'ulimit -l 0 && exec "$@"' - ibv_rc_pingpong $d -p 18534 -n 50 -s 65536 -c -o; then
		result "ODP        ibv_rc_pingpong -c --odp, 50 x 64 KiB, ulimit -l 0: $(grep -m1 -E '^[0-9]+ iters in' "$SOFTODP_OUT/odp.log" |
			sed -E 's/.*= ([0-9.]+) usec.*/\1 us per round trip/')"
	else
		result "ODP        ibv_rc_pingpong --odp FAILED (see $SOFTODP_OUT/odp.log)"
	fi
	if step "ibv_rc_pingpong -c --odp --iodp (implicit ODP, ulimit -l 0)" pair iodp 18535 "" "" \
		bash -c 'ulimit -l 0 && exec "$@"' - ibv_rc_pingpong $d -p 18535 -n 50 -s 65536 -c -o -O; then
		result "ODP        implicit (one MR for the whole address space), 50 x 64 KiB: $(grep -m1 -E '^[0-9]+ iters in' "$SOFTODP_OUT/iodp.log" |
			sed -E 's/.*= ([0-9.]+) usec.*/\1 us per round trip/')"
	else
		result "ODP        implicit ibv_rc_pingpong FAILED (see $SOFTODP_OUT/iodp.log)"
	fi
	say "ODP counters after: $(odp_stats)"
	result "ODP        counters on vm1: $(odp_stats)"
else
	t_fail "ODP transfer" "softodp advertises no RC ODP caps"
fi

barrier finished 300 || true
say "rdma link delete $DEV; rmmod softodp"
step "rdma link delete" rdma link delete $DEV || true
step "rmmod softodp" rmmod softodp || true
echo "[$me] demo finished"
! grep -q '^FAIL ' "$SOFTODP_OUT/results"
