#!/usr/bin/env bash
# The whole softodp test suite.  Run as root on Debian 12:
#
#   scripts/test.sh [--only REGEX] [--no-deps]
#
# Installs what it needs, builds everything (provider, tests, softodp.ko for
# each kernel), runs the host unit tests and static checks, then the VM
# suite in two tiers, and ends with one line
# "N passed, N failed, N skipped".  Exits non-zero if anything failed.
#
#   stock tier  the installed Debian kernel: VM harness self-test, every
#               case in tests/vm/cases/.
#   debug tier  the debug kernel (KASAN, lockdep, kmemleak, UBSAN, fault
#               injection, KUnit; scripts/debug-kernel.sh provides it):
#               the harness's planted-bug self-test (one VM with a
#               use-after-free, a sleep under a spinlock and a leak) beside
#               every case whose header lists the tier (default: both).  Results are prefixed
#               "debug:".  Without a debug kernel the tier is skipped, and
#               the summary says so.
#
# Every check is one named result; a VM case contributes the results its
# guest script reported plus one result for the run itself (boot, clean
# kernel log incl. kmemleak on the debug kernel, exit status, no timeout).
#
# Env: BUILD (default <repo>/build), KVER (default: installed *-amd64),
#      SOFTODP_DEBUG_TIER=0 to skip the debug tier,
#      SOFTODP_VM_JOBS VM slots (default: CPUs; a stock case takes one,
#      a debug case one per VM: run_cases),
#      SOFTODP_DEBUG_KERNEL_DIR / SOFTODP_BUILD_DEBUG_KERNEL (see
#      scripts/debug-kernel.sh).
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/scripts/lib.sh"

only=
deps=1
while [ $# -gt 0 ]; do
	case $1 in
	--only) only=$2; shift 2 ;;
	--no-deps) deps=0; shift ;;
	*) sod_die "usage: $0 [--only REGEX] [--no-deps]" ;;
	esac
done

export BUILD=${BUILD:-$src/build}
res=$BUILD/test-results
rm -rf "$res"
mkdir -p "$res"
ledger=$res/results.txt
: >"$ledger"
t0=$(date +%s)

# record STATUS NAME [DETAIL]: one result; STATUS is PASS, FAIL or SKIP.
record() {
	printf '%s %s%s\n' "$1" "$2" "${3:+: $3}" | tee -a "$ledger"
}

wanted() { [ -z "$only" ] || [[ $1 =~ $only ]]; }

# import_results PREFIX FILE: take PASS/FAIL/SKIP lines a test wrote.
import_results() {
	local prefix=$1 file=$2 status rest
	[ -f "$file" ] || return 0
	while read -r status rest; do
		case $status in
		PASS | FAIL | SKIP) record "$status" "$prefix$rest" ;;
		esac
	done <"$file"
}

step() { printf '\n== %s (at %ss)\n' "$*" "$(($(date +%s) - t0))"; }

summary() {
	local p f s
	p=$(grep -c '^PASS ' "$ledger")
	f=$(grep -c '^FAIL ' "$ledger")
	s=$(grep -c '^SKIP ' "$ledger")
	echo
	if [ "$f" -gt 0 ]; then
		echo "failed:"
		grep '^FAIL ' "$ledger" | sed 's/^/  /'
	fi
	echo "total time: $(($(date +%s) - t0))s; results in $res"
	if grep -q '^SKIP debug:tier' "$ledger"; then
		echo "note: $(sed -n 's/^SKIP debug:tier: //p' "$ledger")"
	fi
	echo "$p passed, $f failed, $s skipped"
	[ "$f" -eq 0 ]
}

# ---------------------------------------------------------------- setup
if [ "$deps" = 1 ]; then
	step "dependencies"
	if ! "$src/scripts/install-deps.sh"; then
		record FAIL setup:dependencies
		summary
		exit 1
	fi
fi
KVER=${KVER:-$(sod_default_kver)}
export KVER
DBG_KVER=
if [ "${SOFTODP_DEBUG_TIER:-1}" = 0 ]; then
	dbg_why="SOFTODP_DEBUG_TIER=0"
