# Guest-side helpers of the traffic cases (sourced after
# tests/vm/guest-lib.sh).  Not a test case itself (leading underscore).
#
# The RDMA device kind is a parameter, so that every case can be checked
# against Debian's Soft-RoCE (rdma_rxe) as well as softodp:
#   kernel command line  sod.dev=softodp|rxe   (run-vm.sh --append "sod.dev=rxe";
#                                               wins: run-vm.sh does not pass
#                                               the host's environment in)
#   environment          SOD_TRAFFIC_DEV=softodp|rxe
#   default              softodp
# A comma list gives each VM its own kind, VM 0 first: sod.dev=softodp,rxe
# makes VM 0 softodp and VM 1 rxe (interoperability).
#
#   traffic_setup [NETDEV_MTU]   load the device kind, create $TDEV on eth0,
#                                set eth0's MTU, wait for the port and the
#                                RoCE v2 GID of $SOFTODP_MY_IP4; sets TDEV
#                                and TGID (that GID's index)
#   traffic_loop NAME ARGS...    sod_traffic server + client on $TDEV over
#                                127.0.0.1 (ARGS go to both)
#   traffic_2vm NAME ARGS...     VM 0 serves, VM 1 is the client (ARGS to both);
#                                TRAFFIC_SERVER_VM=1 swaps the roles
#   run_pair NAME SERVER_CMD -- CLIENT_CMD   generic: both must exit 0

SOD_TRAFFIC_DEV=${SOD_TRAFFIC_DEV:-softodp}
for _a in $(</proc/cmdline); do
	case $_a in sod.dev=*) SOD_TRAFFIC_DEV=${_a#sod.dev=} ;; esac
done
unset _a
TRAFFIC_KINDS=$SOD_TRAFFIC_DEV		# every VM's kind (traffic_pair_has)
if [[ $SOD_TRAFFIC_DEV == *,* ]]; then
	IFS=, read -r -a _k <<<"$SOD_TRAFFIC_DEV"
	SOD_TRAFFIC_DEV=${_k[$SOFTODP_VM_INDEX]:-}
	unset _k
fi
TRAFFIC_PROG=$SOFTODP_BUILD/tests/progs/sod_traffic
TRAFFIC_PORT=${TRAFFIC_PORT:-18600}	# traffic_loop: one more per call
TRAFFIC_2VM_PORT=18700			# traffic_2vm: same sequence in both VMs
echo "traffic: device kind $SOD_TRAFFIC_DEV"

traffic_port_active() {
	grep -q ACTIVE "/sys/class/infiniband/$TDEV/ports/1/state" 2>/dev/null
}

# traffic_find_gid IPV4: print the index of the RoCE v2 GID ::ffff:IPV4.
traffic_find_gid() {
	local want f i t g
	# shellcheck disable=SC2086
	printf -v want '0000:0000:0000:0000:0000:ffff:%02x%02x:%02x%02x' ${1//./ }
	# (The shell's read, not cat: a process costs most of a second on the
	# debug kernel, see guest-lib.sh.)
	for f in /sys/class/infiniband/"$TDEV"/ports/1/gids/*; do
		i=${f##*/}
		{ read -r g <"$f"; } 2>/dev/null || g=
		[ "$g" = "$want" ] || continue
		{ read -r t <"/sys/class/infiniband/$TDEV/ports/1/gid_attrs/types/$i"; } 2>/dev/null || t=
		[ "$t" = "RoCE v2" ] || continue
		echo "$i"
		return 0
	done
	return 1
}

# traffic_ctr NAME: this VM's port counter NAME of $TDEV (rdma statistic).
traffic_ctr() {
	local out w p=
	out=$(rdma statistic show link "$TDEV/1") || return
	for w in $out; do
		if [ -n "$p" ]; then
			echo "$w"
			return 0
		fi
		[ "$w" != "$1" ] || p=1
	done
}

# traffic_ctr_grew NAME BEFORE OP N: the counter NAME, from BEFORE to now,
# grew by OP N (-gt 0: some; -eq 0: none).  Prints both values.
traffic_ctr_grew() {
	local now d
	now=$(traffic_ctr "$1")
	echo "$1: $2 -> $now"
	[ -n "$now" ] || return 1
	d=$((now - $2))
	test "$d" "$3" "$4"
}

# traffic_active_mtu: the port's active MTU in bytes (ibv_devinfo).
traffic_active_mtu() {
	ibv_devinfo -d "$TDEV" | sed -nE 's/^[[:space:]]*active_mtu:[[:space:]]*([0-9]+).*/\1/p' | head -n 1
}

traffic_setup() {
	local mtu=${1:-}
	case $SOD_TRAFFIC_DEV in
	softodp)
		. "$SOFTODP_SRC/tests/vm/cases/_softodp.sh"
		t_check "load softodp" sod_load || return 1
		TDEV=softodp0
		t_check "link add $TDEV" rdma link add $TDEV type softodp netdev eth0 || return 1
		;;
	rxe)
		t_check "modprobe rdma_rxe" modprobe -a rdma_rxe ib_uverbs || return 1
		TDEV=rxe0
		t_check "link add $TDEV" rdma link add $TDEV type rxe netdev eth0 || return 1
		;;
	*)
		t_fail "traffic setup" "unknown device kind '$SOD_TRAFFIC_DEV' (sod.dev=softodp|rxe)"
		return 1
		;;
	esac
	if [ -n "$mtu" ]; then
		t_check "eth0 mtu $mtu" ip link set eth0 mtu "$mtu" || return 1
	fi
	t_check "$TDEV port ACTIVE" wait_for 30 traffic_port_active || return 1
	t_check "$TDEV RoCE v2 GID of $SOFTODP_MY_IP4" \
		wait_for 30 traffic_find_gid "$SOFTODP_MY_IP4" || return 1
	TGID=$(traffic_find_gid "$SOFTODP_MY_IP4")
	echo "traffic: $TDEV gid index $TGID active_mtu $(traffic_active_mtu)"
}

