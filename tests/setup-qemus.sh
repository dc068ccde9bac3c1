#!/usr/bin/env bash
# Every QEMU the tests run, built or fetched into the cache and reused
# (seconds when complete):
#   debug builds with DWARF:  7.2 (Debian 12), 10.0.2 (bookworm-backports'
#                             source), 10.0.13 (Debian 13), 10.2.2 (sid)
#   stock binaries:           10.0.2 (bookworm-backports' debs, unpacked),
#                             10.0.13 (Debian 13, in a trixie chroot)
#   debug misc group:         qemu-system-ppc64 and -s390x with DWARF of
#                             7.2 (their profiles and oracle tests) and
#                             10.0.13 (ppc64's and s390x's rules after 7.2)
# Debian 12's own 7.2 comes from tests/install-deps.sh.  Prints how long
# each step took; exits non-zero if any failed (after trying them all).
#
#   QLD_QEMU_CACHE  cache directory (default /var/cache/qemu-livedump)
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
failed=()

timed() {	# what, command...
	local what=$1 t0=$SECONDS
	shift
	if "$@"; then
		echo "setup-qemus: $what: ok ($((SECONDS - t0))s)"
	else
		echo "setup-qemus: $what: FAILED ($((SECONDS - t0))s)"
		failed+=("$what")
	fi
}

# Stock first: downloads are quick and the builds need the CPU.
for v in 10.0.2 10.0.13; do
	timed "stock $v" "$here/stock-qemu.sh" "$v"
done
# ppc64's rules after 7.2 (pr_pid, the byte order) on 10.0.13's source.
timed "debug 10.0.13 misc" "$here/build-debug-qemu.sh" 10.0.13 misc
for v in 7.2 10.0.13 10.2.2 10.0.2; do
	timed "debug $v" "$here/build-debug-qemu.sh" "$v"
done
for v in 7.2 10.0.13; do
	timed "debug $v misc" "$here/build-debug-qemu.sh" "$v" misc
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "setup-qemus: failed: ${failed[*]}"
	exit 1
fi
