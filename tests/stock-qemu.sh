#!/usr/bin/env bash
# Fetch Debian's stock (stripped, distribution) QEMU binaries of newer
# releases, so that tests run the tool against the binaries people run, not
# only against our debug builds.  No QEMU is installed on the system (at most
# a missing library, or debootstrap): each version lives in its own root
# under the cache and is reused once complete.
#
#   tests/stock-qemu.sh VERSION               set up (or reuse) and describe
#   tests/stock-qemu.sh --print-root VERSION  print the root directory only
#
#   VERSION  what                                   root
#   10.0.2   bookworm-backports' debs, dpkg -x'd    $cache/stock-10.0.2/root
#   10.0.13  a Debian 13 (trixie) minbase chroot    $cache/trixie-root
#
# 10.0.2 has qemu-system-x86_64 and -aarch64; 10.0.13 also qemu-system-ppc64
# (qemu-system-ppc) and -s390x (qemu-system-s390x, which trixie split out of
# qemu-system-misc; SLOF and s390-ccw.img are in qemu-system-data).  A
# complete root lacking a binary of that list (made before it grew) gets
# the missing packages added.
# 10.0.2 runs on Debian 12's own libraries, started directly, with
#   QEMU_MODULE_DIR=ROOT/usr/lib/x86_64-linux-gnu/qemu  (else it aborts on
#       Debian 12's 7.2 modules, see setup_10_0_2)
#   -L ROOT/usr/share/qemu -L ROOT/usr/share/seabios -L /usr/lib/ipxe/qemu
# (its data files, the backport's SeaBIOS 1.16.3 it Depends on, Debian 12's
# iPXE ROMs).  -L /usr/share/seabios (Debian 12's 1.16.2) boots pc and q35
# too.  aarch64 virt with -kernel needs neither -L.
# 10.0.13 needs trixie's libc: run it as `chroot ROOT qemu-system-...`; its
# seabios and ipxe-qemu are installed in ROOT, so it needs no -L.  A QEMU in
# a chroot is a real case (KubeVirt, Kata): the tool reaches its binary
# through /proc/PID/exe or /proc/PID/root.
#
# For each binary it prints: path, first line of --version, GNU build-id.
#
#   QLD_QEMU_CACHE  cache directory (default /var/cache/qemu-livedump)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${QLD_QEMU_CACHE:-/var/cache/qemu-livedump}
bins="qemu-system-x86_64 qemu-system-aarch64"

usage() {
	sed -n '2,/^set -euo/{/^set/d;s/^# \{0,1\}//;p}' "$0" >&2
	exit 2
}

print_root=0
if [ "${1:-}" = --print-root ]; then print_root=1; shift; fi
[ $# = 1 ] || usage
qver=$1
case $qver in
10.0.2)	root=$cache/stock-10.0.2/root marker=$cache/stock-10.0.2/ok
	debver=1:10.0.2+ds-2+deb13u1~bpo12+1 ;;
10.0.13) root=$cache/trixie-root marker=$cache/trixie-root.ok
	debver=1:10.0.13+ds-0+deb13u1
	bins="$bins qemu-system-ppc64 qemu-system-s390x"
	# The packages of $bins, pinned: the shipped profiles are for exactly
	# this build.
	qpkgs="qemu-system-x86 qemu-system-arm qemu-system-ppc qemu-system-s390x" ;;
*)	usage ;;
esac
if [ $print_root = 1 ]; then echo "$root"; exit 0; fi

build_id() {
	readelf -n "$1" | awk '/Build ID:/ { print $3 }'
}

# One line per binary: host path, --version's first line, build-id.  Filters
# read their whole input: leaving early (head) could SIGPIPE the writer,
# which pipefail makes fatal.
describe() {
	local b path v
	for b in $bins; do
		path=$root/usr/bin/$b
		if [ "$qver" = 10.0.2 ]; then
			v=$(QEMU_MODULE_DIR=$root/usr/lib/x86_64-linux-gnu/qemu "$path" --version | sed -n 1p)
		else
			v=$(chroot "$root" "/usr/bin/$b" --version | sed -n 1p)
		fi
		echo "$path: $v; build-id $(build_id "$path")"
	done
}