# run_pair NAME SERVER_CMD... -- CLIENT_CMD...: run the server in the
# background and the client in the foreground; both must exit 0.  Logs in
# $SOFTODP_OUT/NAME.{server,client}.log.
run_pair() {
	local name=$1 srv=() cli=() spid src=0 crc=0 t0 t1
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do srv+=("$1"); shift; done
	shift
	cli=("$@")
	t0=${EPOCHREALTIME/./}
	"${srv[@]}" >"$SOFTODP_OUT/$name.server.log" 2>&1 &
	spid=$!
	"${cli[@]}" >"$SOFTODP_OUT/$name.client.log" 2>&1 || crc=$?
	wait "$spid" || src=$?
	t1=${EPOCHREALTIME/./}
	echo "--- $name: server exit $src, client exit $crc, $(((t1 - t0) / 1000)) ms"
	echo "--- server:"; tail -n 30 "$SOFTODP_OUT/$name.server.log"
	echo "--- client:"; tail -n 30 "$SOFTODP_OUT/$name.client.log"
	[ "$src" = 0 ] && [ "$crc" = 0 ]
}

traffic_loop() {
	local name=$1
	shift
	TRAFFIC_PORT=$((TRAFFIC_PORT + 1))
	run_pair "$name" "$TRAFFIC_PROG" --dev "$TDEV" --server --port "$TRAFFIC_PORT" "$@" -- \
		"$TRAFFIC_PROG" --dev "$TDEV" --client 127.0.0.1 --port "$TRAFFIC_PORT" "$@"
}

