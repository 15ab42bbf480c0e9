#!/bin/bash
# freeze / thaw on a real guest (libvirtd + QEMU/TCG, the tiny counting
# guest with a second disk), and the guarantee behind them: whatever
# happens to virt-state while the guest is frozen (SIGKILL, SIGTERM,
# SIGINT, SIGHUP), the guest is thawed within seconds, by virt-state or by
# its guardian. One booted guest serves every case, in order.
set -u
. "$(dirname "$0")/../testbed/lib.sh"
: "${VIRT_STATE:=$TB_TOP/virt-state}"

tb_require
tap_plan 86

store=$TB_RUN/store
vs() { "$VIRT_STATE" --store "$store" -c "$TB_URI" "$@"; }

dom=$(tb_define_guest freeze --disks 2) || exit 1
tap_run "guest boots and its agent answers" tb_wait_agent "$dom"
tap_run "guest counts" tb_wait_counter "$dom" 3
uuid=$(tb_virsh domuuid "$dom" | tr -d '[:space:]')
con=$(tb_console "$dom")

fs_status() { tb_agent "$dom" '{"execute":"guest-fsfreeze-status"}' 2>/dev/null; }
# wait_status WANT SECONDS: polls the agent until the guest is WANT
# ("frozen" or "thawed"); prints how long it took in ms.
wait_status() {
    local want=\"$1\" end t0
    t0=$(date +%s%N)
    end=$((SECONDS + $2))
    while [[ $(fs_status) != "$want" ]]; do
        [[ $SECONDS -lt $end ]] || return 1
        sleep 0.1
    done
    echo $((($(date +%s%N) - t0) / 1000000))
}
lines() { grep -c '^counter' "$con"; }
# The guest writes its counter to disk every second, and to the console
# after the write: while frozen, the console stays silent.
counting_stopped() {
    local a b
    sleep 1
    a=$(lines)
    sleep 3
    b=$(lines)
    [[ $a == "$b" ]] || diag "console counter lines went from $a to $b"
    [[ $a == "$b" ]]
}
counting_resumes() {
    local a end=$((SECONDS + 30))
    a=$(lines)
    while [[ $(lines) -lt $((a + 2)) ]]; do
        [[ $SECONDS -lt $end ]] || return 1
        sleep 0.5
    done
}
# The pids of live processes whose command line is this domain's guardian
# (a zombie has none).
guardians() { pgrep -f -- "guardian $uuid"; }
no_guardian() { [[ -z $(guardians) ]]; }
# The guardian exits within a moment of being told to.
no_guardian_soon() {
    local i
    for i in $(seq 20); do
        no_guardian && return 0
        sleep 0.1
    done
    diag "guardians still running: $(guardians)"
    return 1
}
recorded_frozen() {
    vs list --json | jq -e --arg d "$dom" '.[] | select(.name == $d) | .frozen' >/dev/null
}

# --- freeze and thaw -----------------------------------------------------------
vs freeze "$dom" 2>"$TB_RUN/err"
tap_is "$?" 0 "freeze succeeds"
grep -q "froze 2 filesystems of '$dom'; they stay frozen until 'virt-state thaw $dom'" "$TB_RUN/err"
tap_ok $? "it says how many filesystems it froze and that they stay frozen"
diag "$(cat "$TB_RUN/err")"
tap_is "$(fs_status)" '"frozen"' "the agent reports the guest frozen"
counting_stopped
tap_ok $? "the guest does not count while frozen"
no_guardian_soon
tap_ok $? "an open-ended freeze leaves no guardian behind"
recorded_frozen
tap_ok $? "list --json shows the guest frozen"
grep -qx 'deadline=0' "$store/$dom/frozen" && grep -qx 'guardian=0' "$store/$dom/frozen"
tap_ok $? "the store records an open-ended freeze without guardian"
vs --json freeze "$dom" >"$TB_RUN/out" 2>"$TB_RUN/err"
tap_is "$?" 1 "a second freeze of the frozen guest fails"
grep -q "is frozen already; 'virt-state thaw $dom' thaws it" "$TB_RUN/err"
tap_ok $? "and says that it is frozen already"
tap_is "$(fs_status)" '"frozen"' "the failed freeze left the guest frozen, as it was"
vs thaw "$dom" 2>"$TB_RUN/err"
tap_is "$?" 0 "thaw succeeds"
grep -q "thawed 2 filesystems of '$dom'" "$TB_RUN/err"
tap_ok $? "it says how many filesystems it thawed"
tap_is "$(fs_status)" '"thawed"' "the agent reports the guest thawed"
counting_resumes
tap_ok $? "the guest counts again after the thaw"
[[ ! -e $store/$dom/frozen ]] && ! recorded_frozen
tap_ok $? "the record of the freeze is gone; list shows the guest not frozen"

