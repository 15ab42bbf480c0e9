#!/bin/bash
# disk-snapshot create/list/show/delete, commit and revert on a real guest
# with two data disks that count every second: one disk only, quiesced and
# crash-consistent captures, bad input, SIGKILL while the guest is frozen,
# the fault-injection point of every journaled step of create, commit and
# revert followed by `recover`, a commit while the guest writes, and
# libvirt's own view (domblklist, dumpxml --inactive, qemu-img) after each.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../testbed/lib.sh
. "$here/../testbed/lib.sh"

VIRT_STATE=${VIRT_STATE:-$TB_TOP/_build/virt-state}
tb_require
# Create's kill points: each journaled step begun and done, and the moment
# the guest is frozen (nothing is journaled while it is).
CREATE_FAULTS="disk-snapshot:overlays disk-snapshot:overlays:done disk-snapshot:snapshot quiesce:frozen:done
    disk-snapshot:snapshot:done disk-snapshot:manifest disk-snapshot:manifest:done"
COMMIT_STEPS="start pivot verify remove"
REVERT_STEPS="overlays define"
OFFLINE_COMMIT_STEPS="commit define verify remove"
n_create=$(wc -w <<<"$CREATE_FAULTS")
n_commit=$(($(wc -w <<<"$COMMIT_STEPS") * 2))
n_revert=$(($(wc -w <<<"$REVERT_STEPS") * 2 + 1))
n_offline=$(($(wc -w <<<"$OFFLINE_COMMIT_STEPS") * 2))
tap_plan $((79 + n_create * 4 + n_commit * 4 + n_revert * 3 + n_offline * 3))

STORE=$TB_RUN/store
vs() { "$VIRT_STATE" -c "$TB_URI" --store "$STORE" "$@"; }

# src DOM TARGET [--inactive]: the file libvirt says the disk uses.
src() {
    if [[ ${3:-} == --inactive ]]; then
        tb_virsh dumpxml --inactive "$1" | xmllint --xpath "string(//disk[target/@dev='$2']/source/@file)" -
    else
        tb_virsh domblklist "$1" | awk -v t="$2" '$1 == t { print $2 }'
    fi
}
# backing FILE: the backing file in an image's header ("" when none).
backing() { qemu-img info -U --output=json "$1" | jq -r '."backing-filename" // ""'; }
frozen_status() { tb_agent "$1" '{"execute":"guest-fsfreeze-status"}' 2>/dev/null; }
manifest() { echo "$STORE/$dom/disk-snapshots/$1/manifest.xml"; }