# traffic_2vm NAME ARGS...: sod_traffic between the VMs (server on VM
# TRAFFIC_SERVER_VM, default 0).  Both VMs must call it in the same order.
traffic_2vm() {
	local name=$1 rc=0 log
	shift
	TRAFFIC_2VM_PORT=$((TRAFFIC_2VM_PORT + 1))
	log=$SOFTODP_OUT/$name.log
	if [ "$SOFTODP_VM_INDEX" = "${TRAFFIC_SERVER_VM:-0}" ]; then
		"$TRAFFIC_PROG" --dev "$TDEV" --server --port "$TRAFFIC_2VM_PORT" "$@" >"$log" 2>&1 &
		local spid=$!
		wait_for 30 traffic_listening "$TRAFFIC_2VM_PORT" ||
			echo "traffic: server not listening on $TRAFFIC_2VM_PORT after 30 s"
		barrier "$name-listen" 120 || rc=1
		wait "$spid" || rc=$?
	else
		barrier "$name-listen" 120 || rc=1
		"$TRAFFIC_PROG" --dev "$TDEV" --client "$SOFTODP_PEER_IP4" \
			--port "$TRAFFIC_2VM_PORT" "$@" >"$log" 2>&1 || rc=$?
	fi
	tail -n 30 "$log"
	return $rc
}

# traffic_listening PORT: a TCP socket listens on PORT.
traffic_listening() {
	local hex
	hex=$(printf ':%04X' "$1")
	awk -v p="$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }' \
		/proc/net/tcp /proc/net/tcp6
}

# pair_2vm NAME READY_CMD SERVER_CMD CLIENT_CMD: VM PAIR_SERVER_VM
# (default 0) runs SERVER_CMD in the background and waits (at most 30 s)
# until READY_CMD succeeds (e.g. traffic_listening PORT), then both VMs
# meet at a barrier and the other VM runs CLIENT_CMD.  Commands are
# eval'ed strings, each limited to 120 s; output in $SOFTODP_OUT/NAME.log
# (and shown).  Status: that VM's command's.
pair_2vm() {
	local name=$1 ready=$2 scmd=$3 ccmd=$4 rc=0 log=$SOFTODP_OUT/$1.log spid
	if [ "$SOFTODP_VM_INDEX" = "${PAIR_SERVER_VM:-0}" ]; then
		eval "timeout 120 $scmd" >"$log" 2>&1 &
		spid=$!
		wait_for 30 eval "$ready" || echo "pair_2vm: $name: server not ready after 30 s"
		barrier "$name" 120 || rc=1
		wait "$spid" || rc=$?
	else
		barrier "$name" 120 || rc=1
		eval "timeout 120 $ccmd" >"$log" 2>&1 || rc=$?
	fi
	echo "--- $name (vm$SOFTODP_VM_INDEX, exit $rc):"
	tail -n 25 "$log"
	return $rc
}

# rdma_cm_listening: some rdma_cm ID listens (rping server ready).
rdma_cm_listening() { rdma resource show cm_id 2>/dev/null | grep -q LISTEN; }

# traffic_pair_has KIND: some VM of the run has the device kind KIND
# (the same answer in every VM).
traffic_pair_has() { [[ ",$TRAFFIC_KINDS," == *",$1,"* ]]; }

# pair_is_server: this VM is the server of pair_2vm.
pair_is_server() { [ "$SOFTODP_VM_INDEX" = "${PAIR_SERVER_VM:-0}" ]; }

# traffic_odp_caps NAME: the capability words `ibv_devinfo -v` lists
# under NAME (general_odp_caps, rc_odp_caps, ...) for $TDEV, one line.
traffic_odp_caps() {
	ibv_devinfo -v -d "$TDEV" | awk -v h="$1:" '$1 == h { on = 1; next }
		on && /^[[:space:]]+[A-Z_ ]+$/ { sub(/^[[:space:]]+/, ""); printf "%s ", $0; next }
		{ on = 0 }'
}

# traffic_has_odp [implicit]: $TDEV advertises On-Demand Paging (with
# "implicit": implicit ODP too) for RC SEND, RECV, WRITE and READ.  The ODP
# flag of a pingpong is a local choice: each VM of a mixed pair asks its
# own device.
traffic_has_odp() {
	local g rc w
	g=" $(traffic_odp_caps general_odp_caps)" rc=" $(traffic_odp_caps rc_odp_caps)"
	[[ $g == *" ODP_SUPPORT "* ]] || return 1
	[ "${1:-}" != implicit ] || [[ $g == *" ODP_SUPPORT_IMPLICIT "* ]] || return 1
	for w in SEND RECV WRITE READ; do
		[[ $rc == *" SUPPORT_$w "* ]] || return 1
	done
}

