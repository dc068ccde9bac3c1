# shellcheck shell=bash
# Sourced by build-debug-qemu.sh and stock-qemu.sh: a private apt setup that
# sees Debian's newer QEMU (bookworm-backports, trixie, sid) without touching
# the system's sources, lists or installed packages.  Everything lives under
# $QLD_QEMU_CACHE/apt/; only apt's read-only pieces (keyrings, apt.conf.d,
# dpkg status) are the system's.
#
#   qld_apt_get ARGS...    apt-get with that configuration
#   qld_apt_cache ARGS...  apt-cache with that configuration
#
# Use them to download (download, source --download-only, showsrc, policy),
# never to install: the system's dpkg database is still the one apt sees.

qld_cache=${QLD_QEMU_CACHE:-/var/cache/qemu-livedump}
qld_apt_dir=$qld_cache/apt
qld_debian=http://deb.debian.org/debian

qld_apt_opts=(
	-o "Dir::Etc::sourcelist=$qld_apt_dir/sources.list"
	-o "Dir::Etc::sourceparts=-"
	-o "Dir::State::Lists=$qld_apt_dir/lists"
	-o "Dir::Cache=$qld_apt_dir/cache"
	# The cache is root's 0755 directory: apt's _apt user cannot write
	# there, and would only warn before downloading as root anyway.
	-o "APT::Sandbox::User=root"
)

# Set to 1 after this process ran `update`, so one script run updates once.
qld_apt_updated=${qld_apt_updated:-0}

qld_apt_setup() {
	local want
	mkdir -p "$qld_apt_dir/lists/partial" "$qld_apt_dir/cache/archives/partial"
	want="# written by tests/qemu-apt.sh: QEMU sources for qemu-livedump's tests
deb $qld_debian bookworm-backports main
deb-src $qld_debian bookworm-backports main
deb $qld_debian trixie main
deb-src $qld_debian trixie main
deb-src $qld_debian sid main"
	if [ "$(cat "$qld_apt_dir/sources.list" 2>/dev/null)" != "$want" ]; then
		printf '%s\n' "$want" >"$qld_apt_dir/sources.list.tmp"
		mv "$qld_apt_dir/sources.list.tmp" "$qld_apt_dir/sources.list"
		rm -f "$qld_apt_dir/updated"
	fi
	[ "$qld_apt_updated" = 1 ] && return 0
	(
		# Two builds of different versions may start together: one updates,
		# the other waits and then finds the lists fresh.
		flock 9
		if [ -z "$(find "$qld_apt_dir/updated" -mmin -1440 2>/dev/null)" ]; then
			local t0=$SECONDS
			echo "qemu-apt: updating the private package lists" >&2
			apt-get "${qld_apt_opts[@]}" -qq update >&2 || exit 1
			touch "$qld_apt_dir/updated"
			echo "qemu-apt: lists updated in $((SECONDS - t0)) s" >&2
		fi
	) 9>"$qld_apt_dir/update.lock" || return 1
	qld_apt_updated=1
}

qld_apt_get() {
	qld_apt_setup || return 1
	apt-get "${qld_apt_opts[@]}" "$@"
}

qld_apt_cache() {
	qld_apt_setup || return 1
	apt-cache "${qld_apt_opts[@]}" "$@"
}
