#!/usr/bin/env bash
# Verbs semantics on one softodp device (loopback), beyond the data-path
# matrix: CQ resize with CQEs pending, completion channel and
# solicited-only arming, CQ overrun (CQ_ERR), extended CQ polling; QP
# query/modify attributes, invalid transitions, creation limits,
# sq_sig_all, max_inline_data, posting in RESET/INIT/RTR, SQD and
# SQ_DRAINED, COMM_EST, LAST_WQE_REACHED; SRQ limit event; AH from a work
# completion; MR rereg (translation, access), dereg under a posted
# receive, invalid access flags.  One sod_verbs run; each of its sub-tests
# becomes one result here.  Module unload afterwards proves nothing leaked
# a reference.
# vms: 1
# tiers: stock
# tier-note: the debug tier runs it inside debug-datapath.sh (one debug VM for several cases)
# cost: 21
# cost-debug: 245
# timeout: 300
# timeout-debug: 1500
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
. "$(dirname "$0")/_softodp.sh"

P=$SOD_PROGS/sod_verbs
LOG=$SOFTODP_OUT/sod_verbs.log
t_check "insmod softodp" sod_load || exit 1
t_check "link add" rdma link add softodp0 type softodp netdev eth0 || exit 1

# The debug kernel runs everything 5-10x slower: wait longer there.
args=(--dev softodp0)
case $KVER in
*-softodp-dbg) args+=(--timeout-ms 120000 --quiet-ms 2000) ;;
esac

"$P" "${args[@]}" >"$LOG" 2>&1
rc=$?
# The log, and each sub-test's first result line ("sod_verbs: PASS name:
# ..." / "FAIL name: ..."), read by the shell itself (a grep per sub-test
# costs most of a second on the debug kernel).
declare -A first=()
while IFS= read -r l; do
	echo "$l"
	case $l in
	"sod_verbs: PASS "*": "* | "sod_verbs: FAIL "*": "*)
		n=${l#sod_verbs: * }
		n=${n%%: *}
		[ -n "${first[$n]:-}" ] || first[$n]=$l
		;;
	esac
done <"$LOG"

# One result per sub-test.
status=0
for name in $("$P" --list); do
	line=${first[$name]:-}
	case $line in
	"sod_verbs: PASS $name: "*) t_pass "verbs: $name" ;;
	"sod_verbs: FAIL $name: "*)
		t_fail "verbs: $name" "${line#"sod_verbs: FAIL $name: "}"
		status=1
		;;
	*)
		t_fail "verbs: $name" "no result (sod_verbs exited $rc)"
		status=1
		;;
	esac
done
if [ "$rc" -ne 0 ]; then
	t_fail "sod_verbs exit status" "expected 0 got $rc"
	status=1
fi

t_check "link delete" rdma link delete softodp0 || status=1
t_check "rmmod" rmmod softodp || status=1
exit "$status"
