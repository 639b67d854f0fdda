#!/usr/bin/env bash
# The whole softodp test suite.  Run as root on Debian 12:
#
#   scripts/test.sh [--only REGEX] [--no-deps]
#
# Installs what it needs, builds everything (provider, tests, softodp.ko),
# runs the host unit tests, the static checks, the VM harness self-test and
# every VM test case in tests/vm/cases/, and ends with one line
# "N passed, N failed, N skipped".  Exits non-zero if anything failed.
#
# Every check is one named result; a VM case contributes the results its
# guest script reported plus one result for the run itself (boot, clean
# kernel log, exit status, no timeout).
#
# Env: BUILD (default <repo>/build), KVER (default: installed *-amd64).
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

step "build"
if "$src/scripts/build.sh" "$KVER" >"$res/build.log" 2>&1; then
	record PASS build
else
	tail -n 40 "$res/build.log"
	record FAIL build "see $res/build.log"
	summary
	exit 1
fi

# ---------------------------------------------------------------- host
step "host unit tests"
if wanted '^unit:'; then
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
if wanted '^static:'; then
	if "$src/scripts/checkpatch.sh" >"$res/checkpatch.log" 2>&1; then
		record PASS static:checkpatch
	else
		cat "$res/checkpatch.log"
		record FAIL static:checkpatch "see $res/checkpatch.log"
	fi
fi

# ---------------------------------------------------------------- VMs
step "VM harness self-test"
if wanted '^harness:'; then
	"$src/tests/vm/selftest.sh" >"$res/harness.log" 2>&1
	rc=$?
	import_results harness: "$res/harness.log"
	[ $rc -eq 0 ] || grep -q '^FAIL ' "$res/harness.log" ||
		record FAIL harness:selftest "exit $rc (see $res/harness.log)"
fi

# case_opt FILE KEY DEFAULT: read "# KEY: value" from a case's header.
case_opt() {
	local v
	v=$(sed -nE "s/^# $2: *([^ ]+).*/\1/p" "$1" | head -n 1)
	echo "${v:-$3}"
}

for c in "$src"/tests/vm/cases/*.sh; do
	name=$(basename "$c" .sh)
	case $name in _*) continue ;; esac
	wanted "^vm:$name" || continue
	step "VM case $name"
	out=$res/vm/$name
	mkdir -p "$out"
	"$src/tests/vm/run-vm.sh" --vms "$(case_opt "$c" vms 1)" \
		--timeout "$(case_opt "$c" timeout 300)" --kver "$KVER" \
		--script "$c" --outdir "$out" --name "$name" >"$out/run.log" 2>&1
	rc=$?
	cat "$out/run.log"
	for r in "$out"/vm*/results; do
		[ -f "$r" ] || continue
		vm=$(basename "$(dirname "$r")")
		import_results "vm:$name:$vm:" "$r"
	done
	if [ $rc -eq 0 ]; then
		record PASS "vm:$name"
	else
		record FAIL "vm:$name" "VM run failed (exit $rc, see $out)"
	fi
done

summary
