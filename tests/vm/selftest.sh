#!/usr/bin/env bash
# Self-test of the VM harness (tests/vm/run-vm.sh) from the host.
#
#   tests/vm/selftest.sh [--kver KVER] [--build DIR] [--cases A,B,...]
#                        [--serial]
#
# Cases: clean-run script-exit-status kernel-warning two-vms timeout
# boot-hang (the default set), and, for a debug kernel, planted-uaf
# planted-sleep planted-leak: a test-only module commits a use-after-free,
# a sleep under a spinlock or a leak, and the run must fail on KASAN's, the
# atomic-sleep check's or kmemleak's report (two of these run at a time;
# one at a time with --serial, for a caller that runs other VMs beside);
# planted-all commits the three in one VM, and the run must show each of
# the three reports (what scripts/test.sh runs: a debug VM costs minutes);
# before them it leaks once more, and guest-lib's kmemleak_check must
# forgive that leak without the run taking its scan for a report.
#
# Prints one "PASS name" / "FAIL name: reason" / "SKIP name: reason" line
# per case and exits non-zero if any case failed.  Each failing case checks
# that run-vm.sh failed for the right reason (its output), not just that it
# failed.  The timeout and boot-hang cases run in the background while the
# others run, which also shows that harness runs at once do not collide.
# Run outputs: BUILD/vm/selftest/<case>/ (run.log is run-vm.sh's output).
set -euo pipefail
vmdir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$vmdir/../.." && pwd)
st=$vmdir/selftest

kver=
build=${SOFTODP_BUILD:-${BUILD:-$src/build}}
cases=clean-run,script-exit-status,kernel-warning,two-vms,timeout,boot-hang
serial=0
while [ $# -gt 0 ]; do
	case $1 in
	--serial) serial=1; shift ;;
	--kver) kver=${2:?}; shift 2 ;;
	--build) build=${2:?}; shift 2 ;;
	--cases) cases=${2:?}; shift 2 ;;
	*)
		echo "usage: $0 [--kver KVER] [--build DIR] [--cases A,B,...] [--serial]" >&2
		exit 2
		;;
	esac
done
if [ -z "$kver" ]; then
	kver=$(for k in /lib/modules/*-amd64; do
		[ ! -e "$k/modules.dep" ] || echo "${k##*/}"
	done | sort -V | tail -n 1)
fi
[ -n "$kver" ] || {
	echo "FAIL setup: no *-amd64 kernel installed"
	exit 1
}
mkdir -p "$build"
build=$(readlink -f "$build")
out=$build/vm/selftest
mkdir -p "$out"

t_start=$(date +%s)
want() { [[ ,$cases, == *,$1,* ]]; }
nfail=0
pass() { echo "PASS $1"; }
fail() {
	echo "FAIL $1: $2"
	nfail=$((nfail + 1))
}
skip() { echo "SKIP $1: $2"; }
# show LOG: run-vm.sh's output, indented (never starts a line with PASS/FAIL)
show() { sed 's/^/    | /' "$1"; }

# run CASE [run-vm.sh args...]: run-vm.sh with its output in CASE/run.log;
# sets rc.
run() {
	local c=$1
	shift
	mkdir -p "$out/$c"
	rc=0
	"$vmdir/run-vm.sh" --kver "$kver" --build "$build" --outdir "$out/$c" \
		--name "selftest-$c" "$@" >"$out/$c/run.log.tmp" 2>&1 || rc=$?
	mv "$out/$c/run.log.tmp" "$out/$c/run.log"
}
has() { grep -qE -- "$2" "$out/$1/run.log"; }
# expect_failure CASE WHY-REGEX WHAT [OTHER-REGEX]: judge a run (status in
# rc) that must fail.  Returns 0 if run-vm.sh exited non-zero, printed
# WHY-REGEX and not OTHER-REGEX (other failures); else records the case's
# FAIL (WHAT says what the failure should have been), shows the run's
# output and returns 1.
expect_failure() {
	local c=$1
	if [ "$rc" -eq 0 ]; then
		fail "$c" "run-vm.sh exited 0"
	elif ! has "$c" "$2"; then
		fail "$c" "run-vm.sh failed, but not $3"
	elif [ -n "${4:-}" ] && has "$c" "$4"; then
		fail "$c" "run-vm.sh reported other failures too"
	else
		return 0
	fi
	show "$out/$c/run.log"
	return 1
}
boot_time() { sed -nE 's/.*vm0: [A-Z]+ +boot-to-script ([0-9.]+) s.*/\1/p' "$out/$1/run.log" | head -n 1; }

# (d) in the background: a script that hangs must fail by timeout.
hang_pid=
if want timeout; then
	(run timeout --script "$st/hang.sh" --timeout 30 && echo "$rc" >"$out/timeout.rc") &
	hang_pid=$!
