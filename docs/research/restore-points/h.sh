# helpers (source me; cd into the guest's directory first). No qemu-monitor-command: it taints the domain.
. /work/main/tests/testbed/lib.sh >/dev/null 2>&1
trap - EXIT
export LIBVIRT_DEFAULT_URI=qemu:///system
H=/work/main/docs/research/restore-points
V() { echo "+ virsh $*" >&2; virsh "$@"; }
Q() { echo "+ qemu-img $*" >&2; qemu-img "$@"; }
bitmaps() { # image: bitmaps with flags (qemu-img info -U, works while QEMU has the image open)
  qemu-img info -U --output=json "$1" | jq -c '[."format-specific".data.bitmaps[]? | {name, flags, granularity}]'
}
showbm() { local f; for f in "$@"; do echo "  bitmaps $(basename $f): $(bitmaps $f)"; done; }
mt() { local f; for f in "$@"; do echo "  mtime $(basename $f) $(stat -c %.Y $f)"; done; }
waitjob() { # domain
  local i
  for i in $(seq 1 240); do
    if ! virsh domjobinfo "$1" 2>/dev/null | grep -q 'Job type: *\(Unbounded\|Bounded\)'; then break; fi
    sleep 0.5
  done
  virsh domjobinfo --completed "$1" | grep -E 'Job type|Operation|Error|Data processed|Data total' | tr -s ' ' | paste -sd' '
}
backupxml() { # mode(full|incr:CK) outdir disks...
  local m=$1 out=$2; shift 2
  echo "<domainbackup mode='push'>"
  [[ $m == incr:* ]] && echo "  <incremental>${m#incr:}</incremental>"
  echo "  <disks>"
  for d in "$@"; do echo "    <disk name='$d' type='file'><target file='$out/$d.qcow2'/><driver type='qcow2'/></disk>"; done
  echo "  </disks></domainbackup>"
}
# fullck NAME CK: full push backup creating checkpoint CK -> bk/NAME
fullck() {
  local D=$1 name=$2 ck=$3
  mkdir -p bk/$name; chmod 777 bk/$name
  backupxml full $PWD/bk/$name vda vdb > bk/$name.xml
  echo "<domaincheckpoint><name>$ck</name></domaincheckpoint>" > bk/$ck.ck.xml
  V backup-begin $D bk/$name.xml bk/$ck.ck.xml && waitjob $D
}
# verify DOM CK BASEFULLDIR NAME: suspend, incremental since CK, full, resume; then reconstruct & compare
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
    echo "$d: inc actual-size $(qemu-img info --output=json bk/$name.inc/$d.qcow2 | jq '."actual-size"')  compare(full-base+inc vs full-now): $(qemu-img compare -f qcow2 -F qcow2 bk/$name.inc/$d.rebased.qcow2 bk/$name.full/$d.qcow2 2>&1)"
    echo "$d: counter base-full=$(tb_counter_offline $basefull/$d.qcow2 2>&1) reconstructed=$(tb_counter_offline bk/$name.inc/$d.rebased.qcow2 2>&1) full-now=$(tb_counter_offline bk/$name.full/$d.qcow2 2>&1)"
  done
}
# point DOM NAME [--live] : restore point the way virt-state makes it (overlays NAME over current tops, memory NAME.mem)
curtop() { virsh domblklist "$1" --details | awk -v t=$2 '$3==t{print $4}'; }
point() {
  local D=$1 n=$2 live=$3 d cur
  { echo "<domainsnapshot><name>$n</name><memory snapshot='external' file='$PWD/$n.mem'/><disks>"
    for d in vda vdb; do
      cur=$(curtop $D $d)
      Q create -f qcow2 -q -u -b $cur -F qcow2 $PWD/$d.$n.qcow2 64M >&2
      echo "<disk name='$d' snapshot='external' type='file'><driver type='qcow2'/><source file='$PWD/$d.$n.qcow2'/></disk>"
    done
    echo "</disks></domainsnapshot>"; } > $n.snap.xml
  V snapshot-create $D $n.snap.xml --no-metadata --reuse-external $live
}
# newtop FROZEN NEW [nobm|add|merge]: fresh overlay on FROZEN, bitmaps auto & !in-use copied empty (add) or merged
newtop() {
  local frozen=$1 new=$2 how=${3:-add} b g
  Q create -f qcow2 -q -u -b $frozen -F qcow2 $new 64M
  [[ $how == nobm ]] && return 0
  qemu-img info -U --output=json $frozen | jq -r '."format-specific".data.bitmaps[]? | select((.flags|index("auto")) and ((.flags|index("in-use"))|not)) | "\(.name) \(.granularity)"' |
  while read b g; do
    if [[ $how == add ]]; then Q bitmap --add -g $g -f qcow2 $new $b
    else Q bitmap --add -g $g -f qcow2 $new $b && Q bitmap --merge $b -b $frozen -F qcow2 -f qcow2 $new $b; fi
  done
}
# revert DOM MEMIMG NEWvda NEWvdb  (disks already made by newtop)
revert() {
  local D=$1 mem=$2 a=$3 b=$4 n=$(basename $3 .qcow2); n=${n#vda.}
  V save-image-dumpxml $mem --security-info > $n.saved.xml
  python3 $H/editxml.py $n.saved.xml $n.restore.xml vda=$a vdb=$b
  V restore $mem --xml $n.restore.xml
  virsh dumpxml --inactive $D > $n.inactive.orig.xml
  python3 $H/editxml.py $n.inactive.orig.xml $n.inactive.xml vda=$a vdb=$b
  V define $n.inactive.xml >/dev/null
}
