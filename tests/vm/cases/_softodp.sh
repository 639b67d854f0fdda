# Guest-side helpers shared by the softodp VM cases (sourced after
# tests/vm/guest-lib.sh).  Not a test case itself (leading underscore).

SOD_KO=$(kmod_build_dir)/softodp.ko
SOD_PROGS=$SOFTODP_BUILD/tests/progs
# Use the provider from the build tree unless a case installs it.
export RDMAV_DRIVERS=$SOFTODP_BUILD/lib/libsoftodp

sod_load() { load_module "$SOD_KO"; }

# True if a UDP socket is bound to port 4791 (0x12B7) in this namespace.
# (Read by the shell itself: no process, see guest-lib.sh.)
sod_port_bound() {
	local f a
	for f in /proc/net/udp /proc/net/udp6; do
		[ -r "$f" ] || continue
		while read -r _ a _; do
			[[ $a != *:12B7 ]] || return 0
		done <"$f"
	done
	return 1
}

sod_dev_exists() { [ -e "/sys/class/infiniband/$1" ]; }

# Count of softodp devices (any name), matched by their hca_type.
sod_dev_count() {
	local n=0 f t
	for f in /sys/class/infiniband/*/hca_type; do
		[ -f "$f" ] && read -r t <"$f" && [ "$t" = softodp ] && n=$((n + 1))
	done
	echo "$n"
}

# True if the kernel can make veth pairs (the debug kernel cannot).
sod_have_veth() {
	modprobe -q veth 2>/dev/null
	ip link add sodprobe0 type veth peer name sodprobe1 2>/dev/null || return 1
	ip link del sodprobe0
}
