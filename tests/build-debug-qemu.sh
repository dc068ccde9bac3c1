#!/usr/bin/env bash
# Build Debian's QEMU with full DWARF, only the two system emulators the tests
# use, into a cache directory outside the source tree.  The debug binaries are
# what the tool's profiles are written from, so they are built from Debian's
# own source with Debian's patches: the profiles then describe Debian's build.
# Reused when the binaries are already there.
#
#   tests/build-debug-qemu.sh [VERSION] [GROUP]
#
#   VERSION   source                                    output
#   7.2       Debian 12's qemu (system apt, deb-src)    $cache/qemu-debug/
#   10.0.2    bookworm-backports (orig tarball only)    $cache/qemu-debug-10.0.2/
#   10.0.13   trixie                                    $cache/qemu-debug-10.0.13/
#   10.2.2    sid                                       $cache/qemu-debug-10.2.2/
#
# Each output has bin/qemu-system-x86_64, bin/qemu-system-aarch64, VERSION
# (Debian's source version) and qemu-version (upstream's).  7.2 is the default.
# GROUP "misc" builds qemu-system-ppc64 and qemu-system-s390x instead, into
# the same name with "-misc" appended (its own build tree, same source).
#
#   QLD_QEMU_CACHE  cache directory (default /var/cache/qemu-livedump)
#
# 7.2 needs the system's deb-src entries (tests/install-deps.sh).  10.x uses
# the private apt setup of tests/qemu-apt.sh and bookworm-backports' meson,
# and installs the few build dependencies it lacks from Debian 12's archive.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${QLD_QEMU_CACHE:-/var/cache/qemu-livedump}
bins="qemu-system-x86_64 qemu-system-aarch64"
targets=x86_64-softmmu,aarch64-softmmu
qver=${1:-7.2}
group=${2:-}

case $qver in
7.2)	debver=            # whatever Debian 12's archive has
	out=$cache/qemu-debug src=$cache/src build=$cache/build ;;
10.0.2)	debver=1:10.0.2+ds-2+deb13u1~bpo12+1 ;;
10.0.13) debver=1:10.0.13+ds-0+deb13u1 ;;
10.2.2)	debver=1:10.2.2+ds-1 ;;
-h|--help)
	sed -n '2,/^set -euo/{/^set/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
*)	echo "build-debug-qemu: unknown version '$qver' (7.2, 10.0.2, 10.0.13, 10.2.2)" >&2
	exit 2 ;;
esac
if [ "$qver" != 7.2 ]; then
	out=$cache/qemu-debug-$qver src=$cache/src-$qver build=$cache/build-$qver
fi
case $group in
'')	;;
misc)	bins="qemu-system-ppc64 qemu-system-s390x"
	targets=ppc64-softmmu,s390x-softmmu
	out=$out-misc build=$build-misc ;;
*)	echo "build-debug-qemu: unknown group '$group' (misc)" >&2; exit 2 ;;
esac

have_all() {
	for b in $bins; do [ -x "$out/bin/$b" ] || return 1; done
	[ -f "$out/VERSION" ] && [ -f "$out/qemu-version" ]
}

# Upstream's version, from the source tree's VERSION file (7.2+dfsg is 7.2.0).
write_qemu_version() {
	if [ ! -f "$out/qemu-version" ] && [ -f "$1/VERSION" ]; then
		cp "$1/VERSION" "$out/qemu-version.tmp" && mv "$out/qemu-version.tmp" "$out/qemu-version"
	fi
}

if have_all; then
	echo "debug QEMU $qver${group:+ $group}: reusing $out ($(cat "$out/VERSION"))"
	exit 0
fi

mkdir -p "$cache"
# Two runs of the same version would share src/ and build/: the second waits
# for the first and then normally finds its result.  Different versions use
# different directories and locks, so they build side by side.
exec 9>"$cache/qemu-debug-$qver.lock"
if ! flock -n 9; then
	echo "debug QEMU $qver${group:+ $group}: waiting for another build of it" >&2
	flock 9
fi
if have_all; then
	echo "debug QEMU $qver${group:+ $group}: reusing $out ($(cat "$out/VERSION"))"
	exit 0
fi
# 7.2 binaries built before qemu-version existed only lack that file.
if [ "$qver" = 7.2 ] && [ -z "$group" ] && [ -x "$out/bin/qemu-system-x86_64" ] &&
   [ -x "$out/bin/qemu-system-aarch64" ] && [ -f "$out/VERSION" ]; then
	srcdir=$(ls -d "$src"/qemu-*/ 2>/dev/null | head -n 1)
	if [ -n "$srcdir" ]; then
		write_qemu_version "$srcdir"
		echo "debug QEMU $qver${group:+ $group}: reusing $out ($(cat "$out/VERSION"))"
		exit 0
	fi
