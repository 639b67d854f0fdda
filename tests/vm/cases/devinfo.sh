#!/usr/bin/env bash
# What libibverbs sees: ibv_devices/ibv_devinfo content, RoCE v2 GIDs,
# active MTU following the netdev, provider matching after a rename, and
# the provider loaded from its installed location.
# vms: 1
# cost: 25
# tiers: stock
# tier-note: the debug tier runs it inside debug-basics.sh (one debug VM for several cases)
# timeout: 300
# timeout-debug: 900
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
. "$(dirname "$0")/_softodp.sh"

sod_load || { t_fail "insmod softodp" "load failed"; exit 1; }
rdma link add softodp0 type softodp netdev eth0 || { t_fail "link add" "failed"; exit 1; }

t_check "ibv_devices lists softodp0" eval 'ibv_devices | grep -qw softodp0'
ibv_devinfo -v -d softodp0 >"$SOFTODP_OUT/devinfo.txt" 2>&1
cat "$SOFTODP_OUT/devinfo.txt"
dv() { grep -qE "$1" "$SOFTODP_OUT/devinfo.txt"; }
t_check "devinfo: transport InfiniBand" dv 'transport:[[:space:]]+InfiniBand'
t_check "devinfo: PORT_ACTIVE" dv 'state:[[:space:]]+PORT_ACTIVE'
t_check "devinfo: link layer Ethernet" dv 'link_layer:[[:space:]]+Ethernet'
t_check "devinfo: active_mtu 1024 for netdev MTU 1500" dv 'active_mtu:[[:space:]]+1024'
t_check "devinfo: max_mtu 4096" dv 'max_mtu:[[:space:]]+4096'
t_check "devinfo: fw_ver" dv 'fw_ver:[[:space:]]+0\.1\.0'
t_check "devinfo: max_pd 65536" dv 'max_pd:[[:space:]]+65536'
t_check "devinfo: max_qp 65536" dv 'max_qp:[[:space:]]+65536$'
t_check "devinfo: max_qp_rd_atom 16" dv 'max_qp_rd_atom:[[:space:]]+16$'
t_check "devinfo: atomics are HCA-wide" dv 'atomic_cap:[[:space:]]+ATOMIC_HCA'
# odp_caps NAME: the capability words ibv_devinfo -v lists under NAME.
odp_caps() {
	awk -v h="$1:" '$1 == h { on = 1; next }
		on && /^[[:space:]]+[A-Z_ ]+$/ { sub(/^[[:space:]]+/, ""); printf "%s ", $0; next }
		{ on = 0 }' \
		"$SOFTODP_OUT/devinfo.txt"
}
t_check "devinfo: explicit and implicit ODP" eval \
	'[ "$(odp_caps general_odp_caps)" = "ODP_SUPPORT ODP_SUPPORT_IMPLICIT " ]'
t_check "devinfo: RC ODP caps" eval \
	'[ "$(odp_caps rc_odp_caps)" = "SUPPORT_SEND SUPPORT_RECV SUPPORT_WRITE SUPPORT_READ SUPPORT_ATOMIC SUPPORT_SRQ " ]'
t_check "devinfo: UD ODP caps" eval '[ "$(odp_caps ud_odp_caps)" = "SUPPORT_SEND SUPPORT_RECV " ]'
t_check "devinfo: no UC ODP caps" eval '[ "$(odp_caps uc_odp_caps)" = "NO SUPPORT " ]'
# IPv4 addresses appear as IPv4-mapped IPv6 GIDs.
t_check "devinfo: RoCE v2 GID of 192.0.2.1" dv 'GID\[ *[0-9]+\]:[[:space:]]+::ffff:192\.0\.2\.1, RoCE v2'
t_check "devinfo: RoCE v2 GID of 2001:db8::1" dv 'GID\[ *[0-9]+\]:[[:space:]]+2001:db8::1, RoCE v2'
t_check "devinfo: RoCE v2 link-local GID" dv 'GID\[ *[0-9]+\]:[[:space:]]+fe80::[0-9a-f:]+, RoCE v2'
t_check "devinfo: no RoCE v1 GIDs" eval '! dv "RoCE v1"'

t_check "sysfs hca_type" eval '[ "$(cat /sys/class/infiniband/softodp0/hca_type)" = softodp ]'
t_check "sysfs parent" eval '[ "$(cat /sys/class/infiniband/softodp0/parent)" = eth0 ]'
t_check "sod_devcheck" "$SOD_PROGS/sod_devcheck" --dev softodp0 --mtu 1024 \
	--vendor-id 0xffffff --part-id 0x50d0 \
	--gid-ip 192.0.2.1 --state active

mtu_is() {
	ip link set eth0 mtu "$1" &&
		ibv_devinfo -d softodp0 | grep -qE "active_mtu:[[:space:]]+$2 "
}
t_check "netdev MTU 9000 -> active_mtu 4096" mtu_is 9000 4096
# RoCE headers counted by the core: GRH 40, UDP 8, BTH 12, XRC 4,
# AtomicETH 28, ICRC 4 = 96 bytes, so 4096 + 96 is the smallest for 4096.
t_check "netdev MTU 4192 -> active_mtu 4096" mtu_is 4192 4096
t_check "netdev MTU 4191 -> active_mtu 2048" mtu_is 4191 2048
t_check "netdev MTU 600 -> active_mtu 256" mtu_is 600 256
t_check "netdev MTU 1500 -> active_mtu 1024" mtu_is 1500 1024

t_check "rename device" rdma dev set softodp0 name renamed0
t_check "renamed device still matched by the provider" \
	eval 'ibv_devinfo -d renamed0 | grep -q PORT_ACTIVE'
t_check "rename back" rdma dev set renamed0 name softodp0

# The provider as installed by `cmake --install` (staged by the build).
if touch /etc/.sod_rw 2>/dev/null; then
	install_stage() {
		cp -a "$SOFTODP_BUILD/stage/." / &&
			[ -f /etc/libibverbs.d/softodp.driver ] &&
			ls /usr/lib/*/libibverbs/libsoftodp-rdmav34.so
	}
	t_check "install the staged provider into /usr and /etc" install_stage
	t_check "installed provider loads without RDMAV_DRIVERS" \
		env -u RDMAV_DRIVERS bash -c 'ibv_devinfo -d softodp0 | grep -q PORT_ACTIVE'
else
	t_skip "installed provider" "guest root is read-only"
fi
t_check "link delete" rdma link delete softodp0
t_check "rmmod" rmmod softodp
