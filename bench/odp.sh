#!/usr/bin/env bash
# On-Demand Paging against pinned memory on softodp (sod_odp_bench in one
# VM, loopback).  Prints figures; it is not a test (scripts/test.sh never
# runs it).
#
#   bench/odp.sh [--no-build] [--wall] [--perf] [--outdir DIR] [--mem MIB]
#                [--smp N] [--mtu N] [--backlog N] [--rps MASK]
#                [--timeout SEC] [--kver KVER] [-- PROGRAM OPTIONS...]
#   bench/odp.sh --report DIR     print the table of an earlier run again
#
# One run-vm.sh run: one VM with 3072 MiB (the reg test pins 1 GiB, the
# inval test faults 1 GiB), softodp0 on eth0, then
# tests/progs/sod_odp_bench --dev softodp0 (what it measures: its header
# comment, and docs/performance.md, section ODP).  PROGRAM OPTIONS are
# passed on, e.g. "-- --reps 3 --tests warm,cold" (every option takes a
# value).
#
# Clock.  By default QEMU runs with "-icount shift=0,sleep=off": the
# guest's clock advances by 1 ns per guest instruction executed (and jumps
# over idle time), so every figure is a count of instructions, and the
# other VMs of a shared host do not show in it (repetitions agree within
# 1%, against 10x apart on the wall clock).  -icount runs every vCPU in
# one host thread and needs --smp 1 here (with 2 vCPUs the guest hung
# bringing up the second one).  --wall measures wall-clock time instead,
# with 2 vCPUs unless --smp says otherwise; give it more repetitions
# ("-- --reps 11").
#
# --perf runs the program twice under "perf record -a" in the guest, with
# --warm-mr pinned and --warm-mr odp (give it "-- --tests warm"), and
# prints the kernel symbols where the ODP run spent more samples than the
# pinned one (OUTDIR/vm0/perf-compare.txt; on the instruction clock, a
# profile of instructions).  Its figures include the sampling.
#
# Guest network settings (loopback traffic goes through lo):
#   --mtu N       eth0's MTU (default 1500: path MTU 1024, as in
#                 bench/run.sh; 9000 gives path MTU 4096)
#   --backlog N   net.core.netdev_max_backlog, default 10000: with the
#                 kernel's 1000 a loopback burst (a 1 MiB READ answers
#                 with 1024 packets) overflows it, and the figures measure
#                 retransmissions ("--backlog 1000": the stock setting)
#   --rps MASK    the CPUs (hex mask) that lo's receive work is steered to,
#                 default 1: every packet waits in CPU 0's backlog, so none
#                 overtakes another.  With a backlog per CPU (2 vCPUs and
#                 "--rps 0", the stock setting), softodp's packets arrive out
#                 of order and the resends after the responder's sequence
#                 NAKs dominate the figures.
# BUILD (default <repo>/build) is the build tree; VM output goes to
# --outdir (default $BUILD/bench/odp).  Guest side: bench/odp-guest.sh.
# Results: OUTDIR/results.txt ("BENCH name value unit" lines, and "RAW
# name value..." with every repetition) and the program's whole output in
# OUTDIR/vm0/odp-bench.log.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/scripts/lib.sh"
export BUILD=${BUILD:-$src/build}

build=1 wall=0 perf=0 outdir='' smp='' mem=3072 timeout=1800 kver='' report=''
mtu='' backlog=10000 rps=1
while [ $# -gt 0 ]; do
	case $1 in
	--no-build) build=0; shift ;;
	--wall) wall=1; shift ;;
	--perf) perf=1; shift ;;
	--outdir) outdir=${2:?}; shift 2 ;;
	--mem) mem=${2:?}; shift 2 ;;
	--smp) smp=${2:?}; shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--mtu) mtu=${2:?}; shift 2 ;;
	--backlog) backlog=${2:?}; shift 2 ;;
	--rps) rps=${2:?}; shift 2 ;;
	--kver) kver=${2:?}; shift 2 ;;
	--report) report=${2:?}; shift 2 ;;
	--) shift; break ;;
	-h | --help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) sod_die "unknown argument: $1 (see --help)" ;;
	esac
done
# Program options become kernel arguments sod.odpbench.NAME=VALUE.
append=''
while [ $# -gt 0 ]; do
	case $1 in
	--?*) [ $# -ge 2 ] || sod_die "program option $1 needs a value" ;;
	*) sod_die "program options are --NAME VALUE pairs, not '$1'" ;;
	esac
	[[ $2 =~ ^[A-Za-z0-9,._-]+$ ]] || sod_die "value of $1 must be [A-Za-z0-9,._-]: '$2'"
	append+="${append:+ }sod.odpbench.${1#--}=$2"
	shift 2