# --- rdma-core's and perftest's programs between the VMs (rdmacore-pingpong,
# perftest, interop-tools).  The server is VM PAIR_SERVER_VM (default 0);
# NAMEs must differ per call (they name the logs and barriers).

# tools_iters_ok NAME N: ibv_*_pingpong's log NAME shows its "bytes in"
# line and "N iters in".
tools_iters_ok() {
	grep -qE "^[0-9]+ bytes in [0-9.]+ seconds" "$SOFTODP_OUT/$1.log" &&
		grep -qE "^$2 iters in [0-9.]+ seconds" "$SOFTODP_OUT/$1.log"
}

# tools_pp NAME PROGRAM PORT N ARGS...: an ibv_*_pingpong of N iterations
# (-g GID index, TCP port PORT) must exit 0 on both sides and log N iters.
# TOOLS_PP_PREFIX (e.g. prlimit ...) goes before the program.
tools_pp() {
	local name=$1 prog=$2 port=$3 n=$4
	shift 4
	local a="$prog -d $TDEV -i 1 -g $TGID -p $port -n $n $*"
	t_check "$name: $prog $*" pair_2vm "$name" "traffic_listening $port" \
		"${TOOLS_PP_PREFIX:-} $a" "${TOOLS_PP_PREFIX:-} $a $SOFTODP_PEER_IP4" || return
	t_check "$name: $n iters" tools_iters_ok "$name" "$n"
}

# tools_pp_odp NAME PORT [implicit|explicit [SIZE]]: ibv_rc_pingpong,
# SIZE bytes (default 64 KiB), validated,
# ulimit -l 0, on On-Demand Paging memory (-o; -O: implicit) on each side
# whose device advertises it (a local choice: a mixed pair runs it with
# ODP on the softodp side only).  Run it only where traffic_pair_has
# softodp (every VM must make the same calls).
tools_pp_odp() {
	local name=$1 port=$2 size=${4:-65536} odp=""
	if traffic_has_odp "${3:-}"; then
		odp="-o"
		[ "${3:-}" != implicit ] || odp="-o -O"
	elif [ "$SOD_TRAFFIC_DEV" = softodp ]; then
		t_fail "$name: softodp advertises ${3:-explicit} ODP" \
			"ibv_devinfo -v: general $(traffic_odp_caps general_odp_caps)/ rc $(traffic_odp_caps rc_odp_caps)"
	fi
	echo "$name: ODP flags on this side ($TDEV): '${odp:-none}'"
	TOOLS_PP_PREFIX="prlimit --memlock=0:0" tools_pp "$name" ibv_rc_pingpong "$port" 10 \
		-s "$size" -m 1024 -c $odp
}

# tools_pp_fast PORT: one-packet SENDs (ibv_rc_pingpong -s 1024 at path
# MTU 1024, validated), first into ODP buffers, then into pinned ones, then
# four-packet SENDs (-s 4096) into pinned ones (ports PORT to PORT+2).  On a
# softodp VM the receive softirq's fast path (docs/datapath.md, counter
# rcvd_softirq) must leave every ODP request to the responder's pass (ODP
# may fault; the softirq never sleeps) and take some of the pinned ones,
# of both sizes.  Every VM must make the same calls.
tools_pp_fast() {
	local f0=x
	[ "$SOD_TRAFFIC_DEV" != softodp ] || f0=$(traffic_ctr rcvd_softirq)
	tools_pp_odp odp1k "$1" explicit 1024
	if [ "$SOD_TRAFFIC_DEV" = softodp ]; then
		t_check "odp1k: no ODP request executed in the receive softirq" \
			traffic_ctr_grew rcvd_softirq "$f0" -eq 0
		f0=$(traffic_ctr rcvd_softirq)
	fi
	tools_pp pinned1k ibv_rc_pingpong $(($1 + 1)) 20 -s 1024 -m 1024 -c
	if [ "$SOD_TRAFFIC_DEV" = softodp ]; then
		t_check "pinned1k: requests executed in the receive softirq" \
			traffic_ctr_grew rcvd_softirq "$f0" -gt 0
		f0=$(traffic_ctr rcvd_softirq)
	fi
	# Four-packet SENDs: FIRST, MIDDLE and LAST packets are fast-pathed too.
	tools_pp pinned4k ibv_rc_pingpong $(($1 + 2)) 20 -s 4096 -m 1024 -c
	if [ "$SOD_TRAFFIC_DEV" = softodp ]; then
		t_check "pinned4k: multi-packet requests executed in the receive softirq" \
			traffic_ctr_grew rcvd_softirq "$f0" -gt 0
	fi
}

