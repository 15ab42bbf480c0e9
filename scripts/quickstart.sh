#!/bin/bash
# README command 1: on a fresh Debian 12 machine, as root, install what
# virt-state needs, build it, start libvirtd if none runs, boot the tiny
# test guest and save and restore it with virt-state, showing that the guest
# continues where it was. The guest is removed at the end (--keep keeps it).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
keep=0
[ "${1:-}" = --keep ] && keep=1
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

[ "$(id -u)" = 0 ] || { echo "quickstart: run as root (it installs packages and starts libvirtd)" >&2; exit 1; }

step "installing the Debian packages"
scripts/install-deps.sh

step "building virt-state"
if [ -f config.status ]; then make -s distclean >/dev/null 2>&1 || true; fi
[ -x configure ] || ./autogen.sh >/dev/null 2>&1
mkdir -p _build
(cd _build && { [ -f Makefile ] || ../configure -q; } && make -s -j"$(nproc)")
VS=$top/_build/virt-state
show "$VS" --version

step "starting libvirtd (no network is defined or started)"
scripts/start-libvirtd.sh

step "building the tiny test guest (once per machine) and booting it"
# The test library defines the guest and removes it again on exit.
. tests/testbed/lib.sh
tb_require
if [ $keep = 1 ]; then VIRT_STATE_TESTBED_KEEP=1; fi
dom=$(tb_define_guest quickstart)
echo "guest: $dom (type qemu, booting under TCG: about 20 s)"
tb_wait_agent "$dom"
tb_wait_counter "$dom" 3
store=$TB_RUN/store
vs() { show "$VS" --store "$store" "$@"; }
vs list

step "saving the running guest's memory"
before=$(tb_counter "$dom" --ram)
boot=$(tb_boot_id "$dom")
echo "the guest's counter is at $before (boot id $boot)"
vs save "$dom" "$TB_RUN/$dom.mem"
vs list --all
ls -l "$TB_RUN/$dom.mem"

step "restoring it"
vs restore "$TB_RUN/$dom.mem"
tb_wait_agent "$dom" 30
after=$(tb_counter "$dom" --ram)
echo "the guest's counter continues at $after (boot id $(tb_boot_id "$dom"))"
if [ "$(tb_boot_id "$dom")" != "$boot" ] || [ "$after" -lt "$before" ]; then
    echo "quickstart: the guest did not continue where it was saved" >&2
    exit 1
fi
step "done: the guest was saved and restored, its memory intact"
if [ $keep = 1 ]; then
    # Keep the guest: forget it in the cleanup list.
    : >"$TB_RUN/domains"
    echo "kept guest $dom; remove it with: virsh destroy $dom; virsh undefine $dom"
fi
