#!/usr/bin/env bash
# Two VMs on one Ethernet link, each with a softodp device: the link works
# (IPv4 and IPv6 ping) and each device's GID table holds its own addresses.
# vms: 2
# cost: 29
# tiers: stock
# tier-note: nothing here (ping, GID table) touches memory registration, QPs or the receive path; the debug tier boots two VMs for this no more
# timeout: 300
# timeout-debug: 900
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
. "$(dirname "$0")/_softodp.sh"

me=$SOFTODP_VM_INDEX
t_check "insmod softodp" sod_load
t_check "link add softodp0" rdma link add softodp0 type softodp netdev eth0
barrier up 120
t_check "ping peer over IPv4" ping -c 3 -W 5 "$SOFTODP_PEER_IP4"
t_check "ping peer over IPv6" ping -c 3 -W 5 "$SOFTODP_PEER_IP6"
t_check "own RoCE v2 GID" "$SOD_PROGS/sod_devcheck" --dev softodp0 \
	--gid-ip "$SOFTODP_MY_IP4" --state active
barrier done 120
t_check "rmmod" rmmod softodp
echo "vm$me done"
