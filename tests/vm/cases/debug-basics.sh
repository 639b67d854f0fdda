#!/usr/bin/env bash
# The debug tier's light cases, one after the other in ONE debug VM: each
# debug boot costs 60-95 s and the kmemleak scans at its end ~45 s, more
# than these cases' own work.  Each sub-case runs as its own script, as it
# would alone, with its results named "CASE: name"; between them leftover
# processes are killed and the module is unloaded, so that one sub-case's
# failure does not spill into the next.  The stock tier runs each of them
# as a case of its own.  The kernel log scan and the final kmemleak check
# cover the whole VM: a report fails this case, and the console log says
# which sub-case was running ("debug-basics: CASE" lines in the kernel
# log).
# vms: 1
# cost-debug: 700
# tiers: debug
# timeout: 300
# timeout-debug: 1500
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"

here=$(dirname "$0")
nfail() { local n; n=$(grep -c '^FAIL ' "$SOFTODP_OUT/results" 2>/dev/null); echo "${n:-0}"; }
rc=0
for c in devinfo port-state pd kunit; do
	echo "debug-basics: $c" >/dev/kmsg
	echo "=== debug-basics: $c"
	before=$(nfail)
	T_PREFIX="$c: " setsid bash "$here/$c.sh" </dev/null &
	pid=$!
	crc=0
	wait "$pid" || crc=$?
	kill -KILL -- "-$pid" 2>/dev/null || true
	# Leave no device and no module behind (what a passing case does).
	for d in /sys/class/infiniband/*; do
		[ -e "$d/hca_type" ] && [ "$(cat "$d/hca_type")" = softodp ] &&
			rdma link delete "$(basename "$d")" 2>/dev/null
	done
	for m in softodp_kunit softodp; do
		[ ! -d "/sys/module/$m" ] || rmmod "$m" || t_fail "$c: cleanup" "rmmod $m failed"
	done
	if [ $crc -ne 0 ]; then
		rc=1
		# A script that stopped without saying why still fails here.
		[ "$(nfail)" -gt "$before" ] ||
			t_fail "$c: script" "exit $crc"
	fi
done
exit $rc
