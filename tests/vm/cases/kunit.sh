#!/usr/bin/env bash
# KUnit suites of softodp's pure logic (kernel/tests/).  The test-only
# module softodp_kunit.ko exists only for kernels with KUnit: the debug
# kernel.  Each KUnit test case becomes one result.
# vms: 1
# tiers: none
# tier-note: the debug tier runs it inside debug-basics.sh (one debug VM for several cases)
# timeout: 300
# timeout-debug: 900
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"

ko=$(kmod_build_dir)/softodp_kunit.ko
[ -f "$ko" ] || { t_fail "softodp_kunit.ko built" "missing: $ko"; exit 1; }
t_check "load softodp_kunit.ko" load_module "$ko" || exit 1

# KUnit's debugfs keeps each suite's TAP output; fall back to the log.
n=0
suites="softodp_port softodp_opcode softodp_bth softodp_icrc softodp_cwnd softodp_txq"
# A suite the module has but the list lacks would go unreported.
for d in /sys/kernel/debug/kunit/softodp_*; do
	[ -d "$d" ] || continue
	case " $suites " in
	*" ${d##*/} "*) ;;
	*) t_fail "kunit suite ${d##*/} reported" "not in kunit.sh's list of suites" ;;
	esac
done
for suite in $suites; do
	f=/sys/kernel/debug/kunit/$suite/results
	if [ -r "$f" ]; then tap=$(cat "$f"); else tap=$(dmesg); fi
	echo "$tap"
	while read -r st num name; do
		n=$((n + 1))
		if [ "$st" = ok ]; then
			t_pass "kunit:$suite.$name"
		else
			t_fail "kunit:$suite.$name" "KUnit reported failure (see log)"
		fi
	done < <(sed -nE 's/^[[:space:]]+(not ok|ok) ([0-9]+) (- )?([a-z0-9_]+)$/\1 \2 \4/p' <<<"$tap" |
		sed 's/^not ok/fail/')
done
[ "$n" -gt 0 ] || t_fail "kunit results found" "no KUnit test case result in the output"
t_check "unload softodp_kunit" rmmod softodp_kunit
