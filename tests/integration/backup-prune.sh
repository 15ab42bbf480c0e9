#!/bin/bash
# backup prune and backup restore --define on a real guest: two chains
# (full, incr, incr, then --full and incr); prune --dry-run changes nothing
# (manifests, images and checkpoints identical); prune --keep-last 2,
# killed in the middle and finished by recover, removes the older chain and
# keeps the newer one, every kept backup verifies and restores (the counter
# read offline is the guest's at that backup), the checkpoints of removed
# and superseded backups are gone from libvirt (their bitmaps too) while the
# newest stays and the next backup is incremental; checkpoints virt-state
# did not create are never touched; with a restore point in between, the
# checkpoints whose bitmaps its frozen file holds lose only their metadata
# and the point still verifies; the other fault points, each followed by
# recover, leave a consistent state; backup restore --define makes a domain
# that boots on the restored images and counts on from the backup; a prune
# of the shut-off domain deletes checkpoint metadata only, and says so.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../testbed/lib.sh
. "$here/../testbed/lib.sh"

VIRT_STATE=${VIRT_STATE:-$TB_TOP/_build/virt-state}
tb_require
FAULTS="backup-prune:plan backup-prune:checkpoint.0 backup-prune:checkpoint.0:done backup-prune:remove.0:done"
n_faults=$(($(wc -w <<<"$FAULTS")))
tap_plan $((61 + n_faults * 5))

