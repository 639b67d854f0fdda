#!/usr/bin/env bash
# On-Demand Paging on one softodp device (loopback), by sod_odp: the ODP
# capabilities; registration with RLIMIT_MEMLOCK 0 and of 8 GiB (more than
# the VM's RAM) without growing VmRSS; every RC op (1 B..1 MiB+1, atomics)
# and UD sends with ODP MRs on both sides (first accesses fault), SGE lists
# mixing ODP and pinned MRs, SRQ receives; the device following the page
# tables after munmap + mmap(MAP_FIXED), MADV_DONTNEED, a COW break after
# fork(), mprotect, mremap; a read-only memfd mapping; access errors after
# munmap; a THP split by munmap of one page; hugetlb pages; MAP_SHARED
# memfd and ext4 files (pwrite/pread, hole punching, truncation);
# MADV_FREE then reclaim through memory.reclaim (freed pages read as
# zeros, pages the CPU rewrote keep their data: 'madv_free'; and an RDMA
# WRITE into a lazily freed page survives the reclaim: 'madv_free_write');
# move_pages() of mapped pages to the other NUMA node ('migrate': the VM
# gets two nodes, header 'numa: 2'); KSM merging identical pages and an
# RDMA WRITE breaking the sharing ('ksm'); and (stock tier) a 128 MiB ODP
# region under a 64M memory cgroup with zram swap: pieces swapped out and
# in again keep their data.
#
# Two passes, one result per sub-test and pass, each sub-test in its own
# process (a crash loses one result, not the rest):
#   "odp pinned: NAME"  sod_odp --pinned: every MR pinned, the sub-tests
#                       whose outcome is the same for pinned memory run (the
#                       others SKIP): proves the QP plumbing and the data
#                       checks on any device;
#   "odp: NAME"         ODP MRs; every sub-test SKIPs while the device does
#                       not advertise IBV_ODP_SUPPORT.
# Module unload afterwards proves nothing leaked a reference (incl. the
# mm references of ODP MRs).
# Device kind: sod.dev=rxe|softodp on --append (see _traffic.sh).
# vms: 1
# cost: 116
# cost-debug: 310
# numa: 2
# timeout: 600
# timeout-debug: 1500
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
. "$(dirname "$0")/_traffic.sh"

P=$SOFTODP_BUILD/tests/progs/sod_odp

traffic_setup || exit 1

# Two NUMA nodes (header 'numa: 2') are for 'migrate' only: automatic NUMA
# balancing would move pages behind the sub-tests' backs (with it on, one
# run of this case took 181 s, with it off 116 s, the time of a run
# without NUMA; the host's load differed somewhat).
if [ -w /proc/sys/kernel/numa_balancing ]; then
	echo 0 >/proc/sys/kernel/numa_balancing
fi

# The debug kernel runs everything 5-10x slower: wait longer there, and
# give RC acknowledgements ~1 s instead of ~67 ms (there a 1 MiB SEND ran
# out of retries with the default, pinned and ODP alike).
args=(--dev "$TDEV" --gid-index "$TGID")
case $KVER in
*-softodp-dbg) args+=(--timeout-ms 60000 --qp-timeout 18) ;;
esac

# odp_record RES LOG NAME CMD [ARGS...]: run CMD (a sod_odp run of the
# single sub-test NAME) into LOG and record RES from its
# "sod_odp: PASS|FAIL|SKIP NAME: ..." line.  A run without such a line, or
# whose exit status disagrees with it, is a FAIL.  Status 1 if it failed.
odp_record() {
	local res=$1 log=$2 name=$3 rc=0 line="" l
	shift 3
	"$@" >"$log" 2>&1 || rc=$?
	# The log, indented, and its first result line (no sed or grep: every
	# process costs most of a second on the debug kernel).
	while IFS= read -r l; do
		echo "  $l"
		case $l in
		"sod_odp: PASS $name: "* | "sod_odp: FAIL $name: "* | "sod_odp: SKIP $name: "*)
			[ -n "$line" ] || line=$l
			;;
		esac
	done <"$log"
	case $line in
	"sod_odp: PASS $name: "* | "sod_odp: SKIP $name: "*)
		if [ "$rc" -ne 0 ]; then
			t_fail "$res" "exit $rc after: ${line#sod_odp: }"
			return 1
		elif [[ $line == "sod_odp: PASS "* ]]; then
			t_pass "$res"
		else
			t_skip "$res" "${line#"sod_odp: SKIP $name: "}"
		fi
		;;
	"sod_odp: FAIL $name: "*)
		t_fail "$res" "${line#"sod_odp: FAIL $name: "}"
		return 1
		;;
	*)
		t_fail "$res" "no result (sod_odp exited $rc: $(tail -n 1 "$log" | cut -c1-160))"
		return 1
		;;
	esac
}

