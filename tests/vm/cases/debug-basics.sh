#!/usr/bin/env bash
# The debug tier's light cases and the module life cycle, one after the
# other in ONE debug VM (run_group, _group.sh): each debug boot costs
# 60-95 s and the kmemleak scans around the script ~70 s, more than most
# of these cases' own work.  Each runs as its own script, as it would
# alone, with its results named "CASE: name".  The stock tier runs each of
# them as a case of its own.  The kernel log scan and the kmemleak check
# cover the whole VM: a report fails this case, and the kernel log says
# which case was running ("debug-basics: CASE").  Its script took 1357 s
# and 1791 s in two CI rehearsals while the guest helpers still started a
# process per check; since then the whole run took 1240 s with three or
# four debug VMs sharing two CPUs and 560 s with a slot of its own
# (tests/vm/README.md): the timeout leaves room for a slow host.
# vms: 1
# cost-debug: 560
# tiers: debug
# timeout: 300
# timeout-debug: 2000
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
. "$(dirname "$0")/_group.sh"

run_group debug-basics devinfo port-state pd kunit module-lifecycle