elif DBG_KVER=$("$src/scripts/debug-kernel.sh" ensure 2>"$res/debug-kernel.log"); then
	echo "debug kernel: $DBG_KVER"
else
	DBG_KVER=
	dbg_why=$(tail -n 1 "$res/debug-kernel.log")
fi

step "build"
if "$src/scripts/build.sh" "$KVER" $DBG_KVER >"$res/build.log" 2>&1; then
	record PASS build
else
	tail -n 40 "$res/build.log"
	record FAIL build "see $res/build.log"
	summary
	exit 1
fi

# ---------------------------------------------------------------- host
step "host unit tests"
if wanted unit:; then
	(cd "$BUILD" && ctest --output-on-failure) >"$res/ctest.log" 2>&1
	# "  1/5 Test  #1: abi_layout .......   Passed    0.00 sec"
	sed -nE 's/^ *[0-9]+\/[0-9]+ Test +#[0-9]+: ([^ ]+) \.+ *(\*\*\*)?([A-Za-z]+).*/\3 \1/p' \
		"$res/ctest.log" | while read -r st name; do
		case $st in
		Passed) record PASS "unit:$name" ;;
		Skipped | Not) record SKIP "unit:$name" ;;
		*) record FAIL "unit:$name" "$st (see $res/ctest.log)" ;;
		esac
	done
	grep -q 'tests passed' "$res/ctest.log" ||
		record FAIL unit:ctest "ctest did not finish (see $res/ctest.log)"
fi

step "static checks"
if wanted static:; then
	if "$src/scripts/checkpatch.sh" >"$res/checkpatch.log" 2>&1; then
		record PASS static:checkpatch
	else
		cat "$res/checkpatch.log"
		record FAIL static:checkpatch "see $res/checkpatch.log"
	fi
fi

# ---------------------------------------------------------------- VMs
# case_opt FILE KEY DEFAULT: read "# KEY: value" from a case's header.
case_opt() {
	local v
	v=$(sed -nE "s/^# $2: *(.+)$/\1/p" "$1" | head -n 1)
	echo "${v:-$3}"
}

# run_case TIER KVER NAME FILE: one VM case; output in $res/vm-TIER/NAME/.
run_case() {
	local tier=$1 kver=$2 name=$3 c=$4 out=$res/vm-$1/$3 rc=0
	mkdir -p "$out"
	"$src/tests/vm/run-vm.sh" --vms "$(case_opt "$c" vms 1)" \
		--numa "$(case_opt "$c" numa 0)" \
		--timeout "$(case_opt "$c" "timeout-$tier" "$(case_opt "$c" timeout 300)")" \
		--kver "$kver" --script "$c" --outdir "$out" \
		--name "$tier-$name" >"$out/run.log" 2>&1 || rc=$?
	echo "$rc" >"$out/rc"
}

