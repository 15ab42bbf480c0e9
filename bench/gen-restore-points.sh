#!/bin/bash
# Writes a synthetic virt-state store of restore points, for timing
# 'virt-state restore-point list' on many points (bench/restore-point.sh,
# figure 6). No libvirt, no guest, no root needed.
#
#   bench/gen-restore-points.sh [-D DOMAINS] [-p POINTS] [--prefix P] [--check] STORE
#
# STORE/<domain>/restore-points/<name>/ gets what 'restore-point create'
# writes there: manifest.xml (schema version 1, data/restore-point.rng),
# domain.xml (a small definition) and memory.img (4 KiB, its real size and
# SHA-256 in the manifest, as domain.xml's). Beside restore-points/ each
# domain gets the empty lock file and journal/ directory the tool makes.
#
# The points of one domain form a tree the way create and revert make one:
# rp-000, rp-001, ... each the child of the one before (a chain, each point
# freezing the overlay its parent left: vda.qcow2, vda.rp-000.qcow2,
# vda.rp-000.rp-001.qcow2, ...), except every tenth, rp-010, rp-020, ...,
# which is the child of the tenth before (a branch after a revert: it freezes
# a fresh overlay on that point's frozen file, vda.rp-000.1.qcow2). The
# trees of every domain use the same point names, as users' do
# ("before-upgrade" on every machine). The disk files the manifests name
# do not exist: list never opens them ('restore-point verify' would fail).

set -o pipefail
umask 077

usage() {
    cat <<EOF
Usage: bench/gen-restore-points.sh [OPTIONS] STORE

Options:
  -D, --domains N    domains (default: 10)
  -p, --points N     restore points per domain (default: 100)
      --prefix P     domain names are P-00, P-01, ... (default: vst-bench-list)
      --check        validate every manifest with xmllint against data/restore-point.rng
  -h, --help         show this help and exit

STORE must not exist yet or be empty.
EOF
}

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ndom=10 npts=100 prefix=vst-bench-list check=0 store=""
while [[ $# -gt 0 ]]; do
    case $1 in
        -D | --domains) ndom=${2:?}; shift 2 ;;
        -p | --points) npts=${2:?}; shift 2 ;;
        --prefix) prefix=${2:?}; shift 2 ;;
        --check) check=1; shift ;;
        -h | --help) usage; exit 0 ;;
        -*) echo "gen-restore-points: unknown option '$1'" >&2; usage >&2; exit 2 ;;
        *) [[ -z $store ]] || { usage >&2; exit 2; }; store=$1; shift ;;
    esac
done
[[ -n $store ]] || { usage >&2; exit 2; }
[[ $ndom =~ ^[1-9][0-9]*$ && $ndom -le 100 ]] || { echo "gen-restore-points: --domains wants 1 to 100" >&2; exit 2; }
[[ $npts =~ ^[1-9][0-9]*$ && $npts -le 1000 ]] || { echo "gen-restore-points: --points wants 1 to 1000" >&2; exit 2; }
[[ $prefix =~ ^[A-Za-z0-9][A-Za-z0-9_-]*$ ]] || { echo "gen-restore-points: bad --prefix" >&2; exit 2; }
if [[ -e $store && -n $(ls -A "$store" 2>/dev/null) ]]; then
    echo "gen-restore-points: $store is not empty" >&2
    exit 1
fi
mkdir -p "$store" || exit 1
store=$(cd "$store" && pwd)