fi

t_start=$SECONDS

# Debian 12's packages that 10.x needs beyond what tests/install-deps.sh has
# (Python 3.11 has tomllib, so no python3-tomli).  Only from the system's
# archive: Debian 12 must build this with its own toolchain.
ensure_build_deps() {
	local want="dpkg-dev xz-utils bzip2 pkg-config ninja-build python3 python3-venv
		libglib2.0-dev libpixman-1-dev flex bison libfdt-dev zlib1g-dev gcc"
	local missing=() p
	for p in $want; do
		dpkg-query -W -f='${db:Status-Status}\n' "$p" 2>/dev/null | grep -qx installed ||
			missing+=("$p")
	done
	[ ${#missing[@]} = 0 ] && return 0
	echo "debug QEMU $qver${group:+ $group}: installing from Debian 12: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# A build of another version may be installing too: wait for dpkg's lock.
	local apt=(apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends)
	"${apt[@]}" "${missing[@]}" >/dev/null 2>&1 || {
		apt-get update -qq && "${apt[@]}" "${missing[@]}" >/dev/null
	}
}

# QEMU 10 wants meson >= 1.5; Debian 12 has 1.0.  bookworm-backports' 1.7 is
# pure Python: unpack it into the cache instead of installing it.
meson_root=$cache/meson-bpo/root
ensure_meson() {
	local mver=1.7.0-1~bpo12+1 d=$cache/meson-bpo
	(
		# Shared by all 10.x builds, which may run at once.
		flock 8
		if [ ! -f "$d/ok" ]; then
			rm -rf "$d" && mkdir -p "$d"
			(cd "$d" && qld_apt_get -qq download "meson=$mver") >/dev/null
			dpkg -x "$d"/meson_*.deb "$meson_root"
			echo "$mver" >"$d/ok"
		fi
	) 8>"$cache/meson-bpo.lock"
	export PYTHONPATH=$meson_root/usr/lib/python3/dist-packages${PYTHONPATH:+:$PYTHONPATH}
	export PATH=$meson_root/usr/bin:$PATH
	meson --version | grep -q '^1\.7' || { echo "debug QEMU $qver${group:+ $group}: bad meson" >&2; exit 1; }
}

# The SHA-256 that the Sources index gives for FILE of source version $debver.
# awk reads to the end: leaving early would kill apt-cache with SIGPIPE,
# which pipefail turns into a failure.
src_sha256() {
	qld_apt_cache showsrc qemu 2>/dev/null |
		awk -v v="$debver" -v f="$1" '
			/^Package:/ { p = 0 } /^Version:/ { p = ($2 == v) }
			/^[A-Za-z0-9-]+:/ { s = ($1 == "Checksums-Sha256:") }
			p && s && $3 == f && !done { print $1; done = 1 }'
}

# Fetch and unpack $debver into $src/qemu-$qver/.  Where the archive has the
# whole source package, dpkg-source applies Debian's patches; where only the
# orig tarball is left (10.0.2's backport), that upstream tree is used.
fetch_source_10() {
	local tree=$src/qemu-$qver orig='' sum f
	[ -f "$src/unpacked" ] && return 0
	rm -rf "$src" && mkdir -p "$src"
	cd "$src"
	# Fails when a file of the package is missing; what did arrive is checked.
	qld_apt_get -qq source --download-only "qemu=$debver" >download.log 2>&1 || true
	for f in qemu_*.orig.tar.*; do
		if [ -e "$f" ] && [ "${f%.asc}" = "$f" ]; then orig=$f; fi
	done
	if ls qemu_*.dsc >/dev/null 2>&1 && ls qemu_*.debian.tar.* >/dev/null 2>&1; then
		dpkg-source -x --no-check qemu_*.dsc "$tree" >extract.log 2>&1 ||
			{ tail -n 20 extract.log; exit 1; }
		echo "$debver" >"$src/debver"
	elif [ -n "$orig" ]; then
		sum=$(src_sha256 "$orig")
		if [ -z "$sum" ] || ! echo "$sum  $orig" | sha256sum -c --quiet; then
			echo "debug QEMU $qver${group:+ $group}: $orig does not match the Sources index" >&2
			exit 1
		fi
		mkdir -p "$tree.tmp"
		tar -xf "$orig" -C "$tree.tmp" --strip-components=1
		mv "$tree.tmp" "$tree"
		# configure wants pycotap (functional tests only), whose wheel the +ds
		# tarball drops; Debian's disable-pycotap.patch comments it out too.
		sed -i 's/^pycotap = /#pycotap = /' "$tree/pythondeps.toml"
		# One line: upstream's version first, then why it is not Debian's.
		echo "$(cat "$tree/VERSION") (upstream tree from $orig of Debian's $debver, whose .dsc and .debian.tar were missing from the archive: Debian's patches not applied)" >"$src/debver"
	else
		cat download.log >&2
		echo "debug QEMU $qver${group:+ $group}: could not download the source of qemu $debver" >&2
		exit 1
	fi
	# Debian's +ds tarball drops the prebuilt edk2 images that pc-bios/
	# meson.build still names; empty stand-ins satisfy meson, and only the
	# two emulators are built, never those firmware targets.
	for f in $(grep -o "'edk2-[a-z0-9_-]*\.fd'" "$tree/pc-bios/meson.build" | tr -d "'"); do
		[ -e "$tree/pc-bios/$f.bz2" ] || : >"$tree/pc-bios/$f.bz2"
	done
	touch "$src/unpacked"
}

if [ "$qver" = 7.2 ]; then
	mkdir -p "$src"
	cd "$src"
	if ! ls -d qemu-*/ >/dev/null 2>&1; then
		apt-get source --download-only qemu >/dev/null
		dpkg-source -x --no-check qemu_*.dsc >/dev/null
	fi
	srcdir=$(ls -d "$src"/qemu-*/ | head -n 1)
	version=$(dpkg-parsechangelog -l "$srcdir/debian/changelog" -S Version)
	extra_opts=()
else
	# shellcheck source=tests/qemu-apt.sh
	. "$here/qemu-apt.sh"
	ensure_build_deps
	ensure_meson
	fetch_source_10
	srcdir=$src/qemu-$qver
	version=$(cat "$src/debver")
	# The system python sees the unpacked meson through PYTHONPATH.  The
	# +ds tree has no firmware blobs to install and nothing may be fetched:
	# Debian's rules pass the same two options.
	extra_opts=(--python=/usr/bin/python3 --disable-install-blobs --disable-download)
fi
t_src=$SECONDS
echo "debug QEMU $qver${group:+ $group}: source ready in $((t_src - t_start)) s ($srcdir)"

mkdir -p "$build"
cd "$build"
if [ ! -f build.ninja ]; then
	# -O1 keeps the binaries usable as a real VM while DWARF stays accurate.
	"$srcdir/configure" --target-list="$targets" \
		--enable-debug-info --disable-strip --extra-cflags="-O1 -g" \
		"${extra_opts[@]}" \
		--disable-docs --disable-werror --disable-user --disable-tools \
		--disable-guest-agent --disable-gtk --disable-sdl --disable-vnc \
		--disable-opengl --disable-virglrenderer --disable-spice \
		>configure.log 2>&1 || { tail -n 40 configure.log; rm -f build.ninja; exit 1; }
fi
t_conf=$SECONDS
# shellcheck disable=SC2086
ninja -j"$(nproc)" $bins >ninja.log 2>&1 || { tail -n 60 ninja.log; exit 1; }
t_build=$SECONDS
# The point of this build is its DWARF, and it must run.
for b in $bins; do
	# grep -c reads everything: grep -q could SIGPIPE readelf under pipefail.
	[ "$(readelf -S "$b" | grep -c '\.debug_info')" -gt 0 ] ||
		{ echo "debug QEMU $qver${group:+ $group}: $b has no .debug_info" >&2; exit 1; }
	"./$b" --version >/dev/null || { echo "debug QEMU $qver${group:+ $group}: $b does not start" >&2; exit 1; }
done

mkdir -p "$out/bin"
for b in $bins; do cp "$b" "$out/bin/$b.tmp" && mv "$out/bin/$b.tmp" "$out/bin/$b"; done
write_qemu_version "$srcdir"
# VERSION last: with the binaries it marks a finished output.
echo "$version" >"$out/VERSION.tmp" && mv "$out/VERSION.tmp" "$out/VERSION"
echo "debug QEMU $qver${group:+ $group}: built $version into $out"
echo "debug QEMU $qver${group:+ $group}: times: source $((t_src - t_start)) s, configure $((t_conf - t_src)) s, ninja $((t_build - t_conf)) s, total $((t_build - t_start)) s"
