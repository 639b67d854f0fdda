#!/usr/bin/env bash
# Pick the fastest way to boot a kernel image under QEMU TCG.
#
#   tests/vm/pvh-kernel.sh IMAGE CACHEFILE
#
# Prints the file to pass to QEMU's -kernel.  Decompressing a bzImage in
# emulation is slow (about 4 s for Debian's xz-compressed kernel), so when
# the kernel inside IMAGE is an ELF with a PVH entry point (CONFIG_PVH, as
# in Debian's stock kernel) it is extracted once to CACHEFILE, which QEMU
# boots directly through PVH, and CACHEFILE is printed.  Otherwise (no PVH,
# e.g. the debug kernel) IMAGE itself is printed.  The result, positive or
# not, is cached in CACHEFILE.key until IMAGE changes.
set -euo pipefail
[ $# -eq 2 ] || {
	echo "usage: $0 IMAGE CACHEFILE" >&2
	exit 2
}
img=$(readlink -f -- "$1")
out=$2
[ -r "$img" ] || {
	echo "pvh-kernel: cannot read $img" >&2
	exit 1
}

self=$(readlink -f "${BASH_SOURCE[0]}")
key="$(stat -L -c '%n %s %Y' "$img") $(sha256sum <"$self" | cut -c1-16)"
if [ "$(head -n 1 "$out.key" 2>/dev/null)" = "$key" ]; then
	if [ "$(sed -n 2p "$out.key")" = pvh ] && [ -f "$out" ]; then
		echo "$out"
	else
		echo "$img"
	fi
	exit 0
fi

has_pvh_note() { # ELF note XEN_ELFNOTE_PHYS32_ENTRY (0x12)
	readelf -n "$1" 2>/dev/null | grep -Eq 'Xen[[:space:]].*(\(0x00000012\)|PHYS32_ENTRY)'
}

mkdir -p "$(dirname "$out")"
tmp=$(mktemp "$out.tmp.XXXXXX")
trap 'rm -f "$tmp"' EXIT
result=nopvh
# magic (for grep -P)      decompressor
for fmt in '\xfd7zXZ\x00 xz' '\x1f\x8b\x08 gzip' '\x28\xb5\x2f\xfd zstd' \
	'\x02\x21\x4c\x18 lz4' 'BZh bzip2' '\x5d\x00\x00\x00 lzma'; do
	magic=${fmt% *}
	dec=${fmt#* }
	command -v "$dec" >/dev/null || continue
	for off in $(LC_ALL=C grep -obUaP "$magic" "$img" 2>/dev/null | head -n 4 | cut -d: -f1); do
		tail -c "+$((off + 1))" "$img" | "$dec" -dc >"$tmp" 2>/dev/null || true
		if [ "$(head -c 4 "$tmp" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]; then
			has_pvh_note "$tmp" && result=pvh
			break 2
		fi
	done
done
if [ $result = pvh ]; then
	chmod 644 "$tmp"
	mv -f "$tmp" "$out"
	echo "$out"
else
	rm -f "$out"
	echo "$img"
fi
printf '%s\n%s\n' "$key" "$result" >"$tmp"
mv -f "$tmp" "$out.key"
