#!/usr/bin/env bash
# Self-test guest script (debug kernel): loads sod_warn.ko with bug=leak and
# exits 0; run-vm.sh must fail the run because of the kernel's report.
set -eu
# shellcheck source=SCRIPTDIR/../guest-lib.sh
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
load_module "$SOFTODP_BUILD/vm/selftest-kmod/$KVER/sod_warn.ko" bug=leak
rmmod sod_warn
