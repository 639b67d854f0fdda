#!/usr/bin/env bash
# Install every Debian package softodp needs to build, boot its test VMs and
# run its tests.  Idempotent and non-interactive; run as root on Debian 12.
set -euo pipefail

pkgs=(
	# build: module, provider, tests
	gcc make cmake pkg-config linux-image-amd64 linux-headers-amd64
	libibverbs-dev librdmacm-dev
	# checks
	sparse linux-source-6.1
	# VM harness (the guests run the host's own binaries over 9p)
	qemu-system-x86 busybox-static cpio kmod iproute2 iputils-ping
	python3 procps
	# RDMA tools used in the guests
	rdma-core ibverbs-utils ibverbs-providers rdmacm-utils perftest
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || { echo "error: need root to install: ${missing[*]}" >&2; exit 1; }
	echo "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
echo "dependencies: all ${#pkgs[@]} packages installed"
