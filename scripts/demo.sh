#!/usr/bin/env bash
# The main demo.  Run as root on Debian 12:  scripts/demo.sh
# Installs what it needs, builds everything, boots two VMs with the Debian
# kernel joined by one Ethernet link, creates softodp0 on each, shows what
# libibverbs sees of it, checks that the port follows its netdev, then
# moves data between the VMs over RoCEv2 with softodp on both ends and
# verifies it: ibv_rc_pingpong -c (SEND), sod_traffic (WRITE, READ, SEND,
# 4 KiB and 64 KiB, every byte checked), ib_write_bw (a figure), and an
# On-Demand Paging ping-pong with nothing pinnable (ulimit -l 0), showing
# the pages the device faulted.  Exits non-zero if any step failed.  Guest side: scripts/demo-guest.sh.
#   BUILD=DIR   build tree (default <repo>/build)
#   KVER=REL    kernel the VMs boot (default: the installed *-amd64 one)
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

out=${SOFTODP_DEMO_OUT:-$BUILD/demo}
rm -rf "$out"
echo "booting two VMs with kernel $KVER (emulated: this takes a few minutes)"
rc=0
"$src/tests/vm/run-vm.sh" --vms 2 --kver "$KVER" --timeout "${SOFTODP_DEMO_TIMEOUT:-900}" \
	--script "$src/scripts/demo-guest.sh" --outdir "$out" --name demo || rc=$?

for i in 0 1; do
	echo
	case $i in 0) what="server" ;; 1) what="client" ;; esac
	echo "================ vm$i ($what) printed ================"
	cat "$out/vm$i/log" 2>/dev/null || echo "(no guest output; console: $out/console-vm$i.log)"
done
echo "========================================================"
echo
echo "summary (PASS/FAIL/SKIP per VM):"
nfail=0
for i in 0 1; do
	if [ -s "$out/vm$i/results" ]; then
		sed "s/^/  vm$i: /" "$out/vm$i/results"
		n=$(grep -c '^FAIL ' "$out/vm$i/results" || true)
		nfail=$((nfail + n))
	else
		echo "  vm$i: no results (guest never ran its script? console: $out/console-vm$i.log)"
		nfail=$((nfail + 1))
	fi
done
echo
echo "what moved between the VMs (vm1 client, vm0 server, softodp on both ends):"
grep -h '^DEMO-RESULT ' "$out"/vm*/log 2>/dev/null | sed 's/^DEMO-RESULT /  /' || echo "  (nothing)"
if [ $rc -ne 0 ] || [ $nfail -ne 0 ]; then
	sod_die "demo FAILED: $nfail failed step(s), run-vm exit $rc; logs: $out (console-vm*.log, vm*/*.log)"
fi
echo "demo PASSED: RDMA WRITE, READ and SEND between two softodp VMs, and SEND/RECV on ODP memory, data verified; logs: $out"
