#!/usr/bin/env bash
# Self-test guest script (debug kernel): first a leak that guest-lib's
# kmemleak_check must forgive (its FORGIVE regex names the leaking
# function), and whose scan must leave nothing that fails the run; then
# loads sod_warn.ko three times, with bug=sleep, bug=leak and bug=uaf (the
# use-after-free last: after its report KASAN stays quiet), and exits 0;
# run-vm.sh must fail the run because of the kernel's reports, and print
# each of the three.
set -eu
# shellcheck source=SCRIPTDIR/../guest-lib.sh
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
ko=$SOFTODP_BUILD/vm/selftest-kmod/$KVER/sod_warn.ko

load_module "$ko" bug=leak
# (with the module still loaded, so that the report's backtrace names the
# function; kmemleak_check returns 1 when it does not forgive: set -e ends
# the script, and the exit status fails the self-test case)
said=$(kmemleak_check sod_planted_leak)
echo "$said"
grep -q 'known leak(s) forgiven' <<<"$said"
rmmod sod_warn

for bug in sleep leak uaf; do
	load_module "$ko" bug=$bug
	rmmod sod_warn
done