# --- thaw of a guest that is not frozen -------------------------------------------
vs --json thaw "$dom" >"$TB_RUN/out" 2>"$TB_RUN/err"
tap_is "$?" 0 "thaw of a guest that is not frozen succeeds"
grep -q "'$dom' was not frozen" "$TB_RUN/err"
tap_ok $? "and says it was not frozen"
jq -e '.thawed_filesystems == 0 and .guardian_pid == null' "$TB_RUN/out" >/dev/null
tap_ok $? "thaw --json: 0 filesystems, no guardian"

# --- freeze --mountpoint ------------------------------------------------------------
vs --json freeze "$dom" --mountpoint /data >"$TB_RUN/out" 2>"$TB_RUN/err"
tap_is "$?" 0 "freeze --mountpoint /data succeeds"
jq -e '.frozen_filesystems == 1 and .timeout == null and .guardian_pid == null' "$TB_RUN/out" >/dev/null
tap_ok $? "it froze that one filesystem only (of the guest's two)"
diag "$(cat "$TB_RUN/out")"
grep -qx 'mountpoint=/data' "$store/$dom/frozen"
tap_ok $? "the record names the mount point"
tap_is "$(fs_status)" '"frozen"' "the guest is frozen"
tap_run "thaw" vs -q thaw "$dom"
tap_is "$(fs_status)" '"thawed"' "the guest is thawed"
vs freeze "$dom" --mountpoint /nowhere 2>"$TB_RUN/err"
tap_is "$?" 1 "freeze --mountpoint of a path that is no mount point fails"
grep -q "'/nowhere' is not a mount point of '$dom' (its filesystems: " "$TB_RUN/err"
tap_ok $? "and names the guest's filesystems"
tap_is "$(fs_status)" '"thawed"' "nothing was frozen"

# --- freeze --timeout: the guardian thaws at the deadline ---------------------------
# Only quick checks before the deadline (the slower ones follow, on a
# freeze with a far deadline). Its standard error is a file: the guardian
# keeps it and says there what it did at the deadline (--debug: and how).
t0=$(date +%s%N)
vs --debug --json freeze "$dom" --timeout 3 >"$TB_RUN/out" 2>"$TB_RUN/deadline.err"
rc=$?
took=$((($(date +%s%N) - t0) / 1000000))
tap_is "$rc" 0 "freeze --timeout 3 succeeds"
[[ $rc == 0 ]] || diag "$(cat "$TB_RUN/deadline.err")"
tap_is "$(fs_status)" '"frozen"' "the guest is frozen"
diag "freeze --timeout returned after $took ms: $(cat "$TB_RUN/out")"
grep -q "they thaw by themselves in 3 s (or: virt-state thaw $dom)" "$TB_RUN/deadline.err"
tap_ok $? "it says when they thaw, and how to thaw them sooner"
wait_status thawed 8 >/dev/null
tap_ok $? "the guest thaws by itself"
ms=$((($(date +%s%N) - t0) / 1000000))
[[ $ms -ge 2900 && $ms -le 5500 ]]
tap_ok $? "at the deadline: $ms ms after the freeze began (3 s, give or take the polling)"
no_guardian_soon
tap_ok $? "the guardian is gone afterwards"
grep -q "virt-state guardian: thawed '$dom' at the end of its freeze --timeout" "$TB_RUN/deadline.err"
tap_ok $? "it said so in the log file that was freeze's standard error"
diag "$(grep -v 'debug: ' "$TB_RUN/deadline.err")"
[[ $_TAP_FAILED == 0 ]] || diag "$(cat "$TB_RUN/deadline.err")" "console:" "$(tail -n 15 "$con")"
! recorded_frozen
tap_ok $? "list no longer shows the guest frozen"
counting_resumes
tap_ok $? "the guest counts again"
vs thaw "$dom" 2>"$TB_RUN/err" && grep -q "was not frozen" "$TB_RUN/err" && [[ ! -e $store/$dom/frozen ]]
tap_ok $? "a thaw afterwards finds nothing frozen and drops the record"

