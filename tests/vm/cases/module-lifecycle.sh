#!/usr/bin/env bash
# Module load/unload, `rdma link` add/delete (100 cycles), the UDP port's
# life cycle, refusals, rmmod with devices present, network namespaces.
# vms: 1
# tiers: stock
# tier-note: the debug tier runs it inside debug-basics.sh (one debug VM for several cases)
# cost: 46
# cost-debug: 340
# timeout: 300
# timeout-debug: 1200
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
. "$(dirname "$0")/_softodp.sh"

t_check "insmod softodp" sod_load
t_check "module load binds no UDP port" eval '! sod_port_bound'
t_check "link add softodp0 on eth0" rdma link add softodp0 type softodp netdev eth0
t_check "device visible in rdma link" eval 'rdma link show softodp0/1 | grep -q "netdev eth0"'
t_check "UDP 4791 bound with a device" sod_port_bound
t_check "second device on the same netdev refused" \
	eval '! rdma link add softodp1 type softodp netdev eth0'
t_check "loopback netdev refused" eval '! rdma link add sodlo type softodp netdev lo'
t_check "unknown netdev refused" eval '! rdma link add sodx type softodp netdev nosuch0'
t_check "link delete softodp0" rdma link delete softodp0
t_check "device gone after delete" eval '! sod_dev_exists softodp0'
t_check "UDP 4791 released with the last device" eval '! sod_port_bound'

# The debug kernel starts each program 10-20x slower; there the cycles are
# about letting KASAN/lockdep/kmemleak see the paths, not about repetition.
ncycles=100
[[ $KVER != *-softodp-dbg ]] || ncycles=8
cycles() {
	local i
	for i in $(seq 1 $ncycles); do
		rdma link add "cyc$i" type softodp netdev eth0 || { echo "add $i failed"; return 1; }
		sod_dev_exists "cyc$i" || { echo "cyc$i missing"; return 1; }
		rdma link delete "cyc$i" || { echo "delete $i failed"; return 1; }
	done
	[ "$(sod_dev_count)" = 0 ] && ! sod_port_bound
}
t_check "$ncycles link add/delete cycles" cycles

# Two devices at once share the socket; deleting one keeps it.
if sod_have_veth; then
	ip link add sodd0 type veth peer name sodd1 && ip link set sodd0 up
	t_check "two devices" eval 'rdma link add softodp0 type softodp netdev eth0 &&
		rdma link add softodp1 type softodp netdev sodd0'
	t_check "socket kept while one device remains" eval 'rdma link delete softodp1 && sod_port_bound'
	t_check "re-add second device" rdma link add softodp1 type softodp netdev sodd0
	t_check "rmmod with two devices present" rmmod softodp
	t_check "netdevs survive rmmod" eval 'ip link show sodd0 >/dev/null && ip link show eth0 >/dev/null'
else
	t_skip "two devices" "no veth in this kernel"
	t_check "one device" rdma link add softodp0 type softodp netdev eth0
	t_check "rmmod with a device present" rmmod softodp
	t_check "netdev survives rmmod" ip link show eth0
fi
t_check "no device left after rmmod" eval '[ "$(sod_dev_count)" = 0 ]'
t_check "port released after rmmod" eval '! sod_port_bound'
t_check "insmod again" sod_load

# Network namespaces: moving the netdev away unregisters it from the old
# namespace (the device must follow); a device in another namespace has its
# own UDP socket there and goes away with the namespace (eth0 itself comes
# back to the initial namespace).
ip netns add sodns
t_check "link add on eth0" rdma link add softodp0 type softodp netdev eth0
t_check "move eth0 to another namespace" ip link set eth0 netns sodns
t_check "device follows the netdev away" wait_for 30 eval '! sod_dev_exists softodp0'
# The core removes the device (sysfs) before its dealloc_driver releases
# the socket, from a work item: the port goes a moment later.
t_check "port released in the initial namespace" wait_for 30 eval '! sod_port_bound'
ip -n sodns link set eth0 up
t_check "device in the namespace" \
	ip netns exec sodns rdma link add sodns0 type softodp netdev eth0
t_check "namespace has its own UDP 4791" ip netns exec sodns bash -c \
	"awk 'FNR > 1 && \$2 ~ /:12B7\$/ {f=1} END {exit !f}' /proc/net/udp"
t_check "initial namespace has none" eval '! sod_port_bound'
t_check "delete the namespace" ip netns del sodns
t_check "namespace device goes away with it" wait_for 30 eval '! sod_dev_exists sodns0'
t_check "eth0 is back" wait_for 30 ip link show eth0
ip link set eth0 up
t_check "device on eth0 again" rdma link add softodp0 type softodp netdev eth0
t_check "rmmod at the end" rmmod softodp
