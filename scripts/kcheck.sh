#!/usr/bin/env bash
# Compile single kernel source files on their own (W=1, sparse with C=1 in
# the environment), without linking the module: for work in progress.
#   scripts/kcheck.sh kernel/cq.c [kernel/mr.c ...]
# Env: KVER, KDIR, BUILD as in build-kmod.sh.  Exits non-zero on any error
# or warning.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/scripts/lib.sh"
[ $# -gt 0 ] || sod_die "usage: $0 FILE.c..."
KVER=${KVER:-$(sod_default_kver)}
KDIR=${KDIR:-/lib/modules/$KVER/build}
BUILD=${BUILD:-$src/build}
out=$BUILD/kcheck/$KVER
rm -rf "$out"
mkdir -p "$out"
(cd "$src" && find kernel include -type f -name '*.[ch]') | while read -r f; do
	mkdir -p "$out/$(dirname "$f")"
	ln -s "$src/$f" "$out/$f"
done
objs=
for f in "$@"; do
	f=${f#./}
	objs="$objs ${f%.c}.o"
done
cat >"$out/Kbuild" <<KB
obj-m += kcheck.o
kcheck-y := $objs
ccflags-y += -I\$(src)/include/uapi
KB
rc=0
make -C "$KDIR" M="$out" W="${W:-1}" ${C:+C=$C} $objs >"$out/log" 2>&1 || rc=$?
grep -E 'warning:|error:' "$out/log" && rc=1
[ $rc = 0 ] || { tail -n 30 "$out/log"; exit 1; }
echo "kcheck: ok:$objs"
