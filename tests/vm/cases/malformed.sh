#!/usr/bin/env bash
# Malformed and randomized RoCEv2 packets (tests/progs/sod_fuzz.c).  VM 0
# runs softodp0 on eth0 plus softodp1 on a dummy netdev and `sod_fuzz
# --target`: RC QPs, a UD QP, MRs between canary pages, a deregistered
# MR's R_Key, a QP of softodp1.  VM 1 loads no RDMA device: `sod_fuzz
# --sender` binds UDP 4791 itself, sends directed bad packets (each must
# move its counter, and be NAKed with the IBTA code where the spec says
# so) and SOD_FUZZ_PACKETS randomized ones (valid requests mutated, mostly
# with a correct ICRC); every drop counter must match the sender's
# prediction exactly.  Then VM 0 checks canaries and the read-only MR
# (sod_fuzz), that the guest log has no kernel report (run-vm.sh), and
# that a fresh QP still does loopback WRITE/READ.
# Measured: stock 89 s of VM time (100 000 packets in 65 s, ~1500/s);
# debug kernel ~110 packets/s (100 000 in 924 s, 1705 s of VM time with
# its slow boot, passed with no kernel report): stock tier only
# (run-vm.sh --kver ...-dbg --timeout 1800 --append "sod.fuzz_timeout=1500",
# or sod.fuzz_packets=N for a shorter KASAN run).
# vms: 2
# cost: 90
# timeout: 420
# tiers: stock
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
. "$(dirname "$0")/_traffic.sh"

FUZZ=$SOFTODP_BUILD/tests/progs/sod_fuzz
FUZZ_PORT=18800
PACKETS=${SOD_FUZZ_PACKETS:-100000}
SENDER_TIMEOUT=360
# run-vm.sh --append sod.fuzz_packets=N / sod.fuzz_timeout=S (measuring)
for _a in $(</proc/cmdline); do
	case $_a in
	sod.fuzz_packets=*) PACKETS=${_a#sod.fuzz_packets=} ;;
	sod.fuzz_timeout=*) SENDER_TIMEOUT=${_a#sod.fuzz_timeout=} ;;
	esac
done
SEED=$(( $(date +%s) % 100000 ))

stats() { rdma statistic show link "$1/1" 2>&1 | tr -s ' ' '\n' | paste -sd' ' | fold -w 200; }

if [ "$SOFTODP_VM_INDEX" = 0 ]; then
	traffic_setup || exit 1
	dev2=()
	# A second softodp device, for a QPN that is not softodp0's.  The
	# debug kernel has no dummy (nor any virtual) netdev: skipped there.
	if ip link add d0 type dummy 2>/dev/null; then
		t_check "link add softodp1 on dummy d0" eval \
			'ip link set d0 up && rdma link add softodp1 type softodp netdev d0' &&
			dev2=(--dev2 softodp1)
	else
		t_skip "second device" "no dummy netdev in this kernel"
	fi
	log=$SOFTODP_OUT/fuzz-target.log
	"$FUZZ" --target --dev "$TDEV" "${dev2[@]}" --gid-index "$TGID" \
		--port "$FUZZ_PORT" >"$log" 2>&1 &
	tpid=$!
	wait_for 30 traffic_listening "$FUZZ_PORT" || echo "target not listening after 30 s"
	barrier fuzz-listen 180
	rc=0
	wait "$tpid" || rc=$?
	tail -n 20 "$log"
	if [ $rc = 0 ]; then
		t_pass "target: canaries, read-only MR and the other device's MR unchanged"
	else
		t_fail "target" "sod_fuzz --target exit $rc ($(tail -n 1 "$log"))"
	fi
	echo "--- counters after the run"
	stats "$TDEV"
	[ ${#dev2[@]} = 0 ] || stats softodp1
	barrier fuzz-done $((SENDER_TIMEOUT + 60))
	t_check "fresh QPs after the storm: loopback WRITE/READ/SEND" \
		traffic_loop after-fuzz --ops write,read,send --sizes 1,4097
	[ ${#dev2[@]} = 0 ] || t_check "link del softodp1" rdma link del softodp1
else
	barrier fuzz-listen 180
	log=$SOFTODP_OUT/fuzz-sender.log
	t0=$(_t_now_us)
	rc=0
	timeout "$SENDER_TIMEOUT" "$FUZZ" --sender "$SOFTODP_PEER_IP4" --port "$FUZZ_PORT" \
		--packets "$PACKETS" --seed "$SEED" >"$log" 2>&1 || rc=$?
	t1=$(_t_now_us)
	grep -E 'FAILED|randomized|all checks|counter ' "$log" | tail -n 60
	echo "sender: exit $rc after $(((t1 - t0) / 1000)) ms, seed $SEED, $PACKETS randomized packets"
	if [ $rc = 0 ]; then
		t_pass "sender: directed cases, $PACKETS randomized packets, counters as predicted"
	else
		t_fail "sender" "sod_fuzz --sender exit $rc, seed $SEED ($(grep -m1 FAILED "$log" || tail -n 1 "$log"))"
	fi
	barrier fuzz-done $((SENDER_TIMEOUT + 60))
fi
! grep -q '^FAIL ' "$SOFTODP_OUT/results"