# consistent DOM: the live and persistent definitions name the same files,
# every chain opens, and no .qcow2 in the guest's directory is stray (each
# is in a disk's chain or in a manifest).
consistent() {
    local d=$1 t live inact f chain="" refs=""
    for t in vda vdb; do
        live=$(src "$d" "$t")
        inact=$(src "$d" "$t" --inactive)
        if [[ $(tb_state "$d") == running && $live != "$inact" ]]; then
            echo "disk $t: live '$live' but persistent '$inact'"
            return 1
        fi
        qemu-img info -U --backing-chain "$inact" >/dev/null 2>&1 || { echo "chain of $inact does not open"; return 1; }
        chain+=$(qemu-img info -U --backing-chain --output=json "$inact" | jq -r '.[].filename')$'\n'
    done
    refs=$(cat "$STORE/$d"/disk-snapshots/*/manifest.xml 2>/dev/null | sed -n 's:.*<\(overlay\|backing[^>]*\)>\(/[^<]*\)<.*:\2:p')
    for f in "$(tb_dir "$d")"/*.qcow2; do
        grep -qxF "$f" <<<"$chain"$'\n'"$refs" || { echo "stray file $f"; return 1; }
    done
}

dom=$(tb_define_guest snap --disks 2)
tap_ok $? "a two-disk guest is defined and started"
tb_wait_agent "$dom" 120 && tb_wait_counter "$dom" 2 60
tap_ok $? "its agent answers and it counts"
dir=$(tb_dir "$dom")
vda0=$(src "$dom" vda)
vdb0=$(src "$dom" vdb)

# ---- bad input: each a clear error, nothing changed ----------------------
before=$(tb_virsh dumpxml --inactive "$dom")
out=$(vs disk-snapshot create "$dom" s0 --disk vdz 2>&1)
tap_is "$?:$out" "1:virt-state: disk-snapshot create: domain '$dom' has no disk 'vdz'" "unknown disk target: clear error"
out=$(vs disk-snapshot create "$dom" a/b 2>&1)
st=$?
[[ $st == 2 && $out == *"'a/b' is not a valid name"* ]]
tap_ok $? "a name with '/' is refused (exit $st)"
out=$(vs disk-snapshot create "$dom" .. 2>&1)
st=$?
[[ $st == 2 && $out == *"'..' is not a valid name"* ]]
tap_ok $? "the name '..' is refused (exit $st)"
out=$(vs disk-snapshot create "$dom" s0 --disk 'vd/a' 2>&1)
[[ $? == 2 && $out == *"not a disk target"* ]]
tap_ok $? "a malformed --disk is refused as usage"
out=$(vs disk-snapshot create "$dom" s0 --quiesce sometimes 2>&1)
tap_ok $(( $? != 2 )) "an unknown --quiesce policy is refused as usage"
tb_virsh suspend "$dom" >/dev/null
out=$(vs disk-snapshot create "$dom" s0 2>&1)
st=$?
tb_virsh resume "$dom" >/dev/null
[[ $st == 1 && $out == *"is paused"* ]]
tap_ok $? "a paused domain is refused: $out"
# A transient domain (never booted far: it only has to exist).
tdom="vst-disk-snapshot-transient-$$"
tb_register_domain "$tdom"
cp --sparse=always "$(tb_disk "$dom" vdb)" "$dir/transient.qcow2" 2>/dev/null ||
    qemu-img create -q -f qcow2 "$dir/transient.qcow2" 64M
cat >"$dir/transient.xml" <<EOF
<domain type='qemu'><name>$tdom</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os>
<devices><emulator>/usr/bin/qemu-system-x86_64</emulator>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$dir/transient.qcow2'/><target dev='vda' bus='virtio'/></disk>
<controller type='usb' model='none'/><memballoon model='none'/></devices></domain>
EOF
tb_virsh create "$dir/transient.xml" >/dev/null
out=$(vs disk-snapshot create "$tdom" s0 2>&1)
[[ $? == 1 && $out == *"is transient"* ]]
tap_ok $? "a transient domain is refused: ${out%%;*}"
tb_virsh destroy "$tdom" >/dev/null 2>&1
rm -f "$dir/transient.qcow2" "$dir/transient.xml"
tap_is "$(tb_virsh dumpxml --inactive "$dom")" "$before" "after the refusals the definition is unchanged"
tap_is "$(ls "$dir"/*.qcow2 | wc -l):$(ls "$STORE/$dom/disk-snapshots" 2>/dev/null | wc -l)" "2:0" \
    "and no overlay or record was created"

# ---- one disk of two, quiesced --------------------------------------------
c1=$(tb_counter "$dom")
out=$(vs --json disk-snapshot create "$dom" one --disk vdb --quiesce required --description 'before <upgrade> & co' 2>/dev/null)
tap_ok $? "create --disk vdb --quiesce required succeeds"
tap_is "$(src "$dom" vda)" "$vda0" "vda is untouched"
tap_is "$(src "$dom" vdb)" "$dir/vdb.one.qcow2" "vdb runs on its new overlay"
tap_is "$(src "$dom" vdb --inactive)" "$dir/vdb.one.qcow2" "the persistent definition names it too"
tap_is "$(backing "$dir/vdb.one.qcow2")" "$vdb0" "qemu-img: the overlay's backing file is the frozen disk"
tap_is "$(stat -c %a "$(manifest one)"):$(stat -c %a "$STORE/$dom/disk-snapshots/one")" "600:700" \
    "manifest 0600 in a 0700 directory"
m=$(cat "$(manifest one)")
grep -q '<consistency>quiesced</consistency>' <<<"$m" && grep -q '<frozen-us>[1-9][0-9]*</frozen-us>' <<<"$m"
tap_ok $? "the manifest says quiesced and records the freeze window ($(sed -n 's:.*<frozen-us>\(.*\)</frozen-us>.*:\1:p' <<<"$m") us)"
tap_is "$(jq -r '.consistency + " " + (.disks | map(.target) | join(","))' <<<"$out")" "quiesced vdb" "--json reports it"
tap_is "$(frozen_status "$dom")" '"thawed"' "the guest is thawed afterwards"
tb_wait_counter "$dom" $((c1 + 2)) 30
tap_ok $? "the guest counts on"
out=$(vs disk-snapshot create "$dom" one 2>&1)
[[ $? == 1 && $out == *"already has a disk snapshot or restore point named 'one'"* ]]
tap_ok $? "an existing name is refused"
list=$(vs disk-snapshot list "$dom")
grep -q '^ *one  .*quiesced .* vdb  *current$' <<<"$list"
tap_ok $? "disk-snapshot list shows it as current" || diag "$list"
show=$(vs disk-snapshot show "$dom" one)
grep -q 'Description:   before <upgrade> & co' <<<"$show" && grep -q "overlay:     $dir/vdb.one.qcow2" <<<"$show"
tap_ok $? "disk-snapshot show shows its description and overlay"
compl=$("$VIRT_STATE" --store "$STORE" complete -- disk-snapshot show "$dom" o)
tap_is "$compl" "one" "snapshot names complete after the domain"
out=$(consistent "$dom")
tap_ok $? "libvirt, qemu-img and the manifests agree $out"

# ---- without an agent ------------------------------------------------------
nodom=$(tb_define_guest noagent --no-start)
tb_virsh dumpxml --inactive "$nodom" | sed '/<channel/,/<\/channel>/d' >"$(tb_dir "$nodom")/noagent.xml" &&
    tb_virsh define "$(tb_dir "$nodom")/noagent.xml" >/dev/null && tb_virsh start "$nodom" >/dev/null
tap_ok $? "a guest without an agent channel runs"
out=$(vs disk-snapshot create "$nodom" q --quiesce required 2>&1)
st=$?
[[ $st == 1 && $out == *"agent"* && $(ls "$(tb_dir "$nodom")"/*.qcow2 | wc -l) == 1 &&
    $(src "$nodom" vda) == "$(tb_disk "$nodom")" ]]
tap_ok $? "--quiesce required without an agent: clear error, nothing created ($out)"
out=$(vs disk-snapshot create "$nodom" a 2>&1)
st=$?
[[ $st == 0 && $out == *"only crash-consistent"* ]] &&
    grep -q '<consistency>crash-consistent</consistency>' "$STORE/$nodom/disk-snapshots/a/manifest.xml" &&
    ! grep -q '<frozen-us>' "$STORE/$nodom/disk-snapshots/a/manifest.xml"
tap_ok $? "--quiesce auto without an agent warns and records crash-consistency"
out=$(vs disk-snapshot create "$nodom" o --quiesce off 2>&1)
tap_ok $? "--quiesce off takes a snapshot without asking the agent"
tb_virsh destroy "$nodom" >/dev/null

# ---- SIGKILL while the guest is frozen ------------------------------------
VIRT_STATE_FAULT_AT=quiesce:frozen:done vs disk-snapshot create "$dom" killed >/dev/null 2>&1
st=$?
t0=$SECONDS
while [[ $(frozen_status "$dom") != '"thawed"' && $((SECONDS - t0)) -lt 10 ]]; do sleep 0.2; done
took=$((SECONDS - t0))
[[ $st == 137 && $(frozen_status "$dom") == '"thawed"' && $took -le 5 ]]
tap_ok $? "killed (SIGKILL) while frozen: the guardian thawed the guest within 5 s (exit $st, ${took}s)"
out=$(vs disk-snapshot create "$dom" next 2>&1)
[[ $? == 1 && $out == *"interrupted disk-snapshot operation"* && $out == *"virt-state recover $dom"* ]]
tap_ok $? "the next command reports the interrupted operation"
out=$(vs recover "$dom" 2>&1)
tap_ok $? "recover finishes it: ${out//$'\n'/ / }"
out=$(consistent "$dom")
tap_ok $? "consistent afterwards $out"
# The guardian itself killed too: the next command thaws.
VIRT_STATE_TEST_HOLD_FROZEN_MS=30000 "$VIRT_STATE" -c "$TB_URI" --store "$STORE" disk-snapshot create "$dom" held >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do [[ $(frozen_status "$dom") == '"frozen"' ]] && break; sleep 0.1; done
sleep 0.5
# Only this domain's guardian: other tests (the golden ones run a guardian by
# hand) may run at the same time.
pkill -KILL -f -- "guardian $(tb_virsh domuuid "$dom")" 2>/dev/null
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
tap_is "$(frozen_status "$dom")" '"frozen"' "tool and guardian killed: the guest stays frozen"
out=$(vs commit "$dom" 2>&1)
[[ $out == *"was left frozen by the interrupted disk-snapshot operation"* && $(frozen_status "$dom") == '"thawed"' ]]
tap_ok $? "the next command thaws it and says so"
vs recover "$dom" >/dev/null 2>&1
tap_ok $? "recover then finishes the snapshot"
tb_wait_counter "$dom" $(($(tb_counter "$dom") + 1)) 30
tap_ok $? "the guest counts on"

# ---- every journaled step of create, killed, then recover -----------------
k=0
for fault in $CREATE_FAULTS; do
    k=$((k + 1))
    c=$(tb_counter "$dom")
    VIRT_STATE_FAULT_AT="$fault" vs disk-snapshot create "$dom" "f$k" >/dev/null 2>&1
    tap_is "$?" 137 "create killed at $fault"
    out=$(vs recover "$dom" 2>&1)
    tap_ok $? "recover after create killed at $fault: ${out//$'\n'/ / }"
    out=$(consistent "$dom")
    tap_ok $? "consistent chain, no stray overlay $out"
    tb_wait_agent "$dom" 10 && [[ $(frozen_status "$dom") == '"thawed"' ]] && tb_wait_counter "$dom" $((c + 1)) 30
    tap_ok $? "guest thawed and counting (was $c)"
done

# commit_all: one commit per overlay level until both disks are on their
# bases (each commit folds the top overlay into the file under it).
commit_all() {
    local i
    for ((i = 0; i < 20; i++)); do
        [[ $(src "$dom" vda):$(src "$dom" vdb) == "$vda0:$vdb0" ]] && return 0
        vs commit "$dom" >/dev/null 2>&1 || return 1
    done
    return 1
}

# ---- commit while the guest writes -----------------------------------------
vs commit "$dom" >/dev/null 2>&1 && commit_all
tap_ok $? "commits of every disk of the running domain, overlay by overlay"
tap_is "$(src "$dom" vda):$(src "$dom" vdb)" "$vda0:$vdb0" "both disks run on their bases again"
tap_is "$(src "$dom" vda --inactive):$(src "$dom" vdb --inactive)" "$vda0:$vdb0" "and the persistent definition says so"
tap_is "$(ls "$dir"/*.qcow2 | sort | tr '\n' ' ')" "$vda0 $vdb0 " "the overlays are removed"
tap_is "$(vs --json disk-snapshot list "$dom")" "[]" "the snapshots whose frozen files were written are forgotten"
out=$(vs commit "$dom" 2>&1)
[[ $? == 1 && $out == *"nothing to commit"* ]]
tap_ok $? "a second commit: nothing to commit"

# ---- a slow commit: Ctrl-C and --timeout cancel it cleanly -----------------
# 24 MiB of new data in the overlay, committed at 1 MiB/s.
vs disk-snapshot create "$dom" slow --quiesce off >/dev/null 2>&1
ge=$(tb_agent "$dom" '{"execute":"guest-exec","arguments":{"path":"/bin/dd","arg":["if=/dev/urandom","of=/data/big","bs=1M","count=24","conv=fsync"]}}' 30)
gpid=$(jq -r .pid <<<"$ge")
for _ in $(seq 120); do
    [[ $(tb_agent "$dom" "{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":$gpid}}" | jq -r .exited) == true ]] && break
    sleep 0.5
done
ovl=$(src "$dom" vda)
[[ $ovl == "$dir/vda.slow.qcow2" && $(qemu-img info -U --output=json "$ovl" | jq '."actual-size"') -gt $((20 << 20)) ]]
tap_ok $? "the guest wrote 24 MiB into its overlay"
"$VIRT_STATE" -c "$TB_URI" --store "$STORE" commit "$dom" --bandwidth 1 >"$TB_RUN/int.out" 2>&1 &
pid=$!
sleep 3
kill -INT "$pid"
wait "$pid"
st=$?
out=$(cat "$TB_RUN/int.out")
[[ $st == 1 && $out == *"interrupted"* && $out == *"still runs on its overlays"* ]]
tap_ok $? "Ctrl-C cancels the commit and says where the domain stands (exit $st): ${out//$'\n'/ / }"
tap_is "$(src "$dom" vda):$(src "$dom" vda --inactive)" "$ovl:$ovl" "the domain still runs on its overlay"
bj=$(tb_virsh blockjob "$dom" vda 2>&1; tb_virsh blockjob "$dom" vdb 2>&1)
# (virsh -q prints nothing when a disk has no block job.)
[[ -z $bj && -z $(ls "$STORE/$dom/journal") ]]
tap_ok $? "no block job and no journal left behind" || diag "$bj" "$(ls "$STORE/$dom/journal")"
t0=$SECONDS
out=$(vs commit "$dom" --bandwidth 1 --timeout 2 2>&1)
st=$?
[[ $st == 1 && $out == *"not ready after 2 s"* && $((SECONDS - t0)) -lt 15 ]]
tap_ok $? "--timeout 2 cancels a commit that is not ready ($((SECONDS - t0)) s): ${out//$'\n'/ / }"
out=$(script -qec "'$VIRT_STATE' -c '$TB_URI' --store '$STORE' commit '$dom' --bandwidth 2 --timeout 3" /dev/null 2>&1)
[[ $out == *"commit vda "*"% vdb "*"%"* ]]
tap_ok $? "on a terminal the commit shows each disk's progress" || diag "$(tr '\r' '\n' <<<"$out" | tail -n 3)"
out=$(consistent "$dom")
tap_ok $? "consistent after the cancelled commits $out"
vs commit "$dom" >/dev/null 2>&1
tap_is "$(src "$dom" vda)" "$vda0" "an unlimited commit then folds the 24 MiB into the base"

# ---- every journaled step of commit, killed, then recover ------------------
k=0
for step in $COMMIT_STEPS; do
    for when in "" ":done"; do
        k=$((k + 1))
        vs disk-snapshot create "$dom" "c$k" --quiesce off >/dev/null 2>&1
        c=$(tb_counter "$dom")
        VIRT_STATE_FAULT_AT="commit:$step$when" vs commit "$dom" >/dev/null 2>&1
        tap_is "$?" 137 "commit killed at $step$when"
        out=$(vs recover "$dom" 2>&1)
        tap_ok $? "recover after commit killed at $step$when: ${out//$'\n'/ / }"
        out=$(consistent "$dom")
        tap_ok $? "consistent chain, no stray overlay $out"
        tb_wait_counter "$dom" $((c + 1)) 30
        tap_ok $? "guest counting (was $c)"
    done
done
commit_all
tap_is "$(src "$dom" vda):$(src "$dom" vdb)" "$vda0:$vdb0" "after the recoveries commits bring both disks to their bases"

# The data written during the commit is in the bases: stop, read offline.
vs disk-snapshot create "$dom" w --quiesce off >/dev/null 2>&1
sleep 2
vs commit "$dom" >/dev/null 2>&1
last=$(tb_counter "$dom")
tb_shutdown "$dom" 60
tap_ok $? "the guest shuts down"
a=$(tb_counter_offline "$vda0")
b=$(tb_counter_offline "$(dirname "$vdb0")/vdb.qcow2" 2>/dev/null || echo 0)
[[ $a -ge $last ]]
tap_ok $? "the base of vda holds the counter written during and after the commit ($a >= $last)"

# ---- revert ------------------------------------------------------------------
vs disk-snapshot create "$dom" r >/dev/null 2>&1
tap_ok $? "a snapshot of the shut-off domain"
tap_is "$(sed -n 's:.*<consistency>\(.*\)</consistency>.*:\1:p' "$(manifest r)")" offline "recorded as offline"
at_r=$(tb_counter_offline "$vda0")
tb_virsh start "$dom" >/dev/null && tb_wait_agent "$dom" 120 && tb_wait_counter "$dom" $((at_r + 5)) 60
tap_ok $? "the domain starts on its overlays and counts past the snapshot"
out=$(vs revert "$dom" r 2>&1)
[[ $? == 1 && $out == *"--force"* ]]
tap_ok $? "revert of a running domain without --force is refused"
k=0
for step in stop $REVERT_STEPS; do
    for when in "" ":done"; do
        [[ $step == stop && $when == ":done" ]] && continue
        k=$((k + 1))
        VIRT_STATE_FAULT_AT="revert:$step$when" vs revert --force "$dom" r >/dev/null 2>&1
        tap_is "$?" 137 "revert killed at $step$when"
        out=$(vs recover "$dom" 2>&1)
        tap_ok $? "recover after revert killed at $step$when: ${out//$'\n'/ / }"
        out=$(consistent "$dom")
        tap_ok $? "consistent definition and files $out"
    done
done
out=$(vs revert --force --discard-current "$dom" r 2>&1)
tap_ok $? "revert --force to r"
tap_is "$(tb_state "$dom")" "shut off" "the domain is shut off after the revert"
tap_is "$(backing "$(src "$dom" vda --inactive)")" "$vda0" "vda's new overlay sits on the frozen file"
tb_virsh start "$dom" >/dev/null && tb_wait_agent "$dom" 120
tap_ok $? "virsh start boots the reverted disks"
v=$(tb_counter "$dom")
[[ $v -ge $at_r && $v -lt $((at_r + 5)) ]]
tap_ok $? "the counter went back to the snapshot's ($v, snapshot at $at_r)"
out=$(consistent "$dom")
tap_ok $? "consistent after the revert $out"

# A libvirt checkpoint, then a snapshot and a revert to it: the checkpoint's
# bitmap must be in the new top image, where libvirt 9.0 looks for it.
tb_virsh checkpoint-create-as "$dom" ck1 >/dev/null && vs disk-snapshot create "$dom" ckp --quiesce off >/dev/null 2>&1 &&
    vs revert --force "$dom" ckp >/dev/null 2>&1
tap_ok $? "checkpoint, snapshot, revert"
bm=$(qemu-img info -U --output=json "$(src "$dom" vda --inactive)" | jq -r '[."format-specific".data.bitmaps[]? | .name + ":" + (.flags | join(","))] | join(" ")')
tap_is "$bm" "ck1:auto" "the checkpoint's bitmap is carried into the new overlay"
tb_virsh start "$dom" >/dev/null && tb_wait_agent "$dom" 120
tap_ok $? "the domain starts with its checkpoint"
# libvirt 9.0 refuses offline snapshots while a checkpoint exists.
tb_virsh checkpoint-delete "$dom" ck1 --metadata >/dev/null

# ---- delete --------------------------------------------------------------------
vs disk-snapshot create "$dom" d1 --quiesce off >/dev/null 2>&1
vs disk-snapshot delete "$dom" d1 >/dev/null 2>&1
tap_ok $? "deleting the current snapshot commits it"
[[ ! -e $(manifest d1) && ! -e $dir/vda.d1.qcow2 ]]
tap_ok $? "its record and overlays are gone"
vs disk-snapshot delete "$dom" r >/dev/null 2>&1
[[ $? == 0 && ! -e $(manifest r) ]]
tap_ok $? "deleting a kept snapshot removes its record"
out=$(consistent "$dom")
tap_ok $? "consistent after the deletes $out"

# ---- commit of a shut-off domain, and every step of it killed --------------
tb_shutdown "$dom" 60
tap_ok $? "the guest shuts down for the offline commits"
k=0
for step in $OFFLINE_COMMIT_STEPS; do
    for when in "" ":done"; do
        k=$((k + 1))
        vs disk-snapshot create "$dom" "o$k" >/dev/null 2>&1
        VIRT_STATE_FAULT_AT="commit:$step$when" vs commit "$dom" >/dev/null 2>&1
        tap_is "$?" 137 "offline commit killed at $step$when"
        out=$(vs recover "$dom" 2>&1)
        tap_ok $? "recover after offline commit killed at $step$when: ${out//$'\n'/ / }"
        out=$(consistent "$dom")
        tap_ok $? "consistent definition and files $out"
    done
done
vs disk-snapshot create "$dom" off >/dev/null 2>&1
top=$(src "$dom" vda --inactive)
base=$(backing "$top")
out=$(vs --json commit "$dom" 2>/dev/null)
tap_is "$(jq -r '.mode + " " + (.disks | length | tostring)' <<<"$out")" "offline 2" "commit of the shut-off domain: qemu-img commit of both disks"
tap_is "$(src "$dom" vda --inactive)" "$base" "the definition names the base again"
[[ ! -e $top && -z $(tb_virsh dumpxml --inactive "$dom" | grep backingStore) ]]
tap_ok $? "the overlay is gone and the definition has no stale backing chain"
c=$(tb_counter_offline "$base")
tb_virsh start "$dom" >/dev/null && tb_wait_agent "$dom" 120 && tb_wait_counter "$dom" $((c + 2)) 60
tap_ok $? "virsh start boots the committed disks and the counter continues from $c"
out=$(consistent "$dom")
tap_ok $? "consistent at the end $out"
out=$(vs recover "$dom" 2>&1)
tap_ok $? "recover with nothing to do changes nothing"
