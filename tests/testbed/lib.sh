# shellcheck shell=bash
# Library for virt-state's integration tests on the real testbed: a system
# libvirtd with QEMU (TCG) and a tiny Linux guest that counts to its ext4
# data disk. Source it from a bash test script:
#
#   . "$(dirname "$0")/../testbed/lib.sh"    (or "$srcdir/tests/testbed/lib.sh")
#   tb_require                  # before tap_plan: skips or bails out cleanly
#   tap_plan 3
#   dom=$(tb_define_guest web --disks 2)
#   tb_wait_agent "$dom"
#   ...
#
# See tests/testbed/README.md for the whole API. Everything a test creates
# (domains, their disks, files under $TB_RUN) is removed on exit, pass or
# fail; set VIRT_STATE_TESTBED_KEEP=1 to keep the run directory.

# Root's tools (libvirtd, debugfs, mkfs.ext4...) even from a user PATH.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin:/sbin ;; esac
export PATH

TB_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TB_TOP=$(cd "$TB_LIB_DIR/../.." && pwd)
TB_URI=${VIRT_STATE_TESTBED_URI:-qemu:///system}
TB_CACHE=${VIRT_STATE_TESTBED_CACHE:-/var/cache/virt-state-testbed}
TB_WORK=${VIRT_STATE_TESTBED_WORK:-/var/lib/virt-state-testbed}
export LIBVIRT_DEFAULT_URI=$TB_URI
export VIRT_STATE_TESTBED_CACHE=$TB_CACHE

TB_TEST=$(basename "$0")
TB_TEST=${TB_TEST%.sh}
TB_TEST=${TB_TEST//[^A-Za-z0-9_-]/_}
TB_RUN=""        # per-run work dir, set by tb_require
TB_GUEST_DIR=""  # vmlinuz, initrd.img, data.qcow2 of the cached guest
TB_DOMAIN=""     # last domain defined by tb_define_guest
_TB_EXIT_HOOKS=()

# ---------------------------------------------------------------- TAP ---
_TAP_PLAN=""
_TAP_N=0
_TAP_FAILED=0

tap_plan() { _TAP_PLAN=$1; echo "1..$1"; }
diag() { local l; while IFS= read -r l; do echo "# $l"; done <<<"$*"; }
ok() { _TAP_N=$((_TAP_N + 1)); echo "ok $_TAP_N - $*"; }
not_ok() { _TAP_N=$((_TAP_N + 1)); _TAP_FAILED=$((_TAP_FAILED + 1)); echo "not ok $_TAP_N - $*"; }
tap_skip() { _TAP_N=$((_TAP_N + 1)); echo "ok $_TAP_N # SKIP $*"; }
# tap_ok STATUS MSG: passes when STATUS is 0 (an exit status), and returns
# STATUS, so that diagnostics can follow a failure:
#   [[ $b -gt $a ]]; tap_ok $? "counter increases" || diag "$a, $b"
tap_ok() {
    local st=$1
    shift
    if [[ $st == 0 ]]; then ok "$@"; else not_ok "$@"; fi
    return "$st"
}
# tap_run MSG CMD [ARGS...]: runs CMD, passes when it succeeds; its output
# goes to the TAP stream as diagnostics when it fails.
tap_run() {
    local msg=$1 out st
    shift
    out=$("$@" 2>&1)
    st=$?
    tap_ok "$st" "$msg"
    [[ $st == 0 ]] || diag "command: $* (exit $st)" "$out"
    return "$st"
}
# tap_is GOT WANT MSG
tap_is() {
    if [[ $1 == "$2" ]]; then
        ok "$3"
    else
        not_ok "$3"
        diag "got:  '$1'" "want: '$2'"
        return 1
    fi
}
# Called from the EXIT trap: a missing test (plan not met) is a failure.
tap_done() {
    if [[ -n $_TAP_PLAN && $_TAP_N -ne $_TAP_PLAN ]]; then
        diag "planned $_TAP_PLAN tests, ran $_TAP_N"
        return 1
    fi
    [[ $_TAP_FAILED == 0 ]]
}

# ------------------------------------------------------- requirements ---
_tb_say() { echo "testbed: $*" >&2; }

# The testbed is missing: a failure in CI, a skip elsewhere. Exit status 0
# on a skip, as automake's TAP driver reads the skip from the TAP stream
# (an exit status 77 would count as an error there).
_tb_unavailable() {
    local why=$1 i
    trap - EXIT
    if [[ ${CI:-} == true ]]; then
        echo "Bail out! testbed unavailable: $why"
        exit 1
    fi
    if [[ -z $_TAP_PLAN ]]; then
        echo "1..0 # SKIP testbed unavailable: $why"
    else
        for ((i = _TAP_N; i < _TAP_PLAN; i++)); do tap_skip "testbed unavailable: $why"; done
    fi
    exit "${VIRT_STATE_TESTBED_SKIP_STATUS:-0}"
}

# tb_require: libvirtd answers on qemu:///system and the guest is built, or
# the test skips (bails out when CI=true). Call before tap_plan. Installs
# missing packages only when CI=true or VIRT_STATE_TESTBED_INSTALL=1.
tb_require() {
    local c missing=()
    [[ $(id -u) == 0 ]] || _tb_unavailable "not root (needs the system libvirtd)"
    for c in virsh libvirtd virtlogd qemu-system-x86_64 qemu-img jq base64 \
        debugfs e2fsck mkfs.ext4 cpio flock; do
        command -v "$c" >/dev/null || missing+=("$c")
    done
    if [[ ${#missing[@]} -gt 0 ]]; then
        if [[ ${CI:-} == true || ${VIRT_STATE_TESTBED_INSTALL:-} == 1 ]]; then
            "$TB_TOP/scripts/install-deps.sh" >&2 ||
                _tb_unavailable "scripts/install-deps.sh failed"
        else
            _tb_unavailable "missing ${missing[*]} (run scripts/install-deps.sh)"
        fi
    fi
    "$TB_TOP/scripts/start-libvirtd.sh" ||
        _tb_unavailable "libvirtd does not answer on $TB_URI (scripts/start-libvirtd.sh failed)"
    TB_GUEST_DIR=$("$TB_LIB_DIR/build-guest.sh") && [[ -f $TB_GUEST_DIR/stamp ]] ||
        _tb_unavailable "cannot build the guest (tests/testbed/build-guest.sh failed)"
    mkdir -p "$TB_WORK" && chmod 0755 "$TB_WORK" ||
        _tb_unavailable "cannot create $TB_WORK"
    TB_RUN=$(mktemp -d "$TB_WORK/$TB_TEST.$$.XXXX") && chmod 0755 "$TB_RUN" ||
        _tb_unavailable "cannot create a run directory in $TB_WORK"
    : >"$TB_RUN/domains"
}

# tb_on_exit CMD...: run CMD on exit, before the domains are removed.
tb_on_exit() { _TB_EXIT_HOOKS+=("$*"); }

_tb_exit() {
    local st=$? h
    trap - EXIT INT TERM HUP
    for h in "${_TB_EXIT_HOOKS[@]}"; do eval "$h" || true; done
    tb_cleanup
    tap_done || st=1
    [[ $_TAP_FAILED == 0 ]] || st=1
    exit "$st"
}
# Set when sourced: the final exit status reports failed or missing tests
# even in a test that never reaches tb_require.
trap _tb_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ------------------------------------------------------------ virsh ---
tb_virsh() { virsh -q -c "$TB_URI" "$@"; }

# tb_register_domain NAME: have tb_cleanup remove NAME too (for domains a
# test makes by other means; only ever names the test itself chose).
tb_register_domain() {
    [[ -n $TB_RUN ]] || { _tb_say "tb_register_domain before tb_require"; return 1; }
    grep -qxF -- "$1" "$TB_RUN/domains" 2>/dev/null || echo "$1" >>"$TB_RUN/domains"
}

# tb_define_guest LABEL [--disks N] [--format qcow2|raw] [--memory MIB] [--no-start]
# Defines (persistent) and starts a guest named vst-<test>-<label>-<pid>-<rand>;
# prints the name on stdout and sets TB_DOMAIN (unless run in $( )).
# Its files live in $TB_RUN/<name>/: vda.<fmt> (the counting data disk),
# vdb.<fmt>... (blank ext4, mounted at /mnt/vdX, counter written there too),
# console.log (serial console), domain.xml.
tb_define_guest() {
    local label=${1:?label} disks=1 fmt=qcow2 mem=256 start=1 name dir i t f xml
    shift
    while [[ $# -gt 0 ]]; do
        case $1 in
            --disks) disks=$2; shift 2 ;;
            --format) fmt=$2; shift 2 ;;
            --memory) mem=$2; shift 2 ;;
            --no-start) start=0; shift ;;
            *) _tb_say "tb_define_guest: unknown option '$1'"; return 2 ;;
        esac
    done
    [[ $disks =~ ^[1-9][0-9]?$ && $disks -le 20 ]] || { _tb_say "tb_define_guest: bad --disks '$disks'"; return 2; }
    [[ $fmt == qcow2 || $fmt == raw ]] || { _tb_say "tb_define_guest: bad --format '$fmt'"; return 2; }
    [[ -n $TB_RUN && -n $TB_GUEST_DIR ]] || { _tb_say "tb_define_guest before tb_require"; return 1; }
    label=${label//[^A-Za-z0-9_-]/_}
    name="vst-$TB_TEST-$label-$$-$(printf '%04x' $((RANDOM)))"
    dir=$TB_RUN/$name
    mkdir -p "$dir" && chmod 0755 "$dir" || return 1
    tb_register_domain "$name"

    local diskxml="" letters=abcdefghijklmnopqrst
    for ((i = 0; i < disks; i++)); do
        t=vd${letters:i:1}
        f=$dir/$t.$fmt
        if [[ $fmt == qcow2 ]]; then
            cp --sparse=always "$TB_GUEST_DIR/data.qcow2" "$f"
        else
            qemu-img convert -f qcow2 -O raw "$TB_GUEST_DIR/data.qcow2" "$f"
        fi || return 1
        diskxml+="
    <disk type='file' device='disk'>
      <driver name='qemu' type='$fmt'/>
      <source file='$f'/>
      <target dev='$t' bus='virtio'/>
    </disk>"
    done

    xml="<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>$mem</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$TB_GUEST_DIR/vmlinuz</kernel>
    <initrd>$TB_GUEST_DIR/initrd.img</initrd>
    <cmdline>console=ttyS0 panic=-1 loglevel=4 mitigations=off${VIRT_STATE_TESTBED_CMDLINE:+ $VIRT_STATE_TESTBED_CMDLINE}</cmdline>
  </os>
  <features><acpi/></features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>$diskxml
    <controller type='usb' model='none'/>
    <serial type='file'>
      <source path='$dir/console.log' append='on'/>
      <target port='0'/>
    </serial>
    <channel type='unix'>
      <target type='virtio' name='org.qemu.guest_agent.0'/>
    </channel>
    <memballoon model='none'/>
  </devices>
</domain>"
    echo "$xml" >"$dir/domain.xml"
    tb_virsh define "$dir/domain.xml" >/dev/null || { _tb_say "cannot define $name"; return 1; }
    if [[ $start == 1 ]]; then
        tb_virsh start "$name" >/dev/null || { _tb_say "cannot start $name"; return 1; }
    fi
    # shellcheck disable=SC2034 # for the caller
    TB_DOMAIN=$name
    echo "$name"
}

# tb_dir NAME: the domain's directory under $TB_RUN.
tb_dir() { echo "$TB_RUN/$1"; }
# tb_disk NAME [TARGET]: path of the disk file tb_define_guest made (vda).
tb_disk() {
    local f
    for f in "$TB_RUN/$1/${2:-vda}".qcow2 "$TB_RUN/$1/${2:-vda}".raw; do
        [[ -e $f ]] && { echo "$f"; return 0; }
    done
    return 1
}
# tb_console NAME: path of the serial console log.
tb_console() { echo "$TB_RUN/$1/console.log"; }

# tb_state NAME: the domain's state as virsh domstate prints it.
tb_state() { tb_virsh domstate "$1" 2>/dev/null; }

# tb_wait_state NAME STATE [TIMEOUT=60]: waits until domstate is STATE.
tb_wait_state() {
    local name=$1 want=$2 timeout=${3:-60} end=$((SECONDS + ${3:-60}))
    while [[ $(tb_state "$name") != "$want" ]]; do
        [[ $SECONDS -lt $end ]] || { _tb_say "$name not '$want' after ${timeout}s (is '$(tb_state "$name")')"; return 1; }
        sleep 0.5
    done
}

# ------------------------------------------------------------ agent ---
# tb_agent NAME JSON [TIMEOUT=10]: runs a guest agent command, prints the
# "return" member as compact JSON.
tb_agent() {
    local out
    out=$(tb_virsh qemu-agent-command --timeout "${3:-10}" "$1" "$2" 2>&1) || {
        _tb_say "agent command on $1 failed: $out"
        return 1
    }
    jq -ce '.return' <<<"$out"
}

# tb_wait_agent NAME [TIMEOUT=120]: waits until the agent answers guest-ping.
tb_wait_agent() {
    local name=$1 timeout=${2:-120} end=$((SECONDS + ${2:-120})) st
    while :; do
        tb_virsh qemu-agent-command --timeout 5 "$name" '{"execute":"guest-ping"}' \
            >/dev/null 2>&1 && return 0
        st=$(tb_state "$name")
        if [[ $st != running ]]; then
            _tb_say "$name is '$st', not running: its agent cannot answer"
            tail -n 20 "$(tb_console "$name")" >&2 2>/dev/null
            return 1
        fi
        if [[ $SECONDS -ge $end ]]; then
            _tb_say "guest agent of $name silent after ${timeout}s; console tail:"
            tail -n 20 "$(tb_console "$name")" >&2 2>/dev/null
            return 1
        fi
        sleep 1
    done
}

# tb_guest_cat NAME PATH: prints a (small, < 64 KiB) guest file through the
# agent. Fails while the guest's filesystems are frozen (the agent refuses
# file commands then).
tb_guest_cat() {
    local name=$1 path=$2 h r
    h=$(tb_agent "$name" "$(jq -cn --arg p "$path" '{execute:"guest-file-open",arguments:{path:$p,mode:"r"}}')") || return 1
    r=$(tb_agent "$name" "{\"execute\":\"guest-file-read\",\"arguments\":{\"handle\":$h,\"count\":65536}}")
    local st=$?
    tb_agent "$name" "{\"execute\":\"guest-file-close\",\"arguments\":{\"handle\":$h}}" >/dev/null
    [[ $st == 0 ]] || return 1
    jq -r '."buf-b64"' <<<"$r" | base64 -d
}

_tb_int() { # prints $1 trimmed if it is an integer
    local v=${1//[[:space:]]/}
    [[ $v =~ ^[0-9]+$ ]] || { _tb_say "not a counter value: '$1'"; return 1; }
    echo "$v"
}

# tb_counter NAME [--ram]: the guest's counter, from /data/counter (or its
# in-memory copy /run/counter with --ram), read through the agent.
tb_counter() {
    local path=/data/counter
    [[ ${2:-} == --ram ]] && path=/run/counter
    _tb_int "$(tb_guest_cat "$1" "$path")"
}

# tb_boot_id NAME: the running guest kernel's boot id (changes on every boot,
# survives save/restore).
tb_boot_id() {
    local v
    v=$(tb_guest_cat "$1" /proc/sys/kernel/random/boot_id) || return 1
    echo "${v//[[:space:]]/}"
}

# tb_wait_counter NAME MIN [TIMEOUT=60]: waits until the counter is >= MIN.
tb_wait_counter() {
    local end=$((SECONDS + ${3:-60})) v
    while :; do
        v=$(tb_counter "$1" 2>/dev/null) && [[ $v -ge $2 ]] && return 0
        [[ $SECONDS -lt $end ]] || { _tb_say "counter of $1 is '${v:-?}', not >= $2"; return 1; }
        sleep 1
    done
}

# tb_wait_counting NAME [TIMEOUT=90]: the guest's agent answers and its
# in-memory counter moves (it runs, thawed).
tb_wait_counting() {
    local a b t=${2:-90}
    local end=$((SECONDS + t))
    tb_wait_agent "$1" "$t" >/dev/null 2>&1 || return 1
    a=$(tb_counter "$1" --ram 2>/dev/null)
    while [[ $SECONDS -lt $end ]]; do
        sleep 1
        b=$(tb_counter "$1" --ram 2>/dev/null) && [[ -n $a && $b -gt $a ]] && return 0
        [[ -n $a ]] || a=$b
    done
    return 1
}

# tb_guest_exec NAME PATH ARG...: runs a program in the guest through the
# agent and waits (up to 2 minutes) for it to exit.
tb_guest_exec() {
    local d=$1 path=$2 pid i
    shift 2
    pid=$(tb_agent "$d" "$(jq -cn --arg p "$path" '$ARGS.positional as $a | {execute: "guest-exec", arguments: {path: $p, arg: $a}}' --args "$@")" 30 |
        jq -e .pid) || return 1
    for ((i = 0; i < 240; i++)); do
        [[ $(tb_agent "$d" "{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":$pid}}" | jq -r .exited) == true ]] &&
            return 0
        sleep 0.5
    done
    return 1
}

# tb_guest_sha256 NAME PATH: the SHA-256 of a guest file, computed in the guest.
tb_guest_sha256() {
    local pid i st
    pid=$(tb_agent "$1" "$(jq -cn --arg f "$2" '{execute: "guest-exec", arguments: {path: "/bin/busybox", arg: ["sha256sum", $f], "capture-output": true}}')" |
        jq -e .pid) || return 1
    for ((i = 0; i < 60; i++)); do
        st=$(tb_agent "$1" "{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":$pid}}")
        [[ $(jq -r .exited <<<"$st") == true ]] && { jq -r '."out-data"' <<<"$st" | base64 -d | cut -d' ' -f1; return 0; }
        sleep 0.5
    done
    return 1
}

# tb_shutdown NAME [TIMEOUT=60]: clean shutdown through the agent (the guest
# has no ACPI daemon), waits for "shut off".
tb_shutdown() {
    tb_virsh shutdown --mode agent "$1" >/dev/null || return 1
    tb_wait_state "$1" "shut off" "${2:-60}"
}

# ---------------------------------------------------- offline images ---
# tb_offline_cat IMAGE PATH: prints file PATH (relative to the data disk's
# root, e.g. /counter) from a disk image that no running QEMU writes: the
# image (and its backing chain) is converted to a temporary raw file, its
# journal replayed with e2fsck, and PATH read with debugfs.
tb_offline_cat() {
    local img=$1 path=$2 fmt tmp out
    fmt=$(qemu-img info --output=json "$img" | jq -r .format) || return 1
    tmp=$(mktemp "${TB_RUN:-/tmp}/offline.XXXXXX.raw") || return 1
    if ! qemu-img convert -f "$fmt" -O raw "$img" "$tmp"; then
        rm -f "$tmp"
        return 1
    fi
    e2fsck -fy "$tmp" >/dev/null 2>&1
    if [[ $? -ge 4 ]]; then
        _tb_say "e2fsck could not repair the filesystem in $img"
    fi
    out=$(debugfs -R "cat $path" "$tmp" 2>/dev/null)
    rm -f "$tmp"
    [[ -n $out ]] || { _tb_say "no $path in $img"; return 1; }
    echo "$out"
}

# tb_counter_offline IMAGE: the counter stored on a (shut-off) data disk.
tb_counter_offline() { _tb_int "$(tb_offline_cat "$1" /counter)"; }

# ---------------------------------------------------------- cleanup ---
# tb_cleanup: destroys and undefines every domain this test registered
# (never any other), then removes $TB_RUN. Runs from the EXIT trap.
tb_cleanup() {
    local name
    [[ -n $TB_RUN && -d $TB_RUN ]] || return 0
    while read -r name; do
        [[ -n $name ]] || continue
        tb_virsh dominfo "$name" >/dev/null 2>&1 || continue
        if tb_virsh domid "$name" 2>/dev/null | grep -q '[0-9]'; then
            tb_virsh destroy "$name" >/dev/null 2>&1
        fi
        tb_virsh undefine --managed-save --snapshots-metadata --checkpoints-metadata \
            --nvram "$name" >/dev/null 2>&1 ||
            tb_virsh undefine --managed-save --snapshots-metadata \
                --checkpoints-metadata "$name" >/dev/null 2>&1 ||
            tb_virsh undefine "$name" >/dev/null 2>&1
        if tb_virsh dominfo "$name" >/dev/null 2>&1; then
            _tb_say "could not remove domain $name"
        fi
    done <"$TB_RUN/domains"
    if [[ ${VIRT_STATE_TESTBED_KEEP:-} == 1 ]]; then
        _tb_say "kept $TB_RUN"
    else
        rm -rf "$TB_RUN"
    fi
}
