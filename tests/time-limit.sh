#!/bin/bash
# The LOG_COMPILER of every test: runs one test (a program or a script)
# under a time limit. A test still running at its limit is reported as a
# TAP "Bail out!" with what it was doing (its process tree and the domains
# libvirt knows), then stopped with SIGTERM (so that its EXIT trap removes
# its guests), and SIGKILL 20 s later. Without this, one hung call would
# hold CI until its own global timeout and leave nothing to read.
#
# Limits: 300 s for unit and command-line tests, 2400 s for integration
# tests; VIRT_STATE_TEST_TIMEOUT=SECONDS overrides both.
#
# Usage: time-limit.sh TEST [ARGS...]
set -u
[[ $# -ge 1 ]] || { echo "usage: time-limit.sh TEST [ARGS...]" >&2; exit 2; }
case $1 in
    */integration/*) limit=2400 ;;
    *) limit=300 ;;
esac
limit=${VIRT_STATE_TEST_TIMEOUT:-$limit}
[[ $limit =~ ^[1-9][0-9]*$ ]] || { echo "time-limit.sh: bad VIRT_STATE_TEST_TIMEOUT '$limit'" >&2; exit 2; }

descendants() { # prints the pids of every descendant of $1, children first
    local c
    for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
        descendants "$c"
        echo "$c"
    done
}
signal_tree() { # signal_tree SIG PID: the process and all its descendants
    local p
    # shellcheck disable=SC2046 # one pid per word
    for p in $(descendants "$2") "$2"; do kill -"$1" "$p" 2>/dev/null; done
}

"$@" &
pid=$!
# A signal to the harness (Ctrl-C on make) reaches the test too.
trap 'signal_tree TERM $pid' INT TERM HUP

end=$((SECONDS + limit))
while kill -0 "$pid" 2>/dev/null; do
    if [[ $SECONDS -ge $end ]]; then
        echo "# time-limit: $1 still runs after ${limit}s; what it is doing:"
        # shellcheck disable=SC2046
        ps -o pid=,etime=,args= -p "$pid" $(descendants "$pid" | sed 's/^/-p /') 2>/dev/null |
            cut -c1-200 | sed 's/^/#   /'
        if [[ $1 == */integration/* ]] && command -v virsh >/dev/null; then
            echo "# domains:"
            timeout 10 virsh -c qemu:///system list --all 2>&1 | sed 's/^/#   /'
        fi
        echo "Bail out! $1 exceeded its time limit of ${limit}s"
        signal_tree TERM "$pid"
        for _ in $(seq 20); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 1
        done
        signal_tree KILL "$pid"
        wait "$pid" 2>/dev/null
        exit 124
    fi
    sleep 1 &
    wait $! 2>/dev/null
done
wait "$pid"
