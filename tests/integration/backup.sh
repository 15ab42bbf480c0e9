#!/bin/bash
# backup create/list/show/verify/restore on a real guest with two data disks
# that count every second: a full backup, a known amount written by the
# guest, an incremental backup of about that size (not the disk's), each
# backup restored to standalone images whose counter is the guest's at that
# backup, the automatic choice (incremental while the chain serves; after
# the last checkpoint's metadata is removed behind the tool's back, the
# checkpoint redefined from the manifest and the chain continued exactly;
# full, saying why, once its bitmaps are gone too), verify passing and then naming a corrupted image, the fault
# point of every journaled step followed by `recover`, SIGTERM while the
# guest is frozen and SIGINT while the job runs (nothing kept), restore
# points and backups on the same domain, and a revert to a restore point
# (the next backup is full, saying why).
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../testbed/lib.sh
. "$here/../testbed/lib.sh"

VIRT_STATE=${VIRT_STATE:-$TB_TOP/_build/virt-state}
tb_require
FAULTS="backup:prepare backup:prepare:done backup:begin quiesce:frozen:done backup:begin:done backup:wait
    backup:wait:done backup:record backup:record:done"
n_faults=$(($(wc -w <<<"$FAULTS")))
tap_plan $((53 + n_faults * 5))

