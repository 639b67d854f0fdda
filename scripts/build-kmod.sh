#!/usr/bin/env bash
# Build softodp.ko for one kernel, out of the source tree.
#   scripts/build-kmod.sh [KVER]     (default: the running kernel, else the
#                                     installed Debian *-amd64 kernel)
# Env: KDIR  kernel build dir (default /lib/modules/KVER/build)
#      BUILD build root (default <repo>/build); output BUILD/kmod/KVER/softodp.ko
#      W     kbuild warning level (default 1)
# Sources are symlinked into the output directory so that objects never land
# in the tree and two kernels can be built side by side.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/scripts/lib.sh"
KVER=${1:-$(sod_default_kver)}
KDIR=${KDIR:-/lib/modules/$KVER/build}
BUILD=${BUILD:-$src/build}
out=$BUILD/kmod/$KVER
[ -d "$KDIR" ] || sod_die "no kernel build directory $KDIR (install linux-headers for $KVER)"
mkdir -p "$out"
find "$out" -type l -delete
(cd "$src" && find Kbuild kernel include -type f \( -name '*.[ch]' -o -name Kbuild \)) |
while read -r f; do
	mkdir -p "$out/$(dirname "$f")"
	ln -s "$src/$f" "$out/$f"
done
log=$out/build.log
if ! make -C "$KDIR" M="$out" W="${W:-1}" modules >"$log" 2>&1; then
	cat "$log" >&2
	sod_die "module build for $KVER failed"
fi
# Warnings fail the build: the module must be W=1 clean.
if grep -E 'warning:|error:' "$log" >&2; then
	sod_die "module build for $KVER produced warnings (see above)"
fi
echo "built $out/softodp.ko"
