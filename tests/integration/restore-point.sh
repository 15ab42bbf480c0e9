#!/bin/bash
# restore-point create/list/show/verify/delete and revert to restore points
# on a real guest with two data disks that count every second: points P1
# (live) and P2, revert to each and to the automatic pre-revert point (the
# guest resumes from memory, its counter where the point left it), delete
# without losing any other state, a flipped byte in a memory image and a
# frozen file changed behind the tool's back (verify fails, revert refuses),
# hostile manifests refused before any libvirt call, --dry-run changing
# nothing, a shut-off domain's point, and the fault-injection point of every
# journaled step of create, delete and revert followed by `recover`.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../testbed/lib.sh
. "$here/../testbed/lib.sh"

VIRT_STATE=${VIRT_STATE:-$TB_TOP/_build/virt-state}
tb_require
CREATE_FAULTS="restore-point:prepare restore-point:prepare:done restore-point:snapshot quiesce:frozen:done
    restore-point:snapshot:done restore-point:record restore-point:record:done"
REVERT_FAULTS="revert-point:keep revert-point:keep:done revert-point:overlays revert-point:overlays:done
    revert-point:define revert-point:define:done revert-point:start revert-point:start:done"
DELETE_FAULTS="restore-point-delete:forget restore-point-delete:forget:done restore-point-delete:reparent
    restore-point-delete:reparent:done"
n_faults=$(($(wc -w <<<"$CREATE_FAULTS $REVERT_FAULTS $DELETE_FAULTS")))
tap_plan $((87 + n_faults * 4))

STORE=$TB_RUN/store
vs() { "$VIRT_STATE" -c "$TB_URI" --store "$STORE" "$@"; }
src() {
    if [[ ${3:-} == --inactive ]]; then
        tb_virsh dumpxml --inactive "$1" | xmllint --xpath "string(//disk[target/@dev='$2']/source/@file)" -
    else
        tb_virsh domblklist "$1" | awk -v t="$2" '$1 == t { print $2 }'
    fi
}
rpdir() { echo "$STORE/$dom/restore-points/$1"; }
counter_ram() { tb_counter "$1" --ram 2>/dev/null; }

