# Shared by the command-line tests: locate the program, make a scratch
# directory, print TAP.
: "${VIRT_STATE_SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${VIRT_STATE:=$VIRT_STATE_SRCDIR/virt-state}"
export VIRT_STATE VIRT_STATE_SRCDIR

TAP_N=0
TAP_FAILED=0
ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
not_ok() { TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1)); echo "not ok $TAP_N - $*"; }
check() { # check DESCRIPTION COMMAND...
    local d=$1; shift
    if "$@"; then ok "$d"; else not_ok "$d"; fi
}
diag() { sed 's/^/# /'; }
tap_done() { echo "1..$TAP_N"; [ "$TAP_FAILED" -eq 0 ]; }

scratch_dir() {
    TMP=$(mktemp -d /tmp/vs-cli-XXXXXX)
    trap 'rm -rf "$TMP"' EXIT
    mkdir -p "$TMP/home"
    export HOME=$TMP/home VIRT_STATE_STORE=$TMP/store VIRT_STATE_HISTORY=
    unset LIBVIRT_DEFAULT_URI VIRT_STATE_FAULT_AT
}
