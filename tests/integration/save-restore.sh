#!/bin/bash
# save / restore on a real guest (libvirtd + QEMU/TCG, the tiny counting
# guest). One booted guest serves every case, in order.
set -u
. "$(dirname "$0")/../testbed/lib.sh"
: "${VIRT_STATE:=$TB_TOP/virt-state}"

tb_require
tap_plan 69

store=$TB_RUN/store
vs() { "$VIRT_STATE" --store "$store" -c "$TB_URI" "$@"; }
same_text() { cmp -s "$1" <(echo "$2"); } # FILE holds exactly the line TEXT
no_leftovers() { # no temporary twin and no journal left behind
    ! ls -A "$1" | grep -q '\.part$' && [ -z "$(ls -A "$store/$dom/journal" 2>/dev/null)" ]
}

dom=$(tb_define_guest save) || exit 1
tap_run "guest boots and its agent answers" tb_wait_agent "$dom"
tap_run "guest counts" tb_wait_counter "$dom" 3
boot1=$(tb_boot_id "$dom")

# --- save and restore: memory really restored, not a reboot -----------------
n1=$(tb_counter "$dom" --ram)
img=$TB_RUN/mem.img
tap_run "save of a running guest succeeds" vs -q save "$dom" "$img"
tap_is "$(tb_state "$dom")" "shut off" "the guest is stopped after the save"
tap_is "$(stat -c %a "$img")" 600 "the memory image is 0600"
tap_ok "$(no_leftovers "$TB_RUN"; echo $?)" "no temporary file or journal left"
vs list --all --json | jq -e --arg d "$dom" '.[] | select(.name == $d) | .state == "shut off" and .needs_recovery == false' >/dev/null
tap_ok $? "list --json shows the guest shut off, nothing to recover"
tap_run "restore succeeds" vs -q restore "$img"
tap_is "$(tb_state "$dom")" "running" "the guest runs after the restore"
tap_run "the agent answers after the restore" tb_wait_agent "$dom" 30
tap_is "$(tb_boot_id "$dom")" "$boot1" "same boot id: memory restored, not a reboot"
n2=$(tb_counter "$dom" --ram)
[[ $n2 -ge $n1 && $n2 -le $((n1 + 20)) ]]
tap_ok $? "the counter continues from where it was (before save $n1, after restore $n2)"
tap_run "the counter keeps increasing after the restore" tb_wait_counter "$dom" $((n2 + 2)) 30

# --- progress on a terminal, figures in --json --------------------------------
script -qfec "$VIRT_STATE --store $store -c $TB_URI save $dom $TB_RUN/tty.img" /dev/null >"$TB_RUN/tty.out" 2>&1
tr '\r' '\n' <"$TB_RUN/tty.out" | grep -Eq '^save: +100% \([0-9.]+ [KMG]iB in [0-9]+ ms, [0-9.]+ [KMG]iB/s\)'
tap_ok $? "on a terminal, save ends its progress with percent, size, time and rate"
diag "$(tr '\r' '\n' <"$TB_RUN/tty.out" | cat -v)"
tap_run "restore after the terminal save" vs -q restore "$TB_RUN/tty.img"
tap_run "the agent answers" tb_wait_agent "$dom" 30
vs -q save "$dom" "$TB_RUN/json.img" --json >"$TB_RUN/save.json"
jq -e '.action == "saved" and .size > 1000000 and .data_processed > 1000000 and .job_ms >= 0' "$TB_RUN/save.json" >/dev/null
tap_ok $? "save --json reports the image size and what the job processed"
diag "$(cat "$TB_RUN/save.json")"
tap_run "restore after the JSON save" vs -q restore "$TB_RUN/json.img"
tap_run "the agent answers" tb_wait_agent "$dom" 30
rm -f "$TB_RUN/tty.img" "$TB_RUN/json.img"

# --- refusing to overwrite, --force, --paused --------------------------------
echo precious >"$TB_RUN/keep.img"
vs -q save "$dom" "$TB_RUN/keep.img" 2>"$TB_RUN/err"
tap_is "$?" 1 "save onto an existing file without --force fails"
same_text "$TB_RUN/keep.img" precious
tap_ok $? "the existing file is untouched"
tap_is "$(tb_state "$dom")" running "the guest keeps running"
tap_run "save --force --paused replaces the file" vs -q save "$dom" "$TB_RUN/keep.img" --force --paused
[[ $(stat -c %s "$TB_RUN/keep.img") -gt 1000000 ]]
tap_ok $? "the replaced file holds a memory image"
tap_run "restore of a --paused image" vs -q restore "$TB_RUN/keep.img"
tap_is "$(tb_state "$dom")" paused "the guest comes back paused"
tap_run "resume it" tb_virsh resume "$dom"
tap_run "the agent answers after resume" tb_wait_agent "$dom" 30

# --- a full filesystem: the save fails, the guest runs, the old file stays ---
full=$TB_RUN/full
mkdir -p "$full"
if mount -t tmpfs -o size=8m tmpfs "$full"; then
    tb_on_exit "umount '$full'"
    head -c 4194304 /dev/urandom >"$full/old.img"
    sum_before=$(sha256sum <"$full/old.img")
    vs -q save "$dom" "$full/old.img" --force 2>"$TB_RUN/err"
    rc=$?
    tap_is "$rc" 1 "save onto a full filesystem fails"
    diag "$(cat "$TB_RUN/err")"
    tap_is "$(tb_state "$dom")" running "the guest keeps running"
    tap_run "its agent answers" tb_wait_agent "$dom" 30
    tap_is "$(sha256sum <"$full/old.img")" "$sum_before" "the older file is byte-identical"
    tap_ok "$(no_leftovers "$full"; echo $?)" "no temporary file or journal left on the full filesystem"
