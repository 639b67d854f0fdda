#!/usr/bin/env bash
# shellcheck disable=SC2016 # (eval of single-quoted conditions)
# Self-test guest script: a clean run.  Checks the environment the harness
# promises, a writable root (overlay), programs from the host's root, and
# that a userspace "WARNING:" line on the console does not fail the run.
set -u
# shellcheck source=SCRIPTDIR/../guest-lib.sh
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"

env_ok() {
	local v
	for v in SOFTODP_SRC SOFTODP_BUILD SOFTODP_VM_INDEX SOFTODP_NVMS \
		SOFTODP_SHARED SOFTODP_OUT KVER SOFTODP_MY_IP4; do
		[ -n "${!v:-}" ] || { echo "$v is not set"; return 1; }
		echo "$v=${!v}"
	done
	[ "$SOFTODP_VM_INDEX" = 0 ] && [ "$SOFTODP_NVMS" = 1 ] &&
		[ "$KVER" = "$(uname -r)" ] && [ "$SOFTODP_MY_IP4" = 192.0.2.1 ] &&
		[ -f "$SOFTODP_SRC/tests/vm/guest-lib.sh" ] &&
		[ "$(kmod_build_dir)" = "$SOFTODP_BUILD/kmod/$KVER" ]
}
t_check "environment" env_ok
t_check "hostname vm0" test "$(hostname)" = vm0
t_check "eth0 has 192.0.2.1 and 2001:db8::1" eval \
	'ip addr show eth0 | grep -q "inet 192.0.2.1/24" && ip addr show eth0 | grep -q "inet6 2001:db8::1/64"'
t_check "SOFTODP_OUT writable" eval 'echo x >"$SOFTODP_OUT/probe" && [ "$(cat "$SOFTODP_OUT/probe")" = x ]'
t_check "debugfs mounted" mountpoint -q /sys/kernel/debug
t_check "tmpfs on /tmp" eval '[ "$(stat -f -c %T /tmp)" = tmpfs ]'
t_check "wait_for succeeds" wait_for 2 test -d /proc/self
t_check "wait_for times out" eval '! wait_for 0.3 false'
t_check "barrier is a no-op with one VM" barrier lonely 1

if [ "$SOFTODP_ROOT_MODE" = overlay ]; then
	t_check "writable /etc" eval 'echo sod >/etc/sod-selftest && [ "$(cat /etc/sod-selftest)" = sod ]'
	t_check "writable /usr/lib" eval 'cp /bin/true /usr/lib/sod-true && /usr/lib/sod-true'
else
	t_skip "writable /etc" "root is read-only ($KVER has no overlayfs)"
	# (copying all of /etc takes about a minute on the debug kernel)
	t_check "make_writable /etc/libibverbs.d" eval 'make_writable /etc/libibverbs.d &&
		echo sod >/etc/libibverbs.d/sod-selftest && [ "$(cat /etc/libibverbs.d/sod-selftest)" = sod ]'
fi
t_check "run a program from the host root" /usr/bin/env true

echo "WARNING: userspace text like this must not fail the run"
echo "BUG: neither must this"
