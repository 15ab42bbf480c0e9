#!/bin/bash
# The interactive shell on a real terminal (a pty from script(1)): readline
# completion of commands and domain names, the history file, exit and Ctrl-D.
set -u
. "$(dirname "$0")/lib.sh"
scratch_dir
export VIRT_STATE_HISTORY=$TMP/history

# Types the given bytes into the shell on a pty, slowly enough for readline.
run_tty() {
    local input=$1
    { sleep 1; printf '%b' "$input"; sleep 2; } |
        timeout 30 script -qfec "$VIRT_STATE -c test:///default" /dev/null 2>&1 | tr -d '\r'
}

out=$(run_tty 'versi\t\n')
printf '%s\n' "$out" | diag
check "prompt shown on a terminal" grep -q 'virt-state # \|virt-state \$ ' <<<"$out"
check "Tab completes 'versi' to 'version', which runs" grep -q 'libvirt library: ' <<<"$out"
check "Ctrl-D (end of input) leaves the shell" test "$(grep -c 'libvirt library' <<<"$out")" -eq 1
check "history file written" grep -q '^version *$' "$TMP/history"
check "history file is 0600" test "$(stat -c %a "$TMP/history")" = 600

out=$(run_tty 'list --al\t\nquit\n')
check "Tab completes an option; the command runs with it" grep -q 'shut off\|running' <<<"$out"
out=$(run_tty 'save te\t/nonexistent-dir/x\nexit\n')
printf '%s\n' "$out" | diag
check "Tab completes a domain name from libvirt" grep -q "directory '/nonexistent-dir'" <<<"$out"
# Completing a domain name before any command has connected must not leave
# the session on a read-only connection: the save that follows works.
out=$(run_tty "save te\t$TMP/c.img\nlist --all\n")
printf '%s\n' "$out" | diag
check "a save after completing its domain name succeeds (no read-only connection left by completion)" \
    grep -q "saved to '$TMP/c.img'" <<<"$out"
check "history keeps earlier sessions" test "$(wc -l <"$TMP/history")" -ge 3

# One connection kept across commands: the test driver's state lives in
# the connection, so a save is visible to the next command.
out=$(printf 'save test %s/t.img\nlist --all\n' "$TMP" | "$VIRT_STATE" -q -c test:///default)
check "one connection across piped commands" grep -q 'test   shut off' <<<"$out"
tap_done
