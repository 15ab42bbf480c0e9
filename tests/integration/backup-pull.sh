#!/bin/bash
# backup create --pull on a real one-disk guest that counts every second: the
# export is read by a third-party tool (qemu-img convert from the NBD unix
# socket) while the guest counts on, and the copy's ext4 holds the counter
# of the backup's instant; `backup end` from another shell ends the job, the
# foreground command exits 0, the checkpoint stays; the next pull backup is
# incremental and names its dirty bitmap; list/show/verify/restore treat a
# pull backup as one; SIGTERM ends the job cleanly; SIGKILL then `recover`
# leaves no job, the checkpoint and the manifest consistent, and the guest
# running; --tcp serves on 127.0.0.1 only; killed at every journaled step
# (VIRT_STATE_FAULT_AT), `recover` leaves a consistent domain and store.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../testbed/lib.sh
. "$here/../testbed/lib.sh"

VIRT_STATE=${VIRT_STATE:-$TB_TOP/_build/virt-state}
tb_require
tap_plan 44

STORE=$TB_RUN/store
vs() { "$VIRT_STATE" -c "$TB_URI" --store "$STORE" "$@"; }
counter_ram() { tb_counter "$1" --ram 2>/dev/null; }
checkpoints() { tb_virsh checkpoint-list "$dom" --name | sort | tr '\n' ' '; }
has_job() { tb_virsh domjobinfo "$dom" 2>/dev/null | grep -q 'Job type: *Unbounded\|Job type: *Bounded'; }
# wait_line FILE PATTERN: until the file has the line (the export serves).
wait_line() {
    local i
    for ((i = 0; i < 600; i++)); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        kill -0 "$vpid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
wait_exit() { # wait_exit PID SECONDS: waits for the background command
    local i
    for ((i = 0; i < $2 * 10; i++)); do
        kill -0 "$1" 2>/dev/null || { wait "$1"; return $?; }
        sleep 0.1
    done
    return 124
}
# The signals must reach virt-state itself: it runs directly, not in vs().
pull() { exec "$VIRT_STATE" -c "$TB_URI" --store "$STORE" backup create "$dom" --pull "$@"; }

dom=$(tb_define_guest pl --disks 1)
tap_ok $? "a one-disk guest is defined and started"
tb_wait_agent "$dom" 60 >/dev/null 2>&1 && tb_wait_counter "$dom" 2 60 >/dev/null 2>&1
tap_ok $? "its agent answers and it counts"

# ---- full pull backup, read by qemu-img --------------------------------------
# QEMU, as its own user, creates the socket: a directory it can write.
mkdir -m 1777 "$TB_RUN/s" && sock=$TB_RUN/s/pull.sock
c0=$(counter_ram "$dom")
pull --socket "$sock" >"$TB_RUN/out1" 2>"$TB_RUN/err1" &
vpid=$!
wait_line "$TB_RUN/out1" '^disk vda '
tap_ok $? "backup create --pull serves and prints the export" || diag "$(cat "$TB_RUN/err1")"
c1=$(counter_ram "$dom")
id1=$(awk '$1 == "id" {print $2}' "$TB_RUN/out1")
exp=$(awk '$1 == "disk" && $2 == "vda" {print $4}' "$TB_RUN/out1")
tap_is "$(awk '$1 == "socket" {print $2}' "$TB_RUN/out1"):$exp:$(awk '$1 == "kind" {print $2}' "$TB_RUN/out1")" \
    "$sock:vda:full" "it prints the socket, the export name libvirt uses and the kind"
tap_ok "$([[ -S $sock ]]; echo $?)" "the socket exists"
qemu-img convert -f raw -O raw "nbd+unix:///$exp?socket=$sock" "$TB_RUN/copy.raw" 2>"$TB_RUN/qerr"
tap_ok $? "a third-party reader (qemu-img convert) copies the export" || diag "$(cat "$TB_RUN/qerr")"
sleep 2
c2=$(counter_ram "$dom")
[[ -n $c2 && $c2 -gt $c1 ]]
tap_ok $? "the guest kept counting meanwhile ($c1 -> $c2)"
c=$(tb_counter_offline "$TB_RUN/copy.raw")
[[ -n $c && $c -ge $((c0 - 1)) && $c -le $c1 ]]
tap_ok $? "the copy's ext4 holds the counter of the backup's instant ($c in $c0..$c1)"
rm -f "$TB_RUN/copy.raw"
tap_is "$(vs --json backup show "$dom" "$id1" 2>/dev/null | jq -r '[.mode, .kind, .status, .disks[0].export] | join(" ")')" \
    "pull full complete vda" "show --json while it serves: a complete full pull backup"
out=$(vs backup end "$dom" 2>&1)
tap_ok $? "backup end from another shell: $out"
wait_exit "$vpid" 60
rc=$?
tap_is "$rc" 0 "the foreground command exits 0" || diag "$(cat "$TB_RUN/err1")"
has_job
tap_ok "$((!$?))" "no job is left on the domain"
tap_is "$(checkpoints)" "virt-state-$id1 " "virsh checkpoint-list shows the checkpoint"
tap_ok "$([[ ! -e $sock ]]; echo $?)" "the socket is gone"
out=$(vs backup end "$dom" 2>&1)
[[ $? == 1 && $out == *"has no backup job"* ]]
tap_ok $? "backup end again: no backup job ($out)"

# ---- the store treats it as a pull backup ------------------------------------
vs backup list "$dom" 2>/dev/null | grep -q "$id1 *full pull"
tap_ok $? "backup list shows it as a full pull backup"
out=$(vs backup verify "$dom" "$id1" 2>&1)
[[ $? == 0 && $out == *"nothing to check"* ]]
tap_ok $? "backup verify has nothing to check ($out)"
mkdir "$TB_RUN/r"
out=$(vs backup restore "$dom" "$id1" --to "$TB_RUN/r" 2>&1)
[[ $? == 1 && $out == *"pull export"* && -z $(ls -A "$TB_RUN/r") ]]
tap_ok $? "backup restore refuses it ($out)"

# ---- an incremental pull backup, ended by SIGTERM (default socket) ------------
sleep 1
pull --json >"$TB_RUN/out2" 2>"$TB_RUN/err2" &
vpid=$!
wait_line "$TB_RUN/out2" '"disks"'
tap_ok $? "a second --pull (automatic kind, default socket) serves" || diag "$(cat "$TB_RUN/err2")"
j=$(cat "$TB_RUN/out2")
id2=$(jq -r .id <<<"$j")
tap_is "$(jq -r '[.kind, .parent, .disks[0].target, (.disks[0].bitmap | type)] | join(" ")' <<<"$j")" \
    "incremental $id1 vda string" "--json: incremental on the first, with a dirty bitmap name ($(jq -r .disks[0].bitmap <<<"$j"))"
dsock=$(jq -r .socket <<<"$j")
qemu-img info "nbd+unix:///$(jq -r .disks[0].export <<<"$j")?socket=$dsock" >/dev/null 2>&1
tap_ok $? "the export on the default socket ($dsock) answers"
kill -TERM "$vpid"
wait_exit "$vpid" 60
rc=$?
has_job
tap_is "$rc:$?:$(checkpoints)" "0:1:virt-state-$id1 virt-state-$id2 " \
    "SIGTERM ends the job cleanly (exit 0, no job), both checkpoints kept" || diag "$(cat "$TB_RUN/err2")"

# ---- SIGKILL, then recover ------------------------------------------------------
sleep 1
pull --socket "$sock" >"$TB_RUN/out3" 2>"$TB_RUN/err3" &
vpid=$!
wait_line "$TB_RUN/out3" '^disk vda '
id3=$(awk '$1 == "id" {print $2}' "$TB_RUN/out3")
kill -KILL "$vpid"
wait "$vpid" 2>/dev/null
has_job
tap_ok $? "killed with SIGKILL, the job is left running"
out=$(vs backup create "$dom" --pull 2>&1)
[[ $? == 1 && $out == *"run 'virt-state recover"* ]]
tap_ok $? "the next command says to recover first"
out=$(vs recover "$dom" 2>&1)
tap_ok $? "recover: ${out##*: }"
has_job
rcjob=$?
st=$(tb_state "$dom")
tap_is "$rcjob:$st:$(vs --json backup show "$dom" "$id3" 2>/dev/null | jq -r .status):$(checkpoints)" \
    "1:running:complete:virt-state-$id1 virt-state-$id2 virt-state-$id3 " \
    "no job left, guest running, the manifest and the checkpoint consistent"
tap_ok "$([[ ! -e $sock && -z $(ls -A "$STORE/$dom/journal" 2>/dev/null) ]]; echo $?)" "no socket, no journal left"

# ---- --tcp: loopback only ----------------------------------------------------------
port=$((20000 + RANDOM % 20000))
pull --tcp "$port" >"$TB_RUN/out4" 2>"$TB_RUN/err4" &
vpid=$!
wait_line "$TB_RUN/out4" '^disk vda '
tap_ok $? "--tcp $port serves" || diag "$(cat "$TB_RUN/err4")"
listen=$(ss -Hltn "sport = :$port" 2>/dev/null | awk '{print $4}' | sort -u | tr '\n' ' ')
tap_is "$listen" "127.0.0.1:$port " "it listens on 127.0.0.1:$port and nowhere else"
exp=$(awk '$1 == "disk" && $2 == "vda" {print $4}' "$TB_RUN/out4")
qemu-img convert -f raw -O raw "nbd://127.0.0.1:$port/$exp" "$TB_RUN/copy.raw" 2>"$TB_RUN/qerr"
tap_ok $? "a reader copies the export over TCP" || diag "$(cat "$TB_RUN/qerr")"
c=$(tb_counter_offline "$TB_RUN/copy.raw")
[[ -n $c ]]
tap_ok $? "the copy holds an ext4 with the counter ($c)"
rm -f "$TB_RUN/copy.raw"
vs backup end "$dom" >/dev/null 2>&1
wait_exit "$vpid" 60
tap_is "$?" 0 "backup end: the --tcp command exits 0" || diag "$(cat "$TB_RUN/err4")"

# ---- killed at every journaled step, then recover ------------------------------------
# consistent: no job, guest running, no journal, no socket, and the tool's
# checkpoints are exactly those of complete manifests.
consistent() {
    local why=
    has_job && why+="job left; "
    [[ $(tb_state "$dom") == running ]] || why+="state $(tb_state "$dom"); "
    [[ -z $(ls -A "$STORE/$dom/journal" 2>/dev/null) ]] || why+="journal left; "
    [[ -e $sock ]] && why+="socket left; "
    local want
    want=$(vs --json backup list "$dom" 2>/dev/null | jq -r '.[] | select(.status == "complete") | .checkpoint' | sort | tr '\n' ' ')
    local have
    have=$(tb_virsh checkpoint-list "$dom" --name | grep '^virt-state-' | sort | tr '\n' ' ')
    [[ $want == "$have" ]] || why+="checkpoints '$have' vs complete backups '$want'; "
    vs --json backup list "$dom" 2>/dev/null | jq -e 'all(.[]; .status == "complete")' >/dev/null || why+="incomplete backup listed; "
    printf '%s' "$why"
    [[ -z $why ]]
}
for f in begin begin:done export export:done; do
    sleep 1
    (VIRT_STATE_FAULT_AT=backup:$f pull --socket "$sock") >/dev/null 2>"$TB_RUN/errf"
    tap_is "$?" 137 "--pull killed at $f" || diag "$(cat "$TB_RUN/errf")"
    out=$(vs recover "$dom" 2>&1)
    r=$(consistent)
    tap_ok $? "recover ($out): consistent ${r:+($r)}"
done
for f in end end:done; do
    sleep 1
    (VIRT_STATE_FAULT_AT=backup:$f pull --socket "$sock") >"$TB_RUN/outf" 2>"$TB_RUN/errf" &
    vpid=$!
    wait_line "$TB_RUN/outf" '^disk vda '
    vs backup end "$dom" >/dev/null 2>&1
    wait_exit "$vpid" 60
    tap_is "$?" 137 "--pull killed at $f (after backup end)" || diag "$(cat "$TB_RUN/errf")"
    out=$(vs recover "$dom" 2>&1)
    r=$(consistent)
    tap_ok $? "recover ($out): consistent ${r:+($r)}"
done
diag "run time $SECONDS s"