# consistent DOM: live = persistent, every chain opens, no .qcow2 beside the
# disks that neither a chain of the domain nor a manifest (or the chain
# below a manifest's frozen file) needs, every point verifies, nothing left
# half-made in the store, no journal pending.
consistent() {
    local d=$1 t live inact f keep="" m
    for t in vda vdb; do
        inact=$(src "$d" "$t" --inactive)
        if [[ $(tb_state "$d") == running ]]; then
            live=$(src "$d" "$t")
            [[ $live == "$inact" ]] || { echo "disk $t: live '$live' but persistent '$inact'"; return 1; }
        fi
        keep+=$(qemu-img info -U --backing-chain --output=json "$inact" 2>/dev/null | jq -r '.[].filename')$'\n' ||
            { echo "chain of $inact does not open"; return 1; }
    done
    for m in "$STORE/$d"/restore-points/*/manifest.xml; do
        [[ -e $m ]] || continue
        for f in $(sed -n 's:.*<\(frozen\|overlay\)[^>]*>\(/[^<]*\)<.*:\2:p' "$m"); do
            keep+=$(qemu-img info -U --backing-chain --output=json "$f" 2>/dev/null | jq -r '.[].filename')$'\n'
        done
        vs restore-point verify "$d" "$(basename "$(dirname "$m")")" >/dev/null 2>&1 ||
            { echo "point $(basename "$(dirname "$m")") does not verify"; return 1; }
    done
    for f in "$(tb_dir "$d")"/*.qcow2; do
        grep -qxF "$f" <<<"$keep" || { echo "stray file $f"; return 1; }
    done
    for f in "$STORE/$d"/restore-points/*; do
        [[ -e $f ]] || continue
        [[ -f $f/manifest.xml ]] || { echo "half-made point $f"; return 1; }
        ls -A "$f" | grep -qv '^\(manifest.xml\|memory.img\|domain.xml\)$' && { echo "stray file in $f"; return 1; }
    done
    [[ -z $(ls -A "$STORE/$d/journal" 2>/dev/null) ]] || { echo "journal pending"; return 1; }
    return 0
}

dom=$(tb_define_guest rp --disks 2)
tap_ok $? "a two-disk guest is defined and started"
tb_wait_counting "$dom"
tap_ok $? "its agent answers and it counts"
dir=$(tb_dir "$dom")
vda0=$(src "$dom" vda)
boot0=$(tb_boot_id "$dom")

# ---- bad input: refused, nothing changed -----------------------------------
before=$(tb_virsh dumpxml --inactive "$dom")
out=$(vs restore-point create "$dom" a/b 2>&1)
[[ $? == 2 && $out == *"'a/b' is not a valid name"* ]]
tap_ok $? "a name with '/' is refused as usage"
out=$(vs restore-point create "$dom" .. 2>&1)
tap_ok $(($? != 2)) "the name '..' is refused as usage"
out=$(vs restore-point create "$dom" pre-revert-x 2>&1)
tap_ok $(($? != 2)) "a name that looks like an automatic pre-revert point is refused"
out=$(vs restore-point create "$dom" p0 --quiesce sometimes 2>&1)
tap_ok $(($? != 2)) "an unknown --quiesce policy is refused as usage"
out=$(vs revert "$dom" nothing 2>&1)
[[ $? == 1 && $out == *"no restore point or disk snapshot named 'nothing'"* ]]
tap_ok $? "revert to an unknown name: clear error ($out)"
tap_is "$(tb_virsh dumpxml --inactive "$dom"):$(ls "$dir"/*.qcow2 | wc -l)" "$before:2" \
    "after the refusals the definition and the disks are unchanged"

# ---- P1 (live), P2 ----------------------------------------------------------
n1a=$(counter_ram "$dom")
out=$(vs --json restore-point create "$dom" P1 --live --description 'first <point> & co' 2>/dev/null)
tap_ok $? "restore-point create --live P1"
n1b=$(counter_ram "$dom")
tap_is "$(jq -r '[.domain_state, .live, (.disks | map(.target) | join(",")), (.memory.size > 0)] | join(" ")' <<<"$out")" \
    "running true vda,vdb true" "--json: running, live, both disks, a memory image"
tap_is "$(src "$dom" vda):$(src "$dom" vdb --inactive)" "$dir/vda.P1.qcow2:$dir/vdb.P1.qcow2" \
    "the domain runs on new overlays, live and persistent"
tap_is "$(stat -c %a "$(rpdir P1)"):$(stat -c '%a' "$(rpdir P1)"/* | sort -u | tr '\n' ' ')" "700:600 " \
    "the point's directory is 0700 and its files 0600"
xmllint --noout --relaxng "$TB_TOP/data/restore-point.rng" "$(rpdir P1)/manifest.xml" 2>/dev/null
tap_ok $? "the manifest validates against the shipped schema"
m=$(cat "$(rpdir P1)/manifest.xml")
grep -q '<paused-us>[0-9]*</paused-us>' <<<"$m" && grep -q '<libvirt>9\.' <<<"$m" && grep -q 'sha256="[0-9a-f]\{64\}"' <<<"$m"
tap_ok $? "it records the pause, the versions and the checksums"
mem_kib=$(($(stat -c %s "$(rpdir P1)/memory.img") / 1024))
[[ $mem_kib -gt 1024 && $mem_kib -lt $((300 * 1024)) ]]
tap_ok $? "the memory image is sized like the guest's 256 MiB of RAM ($mem_kib KiB)"
sleep 6
n2a=$(counter_ram "$dom")
vs restore-point create "$dom" P2 >/dev/null 2>&1
tap_ok $? "restore-point create P2 (paused during the capture)"
n2b=$(counter_ram "$dom")
tap_is "$(sed -n 's:.*<parent>\(.*\)</parent>.*:\1:p' "$(rpdir P2)/manifest.xml")" "P1" "P2's parent is P1"
tree=$(vs restore-point list "$dom" --tree)
grep -q '^ *P1 ' <<<"$tree" && grep -q '^ *\\_ P2 ' <<<"$tree"
tap_ok $? "list --tree shows P2 under P1" || diag "$tree"
tap_is "$(vs --json restore-point list | jq -r 'map(.name) | join(",")')" "P1,P2" "list of the whole store, --json"
vs restore-point verify "$dom" P1 >/dev/null 2>&1 && vs restore-point verify "$dom" P2 >/dev/null 2>&1
tap_ok $? "both points verify"
off=$(tb_counter_offline "$(sed -n 's:.*<frozen[^>]*>\(.*vda[^<]*\)</frozen>.*:\1:p' "$(rpdir P1)/manifest.xml")")
[[ -n $off && $off -le $n1b ]]
tap_ok $? "P1's frozen disk holds counter $off, not ahead of the point ($n1a..$n1b)"
sleep 4

# ---- --dry-run changes nothing ----------------------------------------------
# The disks by name and mode (the guest writes into the active ones), the
# store in full; the lock file records its last holder: not state.
snap() {
    tb_virsh dumpxml --inactive "$dom"
    tb_virsh domblklist "$dom"
    find "$dir" -name '*.qcow2' -printf '%p %m\n' | sort
    find "$STORE" ! -name lock -printf '%p %m %s %T@\n' | sort
}
before=$(snap)
out=$(vs revert "$dom" P1 --dry-run)
grep -q 'virDomainRestoreFlags' <<<"$out" && grep -q 'pre-revert-' <<<"$out"
tap_ok $? "revert --dry-run lists the steps (save, overlays, define, restore)" || diag "$out"
vs restore-point delete "$dom" P1 --dry-run >/dev/null && vs restore-point create "$dom" Px --dry-run >/dev/null
tap_ok $? "delete and create --dry-run succeed"
tap_is "$(tb_state "$dom")" "running" "the domain keeps running"
after=$(snap)
tap_is "$after" "$before" "and nothing changed: definition, disks, files, store"

# ---- revert to P1: resumes from memory -------------------------------------
n3=$(counter_ram "$dom")
t3=$SECONDS
out=$(vs --json revert "$dom" P1 2>/dev/null)
tap_ok $? "revert to P1"
t3=$((SECONDS - t3))
tap_is "$(tb_state "$dom")" "running" "the domain runs (P1 was running)"
c=$(counter_ram "$dom")
[[ -n $c && $c -ge $n1a && $c -le $((n1b + 3)) ]]
tap_ok $? "its counter continues from P1's ($n1a..$n1b): $c (it had reached $n3)"
tap_is "$(tb_boot_id "$dom")" "$boot0" "the same boot: resumed from memory, not rebooted"
pre1=$(jq -r .kept_as <<<"$out")
[[ $pre1 == pre-revert-* && -f $(rpdir "$pre1")/manifest.xml ]]
tap_ok $? "the state left is kept as restore point $pre1"
tap_is "$(sed -n 's:.*<parent>\(.*\)</parent>.*:\1:p' "$(rpdir "$pre1")/manifest.xml")" "P2" "its parent is P2"
tap_is "$(src "$dom" vda):$(qemu-img info -U --output=json "$(src "$dom" vda)" | jq -r '."backing-filename"')" \
    "$dir/vda.P1.1.qcow2:$vda0" "vda runs on a fresh overlay on P1's frozen file"
r=$(consistent "$dom")
tap_ok $? "domain and store are consistent ${r:+($r)}"
tb_wait_counting "$dom"
tap_ok $? "the guest counts on after the revert"

# ---- revert to P2, then to the pre-revert point -----------------------------
vs revert "$dom" P2 >/dev/null 2>&1
tap_ok $? "revert to P2"
c=$(counter_ram "$dom")
[[ -n $c && $c -ge $n2a && $c -le $((n2b + 3)) ]]
tap_ok $? "the counter is P2's ($n2a..$n2b): $c"
vs revert "$dom" "$pre1" >/dev/null 2>&1
tap_ok $? "revert to the pre-revert point $pre1"
c=$(counter_ram "$dom")
[[ -n $c && $c -ge $n3 && $c -le $((n3 + t3 + 3)) ]]
tap_ok $? "gives back the later state: counter $c, it was $n3 when the revert to P1 began (${t3}s)"
tap_is "$(tb_boot_id "$dom")" "$boot0" "still the same boot"
r=$(consistent "$dom")
tap_ok $? "consistent after three reverts ${r:+($r)}"

# ---- delete P1: nothing else lost ------------------------------------------
npoints=$(ls "$STORE/$dom/restore-points" | wc -l)
vs restore-point delete "$dom" P1 >/dev/null 2>&1
tap_ok $? "delete P1"
[[ ! -e $(rpdir P1) ]]
tap_ok $? "its directory is gone"
tap_is "$(ls "$STORE/$dom/restore-points" | wc -l)" "$((npoints - 1))" "every other point stays"
tap_is "$(grep -c '<parent>P1</parent>' "$STORE/$dom"/restore-points/*/manifest.xml | grep -vc ':0$')" "0" \
    "no manifest names P1 as parent any more"