# tools_rping NAME PORT COUNT: rping -V (every ping's data validated) -v.
tools_rping_ok() {
	local n
	n=$(grep -c 'ping data: rdma-ping-' "$SOFTODP_OUT/$1.log")
	echo "$1: $n data lines"
	[ "$n" -ge "$2" ] && ! grep -qiE 'error|mismatch|invalid' "$SOFTODP_OUT/$1.log"
}
tools_rping() {
	local name=$1 port=$2 c=$3
	t_check "$name: rping -V -v -C $c" pair_2vm "$name" rdma_cm_listening \
		"rping -s -a $SOFTODP_MY_IP4 -p $port -V -v -C $c -S 100" \
		"rping -c -a $SOFTODP_PEER_IP4 -p $port -V -v -C $c -S 100" || return
	t_check "$name: $c validated pings" tools_rping_ok "$name" "$c"
}

# tools_cm_ok NAME: an rdma_cm example (ucmatose, udaddy) completed.
tools_cm_ok() {
	grep -q 'test complete' "$SOFTODP_OUT/$1.log" && ! grep -qiE 'error|fail' "$SOFTODP_OUT/$1.log"
}

# tools_ucmatose NAME PORT: RC over rdma_cm, 2 connections x 10 messages.
tools_ucmatose() {
	t_check "$1: ucmatose (RC over rdma_cm)" pair_2vm "$1" rdma_cm_listening \
		"ucmatose -b $SOFTODP_MY_IP4 -p $2 -c 2 -C 10 -S 1000" \
		"ucmatose -s $SOFTODP_PEER_IP4 -p $2 -c 2 -C 10 -S 1000" || return
	t_check "$1: ucmatose test complete" tools_cm_ok "$1"
}

# tools_results_ok NAME: perftest's log shows a line of numbers after its
# "#bytes" header.
tools_results_ok() {
	awk '/#bytes/ { h = 1; next } h && /^ *[0-9]+ +[0-9]+ / { ok = 1 } END { exit !ok }' \
		"$SOFTODP_OUT/$1.log"
}

# tools_pt NAME PORT PROGRAM ARGS...: one perftest run over its TCP
# exchange (-F: no CPU frequency warning); both sides exit 0, and print
# the results line (but the passive server of ib_read_lat and
# ib_atomic_lat prints none).
tools_pt() {
	local name=$1 port=$2 prog=$3
	shift 3
	local a="$prog -d $TDEV -i 1 -F -p $port $*"
	t_check "$name: $prog $*" pair_2vm "$name" "traffic_listening $port" \
		"$a" "$a $SOFTODP_PEER_IP4" || return
	if pair_is_server; then
		case $prog in ib_read_lat | ib_atomic_lat) return 0 ;; esac
	fi
	t_check "$name: results line" tools_results_ok "$name"
}

# tools_ptcm NAME PORT PROGRAM ARGS...: the same over rdma_cm (-R).
tools_ptcm() {
	local name=$1 port=$2 prog=$3
	shift 3
	local a="$prog -d $TDEV -i 1 -F -R -p $port $*"
	t_check "$name: $prog -R $*" pair_2vm "$name" rdma_cm_listening \
		"$a" "$a $SOFTODP_PEER_IP4" || return
	t_check "$name: results line" tools_results_ok "$name"
}
