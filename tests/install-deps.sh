#!/usr/bin/env bash
# Install everything building and testing qemu-livedump needs on Debian 12,
# and enable deb-src (the debug QEMU build uses `apt-get source qemu`).
set -euo pipefail

[ "$(id -u)" = 0 ] || { echo "install-deps: run as root (apt-get)" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive

sources=/etc/apt/sources.list.d/debian.sources
if [ -f "$sources" ] && ! grep -q '^Types:.*deb-src' "$sources"; then
	sed -i 's/^Types: deb$/Types: deb deb-src/' "$sources"
fi
if [ -f /etc/apt/sources.list ] && grep -q '^deb ' /etc/apt/sources.list &&
   ! grep -q '^deb-src ' /etc/apt/sources.list; then
	sed -n 's/^deb \(.*\)/deb-src \1/p' /etc/apt/sources.list >/etc/apt/sources.list.d/qld-src.list
fi

apt-get update -qq
apt-get install -y -qq \
	build-essential autoconf automake libtool pkg-config \
	libdw-dev libelf-dev libunwind-dev libcriterion-dev \
	binutils elfutils python3 file \
	qemu-system-x86 qemu-system-arm qemu-utils ipxe-qemu seabios \
	gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu \
	qemu-system-ppc gcc-powerpc64-linux-gnu gcc-powerpc64le-linux-gnu \
	dpkg-dev ninja-build meson libglib2.0-dev libpixman-1-dev python3-venv \
	flex bison libfdt-dev zlib1g-dev \
	liblzo2-dev libsnappy-dev libzstd-dev makedumpfile crash python3-libkdumpfile \
	debuginfod debootstrap python3-jsonschema \
	clang-14 libfuzzer-14-dev libclang-rt-14-dev valgrind \
	qemu-system-misc gcc-s390x-linux-gnu binutils-s390x-linux-gnu >/dev/null
