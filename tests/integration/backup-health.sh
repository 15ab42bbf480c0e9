#!/bin/bash
# Backup chain health and failures on a real guest with two data disks:
# QEMU killed with SIGKILL (its bitmaps never stored: created in that
# process, or loaded from the images and left flagged in-use), after which
# the next automatic backup is full and says why, --incremental fails
# clearly, and the one after is incremental again; a store on a full
# filesystem (a small tmpfs): the job fails cleanly, the guest runs on, the
# earlier backups stay good, nothing is left behind, and a backup works once
# there is space; restore refusing a chain with a corrupted image, naming
# it, writing nothing.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../testbed/lib.sh
. "$here/../testbed/lib.sh"

VIRT_STATE=${VIRT_STATE:-$TB_TOP/_build/virt-state}
tb_require
tap_plan 42

STORE=$TB_RUN/store
vs() { "$VIRT_STATE" -c "$TB_URI" --store "$STORE" "$@"; }
counter_ram() { tb_counter "$1" --ram 2>/dev/null; }
bkjson() { vs --json backup show "$dom" "$1" 2>/dev/null; }
bkdir() { echo "$STORE/$dom/backups/$(bkjson "$1" | jq -r .chain)"; }
count() { vs --json backup list "$dom" 2>/dev/null | jq length; }
checkpoints() { tb_virsh checkpoint-list "$dom" --name | sort | tr '\n' ' '; }
# consistent STORE: no journal pending, every listed backup complete and
# verifying, no file in a chain directory without its manifest, no
# checkpoint of the tool's without a backup in one of the stores.
consistent() {
    local s=$1 f id ids all
    [[ -z $(ls -A "$s/$dom/journal" 2>/dev/null) ]] || { echo "journal pending"; return 1; }
    "$VIRT_STATE" -c "$TB_URI" --store "$s" backup verify "$dom" >/dev/null 2>&1 || { echo "verify fails"; return 1; }
    ids=$("$VIRT_STATE" -c "$TB_URI" --store "$s" --json backup list "$dom" 2>/dev/null |
        jq -r '.[] | select(.status == "complete") | .id')
    for f in "$s/$dom"/backups/*/*; do
        [[ -e $f ]] || continue
        id=$(basename "$f")
        id=${id%.manifest.xml}
        id=${id%.vd?.qcow2}
        grep -qxF "$id" <<<"$ids" || { echo "stray file $f"; return 1; }
    done
    all=$(ls "$STORE/$dom"/backups/*/*.manifest.xml "$TB_RUN/small/$dom"/backups/*/*.manifest.xml 2>/dev/null)
    for f in $(checkpoints); do
        [[ $f == virt-state-* ]] || continue
        grep -q "/${f#virt-state-}.manifest.xml\$" <<<"$all" || { echo "stray checkpoint $f"; return 1; }
    done
    return 0
}
# The small store is mounted before the guest starts: QEMU runs in a mount
# namespace of its own (libvirt's default), made when it starts.
SMALL=$TB_RUN/small
mkdir -m 0711 "$SMALL" && mount -t tmpfs -o size=20m,mode=0711 vst-health "$SMALL"
tap_ok $? "a 20 MiB tmpfs as a second store"
tb_on_exit "umount '$SMALL' 2>/dev/null"
vs2() { "$VIRT_STATE" -c "$TB_URI" --store "$SMALL" "$@"; }

dom=$(tb_define_guest bh --disks 2)
tap_ok $? "a two-disk guest is defined and started"
tb_wait_counting "$dom"
tap_ok $? "its agent answers and it counts"
id0=$(vs backup create "$dom" 2>"$TB_RUN/err") && sleep 1 && last=$(vs backup create "$dom" 2>"$TB_RUN/err")
[[ $? == 0 && $(bkjson "$last" | jq -r .parent) == "$id0" ]]
tap_ok $? "a full backup and an incremental on it" || diag "$(cat "$TB_RUN/err")"

# ---- QEMU killed with SIGKILL ---------------------------------------------------
# Round 1: the bitmaps were created by the QEMU process killed (never in the
# images). Round 2: QEMU was stopped cleanly first, so the bitmaps are in
# the images, flagged in-use while it runs, and loaded as inconsistent.
for round in created loaded; do
    if [[ $round == loaded ]]; then
        tb_shutdown "$dom" 90 && tb_virsh start "$dom" >/dev/null && tb_wait_counting "$dom"
        tap_ok $? "$round: clean shutdown and start (the bitmaps are stored in the images)"
    fi
    pid=$(cat "/run/libvirt/qemu/$dom.pid")
    kill -9 "$pid" && tb_wait_state "$dom" "shut off" 60
    tap_ok $? "$round: QEMU ($pid) killed with SIGKILL, the domain is shut off"
    tb_virsh start "$dom" >/dev/null && tb_wait_counting "$dom"
    tap_ok $? "$round: started again, the guest counts"
    n=$(count)
    cps=$(checkpoints)
    out=$(vs backup create "$dom" --incremental 2>&1)
    rc=$?
    [[ $rc == 1 && $out == *"no valid chain for an incremental backup of '$dom': the bitmap of checkpoint 'virt-state-$last' (last backup '$last') is missing or inconsistent in QEMU for vda vdb"* ]]
    tap_ok $? "$round: --incremental fails (exit $rc) and names the reason" || diag "$out"
    tap_is "$(count):$(checkpoints)" "$n:$cps" "$round: it leaves no backup and no checkpoint"
    full=$(vs backup create "$dom" 2>"$TB_RUN/err")
    [[ $? == 0 && $(bkjson "$full" | jq -r .kind) == full ]] &&
        grep -q "full backup of '$dom': the bitmap of checkpoint 'virt-state-$last' (last backup '$last') is missing or inconsistent" "$TB_RUN/err"
    tap_ok $? "$round: the next automatic backup is full and says why" || diag "$(cat "$TB_RUN/err")"
    sleep 1
    c1=$(counter_ram "$dom")
    last=$(vs backup create "$dom" 2>"$TB_RUN/err")
    rc=$?
    c2=$(counter_ram "$dom")
    [[ $rc == 0 && $(bkjson "$last" | jq -r '[.kind, .parent] | join(" ")') == "incremental $full" ]]
    tap_ok $? "$round: the one after is incremental on it" || diag "$(cat "$TB_RUN/err")"
done
mkdir "$TB_RUN/r1"
out=$(vs backup restore "$dom" "$last" --to "$TB_RUN/r1" 2>&1)
tap_ok $? "the last incremental restores" || diag "$out"
c=$(tb_counter_offline "$TB_RUN/r1/vdb.qcow2")
[[ -n $c && $c -ge $c1 && $c -le $c2 ]]
tap_ok $? "the counter on its vdb ($c) is the guest's at that backup ($c1..$c2)"
r=$(consistent "$STORE")
tap_ok $? "everything verifies, nothing stray ${r:+($r)}"

# ---- a store on a full filesystem ------------------------------------------------
sfull=$(vs2 backup create "$dom" 2>"$TB_RUN/err")
tap_ok $? "a full backup fits ($(df --output=used -h "$SMALL" | tail -1 | tr -d ' ') used)" ||
    diag "$(cat "$TB_RUN/err")"
tb_guest_exec "$dom" /bin/dd if=/dev/urandom of=/data/big bs=1M count=30 conv=fsync
tap_ok $? "the guest writes 30 MiB to vda"
cps=$(checkpoints)
out=$(vs2 backup create "$dom" 2>&1)
rc=$?
# The job fails on its own (No space left on device), or, when the guest
# wrote meanwhile, QEMU's copy-before-write failed the guest's write and
# stopped it: then the tool aborted the job and resumed the guest.
[[ $rc == 1 && $out == *"ran out of space: free space there or use another store"* &&
    ($out == *"No space left on device"* || $out == *"the job was aborted and the guest resumed"*) ]]
tap_ok $? "the incremental fails (exit $rc) and says the store is full"
diag "$out"
tap_is "$(tb_state "$dom")" "running" "the guest is running, not paused"
tb_wait_counting "$dom"
tap_ok $? "and counts"
tap_is "$(vs2 --json backup list "$dom" 2>/dev/null | jq -r '[.[] | .id + ":" + .status] | join(" ")')" "$sfull:complete" \
    "backup list shows only the earlier backup, complete"
tap_is "$(checkpoints)" "$cps" "no checkpoint is left for the failed backup"
r=$(consistent "$SMALL")
tap_ok $? "the earlier backup verifies, no journal or stray file ${r:+($r)}"
mount -o remount,size=200m "$SMALL"
tap_ok $? "space freed (the tmpfs grows to 200 MiB)"
id=$(vs2 backup create "$dom" 2>"$TB_RUN/err")
[[ $? == 0 && $(vs2 --json backup show "$dom" "$id" 2>/dev/null | jq -r .parent) == "$sfull" ]]
tap_ok $? "then the incremental works" || diag "$(cat "$TB_RUN/err")"
r=$(consistent "$SMALL")
tap_ok $? "and verifies ${r:+($r)}"

# ---- the guest writes while the store fills up -----------------------------------
# A writer in the guest overwrites /data/big without pause, so the next
# incremental has ~30 MiB to copy and the guest writes into clusters the
# job has not copied yet: QEMU's copy-before-write must save them first.
# The store has room for the journal, not for the data. Whichever fails
# first (the job's copy, or the guest's write, which stops the guest with
# an I/O error: the tool then aborts the job and resumes the guest), the
# backup fails cleanly and the guest runs on.
tb_agent "$dom" '{"execute":"guest-exec","arguments":{"path":"/bin/busybox","arg":["sh","-c","echo $$ > /run/writer.pid; while :; do /bin/busybox dd if=/dev/zero of=/data/big bs=64k count=480 conv=notrunc oflag=direct 2>/dev/null; done"]}}' >/dev/null
tap_ok $? "a writer in the guest overwrites /data/big over and over"
sleep 3
used=$(df --output=used -k "$SMALL" | tail -1 | tr -d ' ')
mount -o remount,size=$((used + 1024))k "$SMALL"
out=$(vs2 backup create "$dom" 2>&1)
rc=$?
[[ $rc == 1 && $out == *"ran out of space: free space there or use another store"* ]]
tap_ok $? "the incremental fails (exit $rc) and says the store is full" || diag "$out"
diag "$out"
tap_is "$(tb_state "$dom")" "running" "the guest is running, not paused"
tb_guest_exec "$dom" /bin/busybox sh -c 'kill $(cat /run/writer.pid)'
tap_ok $? "the writer is stopped"
tb_wait_counting "$dom"
tap_ok $? "the guest counts"
tap_is "$(vs2 --json backup list "$dom" 2>/dev/null | jq -r '[.[] | .status] | unique | join(" ")')" "complete" \
    "no incomplete backup is listed"
mount -o remount,size=200m "$SMALL"
r=$(consistent "$SMALL")
tap_ok $? "the store verifies, no journal or stray file ${r:+($r)}"

# ---- restore refuses a damaged chain ---------------------------------------------
# The last incremental of the first store builds on a full backup; a byte
# of the full one's vdb image is flipped.
img=$(bkdir "$full")/$full.vdb.qcow2
b=$(od -An -tu1 -j 70000 -N1 "$img" | tr -d ' ')
printf "\\x$(printf %02x $(((b + 1) % 256)))" | dd of="$img" bs=1 seek=70000 conv=notrunc status=none
mkdir "$TB_RUN/r2"
out=$(vs backup restore "$dom" "$last" --to "$TB_RUN/r2" 2>&1)
rc=$?
[[ $rc == 1 && $out == *"image '$img' does not match its checksum"* && $out == *"nothing was written"* ]]
tap_ok $? "restore of an incremental on a corrupted full backup fails (exit $rc) and names the image" || diag "$out"
tap_is "$(ls -A "$TB_RUN/r2")" "" "it wrote nothing into the target directory"
out=$(vs backup restore "$dom" "$full" --to "$TB_RUN/r2" 2>&1)
[[ $? == 1 && $out == *"image '$img' does not match its checksum"* && -z $(ls -A "$TB_RUN/r2") ]]
tap_ok $? "so does the restore of the full backup itself" || diag "$out"
printf "\\x$(printf %02x "$b")" | dd of="$img" bs=1 seek=70000 conv=notrunc status=none
out=$(vs backup restore "$dom" "$last" --to "$TB_RUN/r2" 2>&1)
tap_ok $? "the byte put back, the restore works" || diag "$out"
diag "run time $SECONDS s"
