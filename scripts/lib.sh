# Shared helpers for the project's scripts (sourced, not run).
sod_die() { echo "error: $*" >&2; exit 1; }

# The kernel the VMs boot by default: the installed Debian *-amd64 kernel
# with headers (never hard-coded: the version moves with security updates).
sod_default_kver() {
	local k best=
	for k in /lib/modules/*-amd64; do
		[ -e "$k/build" ] || [ -e "$k/modules.dep" ] || continue
		best=${k##*/}
	done
	[ -n "$best" ] || sod_die "no Debian *-amd64 kernel installed (run scripts/install-deps.sh)"
	echo "$best"
}