# odp_pass LABEL [ARGS...]: every sub-test of sod_odp --list in its own
# run, recorded as "odp LABEL: NAME" (LABEL empty: "odp: NAME").  Status 1
# if anything failed.
odp_pass() {
	local label=$1 name status=0
	shift
	for name in $("$P" --list); do
		odp_record "odp${label:+ $label}: $name" \
			"$SOFTODP_OUT/sod_odp${label:+-$label}-$name.log" "$name" \
			"$P" "${args[@]}" "$@" --test "$name" || status=1
	done
	return $status
}

# Memory the sub-tests thp_split..ext4_file need: 8 hugetlb pages of
# 2 MiB ('hugetlb' SKIPs without them); an ext4 file system on a loop
# device backed by /tmp (tmpfs) for 'ext4_file' (SKIPs without
# --ext4-dir).
echo 8 >/proc/sys/vm/nr_hugepages || true
grep -E '^HugePages_(Total|Free)' /proc/meminfo
ext4_img=/tmp/sod_odp_ext4.img
ext4_dir=/tmp/sodext4  # /tmp: writable on the read-only debug root too
modprobe loop 2>/dev/null || true
if truncate -s 64M "$ext4_img" && mkfs.ext4 -q -F "$ext4_img" &&
	mkdir -p "$ext4_dir" && mount -o loop "$ext4_img" "$ext4_dir"; then
	args+=(--ext4-dir "$ext4_dir")
else
	echo "ext4 setup failed: ext4_file will SKIP"
	ext4_dir=
fi

# 'madv_free' and 'madv_free_write' move into a cgroup (v2) of their own
# below ours and reclaim through its memory.reclaim (they SKIP without):
# mount the hierarchy.
cg=/sys/fs/cgroup
[ "$(stat -f -c %T $cg)" = cgroup2fs ] || mount -t cgroup2 none $cg ||
	echo "cgroup2 mount failed: madv_free will SKIP"

status=0
# The pinned pass checks the program itself, which the stock tier does;
# the debug tier spends its time on the ODP pass.
case $KVER in
*-softodp-dbg) t_skip "odp pinned" "the stock tier runs the pinned pass" ;;
*) odp_pass pinned --pinned || status=1 ;;
esac
# softodp must advertise ODP: a device that stops doing so fails here
# instead of skipping every sub-test.
odp_args=()
[ "$SOD_TRAFFIC_DEV" != softodp ] || odp_args=(--require-odp)
odp_pass "" "${odp_args[@]}" || status=1

# 'swap' (it SKIPs above: no swap yet): zram swap, and sod_odp in a
# memory cgroup whose memory.max (64M) is half its 128 MiB ODP region.
# ~50 s on the stock kernel (every fault reclaims), over 200 s on a
# loaded host (hence the 600 s timeout): the debug tier, 5-10x slower,
# leaves it to the stock tier.
if [[ $KVER == *-softodp-dbg ]]; then
	t_skip "odp swap: swap" "the stock tier runs the swap sub-test"
elif modprobe zram && echo 256M >/sys/block/zram0/disksize &&
	mkswap /dev/zram0 >/dev/null && swapon /dev/zram0 &&
	{ [ "$(stat -f -c %T $cg)" = cgroup2fs ] || mount -t cgroup2 none $cg; } &&
	echo +memory >$cg/cgroup.subtree_control &&
	mkdir -p $cg/sod_odp_swap && echo 64M >$cg/sod_odp_swap/memory.max; then
	odp_record "odp swap: swap" "$SOFTODP_OUT/sod_odp-swap-cgroup.log" swap \
		bash -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' \
		_ $cg/sod_odp_swap "$P" "${args[@]}" "${odp_args[@]}" --test swap ||
		status=1
	grep -E '^(oom|oom_kill|max) ' $cg/sod_odp_swap/memory.events
	grep -E '^(pswpin|pswpout) ' /proc/vmstat
	swapoff /dev/zram0 || true
	rmdir $cg/sod_odp_swap || true
else
	t_fail "odp swap: swap" "zram swap or memory cgroup setup failed (above)"
	status=1
fi

# ext4 must not have complained about what ODP did to its page cache
# (dirtying, truncation under a registered mapping).
if [ -n "$ext4_dir" ]; then
	t_check "odp: umount ext4" umount "$ext4_dir" || status=1
	if dmesg | grep -E 'EXT4-fs (warning|error)|WARNING:.*ext4'; then
		t_fail "odp: ext4 kernel log" "ext4 warning or error in dmesg (above)"
		status=1
	else
		t_pass "odp: ext4 kernel log"
	fi
	rm -f "$ext4_img"
fi

# What the device counted (ODP faults, invalidations), for the log only.
echo "--- rdma statistic show link $TDEV/1"
rdma statistic show link "$TDEV/1" 2>&1 || true

t_check "link delete $TDEV" rdma link delete "$TDEV" || status=1
if [ "$SOD_TRAFFIC_DEV" = softodp ]; then
	t_check "rmmod softodp" rmmod softodp || status=1
fi
exit "$status"
