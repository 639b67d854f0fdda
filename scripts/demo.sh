#!/usr/bin/env bash
# The main demo.  Run as root on Debian 12:  scripts/demo.sh
# Installs what it needs, builds everything, boots a VM with the Debian
# kernel, creates softodp0 and shows what libibverbs sees of it.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/scripts/lib.sh"
export BUILD=${BUILD:-$src/build}

"$src/scripts/install-deps.sh"
KVER=${KVER:-$(sod_default_kver)}
echo "building (log: $BUILD/demo-build.log)"
mkdir -p "$BUILD"
"$src/scripts/build.sh" "$KVER" >"$BUILD/demo-build.log" 2>&1 ||
	{ tail -n 40 "$BUILD/demo-build.log"; sod_die "build failed"; }

out=$BUILD/demo
rm -rf "$out"
echo "booting a VM with kernel $KVER"
rc=0
"$src/tests/vm/run-vm.sh" --vms 1 --kver "$KVER" --timeout 300 \
	--script "$src/scripts/demo-guest.sh" --outdir "$out" --name demo || rc=$?
echo
echo "================ what the guest printed ================"
cat "$out"/vm0/log 2>/dev/null || echo "(no guest output; console: $out/console-vm0.log)"
echo "========================================================"
[ $rc -eq 0 ] || sod_die "demo failed (exit $rc); console log: $out/console-vm0.log"
echo "demo passed; full console log: $out/console-vm0.log"
