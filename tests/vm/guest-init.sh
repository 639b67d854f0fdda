#!/bin/bash
# softodp VM harness, stage 2: PID 1 in the guest after switch_root.
#
# Runs from the host tree (shared read-only over 9p).  Sets the guest up,
# runs the guest script with bash, reports its exit status to the shared
# directory and ends the VM with sysrq-b (QEMU runs with -no-reboot).
#
# Under TCG every exec of a dynamically linked program costs 50-150 ms, so
# this script sticks to bash builtins and the host's static busybox, and
# runs only a few other programs (modprobe, ip, tee, setsid, bash).
#
# Input:
#   kernel command line  sod.idx=N (VM index), sod.loglevel=N (console
#                        log level while the script runs, default 7),
#                        sod.trace=1 (trace this script on the console)
#   SOD_ROOT_MODE        "overlay" or "ro", exported by the initramfs /init
#   9p share "sodout"    run-vm.sh's output directory (read-write), mounted
#                        at /run/sodshared; its vmN.env holds the variables
#                        run-vm.sh passes.  Its subdirectory shared/ is
#                        SOFTODP_SHARED (both VMs), vmN/ is SOFTODP_OUT.
# Output, in the output directory:
#   vmN/started          created just before the guest script starts (the
#                        host takes its mtime as the "script start" time)
#   vmN/log              the script's stdout+stderr (also on the console)
#   vmN/dmesg.txt        the whole kernel log after the script ended
#   vmN.exit             the script's exit status
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LANG=C.UTF-8 TERM=dumb

say() { echo "sod-init: $*"; }
reboot_now() {
	sync || true
	echo b >/proc/sysrq-trigger
	# Not reached; PID 1 must never return.
	exec sleep infinity
}
trap 'say "FATAL: line $LINENO: \"$BASH_COMMAND\" failed"' ERR
trap 'reboot_now' EXIT

BB=/bin/busybox
[ -x $BB ] || BB=/usr/bin/busybox
[ -x $BB ] || {
	say "FATAL: no static busybox on the host (apt-get install busybox-static)"
	exit 1
}

idx=
loglevel=7
keep=()
read -r -a cmdline </proc/cmdline
for a in "${cmdline[@]}"; do
	case $a in
	sod.idx=*) idx=${a#sod.idx=} ;;
	sod.loglevel=*) loglevel=${a#sod.loglevel=} ;;
	sod.keep=*) IFS=, read -r -a keep <<<"${a#sod.keep=}" ;;
	sod.trace=1)
		PS4='+ ${EPOCHREALTIME} '
		set -x
		;;
	esac
done
[[ $idx =~ ^[0-9]+$ ]] || {
	say "FATAL: no sod.idx=N on the kernel command line"
	exit 1
}

# --- file systems
# One busybox shell runs every mount (its applets need no exec: cheaper
# than one busybox process per mount, which matters on the debug kernel).
declare -A mounted=()
# The initramfs already moved /proc, /sys and /dev here.
if [ -r /proc/mounts ]; then
	while read -r _ mp _; do mounted[$mp]=1; done </proc/mounts
fi
sh_cmds=("set -e")
mnt() { # mnt TYPE DIR [OPTIONS [DEVICE]]: mount unless DIR is a mount point
	[ -z "${mounted[$2]:-}" ] || return 0
	sh_cmds+=("mkdir -p $2; mount -t $1 ${3:+-o $3} ${4:-$1} $2")
	mounted[$2]=1
}
mnt proc /proc
mnt sysfs /sys
mnt devtmpfs /dev
for f in fd:/proc/self/fd stdin:/proc/self/fd/0 stdout:/proc/self/fd/1 stderr:/proc/self/fd/2; do
	[ -e "/dev/${f%%:*}" ] || sh_cmds+=("ln -s ${f#*:} /dev/${f%%:*}")
done
mnt devpts /dev/pts gid=5,mode=620,ptmxmode=666
mnt tmpfs /dev/shm mode=1777,nosuid,nodev
# Host directories under /tmp or /var/tmp that the run needs (sod.keep=)
# are parked on /dev before the tmpfs hides them, then moved back.
for i in "${!keep[@]}"; do
	sh_cmds+=("mkdir -p /dev/.sodkeep$i; mount --bind ${keep[$i]} /dev/.sodkeep$i")