# --- the guardian of a freeze --timeout, and thaw before the deadline -------------
vs --json freeze "$dom" --timeout 600 >"$TB_RUN/out" 2>/dev/null
tap_is "$?" 0 "freeze --timeout 600 succeeds"
g=$(jq -r .guardian_pid "$TB_RUN/out")
[[ $(guardians) == "$g" ]]
tap_ok $? "the guardian named in --json ($g) is the one process left watching the domain"
ppid=$(ps -o ppid= -p "$g" | tr -d ' ')
[[ $(ps -o sid= -p "$g" | tr -d ' ') == "$g" && -n $ppid && $(ps -o comm= -p "$ppid") != virt-state ]]
tap_ok $? "it leads a session of its own and is no child of virt-state"
! ls -l "/proc/$g/fd" 2>/dev/null | grep -q -e "$store" -e pipe:
tap_ok $? "it holds no file of the store (not the domain's lock) and no pipe"
diag "$(ls -l "/proc/$g/fd" 2>&1 | tail -n +2)"
flock -n "$store/$dom/lock" true
tap_ok $? "the domain's lock is free"
vs freeze "$dom" 2>"$TB_RUN/err"
rc=$?
[[ $rc == 1 ]] && grep -q "frozen already" "$TB_RUN/err" && ! grep -q busy "$TB_RUN/err"
tap_ok $? "another command on the domain runs (not refused as busy) and finds it frozen"
recorded_frozen
tap_ok $? "list shows the guest frozen until the deadline"
vs --json thaw "$dom" >"$TB_RUN/out" 2>/dev/null
jq -e --argjson g "$g" '.thawed_filesystems == 2 and .guardian_pid == $g' "$TB_RUN/out" >/dev/null
tap_ok $? "thaw thaws and names the guardian it stopped"
no_guardian_soon
tap_ok $? "the guardian is gone"
tap_is "$(fs_status)" '"thawed"' "the guest is thawed"

# --- SIGKILL while frozen: the guardian thaws ----------------------------------------
VIRT_STATE_FAULT_AT=quiesce:frozen:done vs freeze "$dom" 2>"$TB_RUN/err"
tap_is "$?" 137 "freeze killed (SIGKILL) right after the freeze"
ms=$(wait_status thawed 5)
tap_ok $? "the guest is thawed within 5 s (${ms:-?} ms after the kill)"
sleep 0.2
grep -q "virt-state guardian: thawed '$dom' after its process died" "$TB_RUN/err"
tap_ok $? "the guardian says so on the dead process's standard error"
diag "$(cat "$TB_RUN/err")"
no_guardian_soon
tap_ok $? "the guardian is gone afterwards"
counting_resumes
tap_ok $? "the guest counts again"

# Killed during a freeze --timeout: the death thaws, not the far deadline.
VIRT_STATE_TEST_HOLD_FROZEN_MS=60000 "$VIRT_STATE" --store "$store" -c "$TB_URI" freeze "$dom" --timeout 600 \
    2>"$TB_RUN/err" &
vpid=$!
wait_status frozen 30 >/dev/null
tap_ok $? "freeze --timeout 600, held frozen by the test hook"
kill -KILL "$vpid"
ms=$(wait_status thawed 5)
tap_ok $? "SIGKILL: thawed within 5 s (${ms:-?} ms), long before the deadline"
wait "$vpid"
tap_is "$?" 137 "SIGKILL: virt-state was killed"
no_guardian_soon
tap_ok $? "SIGKILL: the guardian is gone afterwards"

