#!/usr/bin/env bash
# softodp vs Soft-RoCE (rdma_rxe) with perftest, in the same emulated VMs.
# Prints figures; it is not a test (scripts/test.sh never runs it).
#
#   bench/run.sh [--no-build] [--outdir DIR] [--smp N] [--devs "softodp rxe"]
#                [--topos "loopback two-vm"] [--points LIST] [--bytes N]
#                [--iters N] [--kver KVER] [--guest-args "sod.bench.perf=3 ..."]
#                [--runs N] [--mtu N]
#   bench/run.sh --report DIR     print the table of an earlier run again
#
# For each device kind and topology, one run-vm.sh run (rxe and softodp
# never share a guest: both bind UDP 4791):
#   loopback  one VM, server and client on one device (control over 127.0.0.1)
#   two-vm    two VMs on one link, server in VM 0, client in VM 1
# Points (PROG:SIZE): ib_{write,read,send}_bw at 4 KiB, 64 KiB, 1 MiB
# (-n so that a point moves about 16 MiB: 4096, 256, 20 messages),
# ib_{write,send}_lat at 8 B and 4 KiB (-n 200).  Each perftest side is
# limited to 90 s.  vCPUs per guest, unless --smp N sets both: loopback 2
# (with 1 vCPU the two busy-polling sides of a loopback test share it and
# latency measures the scheduler tick), two-vm 1 (two guests of 2 vCPUs
# each overcommit a 2-core host: every figure then waits on the host's
# scheduler; docs/performance.md "Two VMs with one vCPU per guest").
# BUILD (default <repo>/build) is the build tree; VM output goes to
# --outdir (default $BUILD/bench/<dev>-<topo>).  Guest side: bench/guest.sh.
# --guest-args adds words to the guests' kernel command line: the
# diagnostics sod.bench.trace=S and sod.bench.perf=S (bench/guest.sh).
# --runs N repeats the whole set N times, the devices alternating within
# each round (outdir/rK/<dev>-<topo>); the table then shows per point the
# median of the runs and, after it, each device's lowest and highest
# figure.  Under TCG one point moves by up to 2x from one boot to the
# next, on either device (docs/performance.md); one run decides little.
# Two-VM runs also measure the link itself before the points (plain UDP
# between the guests, bench/sod_linkprobe; guest.sh sod.bench.link=0 turns
# it off): printed under the table as the floor and ceiling no device can
# pass on this link.
# --mtu N sets the guests' eth0 MTU (default: the netdev's 1500, so RoCE
# path MTU 1024; 9000 gives both devices a path MTU of 4096).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/scripts/lib.sh"
export BUILD=${BUILD:-$src/build}

build=1 outdir='' smp='' devs="softodp rxe" topos="loopback two-vm" points='' bytes='' iters=200 kver='' gargs=''
report='' runs=1 mtu=''
while [ $# -gt 0 ]; do
	case $1 in
	--no-build) build=0; shift ;;
	--outdir) outdir=${2:?}; shift 2 ;;
	--smp) smp=${2:?}; shift 2 ;;
	--devs) devs=${2:?}; shift 2 ;;
	--topos) topos=${2:?}; shift 2 ;;
	--points) points=${2:?}; shift 2 ;;
	--bytes) bytes=${2:?}; shift 2 ;;
	--report) report=${2:?}; shift 2 ;;
	--iters) iters=${2:?}; shift 2 ;;
	--kver) kver=${2:?}; shift 2 ;;
	--guest-args) gargs=${2:?}; shift 2 ;;
	--runs) runs=${2:?}; shift 2 ;;
	--mtu) mtu=${2:?}; shift 2 ;;
	-h | --help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) sod_die "unknown argument: $1 (see --help)" ;;
	esac
done
kver=${kver:-${KVER:-$(sod_default_kver)}}
case $runs in '' | *[!0-9]* | 0) sod_die "--runs takes a positive number" ;; esac
outdir=${report:-${outdir:-$BUILD/bench}}
all=$outdir/results.tsv
t_start=$SECONDS
[ -z "$report" ] || [ -e "$all" ] || sod_die "no $all"
if [ -z "$report" ]; then

