#!/bin/bash
# Benchmarks of virt-state's disk snapshots: the freeze window of a quiesced
# snapshot against virsh, and the throughput of a live commit against an
# offline qemu-img commit. Appends a dated section to bench/results.md and
# prints it. See bench/README.md (figures 3 and 4).
#
#   sudo bench/snapshot.sh                   # both figures, default rounds
#   sudo bench/snapshot.sh -f freeze -n 21   # figure 3 only, 21 rounds per tool
#   VIRT_STATE=/path/virt-state sudo -E bench/snapshot.sh -f commit
#
# Needs root and the real testbed (tests/testbed/): it defines, boots and
# finally removes its own guests (vst-snapshot-*). Figure 3 switches on
# libvirtd's debug log of the guest agent at run time (virt-admin) and puts
# the daemon's log filters and outputs back as they were on exit.

set -o pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$BENCH_DIR/.." && pwd)
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"

usage() {
    cat <<EOF
Usage: bench/snapshot.sh [OPTIONS]

Options:
  -f, --figures LIST     figures to run, comma-separated: freeze (or 3),
                         commit (or 4), all (default: all)
  -n, --rounds N         rounds per tool (default: 11 for freeze, 5 for commit)
  -m, --data-mib N       MiB the guest writes into each commit overlay (default: 256)
  -b, --binary PATH      the virt-state binary (default: \$VIRT_STATE, else ../_build/virt-state
                         relative to bench/)
  -o, --results FILE     results file to append to (default: bench/results.md)
      --no-record        print the results without appending them
  -h, --help             show this help and exit

Needs root and the testbed (tests/testbed/README.md). A missed goal is
reported as MISS and is not an error: the exit status is 0 when every
selected figure was measured, 1 when one could not be, 2 on a usage error.
EOF
}

figures=all
rounds=""
data_mib=256
binary=${VIRT_STATE:-$BENCH_DIR/../_build/virt-state}
results=$BENCH_DIR/results.md
record=1
cmdline="bench/snapshot.sh${*:+ $*}"

while [[ $# -gt 0 ]]; do
    case $1 in
        -f | --figures) figures=${2:?}; shift 2 ;;
        -n | --rounds) rounds=${2:?}; shift 2 ;;
        -m | --data-mib) data_mib=${2:?}; shift 2 ;;
        -b | --binary) binary=${2:?}; shift 2 ;;
        -o | --results) results=${2:?}; shift 2 ;;
        --no-record) record=0; shift ;;
        -h | --help) usage; exit 0 ;;
        *) echo "bench: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
done

run_freeze=0 run_commit=0
IFS=, read -ra _figs <<<"$figures"
for f in "${_figs[@]}"; do
    case $f in
        3 | freeze) run_freeze=1 ;;
        4 | commit) run_commit=1 ;;
        all) run_freeze=1 run_commit=1 ;;
        *) echo "bench: unknown figure '$f' (freeze, commit, all)" >&2; exit 2 ;;
    esac
