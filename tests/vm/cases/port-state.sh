#!/usr/bin/env bash
# The port follows its netdev: carrier and admin state changes move the
# port between ACTIVE and DOWN with the matching async events, and the
# device disappears when its netdev is unregistered.
# vms: 1
# cost: 31
# tiers: stock
# tier-note: the debug tier runs it inside debug-basics.sh (one debug VM for several cases)
# timeout: 300
# timeout-debug: 900
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
. "$(dirname "$0")/_softodp.sh"
. "$(dirname "$0")/_traffic.sh"

sod_load || { t_fail "insmod softodp" "load failed"; exit 1; }
state_is() { ibv_devinfo -d "$dev" | grep -qE "state:[[:space:]]+$1"; }
phys_is() { ibv_devinfo -v -d "$dev" | grep -qE "phys_state:[[:space:]]+$1"; }
aw() { "$SOD_PROGS/sod_async_wait" --dev "$dev" --timeout-ms 20000 "$@"; }

# Carrier: the far end of a veth going down takes the carrier away.
if sod_have_veth; then
	dev=sodv
	ip link add sodv0 type veth peer name sodv1
	ip link set sodv0 up
	ip link set sodv1 up
	t_check "link add on a veth" rdma link add sodv type softodp netdev sodv0
	t_check "veth with carrier: PORT_ACTIVE" state_is PORT_ACTIVE
	t_check "peer down (carrier lost) raises PORT_ERR" aw --event port_err -- ip link set sodv1 down
	t_check "carrier lost: PORT_DOWN, phys POLLING" eval 'state_is PORT_DOWN && phys_is POLLING'
	t_check "peer up (carrier back) raises PORT_ACTIVE" aw --event port_active -- ip link set sodv1 up
	t_check "carrier back: PORT_ACTIVE, phys LINK_UP" eval 'state_is PORT_ACTIVE && phys_is LINK_UP'
	t_check "veth deleted" ip link del sodv0
	t_check "device disappears with its netdev" wait_for 30 eval '! sod_dev_exists sodv'
else
	t_skip "carrier loss" "no veth in this kernel"
fi

# Admin state, on eth0.
dev=softodp0
t_check "link add on eth0" rdma link add softodp0 type softodp netdev eth0
t_check "eth0 up: PORT_ACTIVE, phys LINK_UP" eval 'state_is PORT_ACTIVE && phys_is LINK_UP'
t_check "admin down raises PORT_ERR" aw --event port_err -- ip link set eth0 down
t_check "admin down: PORT_DOWN, phys DISABLED" eval 'state_is PORT_DOWN && phys_is DISABLED'
t_check "admin up raises PORT_ACTIVE" aw --event port_active -- ip link set eth0 up
t_check "admin up: PORT_ACTIVE" state_is PORT_ACTIVE

# A loopback RC pair over a second address of eth0: its packets stay on
# this host while the address exists.  softodp remembers per QP address
# whether the destination is local (keyed by the namespace's route
# generation); deleting the address must end that: the packets then go to
# the network, where nobody answers, and the side whose SEND is in flight
# fails with "transport retry counter exceeded" (7 retries of 67 ms)
# instead of carrying on locally until its 2,000,000 iterations are done.
# (Which side that is depends on the moment; the other one then waits for
# a message that never comes and is stopped.)
TDEV=softodp0
pp_one_ended() { ! kill -0 "$1" 2>/dev/null || ! kill -0 "$2" 2>/dev/null; }
addr_gone() {
	local gidx spid cpid sent
	t_check "second address on eth0" ip address add 198.51.100.1/24 dev eth0 || return
	t_check "its RoCE v2 GID" wait_for 20 traffic_find_gid 198.51.100.1 || return
	gidx=$(traffic_find_gid 198.51.100.1)
	ibv_rc_pingpong -d softodp0 -g "$gidx" -p 18590 -n 2000000 >/tmp/pp-gone.srv 2>&1 &
	spid=$!
	t_check "pingpong server listening" wait_for 30 traffic_listening 18590 || return
	ibv_rc_pingpong -d softodp0 -g "$gidx" -p 18590 -n 2000000 127.0.0.1 >/tmp/pp-gone.cli 2>&1 &
	cpid=$!
	sent=$(traffic_ctr sent_pkts_local)
	t_check "loopback traffic over the second address" \
		wait_for 30 eval '[ "$(traffic_ctr sent_pkts_local)" -gt $((sent + 1000)) ]'
	t_check "second address deleted" ip address del 198.51.100.1/24 dev eth0
	t_check "one side ends (packets not delivered locally any more)" \
		wait_for 60 pp_one_ended "$spid" "$cpid"
	kill "$spid" "$cpid" 2>/dev/null
	wait "$spid" "$cpid"
	t_check "it failed: retry counter exceeded" \
		grep -q "retry counter exceeded" /tmp/pp-gone.srv /tmp/pp-gone.cli ||
		{ cat /tmp/pp-gone.srv /tmp/pp-gone.cli; rdma statistic show link softodp0/1; }
}
addr_gone

# The netdev leaving (here: into another namespace) removes the device.
ip netns add sodns
t_check "eth0 moved to another namespace" ip link set eth0 netns sodns
t_check "device disappears with its netdev" wait_for 30 eval '! sod_dev_exists softodp0'
t_check "namespace deleted (eth0 returns)" ip netns del sodns
t_check "rmmod" rmmod softodp
