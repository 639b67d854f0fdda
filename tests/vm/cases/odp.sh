#!/usr/bin/env bash
# On-Demand Paging on one softodp device (loopback), by sod_odp: the ODP
# capabilities; registration with RLIMIT_MEMLOCK 0 and of 8 GiB (more than
# the VM's RAM) without growing VmRSS; every RC op (1 B..1 MiB+1, atomics)
# and UD sends with ODP MRs on both sides (first accesses fault), SGE lists
# mixing ODP and pinned MRs, SRQ receives; the device following the page
# tables after munmap + mmap(MAP_FIXED), MADV_DONTNEED, a COW break after
# fork(), mprotect, mremap; a read-only memfd mapping; access errors after
# munmap; a THP split by munmap of one page; hugetlb pages; MAP_SHARED
# memfd and ext4 files (pwrite/pread, hole punching, truncation).
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
# timeout: 300
# timeout-debug: 1500
set -u
. "$SOFTODP_SRC/tests/vm/guest-lib.sh"
. "$(dirname "$0")/_traffic.sh"

P=$SOFTODP_BUILD/tests/progs/sod_odp

traffic_setup || exit 1

# The debug kernel runs everything 5-10x slower: wait longer there, and
# give RC acknowledgements ~1 s instead of ~67 ms (there a 1 MiB SEND ran
# out of retries with the default, pinned and ODP alike).
args=(--dev "$TDEV" --gid-index "$TGID")
case $KVER in
*-softodp-dbg) args+=(--timeout-ms 60000 --qp-timeout 18) ;;
esac

# odp_pass LABEL [ARGS...]: every sub-test of sod_odp --list in its own
# run; records "odp LABEL: NAME" (LABEL empty: "odp: NAME") from the
# program's "sod_odp: PASS|FAIL|SKIP NAME: ..." line.  A run without such a
# line, or whose exit status disagrees with it, is a FAIL.  Status 1 if
# anything failed.
odp_pass() {
	local label=$1 name log rc line res status=0
	shift
	for name in $("$P" --list); do
		res="odp${label:+ $label}: $name"
		log=$SOFTODP_OUT/sod_odp${label:+-$label}-$name.log
		rc=0
		"$P" "${args[@]}" "$@" --test "$name" >"$log" 2>&1 || rc=$?
		sed 's/^/  /' "$log"
		line=$(grep -m1 -E "^sod_odp: (PASS|FAIL|SKIP) $name: " "$log")
		case $line in
		"sod_odp: PASS $name: "* | "sod_odp: SKIP $name: "*)
			if [ "$rc" -ne 0 ]; then
				t_fail "$res" "exit $rc after: ${line#sod_odp: }"
				status=1
			elif [[ $line == "sod_odp: PASS "* ]]; then
				t_pass "$res"
			else
				t_skip "$res" "${line#"sod_odp: SKIP $name: "}"
			fi
			;;
		"sod_odp: FAIL $name: "*)
			t_fail "$res" "${line#"sod_odp: FAIL $name: "}"
			status=1
			;;
		*)
			t_fail "$res" "no result (sod_odp exited $rc: $(tail -n 1 "$log" | cut -c1-160))"
			status=1
			;;
		esac
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
ext4_dir=/mnt/sodext4
modprobe loop 2>/dev/null || true
if truncate -s 64M "$ext4_img" && mkfs.ext4 -q -F "$ext4_img" &&
	mkdir -p "$ext4_dir" && mount -o loop "$ext4_img" "$ext4_dir"; then
	args+=(--ext4-dir "$ext4_dir")
else
	echo "ext4 setup failed: ext4_file will SKIP"
	ext4_dir=
fi

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
