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

# The netdev leaving (here: into another namespace) removes the device.
ip netns add sodns
t_check "eth0 moved to another namespace" ip link set eth0 netns sodns
t_check "device disappears with its netdev" wait_for 30 eval '! sod_dev_exists softodp0'
t_check "namespace deleted (eth0 returns)" ip netns del sodns
t_check "rmmod" rmmod softodp