if [ $build = 1 ] && [ -z "$report" ]; then
	"$src/scripts/install-deps.sh"
	echo "bench: building into $BUILD (log: $BUILD/bench-build.log)"
	mkdir -p "$BUILD"
	"$src/scripts/build.sh" "$kver" >"$BUILD/bench-build.log" 2>&1 ||
		{ tail -n 40 "$BUILD/bench-build.log"; sod_die "build failed"; }
fi
[ -n "$report" ] || [ -e "$BUILD/kmod/$kver/softodp.ko" ] || sod_die "no $BUILD/kmod/$kver/softodp.ko (drop --no-build)"

mkdir -p "$outdir"
: >"$all"
echo "bench: kernel $kver, vCPUs per guest: ${smp:-loopback 2, two-vm 1}, devices: $devs, topologies: $topos, eth0 MTU ${mtu:-1500}"
echo "bench: host $(nproc) CPU(s), load average $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$runs"); do
[ "$runs" = 1 ] || echo "bench: round $round of $runs"
for topo in $topos; do
	case $topo in
	loopback) nvms=1 vcpus=${smp:-2} ;;
	two-vm) nvms=2 vcpus=${smp:-1} ;;
	*) sod_die "unknown topology $topo (loopback, two-vm)" ;;
	esac
	for dev in $devs; do
		case $dev in softodp | rxe) ;; *) sod_die "unknown device $dev (softodp, rxe)" ;; esac
		run=$outdir/$dev-$topo
		[ "$runs" = 1 ] || { run=$outdir/r$round/$dev-$topo; mkdir -p "$outdir/r$round"; }
		append="sod.dev=$dev sod.bench.iters=$iters${bytes:+ sod.bench.bytes=$bytes}${mtu:+ sod.bench.mtu=$mtu}${points:+ sod.bench.points=$points}${gargs:+ $gargs}"
		echo "bench: $dev $topo ($nvms VM(s)) -> $run"
		t0=$SECONDS
		rc=0
		"$src/tests/vm/run-vm.sh" --vms $nvms --smp "$vcpus" --kver "$kver" --timeout 1200 \
			--append "$append" --script "$src/bench/guest.sh" --outdir "$run" \
			--name "bench-$dev-$topo" >"$run.log" 2>&1 || rc=$?
		grep '^run-vm: ' "$run.log" | sed 's/^/  /' | tail -n 4
		found=0
		for f in "$run"/vm*/bench.tsv; do
			[ -s "$f" ] || continue
			sed "s/\$/\t$round/" "$f" >>"$all"
			found=1
		done
		grep -h '^bench: .*: \(ok\|fail\)' "$run"/vm*/log 2>/dev/null | sed 's/^bench: /  /' || true
		if [ $found = 0 ]; then
			echo "  no results (run-vm exit $rc; see $run.log, $run/console-vm*.log)"
			printf '%s\tsetup\t-\t%s\t-\t-\tfail\trun-vm exit %s, no results\t%s\n' "$dev" "$topo" "$rc" "$round" >>"$all"
		elif [ $rc -ne 0 ]; then
			echo "  run-vm reported a failure (exit $rc): see $run.log"
			printf '%s\trun-vm\t-\t%s\t-\t-\tfail\trun-vm exit %s: %s\t%s\n' "$dev" "$topo" "$rc" \
				"$(grep -m1 '^run-vm: FAIL' "$run.log" | cut -c1-150)" "$round" >>"$all"
		fi
		echo "  ($((SECONDS - t0)) s)"
	done
done
done
fi	# not --report

