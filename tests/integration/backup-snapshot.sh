#!/bin/bash
# backup create --method snapshot and offline backups of a shut-off domain,
# on one guest with two data disks that count every second: a snapshot
# backup between job backups restores to images whose counter is the
# guest's at that backup, leaves the domain on its own disks (live and
# persistent) with no temporary overlay, creates no checkpoint and keeps
# the job chain (the next automatic job backup is incremental on the last
# job backup, and exact: the guest writes while it runs on a temporary
# overlay, and the incremental restored equals a full taken at the same
# instant); the fault point of every journaled step followed by `recover`
# (guest back on its disks, running and thawed, nothing stray, the next
# backup works); --incremental refused; a shut-off domain backed up in full
# (offline), restored exactly, and still starting afterwards.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../testbed/lib.sh
. "$here/../testbed/lib.sh"

VIRT_STATE=${VIRT_STATE:-$TB_TOP/_build/virt-state}
tb_require
FAULTS="snapshot-backup:overlays snapshot-backup:snapshot quiesce:frozen:done snapshot-backup:snapshot:done
    snapshot-backup:copy snapshot-backup:copy:done snapshot-backup:commit snapshot-backup:start:done
    snapshot-backup:pivot snapshot-backup:commit:done snapshot-backup:remove snapshot-backup:record
    snapshot-backup:record:done"
n_faults=$(($(wc -w <<<"$FAULTS")))
tap_plan $((42 + n_faults * 5))

