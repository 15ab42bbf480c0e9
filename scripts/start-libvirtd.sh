#!/bin/sh
# Start virtlogd and libvirtd (system instance) without systemd, as the
# real testbed needs them. Idempotent: leaves running daemons alone.
#
# Never defines or starts any network: libvirt-daemon-system (which would
# bring the autostarted "default" network) is not installed, and nothing
# here touches networks.
set -eu
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin:/sbin ;; esac
export PATH

URI=qemu:///system
TIMEOUT=${VIRT_STATE_LIBVIRTD_TIMEOUT:-30}

say() { echo "start-libvirtd: $*" >&2; }
die() { say "error: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (starts the system libvirtd)"
command -v libvirtd >/dev/null || die "libvirtd not installed (run scripts/install-deps.sh)"
command -v virtlogd >/dev/null || die "virtlogd not installed (run scripts/install-deps.sh)"
command -v virsh >/dev/null || die "virsh not installed (run scripts/install-deps.sh)"

# A bounded probe: a daemon that accepts but never answers must not hang
# the caller (or CI) for ever.
answers() { timeout 20 virsh -c "$URI" uri >/dev/null 2>&1; }

# Serialise concurrent callers (tests may run in parallel). The lock's file
# descriptor is closed for the daemons started below (9>&-): a daemon that
# inherited it would hold the lock for its whole life and every later
# caller would wait on flock for ever.
mkdir -p /run/lock
exec 9>/run/lock/virt-state-start-libvirtd.lock
flock -w "$((TIMEOUT * 2))" 9 || die "another start-libvirtd.sh holds /run/lock/virt-state-start-libvirtd.lock for $((TIMEOUT * 2))s"

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

# libvirt checks /dev/kvm as the QEMU user. Where the host has /dev/kvm but
# that user may not open it (no udev here to apply Debian's "kvm" group
# rule), libvirt 9.0's capability probe (run as root) sees KVM while its
# cache check does not: every domain define/start then re-probes QEMU
# (~4 s a time, a minute per define). Give /dev/kvm the group and mode
# udev and libvirt-daemon-system would give it. Domains stay type 'qemu'.
if [ -c /dev/kvm ]; then
    if ! getent group kvm >/dev/null; then
        say "creating system group kvm"
        addgroup --quiet --system kvm
    fi
    if ! id -nG libvirt-qemu | tr ' ' '\n' | grep -qx kvm; then
        say "adding libvirt-qemu to group kvm"
        adduser --quiet libvirt-qemu kvm
    fi
    if [ "$(stat -c %G:%a /dev/kvm)" != kvm:660 ]; then
        say "chgrp kvm /dev/kvm; chmod 0660 /dev/kvm"
        chgrp kvm /dev/kvm
        chmod 0660 /dev/kvm
    fi
fi

running() { pgrep -x "$1" >/dev/null 2>&1; }

if answers; then
    exit 0
fi

if ! running virtlogd; then
    say "starting virtlogd"
    virtlogd -d 9>&-
fi
if ! running libvirtd; then
    say "starting libvirtd"
    libvirtd -d 9>&-
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
