#!/usr/bin/env bash
# Self-test guest script (debug kernel): loads sod_warn.ko three times, with
# bug=sleep, bug=leak and bug=uaf (the use-after-free last: after its
# report KASAN stays quiet), and exits 0; run-vm.sh must fail the run
# because of the kernel's reports, and print each of the three.
set -eu
# shellcheck source=SCRIPTDIR/../guest-lib.sh
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
for bug in sleep leak uaf; do
	load_module "$SOFTODP_BUILD/vm/selftest-kmod/$KVER/sod_warn.ko" bug=$bug
	rmmod sod_warn
done
