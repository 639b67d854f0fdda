#!/usr/bin/env bash
# Guest side of scripts/demo.sh: create a softodp device and show what
# libibverbs sees of it.
set -eu
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
export RDMAV_DRIVERS=$SOFTODP_BUILD/lib/libsoftodp

say() { printf '\n### %s\n' "$*"; }
say "kernel $(uname -r); loading softodp.ko"
load_module "$(kmod_build_dir)/softodp.ko"
say "rdma link add softodp0 type softodp netdev eth0"
rdma link add softodp0 type softodp netdev eth0
rdma link show
say "ibv_devices"
ibv_devices
say "ibv_devinfo -v -d softodp0"
ibv_devinfo -v -d softodp0
say "link down, then up again"
ip link set eth0 down
ibv_devinfo -d softodp0 | grep -E 'state|phys_state'
ip link set eth0 up
wait_for 10 eval 'ibv_devinfo -d softodp0 | grep -q PORT_ACTIVE'
ibv_devinfo -d softodp0 | grep -E 'state|phys_state'
say "rdma link delete softodp0; rmmod softodp"
rdma link delete softodp0
rmmod softodp
echo "demo finished"