STORE=$TB_RUN/store
vs() { "$VIRT_STATE" -c "$TB_URI" --store "$STORE" "$@"; }
counter_ram() { tb_counter "$1" --ram 2>/dev/null; }
bkjson() { vs --json backup show "$dom" "$1" 2>/dev/null; }
bkdir() { echo "$STORE/$dom/backups/$(bkjson "$1" | jq -r .chain)"; }
checkpoints() { tb_virsh checkpoint-list "$dom" --name | sort | tr '\n' ' '; }
sources() { tb_virsh domblklist "$dom" "$@" | awk '{print $2}' | tr '\n' ' '; }
# on_own_disks: the live and the persistent definitions name the disks'
# own files, and no temporary overlay is left beside them.
on_own_disks() {
    [[ $(sources) == "$orig" ]] || { echo "live: $(sources)"; return 1; }
    [[ $(sources --inactive) == "$orig" ]] || { echo "persistent: $(sources --inactive)"; return 1; }
    local left
    left=$(find "$(tb_dir "$dom")" -name '*vs-backup-tmp*')
    [[ -z $left ]] || { echo "left: $left"; return 1; }
    return 0
}
# consistent: no journal pending, the domain on its disks, every listed
# backup complete, no file in a chain directory without its manifest.
consistent() {
    local f id ids
    [[ -z $(ls -A "$STORE/$dom/journal" 2>/dev/null) ]] || { echo "journal pending"; return 1; }
    on_own_disks || return 1
    ids=$(vs --json backup list "$dom" 2>/dev/null | jq -r '.[] | select(.status == "complete") | .id')
    [[ $(vs --json backup list "$dom" 2>/dev/null | jq '[.[] | select(.status != "complete")] | length') == 0 ]] ||
        { echo "incomplete backup listed"; return 1; }
    for f in "$STORE/$dom"/backups/*/*; do
        [[ -e $f ]] || continue
        id=$(basename "$f")
        id=${id%.manifest.xml}
        id=${id%.vd?.qcow2}
        grep -qxF "$id" <<<"$ids" || { echo "stray file $f"; return 1; }
    done
    for f in "$STORE/$dom"/backups/*; do
        [[ -e $f ]] || continue
        [[ -n $(ls -A "$f") ]] || { echo "empty chain directory $f"; return 1; }
    done
    return 0
}

dom=$(tb_define_guest bks --disks 2)
tap_ok $? "a two-disk guest is defined and started"
tb_wait_counting "$dom"
tap_ok $? "its agent answers and it counts"
orig=$(sources)
diag "disks: $orig"

# ---- a job backup, then a snapshot backup -------------------------------------
id1=$(vs backup create "$dom" 2>"$TB_RUN/err")
tap_ok $? "a job backup (full) first" || diag "$(cat "$TB_RUN/err")"
cps=$(checkpoints)
c1a=$(counter_ram "$dom")
idS=$(vs backup create "$dom" --method snapshot 2>"$TB_RUN/err")
tap_ok $? "backup create --method snapshot" || diag "$(cat "$TB_RUN/err")"
c1b=$(counter_ram "$dom")
grep -q "full backup of '$dom': --method snapshot backups are always full" "$TB_RUN/err"
tap_ok $? "it is full and says why" || diag "$(cat "$TB_RUN/err")"
tap_is "$(bkjson "$idS" | jq -r '[.method, .kind, .status, .consistency, .chain == .id, .checkpoint, (.disks | map(.target) | join(","))] | join(" ")')" \
    "snapshot full complete quiesced true  vda,vdb" "show --json: method snapshot, full, quiesced, its own chain, no checkpoint"
tap_is "$(checkpoints)" "$cps" "no checkpoint created"
r=$(on_own_disks)
tap_ok $? "live and persistent definitions name the original disks, no temporary overlay left ${r:+($r)}"
tap_is "$(stat -c '%a' "$(bkdir "$idS")"/* | sort -u | tr '\n' ' ')" "600 " "its files are 0600"
vs backup list "$dom" 2>/dev/null | grep "^ *$idS " | grep -q "full snapshot"
tap_ok $? "backup list shows its method"
vs backup show "$dom" "$idS" 2>/dev/null | grep -q "^Method: *snapshot"
tap_ok $? "backup show shows its method"
mkdir "$TB_RUN/rS"
out=$(vs backup restore "$dom" "$idS" --to "$TB_RUN/rS" 2>&1)
tap_ok $? "the snapshot backup restores" || diag "$out"
tap_is "$(qemu-img info --output=json "$TB_RUN/rS/vda.qcow2" | jq -r '[.format, (."backing-filename" // "none"), ."virtual-size"] | join(" ")')" \
    "qcow2 none 67108864" "restored vda: standalone qcow2 of the disk's size"
c=$(tb_counter_offline "$TB_RUN/rS/vda.qcow2")
[[ -n $c && $c -ge $c1a && $c -le $c1b ]]
tap_ok $? "the counter read offline from the restored vda ($c) is the guest's at the backup ($c1a..$c1b)"
out=$(vs backup verify "$dom" "$idS" 2>&1)
tap_ok $? "verify passes for the snapshot backup" || diag "$out"

id2=$(vs backup create "$dom" 2>"$TB_RUN/err")
tap_ok $? "the next automatic job backup" || diag "$(cat "$TB_RUN/err")"
tap_is "$(bkjson "$id2" | jq -r '[.method, .kind, .parent] | join(" ")')" "job incremental $id1" \
    "is incremental on the last job backup: the snapshot backup left the chain alone"

out=$(vs backup create "$dom" --method snapshot --incremental 2>&1)
[[ $? != 0 && $out == *"always full"* ]]
tap_ok $? "--incremental --method snapshot is refused ($out)"

# ---- fault injection: kill at every journaled step, then recover -------------
for f in $FAULTS; do
    VIRT_STATE_FAULT_AT=$f vs backup create "$dom" --method snapshot >/dev/null 2>"$TB_RUN/err"
    tap_is "$?" "137" "snapshot backup killed at $f" || diag "$(cat "$TB_RUN/err")"
    if [[ $f == snapshot-backup:copy ]]; then
        # The guest runs on the temporary overlays: what it writes now must
        # reach the next incremental job backup (checkpoint bitmaps kept).
        tb_guest_exec "$dom" /bin/dd if=/dev/urandom of=/data/blob bs=1M count=2 conv=fsync ||
            diag "the guest could not write its blob"
        diag "on the overlay: $(sources)"
    fi
    out=$(vs recover "$dom" 2>&1)
    tap_ok $? "recover: ${out##*: }" || diag "$out"
    r=$(consistent)
    tap_ok $? "consistent: on its own disks, no overlay, no incomplete backup, no stray image ${r:+($r)}"
    tb_wait_counting "$dom"
    tap_ok $? "the guest runs and counts (thawed)"
    out=$(vs backup create "$dom" --method snapshot 2>&1)
    tap_ok $? "the next snapshot backup works" || diag "$out"
done

# ---- the job chain is exact: incremental == full at the same instant ----------
tb_virsh suspend "$dom" >/dev/null
idI=$(vs backup create "$dom" 2>"$TB_RUN/err")
rc=$?
idF=$(vs backup create "$dom" --full 2>>"$TB_RUN/err")
rc2=$?
tb_virsh resume "$dom" >/dev/null
[[ $rc == 0 && $rc2 == 0 && $(bkjson "$idI" | jq -r .kind) == incremental && $(bkjson "$idI" | jq -r .parent) == "$id2" ]]
tap_ok $? "after all that, the automatic job backup is incremental on '$id2'" || diag "$(cat "$TB_RUN/err")"
mkdir "$TB_RUN/rI" "$TB_RUN/rF"
vs backup restore "$dom" "$idI" --to "$TB_RUN/rI" >/dev/null 2>&1 &&
    vs backup restore "$dom" "$idF" --to "$TB_RUN/rF" >/dev/null 2>&1
tap_ok $? "the incremental and a full taken at the same instant restore"
same=yes
for t in vda vdb; do
    qemu-img compare -q "$TB_RUN/rI/$t.qcow2" "$TB_RUN/rF/$t.qcow2" || same="no ($t differs)"
done
tap_is "$same" "yes" "they are identical: writes made on the temporary overlays are in the incremental"
rm -rf "$TB_RUN/rI" "$TB_RUN/rF"
out=$(vs backup verify "$dom" 2>&1)
tap_ok $? "verify passes for every backup" || diag "$out"

# ---- a shut-off domain --------------------------------------------------------
tb_shutdown "$dom" 120
tap_ok $? "the guest is shut down"
cps=$(checkpoints)
coff=$(tb_counter_offline "$(tb_disk "$dom" vda)")
out=$(vs backup create "$dom" --incremental 2>&1)
[[ $? == 1 && $out == *"shut off"*"full"* ]]
tap_ok $? "--incremental of a shut-off domain is refused ($out)"
out=$(vs backup create "$dom" --pull 2>&1)
[[ $? == 1 && $out == *"shut off"* ]]
tap_ok $? "--pull of a shut-off domain is refused ($out)"
out=$(vs backup create "$dom" --method snapshot --full 2>&1)
tap_ok $? "--method snapshot of a shut-off domain copies offline" || diag "$out"
idO=$(vs backup create "$dom" 2>"$TB_RUN/err")
tap_ok $? "backup create of the shut-off domain" || diag "$(cat "$TB_RUN/err")"
grep -q "full backup of '$dom': it is shut off" "$TB_RUN/err"
tap_ok $? "it is full and says why" || diag "$(cat "$TB_RUN/err")"
tap_is "$(bkjson "$idO" | jq -r '[.method, .kind, .consistency, .checkpoint] | join(" ")')" "offline full offline " \
    "show --json: method offline, full, consistency offline, no checkpoint"
tap_is "$(checkpoints)" "$cps" "no checkpoint created"
mkdir "$TB_RUN/rO"
out=$(vs backup restore "$dom" "$idO" --to "$TB_RUN/rO" 2>&1)
tap_ok $? "the offline backup restores" || diag "$out"
tap_is "$(tb_counter_offline "$TB_RUN/rO/vda.qcow2")" "$coff" "its counter is the shut-off disk's"
for t in vda vdb; do
    qemu-img compare -q -f qcow2 -F qcow2 "$TB_RUN/rO/$t.qcow2" "$(tb_disk "$dom" $t)" || break
done
tap_ok $? "both restored images equal the disks"
out=$(vs backup verify "$dom" "$idO" 2>&1)
tap_ok $? "verify passes for the offline backup" || diag "$out"
VIRT_STATE_FAULT_AT=offline-backup:copy:done vs backup create "$dom" >/dev/null 2>"$TB_RUN/err"
tap_is "$?" "137" "offline backup killed after its copy"
out=$(vs recover "$dom" 2>&1)
[[ $? == 0 && $out == *"finished the interrupted backup"* ]]
tap_ok $? "recover finishes it: ${out##*: }" || diag "$out"
VIRT_STATE_FAULT_AT=offline-backup:copy vs backup create "$dom" >/dev/null 2>"$TB_RUN/err"
tap_is "$?" "137" "offline backup killed before its copy"
out=$(vs recover "$dom" 2>&1)
tap_ok $? "recover: ${out##*: }" || diag "$out"
r=$(consistent)
tap_ok $? "consistent afterwards ${r:+($r)}"
tb_virsh start "$dom" >/dev/null && tb_wait_counting "$dom"
tap_ok $? "the domain starts and counts afterwards"
c=$(counter_ram "$dom")
[[ -n $c && $c -gt $coff ]]
tap_ok $? "on its own data: the counter goes on from $coff ($c)"
r=$(consistent)
tap_ok $? "everything consistent at the end ${r:+($r)}"
diag "run time $SECONDS s"