echo
echo "softodp vs rxe: bandwidth = BW average (MB/s, higher is better),"
echo "latency = t_typical (usec, lower is better); ratio = softodp / rxe;"
nruns=$(awk -F'\t' '$9 + 0 > m { m = $9 + 0 } END { print m + 0 }' "$all")
[ "$nruns" -le 1 ] || echo "$nruns runs: each figure is the median of the runs, the ratio that of the medians"
echo "targets: bandwidth ratio >= 1.5, latency ratio <= 0.7"
echo
awk -F'\t' '
function key(p, s, t) { return p SUBSEP s SUBSEP t }
function run(r) { return runs > 1 ? " (run " r ")" : "" }
$2 == "setup" || $2 == "run-vm" { notes[++nn] = $1 " " $4 run($9) ": " $8; next }
# The link itself, measured in the VMs of each device kind (guest.sh, link_probe).
$2 ~ /^link_/ {
	haslink = 1
	if ($7 == "ok" && $5 + 0 > 0) vals[$1, key($2, $3, $4)] = vals[$1, key($2, $3, $4)] " " $5
	next
}
{
	k = key($2, $3, $4)
	if (!(k in seen)) { seen[k] = 1; order[++n] = k }
	# perftest prints "inf" when its clock calibration failed
	if ($7 == "ok" && $5 ~ /^[0-9]+(\.[0-9]*)?$/ && $5 + 0 > 0)
		vals[$1, k] = vals[$1, k] " " $5
	else {
		nfail[$1, k]++
		notes[++nn] = $1 " " $2 " " $3 " " $4 run($9) ": " ($8 != "" ? $8 : "result " $5 " (no figure: no completion, or perftest printed inf)")
	}
}
function human(s) { return s >= 1048576 ? s / 1048576 " MiB" : s >= 1024 ? s / 1024 " KiB" : s " B" }
# stat(DEV, K): the median of the runs that measured (FAIL if none) in
# med, their lowest and highest in lo and hi, their number in cnt.
function stat(d, k,    a, m, i, j, t) {
	m = split(vals[d, k], a, " ")
	cnt = m
	if (m == 0) { med = ((d, k) in nfail) ? "FAIL" : "-"; lo = hi = ""; return }
	for (i = 2; i <= m; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	med = m % 2 ? a[(m + 1) / 2] : sprintf("%.2f", (a[m / 2] + a[m / 2 + 1]) / 2)
	lo = a[1]; hi = a[m]
}
END {
	printf "%-10s %8s %-9s %10s %10s %7s  %-7s", "test", "size", "topology", "softodp", "rxe", "ratio", "target"
	if (runs > 1) printf "  %s", "runs: softodp lo-hi (n) | rxe lo-hi (n)"
	printf "\n"
	for (i = 1; i <= n; i++) {
		split(order[i], a, SUBSEP)
		stat("softodp", order[i]); s = med; sr = lo "-" hi " (" cnt ")"
		stat("rxe", order[i]); r = med; rr = lo "-" hi " (" cnt ")"
		lat = a[1] ~ /_lat$/
		ratio = "-"; met = ""
		if (s + 0 > 0 && r + 0 > 0) {
			ratio = sprintf("%.2f", s / r)
			met = lat ? (s / r <= 0.7 ? "met" : "missed") : (s / r >= 1.5 ? "met" : "missed")
		}
		printf "%-10s %8s %-9s %10s %10s %7s  %-7s", "ib_" a[1], human(a[2]), a[3], s, r, ratio, met
		if (runs > 1) printf "  %s | %s", sr, rr
		printf "\n"
	}
	if (haslink) {
		print ""
		print "the two-VM link alone (bench/sod_linkprobe: plain UDP between the guests, no RDMA"
		print "device; measured in the softodp VMs | in the rxe VMs; median of the runs (lo-hi)):"
		stat("softodp", key("link_pingpong", 8, "two-vm")); s = med " (" lo "-" hi ")"
		stat("rxe", key("link_pingpong", 8, "two-vm")); r = med " (" lo "-" hi ")"
		printf "  busy-polling UDP ping-pong, 8 B, round trip (usec):  %s | %s\n", s, r
		stat("softodp", key("link_stream", 1100, "two-vm")); s = med " (" lo "-" hi ")"
		stat("rxe", key("link_stream", 1100, "two-vm")); r = med " (" lo "-" hi ")"
		printf "  one-way UDP stream, 1100 B datagrams, received (MB/s): %s | %s\n", s, r
	}
	if (nn) { print ""; print "failures:"; for (i = 1; i <= nn; i++) print "  " notes[i] }
}' runs="$nruns" "$all"
echo
echo "bench: $((SECONDS - t_start)) s; raw results $all; logs under $outdir"
