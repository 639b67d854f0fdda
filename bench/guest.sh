#!/usr/bin/env bash
# Guest side of bench/run.sh: perftest points on one device kind, in one
# topology.  Parameters come on the kernel command line (run-vm.sh does not
# pass the host's environment in):
#   sod.dev=softodp|rxe          device kind (read by _traffic.sh)
#   sod.bench.points=LIST        comma list of PROG:SIZE (default: all)
#   sod.bench.bytes=N            bandwidth tests move about N bytes:
#                                -n N/SIZE, at least 20
#                                (default 16 MiB: 4 KiB x 4096, 64 KiB x 256,
#                                1 MiB x 20)
#   sod.bench.iters=N            -n of the latency tests (default 200)
#   sod.bench.mtu=N              eth0's MTU (default: left at 1500)
#   sod.bench.pt=A,B,...         extra perftest arguments for every point,
#                                both sides (commas become spaces), e.g.
#                                sod.bench.pt=-e: wait for completions
#                                with CQ events instead of busy-polling
#                                (send/read tests; write_lat polls memory)
#   sod.bench.trace=S            diagnostics: S seconds into each point,
#                                record 0.3 s of ftrace (scheduler, work
#                                queue, IRQ/softirq, system call and
#                                net_dev_xmit events) into
#                                $SOFTODP_OUT/PROG-SIZE.trace.txt, with the
#                                CPUs of the perftest threads and the
#                                virtio interrupt counts; summarise it with
#                                bench/trace-report.py (docs/performance.md,
#                                "Two-VM 8-byte latency").  Distorts the
#                                figures of that point.
#   sod.bench.link=0|1           two VMs: before the points, measure the
#                                link itself with bench/sod_linkprobe
#                                (plain UDP between the guests, no RDMA
#                                device): a busy-polling ping-pong's round
#                                trip and a one-way stream of 1100-byte
#                                datagrams; rows link_pingpong (usec) and
#                                link_stream (MB/s) of bench.tsv.
#                                Default 1.
#   sod.bench.perf=S             diagnostics: S seconds into each point,
#                                profile all CPUs for 2 s (perf record -a,
#                                cpu-clock: there is no PMU under TCG) and
#                                write the flat profile by symbol into
#                                $SOFTODP_OUT/PROG-SIZE.perf.txt.  Costs
#                                the profiled point some speed.  S counts
#                                from the server's start: perftest's own
#                                start-up takes seconds under TCG.  Not
#                                trustworthy under TCG: 12 s into a 19 s
#                                loopback write_lat whose client was busy
#                                polling, it put both vCPUs 94 % in
#                                native_safe_halt and never sampled perftest.
# (-n, not -D: under TCG a -D 2 window can end before the first 1 MiB
# message completes, and perftest then prints 0 MB/s.)
# One VM: loopback (server and client on one device, control over
# 127.0.0.1).  Two VMs: VM 0 serves, VM 1 is the client.
# Writes $SOFTODP_OUT/bench.tsv on the client side:
#   dev  prog  size  topo  value  unit  status  note
# value is the average bandwidth in MB/s (BW average) or the typical
# latency in usec (t_typical); status ok|fail.
set -u
TIMEFORMAT='real %R s, user %U s, sys %S s'
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
for f in "$SOFTODP_SRC/tests/vm/cases/_traffic.sh" "$SOFTODP_SRC/tests/vm/cases/pending/_traffic.sh"; do
	# shellcheck disable=SC1090
	[ -e "$f" ] && { . "$f"; break; }
done
type traffic_setup >/dev/null 2>&1 || { echo "bench: _traffic.sh not found"; exit 2; }

