#!/bin/sh
# Pack a Debian package from a staged install (`make deb` runs this after
# `make install DESTDIR=ROOT PREFIX=/usr UNITDIR=/lib/systemd/system`).
#   sh scripts/deb.sh ROOT BINARY OUTDIR
# BINARY is the built forkd (its -v gives the version; dpkg-shlibdeps reads
# its libraries).  Writes OUTDIR/forkd_VERSION-1_ARCH.deb and prints its
# path.  The service is neither enabled nor started by the package; the
# workers run as www-data (see README, "Debian package").
set -eu
umask 022

root=$(cd "$1" && pwd)
bin=$2
out=$3
here=$(cd "$(dirname "$0")/.." && pwd)

version=$("$bin" -v | sed -n 's/^forkd //p')
[ -n "$version" ] || { echo "deb: cannot read the version from $bin -v" >&2; exit 1; }
debver="$version-1"
arch=$(dpkg --print-architecture)
maintainer="forkd authors <forkd@example.org>"
# Reproducible: every date comes from the last commit (or SOURCE_DATE_EPOCH).
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$here" log -1 --format=%ct 2>/dev/null || date +%s)}
doc="$root/usr/share/doc/forkd"

# What the install target leaves uncompressed or unstripped.
strip --remove-section=.comment --remove-section=.note --strip-unneeded \
	"$root/usr/sbin/forkd"
gzip -9nf "$root/usr/share/man/man8/forkd.8" "$root/usr/share/man/man5/forkd.conf.5"
mkdir -p "$doc/examples"
mv "$doc/forkd.conf.example" "$doc/examples/forkd.conf"

# debian/copyright (machine-readable format) from COPYING.
{
	echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
	echo "Upstream-Name: forkd"
	echo
	echo "Files: *"
	sed -n 's/^Copyright (c) /Copyright: /p' "$here/COPYING"
	echo "License: BSD-2-Clause"
	echo
	echo "License: BSD-2-Clause"
	sed -n '/^Redistribution/,$p' "$here/COPYING" | sed -e 's/^$/./' -e 's/^/ /'
} >"$doc/copyright"

cat >"$doc/changelog.Debian" <<EOF
forkd ($debver) unstable; urgency=medium

  * Built from the forkd source tree with \`make deb\`.

 -- $maintainer  $(LC_ALL=C date -u -R -d "@$epoch")
EOF
gzip -9nf "$doc/changelog.Debian"

mkdir -p "$root/DEBIAN"
printf '/etc/forkd/forkd.conf\n/etc/logrotate.d/forkd\n' >"$root/DEBIAN/conffiles"

cat >"$root/DEBIAN/postinst" <<'EOF'
#!/bin/sh
# Creates the log directory and tells systemd about the unit.  Enables and
# starts nothing: `systemctl enable --now forkd` is the administrator's call.
set -e
if [ "$1" = configure ]; then
	[ -d /var/log/forkd ] || install -d -m 0750 -o root -g adm /var/log/forkd
	if command -v deb-systemd-helper >/dev/null; then
		# Records the unit's symlinks, so that a purge removes them.
		deb-systemd-helper update-state forkd.service >/dev/null || true
	fi
	if [ -d /run/systemd/system ]; then
		systemctl --system daemon-reload >/dev/null || true
	fi
fi
exit 0
EOF

cat >"$root/DEBIAN/prerm" <<'EOF'
#!/bin/sh
# On removal, a running forkd is stopped (its binary is going away).  An
# upgrade leaves it running: `forkd -s upgrade` or a restart picks up the
# new binary when the administrator chooses.
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ] &&
	command -v deb-systemd-invoke >/dev/null; then
	deb-systemd-invoke stop forkd.service >/dev/null || true
fi
exit 0
EOF

cat >"$root/DEBIAN/postrm" <<'EOF'
#!/bin/sh
# A purge removes the logs and any enablement symlinks of the unit.
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
	systemctl --system daemon-reload >/dev/null || true
fi
if [ "$1" = purge ]; then
	rm -rf /var/log/forkd
	if command -v deb-systemd-helper >/dev/null; then
		deb-systemd-helper purge forkd.service >/dev/null || true
	fi
fi
exit 0
EOF
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"

# Run in a scratch directory: dpkg-shlibdeps wants a debian/control.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/forkd-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/debian"
printf 'Source: forkd\n\nPackage: forkd\nArchitecture: any\n' >"$tmp/debian/control"
depends=$(cd "$tmp" && dpkg-shlibdeps -O "$root/usr/sbin/forkd" 2>/dev/null |
	sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<EOF
Package: forkd
Version: $debver
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Depends: $depends
Provides: httpd
Section: httpd
Priority: optional
Description: pre-forking HTTP/1.1 server for static files
 forkd serves static files with the process model of nginx: a master
 process binds the listening sockets and supervises single-threaded
 worker processes that answer GET and HEAD with sendfile(2).  Reloads and
 binary upgrades drop no connection and report whether they worked, and
 it speaks systemd's notify protocol and takes activated sockets.
 .
 The package installs a systemd unit but neither enables nor starts it.
EOF

# Conffiles are left out, as dh_md5sums does: dpkg keeps their sums itself.
(cd "$root" && find . \( -path ./DEBIAN -o -path ./etc \) -prune -o -type f -printf '%P\n' |
	LC_ALL=C sort | xargs md5sum) >"$root/DEBIAN/md5sums"
find "$root" -type d -exec chmod 0755 {} +
find "$root" -exec touch -h -d "@$epoch" {} +

deb="$out/forkd_${debver}_$arch.deb"
SOURCE_DATE_EPOCH=$epoch dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