# 4 KiB memory image, the same for every point
mem=""
for ((i = 0; i < 64; i++)); do mem+="virt-state bench: synthetic memory image, 64 bytes a line......"$'\n'; done
mem_size=${#mem}
mem_sha=$(printf '%s' "$mem" | sha256sum | cut -d' ' -f1)
now=$(date +%s)
vsver=0.1.0 lvver=9.0.0 qver=7.2.22

# stem PATH: the path without its .qcow2
stem() { echo "${1%.qcow2}"; }

for ((d = 0; d < ndom; d++)); do
    dom=$(printf '%s-%02d' "$prefix" "$d")
    uuid=$(cat /proc/sys/kernel/random/uuid)
    img=/var/lib/libvirt/images/$dom
    def="<domain type='qemu'>
  <name>$dom</name>
  <uuid>$uuid</uuid>
  <memory unit='KiB'>262144</memory>
  <vcpu placement='static'>1</vcpu>
  <os><type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$img/vda.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$img/vdb.qcow2'/><target dev='vdb' bus='virtio'/></disk>
  </devices>
</domain>
"
    def_size=${#def}
    def_sha=$(printf '%s' "$def" | sha256sum | cut -d' ' -f1)
    ddir=$store/$dom
    dirs=("$ddir/journal")
    for ((i = 0; i < npts; i++)); do dirs+=("$(printf '%s/restore-points/rp-%03d' "$ddir" "$i")"); done
    mkdir -p "${dirs[@]}" || exit 1
    : >"$ddir/lock"
    declare -A frozen_a=() overlay_a=() frozen_b=() overlay_b=()
    for ((i = 0; i < npts; i++)); do
        name=$(printf 'rp-%03d' "$i")
        parent="" pxml=""
        if ((i % 10 == 0)); then
            ((i >= 10)) && parent=$(printf 'rp-%03d' $((i - 10)))
        else
            parent=$(printf 'rp-%03d' $((i - 1)))
        fi
        if [[ -z $parent ]]; then
            fa=$img/vda.qcow2 fb=$img/vdb.qcow2
        elif ((i % 10 == 0)); then # after a revert to the parent: a fresh overlay on its frozen file
            fa=$(stem "${frozen_a[$parent]}").1.qcow2 fb=$(stem "${frozen_b[$parent]}").1.qcow2
        else                       # the overlay the parent left
            fa=${overlay_a[$parent]} fb=${overlay_b[$parent]}
        fi
        oa=$(stem "$fa").$name.qcow2 ob=$(stem "$fb").$name.qcow2
        frozen_a[$name]=$fa overlay_a[$name]=$oa frozen_b[$name]=$fb overlay_b[$name]=$ob
        [[ -n $parent ]] && pxml="
  <parent>$parent</parent>"
        desc=""
        ((i % 5 == 0)) && desc="
  <description>synthetic point $i of $dom, for timing restore-point list</description>"
        created=$((now - (npts - i) * 3600 - d))
        if ((i % 3 == 0)); then
            cons=quiesced live=no paused=$((150000 + i * 37)) frozen="
  <frozen-us>$((180000 + i * 41))</frozen-us>"
        else
            cons=crash-consistent live=yes paused=$((60000 + i * 29)) frozen=""
        fi
        pdir=$ddir/restore-points/$name
        printf '%s' "$mem" >"$pdir/memory.img"
        printf '%s' "$def" >"$pdir/domain.xml"
        cat >"$pdir/manifest.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<restore-point version="1">
  <name>$name</name>
  <domain>$dom</domain>
  <uuid>$uuid</uuid>$desc$pxml
  <created>$created</created>
  <origin>user</origin>
  <domain-state>running</domain-state>
  <live>$live</live>
  <consistency>$cons</consistency>
  <paused-us>$paused</paused-us>$frozen
  <versions>
    <tool>$vsver</tool>
    <libvirt>$lvver</libvirt>
    <qemu>$qver</qemu>
  </versions>
  <memory file="memory.img" size="$mem_size" sha256="$mem_sha"/>
  <definition file="domain.xml" size="$def_size" sha256="$def_sha"/>
  <disks>
    <disk target="vda">
      <frozen format="qcow2" size="$((1114112 + i * 65536))" device="65024" inode="$((2000000 + d * 10000 + i * 2))" mtime-ns="$((created * 1000000000 + 271181753))">$fa</frozen>
      <overlay>$oa</overlay>
      <virtual-size>67108864</virtual-size>
    </disk>
    <disk target="vdb">
      <frozen format="qcow2" size="$((1114112 + i * 65536))" device="65024" inode="$((2000001 + d * 10000 + i * 2))" mtime-ns="$((created * 1000000000 + 271181753))">$fb</frozen>
      <overlay>$ob</overlay>
      <virtual-size>67108864</virtual-size>
    </disk>
  </disks>
</restore-point>
EOF
    done
    unset frozen_a overlay_a frozen_b overlay_b
done

echo "gen-restore-points: $((ndom * npts)) restore points of $ndom domains ($prefix-00...) in $store" >&2
if ((check)); then
    rng=$TOP/data/restore-point.rng
    bad=$(find "$store" -name manifest.xml -print0 | xargs -0 xmllint --noout --relaxng "$rng" 2>&1 |
        grep -v ' validates$')
    if [[ -n $bad ]]; then
        echo "$bad" | head -n 20 >&2
        echo "gen-restore-points: some manifests do not validate" >&2
        exit 1
    fi
    echo "gen-restore-points: every manifest validates against $rng" >&2
fi
exit 0