STORE=$TB_RUN/store
vs() { "$VIRT_STATE" -c "$TB_URI" --store "$STORE" "$@"; }
counter_ram() { tb_counter "$1" --ram 2>/dev/null; }
frozen_status() { tb_agent "$1" '{"execute":"guest-fsfreeze-status"}' 2>/dev/null; }
bkjson() { vs --json backup show "$dom" "$1" 2>/dev/null; }
bkdir() { echo "$STORE/$dom/backups/$(bkjson "$1" | jq -r .chain)"; }
written() { bkjson "$1" | jq '[.disks[].bytes_written] | add'; }
checkpoints() { tb_virsh checkpoint-list "$dom" --name | sort | tr '\n' ' '; }
# consistent: no journal pending, every listed backup verifies and is
# complete, no file in a chain directory without its manifest, no
# checkpoint of the tool's without a backup.
consistent() {
    local f id ids
    [[ -z $(ls -A "$STORE/$dom/journal" 2>/dev/null) ]] || { echo "journal pending"; return 1; }
    vs backup verify "$dom" >/dev/null 2>&1 || { echo "verify fails"; return 1; }
    ids=$(vs --json backup list "$dom" 2>/dev/null | jq -r '.[] | select(.status == "complete") | .id')
    for f in "$STORE/$dom"/backups/*/*; do
        [[ -e $f ]] || continue
        id=$(basename "$f")
        id=${id%.manifest.xml}
        id=${id%.vd?.qcow2}
        grep -qxF "$id" <<<"$ids" || { echo "stray file $f"; return 1; }
    done
    for f in $(checkpoints); do
        [[ $f == virt-state-* ]] || continue
        grep -qxF "${f#virt-state-}" <<<"$ids" || { echo "stray checkpoint $f"; return 1; }
    done
    return 0
}

dom=$(tb_define_guest bk --disks 2)
tap_ok $? "a two-disk guest is defined and started"
tb_wait_counting "$dom"
tap_ok $? "its agent answers and it counts"

# ---- full backup -------------------------------------------------------------
t0=$SECONDS
c1a=$(counter_ram "$dom")
out=$(vs backup create "$dom" 2>"$TB_RUN/err")
tap_ok $? "backup create (automatic) on a fresh domain" || diag "$(cat "$TB_RUN/err")"
c1b=$(counter_ram "$dom")
id1=$out
grep -q "full backup of '$dom': there is no earlier complete backup" "$TB_RUN/err"
tap_ok $? "it takes a full backup and says why" || diag "$(cat "$TB_RUN/err")"
j=$(bkjson "$id1")
tap_is "$(jq -r '[.kind, .status, .consistency, .chain == .id, (.disks | map(.target) | join(","))] | join(" ")' <<<"$j")" \
    "full complete quiesced true vda,vdb" "show --json: full, complete, quiesced, its own chain, both disks"
tap_is "$(checkpoints)" "virt-state-$id1 " "one checkpoint, named after the backup"
d1=$(bkdir "$id1")
tap_is "$(stat -c %a "$d1"):$(stat -c '%a' "$d1"/* | sort -u | tr '\n' ' ')" "711:600 " \
    "the chain directory is 0711 (QEMU's user must reach the images) and its files 0600"
diag "full backup took $((SECONDS - t0)) s, $(written "$id1") bytes in its images"

# ---- the guest writes 4 MiB, then an incremental ------------------------------
tb_guest_exec "$dom" /bin/dd if=/dev/urandom of=/data/blob bs=1M count=4 conv=fsync
tap_ok $? "the guest writes 4 MiB to vda"
sleep 2
c2a=$(counter_ram "$dom")
out=$(vs backup create "$dom" 2>"$TB_RUN/err")
tap_ok $? "backup create (automatic) again" || diag "$(cat "$TB_RUN/err")"
c2b=$(counter_ram "$dom")
id2=$out
grep -q "incremental backup of '$dom' since backup '$id1'" "$TB_RUN/err"
tap_ok $? "it takes an incremental since the full one and says so" || diag "$(cat "$TB_RUN/err")"
tap_is "$(bkjson "$id2" | jq -r '[.kind, .parent, .chain] | join(" ")')" "incremental $id1 $id1" \
    "the incremental's parent and chain are the full backup"
w2=$(written "$id2")
mib=$((1024 * 1024))
[[ $w2 -ge $((4 * mib)) && $w2 -le $((7 * mib)) ]]
tap_ok $? "the incremental holds about what the guest wrote: $w2 bytes for 4 MiB (disks: 2 x 64 MiB)"
back=$(qemu-img info --output=json "$(bkdir "$id2")/$id2.vda.qcow2" | jq -r '."backing-filename"')
tap_is "$back" "$id1.vda.qcow2" "the incremental image's backing file is the full one's, by plain name"
tap_is "$(checkpoints)" "virt-state-$id1 virt-state-$id2 " "one checkpoint per backup"

# ---- restore each backup: the counter is the guest's at that backup ----------
for k in 1 2; do
    id=id$k lo=c${k}a hi=c${k}b
    mkdir "$TB_RUN/r$k"
    out=$(vs backup restore "$dom" "${!id}" --to "$TB_RUN/r$k" 2>&1)
    tap_ok $? "backup restore of backup $k" || diag "$out"
    info=$(qemu-img info --output=json "$TB_RUN/r$k/vda.qcow2")
    tap_is "$(jq -r '[.format, (."backing-filename" // "none"), ."virtual-size"] | join(" ")' <<<"$info")" \
        "qcow2 none 67108864" "restored vda of backup $k: standalone qcow2 of the disk's size"
    c=$(tb_counter_offline "$TB_RUN/r$k/vda.qcow2")
    [[ -n $c && $c -ge ${!lo} && $c -le ${!hi} ]]
    tap_ok $? "the counter read offline from restored vda of backup $k ($c) is the guest's then (${!lo}..${!hi})"
done
qemu-img convert -O raw "$TB_RUN/r2/vda.qcow2" "$TB_RUN/r2.raw" && e2fsck -fy "$TB_RUN/r2.raw" >/dev/null 2>&1
debugfs -R "dump /blob $TB_RUN/blob" "$TB_RUN/r2.raw" >/dev/null 2>&1
rm -f "$TB_RUN/r2.raw"
gsum=$(tb_guest_sha256 "$dom" /data/blob)
tap_is "$(sha256sum <"$TB_RUN/blob" | cut -d' ' -f1):$(stat -c %s "$TB_RUN/blob")" "$gsum:$((4 * mib))" \
    "the 4 MiB file is in the restored incremental, byte for byte"
out=$(vs backup restore "$dom" "$id1" --to "$TB_RUN/r1" 2>&1)
[[ $? == 1 && $out == *"is not empty"* ]]
tap_ok $? "restore refuses a non-empty directory ($out)"
out=$(vs backup restore "$dom" "$id1" --to "$TB_RUN/none" 2>&1)
[[ $? == 1 && ! -e $TB_RUN/none ]]
tap_ok $? "restore refuses a missing directory ($out)"

out=$(vs backup verify "$dom" 2>&1)
tap_ok $? "backup verify: both backups verify" || diag "$out"

# ---- chain health: checkpoint metadata removed behind the tool's back --------
# Metadata only: the bitmaps are still in QEMU, the checkpoint is redefined
# from the manifest and the chain goes on, exactly.
tb_virsh checkpoint-delete "$dom" "virt-state-$id2" --metadata >/dev/null
c3a=$(counter_ram "$dom")
id3=$(vs backup create "$dom" --incremental 2>"$TB_RUN/err")
tap_ok $? "--incremental after the checkpoint's metadata was removed" || diag "$(cat "$TB_RUN/err")"
c3b=$(counter_ram "$dom")
grep -q "checkpoint 'virt-state-$id2' of backup '$id2' was missing from libvirt.*redefined it from the backup's manifest" "$TB_RUN/err" &&
    grep -q "incremental backup of '$dom' since backup '$id2'" "$TB_RUN/err" &&
    [[ $(bkjson "$id3" | jq -r '[.kind, .parent] | join(" ")') == "incremental $id2" ]]
tap_ok $? "the checkpoint is redefined and the backup is incremental on the last one, saying so" ||
    diag "$(cat "$TB_RUN/err")"
mkdir "$TB_RUN/r3"
vs backup restore "$dom" "$id3" --to "$TB_RUN/r3" >/dev/null 2>&1 &&
    c=$(tb_counter_offline "$TB_RUN/r3/vdb.qcow2") && [[ -n $c && $c -ge $c3a && $c -le $c3b ]]
tap_ok $? "it restores, with the guest's counter then (${c:-?} in $c3a..$c3b)"
# The bitmaps gone too (a plain delete merges them into the parent's).
tb_virsh checkpoint-delete "$dom" "virt-state-$id3" >/dev/null
out=$(vs backup create "$dom" --incremental 2>&1)
[[ $? == 1 && $out == *"no valid chain for an incremental backup of '$dom': the checkpoint 'virt-state-$id3' of the last backup '$id3' no longer exists in libvirt and cannot be redefined from the backup's manifest: "*"missing or broken bitmap"* ]]
tap_ok $? "bitmaps gone: --incremental fails and says why" || diag "$out"
idf=$(vs backup create "$dom" 2>"$TB_RUN/err")
tap_ok $? "backup create (automatic) after that" || diag "$(cat "$TB_RUN/err")"
grep -q "full backup of '$dom': the checkpoint 'virt-state-$id3' of the last backup '$id3' no longer exists" "$TB_RUN/err" &&
    [[ $(bkjson "$idf" | jq -r .kind) == full ]]
tap_ok $? "it is a full backup, and it says why" || diag "$(cat "$TB_RUN/err")"
sleep 1
idg=$(vs backup create "$dom" 2>"$TB_RUN/err")
tap_ok $? "the next automatic backup" || diag "$(cat "$TB_RUN/err")"
tap_is "$(bkjson "$idg" | jq -r '[.kind, .parent, .chain] | join(" ")')" "incremental $idf $idf" \
    "is incremental on the new full backup, in its chain"

# ---- a corrupted image --------------------------------------------------------
img=$(bkdir "$idg")/$idg.vda.qcow2
b=$(od -An -tu1 -j 70000 -N1 "$img" | tr -d ' ')
printf "\\x$(printf %02x $(((b + 1) % 256)))" | dd of="$img" bs=1 seek=70000 conv=notrunc status=none
out=$(vs backup verify "$dom" 2>&1)
[[ $? == 1 && $out == *"image '$img' does not match its checksum"* && $out != *"$idf.vda"* ]]
tap_ok $? "a flipped byte: verify fails and names the image" || diag "$out"
printf "\\x$(printf %02x "$b")" | dd of="$img" bs=1 seek=70000 conv=notrunc status=none
out=$(vs backup verify "$dom" "$idg" 2>&1)
tap_ok $? "the byte put back: verify passes" || diag "$out"

out=$(vs backup create "$dom" --method snapshot --incremental 2>&1)
[[ $? != 0 && $out == *"a --method snapshot backup is always full"* ]]
tap_ok $? "--method snapshot --incremental is refused clearly ($out)"

# The signals must reach virt-state itself: under a wrapper (valgrind's,
# VIRT_STATE_REAL set) they would reach the wrapper's shell instead.
if [[ -n ${VIRT_STATE_REAL:-} ]]; then
    for _ in 1 2 3 4 5 6; do tap_skip "signals under a wrapper reach the wrapper, not virt-state"; done
else
# ---- SIGTERM while the guest is frozen for the job's start -------------------
n_before=$(vs --json backup list "$dom" 2>/dev/null | jq length)
cps_before=$(checkpoints)
# Not through vs(): $! must be virt-state itself, not a subshell.
VIRT_STATE_TEST_HOLD_FROZEN_MS=30000 "$VIRT_STATE" -c "$TB_URI" --store "$STORE" backup create "$dom" \
    >/dev/null 2>"$TB_RUN/sig.err" &
vpid=$!
for _ in $(seq 100); do [[ $(frozen_status "$dom") == '"frozen"' ]] && break; sleep 0.1; done
tap_is "$(frozen_status "$dom")" '"frozen"' "backup create holds the guest frozen (test hook)"
kill -TERM "$vpid"
wait "$vpid"
rc=$?
[[ $rc == 1 && $(frozen_status "$dom") == '"thawed"' ]]
tap_ok $? "SIGTERM: it fails (exit $rc) and the guest is thawed" || diag "$(cat "$TB_RUN/sig.err")"
tap_is "$(vs --json backup list "$dom" 2>/dev/null | jq length):$(checkpoints):$(consistent)" "$n_before:$cps_before:" \
    "SIGTERM: no backup, no checkpoint, no journal or stray file left"

# ---- SIGINT (Ctrl-C) while waiting for the job ----------------------------------
VIRT_STATE_TEST_HOLD_JOB_MS=30000 "$VIRT_STATE" -c "$TB_URI" --store "$STORE" backup create "$dom" \
    >/dev/null 2>"$TB_RUN/sig.err" &
vpid=$!
for _ in $(seq 100); do grep -qs 'name="wait" state="begun"' "$STORE/$dom"/journal/*.xml && break; sleep 0.1; done
grep -qs 'name="wait" state="begun"' "$STORE/$dom"/journal/*.xml
tap_ok $? "backup create waits for its job (test hook)"
kill -INT "$vpid"
wait "$vpid"
rc=$?
[[ $rc == 1 ]] && grep -q "interrupted; the backup job was aborted and nothing was kept" "$TB_RUN/sig.err"
tap_ok $? "SIGINT: it fails (exit $rc) and says the job was aborted" || diag "$(cat "$TB_RUN/sig.err")"
tap_is "$(vs --json backup list "$dom" 2>/dev/null | jq length):$(checkpoints):$(consistent)" "$n_before:$cps_before:" \
    "SIGINT: no backup, no checkpoint, no journal or stray file left"
fi

# ---- fault injection: kill at every journaled step, then recover -------------
for f in $FAULTS; do
    VIRT_STATE_FAULT_AT=$f vs backup create "$dom" >/dev/null 2>"$TB_RUN/err"
    tap_is "$?" "137" "create killed at $f" || diag "$(cat "$TB_RUN/err")"
    out=$(vs recover "$dom" 2>&1)
    tap_ok $? "recover: ${out##*: }"
    r=$(consistent)
    tap_ok $? "consistent: no incomplete backup listed, no stray image or checkpoint ${r:+($r)}"
    tb_wait_counting "$dom"
    tap_ok $? "the guest runs and counts (thawed)"
    out=$(vs backup create "$dom" 2>&1)
    tap_ok $? "the next backup works" || diag "$out"
done

# ---- restore points and backups on the same domain ---------------------------
out=$(vs restore-point create "$dom" RP1 --quiesce off 2>&1)
tap_ok $? "restore-point create after backups" || diag "$out"
c5a=$(counter_ram "$dom")
id5=$(vs backup create "$dom" 2>"$TB_RUN/err")
rc=$?
c5b=$(counter_ram "$dom")
[[ $rc == 0 && $(bkjson "$id5" | jq -r .kind) == incremental ]]
tap_ok $? "the backup after the restore point is still incremental" || diag "$(cat "$TB_RUN/err")"
mkdir "$TB_RUN/r5"
vs backup restore "$dom" "$id5" --to "$TB_RUN/r5" >/dev/null 2>&1
tap_ok $? "that backup restores"
c=$(tb_counter_offline "$TB_RUN/r5/vda.qcow2")
[[ -n $c && $c -ge $c5a && $c -le $c5b ]]
tap_ok $? "its counter ($c) is the guest's at the backup ($c5a..$c5b)"
out=$(vs backup create "$dom" --full 2>&1)
tap_ok $? "a full backup of the domain on its restore point's overlays" || diag "$out"
out=$(vs backup create "$dom" --incremental 2>&1)
tap_ok $? "an incremental after it" || diag "$out"
out=$(vs restore-point verify "$dom" RP1 2>&1)
tap_ok $? "the restore point still verifies" || diag "$out"
r=$(consistent)
tap_ok $? "everything verifies, nothing stray ${r:+($r)}"

# ---- revert to the restore point: the later checkpoints cannot serve ---------
last=$(vs --json backup list "$dom" 2>/dev/null | jq -r '.[-1].id')
out=$(vs revert "$dom" RP1 --discard-current 2>&1) && tb_wait_counting "$dom"
tap_ok $? "revert to the restore point, the guest counts on" || diag "$out"
id6=$(vs backup create "$dom" 2>"$TB_RUN/err")
rc=$?
[[ $rc == 0 && $(bkjson "$id6" | jq -r .kind) == full ]] &&
    grep -q "full backup of '$dom': the checkpoint 'virt-state-$last' of the last backup '$last' no longer exists" "$TB_RUN/err"
tap_ok $? "the next automatic backup is full, and says why" || diag "$(cat "$TB_RUN/err")"
id7=$(vs backup create "$dom" 2>"$TB_RUN/err")
[[ $? == 0 && $(bkjson "$id7" | jq -r .parent) == "$id6" ]]
tap_ok $? "and the one after is incremental on it" || diag "$(cat "$TB_RUN/err")"
r=$(consistent)
tap_ok $? "everything verifies, nothing stray ${r:+($r)}"
diag "run time $SECONDS s"