points="write_bw:4096,write_bw:65536,write_bw:1048576"
points+=",read_bw:4096,read_bw:65536,read_bw:1048576"
points+=",send_bw:4096,send_bw:65536,send_bw:1048576"
points+=",write_lat:8,write_lat:4096,send_lat:8,send_lat:4096"
bytes=$((16 << 20))
iters=200
trace=
perfd=
link=1
mtu=
ptx=
for a in $(</proc/cmdline); do
	case $a in
	sod.bench.points=*) points=${a#*=} ;;
	sod.bench.bytes=*) bytes=${a#*=} ;;
	sod.bench.iters=*) iters=${a#*=} ;;
	sod.bench.trace=*) trace=${a#*=} ;;
	sod.bench.perf=*) perfd=${a#*=} ;;
	sod.bench.link=*) link=${a#*=} ;;
	sod.bench.mtu=*) mtu=${a#*=} ;;
	sod.bench.pt=*) ptx=${a#*=} ptx=${ptx//,/ } ;;
	esac
done
if [ "$SOFTODP_NVMS" = 1 ]; then topo=loopback; else topo=two-vm; fi
tsv=$SOFTODP_OUT/bench.tsv
: >"$tsv"

traffic_setup ${mtu:+"$mtu"} || exit 1
barrier up 300 || exit 1
nproc_=$(nproc)
echo "bench: $SOD_TRAFFIC_DEV $TDEV, $topo, $nproc_ vCPU(s), gid $TGID, points $points"

# result PROG SIZE LOG: print "value unit" from a perftest client log.
result() {
	case $1 in
	*_bw) awk '/#bytes/ { h = 1; next } h && /^ *[0-9]+ +[0-9]+ / { print $4, "MB/s"; exit }' "$3" ;;
	*_lat) awk '/#bytes/ { h = 1; next } h && /^ *[0-9]+ +[0-9]+ / { print $5, "usec"; exit }' "$3" ;;
	esac
}

# counters: "name value" lines of the device's port counters (both softodp
# and rxe export them in sysfs).
counters() {
	local f
	for f in /sys/class/infiniband/"$TDEV"/ports/1/hw_counters/*; do
		[ -r "$f" ] && echo "${f##*/} $(cat "$f")"
	done 2>/dev/null | sort
}

# counter_delta PREFIX: the counters that moved since PREFIX.counters0,
# into PREFIX.counters.txt and, on one line, the log.
counter_delta() {
	counters | join "$1.counters0" - | awk '$3 != $2 { print $1, $3 - $2 }' >"$1.counters.txt"
	rm -f "$1.counters0"
	echo "bench: ${1##*/} counters: $(tr '\n' ' ' <"$1.counters.txt")"
}

# perf_window DELAY PREFIX: after DELAY seconds, 2 s of perf record -a;
# the flat profile goes to PREFIX.perf.txt (sod.bench.perf).  The data file
# is kept in /dev/shm while recording: written to the 9p share it put 9p's
# own write path into the profile.
perf_window() {
	local data
	sleep "$1"
	data=$(mktemp /dev/shm/perf.XXXXXX) || return
	perf record -q -a -F 2000 -o "$data" -- sleep 2 >/dev/null 2>&1 || { rm -f "$data"; return; }
	{
		perf report -i "$data" --no-children --sort comm,cpu --stdio 2>/dev/null |
			grep -v '^#' | grep -v '^$' | head -n 12
		echo
		perf report -i "$data" --no-children --sort sym --stdio 2>/dev/null |
			grep -v '^#' | grep -v '^$' | head -n 60
	} >"$2.perf.txt"
	rm -f "$data"
}

