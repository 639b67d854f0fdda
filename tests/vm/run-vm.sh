#!/usr/bin/env bash
# Boot one or two QEMU (TCG) VMs on the host's root and run a guest script.
#
#   tests/vm/run-vm.sh [--vms 1|2] --script PATH [--script1 PATH]
#       [--kver KVER] [--kernel IMAGE] [--mem MIB] [--smp N] [--timeout SEC]
#       [--append "kernel args"] [--outdir DIR] [--name NAME] [--build DIR]
#       [--boot-timeout SEC] [--no-pvh] [--numa N]
#
# See tests/vm/README.md.  Exit status 0 only if every VM's guest script
# exited 0, no VM timed out and no console/kernel log holds a kernel report
# (tests/vm/log-patterns.txt).  Exit 2 on usage or setup errors.
#
# A VM that has not started its guest script --boot-timeout seconds after
# QEMU started, or whose console stayed silent for 2/7 of that before the
# script started (a hung boot, before the project's code is involved),
# ends the attempt: every VM of the run is stopped and the whole run starts
# over, at most three times, with a line saying so.  A fourth hung boot,
# or a kernel report during a hung boot, fails the run.  The debug kernel
# has a known early-boot deadlock (after "Running RCU-tasks wait API self
# tests"; tests/vm/README.md, "The debug kernel's boot hang"), avoided with
# preempt=none and, should it come back, caught after rcu_tasks_stuck
# seconds.
set -euo pipefail

vmdir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$vmdir/../.." && pwd)

# Run under udp-pair.pl, which opens the two ends of the VMs' Ethernet link.
if [ -z "${_SOD_LINK_FDS:-}" ]; then
	exec perl "$vmdir/udp-pair.pl" "${BASH_SOURCE[0]}" "$@"
fi
link_fds_env=$_SOD_LINK_FDS
unset _SOD_LINK_FDS
[[ $link_fds_env =~ ^[0-9]+\ [0-9]+$ ]] || {
	echo "run-vm: error: bad _SOD_LINK_FDS" >&2
	exit 2
}

usage() {
	sed -n '4,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
die() {
	echo "run-vm: error: $*" >&2
	exit 2
}
say() { echo "run-vm: $*"; }

nvms=1
script=
script1=
kver=
kernel=
mem=
smp=1
numa=0
pvh=1
timeout=300
boot_timeout=
append=
outdir=
name=
build=${SOFTODP_BUILD:-${BUILD:-$src/build}}
while [ $# -gt 0 ]; do
	case $1 in
	--vms) nvms=${2:?}; shift 2 ;;
	--script) script=${2:?}; shift 2 ;;
	--script1) script1=${2:?}; shift 2 ;;
	--kver) kver=${2:?}; shift 2 ;;
	--kernel) kernel=${2:?}; shift 2 ;;
	--mem) mem=${2:?}; shift 2 ;;
	--smp) smp=${2:?}; shift 2 ;;
	--numa) numa=${2:?}; shift 2 ;;
	--no-pvh) pvh=0; shift ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--boot-timeout) boot_timeout=${2:?}; shift 2 ;;
	--append) append=${2?}; shift 2 ;;
	--outdir) outdir=${2:?}; shift 2 ;;
	--name) name=${2:?}; shift 2 ;;
	--build) build=${2:?}; shift 2 ;;
	-h | --help) usage ;;
	*) echo "run-vm: unknown argument: $1" >&2; usage ;;
	esac
done

[[ $nvms =~ ^[12]$ ]] || die "--vms must be 1 or 2"
[ -n "$script" ] || usage
if ! [[ $timeout =~ ^[0-9]+$ ]] || [ "$timeout" -eq 0 ]; then
	die "--timeout must be a positive number of seconds"
fi
[ -z "$script1" ] || [ "$nvms" = 2 ] || die "--script1 needs --vms 2"

if [ -z "$kver" ]; then
	# The newest installed Debian kernel (never hard-coded).
	kver=$(for k in /lib/modules/*-amd64; do
		[ ! -e "$k/modules.dep" ] || echo "${k##*/}"
	done | sort -V | tail -n 1)
	[ -n "$kver" ] || die "no Debian *-amd64 kernel in /lib/modules"
fi
[ -d "/lib/modules/$kver" ] || die "no /lib/modules/$kver"
kernel=${kernel:-/boot/vmlinuz-$kver}
[ -r "$kernel" ] || die "kernel image $kernel not readable"
dbg=0
case $kver in *-softodp-dbg) dbg=1 ;; esac
if [ -z "$mem" ]; then
	if [ $dbg = 1 ]; then mem=2048; else mem=1024; fi
