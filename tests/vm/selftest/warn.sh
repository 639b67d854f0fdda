#!/usr/bin/env bash
# Self-test guest script: loads sod_warn.ko (WARN_ON(1) at load) and exits
# 0; run-vm.sh must fail the run because of the kernel warning.
set -eu
# shellcheck source=SCRIPTDIR/../guest-lib.sh
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
load_module "$SOFTODP_BUILD/vm/selftest-kmod/$KVER/sod_warn.ko"
rmmod sod_warn