fi
# (f) in the background: a boot that never reaches the guest script is
# retried once, then fails (the initramfs acts out the hang).
boot_pid=
if want boot-hang; then
	(run boot-hang --script "$st/clean.sh" --append sod.boothang=1 --boot-timeout 12 \
		--timeout 120 && echo "$rc" >"$out/boot-hang.rc") &
	boot_pid=$!
fi
# The debug kernel boots in about a minute and runs programs 5-10x slower.
slow_timeout=300
case $kver in *-softodp-dbg) slow_timeout=900 ;; esac
planted_pids=()
stop_bg() {
	local p
	for p in $hang_pid $boot_pid "${planted_pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap stop_bg EXIT

# The test-only module that commits deliberate bugs (sod_warn.ko).
kdir=/lib/modules/$kver/build
kmod=$build/vm/selftest-kmod/$kver
kmod_ok=
build_kmod() {
	[ -z "$kmod_ok" ] || return "$kmod_ok"
	kmod_ok=0
	make -s -f "$st/Makefile" KVER="$kver" KDIR="$kdir" O_DIR="$kmod" \
		>"$out/kmod-build.log" 2>&1 && [ -f "$kmod/sod_warn.ko" ] || kmod_ok=1
	return "$kmod_ok"
}

# (f) planted bugs, for a debug kernel: each must fail the run with the
# detector's own report, and for no other reason.  Debug VMs are slow (a
# minute to boot), so these run two at a time: planted-uaf beside the
# first cases, then planted-sleep beside planted-leak.
# planted_start CASE SCRIPT: start the run in the background.
planted_start() {
	local c=$1
	want "$c" || return 0
	rm -f "$out/$c.rc"
	if [ ! -d "$kdir" ]; then
		echo "skip: no kernel headers for $kver ($kdir)" >"$out/$c.rc"
		return 0
	elif ! build_kmod; then
		echo "fail: building sod_warn.ko failed (see $out/kmod-build.log)" >"$out/$c.rc"
		return 0
	fi
	if [ $serial = 1 ]; then
		run "$c" --script "$st/$2" --timeout "$slow_timeout"
		echo "$rc" >"$out/$c.rc"
		return 0
	fi
	(run "$c" --script "$st/$2" --timeout "$slow_timeout" && echo "$rc" >"$out/$c.rc") &
	planted_pids+=($!)
}
# planted_check CASE REPORT-REGEX...: judge a run started by planted_start
# (after it ended): every REPORT-REGEX must be in its output.
planted_check() {
	local c=$1 r re
	want "$c" || return 0
	r=$(cat "$out/$c.rc" 2>/dev/null || echo "fail: no result")
	rm -f "$out/$c.rc"
	case $r in
	skip:*) skip "$c" "${r#skip: }"; return 0 ;;
	fail:*) fail "$c" "${r#fail: }"; return 0 ;;
	esac
	rc=$r
	expect_failure "$c" 'vm0: FAIL.*kernel report' "for a kernel report" \
		'vm0: FAIL .*(guest script exited|timeout after|no exit status)' || return 0
	shift
	for re in "$@"; do
		if ! has "$c" "$re"; then
			fail "$c" "run-vm.sh did not print the expected report ($re)"
			show "$out/$c/run.log"
			return 0
		fi
	done
	pass "$c"
}
planted_wait() {
	local p
	for p in "${planted_pids[@]}"; do wait "$p" || true; done
	planted_pids=()
}
planted_start planted-uaf bug-uaf.sh
planted_start planted-all bug-all.sh

# (a) a clean run.
c="clean-run"
if want $c; then
run $c --script "$st/clean.sh" --timeout "$slow_timeout"
r=$out/$c/vm0/results
if [ $rc -ne 0 ]; then
	fail $c "run-vm.sh exited $rc"
	show "$out/$c/run.log"
elif ! has $c 'run-vm: PASS'; then
	fail $c "no PASS line from run-vm.sh"
elif [ ! -s "$r" ] || grep -q '^FAIL' "$r"; then
	fail $c "guest checks failed: $(grep '^FAIL' "$r" 2>/dev/null | head -n 3 | tr '\n' ' ')"
elif ! grep -qx 'PASS environment' "$r"; then
	fail $c "guest did not see the SOFTODP_* variables"
elif ! grep -qE '^PASS (writable /etc|make_writable /etc/libibverbs.d)$' "$r"; then
	fail $c "guest root not writable"
elif ! grep -q 'WARNING: userspace text' "$out/$c/console-vm0.log"; then
	fail $c "the userspace WARNING: line is missing from the console"
else
	pass $c
	echo "  $c: boot-to-script $(boot_time $c) s, $(grep -o 'sod-init: vm0: root [a-z]*' "$out/$c/console-vm0.log" | head -n 1 | cut -d' ' -f3-)"
fi
fi