# trace_window DELAY PREFIX: after DELAY seconds, 0.3 s of ftrace into
# PREFIX.trace.txt (sod.bench.trace).
trace_window() {
	local t=/sys/kernel/tracing e
	mountpoint -q $t || mount -t tracefs nodev $t || return
	echo 0 >$t/tracing_on
	echo 8000 >$t/buffer_size_kb
	echo >$t/trace
	for e in sched/sched_wakeup sched/sched_switch workqueue/workqueue_queue_work \
		workqueue/workqueue_execute_start workqueue/workqueue_execute_end \
		irq/softirq_entry irq/irq_handler_entry raw_syscalls/sys_enter \
		raw_syscalls/sys_exit net/net_dev_start_xmit net/net_dev_xmit; do
		echo 1 >$t/events/$e/enable
	done
	sleep "$1"
	echo 1 >$t/tracing_on
	sleep 0.3
	echo 0 >$t/tracing_on
	{
		ps -eLo pid,psr,comm | grep ' ib_'
		grep virtio /proc/interrupts
		cat $t/trace
	} >"$2.trace.txt"
	echo >$t/trace
}

# udp_bound PORT: is a UDP socket bound to PORT?
udp_bound() {
	local hex l
	printf -v hex ':%04X ' "$1"
	while read -r l; do
		[[ $l == *"$hex"* ]] && return 0
	done </proc/net/udp
	return 1
}

# link_probe: the link's own floor and ceiling (sod.bench.link).
link_probe() {
	local probe=$SOFTODP_BUILD/bench/sod_linkprobe out=$SOFTODP_OUT/linkprobe.log
	local med mbs l spid
	[ -x "$probe" ] || { echo "bench: no $probe: link not measured"; return 0; }
	if [ "$SOFTODP_VM_INDEX" = 0 ]; then
		timeout 60 "$probe" --server --port 18790 >"$out" 2>&1 &
		spid=$!
		wait_for 10 udp_bound 18790 || echo "bench: linkprobe server not up"
		barrier linkprobe 60 || return 1
		barrier linkprobe-done 120 || return 1
		wait "$spid"
		return 0
	fi
	barrier linkprobe 60 || return 1
	timeout 60 "$probe" --client "$SOFTODP_PEER_IP4" --port 18790 >"$out" 2>&1
	barrier linkprobe-done 120 || return 1
	med= mbs=
	while read -r l; do
		echo "bench: $l"
		case $l in
		"linkprobe: pingpong "*) l=${l#* med } med=${l%% *} ;;
		"linkprobe: stream "*) l=${l%% MB/s} mbs=${l##* } ;;
		esac
	done <"$out"
	printf '%s\tlink_pingpong\t8\t%s\t%s\tusec\t%s\t\n' "$SOD_TRAFFIC_DEV" "$topo" \
		"${med:--}" "$([ -n "$med" ] && echo ok || echo fail)" >>"$tsv"
	printf '%s\tlink_stream\t1100\t%s\t%s\tMB/s\t%s\t\n' "$SOD_TRAFFIC_DEV" "$topo" \
		"${mbs:--}" "$([ -n "$mbs" ] && echo ok || echo fail)" >>"$tsv"
}
[ "$link" = 0 ] || [ "$topo" != two-vm ] || link_probe || exit 1

port=18800

