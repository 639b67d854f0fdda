#!/usr/bin/env bash
# Run the kernel's checkpatch.pl (from Debian's linux-source-6.1) over the
# module's sources and the uAPI header.  Fails on any error or warning.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/scripts/lib.sh"
BUILD=${BUILD:-$src/build}
tarball=/usr/src/linux-source-6.1.tar.xz
cp_dir=$BUILD/checkpatch
[ -f "$tarball" ] || sod_die "$tarball missing (apt-get install linux-source-6.1)"
if [ ! -x "$cp_dir/scripts/checkpatch.pl" ]; then
	mkdir -p "$cp_dir"
	tar -xJf "$tarball" -C "$cp_dir" --strip-components=1 \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
fi
cd "$src"
perl "$cp_dir/scripts/checkpatch.pl" --no-tree --terse --show-types \
	--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG \
	-f kernel/*.[ch] include/uapi/rdma/*.h | tee "$BUILD/checkpatch.out"
! grep -qE 'ERROR|WARNING|CHECK' "$BUILD/checkpatch.out"