done
num() { [[ $2 =~ ^[0-9]+$ ]] || sod_die "$1 must be a number: '$2'"; }
[ -z "$mtu" ] || { num --mtu "$mtu"; append+=" sod.odp.mtu=$mtu"; }
num --backlog "$backlog"
append+=" sod.odp.backlog=$backlog"
[[ $rps =~ ^[0-9a-fA-F]+$ ]] || sod_die "--rps must be a hex CPU mask: '$rps'"
append+=" sod.odp.rps=$rps"
[ $perf = 0 ] || append+=" sod.odp.perf=1"
if [ $wall = 1 ]; then
	smp=${smp:-2}
	append+=" sod.odp.clock=wall"
else
	smp=${smp:-1}
	[ "$smp" = 1 ] || sod_die "-icount needs --smp 1 (or use --wall)"
	export SOFTODP_QEMU_EXTRA="${SOFTODP_QEMU_EXTRA:+$SOFTODP_QEMU_EXTRA }-icount shift=0,sleep=off"
	append+=" sod.odp.clock=icount"
fi
kver=${kver:-${KVER:-$(sod_default_kver)}}
outdir=${report:-${outdir:-$BUILD/bench/odp}}
log=$outdir/vm0/odp-bench.log

if [ -z "$report" ]; then
	if [ $build = 1 ]; then
		"$src/scripts/install-deps.sh"
		echo "odp-bench: building into $BUILD (log: $BUILD/bench-build.log)"
		mkdir -p "$BUILD"
		"$src/scripts/build.sh" "$kver" >"$BUILD/bench-build.log" 2>&1 ||
			{ tail -n 40 "$BUILD/bench-build.log"; sod_die "build failed"; }
	fi
	[ -e "$BUILD/kmod/$kver/softodp.ko" ] || sod_die "no $BUILD/kmod/$kver/softodp.ko (drop --no-build)"
	[ -x "$BUILD/tests/progs/sod_odp_bench" ] || sod_die "no $BUILD/tests/progs/sod_odp_bench (drop --no-build)"
	mkdir -p "$outdir"
	echo "odp-bench: kernel $kver, 1 VM, $smp vCPU(s), $mem MiB," \
		"$([ $wall = 1 ] && echo "wall clock" || echo "instruction clock (-icount)") -> $outdir"
	echo "odp-bench: host $(nproc) CPU(s), load average $(cut -d' ' -f1-3 /proc/loadavg)"
	t0=$SECONDS
	rc=0
	"$src/tests/vm/run-vm.sh" --vms 1 --smp "$smp" --mem "$mem" --kver "$kver" \
		--timeout "$timeout" --build "$BUILD" --append "$append" \
		--script "$src/bench/odp-guest.sh" --outdir "$outdir" --name odp-bench \
		>"$outdir/run-vm.log" 2>&1 || rc=$?
	grep '^run-vm: ' "$outdir/run-vm.log" | sed 's/^/  /' | tail -n 4
	echo "  ($((SECONDS - t0)) s)"
	[ -s "$log" ] || sod_die "no $log (run-vm exit $rc; see $outdir/run-vm.log, $outdir/console-vm0.log)"
	grep -E '^(BENCH|RAW) ' "$log" >"$outdir/results.txt" || true
	[ $rc = 0 ] || echo "odp-bench: run-vm reported a failure (exit $rc): see $outdir/run-vm.log; figures may be partial"
fi
[ -s "$log" ] || sod_die "no $log"
echo
grep -m1 '^odp-bench: kernel' "$outdir/vm0/log" 2>/dev/null || true
grep -m1 '^sod_odp_bench: device' "$log" || true
# The program's table: everything after its last BENCH or RAW line.
awk '/^(BENCH|RAW) / { n = NR } { l[NR] = $0 } END { for (i = n + 1; i <= NR; i++) print l[i] }' "$log"
if [ -s "$outdir/vm0/perf-compare.txt" ]; then
	echo
	echo "samples per kernel symbol, pinned and ODP runs (top 25 by the difference):"
	head -n 27 "$outdir/vm0/perf-compare.txt"
fi
echo
echo "odp-bench: raw figures $outdir/results.txt; log $log"