STORE=$TB_RUN/store
vs() { "$VIRT_STATE" -c "$TB_URI" --store "$STORE" "$@"; }
counter_ram() { tb_counter "$1" --ram 2>/dev/null; }
bkjson() { vs --json backup show "$dom" "$1" 2>/dev/null; }
ids() { vs --json backup list "$dom" 2>/dev/null | jq -r '[.[].id] | join(" ")'; }
checkpoints() { tb_virsh checkpoint-list "$dom" --name | sort | tr '\n' ' '; }
# The store's backup files with their checksums, and the checkpoints.
snapshot() {
    (cd "$STORE/$dom/backups" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
    checkpoints
}
# bitmaps FILE: the persistent bitmaps stored in an image no QEMU writes to.
bitmaps() { qemu-img info -U --output=json "$1" | jq -r '[."format-specific".data.bitmaps[]?.name] | sort | join(" ")'; }
# live_bitmaps IMAGE: the bitmaps QEMU holds for the running domain's image
# (bitmaps created while it runs reach the file only when QEMU closes it).
live_bitmaps() {
    tb_virsh qemu-monitor-command "$dom" '{"execute":"query-named-block-nodes","arguments":{"flat":true}}' |
        jq -r --arg f "$1" '[.return[] | select(.drv == "qcow2" and .file == $f) | ."dirty-bitmaps"[]?.name] | unique | join(" ")'
}
# backup ID: takes a backup (options in BKOPTS), sets ID and the counter
# range around it (LO, HI).
backup() {
    LO=$(counter_ram "$dom")
    ID=$(vs backup create "$dom" "$@" 2>"$TB_RUN/err")
    local rc=$?
    HI=$(counter_ram "$dom")
    return $rc
}
# consistent: no journal pending, every listed backup complete and
# verifying, no file in a chain directory without its manifest, no
# checkpoint of the tool's without its backup (the foreign ones aside).
consistent() {
    local f id list
    [[ -z $(ls -A "$STORE/$dom/journal" 2>/dev/null) ]] || { echo "journal pending"; return 1; }
    vs backup verify "$dom" >/dev/null 2>&1 || { echo "verify fails"; return 1; }
    list=$(vs --json backup list "$dom" 2>/dev/null | jq -r '.[] | select(.status == "complete") | .id')
    for f in "$STORE/$dom"/backups/*/*; do
        [[ -e $f ]] || continue
        id=$(basename "$f")
        id=${id%.manifest.xml}
        id=${id%.vd?.qcow2}
        grep -qxF "$id" <<<"$list" || { echo "stray file $f"; return 1; }
    done
    for f in $(checkpoints); do
        [[ $f == virt-state-* && $f != virt-state-foreign ]] || continue
        grep -qxF "${f#virt-state-}" <<<"$list" || { echo "stray checkpoint $f"; return 1; }
    done
    return 0
}

dom=$(tb_define_guest pr)
tap_ok $? "a guest is defined and started"
tb_wait_counting "$dom"
tap_ok $? "its agent answers and it counts"
disk=$(tb_disk "$dom")

# ---- two chains: full, incr, incr, then --full, incr ---------------------------
declare -A lo hi
for k in 1 2 3 4 5; do
    opt=()
    [[ $k == 4 ]] && opt=(--full)
    backup "${opt[@]}"
    tap_ok $? "backup $k${opt:+ (${opt[*]})}" || diag "$(cat "$TB_RUN/err")"
    eval "id$k=\$ID"
    lo[$k]=$LO hi[$k]=$HI
    sleep 1
done
tap_is "$(for k in 1 2 3 4 5; do v=id$k; bkjson "${!v}" | jq -r '.kind + ":" + (.parent // "-")'; done | tr '\n' ' ')" \
    "full:- incremental:$id1 incremental:$id2 full:- incremental:$id4 " "the chains: 1 <- 2 <- 3 and 4 <- 5"
# Checkpoints virt-state did not create: one with the tool's prefix.
tb_virsh checkpoint-create-as "$dom" foreign >/dev/null &&
    tb_virsh checkpoint-create-as "$dom" virt-state-foreign >/dev/null
tap_ok $? "two checkpoints made with virsh, one named like the tool's"
tap_is "$(checkpoints)" "foreign virt-state-$id1 virt-state-$id2 virt-state-$id3 virt-state-$id4 virt-state-$id5 virt-state-foreign " \
    "one checkpoint per backup, and the two foreign ones"

# ---- --dry-run changes nothing -------------------------------------------------
before=$(snapshot)
out=$(vs backup prune "$dom" --keep-last 2 --dry-run 2>"$TB_RUN/err")
tap_ok $? "prune --keep-last 2 --dry-run" || diag "$(cat "$TB_RUN/err")"
tap_is "$(snapshot)" "$before" "dry run: manifests, images and checkpoints are as before"
tap_is "$(grep -o '^[a-z]* backup [^ ]*' <<<"$out" | tr '\n' ' ')" \
    "remove backup $id1 remove backup $id2 remove backup $id3 keep backup $id4 keep backup $id5 " \
    "dry run: it would remove the older chain and keep the newer one" || diag "$out"
grep -q "remove image $STORE/$dom/backups/$id1/$id1.vda.qcow2" <<<"$out" &&
    grep -q "^  delete checkpoint virt-state-$id4\$" <<<"$out" && grep -q "^  keep checkpoint virt-state-$id5\$" <<<"$out"
tap_ok $? "dry run: it names the images and the checkpoints it would delete and keep" || diag "$out"
grep -q "dry run, nothing was changed: would remove 3 backups and 4 checkpoints of '$dom', keep 2 backups" "$TB_RUN/err"
tap_ok $? "dry run: it says so" || diag "$(cat "$TB_RUN/err")"
j=$(vs --json backup prune "$dom" --keep-last 2 --dry-run 2>/dev/null)
tap_is "$(jq -r '[.dry_run, (.backups | map(.action + ":" + .checkpoint_action) | join(","))] | join(" ")' <<<"$j")" \
    "true remove:delete,remove:delete,remove:delete,keep:delete,keep:keep" "dry run --json: the same plan"

# ---- prune, killed halfway, finished by recover --------------------------------
out=$(VIRT_STATE_FAULT_AT=backup-prune:remove.1 vs backup prune "$dom" --keep-last 2 2>&1)
tap_is "$?" "137" "prune killed while removing its second backup" || diag "$out"
tap_is "$(ids)" "$id1 $id2 $id4 $id5" "meanwhile the newest removed backup is gone, the others are still listed"
out=$(vs backup verify "$dom" 2>&1)
tap_ok $? "meanwhile every backup still listed verifies (none lacks what it builds on)" || diag "$out"
out=$(vs backup create "$dom" 2>&1)
[[ $? == 1 && $out == *"interrupted backup-prune operation"*"run 'virt-state recover $dom' first"* ]]
tap_ok $? "a backup waits for recover" || diag "$out"
out=$(vs recover "$dom" 2>&1)
tap_ok $? "recover: ${out##*: }" || diag "$out"
tap_is "$(ids)" "$id4 $id5" "the older chain is gone, the newer one kept"
tap_ok "$([[ ! -e $STORE/$dom/backups/$id1 ]]; echo $?)" "the older chain's directory is gone"
tap_is "$(checkpoints)" "foreign virt-state-$id5 virt-state-foreign " \
    "checkpoints: the newest backup's stays, the others' are gone, the foreign ones untouched"
tap_is "$(live_bitmaps "$disk")" "foreign virt-state-$id5 virt-state-foreign" "the deleted checkpoints' bitmaps are gone from the disk"
r=$(consistent)
tap_ok $? "consistent ${r:+($r)}"
for k in 4 5; do
    v=id$k
    mkdir -m 0755 "$TB_RUN/r$k"
    out=$(vs backup restore "$dom" "${!v}" --to "$TB_RUN/r$k" 2>&1)
    tap_ok $? "kept backup $k restores" || diag "$out"
    c=$(tb_counter_offline "$TB_RUN/r$k/vda.qcow2")
    [[ -n $c && $c -ge ${lo[$k]} && $c -le ${hi[$k]} ]]
    tap_ok $? "its counter read offline ($c) is the guest's at backup $k (${lo[$k]}..${hi[$k]})"
done
backup
tap_ok $? "the next automatic backup" || diag "$(cat "$TB_RUN/err")"
id6=$ID
tap_is "$(bkjson "$id6" | jq -r '.kind + " " + .parent')" "incremental $id5" "is incremental on the newest kept backup"
grep -q "incremental backup of '$dom' since backup '$id5'" "$TB_RUN/err"
tap_ok $? "and says so" || diag "$(cat "$TB_RUN/err")"

# ---- nothing left to prune ----------------------------------------------------
before=$(snapshot | head -n -1)
out=$(vs backup prune "$dom" --keep-last 5 2>&1)
tap_ok $? "prune --keep-last 5 with three backups" || diag "$out"
tap_is "$(snapshot | head -n -1)" "$before" "it removes no backup, no image changes"
tap_is "$(checkpoints)" "foreign virt-state-$id6 virt-state-foreign " "only the superseded checkpoint goes"

# ---- a restore point in between: metadata-only deletes -----------------------
out=$(vs restore-point create "$dom" RP1 --quiesce off 2>&1)
tap_ok $? "restore-point create" || diag "$out"
frozen=$(vs --json restore-point show "$dom" RP1 2>/dev/null | jq -r '.disks[0].frozen')
[[ " $(bitmaps "$frozen") " == *" virt-state-$id6 "* ]]
tap_ok $? "the point's frozen file holds the last backup's bitmap"
sleep 1
backup --full
tap_ok $? "a full backup on the point's overlay" || diag "$(cat "$TB_RUN/err")"
id7=$ID
sleep 1
backup
tap_ok $? "and an incremental" || diag "$(cat "$TB_RUN/err")"
id8=$ID
out=$(vs backup prune "$dom" --keep-last 1 2>"$TB_RUN/err")
tap_ok $? "prune --keep-last 1" || diag "$(cat "$TB_RUN/err")"
tap_is "$(ids)" "$id7 $id8" "the newest chain stays"
grep -q "deleted metadata only checkpoint virt-state-$id6: its bitmap 'virt-state-$id6' of disk vda is also in '$frozen', frozen by restore point 'RP1'" <<<"$out"
tap_ok $? "the checkpoint whose bitmap the point froze loses only its metadata, and it says why" || diag "$out"
grep -q "^  deleted checkpoint virt-state-$id7\$" <<<"$out"
tap_ok $? "one made after the point is deleted with its bitmap" || diag "$out"
tap_is "$(checkpoints)" "foreign virt-state-$id8 virt-state-foreign " "checkpoints: the newest backup's and the foreign ones"
[[ " $(bitmaps "$frozen") " == *" virt-state-$id6 "* ]]
tap_ok $? "the frozen file still holds its bitmap"
out=$(vs restore-point verify "$dom" RP1 2>&1)
tap_ok $? "the restore point still verifies" || diag "$out"
r=$(consistent)
tap_ok $? "consistent ${r:+($r)}"

# ---- the other fault points, each followed by recover ---------------------------
for f in $FAULTS; do
    sleep 1
    backup --full >/dev/null && keep=$ID
    out=$(VIRT_STATE_FAULT_AT=$f vs backup prune "$dom" --keep-last 1 2>&1)
    tap_is "$?" "137" "prune killed at $f" || diag "$out"
    out=$(vs recover "$dom" 2>&1)
    tap_ok $? "recover: ${out##*: }" || diag "$out"
    tap_is "$(ids)" "$keep" "only the newest backup is left"
    r=$(consistent)
    tap_ok $? "consistent ${r:+($r)}"
    tap_is "$(checkpoints)" "foreign virt-state-$keep virt-state-foreign " "its checkpoint and the foreign ones remain"
done

# ---- backup restore --define ---------------------------------------------------
sleep 1
backup
tap_ok $? "a backup to define a domain from" || diag "$(cat "$TB_RUN/err")"
idd=$ID lod=$LO hid=$HI
copy="$dom-copy"
tb_register_domain "$copy"
mkdir -m 0755 "$TB_RUN/copy"
out=$(vs backup restore "$dom" "$idd" --to "$TB_RUN/copy" --define "$dom" 2>&1)
[[ $? == 1 && $out == *"a domain named '$dom' exists already; nothing was written"* && -z $(ls -A "$TB_RUN/copy") ]]
tap_ok $? "--define refuses an existing name before writing anything" || diag "$out"
out=$(vs backup restore "$dom" "$idd" --to "$TB_RUN/copy" --define "$copy" 2>&1)
tap_ok $? "backup restore --define $copy" || diag "$out"
x=$(tb_virsh dumpxml --inactive "$copy")
src=$(xmllint --xpath 'string(/domain/devices/disk/source/@file)' - <<<"$x")
ouuid=$(tb_virsh domuuid "$dom")
nuuid=$(tb_virsh domuuid "$copy")
[[ $src == "$TB_RUN/copy/vda.qcow2" && -n $nuuid && $nuuid != "$ouuid" &&
    $(xmllint --xpath 'count(/domain/devices/disk/backingStore/source)' - <<<"$x") == 0 ]]
tap_ok $? "the new domain runs on the restored image, with its own UUID" || diag "$x"
tap_is "$(tb_virsh checkpoint-list "$copy" --name | tr -d '\n')" "" "it has no checkpoint"
tb_virsh start "$copy" >/dev/null && tb_wait_counting "$copy"
tap_ok $? "it boots and counts" || diag "$(tail -5 "$(tb_console "$dom")")"
c=$(counter_ram "$copy")
tb_virsh destroy "$copy" >/dev/null
c0=$(tb_counter_offline "$TB_RUN/copy/vda.qcow2")
[[ -n $c && -n $c0 && $c -gt $lod && $c0 -gt $lod ]]
tap_ok $? "it counted on from the backup's counter ($lod..$hid; $c in memory, $c0 on its disk)"
tb_virsh undefine "$copy" >/dev/null
tap_ok $? "the copy is undefined"
tb_wait_counting "$dom"
tap_ok $? "the original runs on, counting"

# ---- a shut-off domain: libvirt 9.0 deletes checkpoint metadata only -----------
tb_virsh destroy "$dom" >/dev/null
out=$(vs backup prune "$dom" --keep-last 1 2>&1)
tap_ok $? "prune --keep-last 1 of the shut-off domain" || diag "$out"
grep -q "deleted metadata only checkpoint virt-state-$keep: the domain is not running" <<<"$out"
tap_ok $? "the superseded checkpoint loses its metadata only, and it says why" || diag "$out"
tap_is "$(ids):$(checkpoints)" "$keep $idd:foreign virt-state-$idd virt-state-foreign " \
    "both backups stay (one is the other's base), the newest's checkpoint and the foreign ones too"
r=$(consistent)
tap_ok $? "consistent at the end ${r:+($r)}"
diag "run time $SECONDS s"
