#!/usr/bin/env bash
# Guest side of bench/odp.sh: sets softodp0 up on eth0 and runs
# sod_odp_bench on it (one VM, loopback).  Options for the program come on
# the kernel command line (run-vm.sh does not pass the host's environment
# in): each sod.odpbench.NAME=VALUE becomes "--NAME VALUE".
# sod.odp.mtu=N sets eth0's MTU first (9000: path MTU 4096);
# sod.odp.backlog=N sets net.core.netdev_max_backlog (default 1000), the
# queue that loopback packets wait in for the receive softirq;
# sod.odp.rps=MASK steers what lo receives to the CPUs of MASK (hex; one
# CPU: every packet waits in the same backlog, so none overtakes another);
# sod.odp.clock=icount|wall says what the guest's clock counts (bench/odp.sh
# starts QEMU with -icount for "icount"), for the log; sod.odp.perf=1 runs
# the program under "perf record -a" (cpu-clock samples: on the instruction
# clock, a profile of instructions) twice, with --warm-mr pinned and with
# --warm-mr odp, and writes perf-pinned.txt, perf-odp.txt and
# perf-compare.txt (samples per kernel symbol, the symbols where ODP spent
# more first) to $SOFTODP_OUT; the figures of such a run include the
# sampling's cost.
# Writes $SOFTODP_OUT/odp-bench.log (the program's output: BENCH lines and
# the table) and exits with the program's status.
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
. "$SOFTODP_SRC/tests/vm/cases/_softodp.sh"

args=()
mtu='' backlog='' rps='' clock=wall perf=0
for a in $(</proc/cmdline); do
	case $a in
	sod.odp.mtu=*) mtu=${a#*=} ;;
	sod.odp.backlog=*) backlog=${a#*=} ;;
	sod.odp.rps=*) rps=${a#*=} ;;
	sod.odp.clock=*) clock=${a#*=} ;;
	sod.odp.perf=*) perf=${a#*=} ;;
	sod.odpbench.*=*)
		a=${a#sod.odpbench.}
		args+=("--${a%%=*}" "${a#*=}")
		;;
	esac
done

[ -z "$backlog" ] || t_check "netdev_max_backlog $backlog" sysctl -qw net.core.netdev_max_backlog="$backlog" || exit 1
# shellcheck disable=SC2016 # (eval of a single-quoted command)
[ -z "$rps" ] || t_check "lo rps_cpus $rps" eval 'echo "$rps" >/sys/class/net/lo/queues/rx-0/rps_cpus' || exit 1
[ -z "$mtu" ] || t_check "eth0 mtu $mtu" ip link set eth0 mtu "$mtu" || exit 1
t_check "insmod softodp" sod_load || exit 1
t_check "link add" rdma link add softodp0 type softodp netdev eth0 || exit 1
t_check "port ACTIVE" wait_for 30 eval 'grep -q ACTIVE /sys/class/infiniband/softodp0/ports/1/state' || exit 1

thp=/sys/kernel/mm/transparent_hugepage/enabled
echo "odp-bench: kernel $(uname -r), $(nproc) vCPU(s), clock $clock," \
	"$(awk '/^MemTotal/ { printf "%d MiB", $2 / 1024 }' /proc/meminfo)," \
	"THP $( [ -r $thp ] && cat $thp || echo n/a) (the program asks MADV_NOHUGEPAGE)," \
	"eth0 mtu $(cat /sys/class/net/eth0/mtu)," \
	"active_mtu $(ibv_devinfo -d softodp0 -v 2>/dev/null | awk '/active_mtu/ { print $2; exit }')," \
	"netdev_max_backlog $(sysctl -n net.core.netdev_max_backlog)," \
	"lo rps_cpus $(cat /sys/class/net/lo/queues/rx-0/rps_cpus), ulimit -l $(ulimit -l)"
echo "odp-bench: sod_odp_bench --dev softodp0 ${args[*]}"

# softnet_stat: per CPU, column 2 = packets dropped because the backlog was full
softnet_drops() {
	local d=0 f
	while read -ra f; do d=$((d + 16#${f[1]})); done </proc/net/softnet_stat
	echo "$d"
}
drops0=$(softnet_drops)
log=$SOFTODP_OUT/odp-bench.log
rc=0
t0=$SECONDS
run=(timeout 3000 "$SOD_PROGS/sod_odp_bench" --dev softodp0 "${args[@]}")
if [ "$perf" = 1 ]; then
	: >"$log"
	for kind in pinned odp; do
		perf record -q -a -F 4000 -o "$SOFTODP_OUT/perf-$kind.data" -- \
			"${run[@]}" --warm-mr "$kind" >>"$log" 2>&1 || rc=$?
		perf report -i "$SOFTODP_OUT/perf-$kind.data" --stdio --no-children -n \
			--sort sym >"$SOFTODP_OUT/perf-$kind.txt" 2>&1
	done
	# "  12.34%  5678  [k] sym": samples per symbol, ODP minus pinned
	awk '
		FNR == 1 { f++ }
		/^#/ || NF < 4 || $1 !~ /%$/ { next }
		{ n[f, $4] = $2; tot[f] += $2; seen[$4] = 1 }
		END {
			printf "%-36s %9s %9s %9s %12s\n", "symbol", "pinned", "odp", "odp-pin",
				"% of pinned"
			printf "%-36s %9d %9d %9d %11.2f%%\n", "(all samples)", tot[1], tot[2],
				tot[2] - tot[1], tot[1] ? 100 * (tot[2] - tot[1]) / tot[1] : 0
			for (s in seen)
				printf "%-36s %9d %9d %9d %11.2f%%\n", s, n[1, s], n[2, s],
					n[2, s] - n[1, s], tot[1] ? 100 * (n[2, s] - n[1, s]) / tot[1] : 0
		}' "$SOFTODP_OUT/perf-pinned.txt" "$SOFTODP_OUT/perf-odp.txt" |
		{ read -r h; echo "$h"; read -r a; echo "$a"; sort -k4,4nr; } \
			>"$SOFTODP_OUT/perf-compare.txt"
	cat "$log"
	echo "odp-bench: profile, samples per kernel symbol (perf-compare.txt), top:"
	head -n 32 "$SOFTODP_OUT/perf-compare.txt"
else
	"${run[@]}" >"$log" 2>&1 || rc=$?
	cat "$log"
fi
echo "odp-bench: program exit $rc after $((SECONDS - t0)) s"
echo "odp-bench: backlog drops during the run (softnet_stat): $(($(softnet_drops) - drops0))"
rdma statistic show link softodp0/1
if [ "$rc" = 0 ]; then t_pass "sod_odp_bench"; else t_fail "sod_odp_bench" "exit $rc"; fi
t_check "link delete" rdma link delete softodp0
t_check "rmmod softodp" rmmod softodp
exit "$rc"
