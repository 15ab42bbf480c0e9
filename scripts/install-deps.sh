#!/bin/sh
# Install the Debian packages virt-state needs to build, test and run its
# real testbed (libvirtd + QEMU + a tiny guest). Idempotent: does nothing
# when every package is already installed. Must run as root on Debian 12.
#
# Deliberately NOT installed: libvirt-daemon-system and
# libvirt-daemon-config-network (they define and autostart libvirt's default
# network; tests run without any network). Daemons are started by
# scripts/start-libvirtd.sh instead of systemd.
set -eu
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin:/sbin ;; esac
export PATH

# The one package list. Keep it sorted by purpose.
PACKAGES="
autoconf automake make gcc pkg-config
libvirt-dev libxml2-dev libreadline-dev libpopt-dev libssl-dev
bash-completion
libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients
qemu-system-x86 qemu-utils qemu-block-extra
busybox-static cpio kmod e2fsprogs xz-utils zstd gzip
adduser util-linux coreutils jq iproute2
libglib2.0-0 libnuma1 libudev1 liburing2
valgrind libxml2-utils openssl groff-base bsdutils
"

say() { echo "install-deps: $*" >&2; }

missing=""
for p in $PACKAGES; do
    st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
    case "$st" in
        ii*) ;;
        *) missing="$missing $p" ;;
    esac
done

if [ -z "$missing" ]; then
    say "all packages already installed"
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    say "missing packages:$missing"
    say "run this script as root to install them"
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
say "missing:$missing"
say "apt-get update"
apt-get update -q >&2
say "apt-get install -y --no-install-recommends$missing"
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >&2
say "done"
