#!/usr/bin/env bash
# Provide the debug kernel (KASAN, lockdep, kmemleak, UBSAN, DEBUG_VM,
# fault injection, KUnit) for the test suite's second tier.
#
#   scripts/debug-kernel.sh ensure   print the debug kernel's release (e.g.
#                                    6.1.192-softodp-dbg) once it is installed;
#                                    exit 3 if it cannot be had
#   scripts/debug-kernel.sh build    build the packages from Debian's
#                                    linux-source-6.1 (30-40 min on 2 cores)
#
# Where the packages come from, in order:
#  1. already installed (/boot/vmlinuz-*-softodp-dbg with its headers);
#  2. SOFTODP_DEBUG_KERNEL_DIR, default <repo>/../shared/debug-kernel (where
#     CI has them): linux-image-*-softodp-dbg_*.deb + linux-headers-*.deb,
#     installed with dpkg -i;
#  3. only if SOFTODP_BUILD_DEBUG_KERNEL=1: built here (scripts/debug-kernel/
#     softodp-debug.config on top of defconfig), into BUILD/debug-kernel,
#     then installed.  Never silently: it takes most of an hour.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/scripts/lib.sh"
BUILD=${BUILD:-$src/build}
pkgdir=${SOFTODP_DEBUG_KERNEL_DIR:-$src/../shared/debug-kernel}
builddir=$BUILD/debug-kernel

installed() {
	local m k
	for m in /lib/modules/*-softodp-dbg; do
		k=${m##*/}
		[ -f "/boot/vmlinuz-$k" ] && [ -e "$m/build/Makefile" ] && { echo "$k"; return 0; }
	done
	return 1
}

install_from() { # install_from DIR: dpkg -i the image and headers found there
	local img hdr
	img=$(ls "$1"/linux-image-*-softodp-dbg_*.deb 2>/dev/null | tail -n 1)
	hdr=$(ls "$1"/linux-headers-*-softodp-dbg_*.deb 2>/dev/null | tail -n 1)
	[ -n "$img" ] && [ -n "$hdr" ] || return 1
	echo "installing the debug kernel from $1" >&2
	dpkg -i "$img" "$hdr" >&2
}

build() {
	local w=$builddir/src
	"$src/scripts/install-deps.sh" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		linux-source-6.1 bc bison flex libelf-dev libssl-dev dwarves dpkg-dev \
		fakeroot rsync cpio kmod >&2
	mkdir -p "$w"
	[ -d "$w/linux-source-6.1" ] || tar -xJf /usr/src/linux-source-6.1.tar.xz -C "$w"
	cd "$w/linux-source-6.1"
	make defconfig >&2
	./scripts/kconfig/merge_config.sh -m .config "$src/scripts/debug-kernel/softodp-debug.config" >&2
	make olddefconfig >&2
	make -j"$(nproc)" bindeb-pkg >&2
	mv "$w"/linux-image-*-softodp-dbg_*.deb "$w"/linux-headers-*-softodp-dbg_*.deb "$builddir/"
}

case ${1:-} in
ensure)
	installed && exit 0
	if [ -d "$pkgdir" ] && install_from "$pkgdir"; then installed && exit 0; fi
	if [ "${SOFTODP_BUILD_DEBUG_KERNEL:-0}" = 1 ]; then
		install_from "$builddir" 2>/dev/null || { build && install_from "$builddir"; }
		installed && exit 0
	fi
	echo "debug kernel not available: no packages in $pkgdir; set" \
		"SOFTODP_BUILD_DEBUG_KERNEL=1 to build them (30-40 min)" >&2
	exit 3
	;;
build)
	build
	install_from "$builddir"
	installed
	;;
*) sod_die "usage: $0 ensure|build" ;;
esac
