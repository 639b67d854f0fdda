#!/usr/bin/env bash
# Data-path matrix on one device (server and client processes in one VM):
# every op (send, send_imm, write, write_imm, read, cas, faa, inline,
# ud_send, ud_send_imm) x sizes 0..1 MiB+1, payload and guard bytes and
# completions checked by sod_traffic; at path MTU 1024 and 4096 (eth0 MTU
# 9000), with an SRQ shared by two QPs, and over the IPv6 GID.
# Device kind: sod.dev=rxe|softodp on --append (see _traffic.sh).
# vms: 1
# cost: 28
# timeout: 240
# tiers: stock
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
. "$(dirname "$0")/_traffic.sh"

traffic_setup 9000 || exit 1
t_check "active MTU 4096 with eth0 MTU 9000" eval '[ "$(traffic_active_mtu)" = 4096 ]'

t_check "loopback matrix, path MTU 1024, 3 iterations" traffic_loop mtu1024 --mtu 1024 --iters 3
t_check "loopback matrix, path MTU 4096" traffic_loop mtu4096 --mtu 4096 \
	--sizes 0,1,4095,4096,4097,65536,1048577
t_check "loopback SRQ (2 QPs), 2 iterations" traffic_loop srq --srq --iters 2 \
	--ops send,send_imm,inline,write_imm,write --sizes 0,1,4097,65536

# Over IPv6: the RoCE v2 GID of eth0's IPv6 address (IPv6 headers, the UD
# GRH from an IPv6 header, local delivery of IPv6 packets).
gid6() {
	local want f i
	want=$(python3 -c 'import ipaddress,sys; print(ipaddress.ip_address(sys.argv[1]).exploded)' "$SOFTODP_MY_IP6")
	for f in /sys/class/infiniband/"$TDEV"/ports/1/gids/*; do
		i=${f##*/}
		[ "$(cat "$f" 2>/dev/null)" = "$want" ] &&
			[ "$(cat "/sys/class/infiniband/$TDEV/ports/1/gid_attrs/types/$i" 2>/dev/null)" = "RoCE v2" ] &&
			{ echo "$i"; return 0; }
	done
	return 1
}
if t_check "RoCE v2 GID of $SOFTODP_MY_IP6" wait_for 30 gid6; then
	G6=$(gid6)
	t_check "loopback matrix over IPv6 (GID index $G6)" traffic_loop ipv6 \
		--gid-index "$G6" --mtu 1024 --sizes 0,1,4097,65536
fi

ok=1
grep -q '^FAIL ' "$SOFTODP_OUT/results" && ok=0
[ $ok = 1 ]