fi
[[ $mem =~ ^[0-9]+$ ]] || die "--mem must be MiB"
[[ $smp =~ ^[0-9]+$ ]] || die "--smp must be a number of vCPUs"
# --numa N (N >= 2): N NUMA nodes sharing the guest RAM (the first ones
# get the remainder); 0 or 1: no NUMA topology (the default).
[[ $numa =~ ^[0-9]+$ ]] && [ "$numa" -le "$mem" ] || die "--numa must be a number of nodes"
# preempt=none: the debug kernel's RCU-tasks boot hang (see the header and
# tests/vm/README.md, "The debug kernel's boot hang") needs the boot thread
# to be preempted at the might_sleep() in a mutex_lock(); with no
# voluntary preemption points that cannot happen.
if [ $dbg = 1 ]; then append="acpi=off preempt=none${append:+ $append}"; fi
# no_timer_check: on a host busy with other VMs the emulated 8254 can miss
# the kernel's early IO-APIC timer check, which then panics ("IO-APIC +
# timer doesn't work!", seen with the debug kernel at load 8 on 2 CPUs).
append="no_timer_check${append:+ $append}"
# Boot to the guest script: about 5 s on the stock kernel, 45-85 s on the
# debug kernel (up to 210 s seen on a host busy with other VMs).
# A booting kernel prints all the time (the longest pause seen before the
# guest script: ~10 s on the debug kernel); a boot whose console stays
# silent for boot_silence seconds is hung as well (seen: a debug kernel
# stuck after "Running RCU-tasks wait API self tests").
if [ -z "$boot_timeout" ]; then
	if [ $dbg = 1 ]; then boot_timeout=420; else boot_timeout=150; fi
fi
boot_silence=$((boot_timeout * 2 / 7))
# The debug kernel (CONFIG_PROVE_RCU) could deadlock in its RCU-tasks
# self-test early in the boot (tests/vm/README.md; preempt=none above
# avoids it).  Normally the next line follows within a second of kernel
# time (a few seconds of wall time on a loaded host); every second waited
# on a hung boot is lost to the whole suite.  SOFTODP_RCU_STUCK=SEC changes
# the wait (a large value keeps a hung guest for gdb).
rcu_tasks_stuck=${SOFTODP_RCU_STUCK:-25}
if ! [[ $boot_timeout =~ ^[0-9]+$ ]] || [ "$boot_timeout" -eq 0 ]; then
	die "--boot-timeout must be a positive number of seconds"
fi