# Set up, and every binary of $bins there.
complete() {
	local b
	[ -f "$marker" ] || return 1
	for b in $bins; do
		[ -x "$root/usr/bin/$b" ] || return 1
	done
}

if complete; then
	describe
	exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/stock-$qver.lock"
if ! flock -n 9; then
	echo "stock QEMU $qver: waiting for another setup of it" >&2
	flock 9
fi
if complete; then
	describe
	exit 0
fi

t_start=$SECONDS

# Debian 12 packages, from the system's archive, for what the root lacks.
apt_install_system() {
	export DEBIAN_FRONTEND=noninteractive
	# A debug build may be installing its dependencies: wait for dpkg's lock.
	local apt=(apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends)
	"${apt[@]}" "$@" >/dev/null 2>&1 || {
		apt-get update -qq && "${apt[@]}" "$@" >/dev/null
	}
}

# bookworm-backports' debs unpacked side by side, with what a real install
# of them brings and Debian 12 lacks:
# - qemu-system-common: the bridge helper, the modules everyone gets;
#   qemu-system-data: keymaps, option ROMs, firmware descriptors;
# - seabios 1.16.3 from bookworm-backports: qemu-system-x86 Depends on
#   seabios (>> 1.16.3-1~), newer than Debian 12's 1.16.2;
# - the module packages (gui, opengl, spice).  QEMU looks for a module in
#   $QEMU_MODULE_DIR and then in its built-in /usr/lib/x86_64-linux-gnu/qemu,
#   which holds Debian 12's 7.2 modules: 10.0.2 rejects those ("Only modules
#   from the same build can be loaded") and then aborts on an assertion.  It
#   loads ui-opengl and audio-pa even with -display none, so ROOT's module
#   directory must shadow every 7.2 module that 10.0.2 may ask for.
#   qemu-block-extra is left out (curl, iscsi, rbd...: only loaded for those
#   protocols, and its libraries are many).
setup_10_0_2() {
	local d=$cache/stock-10.0.2 p pkgs=() libs want=() missing
	# shellcheck source=tests/qemu-apt.sh
	. "$here/qemu-apt.sh"
	rm -rf "$d" && mkdir -p "$d/debs"
	for p in qemu-system-x86 qemu-system-arm qemu-system-common qemu-system-data \
		 qemu-system-gui qemu-system-modules-opengl qemu-system-modules-spice; do
		pkgs+=("$p=$debver")
	done
	pkgs+=("seabios/bookworm-backports")
	(cd "$d/debs" && qld_apt_get -qq download "${pkgs[@]}") >/dev/null
	echo "stock QEMU $qver: downloaded in $((SECONDS - t_start)) s"
	rm -rf "$root.tmp"
	mkdir -p "$root.tmp"
	for p in "$d"/debs/*.deb; do dpkg -x "$p" "$root.tmp"; done
	mv "$root.tmp" "$root"
	# The backport is built against Debian 12: the library packages its
	# Depends name are Debian 12's.  Install those this machine lacks (none
	# when Debian 12's qemu-system-x86 with its Recommends is installed).
	libs=$(for p in "$d"/debs/*.deb; do dpkg-deb -f "$p" Depends; done |
		tr ',' '\n' | sed -n 's/^ *\(lib[^ ]*\).*/\1/p' | sort -u)
	for p in $libs; do
		dpkg-query -W -f='${db:Status-Status}\n' "$p" 2>/dev/null | grep -qx installed ||
			want+=("$p")
	done
	if [ ${#want[@]} -gt 0 ]; then
		echo "stock QEMU $qver: installing from Debian 12: ${want[*]}"
		apt_install_system "${want[@]}"
	fi
	missing=$(for p in "$root"/usr/bin/qemu-system-* "$root"/usr/lib/x86_64-linux-gnu/qemu/*.so; do
			ldd "$p" | sed -n "s|^[[:space:]]*\([^ ]*\) => not found|${p##*/}: \1|p"
		done)
	if [ -n "$missing" ]; then
		echo "stock QEMU $qver: libraries not found:" >&2
		echo "$missing" >&2
		exit 1
	fi
	# Expected here: accel-tcg-* (TCG is built in again in 10.x), audio-sndio
	# and block-* (qemu-block-extra, see above).
	missing=$(for p in /usr/lib/x86_64-linux-gnu/qemu/*.so; do
			if [ -e "$p" ] && [ ! -e "$root$p" ]; then echo "${p##*/}"; fi
		done | tr '\n' ' ')
	[ -z "$missing" ] ||
		echo "stock QEMU $qver: Debian 12's modules not shadowed in $root: $missing"
	return 0
}

