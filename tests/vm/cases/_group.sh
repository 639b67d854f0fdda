# shellcheck shell=bash
# Guest-side helper: run other cases one after the other in this VM (the
# debug tier's groups, see debug-basics.sh).  Not a test case itself
# (leading underscore).  Source after tests/vm/guest-lib.sh.
#
#   run_group GROUP CASE...   run cases/CASE.sh for each CASE, each as its
#                             own script in its own session, its results
#                             named "CASE: name" (T_PREFIX); between them
#                             leftover processes are killed and every
#                             softodp device and module is removed, so that
#                             one case's failure does not spill into the
#                             next.  "GROUP: CASE" goes to the kernel log
#                             first (a kernel report names the case that
#                             ran).  Returns 1 if a case exited non-zero.

_group_nfail() {
	local n
	n=$(grep -c '^FAIL ' "$SOFTODP_OUT/results" 2>/dev/null)
	echo "${n:-0}"
}

run_group() {
	local group=$1 here c pid crc before d m rc=0
	shift
	here=$SOFTODP_SRC/tests/vm/cases
	for c in "$@"; do
		echo "$group: $c" >/dev/kmsg
		echo "=== $group: $c"
		before=$(_group_nfail)
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
			[ ! -d "/sys/module/$m" ] || rmmod "$m" ||
				t_fail "$c: cleanup" "rmmod $m failed"
		done
		if [ $crc -ne 0 ]; then
			rc=1
			# A script that stopped without saying why still fails here.
			[ "$(_group_nfail)" -gt "$before" ] || t_fail "$c: script" "exit $crc"
		fi
	done
	return $rc
}
