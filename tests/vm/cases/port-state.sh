#!/usr/bin/env bash
# The port follows its netdev: carrier and admin state changes move the
# port between ACTIVE and DOWN with the matching async events, and the
# device disappears when its netdev is unregistered.
# vms: 1
# timeout: 300
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
. "$(dirname "$0")/_softodp.sh"

sod_load || { t_fail "insmod softodp" "load failed"; exit 1; }
modprobe veth
ip link add sodv0 type veth peer name sodv1
ip link set sodv0 up
ip link set sodv1 up
t_check "link add on a veth" rdma link add sodv type softodp netdev sodv0

state_is() { ibv_devinfo -d sodv | grep -qE "state:[[:space:]]+$1"; }
aw() { "$SOD_PROGS/sod_async_wait" --dev sodv --timeout-ms 20000 "$@"; }

t_check "veth with carrier: PORT_ACTIVE" state_is PORT_ACTIVE
t_check "peer down (carrier lost) raises PORT_ERR" aw --event port_err -- ip link set sodv1 down
t_check "carrier lost: PORT_DOWN, phys POLLING" eval \
	'state_is PORT_DOWN && ibv_devinfo -v -d sodv | grep -q "phys_state:.*POLLING"'
t_check "peer up (carrier back) raises PORT_ACTIVE" aw --event port_active -- ip link set sodv1 up
t_check "carrier back: PORT_ACTIVE, phys LINK_UP" eval \
	'state_is PORT_ACTIVE && ibv_devinfo -v -d sodv | grep -q "phys_state:.*LINK_UP"'
t_check "admin down raises PORT_ERR" aw --event port_err -- ip link set sodv0 down
t_check "admin down: PORT_DOWN, phys DISABLED" eval \
	'state_is PORT_DOWN && ibv_devinfo -v -d sodv | grep -q "phys_state:.*DISABLED"'
t_check "admin up raises PORT_ACTIVE" aw --event port_active -- ip link set sodv0 up

t_check "netdev unregistered" ip link del sodv0
t_check "device disappears with its netdev" wait_for 30 eval '! sod_dev_exists sodv'

modprobe dummy numdummies=0
ip link add sodd0 type dummy
ip link set sodd0 up
t_check "link add on a dummy" rdma link add sodd type softodp netdev sodd0
t_check "provider opens the dummy-bound device" eval 'ibv_devinfo -d sodd | grep -q PORT_ACTIVE'
t_check "dummy netdev deleted" ip link del sodd0
t_check "device disappears with the dummy" wait_for 30 eval '! sod_dev_exists sodd'
t_check "rmmod" rmmod softodp
