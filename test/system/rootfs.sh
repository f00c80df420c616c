#!/bin/bash
# rootfs.sh DIR - build (once) the Debian 12 system that the system tier
# boots: debootstrap minbase plus systemd as PID 1, iproute2 and the
# libraries vipd's package depends on, so that `apt install ./vipd_*.deb`
# inside a container needs no network. keepalived is included for the
# side-by-side reboot table. The result is DIR/rootfs.tar; a second call
# finds it and returns at once. This is the only step that talks to the
# Debian mirror, on the host side, before any container exists.
set -eu
dir=$1
tar=$dir/rootfs.tar
[ -s "$tar" ] && exit 0
command -v debootstrap >/dev/null || { echo "rootfs: debootstrap missing" >&2; exit 1; }
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$dir"
tmp=$(mktemp -d "$dir/debootstrap.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT
pkgs=systemd,systemd-sysv,dbus,iproute2,procps,libev4,libconfig9,libnl-3-200,libnl-route-3-200
pkgs=$pkgs,libmnl0,libsodium23,libjson-c5,keepalived
debootstrap --variant=minbase --include="$pkgs" bookworm "$tmp/root" "$mirror" \
	>"$dir/debootstrap.log" 2>&1 || { tail -20 "$dir/debootstrap.log" >&2; exit 1; }
# No network inside: apt must never try a mirror; keepalived stays off until asked.
rm -f "$tmp/root/etc/apt/sources.list"
: >"$tmp/root/etc/machine-id"
chroot "$tmp/root" systemctl disable keepalived.service >/dev/null 2>&1 || true
chroot "$tmp/root" systemctl mask systemd-networkd-wait-online.service \
	systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer >/dev/null 2>&1 || true
tar -C "$tmp/root" -cf "$tar.part" . && mv "$tar.part" "$tar"
