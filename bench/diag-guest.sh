#!/usr/bin/env bash
# Diagnostic companion of bench/run.sh (one VM, loopback): runs a few
# perftest points with softodp's debug messages on (dynamic debug) and
# prints, per point, the figure and the softodp kernel messages it caused
# (timeouts/resends, drops), counted.  Not a test.
#   tests/vm/run-vm.sh --vms 1 --smp 2 --build "$BUILD" --timeout 600 \
#       --script bench/diag-guest.sh --outdir /work/vmruns/diag --name diag
#   cat /work/vmruns/diag/vm0/log
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
for f in "$SOFTODP_SRC/tests/vm/cases/_traffic.sh" "$SOFTODP_SRC/tests/vm/cases/pending/_traffic.sh"; do
	# shellcheck disable=SC1090
	[ -e "$f" ] && { . "$f"; break; }
done
traffic_setup || exit 1
echo 'module softodp +p' > /sys/kernel/debug/dynamic_debug/control
run() {
	local port=$1; shift
	"$@" -p $port > $SOFTODP_OUT/s$port.log 2>&1 &
	local sp=$! n0
	n0=$(dmesg | wc -l)
	wait_for 30 traffic_listening $port
	local t0=${EPOCHREALTIME/./}
	"$@" -p $port 127.0.0.1 > $SOFTODP_OUT/c$port.log 2>&1; echo "client exit $? $(( (${EPOCHREALTIME/./} - t0)/1000 )) ms: $*"
	wait $sp; echo "server exit $?"
	tail -3 $SOFTODP_OUT/c$port.log
	dmesg | tail -n +$((n0 + 1)) > $SOFTODP_OUT/d$port.txt
	echo "new softodp kernel lines: $(grep -c softodp $SOFTODP_OUT/d$port.txt)"
	grep softodp $SOFTODP_OUT/d$port.txt | grep -v 'taints\|verification' | sed -E 's/qp [0-9]+/qp N/; s/psn 0x[0-9a-f]+/psn X/g; s/#?0x[0-9a-f]+/X/g; s/[0-9]+ retries/R retries/; s/^\[[ 0-9.]+\] //' | sort | uniq -c | sort -rn | head -12
}
run 18901 ib_write_bw -d $TDEV -i 1 -x $TGID -F -s 65536 -n 50
run 18902 ib_send_bw -d $TDEV -i 1 -x $TGID -F -s 65536 -n 50
run 18903 ib_write_lat -d $TDEV -i 1 -x $TGID -F -s 8 -n 100
exit 0