# Unmount whatever is mounted at or below $root, deepest first.  Also covers
# what a failed debootstrap left mounted.
umount_root() {
	local m
	awk -v r="$root" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/self/mounts |
		sort -r | while read -r m; do
			umount "$m" 2>/dev/null || umount -l "$m"
		done
}

mounted_below_root() {
	awk -v r="$root" '$2 == r || index($2, r "/") == 1 { f = 1 } END { exit !f }' /proc/self/mounts
}

# apt-get install, in the chroot, of the pinned $qpkgs and the firmware:
# x86 pc/q35 boot SeaBIOS and load iPXE option ROMs (both Depends of
# qemu-system-x86); aarch64 virt boots an ELF with -kernel (no firmware, so
# none of qemu-system-arm's Recommends, UEFI); pseries' SLOF and s390x's
# s390-ccw.img come with qemu-system-data, a Depends of them all.  First
# from the package lists the root has, updated only if that fails.
chroot_install_10_0_13() {
	local p pins=() have
	for p in $qpkgs; do pins+=("$p=$debver"); done
	# The EXIT trap unmounts on any failure; signals go through exit so
	# that it runs for them too.
	trap umount_root EXIT
	trap 'exit 1' INT TERM HUP
	umount_root
	mount -t proc proc "$root/proc"
	mount --bind /dev "$root/dev"
	mount --bind /sys "$root/sys"
	# Package scripts must not start services on the host's behalf.
	printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
	chmod 755 "$root/usr/sbin/policy-rc.d"
	# tests/linux/prepare may be installing crash there: wait for dpkg.
	chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive sh -c '
		inst() { apt-get -o DPkg::Lock::Timeout=900 install -y -qq \
			--no-install-recommends "$@" seabios ipxe-qemu; }
		inst "$@" || { apt-get update -qq && inst "$@"; }' sh "${pins[@]}" \
		>"$cache/trixie-apt.log" 2>&1 ||
		{ tail -n 30 "$cache/trixie-apt.log"; exit 1; }
	chroot "$root" apt-get clean
	rm -f "$root/usr/sbin/policy-rc.d"
	umount_root
	trap - EXIT INT TERM HUP
	for p in $qpkgs; do
		# shellcheck disable=SC2016 # ${Version} is dpkg-query's, not ours
		have=$(chroot "$root" dpkg-query -W -f='${Version}' "$p")
		if [ "$have" != "$debver" ]; then
			echo "stock QEMU $qver: trixie gave $p $have, not $debver" >&2
			exit 1
		fi
	done
}

setup_10_0_13() {
	local t=$SECONDS
	if [ -f "$marker" ]; then
		# A root made when $bins was shorter: add what it lacks.
		chroot_install_10_0_13
		echo "stock QEMU $qver: added to $root in $((SECONDS - t)) s"
		return 0
	fi
	command -v debootstrap >/dev/null || apt_install_system debootstrap
	trap umount_root EXIT
	trap 'exit 1' INT TERM HUP
	umount_root
	# Never rm -rf a tree with the host's /dev or /proc bound into it.
	if mounted_below_root; then
		echo "stock QEMU $qver: something is still mounted under $root" >&2
		exit 1
	fi
	rm -rf "$root"
	debootstrap --variant=minbase trixie "$root" http://deb.debian.org/debian \
		>"$cache/trixie-debootstrap.log" 2>&1 ||
		{ tail -n 30 "$cache/trixie-debootstrap.log"; exit 1; }
	echo "stock QEMU $qver: debootstrap took $((SECONDS - t)) s"
	t=$SECONDS
	chroot_install_10_0_13
	echo "stock QEMU $qver: apt-get install in the chroot took $((SECONDS - t)) s"
}

"setup_${qver//./_}"
describe
touch "$marker"
echo "stock QEMU $qver: ready in $((SECONDS - t_start)) s ($root)"
