#!/usr/bin/env bash
# Build everything: the provider, host tests, test programs and examples
# (CMake, into BUILD), softodp.ko for each kernel given (default: the
# installed Debian *-amd64 kernel), and a staged install of the provider
# in BUILD/stage (what `cmake --install` puts under /usr and /etc).
#   scripts/build.sh [KVER...]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/scripts/lib.sh"
BUILD=${BUILD:-$src/build}
export BUILD
[ $# -gt 0 ] || set -- "$(sod_default_kver)"

cmake -S "$src" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DCMAKE_INSTALL_PREFIX=/usr >/dev/null
cmake --build "$BUILD" -j"$(nproc)"
rm -rf "$BUILD/stage"
DESTDIR=$BUILD/stage cmake --install "$BUILD" >/dev/null
for kver in "$@"; do
	"$src/scripts/build-kmod.sh" "$kver"
done