done
if [[ -n $rounds ]]; then
    [[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "bench: --rounds wants a positive integer" >&2; exit 2; }
    freeze_rounds=$rounds commit_rounds=$rounds
else
    freeze_rounds=11 commit_rounds=5
fi
[[ $data_mib =~ ^[1-9][0-9]*$ && $data_mib -le 960 ]] || { echo "bench: --data-mib wants 1 to 960" >&2; exit 2; }
bench_binary
for c in virsh virt-admin qemu-img jq; do
    command -v "$c" >/dev/null || die "$c is missing"
done

# The testbed library: guests, agent, cleanup. Its EXIT trap runs our exit
# hooks (daemon log settings back), removes our domains and run directory;
# with no TAP plan set, it keeps our exit status. A missing testbed must
# fail a benchmark run, not skip it.
export VIRT_STATE_TESTBED_SKIP_STATUS=${VIRT_STATE_TESTBED_SKIP_STATUS:-1}
# shellcheck source=/dev/null
. "$TOP/tests/testbed/lib.sh"

# ------------------------------------------------------------ helpers ---
vs() { "$binary" -q -c "$TB_URI" --store "$TB_RUN/store" "$@"; }

# ---------------------------------------------- libvirtd's debug log ---
# Figures 3 and 4 read libvirtd's own debug messages, each with a ms
# timestamp (UTC) and the id of the thread that wrote it: of the guest agent
# (qemu_agent.c: "Send command '...' for write" when a command goes out,
# "Receive command reply ret=0" when its reply is in, both from the thread
# running the API call) and of the domain jobs (virdomainjob.c: "Started
# agent job ... name=DOMAIN" on that same thread, which ties each command
# to its domain: other guests may talk to their agents at the same time;
# "Starting job: API=remoteDispatchDomainBlockCommit ... name=DOMAIN"...).
ADMIN_URI=libvirtd:///system
DLOG=""              # our log file while it is switched on
saved_filters=""
saved_outputs=""
dlog_on=0
dlog_hooked=0

daemon_log_get() { # filters|outputs: the daemon's current value
    virt-admin -c "$ADMIN_URI" "daemon-log-$1" |
        sed -n "s/^ *Logging $1: *//p" | sed 's/[[:space:]]*$//'
}

daemon_log_restore() {
    ((dlog_on)) || return 0
    virt-admin -c "$ADMIN_URI" daemon-log-filters --filters "$saved_filters" >/dev/null ||
        say "could not restore libvirtd's log filters to '$saved_filters'"
    virt-admin -c "$ADMIN_URI" daemon-log-outputs --outputs "$saved_outputs" >/dev/null ||
        say "could not restore libvirtd's log outputs to '$saved_outputs'"
    dlog_on=0
}

# daemon_log_on NAME: our debug messages to $TB_RUN/NAME.log from now on
daemon_log_on() {
    saved_filters=$(daemon_log_get filters) || return 1
    saved_outputs=$(daemon_log_get outputs) || return 1
    [[ -n $saved_outputs ]] || { say "libvirtd reports no log outputs; not touching them"; return 1; }
    DLOG=$TB_RUN/$1.log
    : >"$DLOG" || return 1
    dlog_on=1
    ((dlog_hooked)) || tb_on_exit daemon_log_restore
    dlog_hooked=1
    # Ours first (the first matching filter wins), then the daemon's own;
    # its outputs stay, with their levels, next to our debug-level file.
    virt-admin -c "$ADMIN_URI" daemon-log-filters \
        --filters "1:qemu.qemu_agent 1:conf.virdomainjob${saved_filters:+ $saved_filters}" >/dev/null || return 1
    virt-admin -c "$ADMIN_URI" daemon-log-outputs --outputs "1:file:$DLOG $saved_outputs" >/dev/null || return 1
    say "libvirtd's agent and job debug messages go to $DLOG for now (filters were '$saved_filters', outputs '$saved_outputs')"
}

dlog_lines() { wc -l <"$DLOG"; }

# The awk functions both parsers share: epoch_ms() (from lib.sh), t (the
# line's time in ms since the epoch), tid (its thread), mine() (the line
# names domain dom).
# shellcheck disable=SC2016 # awk's own $ fields
DLOG_AWK=$BENCH_EPOCH_AWK'
    function mine() {
        return index($0, "name=" dom " ") || index($0, "name=" dom ")") || index($0, "name=" dom ",")
    }
    function v(x) { return x == "" ? "-" : sprintf("%.0f", x) }
    $4 != "debug" { next }
    { tid = $3; sub(/:$/, "", tid); t = epoch_ms($1, $2) }
'

# dlog_window DOMAIN FROM TO: from lines FROM..TO of the log, the times (ms
# since the epoch) of DOMAIN's guest-fsfreeze-freeze send and reply, start
# and end of its snapshot job, guest-fsfreeze-thaw send and reply, then the
# agent commands seen, comma-separated. Missing times are "-".
dlog_window() {
    sed -n "$2,$3p" "$DLOG" | awk -v dom="$1" "$DLOG_AWK"'
        /Started agent job: / { agent[tid] = mine() ? 1 : 0; next }
        /Stopping agent job: / { agent[tid] = 0; next }
        /Started async job: snapshot / { if (mine() && ss == "") ss = t; next }
        /Stopping async job: snapshot / { if (mine()) se = t; next }
        /Send command .* for write/ {
            if (!agent[tid]) next
            c = "?"
            if (match($0, /"execute" *: *"[^"]*"/)) {
                c = substr($0, RSTART, RLENGTH); sub(/^"execute" *: *"/, "", c); sub(/"$/, "", c)
            }
            last[tid] = c
            cmds = cmds (cmds == "" ? "" : ",") c
            if (c == "guest-fsfreeze-freeze" && fs == "") fs = t
            if (c == "guest-fsfreeze-thaw") ts = t
            next
        }
        /Receive command reply/ {
            if (!agent[tid]) next
            if (last[tid] == "guest-fsfreeze-freeze" && fr == "") fr = t
            if (last[tid] == "guest-fsfreeze-thaw") tr = t
            next
        }
        END { printf "%s %s %s %s %s %s %s\n", v(fs), v(fr), v(ss), v(se), v(ts), v(tr), (cmds == "" ? "-" : cmds) }'
}

# dlog_commit DOMAIN FROM TO: the times (ms since the epoch) at which
# libvirtd started DOMAIN's block commit job (virDomainBlockCommit), started
# processing a QEMU job event of the domain after it (the ready event),
# started and ended the pivot job (virDomainBlockJobAbort). Missing: "-".
dlog_commit() {
    sed -n "$2,$3p" "$DLOG" | awk -v dom="$1" "$DLOG_AWK"'
        /Starting job: API=remoteDispatchDomainBlockCommit / { if (mine() && bc == "") bc = t; next }
        /Starting job: API=qemu-event / { if (mine() && bc != "" && ps == "" && ev == "") ev = t; next }
        /Starting job: API=remoteDispatchDomainBlockJobAbort / { if (mine() && ps == "") { ps = t; ptid = tid }; next }
        /Stopping job: / { if (ps != "" && pe == "" && tid == ptid && mine()) pe = t; next }
        END { printf "%s %s %s %s\n", v(bc), v(ev), v(ps), v(pe) }'
}

# ----------------------------------------------------------- figure 3 ---
# The freeze window of a quiesced disk snapshot of two disks: virt-state
# 'disk-snapshot create --quiesce required' against virsh
# 'snapshot-create-as --disk-only --quiesce --no-metadata --atomic',
# alternating; after each snapshot 'virt-state commit' folds the overlays
# back so that every round starts from the same chain.
fig3() {
    local dom dir i tool n
    local -a vs_win=() vh_win=() vs_fz=() vh_fz=() vs_mid=() vh_mid=() vs_th=() vh_th=()
    local -a vs_pre=() vs_api=() vs_post=() vs_split=() vs_own=() vs_wall=() vh_wall=() vs_cmds=() vh_cmds=()
    say "figure 3: freeze window, $freeze_rounds rounds per tool; booting a guest with 2 disks"
    tb_define_guest freeze --disks 2 >/dev/null || die "cannot define and start the guest"
    dom=$TB_DOMAIN
    dir=$(tb_dir "$dom")
    tb_wait_agent "$dom" || die "the guest's agent does not answer"
    tb_wait_counter "$dom" 3 || die "the guest does not count"
    mkdir -p "$TB_RUN/store" || die "cannot create $TB_RUN/store"
    local base_vda base_vdb
    base_vda=$(tb_disk "$dom" vda) || die "no disk file vda for $dom"
    base_vdb=$(tb_disk "$dom" vdb) || die "no disk file vdb for $dom"
    daemon_log_on freeze-agent || die "cannot switch on libvirtd's debug log of the guest agent (virt-admin)"

    # one round of TOOL (vs|vh), label N: sets r_win r_fz r_mid r_th r_pre
    # r_api r_post r_own r_wall r_cmds
    round() {
        local tool=$1 n=$2 l0 l1 t0 t1 json w
        local -a f
        tb_wait_agent "$dom" 60 || return 1
        sleep 1 # the same start for both tools: agent idle, a counter tick
        l0=$(($(dlog_lines) + 1))
        if [[ $tool == vs ]]; then
            t0=$(now_ns)
            json=$(vs --json disk-snapshot create "$dom" "vs-$n" --quiesce required) ||
                { say "virt-state disk-snapshot create failed (round $n)"; return 1; }
            t1=$(now_ns)
            r_own=$(jq -r '.frozen_us // empty' <<<"$json")
            [[ $r_own =~ ^[0-9]+$ ]] || { say "no frozen_us in virt-state's output: $json"; return 1; }
            [[ $(jq -r .consistency <<<"$json") == quiesced ]] || { say "virt-state's snapshot is not quiesced: $json"; return 1; }
        else
            t0=$(now_ns)
            virsh -q -c "$TB_URI" snapshot-create-as "$dom" --name "vh-$n" --disk-only --quiesce \
                --no-metadata --atomic --diskspec "vda,file=$dir/vda.vh-$n.qcow2" \
                --diskspec "vdb,file=$dir/vdb.vh-$n.qcow2" >/dev/null ||
                { say "virsh snapshot-create-as failed (round $n)"; return 1; }
            t1=$(now_ns)
            r_own=""
        fi
        r_wall=$(((t1 - t0) / 1000))
        l1=$(dlog_lines)
        w=$(dlog_window "$dom" "$l0" "$l1")
        read -ra f <<<"$w"
        if [[ ${f[0]} == - || ${f[1]} == - || ${f[4]} == - || ${f[5]} == - ]]; then
            say "the daemon log has no complete freeze/thaw of $dom for the $tool round $n: '$w'"
            return 1
        fi
        r_win=$((f[5] - f[0])) r_fz=$((f[1] - f[0])) r_mid=$((f[4] - f[1])) r_th=$((f[5] - f[4]))
        r_pre="" r_api="" r_post=""
        if [[ $tool == vs && ${f[2]} != - && ${f[3]} != - ]]; then
            r_pre=$((f[2] - f[1])) r_api=$((f[3] - f[2])) r_post=$((f[4] - f[3]))
        fi
        r_cmds=${f[6]}
        # the guest is thawed, then both disks go back to their base files
        [[ $(tb_agent "$dom" '{"execute":"guest-fsfreeze-status"}') == '"thawed"' ]] ||
            { say "$dom is not thawed after the $tool round $n"; return 1; }
        vs commit "$dom" >/dev/null || { say "virt-state commit failed after the $tool round $n"; return 1; }
        rm -f "$dir/vda.vh-$n.qcow2" "$dir/vdb.vh-$n.qcow2"
        [[ $(tb_virsh domblklist "$dom" | awk '$1 == "vda" { print $2 }') == "$base_vda" &&
            $(tb_virsh domblklist "$dom" | awk '$1 == "vdb" { print $2 }') == "$base_vdb" ]] ||
            { say "$dom does not run on its base files after the commit"; return 1; }
    }

    say "warm-up round per tool"
    round vs w || die "virt-state warm-up round failed"
    round vh w || die "virsh warm-up round failed"
    for ((i = 1; i <= freeze_rounds; i++)); do
        for tool in vs vh; do
            round "$tool" "$i" || die "round $i of $tool failed"
            if [[ $tool == vs ]]; then
                vs_win+=("$r_win") vs_fz+=("$r_fz") vs_mid+=("$r_mid") vs_th+=("$r_th") vs_wall+=("$r_wall")
                vs_own+=("$(fmt "$r_own / 1000" 1)") vs_cmds+=("$r_cmds")
                if [[ -n $r_pre ]]; then
                    vs_pre+=("$r_pre") vs_api+=("$r_api") vs_post+=("$r_post") vs_split+=("$r_pre/$r_api/$r_post")
                else
                    vs_split+=("?")
                fi
                say "round $i virt-state: window $r_win ms (freeze $r_fz, between $r_mid, thaw $r_th), own figure $(fmt "$r_own / 1000") ms"
            else
                vh_win+=("$r_win") vh_fz+=("$r_fz") vh_mid+=("$r_mid") vh_th+=("$r_th") vh_wall+=("$r_wall") vh_cmds+=("$r_cmds")
                say "round $i virsh: window $r_win ms (freeze $r_fz, between $r_mid, thaw $r_th)"
            fi
        done
    done
    daemon_log_restore
    tb_virsh destroy "$dom" >/dev/null 2>&1 # no TCG guest left burning a CPU

    local -a s_vs s_vh s_own
    read -ra s_vs <<<"$(stats "${vs_win[@]}")"
    read -ra s_vh <<<"$(stats "${vh_win[@]}")"
    read -ra s_own <<<"$(stats "${vs_own[@]}")"
    local r v
    r=$(ratio "${s_vs[0]}" "${s_vh[0]}")
    v=$(verdict_le "$r" 1.0)
    med() { printf '%s\n' "$@" | median; }
    emit ""
    emit "### Figure 3: freeze window, \`virt-state disk-snapshot create --quiesce required\` vs \`virsh snapshot-create-as --disk-only --quiesce\`"
    emit ""
    emit "One guest (tests/testbed, 256 MiB, 1 vCPU, TCG, two 64 MiB qcow2 disks), its agent answering; $freeze_rounds rounds per tool after one warm-up round each, alternating virt-state, virsh, ...; each takes a quiesced external snapshot of both disks (virt-state \`-q --store <tmpdir> --json disk-snapshot create DOMAIN NAME --quiesce required\`; virsh \`snapshot-create-as DOMAIN --name NAME --disk-only --quiesce --no-metadata --atomic --diskspec vda,file=... --diskspec vdb,file=...\`), then \`virt-state commit DOMAIN\` folds the overlays back, outside the measurement. The window is read from libvirtd's debug log of the guest agent: from the send of \`guest-fsfreeze-freeze\` to the reply to \`guest-fsfreeze-thaw\`, in ms (the log's resolution is 1 ms)."
    emit ""
    emit "| tool | median window | mean | min | max | median freeze call | median between the calls | median thaw call | median command (wall clock) |"
    emit "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    emit "| virt-state | $(fmt "${s_vs[0]}") | $(fmt "${s_vs[1]}") | ${s_vs[2]} | ${s_vs[3]} | $(fmt "$(med "${vs_fz[@]}")") | $(fmt "$(med "${vs_mid[@]}")") | $(fmt "$(med "${vs_th[@]}")") | $(fmt "$(med "${vs_wall[@]}") / 1000") |"
    emit "| virsh | $(fmt "${s_vh[0]}") | $(fmt "${s_vh[1]}") | ${s_vh[2]} | ${s_vh[3]} | $(fmt "$(med "${vh_fz[@]}")") | $(fmt "$(med "${vh_mid[@]}")") | $(fmt "$(med "${vh_th[@]}")") | $(fmt "$(med "${vh_wall[@]}") / 1000") |"
    emit ""
    emit "**Ratio virt-state/virsh (medians of the freeze window): $r; goal <= 1.0: $v**"
    emit ""
    emit "virt-state's own figure (\`frozen_us\` of its JSON output: from the start of its \`virDomainFSFreeze\` call to the end of its \`virDomainFSThaw\` call, client side): median $(fmt "${s_own[0]}"), mean $(fmt "${s_own[1]}"), min ${s_own[2]}, max ${s_own[3]} ms."
    if [[ ${#vs_pre[@]} -gt 0 ]]; then
        emit ""
        emit "virt-state's time between the freeze reply and the thaw send (medians, ms): $(fmt "$(med "${vs_pre[@]}")") until libvirtd starts the snapshot job, $(fmt "$(med "${vs_api[@]}")") in the snapshot job (\`virDomainSnapshotCreateXML\`, REUSE_EXT), $(fmt "$(med "${vs_post[@]}")") from its end to the thaw being sent. virsh's time between the calls is all inside its one snapshot job (libvirtd creates the overlays, then the transaction, then thaws)."
    fi
    emit ""
    emit "Agent commands of the guest during one snapshot (from the log): virt-state \`${vs_cmds[0]}\`; virsh \`${vh_cmds[0]}\`."
    emit ""
    emit "Per round, freeze window in ms:"
    emit ""
    emit "- virt-state: ${vs_win[*]}"
    emit "- virsh: ${vh_win[*]}"
    emit "- virt-state's own frozen_us, in ms: ${vs_own[*]}"
    emit "- virt-state freeze call / between / thaw call: $(for ((i = 0; i < ${#vs_win[@]}; i++)); do printf '%s/%s/%s ' "${vs_fz[i]}" "${vs_mid[i]}" "${vs_th[i]}"; done)"
    emit "- virsh freeze call / between / thaw call: $(for ((i = 0; i < ${#vh_win[@]}; i++)); do printf '%s/%s/%s ' "${vh_fz[i]}" "${vh_mid[i]}" "${vh_th[i]}"; done)"
    emit "- virt-state between the calls, split: until the snapshot job / snapshot job / after it: ${vs_split[*]}"
}

# ----------------------------------------------------------- figure 4 ---
# Commit throughput: a running guest writes DATA MiB of random data into a
# fresh overlay of a blank 1 GiB disk; the overlay and its base are copied
# aside; then (alternating which goes first) 'virt-state commit DOMAIN
# --disk vdz' on the running domain and 'qemu-img commit' of the copies,
# each timed as a whole command. Throughput: data bytes in the overlay /
# seconds.
SERIAL=vstbench-vdz

# ga_exec DOMAIN PATH ARGS_JSON [TIMEOUT=600]: runs PATH in the guest
# through the agent, waits until it exits; prints its guest-exec-status.
ga_exec() {
    local dom=$1 path=$2 args=$3 timeout=${4:-600} pid st end
    end=$((SECONDS + timeout))
    pid=$(tb_agent "$dom" "$(jq -cn --arg p "$path" --argjson a "$args" \
        '{execute: "guest-exec", arguments: {path: $p, arg: $a, "capture-output": true}}')" | jq -e .pid) || return 1
    while :; do
        st=$(tb_agent "$dom" "{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":$pid}}") || return 1
        [[ $(jq -r .exited <<<"$st") == true ]] && break
        [[ $SECONDS -lt $end ]] || { say "guest command $path did not exit within ${timeout}s"; return 1; }
        sleep 0.5
    done
    echo "$st"
}
ga_out() { jq -r '."out-data" // "" | @base64d'; }
ga_err() { jq -r '."err-data" // "" | @base64d'; }

# drop_caches: write back, then drop the page cache when we may
drop_caches() {
    sync
    ((can_drop)) && echo 3 >/proc/sys/vm/drop_caches
    return 0
}
# fsync_ms FILE: how long an fsync of FILE takes right now, in ms: near 0
# when whoever wrote it had flushed it already
fsync_ms() {
    local t0 t1
    t0=$(now_ns)
    sync "$1"
    t1=$(now_ns)
    fmt "($t1 - $t0) / 1e6" 1
}

fig4() {
    local dom dir zbase gdev i n tool out st
    local -a vs_s=() qi_s=() vs_tp=() qi_tp=() bytes=() asize=() vs_fsync=() qi_fsync=() order=()
    local -a ph_start=() ph_copy=() ph_pivot=() ph_after=() ph_round=()
    say "figure 4: commit throughput, $commit_rounds rounds per tool, $data_mib MiB per overlay; booting a guest"
    tb_define_guest commit --no-start >/dev/null || die "cannot define the guest"
    dom=$TB_DOMAIN
    dir=$(tb_dir "$dom")
    zbase=$dir/vdz.qcow2
    qemu-img create -q -f qcow2 "$zbase" 1G || die "cannot create $zbase"
    tb_virsh dumpxml --inactive "$dom" >"$dir/inactive.xml" || die "cannot read the definition of $dom"
    local disk="<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$zbase'/><target dev='vdz' bus='virtio'/><serial>$SERIAL</serial></disk>"
    awk -v disk="$disk" '/<\/devices>/ && !done { print "    " disk; done = 1 } { print }' \
        "$dir/inactive.xml" >"$dir/with-vdz.xml" || die "cannot edit the definition"
    tb_virsh define "$dir/with-vdz.xml" >/dev/null || die "cannot redefine $dom with vdz"
    tb_virsh start "$dom" >/dev/null || die "cannot start $dom"
    tb_wait_agent "$dom" || die "the guest's agent does not answer"
    mkdir -p "$TB_RUN/store" "$TB_RUN/scratch" || die "cannot create directories in $TB_RUN"

    # The guest names its virtio disks in probe order (vda, vdb), not by
    # libvirt's targets: find vdz's device by its serial.
    # shellcheck disable=SC2016 # expanded by the guest's shell
    local find='for d in /sys/block/vd*; do [ "$(cat $d/serial 2>/dev/null)" = "$1" ] && echo /dev/${d##*/} $(cat $d/size); done'
    st=$(ga_exec "$dom" /bin/sh "$(jq -cn --arg s "$find" --arg z "$SERIAL" '["-c", $s, "sh", $z]')" 30) ||
        die "the guest cannot run commands through its agent (guest-exec)"
    out=$(ga_out <<<"$st")
    read -r gdev n <<<"$out"
    [[ -n $gdev && $n == 2097152 ]] || die "the guest does not see the 1 GiB disk with serial $SERIAL: '$out'"
    say "vdz is $gdev in the guest"

    can_drop=0
    if sync && (echo 3 >/proc/sys/vm/drop_caches) 2>/dev/null; then can_drop=1; fi
    ((can_drop)) || say "cannot drop the page cache: only sync before each timed command"
    daemon_log_on commit-jobs || die "cannot switch on libvirtd's debug log of the domain jobs (virt-admin)"

    # one round, label N, FIRST tool (vs|qi): sets r_vs r_qi r_bytes r_asize
    # r_vs_fsync r_qi_fsync, and r_start r_copy r_pivot r_after (ms; "" when
    # the daemon log lacks a step) from virt-state's command
    round() {
        local n=$1 first=$2 second ov copy_ov copy_base t0 t1 st tool l0 w
        local -a f
        ov=$dir/vdz.c-$n.qcow2
        vs disk-snapshot create "$dom" "c-$n" --disk vdz --quiesce off >/dev/null ||
            { say "virt-state disk-snapshot create of vdz failed (round $n)"; return 1; }
        [[ -f $ov ]] || { say "no overlay $ov after the snapshot"; return 1; }
        st=$(ga_exec "$dom" /bin/dd "$(jq -cn --arg o "of=$gdev" --arg c "count=$data_mib" \
            '["if=/dev/urandom", $o, "bs=1M", $c, "conv=fsync"]')") || return 1
        if [[ $(jq -r .exitcode <<<"$st") != 0 ]] || ! ga_err <<<"$st" | grep -q "^$data_mib+0 records out"; then
            say "dd in the guest failed: $(ga_err <<<"$st")"
            return 1
        fi
        # The guest is idle on vdz now (dd synced): copy the pair aside.
        copy_ov=$TB_RUN/scratch/vdz.c-$n.qcow2
        copy_base=$TB_RUN/scratch/vdz.qcow2
        if ! cp --sparse=always "$ov" "$copy_ov" || ! cp --sparse=always "$zbase" "$copy_base" ||
            ! qemu-img rebase -q -u -f qcow2 -b "$copy_base" -F qcow2 "$copy_ov"; then
            say "cannot copy $ov and its base"
            return 1
        fi
        r_bytes=$(qemu-img map --output=json -f qcow2 "$copy_ov" |
            jq '[.[] | select(.depth == 0 and .data) | .length] | add // 0') || return 1
        r_asize=$(qemu-img info --output=json -f qcow2 "$copy_ov" | jq '."actual-size"') || return 1
        [[ $r_bytes -ge $((data_mib * 1048576)) ]] ||
            { say "the overlay holds $r_bytes bytes of data, less than the $data_mib MiB written"; return 1; }
        second=qi
        [[ $first == qi ]] && second=vs
        for tool in "$first" "$second"; do
            drop_caches
            if [[ $tool == vs ]]; then
                l0=$(($(dlog_lines) + 1))
                t0=$(now_ns)
                vs commit "$dom" --disk vdz >/dev/null || { say "virt-state commit failed (round $n)"; return 1; }
                t1=$(now_ns)
                r_vs=$((t1 - t0)) r_vs_fsync=$(fsync_ms "$zbase")
                w=$(dlog_commit "$dom" "$l0" "$(dlog_lines)")
                read -ra f <<<"$w"
                r_start="" r_copy="" r_pivot="" r_after=""
                if [[ ${f[0]} != - && ${f[1]} != - && ${f[3]} != - ]]; then
                    r_start=$(fmt "${f[0]} - $t0 / 1e6" 0)
                    r_copy=$((f[1] - f[0])) r_pivot=$((f[3] - f[1]))
                    r_after=$(fmt "$t1 / 1e6 - ${f[3]}" 0)
                else
                    say "the daemon log lacks a step of the commit (round $n): '$w'"
                fi
            else
                t0=$(now_ns)
                qemu-img commit -q "$copy_ov" || { say "qemu-img commit failed (round $n)"; return 1; }
                t1=$(now_ns)
                r_qi=$((t1 - t0)) r_qi_fsync=$(fsync_ms "$copy_base")
            fi
        done
        # the same work done: the domain is back on its base, which now
        # holds what the committed copy holds
        [[ $(tb_virsh domblklist "$dom" | awk '$1 == "vdz" { print $2 }') == "$zbase" ]] ||
            { say "vdz of $dom does not run on $zbase after the commit"; return 1; }
        [[ ! -e $ov ]] || { say "virt-state left the overlay $ov"; return 1; }
        qemu-img compare -q -U -f qcow2 -F qcow2 "$zbase" "$copy_base" ||
            { say "the committed base differs from the qemu-img-committed copy (round $n)"; return 1; }
        rm -f "$copy_ov" "$copy_base"
    }

    say "warm-up round (first allocation of the base's clusters; not counted)"
    round w vs || die "the warm-up round failed"
    for ((i = 1; i <= commit_rounds; i++)); do
        local first=vs
        ((i % 2 == 0)) && first=qi
        round "$i" "$first" || die "round $i failed"
        vs_s+=("$(fmt "$r_vs / 1e9" 3)") qi_s+=("$(fmt "$r_qi / 1e9" 3)")
        vs_tp+=("$(fmt "$r_bytes / 1048576 / ($r_vs / 1e9)" 1)") qi_tp+=("$(fmt "$r_bytes / 1048576 / ($r_qi / 1e9)" 1)")
        bytes+=("$r_bytes") asize+=("$r_asize") vs_fsync+=("$r_vs_fsync") qi_fsync+=("$r_qi_fsync") order+=("$first")
        if [[ -n $r_start ]]; then
            ph_start+=("$r_start") ph_copy+=("$r_copy") ph_pivot+=("$r_pivot") ph_after+=("$r_after")
            ph_round+=("$r_start/$r_copy/$r_pivot/$r_after")
        else
            ph_round+=("?")
        fi
        say "round $i ($first first): $(mib "$r_bytes"); virt-state $(fmt "$r_vs / 1e9" 3) s, qemu-img $(fmt "$r_qi / 1e9" 3) s"
    done
    daemon_log_restore
    tb_virsh destroy "$dom" >/dev/null 2>&1

    local -a s_vs s_qi s_vst s_qit
    read -ra s_vs <<<"$(stats "${vs_tp[@]}")"
    read -ra s_qi <<<"$(stats "${qi_tp[@]}")"
    read -ra s_vst <<<"$(stats "${vs_s[@]}")"
    read -ra s_qit <<<"$(stats "${qi_s[@]}")"
    local r v cache
    r=$(ratio "${s_vs[0]}" "${s_qi[0]}")
    v=$(verdict_ge "$r" 0.9)
    if ((can_drop)); then
        cache="\`sync; echo 3 > /proc/sys/vm/drop_caches\` before each timed command (both tools read their overlay from disk, not from the page cache)"
    else
        cache="\`sync\` before each timed command (the page cache could not be dropped)"
    fi
    emit ""
    emit "### Figure 4: commit throughput, \`virt-state commit\` (running domain) vs \`qemu-img commit\` (offline)"
    emit ""
    emit "One guest (tests/testbed, 256 MiB, 1 vCPU, TCG) with a blank 1 GiB qcow2 disk vdz; $commit_rounds rounds after one warm-up round, alternating which tool goes first. A round: \`virt-state disk-snapshot create DOMAIN c-N --disk vdz --quiesce off\` makes a fresh overlay; the guest writes $data_mib MiB of random data into it (\`dd if=/dev/urandom bs=1M count=$data_mib conv=fsync\` through guest-exec); overlay and base are copied aside (\`cp --sparse=always\`, \`qemu-img rebase -u\` onto the copied base); then, each timed as a whole command (wall clock), \`virt-state -q --store <tmpdir> commit DOMAIN --disk vdz\` (active block commit, ready event, pivot, overlay removed) and \`qemu-img commit -q <overlay copy>\` (default cache mode, the overlay emptied afterwards); page cache: $cache. Afterwards the domain must run on its base and \`qemu-img compare\` must find the two bases identical. Throughput = the overlay's data bytes (\`qemu-img map\`, depth 0, data: the guest data the commit copies) / seconds, in MiB/s."
    emit ""
    emit "| tool | median MiB/s | mean MiB/s | min MiB/s | max MiB/s | median s | min s | max s |"
    emit "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    emit "| virt-state commit | $(fmt "${s_vs[0]}") | $(fmt "${s_vs[1]}") | ${s_vs[2]} | ${s_vs[3]} | $(fmt "${s_vst[0]}" 3) | ${s_vst[2]} | ${s_vst[3]} |"
    emit "| qemu-img commit | $(fmt "${s_qi[0]}") | $(fmt "${s_qi[1]}") | ${s_qi[2]} | ${s_qi[3]} | $(fmt "${s_qit[0]}" 3) | ${s_qit[2]} | ${s_qit[3]} |"
    emit ""
    emit "**Ratio virt-state/qemu-img (medians of the throughput): $r; goal >= 0.9: $v**"
    emit ""
    if [[ ${#ph_copy[@]} -gt 0 ]]; then
        local m_copy
        m_copy=$(printf '%s\n' "${ph_copy[@]}" | median)
        emit "Where \`virt-state commit\` spends its time (medians, ms, from libvirtd's debug log of the domain jobs and the command's own start and end): $(fmt "$(printf '%s\n' "${ph_start[@]}" | median)" 0) from the start of the command until libvirtd starts the block commit job (process start, connection, lookups, journal), $(fmt "$m_copy" 0) from then until libvirtd handles the job's ready event (QEMU's copy and its flush: $(fmt "$(printf '%s\n' "${bytes[@]}" | median) / 1048576 / ($m_copy / 1000)") MiB/s for the copy alone), $(fmt "$(printf '%s\n' "${ph_pivot[@]}" | median)" 0) from then to the end of the pivot job, $(fmt "$(printf '%s\n' "${ph_after[@]}" | median)" 0) from the end of the pivot to the end of the command (overlay file removed, journal, snapshot records, exit)."
        emit ""
    fi
    emit "Per round (first tool: ${order[*]}):"
    emit ""
    emit "- data bytes in the overlay: ${bytes[*]} (its file's actual-size: ${asize[*]})"
    emit "- virt-state, s: ${vs_s[*]}; MiB/s: ${vs_tp[*]}"
    emit "- qemu-img, s: ${qi_s[*]}; MiB/s: ${qi_tp[*]}"
    emit "- virt-state, ms until the commit job / copy until ready / pivot / after the pivot: ${ph_round[*]}"
    emit "- fsync of the base right after the command, ms (not counted; long when a tool left the committed data unflushed): virt-state ${vs_fsync[*]}; qemu-img ${qi_fsync[*]}"
}

# --------------------------------------------------------------- main ---
[[ $(id -u) == 0 ]] || die "must run as root (system libvirtd, virt-admin, page cache)"
tb_require # root, libvirtd, guest image; fails the run when missing
daemon=$(virsh -c "$TB_URI" version --daemon 2>/dev/null | sed -n 's/.*Running against daemon: *//p' | tail -n 1)
daemon=${daemon:+, daemon $daemon}

bench_begin
((run_freeze)) && fig3
((run_commit)) && fig4

bench_record
exit 0