done
mnt tmpfs /tmp mode=1777,nosuid,nodev
mnt tmpfs /run mode=0755,nosuid,nodev
sh_cmds+=("mkdir -p /run/lock")
if [ "${SOD_ROOT_MODE:-ro}" != overlay ]; then
	mnt tmpfs /var/tmp mode=1777,nosuid,nodev
fi
for i in "${!keep[@]}"; do
	sh_cmds+=("mkdir -p ${keep[$i]}; mount --move /dev/.sodkeep$i ${keep[$i]}; rmdir /dev/.sodkeep$i")
done
mnt debugfs /sys/kernel/debug
mnt tracefs /sys/kernel/tracing
share=/run/sodshared
# cache=none: what one VM writes, the other sees at once (barriers).
mnt 9p $share trans=virtio,version=9p2000.L,msize=512000,cache=none,rw sodout
printf '%s\n' "${sh_cmds[@]}" | $BB sh -s || {
	say "FATAL: mounting file systems failed: ${sh_cmds[*]}"
	exit 1
}

# --- network first: the kernel reports carrier up to a second after the
# link is set up, let that overlap the rest of the setup.  (The initramfs
# loads virtio_net and configfs early when they are modules, and sets eth0
# up, so usually there is nothing to load here.)
# (configfs: a module in the stock kernel, absent from the debug one; the
# initramfs loads it when it is a module, so no modprobe for it here.)
if [ ! -e /sys/class/net/eth0 ]; then
	modprobe virtio_net || true
	for ((i = 0; i < 100; i++)); do
		[ -e /sys/class/net/eth0 ] && break
		$BB sleep 0.05
	done
fi
[ -e /sys/class/net/eth0 ] || {
	say "FATAL: no eth0 after modprobe virtio_net"
	exit 1
}
w() { if [ -w "$1" ]; then echo "$2" >"$1"; fi; }
my_ip4=192.0.2.$((idx + 1))
my_ip6=2001:db8::$((idx + 1))
# Global IPv6 address usable at once: no duplicate address detection.
w /proc/sys/net/ipv6/conf/eth0/accept_dad 0
sh_cmds=("set -e" "ip link set lo up" "ip link set eth0 up"
	"ip address add $my_ip4/24 dev eth0" "ip address add $my_ip6/64 dev eth0")
if [ -d /sys/kernel/config ] && [ -z "${mounted[/sys/kernel/config]:-}" ]; then
	# (the directory exists once configfs is registered)
	mnt configfs /sys/kernel/config
fi
printf '%s\n' "${sh_cmds[@]}" | $BB sh -s || {
	say "FATAL: network setup failed: ${sh_cmds[*]}"
	exit 1
}

# --- environment from the host
# shellcheck disable=SC1090
. "$share/vm$idx.env"
: "${SOFTODP_SRC:?}" "${SOFTODP_NVMS:?}" "${SOFTODP_VM_SCRIPT:?}"
export SOFTODP_BUILD=${SOFTODP_BUILD:-$SOFTODP_SRC/build}
export SOFTODP_VM_INDEX=$idx
export SOFTODP_SHARED=$share/shared
export SOFTODP_OUT=$share/vm$idx
export SOFTODP_ROOT_MODE=${SOD_ROOT_MODE:-ro}
export KVER
read -r KVER </proc/sys/kernel/osrelease
export SOFTODP_MY_IP4=$my_ip4
export SOFTODP_MY_IP6=$my_ip6
if [ "$SOFTODP_NVMS" -eq 2 ]; then
	peer=$((1 - idx))
	export SOFTODP_PEER_IP4=192.0.2.$((peer + 1))
	export SOFTODP_PEER_IP6=2001:db8::$((peer + 1))
fi
if [ "$SOFTODP_ROOT_MODE" = overlay ]; then
	export HOME=/root
else
	export HOME=/tmp