IFS=, read -ra plist <<<"$points"
for p in "${plist[@]}"; do
	prog=${p%%:*}
	size=${p#*:}
	port=$((port + 1))
	case $prog in
	*_bw)
		n=$((bytes / size))
		[ $n -ge 20 ] || n=20
		extra="-n $n"
		;;
	*_lat) extra="-n $iters" ;;
	esac
	# shellcheck disable=SC2206
	args=(-d "$TDEV" -i 1 -x "$TGID" -F -p "$port" -s "$size" $extra $ptx)
	name=$prog-$size
	log=$SOFTODP_OUT/$name.client.log
	slog=$SOFTODP_OUT/$name.server.log
	src=0 crc=0
	counters >"$SOFTODP_OUT/$name.counters0"
	# The client's CPU time against its run time: is it busy-polling?
	tf=$SOFTODP_OUT/$name.client.time
	: >"$tf"
	t0=${EPOCHREALTIME/./}
	[ -z "$trace" ] || trace_window "$trace" "$SOFTODP_OUT/$name" &
	ppid=
	[ -z "$perfd" ] || { perf_window "$perfd" "$SOFTODP_OUT/$name" & ppid=$!; }
	if [ "$topo" = loopback ]; then
		timeout 90 "ib_$prog" "${args[@]}" >"$slog" 2>&1 &
		spid=$!
		wait_for 30 traffic_listening "$port" || echo "bench: $name: server not listening"
		{ time timeout 90 "ib_$prog" "${args[@]}" 127.0.0.1 >"$log" 2>&1; } 2>"$tf" || crc=$?
		wait "$spid" || src=$?
	elif [ "$SOFTODP_VM_INDEX" = 0 ]; then
		timeout 90 "ib_$prog" "${args[@]}" >"$slog" 2>&1 &
		spid=$!
		wait_for 30 traffic_listening "$port" || echo "bench: $name: server not listening"
		barrier "$name" 120
		wait "$spid" || src=$?
		echo "$src" >"$SOFTODP_SHARED/$name.server-exit"
		cp "$slog" "$SOFTODP_SHARED/$name.server.log"
		barrier "$name-done" 200
		[ "$src" = 0 ] || { echo "bench: $name server exit $src"; tail -n 8 "$slog"; }
		[ -z "$ppid" ] || wait "$ppid"
		counter_delta "$SOFTODP_OUT/$name"
		continue
	else
		barrier "$name" 120
		{ time timeout 90 "ib_$prog" "${args[@]}" "$SOFTODP_PEER_IP4" >"$log" 2>&1; } 2>"$tf" || crc=$?
		barrier "$name-done" 200
		src=$(cat "$SOFTODP_SHARED/$name.server-exit" 2>/dev/null || echo "?")
		cp "$SOFTODP_SHARED/$name.server.log" "$slog" 2>/dev/null
	fi
	t1=${EPOCHREALTIME/./}
	[ -z "$ppid" ] || wait "$ppid"
	counter_delta "$SOFTODP_OUT/$name"
	read -r value unit < <(result "$prog" "$size" "$log")
	note=""
	# perftest prints 0.00 MB/s when its clock calibration failed under a
	# loaded TCG guest ("Correlation coefficient r^2 < 0.9"); the server
	# of a send_bw timed the same transfer.
	if [ "$crc" = 0 ] && [ "$src" = 0 ] && [ "$prog" = send_bw ] &&
		awk -v v="${value:-0}" 'BEGIN { exit !(v == 0) }' &&
		grep -q 'Correlation coefficient' "$log"; then
		read -r value unit < <(result "$prog" "$size" "$slog")
		note="server's figure (client's clock calibration failed)"
	fi
	if [ "$crc" = 0 ] && [ "$src" = 0 ] && [ -n "${value:-}" ] &&
		awk -v v="$value" 'BEGIN { exit !(v > 0) }'; then
		status=ok
	else
		status=fail

		note="client exit $crc, server exit $src"
		[ "$crc" = 0 ] && [ "$src" = 0 ] && note+=", result ${value:-none} (no completion measured)"
		[ "$crc" = 124 ] && note+=" (client timed out after 90 s)"
		err=$(grep -m1 -iE 'error|fail|unable|couldn' "$log" "$slog" 2>/dev/null | head -n 1 | sed 's/^[^:]*log://' | tr -s ' \t' ' ' | cut -c1-100)
		[ -n "$err" ] && note+=": $err"
		value=-
		unit=-
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$SOD_TRAFFIC_DEV" "$prog" "$size" "$topo" \
		"${value:--}" "${unit:--}" "$status" "$note" >>"$tsv"
	echo "bench: $name $topo: $status ${value:-} ${unit:-} ($(((t1 - t0) / 1000)) ms; client $(cat "$tf")) $note"
	[ "$status" = ok ] || { echo "--- client:"; tail -n 8 "$log"; echo "--- server:"; tail -n 8 "$slog"; }
done
# A failed point is a result, not a failed run: always exit 0 once set up.
exit 0