# job_running PID: the background job PID has not ended (a zombie that bash
# has not reaped yet has ended).
job_running() {
	local st
	{ read -r st </proc/"$1"/stat; } 2>/dev/null || return 1
	st=${st##*) }
	[ "${st%% *}" != Z ]
}

# run_cases TIER KVER PREFIX [LAST-JOB...]: every VM case of the tier, on
# that kernel, SOFTODP_VM_JOBS slots at a time (default: one per CPU; each
# VM has one vCPU).  LAST-JOB, a command that runs one VM at a time, is
# queued after the cases (the debug tier's harness self-test).
# A case takes one slot in the stock tier, where guests mostly wait on each
# other and on timers, and one slot per VM in the debug tier, where a
# guest (KASAN, lockdep, kmemleak under emulation) keeps its vCPU busy:
# three or four debug VMs on two CPUs made each 2.3x slower than alone
# (debug-basics 1240 s against 533 s), and the tier longer.
# Cases start in order of their cost times their slots (a case's header
# "# cost-TIER: SECONDS", else "# cost:", else 60: its measured duration),
# each as soon as its slots are free, so that the tier does not end with
# one long case running alone.
run_cases() {
	local tier=$1 kver=$2 prefix=$3 jobs=${SOFTODP_VM_JOBS:-$(nproc)}
	local c name out r vm names=() used cases slots pid
	local -A held=()
	shift 3
	mapfile -t cases < <(for c in "$src"/tests/vm/cases/*.sh; do
		slots=1
		[ "$tier" = stock ] || slots=$(case_opt "$c" vms 1)
		echo "$(($(case_opt "$c" "cost-$tier" "$(case_opt "$c" cost 60)") * slots)) $slots $c"
	done | sort -s -k1,1nr | cut -d' ' -f2-)
	[ $# -eq 0 ] || cases+=("1 :last")
	for c in "${cases[@]}"; do
		slots=${c%% *}
		c=${c#* }
		[ "$slots" -le "$jobs" ] || slots=$jobs
		name=$(basename "$c" .sh)
		if [ "$c" != :last ]; then
			case $name in _*) continue ;; esac
			wanted "${prefix}vm:$name" || continue
			if [[ " $(case_opt "$c" tiers "stock debug") " != *" $tier "* ]]; then
				record SKIP "${prefix}vm:$name" "not run in the $tier tier (case header: tiers: $(case_opt "$c" tiers "")$(case_opt "$c" tier-note "" | sed 's/^./; &/'))"
				continue
			fi
		fi
		# Poll, not `wait -n`: bash's wait -n can miss a job that ended
		# before the call (it then waits for the next one to end).
		while :; do
			used=0
			for pid in "${!held[@]}"; do
				if job_running "$pid"; then
					used=$((used + held[$pid]))
				else
					unset "held[$pid]"
				fi
			done
			[ $((used + slots)) -gt "$jobs" ] || break
			sleep 1
		done
		if [ "$c" = :last ]; then
			"$@" &
		else
			step "$tier VM case $name (started)"
			run_case "$tier" "$kver" "$name" "$c" &
			names+=("$name")
		fi
		pid=$!
		held[$pid]=$slots
		used=$((used + slots))
	done
	wait
	for name in "${names[@]}"; do
		out=$res/vm-$tier/$name
		echo "--- $tier VM case $name"
		cat "$out/run.log"
		for r in "$out"/vm*/results; do
			[ -f "$r" ] || continue
			vm=$(basename "$(dirname "$r")")
			import_results "${prefix}vm:$name:$vm:" "$r"
		done
		if [ "$(cat "$out/rc" 2>/dev/null)" = 0 ]; then
			record PASS "${prefix}vm:$name"
		else
			record FAIL "${prefix}vm:$name" "VM run failed (exit $(cat "$out/rc" 2>/dev/null), see $out)"
		fi
	done
}

# selftest TIER KVER PREFIX [CASES [OPTION]]: the VM harness's self-test.
selftest() {
	local tier=$1 kver=$2 prefix=$3 rc=0 log=$res/harness-$1.log
	wanted "${prefix}harness:" || return 0
	step "$tier VM harness self-test (started)"
	"$src/tests/vm/selftest.sh" --kver "$kver" ${4:+--cases "$4"} ${5:-} >"$log" 2>&1 || rc=$?
	import_results "${prefix}harness:" "$log"
	[ $rc -eq 0 ] || grep -q '^FAIL ' "$log" ||
		record FAIL "${prefix}harness:selftest" "exit $rc (see $log)"
}

selftest stock "$KVER" ""
run_cases stock "$KVER" ""

if [ -n "$DBG_KVER" ]; then
	# The planted bugs, all three in one VM, beside the cases (every debug
	# case is a clean run of the debug kernel: the stock tier's clean-run
	# case covers the harness's side).
	run_cases debug "$DBG_KVER" debug: \
		selftest debug "$DBG_KVER" debug: planted-all --serial
else
	record SKIP "debug:tier" "debug tier skipped: $dbg_why"
fi

summary
