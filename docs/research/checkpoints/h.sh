# helpers (source me)
. /work/main/tests/testbed/lib.sh >/dev/null 2>&1
trap - EXIT
export LIBVIRT_DEFAULT_URI=qemu:///system
V() { echo "+ virsh $*" >&2; virsh "$@"; }
bitmaps() { # image: print bitmaps with flags
  qemu-img info -U --output=json "$1" | jq -c '[."format-specific".data.bitmaps[]? | {name, flags}]'
}
chainbitmaps() { # domain: per node-name image + bitmaps (flat)
  virsh qemu-monitor-command "$1" '{"execute":"query-named-block-nodes","arguments":{"flat":true}}' |
   jq -r '.return[] | select(.drv=="qcow2") | "\(."node-name") \(.file) bitmaps=\([."dirty-bitmaps"[]? | "\(.name)(rec=\(.recording),persist=\(.persistent),incons=\(.inconsistent),count=\(.count))"] | join(","))"'
}
waitjob() { # domain
  local i
  for i in $(seq 1 240); do
    if ! virsh domjobinfo "$1" 2>/dev/null | grep -q 'Job type: *\(Unbounded\|Bounded\)'; then break; fi
    sleep 0.5
  done
  virsh domjobinfo --completed "$1" | grep -E 'Job type|Operation|Error|Data processed|Data total|File processed|Data remaining' 
}
backupxml() { # mode(full|incr:CK) outdir disks...
  local m=$1 out=$2; shift 2
  echo "<domainbackup mode='push'>"
  [[ $m == incr:* ]] && echo "  <incremental>${m#incr:}</incremental>"
  echo "  <disks>"
  for d in "$@"; do echo "    <disk name='$d' type='file'><target file='$out/$d.qcow2'/><driver type='qcow2'/></disk>"; done
  echo "  </disks></domainbackup>"
}
# verify NAME INCR_CK BASEFULLDIR: suspend, incremental since CK, full, resume; then reconstruct & compare
verify() {
  local D=$1 ck=$2 basefull=$3 name=$4 d
  mkdir -p bk/$name.inc bk/$name.full; chmod 777 bk/$name.inc bk/$name.full
  backupxml incr:$ck $PWD/bk/$name.inc vda vdb > bk/$name.inc.xml
  backupxml full $PWD/bk/$name.full vda vdb > bk/$name.full.xml
  V suspend $D >/dev/null
  if V backup-begin $D bk/$name.inc.xml; then waitjob $D; else echo "INCREMENTAL FAILED"; V resume $D >/dev/null; return 1; fi
  V backup-begin $D bk/$name.full.xml && waitjob $D
  V resume $D >/dev/null
  for d in vda vdb; do
    cp bk/$name.inc/$d.qcow2 bk/$name.inc/$d.rebased.qcow2
    qemu-img rebase -u -f qcow2 -b $PWD/$basefull/$d.qcow2 -F qcow2 bk/$name.inc/$d.rebased.qcow2
    echo "$d: inc size $(qemu-img info --output=json bk/$name.inc/$d.qcow2 | jq '."actual-size"')  compare(full-base+inc vs full-now): $(qemu-img compare -f qcow2 -F qcow2 bk/$name.inc/$d.rebased.qcow2 bk/$name.full/$d.qcow2 2>&1)"
    echo "$d: counter in base-full=$(tb_counter_offline $basefull/$d.qcow2 2>&1) reconstructed=$(tb_counter_offline bk/$name.inc/$d.rebased.qcow2 2>&1) full-now=$(tb_counter_offline bk/$name.full/$d.qcow2 2>&1)"
  done
}