# The guest sees the host's / except what it mounts over: refuse paths it
# could not see.  /tmp and /var/tmp are tmpfs in the guest too, but a path
# there (e.g. a CI clone in /tmp) is kept visible: guest-init bind-mounts
# it back over the tmpfs (sod.keep=).
guest_visible() {
	case $1/ in
	/run/* | /dev/* | /proc/* | /sys/*) return 1 ;;
	esac
}
keep=
keep_path() { # keep_path DIR: have the guest keep DIR visible if under a tmpfs
	local k
	case $1/ in /tmp/* | /var/tmp/*) ;; *) return 0 ;; esac
	for k in ${keep//,/ }; do
		case $1/ in "$k"/*) return 0 ;; esac
	done
	keep=${keep:+$keep,}$1
}
abspath() { readlink -f -- "$1"; }
mkdir -p "$build"
build=$(abspath "$build")
script=$(abspath "$script")
[ -f "$script" ] || die "no guest script $script"
scripts=("$script")
if [ "$nvms" = 2 ]; then
	if [ -n "$script1" ]; then
		script1=$(abspath "$script1")
		[ -f "$script1" ] || die "no guest script $script1"
		scripts+=("$script1")
	else
		scripts+=("$script")
	fi
fi
for p in "${scripts[@]}" "$build" "$src"; do
	guest_visible "$p" || die "$p is hidden in the guest (tmpfs there); use a path elsewhere"
done
[[ $src != *[[:space:]]* ]] || die "the source path must not contain white space: $src"
[[ $build != *[[:space:],]* ]] || die "the build path must not contain white space or commas: $build"
keep_path "$src"
keep_path "$build"
for p in "${scripts[@]}"; do keep_path "$(dirname "$p")"; done

name=${name:-$(basename "$script" .sh)}
outdir=${outdir:-$build/vm/runs/$name}
mkdir -p "$outdir"
outdir=$(abspath "$outdir")

# One run per output directory at a time.
exec 9>"$outdir/.run-vm.lock"
flock -n 9 || die "$outdir is in use by another run (use --outdir or --name)"

# Start clean: remove what an earlier run or attempt left (only our own
# files: the caller may keep other files here).
clean_outdir() {
	local i
	for ((i = 0; i < 2; i++)); do
		rm -rf "${outdir:?}/vm$i" "$outdir/vm$i.exit" "$outdir/console-vm$i.log" \
			"$outdir/qemu-vm$i.log" "$outdir/vm$i.boothang"
	done
	rm -rf "${outdir:?}/shared"
	mkdir -p "$outdir/shared/.barriers"
	for ((i = 0; i < nvms; i++)); do mkdir -p "$outdir/vm$i"; done
}
for ((i = 0; i < 2; i++)); do
	rm -f "$outdir/vm$i.env" "$outdir"/console-vm$i.try*.log
done

initrd=$build/vm/initramfs-$kver.img
"$vmdir/mkinitramfs.sh" "$kver" "$initrd" || die "building the initramfs failed"

bootimg=$kernel
if [ "$pvh" = 1 ]; then
	bootimg=$("$vmdir/pvh-kernel.sh" "$kernel" "$build/vm/vmlinux-pvh-$kver") ||
		die "preparing the kernel image failed"
fi

patterns=$vmdir/log-patterns.txt
[ -r "$patterns" ] || die "no $patterns"

q() { printf '%q' "$1"; }
for ((i = 0; i < nvms; i++)); do
	{
		echo "export SOFTODP_SRC=$(q "$src")"
		echo "export SOFTODP_BUILD=$(q "$build")"
		echo "export SOFTODP_NVMS=$nvms"
		echo "export SOFTODP_NAME=$(q "$name")"
		echo "export SOFTODP_VM_SCRIPT=$(q "${scripts[$i]}")"
	} >"$outdir/vm$i.env"
done

# --- QEMU
pids=()   # PIDs of the `timeout` wrappers, one per VM
t0=()     # start times ($EPOCHREALTIME)
t1=()     # end times
qrc=()    # exit status of the wrappers
# shellcheck disable=SC2317 # (invoked by the EXIT trap)
cleanup() {
	local p
	# TERM to `timeout`, which passes it on to its QEMU.
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The Ethernet link: one UDP socket per VM, connected to each other; see
# udp-pair.pl, which started this script with them open.  With one VM the
# second socket stays open here, unread: packets to it are dropped.
read -r -a link_fds <<<"$link_fds_env"
# An experiment knob: SOFTODP_VM_CPUS="0 1" runs VM i (all its QEMU
# threads) on the host CPU list given as word i (taskset -c syntax).
read -r -a vm_cpus <<<"${SOFTODP_VM_CPUS:-}"
qemu_args() { # qemu_args INDEX FD
	local i=$1
	printf '%s\n' -machine q35 -accel tcg -smp "$smp" -m "$mem" \
		-nodefaults -no-user-config -display none -no-reboot \
		-kernel "$bootimg" -initrd "$initrd" \
		-append "console=ttyS0 printk.time=1 panic=-1 rdinit=/init sod.init=$vmdir/guest-init.sh sod.idx=$i${keep:+ sod.keep=$keep}${append:+ $append}" \
		-chardev "file,id=con,path=$outdir/console-vm$i.log" -serial chardev:con \
		-fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
		-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
		-fsdev "local,id=sodout,path=$outdir,security_model=none,multidevs=remap" \
		-device virtio-9p-pci,fsdev=sodout,mount_tag=sodout \
		-netdev "dgram,id=n0,local.type=fd,local.str=$2" \
		-device "virtio-net-pci,netdev=n0,mac=52:54:00:50:de:0$i"
	local n
	for ((n = 0; numa > 1 && n < numa; n++)); do
		printf '%s\n' -object "memory-backend-ram,id=numa$n,size=$((mem / numa + (n < mem % numa)))M" \
			-numa "node,nodeid=$n,memdev=numa$n"
	done
	# Extra QEMU arguments for experiments (split on white space).
	# shellcheck disable=SC2086
	[ -z "${SOFTODP_QEMU_EXTRA:-}" ] || printf '%s\n' ${SOFTODP_QEMU_EXTRA//%i/$i}
}

# kernel_hits FILE: "LINENO:text" of kernel log lines matching a pattern.
kre=$(grep -vE '^[[:space:]]*(#|$)' "$patterns" | paste -sd '|')
kernel_hits() {
	[ -f "$1" ] || return 0
	grep -naE "\[ *[0-9]+\.[0-9]+\].*($kre)" "$1" || true
}
# boot_watch INDEX: stop every VM of the attempt if VM INDEX has not started
# its guest script boot_timeout seconds after QEMU started.  A bounded poll
# of a file that guest-init creates (no other signal crosses 9p).
boot_watch() {
	local i=$1
	local n=0 quiet=0 stuck=0 size last=-1 con=$outdir/console-vm$1.log
	while [ $n -lt "$boot_timeout" ] && [ $quiet -lt "$boot_silence" ] &&
		[ $stuck -lt "$rcu_tasks_stuck" ]; do
		[ ! -e "$outdir/vm$i/started" ] || return 0
		kill -0 "${pids[$i]}" 2>/dev/null || return 0
		sleep 1
		n=$((n + 1))
		size=$(stat -c %s "$con" 2>/dev/null || echo 0)
		if [ "$size" = "$last" ]; then quiet=$((quiet + 1)); else quiet=0; fi
		last=$size
		# The debug kernel's known early-boot hang (see the header).
		if tail -n 3 "$con" 2>/dev/null | grep -av 'random: crng init done' |
			tail -n 1 | grep -q 'Running RCU-tasks wait API self tests'; then
			stuck=$((stuck + 1))
		else
			stuck=0
		fi
	done
	[ ! -e "$outdir/vm$i/started" ] || return 0
	if [ $stuck -ge "$rcu_tasks_stuck" ]; then
		echo "its kernel stopped after 'Running RCU-tasks wait API self tests' for ${rcu_tasks_stuck} s" \
			>"$outdir/vm$i.boothang"
	elif [ $quiet -ge "$boot_silence" ]; then
		echo "its console stayed silent for ${boot_silence} s" >"$outdir/vm$i.boothang"
	else
		echo "it was not there within ${boot_timeout} s" >"$outdir/vm$i.boothang"
	fi
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
}

# run_attempt: start the VMs, wait for all of them.  Sets t0, t1, qrc.
run_attempt() {
	local i fd other rc done_pid p
	local -a args left nl watchers pin
	clean_outdir
	pids=() t0=() t1=() qrc=() watchers=()
	for ((i = 0; i < nvms; i++)); do
		fd=${link_fds[$i]}
		other=${link_fds[$((1 - i))]}
		mapfile -t args < <(qemu_args "$i" "$fd")
		: >"$outdir/console-vm$i.log"
		t0[i]=$EPOCHREALTIME
		# pdeathsig: if this script is killed outright, its QEMUs die
		# too.  The QEMU gets its own end of the link only ({other}>&-
		# closes the other end for it).
		pin=()
		[ -z "${vm_cpus[i]:-}" ] || pin=(taskset -c "${vm_cpus[i]}")
		setpriv --pdeathsig KILL \
			timeout --signal=TERM --kill-after=10 "$timeout" \
			setpriv --pdeathsig KILL \
			"${pin[@]}" qemu-system-x86_64 "${args[@]}" \
			</dev/null >"$outdir/qemu-vm$i.log" 2>&1 {other}>&- &
		pids[i]=$!
	done
	for ((i = 0; i < nvms; i++)); do
		boot_watch "$i" &
		watchers+=($!)
	done

	# Wait for every VM (each is bounded by its `timeout`).
	left=("${pids[@]}")
	while [ ${#left[@]} -gt 0 ]; do
		rc=0
		wait -n -p done_pid "${left[@]}" || rc=$?
		nl=()
		for ((i = 0; i < nvms; i++)); do
			if [ "${pids[$i]}" = "$done_pid" ]; then
				t1[i]=$EPOCHREALTIME
				qrc[i]=$rc
			fi
		done
		for p in "${left[@]}"; do [ "$p" = "$done_pid" ] || nl+=("$p"); done
		left=("${nl[@]}")
	done
	pids=()
	for p in "${watchers[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

say "$name: $nvms VM(s), kernel $kver, ${mem} MiB, timeout ${timeout}s, output $outdir"
max_attempts=4
for ((attempt = 1; ; attempt++)); do
	run_attempt
	hung=()
	for ((i = 0; i < nvms; i++)); do
		[ ! -e "$outdir/vm$i.boothang" ] || hung+=("$i")
	done
	[ ${#hung[@]} -gt 0 ] || break
	[ "$attempt" -lt $max_attempts ] || break
	# Retry only a silent hang: a kernel report during boot is a failure.
	reported=0
	for i in "${hung[@]}"; do
		[ -z "$(kernel_hits "$outdir/console-vm$i.log")" ] || reported=1
	done
	[ $reported = 0 ] || break
	for i in "${hung[@]}"; do
		say "vm$i: did not start the guest script: $(cat "$outdir/vm$i.boothang") (boot hang); last console lines:"
		tail -n 8 "$outdir/console-vm$i.log" | sed 's/^/    /'
		cp "$outdir/console-vm$i.log" "$outdir/console-vm$i.try$attempt.log"
	done
	say "RETRY $name: starting every VM of the run again (the hung boot's console is in console-vmN.try$attempt.log)"
done

# --- verdict
dt() { # dt START END -> seconds with one decimal
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'
}
# context FILE LINES...: print each hit with 3 lines before and 12 after,
# at most 80 lines in all.
context() {
	local f=$1
	shift
	awk -v hits="$*" '
		BEGIN { n = split(hits, h, " "); for (k = 1; k <= n; k++) { for (l = h[k] - 3; l <= h[k] + 12; l++) want[l] = 1; mark[h[k]] = 1 } }
		want[FNR] { if (FNR > last + 1 && last) print "    ..."; printf "    %s %s\n", (mark[FNR] ? ">>" : "  "), $0; last = FNR; if (++shown >= 80) { print "    ... (cut)"; exit } }
	' "$f"
}

join() { # join SEP WORDS...
	local sep=$1 joined=$2 w
	shift 2
	for w in "$@"; do joined+="$sep$w"; done
	printf '%s' "$joined"
}

fail=0
reasons=()
for ((i = 0; i < nvms; i++)); do
	st=PASS
	why=()
	con=$outdir/console-vm$i.log
	rc=${qrc[$i]:-?}
	if [ -e "$outdir/vm$i.boothang" ]; then
		why+=("did not start the guest script: $(cat "$outdir/vm$i.boothang")")
	elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		why+=("timeout after ${timeout} s")
	elif [ "$rc" != 0 ]; then
		why+=("qemu exited $rc: $(tail -n 3 "$outdir/qemu-vm$i.log" | tr '\n' ' ')")
	fi
	if [ -f "$outdir/vm$i.exit" ]; then
		ex=$(cat "$outdir/vm$i.exit")
		[ "$ex" = 0 ] || why+=("guest script exited $ex")
	else
		why+=("no exit status from the guest script")
	fi
	hits=$(kernel_hits "$con")
	src_log=$con
	if [ -z "$hits" ]; then
		hits=$(kernel_hits "$outdir/vm$i/dmesg.txt")
		src_log=$outdir/vm$i/dmesg.txt
	fi
	[ -z "$hits" ] || why+=("kernel report in the log")

	boot=-
	if [ -f "$outdir/vm$i/started" ]; then
		boot=$(dt "${t0[$i]}" "$(stat -c %.6Y "$outdir/vm$i/started")")
	fi
	total=$(dt "${t0[$i]}" "${t1[$i]}")
	if [ ${#why[@]} -gt 0 ]; then
		st=FAIL
		fail=1
	fi
	msg="vm$i: $st  boot-to-script ${boot} s  total ${total} s"
	[ ${#why[@]} -eq 0 ] || msg+="  ($(join '; ' "${why[@]}"))"
	say "$msg"
	[ $st = PASS ] || reasons+=("vm$i: $(join '; ' "${why[@]}")")

	if [ -n "$hits" ]; then
		say "vm$i: kernel report(s) in $src_log:"
		cut -d: -f2- <<<"$hits" | head -n 10 | sed 's/^/    /'
		say "vm$i: context:"
		# shellcheck disable=SC2046
		context "$src_log" $(cut -d: -f1 <<<"$hits" | head -n 10)
	fi
	if grep -q 'sod-init: FATAL' "$con" 2>/dev/null; then
		grep -a 'sod-init: FATAL' "$con" | head -n 5 | sed "s/^/    vm$i: /"
	fi
	if [ ! -f "$outdir/vm$i.exit" ]; then
		say "vm$i: last console lines ($con):"
		tail -n 15 "$con" | sed 's/^/    /'
	fi
done

if [ $fail = 0 ]; then
	say "PASS $name"
else
	say "FAIL $name: $(join ' | ' "${reasons[@]}")"
fi
exit $fail