# (b) a guest script that exits 3.
c="script-exit-status"
if want $c; then
run $c --script "$st/exit3.sh"
expect_failure $c 'vm0: FAIL.*guest script exited 3' "for the exit status" \
	'kernel report in|timeout after|no exit status' && pass $c
fi

# (c) a kernel warning from a test-only module.
c="kernel-warning"
if ! want $c; then
	:
elif [ ! -d "$kdir" ]; then
	skip $c "no kernel headers for $kver ($kdir)"
elif ! build_kmod; then
	fail $c "building sod_warn.ko failed (see $out/kmod-build.log)"
	tail -n 20 "$out/kmod-build.log" | sed 's/^/    | /'
else
	run $c --script "$st/warn.sh"
	# (the guest script exits 0: only the report may fail the run)
	if ! expect_failure $c 'vm0: FAIL.*kernel report' "for a kernel report" \
		'guest script exited|timeout after|no exit status'; then
		:
	elif ! has $c 'WARNING:.*sod_warn'; then
		fail $c "run-vm.sh did not print the WARNING line"
		show "$out/$c/run.log"
	else
		pass $c
	fi
fi

# (f) planted bugs (started with the first cases; see planted_start).
planted_wait
planted_check planted-uaf 'KASAN: .*use-after-free'
planted_start planted-sleep bug-sleep.sh
planted_start planted-leak bug-leak.sh
planted_wait
planted_check planted-sleep 'sleeping function called from invalid context'
planted_check planted-leak 'unreferenced object 0x'
# (planted-all forgives a leak first: its scan's kernel line must not be
# taken for a report; run-vm.sh marks the reports of its context with >>)
if want planted-all && has planted-all '>> .*kmemleak: [0-9]+ new suspected'; then
	fail planted-all "the scan of a forgiven leak was taken for a kernel report"
	show "$out/planted-all/run.log"
	rm -f "$out/planted-all.rc"
else
	planted_check planted-all 'KASAN: .*use-after-free' \
		'sleeping function called from invalid context' 'unreferenced object 0x'
fi

# (e) two VMs: ping over the link, exchange files through the shared dir.
c="two-vms"
if want $c; then
run $c --vms 2 --script "$st/two.sh"
o=$out/$c
if [ $rc -ne 0 ]; then
	fail $c "run-vm.sh exited $rc"
	show "$o/run.log"
elif grep -q '^FAIL' "$o/vm0/results" "$o/vm1/results" ||
	[ "$(cat "$o/vm0/results" "$o/vm1/results" | grep -c '^PASS')" -ne 10 ]; then
	fail $c "guest checks: $(cat "$o"/vm?/results | grep -v '^PASS' | head -n 3 | tr '\n' ' ')"
elif ! cmp -s "$o/vm0/my-token" "$o/vm1/peer-token" ||
	! cmp -s "$o/vm1/my-token" "$o/vm0/peer-token"; then
	fail $c "the files exchanged through the shared directory do not match"
else
	pass $c
	echo "  $c: boot-to-script $(sed -nE 's/.*(vm[01]): PASS +boot-to-script ([0-9.]+) s.*/\1 \2 s/p' "$o/run.log" | tr '\n' ' ')"
fi
fi

# (d) collect the background run.
c="timeout"
if want $c; then
wait "$hang_pid" || true
hang_pid=
rc=$(cat "$out/timeout.rc" 2>/dev/null || echo 0)
rm -f "$out/timeout.rc"
if [ ! -f "$out/$c/run.log" ]; then
	fail $c "no output from run-vm.sh"
elif ! expect_failure $c 'vm0: FAIL.*timeout after 30 s' "by timeout"; then
	:
elif pgrep -f "$out/$c/console-vm0.log" >/dev/null; then
	fail $c "QEMU still running after run-vm.sh returned"
else
	pass $c
fi
fi

# (f) collect the background run.
c="boot-hang"
if want $c; then
wait "$boot_pid" || true
boot_pid=
rc=$(cat "$out/boot-hang.rc" 2>/dev/null || echo 0)
rm -f "$out/boot-hang.rc"
if [ ! -f "$out/$c/run.log" ]; then
	fail $c "no output from run-vm.sh"
elif ! expect_failure $c 'vm0: FAIL.*did not start the guest script' "by a boot hang" \
	'timeout after 120 s'; then
	:
elif ! has $c '^run-vm: RETRY selftest-boot-hang' ||
	[ ! -s "$out/$c/console-vm0.try1.log" ]; then
	fail $c "run-vm.sh failed by a boot hang, but did not retry it"
	show "$out/$c/run.log"
elif pgrep -f "$out/$c/console-vm0.log" >/dev/null; then
	fail $c "QEMU still running after run-vm.sh returned"
else
	pass $c
fi
fi

echo "selftest: $nfail failed; $(($(date +%s) - t_start)) s in all (kernel $kver)"
[ $nfail -eq 0 ]
