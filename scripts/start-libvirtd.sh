#!/bin/sh
# Start virtlogd and libvirtd (system instance) without systemd, as the
# real testbed needs them. Idempotent: leaves running daemons alone.
#
# Never defines or starts any network: libvirt-daemon-system (which would
# bring the autostarted "default" network) is not installed, and nothing
# here touches networks.
set -eu

URI=qemu:///system
TIMEOUT=${VIRT_STATE_LIBVIRTD_TIMEOUT:-30}

say() { echo "start-libvirtd: $*" >&2; }
die() { say "error: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (starts the system libvirtd)"
command -v libvirtd >/dev/null || die "libvirtd not installed (run scripts/install-deps.sh)"
command -v virtlogd >/dev/null || die "virtlogd not installed (run scripts/install-deps.sh)"
command -v virsh >/dev/null || die "virsh not installed (run scripts/install-deps.sh)"

answers() { virsh -c "$URI" uri >/dev/null 2>&1; }

# Serialise concurrent callers (tests may run in parallel).
mkdir -p /run/lock
exec 9>/run/lock/virt-state-start-libvirtd.lock
flock 9

if answers; then
    exit 0
fi

# What libvirt-daemon-system's postinst and systemd units would provide.
mkdir -p /var/log/libvirt/qemu /var/lib/libvirt/qemu /var/cache/libvirt /run/libvirt
if ! getent group libvirt-qemu >/dev/null; then
    say "creating system group libvirt-qemu"
    addgroup --quiet --system libvirt-qemu
fi
if ! getent passwd libvirt-qemu >/dev/null; then
    say "creating system user libvirt-qemu"
    adduser --quiet --system --ingroup libvirt-qemu --no-create-home \
        --home /var/lib/libvirt --disabled-login --disabled-password libvirt-qemu
fi

running() { pgrep -x "$1" >/dev/null 2>&1; }

if ! running virtlogd; then
    say "starting virtlogd"
    virtlogd -d
fi
if ! running libvirtd; then
    say "starting libvirtd"
    libvirtd -d
else
    say "libvirtd runs but $URI does not answer yet; waiting"
fi

i=0
while ! answers; do
    i=$((i + 1))
    if [ "$i" -gt "$((TIMEOUT * 2))" ]; then
        virsh -c "$URI" uri >&2 || true
        die "libvirtd did not answer on $URI within ${TIMEOUT}s"
    fi
    sleep 0.5
done
say "libvirtd answers on $URI"