tap_is "$(sed -n 's:.*<parent>\(.*\)</parent>.*:\1:p' "$(rpdir P2)/manifest.xml")" "" "P2 is a root now"
r=$(consistent "$dom")
tap_ok $? "the remaining points verify, nothing is orphaned ${r:+($r)}"
tb_wait_counting "$dom"
tap_ok $? "the current state runs on"
vs revert "$dom" P2 >/dev/null 2>&1 && c=$(counter_ram "$dom") && [[ $c -ge $n2a && $c -le $((n2b + 3)) ]]
tap_ok $? "P2 still reverts to its state after P1's deletion (counter $c)"

# ---- the latest point: its overlay is merged back when deleted -------------
vs restore-point create "$dom" P3 --quiesce off >/dev/null 2>&1
tap_ok $? "create P3"
p3vda=$(src "$dom" vda)
p3frozen=$(sed -n 's:.*<frozen[^>]*>\(.*vda[^<]*\)</frozen>.*:\1:p' "$(rpdir P3)/manifest.xml")
vs restore-point delete "$dom" P3 >/dev/null 2>&1
tap_ok $? "delete P3 while the domain runs on its overlay"
tap_is "$(src "$dom" vda):$(src "$dom" vda --inactive)" "$p3frozen:$p3frozen" \
    "the overlay was committed: vda is back on the file P3 had frozen"
