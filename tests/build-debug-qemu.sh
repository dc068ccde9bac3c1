#!/usr/bin/env bash
# Build Debian's QEMU (apt-get source qemu) with full DWARF, only the two
# system emulators the tests use, into a cache directory outside the source
# tree.  Reused when the binaries are already there.
#
#   QLD_QEMU_CACHE  cache directory (default /var/cache/qemu-livedump)
#
# Needs deb-src entries and the build dependencies (see .ci/run).
set -euo pipefail

cache=${QLD_QEMU_CACHE:-/var/cache/qemu-livedump}
out=$cache/qemu-debug
bins="qemu-system-x86_64 qemu-system-aarch64"

have_all() {
	for b in $bins; do [ -x "$out/bin/$b" ] || return 1; done
	[ -f "$out/VERSION" ]
}

if have_all; then
	echo "debug QEMU: reusing $out ($(cat "$out/VERSION"))"
	exit 0
fi

mkdir -p "$cache/src"
cd "$cache/src"
if ! ls -d qemu-*/ >/dev/null 2>&1; then
	apt-get source --download-only qemu >/dev/null
	dpkg-source -x --no-check qemu_*.dsc >/dev/null
fi
srcdir=$(ls -d "$cache"/src/qemu-*/ | head -n 1)
version=$(dpkg-parsechangelog -l "$srcdir/debian/changelog" -S Version)

build=$cache/build
mkdir -p "$build"
cd "$build"
if [ ! -f build.ninja ]; then
	# -O1 keeps the binaries usable as a real VM while DWARF stays accurate.
	"$srcdir/configure" --target-list=x86_64-softmmu,aarch64-softmmu \
		--enable-debug-info --disable-strip --extra-cflags="-O1 -g" \
		--disable-docs --disable-werror --disable-user --disable-tools \
		--disable-guest-agent --disable-gtk --disable-sdl --disable-vnc \
		--disable-opengl --disable-virglrenderer --disable-spice \
		>configure.log 2>&1 || { tail -n 40 configure.log; exit 1; }
fi
ninja -j"$(nproc)" $bins >ninja.log 2>&1 || { tail -n 60 ninja.log; exit 1; }

mkdir -p "$out/bin"
for b in $bins; do cp "$b" "$out/bin/$b.tmp" && mv "$out/bin/$b.tmp" "$out/bin/$b"; done
echo "$version" >"$out/VERSION"
echo "debug QEMU: built $version into $out"
