#!/usr/bin/env bash
# tests/cross/sysroot.sh ARCH DIR: unpack the foreign-architecture -dev
# packages the build needs (and the libraries they pull in) into DIR.
#
# Why not `apt-get install libdw-dev:s390x ...` (multiarch)?  Multi-Arch:
# same packages must be at one version for every architecture, and
# Debian 12's security archive is not always in step across
# architectures: zlib1g 1:1.2.13.dfsg-1+deb12u1 is there for amd64 and
# ppc64el but not for s390x, so zlib1g:s390x (which libdw1:s390x needs)
# cannot be installed beside the amd64 one at all -- apt's only plan is to
# remove packages.  Unpacking the .debs into a directory of their own
# never touches the host's packages and works whatever the skew; libc,
# libgcc and the compiler come from Debian's cross toolchain
# (gcc-TRIPLET, libc6-dev-ARCH-cross).  Criterion is not built for s390x
# or ppc64el in Debian 12 at all (nor its boxfort): see criterion-shim/.
#
# Needs the dpkg architecture added and apt's lists updated (tests/cross/run
# does that).  Quick when DIR already holds the same package versions.
set -euo pipefail

arch=$1 dir=$2
dev=(libdw-dev libelf-dev libunwind-dev zlib1g-dev liblzo2-dev libsnappy-dev libzstd-dev)
# What Debian's cross toolchain already provides, in its own tree
# (/usr/TRIPLET): taking these from the archive too would put a second libc
# beside it.
provided='^(libc6|libc6-dev|libc-dev-bin|linux-libc-dev|libcrypt1|libcrypt-dev|libnsl2|libnsl-dev|libtirpc3|libtirpc-dev|libtirpc-common|rpcsvc-proto|libgcc-s1|gcc-12-base|libssl3|libgssapi-krb5-2|libkrb5-3|libkrb5support0|libk5crypto3|libkeyutils1|libcom-err2)$'

mapfile -t pkgs < <(apt-cache depends --recurse --no-recommends --no-suggests \
	--no-conflicts --no-breaks --no-replaces --no-enhances \
	"${dev[@]/%/:$arch}" 2>/dev/null |
	sed -n "s/^\([a-z0-9][a-z0-9.+-]*\):$arch\$/\1/p" | sort -u | grep -Ev "$provided")
[ ${#pkgs[@]} -gt 0 ] || {
	echo "sysroot: apt knows no $arch packages (dpkg --add-architecture $arch; apt-get update)" >&2
	exit 1
}
# One line per package=version: unpack again only when it changes.
want=$(apt-cache policy "${pkgs[@]/%/:$arch}" |
	awk '/^[^ ].*:$/ { p = $1; sub(":$", "", p); sub(":[^:]*$", "", p) }
	     /^  Candidate: / { print p "=" $2 }')
for p in "${pkgs[@]}"; do
	echo "$want" | grep -q "^$p=[^(]" ||
		{ echo "sysroot: no $p for $arch in apt's lists" >&2; exit 1; }
done
if [ -f "$dir/.packages" ] && [ "$(cat "$dir/.packages")" = "$want" ]; then
	exit 0
fi
rm -rf "$dir" "$dir.debs" && mkdir -p "$dir.debs"
mapfile -t debs < <(for pv in $want; do echo "${pv%%=*}:$arch=${pv#*=}"; done)
(cd "$dir.debs" && apt-get download -qq -o APT::Sandbox::User=root "${debs[@]}")
mkdir -p "$dir"
for deb in "$dir.debs"/*.deb; do dpkg-deb -x "$deb" "$dir"; done
# Absolute symlinks (libz.so -> /lib/TRIPLET/libz.so.1.2.13) would point
# into the host's tree: point them into DIR.
find "$dir" -type l -lname '/*' -print0 |
	while IFS= read -r -d '' link; do ln -sfn "$dir$(readlink "$link")" "$link"; done
rm -rf "$dir.debs"
echo "$want" >"$dir/.packages"
echo "sysroot: $(echo "$want" | wc -l) $arch packages unpacked in $dir"