[[ ! -e $p3vda ]]
tap_ok $? "and the overlay file is gone"
r=$(consistent "$dom")
tap_ok $? "consistent ${r:+($r)}"

# ---- a flipped byte, a frozen file changed ---------------------------------
vs restore-point create "$dom" P4 >/dev/null 2>&1
tap_ok $? "create P4"
img=$(rpdir P4)/memory.img
pos=$(($(stat -c %s "$img") / 2))
orig=$(dd if="$img" bs=1 skip=$pos count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
printf "\\$(printf %03o $(((orig + 1) % 256)))" | dd of="$img" bs=1 seek=$pos conv=notrunc 2>/dev/null
out=$(vs restore-point verify "$dom" P4 2>&1)
[[ $? == 1 && $out == *"memory image"*"does not match its checksum"* ]]
tap_ok $? "one flipped byte in the memory image: verify fails and says so"
before=$(tb_virsh domblklist "$dom")
out=$(vs revert "$dom" P4 2>&1)
[[ $? == 1 && $out == *"does not verify; no revert"* ]]
tap_ok $? "revert refuses"
tap_is "$(tb_state "$dom"):$(tb_virsh domblklist "$dom")" "running:$before" "the guest is untouched"
printf "\\$(printf %03o "$orig")" | dd of="$img" bs=1 seek=$pos conv=notrunc 2>/dev/null
vs restore-point verify "$dom" P4 >/dev/null 2>&1
tap_ok $? "the byte put back, P4 verifies again"
fz=$(sed -n 's:.*<frozen[^>]*>\(.*vdb[^<]*\)</frozen>.*:\1:p' "$(rpdir P4)/manifest.xml")
mt=$(stat -c '%Y.%y' "$fz" | sed 's/^\([0-9]*\)\..*:[0-9]*\.\([0-9]*\) .*/\1.\2/')
qemu-img bitmap --add "$fz" intruder 2>/dev/null || touch "$fz"
out=$(vs restore-point verify "$dom" P4 2>&1)
[[ $? == 1 && $out == *"disk vdb"*"was changed after the point was taken"* ]]
tap_ok $? "a frozen file changed behind the tool's back: verify names it"
out=$(vs revert "$dom" P4 2>&1)
tap_ok $(($? != 1)) "and revert refuses"
tap_is "$(tb_state "$dom"):$(tb_virsh domblklist "$dom")" "running:$before" "the guest is untouched"
qemu-img bitmap --remove "$fz" intruder 2>/dev/null
touch -d "@$mt" "$fz"
vs restore-point verify "$dom" P4 >/dev/null 2>&1
tap_ok $? "put back, P4 verifies"

# ---- hostile manifests: refused before any libvirt call ---------------------
good=$(cat "$(rpdir P4)/manifest.xml")
hostile() { # LABEL: the manifest is in place; show must refuse without libvirt
    local out st
    out=$("$VIRT_STATE" -c "test:///nonexistent-$$" --store "$STORE" restore-point show "$dom" P4 2>&1)
    st=$?
    [[ $st == 1 && $out == *"manifest"* && $out != *"nonexistent"* ]]
    tap_ok $? "$1: refused from the manifest alone (${out##*: })"
}
sed "s:<frozen\([^>]*\)>[^<]*vda[^<]*</frozen>:<frozen\1>/etc/../etc/passwd</frozen>:" <<<"$good" >"$(rpdir P4)/manifest.xml"
hostile "a frozen path outside the disks"
{ echo '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/shadow">]>'; sed 1d <<<"$good" | sed 's:<name>P4</name>:<name>\&x;</name>:'; } >"$(rpdir P4)/manifest.xml"
hostile "an XML external entity"
head -c 700 <<<"$good" >"$(rpdir P4)/manifest.xml"
hostile "a truncated manifest"
out=$("$VIRT_STATE" -c "test:///nonexistent-$$" --store "$STORE" revert "$dom" P4 2>&1)
[[ $? == 1 && $out == *"manifest"* && $out != *"nonexistent"* ]]
tap_ok $? "revert refuses a truncated manifest too, before connecting"
out=$("$VIRT_STATE" -c "test:///nonexistent-$$" --store "$STORE" restore-point delete "$dom" P4 2>&1)
[[ $? == 1 && $out == *"manifest"* && $out != *"nonexistent"* ]]
tap_ok $? "so does delete"
printf '%s\n' "$good" >"$(rpdir P4)/manifest.xml"
vs restore-point verify "$dom" P4 >/dev/null 2>&1
tap_ok $? "the good manifest back, P4 verifies"

# ---- fault injection: create ------------------------------------------------
for f in $CREATE_FAULTS; do
    VIRT_STATE_FAULT_AT=$f vs restore-point create "$dom" F >/dev/null 2>&1
    tap_is "$?" "137" "create killed at $f"
    out=$(vs recover "$dom" 2>&1)
    tap_ok $? "recover: ${out##*: }"
    r=$(consistent "$dom")
    tap_ok $? "consistent ${r:+($r)}"
    tb_wait_counting "$dom"
    tap_ok $? "the guest runs and counts (thawed)"
    vs restore-point delete "$dom" F >/dev/null 2>&1
done

# ---- fault injection: revert ------------------------------------------------
for f in $REVERT_FAULTS; do
    VIRT_STATE_FAULT_AT=$f vs revert "$dom" P4 >/dev/null 2>&1
    tap_is "$?" "137" "revert killed at $f"
    out=$(vs recover "$dom" 2>&1)
    tap_ok $? "recover: ${out##*: }"
    r=$(consistent "$dom")
    tap_ok $? "consistent ${r:+($r)}"
    # Rolled back with the guest saved: the pre-revert point brings it back.
    if [[ $(tb_state "$dom") != running ]]; then
        last=$(ls -t "$STORE/$dom/restore-points" | grep '^pre-revert-' | head -1)
        vs revert "$dom" "$last" --discard-current >/dev/null 2>&1
    fi
    tb_wait_counting "$dom"
    tap_ok $? "the guest runs and counts (state $(tb_state "$dom"))"
done

# ---- fault injection: delete ------------------------------------------------
for f in $DELETE_FAULTS; do
    vs restore-point create "$dom" D --quiesce off >/dev/null 2>&1
    vs restore-point create "$dom" E --quiesce off >/dev/null 2>&1
    VIRT_STATE_FAULT_AT=$f vs restore-point delete "$dom" D >/dev/null 2>&1
    tap_is "$?" "137" "delete killed at $f"
    out=$(vs recover "$dom" 2>&1)
    [[ $? == 0 && ! -e $(rpdir D) && $(sed -n 's:.*<parent>\(.*\)</parent>.*:\1:p' "$(rpdir E)/manifest.xml") != D ]]
    tap_ok $? "recover finishes the delete: ${out##*: }"
    r=$(consistent "$dom")
    tap_ok $? "consistent, E still verifies ${r:+($r)}"
    vs restore-point delete "$dom" E >/dev/null 2>&1
    tb_wait_counting "$dom"
    tap_ok $? "the guest counts on"
done

# ---- commit never writes into a point's frozen file -------------------------
vs restore-point create "$dom" G --quiesce off >/dev/null 2>&1
out=$(vs commit "$dom" 2>&1)
[[ $? == 1 && $out == *"is the state of restore point 'G'"* ]]
tap_ok $? "commit refuses to write into G's frozen files"
vs restore-point verify "$dom" G >/dev/null 2>&1
tap_ok $? "G still verifies"
vs restore-point delete "$dom" G >/dev/null 2>&1
tap_ok $? "delete G (its overlay is merged)"

# ---- restore points and libvirt checkpoints: incremental backups stay exact --
bk=$TB_RUN/bk
mkdir -p "$bk"/full1 "$bk"/inc "$bk"/full2
backup_xml() { # DIR [CHECKPOINT]: push backup of vda and vdb into DIR
    echo "<domainbackup mode='push'>${2:+<incremental>$2</incremental>}<disks>"
    for t in vda vdb; do
        echo "<disk name='$t' type='file'><driver type='qcow2'/><target file='$1/$t.qcow2'/></disk>"
    done
    echo "</disks></domainbackup>"
}
wait_job() {
    local end=$((SECONDS + 120))
    while tb_virsh domjobinfo "$dom" 2>/dev/null | grep -q 'Job type: *\(Unbounded\|Bounded\)'; do
        [[ $SECONDS -lt $end ]] || return 1
        sleep 0.5
    done
    tb_virsh domjobinfo --completed "$dom" | grep -q 'Job type: *Completed'
}
backup_xml "$bk/full1" >"$bk/full1.xml"
echo "<domaincheckpoint><name>C1</name></domaincheckpoint>" >"$bk/c1.xml"
tb_virsh backup-begin "$dom" "$bk/full1.xml" "$bk/c1.xml" >/dev/null && wait_job
tap_ok $? "a full backup with checkpoint C1 (libvirt's own backup job)"
sleep 2
vs restore-point create "$dom" Q1 --quiesce off >/dev/null 2>&1
tap_ok $? "a restore point Q1 after C1"
sleep 2
tb_virsh checkpoint-create-as "$dom" C2 >/dev/null
tap_ok $? "a checkpoint C2 after Q1"
out=$(vs revert "$dom" Q1 2>&1)
[[ $? == 0 && $out == *"checkpoint 'C2' no longer applies"* ]]
tap_ok $? "revert to Q1 removes C2's metadata and says so"
tap_is "$(tb_virsh checkpoint-list "$dom" --name | xargs)" "C1" "C1, older than Q1, stays"
sleep 3
backup_xml "$bk/inc" C1 >"$bk/inc.xml"
backup_xml "$bk/full2" >"$bk/full2.xml"
tb_virsh suspend "$dom" >/dev/null
tb_virsh backup-begin "$dom" "$bk/inc.xml" >/dev/null && wait_job
st=$?
tb_virsh backup-begin "$dom" "$bk/full2.xml" >/dev/null && wait_job
st=$((st + $?))
tb_virsh resume "$dom" >/dev/null
tap_is "$st" "0" "after the revert: an incremental backup from C1 and a full one, the guest paused between"
ok=0
for t in vda vdb; do
    qemu-img rebase -u -b "$bk/full1/$t.qcow2" -F qcow2 "$bk/inc/$t.qcow2" &&
        qemu-img compare -q "$bk/inc/$t.qcow2" "$bk/full2/$t.qcow2" || ok=1
done
tap_ok $ok "the incremental on the first full backup equals the new full backup, disk for disk"
rm -rf "$bk"

# ---- a shut-off domain: disks and definition --------------------------------
tb_shutdown "$dom" 90
tap_ok $? "the guest shuts down"
off0=$(tb_counter_offline "$(src "$dom" vda --inactive)")
vs restore-point create "$dom" OFF >/dev/null 2>&1
tap_ok $? "a point of the shut-off domain"
grep -q '<consistency>offline</consistency>' "$(rpdir OFF)/manifest.xml" && [[ ! -e $(rpdir OFF)/memory.img ]]
tap_ok $? "offline, without a memory image"
tb_virsh start "$dom" >/dev/null && tb_wait_counting "$dom"
tap_ok $? "the domain starts on the point's overlays and counts"
sleep 3
vs revert "$dom" OFF >/dev/null 2>&1
tap_ok $? "revert to OFF while running"
tap_is "$(tb_state "$dom")" "shut off" "the domain is shut off, as it was at the point"
tap_is "$(tb_counter_offline "$(src "$dom" vda --inactive)")" "$off0" "its disk holds the point's counter"
vs revert "$dom" OFF --running --discard-current >/dev/null 2>&1 && tb_wait_counting "$dom"
tap_ok $? "revert OFF --running: it boots and counts"
r=$(consistent "$dom")
tap_ok $? "consistent ${r:+($r)}"

tap_done
