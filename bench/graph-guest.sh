#!/usr/bin/env bash
# Diagnostic companion of bench/run.sh (one VM, loopback, softodp or rxe):
# where the time of one message goes.  Runs one perftest point and, some
# seconds into it, records 0.5 s of ftrace's function_graph restricted to
# the device's main functions and the uverbs doorbell (set_ftrace_filter,
# so that each traced call costs the same and little else is traced), then
# prints per function: calls, total and mean duration (bench/graph-report.py
# does that from $SOFTODP_OUT/graph.txt).  Distorts the figure; not a test.
#   tests/vm/run-vm.sh --vms 1 --smp 2 --build "$BUILD" --timeout 600 \
#       --append "sod.dev=softodp sod.graph=write_bw:4096:100000" \
#       --script bench/graph-guest.sh --outdir /work/vmruns/graph --name graph
# sod.graph=PROG:SIZE:N (default write_bw:4096:100000; N must keep the
# client running past the delay plus 0.5 s, or the trace is empty),
# sod.graph.delay=S (default 8: seconds after the client's start),
# sod.graph.funcs=F1,F2,... (more kernel functions to trace; one that is
# inlined or static-and-unknown to ftrace is reported and skipped),
# sod.graph.all=S: instead, S seconds (e.g. 0.05) of the plain function
# tracer over every kernel function; bench/graph-report.py --calls then
# counts kernel function calls per doorbell (under TCG a guest's time
# goes roughly with what it executes, and TCG has no PMU for perf).
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
. "$SOFTODP_SRC/tests/vm/cases/_traffic.sh"
point=write_bw:4096:100000 delay=8 extra= all=
for a in $(</proc/cmdline); do
	case $a in
	sod.graph=*) point=${a#*=} ;;
	sod.graph.delay=*) delay=${a#*=} ;;
	sod.graph.funcs=*) extra=${a#*=} ;;
	sod.graph.all=*) all=${a#*=} ;;
	esac
done
IFS=: read -r prog size n <<<"$point"
prog=ib_$prog
# shellcheck disable=SC2119
traffic_setup || exit 1

t=/sys/kernel/tracing
mountpoint -q $t || mount -t tracefs nodev $t || exit 1
echo 0 >$t/tracing_on
echo nop >$t/current_tracer
echo 16000 >$t/buffer_size_kb
funcs="ib_uverbs_write ib_uverbs_post_send"
case $SOD_TRAFFIC_DEV in
softodp)
	funcs+=" sod_post_send sod_req_process"
	funcs+=" sod_comp_rcv sod_resp_rcv sod_pkt_xmit sod_rx sod_pkt_alloc sod_cq_post"
	funcs+=" sod_mr_copy sod_qp_work sod_resp_send_pending_ack sod_qp_kick"
	;;
rxe)
	funcs+=" rxe_post_send rxe_requester rxe_responder rxe_completer rxe_xmit_packet"
	funcs+=" rxe_rcv rxe_icrc_generate rxe_icrc_check rxe_cq_post rxe_mr_copy"
	funcs+=" rxe_send rxe_loopback do_task"
	;;
esac
funcs+=" ${extra//,/ }"
: >$t/set_ftrace_filter
for f in $funcs; do
	echo "$f" >>$t/set_ftrace_filter 2>/dev/null || echo "graph: no function $f"
done
if [ -n "$all" ]; then
	: >$t/set_ftrace_filter
	echo function >$t/current_tracer
else
	echo function_graph >$t/current_tracer
	echo funcgraph-proc >$t/trace_options
	echo funcgraph-abstime >$t/trace_options
	echo funcgraph-tail >$t/trace_options
fi
echo >$t/trace

port=18950
args=(-d "$TDEV" -i 1 -x "$TGID" -F -p "$port" -s "$size" -n "$n")
"$prog" "${args[@]}" >"$SOFTODP_OUT/server.log" 2>&1 &
sp=$!
wait_for 60 traffic_listening $port || exit 1
"$prog" "${args[@]}" 127.0.0.1 >"$SOFTODP_OUT/client.log" 2>&1 &
cp=$!
sleep "$delay"
echo 1 >$t/tracing_on
sleep "${all:-0.5}"
echo 0 >$t/tracing_on
if [ -n "$all" ]; then
	cp $t/trace "$SOFTODP_OUT/calls.txt"
	echo nop >$t/current_tracer
	wait $cp
	echo "graph: client exit $?"
	wait $sp
	tail -n 3 "$SOFTODP_OUT/client.log"
	exit 0
fi
cp $t/trace "$SOFTODP_OUT/graph.txt"
wait $cp
echo "graph: client exit $?"
wait $sp
tail -n 3 "$SOFTODP_OUT/client.log"
echo nop >$t/current_tracer
python3 "$SOFTODP_SRC/bench/graph-report.py" "$SOFTODP_OUT/graph.txt" 2>&1 ||
	echo "graph: no python3 in the guest: run bench/graph-report.py on the host"
exit 0