# --- SIGTERM, SIGINT, SIGHUP while frozen: thawed at once, the freeze fails ---------
interrupt_frozen() { # interrupt_frozen SIGNAL
    local vpid rc ms
    # Not through vs(): $! must be virt-state itself, not a subshell.
    VIRT_STATE_TEST_HOLD_FROZEN_MS=60000 "$VIRT_STATE" --store "$store" -c "$TB_URI" freeze "$dom" \
        2>"$TB_RUN/sig.err" &
    vpid=$!
    wait_status frozen 30 >/dev/null
    tap_ok $? "SIG$1: the guest is frozen, virt-state holds it (test hook)"
    kill "-$1" "$vpid"
    ms=$(wait_status thawed 5)
    tap_ok $? "SIG$1: the guest is thawed within 5 s (${ms:-?} ms after the signal)"
    wait "$vpid"
    rc=$?
    tap_is "$rc" 1 "SIG$1: the freeze fails"
    grep -q "interrupted; the filesystems of '$dom' were thawed" "$TB_RUN/sig.err"
    tap_ok $? "SIG$1: it says it was interrupted and the guest thawed"
    diag "$(cat "$TB_RUN/sig.err")"
    [[ ! -e $store/$dom/frozen ]] && no_guardian_soon
    tap_ok $? "SIG$1: no record and no guardian left"
}
interrupt_frozen TERM
interrupt_frozen INT
interrupt_frozen HUP
counting_resumes
tap_ok $? "the guest counts again"

# --- a long-lived shell process keeps no zombie guardian ---------------------------
mkfifo "$TB_RUN/shell.in"
"$VIRT_STATE" --store "$store" -c "$TB_URI" -q shell <"$TB_RUN/shell.in" >"$TB_RUN/shell.out" 2>&1 &
spid=$!
exec 7>"$TB_RUN/shell.in"
echo "freeze $dom --timeout 5" >&7
wait_status frozen 30 >/dev/null
tap_ok $? "freeze --timeout 5 in the shell"
wait_status thawed 15 >/dev/null
tap_ok $? "thawed at the deadline while the shell runs on"
echo "freeze $dom" >&7
echo "thaw $dom" >&7
sleep 2
tap_is "$(fs_status)" '"thawed"' "freeze and thaw in the same shell"
zombies=$(ps -o stat=,pid=,args= --ppid "$spid" | grep '^Z')
tap_is "$zombies" "" "the shell process has no zombie children"
exec 7>&-
wait "$spid"
tap_is "$?" 0 "the shell exits cleanly"
diag "$(cat "$TB_RUN/shell.out")"

# --- no agent -------------------------------------------------------------------
# Right after a start the guest's agent is not connected yet (the guest
# takes seconds to boot under TCG).
tb_virsh destroy "$dom" >/dev/null && tb_virsh start "$dom" >/dev/null
vs freeze "$dom" --timeout 60 2>"$TB_RUN/err"
tap_is "$?" 1 "freeze without a connected agent fails"
grep -q "cannot freeze the filesystems of '$dom': no guest agent answers" "$TB_RUN/err"
tap_ok $? "and says that no guest agent answers"
diag "$(cat "$TB_RUN/err")"
[[ ! -e $store/$dom/frozen ]] && no_guardian_soon
tap_ok $? "no record and no guardian left"
vs thaw "$dom" 2>"$TB_RUN/err"
tap_is "$?" 1 "thaw without a connected agent fails"
grep -q "cannot thaw the filesystems of '$dom': Guest agent is not responding" "$TB_RUN/err"
tap_ok $? "and gives libvirt's reason"
diag "$(cat "$TB_RUN/err")"
tap_run "the agent answers after the boot" tb_wait_agent "$dom"
tap_is "$(fs_status)" '"thawed"' "the guest was never frozen"