fi
unset SOD_ROOT_MODE
[ -d "$SOFTODP_OUT" ] || $BB mkdir -p "$SOFTODP_OUT"

# --- identity, kernel knobs
echo "vm$idx" >/proc/sys/kernel/hostname
# Make hangs visible on the console.
w /proc/sys/kernel/hung_task_timeout_secs 20
w /proc/sys/kernel/hung_task_warnings -1
w /proc/sys/kernel/hung_task_panic 0
w /proc/sys/kernel/watchdog 1
w /proc/sys/kernel/soft_watchdog 1
w /proc/sys/kernel/watchdog_thresh 10
w /proc/sys/kernel/softlockup_panic 0
w /proc/sys/kernel/softlockup_all_cpu_backtrace 1
w /sys/module/rcupdate/parameters/rcu_cpu_stall_suppress 0
w /sys/module/rcupdate/parameters/rcu_cpu_stall_timeout 21
w /proc/sys/kernel/panic_on_warn 0
w /proc/sys/kernel/printk "$loglevel"

# Start the script with the link up (bounded wait).
for ((i = 0; i < 100; i++)); do
	read -r oper </sys/class/net/eth0/operstate
	[ "$oper" != up ] || break
	$BB sleep 0.05
done
[ "$oper" = up ] || say "warning: eth0 is still $oper"

# --- kmemleak (debug kernel): forget what boot left behind, so that only
# objects leaked while the script ran are reported afterwards.  (This scan
# costs ~25 s.  Skipping it and judging reports by their allocation
# jiffies instead was tried and reverted when a leak showed up; that leak
# then proved real and independent of it: a core bug hit by sod_failnth's
# ucontext sweep, see the comment at its op table.  The jiffies approach
# could come back.)  kmemleak's own periodic scan is turned off: leaks are
# looked for only by explicit scans (here after the script, and guest-lib's
# kmemleak_check), each of which copies what it finds into the kernel log as
# "unreferenced object" lines, and the kernel's "N new suspected memory
# leaks" line that any scan prints is not a failure by itself (after a
# kmemleak_check that forgave a known core leak it is not one).
kml=/sys/kernel/debug/kmemleak
if [ -w $kml ]; then
	echo scan=off >$kml
	echo scan >$kml
	echo clear >$kml
fi

# --- run the guest script
script=$SOFTODP_VM_SCRIPT
cd "$SOFTODP_OUT"
exec 3> >(exec tee -a "$SOFTODP_OUT/log")
teepid=$!
say "vm$idx: root $SOFTODP_ROOT_MODE, kernel $KVER; running $script"
: >"$SOFTODP_OUT/started"
# Its own session and process group, so that leftovers can be killed.
$BB setsid bash "$script" </dev/null >&3 2>&1 &
spid=$!
rc=0
wait "$spid" || rc=$?
say "vm$idx: guest script exited $rc"
kill -KILL -- "-$spid" 2>/dev/null || true
exec 3>&-
# Give tee a bounded moment to drain (a leftover that escaped the process
# group may hold the pipe open: then carry on without it).
for ((i = 0; i < 40; i++)); do
	kill -0 "$teepid" 2>/dev/null || break
	$BB sleep 0.05
done

# kmemleak reports an object only when it is older than 5 s (its minimum
# age) and its contents were unchanged since the previous scan, so: let the
# age pass for an object leaked at the very end (e.g. by rmmod), then scan
# twice.  A reported leak goes into the kernel log, where the host's log
# scan fails the run on "unreferenced object".
if [ -w $kml ]; then
	$BB sleep 6
	echo scan >$kml
	echo scan >$kml
	leaks=$(cat $kml)
	if [ -n "$leaks" ]; then
		say "vm$idx: kmemleak reports leaks after the script:"
		head -n 200 <<<"$leaks" | while IFS= read -r l; do
			echo "<3>sod-kmemleak: $l" >/dev/kmsg
		done
	fi
fi

$BB dmesg >"$SOFTODP_OUT/dmesg.txt" 2>&1 || true
echo "$rc" >"$share/vm$idx.exit"
