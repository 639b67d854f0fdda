# shellcheck shell=bash
# Helpers for guest scripts run by tests/vm/run-vm.sh.  Source it:
#   . "$SOFTODP_SRC/tests/vm/guest-lib.sh"
# It does not change shell options (set -e/-u) of the script that sources it.
#
# Results go to $SOFTODP_OUT/results, one per line:
#   PASS name | FAIL name: reason | SKIP name: reason
# (a name may contain spaces, not newlines; ": " separates the reason).
# T_PREFIX, if set, is put before every name (a case run inside another,
# e.g. by debug-basics.sh, says whose results they are).
# t_check also notes how long each check took in $SOFTODP_OUT/times
# ("SECONDS name" per line), to see where a slow case spends its time.

: "${SOFTODP_OUT:?guest-lib.sh: SOFTODP_OUT is not set (not inside a run-vm.sh guest?)}"
_T_RESULTS=$SOFTODP_OUT/results

# The helpers below start no process and fork no subshell where they can
# help it: on the debug kernel (KASAN, lockdep) under emulation every fork
# costs a good part of a second, and a case makes hundreds of checks.

_t_line() { # _t_line VAR TEXT...: VAR = TEXT on one line (newlines, tabs -> spaces)
	local s=${*:2}
	s=${s//$'\n'/ }
	printf -v "$1" '%s' "${s//$'\t'/ }"
}
_t_record() { # _t_record STATUS NAME [REASON]
	local line part
	_t_line part "${T_PREFIX:-}$2"
	line="$1 $part"
	if [ $# -ge 3 ]; then
		_t_line part "$3"
		line+=": $part"
	fi
	echo "$line" >>"$_T_RESULTS"
	echo "$line"
}

# t_pass NAME
t_pass() { _t_record PASS "$1"; }
# t_fail NAME MSG (returns 0: a recorded failure does not stop the script)
t_fail() { _t_record FAIL "$1" "${2:-failed}"; }
# t_skip NAME MSG
t_skip() { _t_record SKIP "$1" "${2:-skipped}"; }

# t_check NAME CMD [ARGS...]: run CMD in this shell (functions and `eval`
# work), PASS if it exits 0, else FAIL with its output (last 40 lines)
# shown.  Returns CMD's status, so under `set -e` a failing check stops the
# script (append `|| true` to go on).
# The output goes to a file named after the shell and the nesting depth (a
# check's command may run t_check itself), reused by the next check at that
# depth: no mktemp, no rm.
_T_DEPTH=0
t_check() {
	local name=$1 out rc=0 last t0 t1 tn
	shift
	_T_DEPTH=$((_T_DEPTH + 1))
	out=/tmp/t_check.$BASHPID.$_T_DEPTH
	t0=${EPOCHREALTIME//[!0-9]/}
	"$@" >"$out" 2>&1 </dev/null || rc=$?
	t1=${EPOCHREALTIME//[!0-9]/}
	_T_DEPTH=$((_T_DEPTH - 1))
	_t_line tn "${T_PREFIX:-}$name"
	printf '%d.%01d %s\n' $(((t1 - t0) / 1000000)) $(((t1 - t0) / 100000 % 10)) \
		"$tn" >>"$SOFTODP_OUT/times"
	if [ $rc -eq 0 ]; then
		t_pass "$name"
	else
		echo "--- t_check '$name' failed (exit $rc): $*"
		tail -n 40 "$out" | sed 's/^/  | /'
		echo "---"
		last=$(grep -v '^[[:space:]]*$' "$out" | tail -n 1 | cut -c1-160)
		t_fail "$name" "exit $rc${last:+ ($last)}"
	fi
	return $rc
}

_t_us() { # _t_us VAR SECONDS (may have a fraction): VAR = microseconds
	local s=$2 i f=
	i=${s%%.*}
	[[ $s != *.* ]] || f=${s#*.}
	f=${f}000000
	printf -v "$1" '%d' $((10#${i:-0} * 1000000 + 10#${f:0:6}))
}
_t_now_us() { echo "${EPOCHREALTIME//[!0-9]/}"; }

# _t_sleep SECONDS: sleep without starting sleep(1): read with a timeout
# from a pipe that this shell itself holds open for writing (nothing ever
# arrives).  Falls back to sleep(1) if the pipe cannot be made.
_t_sleep() {
	if [ -z "${_T_SLEEP_FD:-}" ]; then
		exec {_T_SLEEP_FD}<> <(:) || _T_SLEEP_FD=none
	fi
	if [ "$_T_SLEEP_FD" = none ]; then
		sleep "$1"
	else
		read -r -t "$1" -u "$_T_SLEEP_FD" _ || true
	fi
}

# wait_for TIMEOUT CMD [ARGS...]: poll CMD until it succeeds, at most
# TIMEOUT seconds (fractions allowed).  Returns 0 when CMD succeeded, 1 on
# timeout.  The only accepted way of waiting for something in a guest.
wait_for() {
	local to=$1 deadline delay=0.02
	shift
	[ $# -gt 0 ] || { echo "usage: wait_for TIMEOUT CMD..." >&2; return 2; }
	_t_us deadline "$to"
	deadline=$((${EPOCHREALTIME//[!0-9]/} + deadline))
	while :; do
		"$@" && return 0
		if [ "${EPOCHREALTIME//[!0-9]/}" -ge "$deadline" ]; then
			echo "wait_for: timed out after $to s: $*" >&2
			return 1
		fi
		_t_sleep "$delay"
		case $delay in 0.02) delay=0.05 ;; 0.05) delay=0.1 ;; 0.1) delay=0.2 ;; esac
	done
}

# barrier NAME [TIMEOUT]: wait until every VM of the run has reached the
# barrier NAME (default timeout 120 s).  No-op with one VM.  A name may be
# used several times: the n-th call waits for the peers' n-th call.  Works
# through files in the shared 9p directory (mounted cache=none, so a file
# one VM creates is visible to the other at once).
declare -gA _T_BARRIER_GEN=()
barrier() {
	local name=${1//\//_} to=${2:-120} gen j dir=$SOFTODP_SHARED/.barriers
	[ "${SOFTODP_NVMS:-1}" -gt 1 ] || return 0
	gen=$((${_T_BARRIER_GEN[$name]:-0} + 1))
	_T_BARRIER_GEN[$name]=$gen
	mkdir -p "$dir"
	: >"$dir/$name.$gen.vm$SOFTODP_VM_INDEX"
	for ((j = 0; j < SOFTODP_NVMS; j++)); do
		[ "$j" -ne "$SOFTODP_VM_INDEX" ] || continue
		wait_for "$to" test -e "$dir/$name.$gen.vm$j" 2>/dev/null || {
			echo "barrier $name (#$gen): vm$j did not arrive within $to s" >&2
			return 1
		}
	done
}

# kmod_build_dir: where softodp.ko for the running kernel is built.
kmod_build_dir() { echo "$SOFTODP_BUILD/kmod/$KVER"; }

# load_module KO [PARAMS...]: load every module KO depends on (a .ko of the
# same name next to KO first, else the installed module with modprobe),
# then insmod KO.  No depmod needed (the guest root may be read-only).
load_module() {
	local ko=$1 d deps dir
	shift
	[ -f "$ko" ] || { echo "load_module: no such file: $ko" >&2; return 1; }
	dir=${ko%/*}
	[[ $ko == */* ]] || dir=.
	deps=$(modinfo -F depends "$ko") || return 1
	for d in ${deps//,/ }; do
		[ ! -d "/sys/module/$d" ] || continue
		if [ -f "$dir/$d.ko" ]; then
			load_module "$dir/$d.ko" || return 1
		else
			modprobe "$d" || { echo "load_module: modprobe $d failed" >&2; return 1; }
		fi
	done
	insmod "$ko" "$@"
}

# make_writable DIR: make an existing directory writable.  No-op when it
# already is (overlay root); else (read-only root, e.g. a kernel without
# overlayfs) mount a tmpfs holding a copy of it over it.
make_writable() {
	local d=$1 t
	[ -d "$d" ] || { echo "make_writable: no directory $d" >&2; return 1; }
	if (: >"$d/.sod_w.$$") 2>/dev/null; then
		rm -f "$d/.sod_w.$$"
		return 0
	fi
	t=$(mktemp -d /run/sod_w.XXXXXX) &&
		mount -t tmpfs -o mode=0755 sod_w "$t" &&
		cp -a "$d/." "$t/" &&
		mount --move "$t" "$d" &&
		rmdir "$t"
}

# kmemleak_clear: forget the leaks kmemleak suspects so far (boot noise).
# kmemleak_check [FORGIVE]: let kmemleak's minimum age (5 s) pass, scan
# twice (an object is reported once unchanged over two scans); if leaks
# are found, copy the report to the kernel log (which fails the run) and
# return 1.  FORGIVE, an extended regex: leaked objects whose report
# (header and backtrace) matches it are a known bug outside softodp:
# counted on stdout and forgotten, as long as no other leak is reported.
# Turns kmemleak's periodic scan off, so that nothing is reported between
# the reading and the forgetting.  Both return 0 and do nothing on a
# kernel without kmemleak (the stock kernel).
_T_KMEMLEAK=/sys/kernel/debug/kmemleak
kmemleak_clear() {
	[ -e $_T_KMEMLEAK ] || return 0
	echo clear >$_T_KMEMLEAK
}
kmemleak_check() {
	local rep objs other
	[ -e $_T_KMEMLEAK ] || return 0
	echo scan=off >$_T_KMEMLEAK
	sleep 6
	echo scan >$_T_KMEMLEAK
	echo scan >$_T_KMEMLEAK
	rep=$(cat $_T_KMEMLEAK)
	[ -n "$rep" ] || return 0
	if [ -n "${1:-}" ]; then
		# One line per leaked object, its backtrace joined onto it.
		objs=$(awk '/^unreferenced object/ { if (o != "") print o; o = "" }
			{ o = o " " $0 } END { if (o != "") print o }' <<<"$rep")
		other=$(grep -Ev -- "$1" <<<"$objs")
		if [ -z "$other" ]; then
			echo "kmemleak_check: $(grep -Ec -- "$1" <<<"$objs") known leak(s) forgiven ($1)"
			echo clear >$_T_KMEMLEAK
			return 0
		fi
	fi
	echo "$rep"
	head -n 200 <<<"$rep" | while IFS= read -r l; do
		echo "<3>kmemleak_check: $l" >/dev/kmsg
	done
	return 1
}