else
    not_ok "cannot mount a tmpfs for the full-filesystem case"
    for i in 1 2 3 4; do not_ok "full-filesystem case not run"; done
fi

# --- killed after libvirt finished, before the rename: recover finishes it ---
c_before=$(tb_counter "$dom" --ram)
VIRT_STATE_FAULT_AT=save:save:done vs -q save "$dom" "$TB_RUN/killed.img" 2>/dev/null
tap_is "$?" 137 "fault injection kills the save after libvirt wrote the image"
[[ ! -e $TB_RUN/killed.img ]] && ls -A "$TB_RUN" | grep -q 'killed.img.*\.part$'
tap_ok $? "the image exists only as its temporary twin"
vs -q save "$dom" "$TB_RUN/other.img" 2>"$TB_RUN/err"
tap_is "$?" 1 "the next command on the domain refuses to run"
grep -q "run 'virt-state recover $dom' first" "$TB_RUN/err"
tap_ok $? "and says that something needs recovering"
tap_run "recover finishes the save" vs recover "$dom"
[[ -s $TB_RUN/killed.img ]] && no_leftovers "$TB_RUN"
tap_ok $? "the image is in place, nothing left behind"
vs recover "$dom" 2>"$TB_RUN/err" && grep -q 'nothing to recover' "$TB_RUN/err"
tap_ok $? "a second recover changes nothing"
tap_run "restore from the recovered image" vs -q restore "$TB_RUN/killed.img"
tap_run "the agent answers" tb_wait_agent "$dom" 30
tap_is "$(tb_boot_id "$dom")" "$boot1" "same boot: the recovered image held the guest's memory"
c_after=$(tb_counter "$dom" --ram)
[[ $c_after -ge $c_before ]]
tap_ok $? "the counter continues ($c_before before, $c_after after)"

# --- killed at every journaled step: recover leaves a consistent state -------
# Before libvirt has finished, recovery rolls back: the guest keeps running
# and the older file stays. After it, recovery finishes: the image replaces
# the older file and restores the guest where it was.
for point in temp temp:done save save:done sync sync:done rename rename:done; do
    echo older >"$TB_RUN/step.img"
    VIRT_STATE_FAULT_AT=save:$point vs -q save "$dom" "$TB_RUN/step.img" --force 2>/dev/null
    rc=$?
    vs -q recover "$dom"
    rc2=$?
    diag "save:$point: save exit $rc, recover exit $rc2, guest $(tb_state "$dom"), $(ls -A "$TB_RUN" | tr '\n' ' ')"
    case $point in
    temp | temp:done | save)
        [[ $rc == 137 && $rc2 == 0 && $(tb_state "$dom") == running ]] && same_text "$TB_RUN/step.img" older &&
            no_leftovers "$TB_RUN"
        tap_ok $? "killed at save:$point, recover rolls back: guest running, older file kept, nothing left"
        ;;
    *)
        [[ $rc == 137 && $rc2 == 0 && $(tb_state "$dom") == "shut off" ]] && ! same_text "$TB_RUN/step.img" older &&
            no_leftovers "$TB_RUN" && vs -q restore "$TB_RUN/step.img" && tb_wait_agent "$dom" 30 &&
            [[ $(tb_boot_id "$dom") == "$boot1" ]]
        tap_ok $? "killed at save:$point, recover finishes: the image replaced the older file and restores the guest"
        ;;
    esac
done

# --- a signal during the save cancels libvirt's job ----------------------------
# The guest's own QEMU is stopped (SIGSTOP) so the save stays in flight
# until the signal has reached virt-state; then QEMU continues and libvirt
# cancels the job.
interrupt_save() { # interrupt_save SIGNAL
    local qpid vpid rc i
    qpid=$(cat "/run/libvirt/qemu/$dom.pid")
    diag "QEMU of $dom: $(ps -o pid=,stat=,comm= -p "$qpid")"
    echo precious >"$TB_RUN/sig.img"
    kill -STOP "$qpid"
    # Not through vs(): $! must be virt-state itself, not a subshell.
    "$VIRT_STATE" --debug --store "$store" -c "$TB_URI" save "$dom" "$TB_RUN/sig.img" --force 2>"$TB_RUN/sig.err" &
    vpid=$!
    for i in $(seq 100); do
        grep -qs 'name="save" state="begun"' "$store/$dom"/journal/*.xml && break
        sleep 0.1
    done
    sleep 1
    kill "-$1" "$vpid"
    sleep 1
    kill -CONT "$qpid"
    wait "$vpid"
    rc=$?
    diag "$(cat "$TB_RUN/sig.err")"
    tap_is "$rc" 1 "SIG$1 during the save: it fails"
    grep -q 'save interrupted' "$TB_RUN/sig.err"
    tap_ok $? "SIG$1: it says the save was interrupted"
    tap_is "$(tb_state "$dom")" running "SIG$1: the guest keeps running"
    same_text "$TB_RUN/sig.img" precious
    tap_ok $? "SIG$1: the existing file is untouched"
    tap_ok "$(no_leftovers "$TB_RUN"; echo $?)" "SIG$1: no temporary file or journal left"
    tap_run "SIG$1: the agent answers" tb_wait_agent "$dom" 30
}
interrupt_save INT
interrupt_save TERM

# --- managed save -------------------------------------------------------------
tap_run "managed save" vs -q save --managed "$dom"
vs list --all --json | jq -e --arg d "$dom" '.[] | select(.name == $d) | .managed_save == true' >/dev/null
tap_ok $? "list shows the managed save image"
tap_run "virsh start resumes from it" tb_virsh start "$dom"
tap_run "the agent answers" tb_wait_agent "$dom" 30
tap_is "$(tb_boot_id "$dom")" "$boot1" "same boot after the managed save"
