#!/bin/bash
# Benchmarks of virt-state's push backups: the throughput of a full backup
# against qemu-img convert, the size of an incremental against the bytes
# the guest dirtied, and 'backup verify' against openssl dgst (time and
# peak memory). Appends a dated section to bench/results.md and prints it.
# See bench/README.md (figures 7, 8 and 9).
#
#   sudo bench/backup.sh                     # all three figures
#   sudo bench/backup.sh -f full -n 9        # figure 7 only, 9 rounds per tool
#   VIRT_STATE=/path/virt-state sudo -E bench/backup.sh -f verify
#
# Needs root and the real testbed (tests/testbed/): it defines, boots and
# finally removes its own guest (vst-backup-*), and drops the host's page
# cache before timed commands.

set -o pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$BENCH_DIR/.." && pwd)
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"

usage() {
    cat <<EOF
Usage: bench/backup.sh [OPTIONS]

Options:
  -f, --figures LIST     figures to run, comma-separated: full (or 7),
                         incremental (or 8), verify (or 9), all (default: all)
  -n, --rounds N         rounds per tool (default: 5 for full, 3 for incremental, 9 for verify)
  -m, --data-mib N       MiB of data on the large disk vdz (default: 1024)
  -s, --small-mib N      MiB of data on the small disk vdy (default: 256)
  -d, --dirty-mib N      MiB the guest dirties before each incremental (default: 32)
  -b, --binary PATH      the virt-state binary (default: \$VIRT_STATE, else ../_build/virt-state
                         relative to bench/)
  -o, --results FILE     results file to append to (default: bench/results.md)
      --no-record        print the results without appending them
  -h, --help             show this help and exit

Needs root and the testbed (tests/testbed/README.md). Figure 8 needs the
last full backup of figure 7 and runs it (one round) when figure 7 is not
selected. A missed goal is reported as MISS and is not an error: the exit
status is 0 when every selected figure was measured, 1 when one could not
be, 2 on a usage error.
EOF
}

figures=all
rounds=""
data_mib=1024
small_mib=256
dirty_mib=32
binary=${VIRT_STATE:-$BENCH_DIR/../_build/virt-state}
results=$BENCH_DIR/results.md
record=1
cmdline="bench/backup.sh${*:+ $*}"

while [[ $# -gt 0 ]]; do
    case $1 in
        -f | --figures) figures=${2:?}; shift 2 ;;
        -n | --rounds) rounds=${2:?}; shift 2 ;;
        -m | --data-mib) data_mib=${2:?}; shift 2 ;;
        -s | --small-mib) small_mib=${2:?}; shift 2 ;;
        -d | --dirty-mib) dirty_mib=${2:?}; shift 2 ;;
        -b | --binary) binary=${2:?}; shift 2 ;;
        -o | --results) results=${2:?}; shift 2 ;;
        --no-record) record=0; shift ;;
        -h | --help) usage; exit 0 ;;
        *) echo "bench: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
done

run_full=0 run_incr=0 run_verify=0
IFS=, read -ra _figs <<<"$figures"
for f in "${_figs[@]}"; do
    case $f in
        7 | full) run_full=1 ;;
        8 | incremental) run_incr=1 ;;
        9 | verify) run_verify=1 ;;
        all) run_full=1 run_incr=1 run_verify=1 ;;
        *) echo "bench: unknown figure '$f' (full, incremental, verify, all)" >&2; exit 2 ;;
    esac
done
if [[ -n $rounds ]]; then
    [[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "bench: --rounds wants a positive integer" >&2; exit 2; }
    full_rounds=$rounds incr_rounds=$rounds verify_rounds=$rounds
else
    full_rounds=5 incr_rounds=3 verify_rounds=9
fi
[[ $data_mib =~ ^[1-9][0-9]*$ && $data_mib -ge 64 && $data_mib -le 8192 ]] ||
    { echo "bench: --data-mib wants 64 to 8192" >&2; exit 2; }
[[ $small_mib =~ ^[1-9][0-9]*$ && $small_mib -ge 16 && $small_mib -le 8192 ]] ||
    { echo "bench: --small-mib wants 16 to 8192" >&2; exit 2; }
[[ $dirty_mib =~ ^[1-9][0-9]*$ && $((dirty_mib * 4)) -le $data_mib ]] ||
    { echo "bench: --dirty-mib wants 1 to a quarter of --data-mib" >&2; exit 2; }
bench_binary
for c in virsh qemu-img jq openssl; do
    command -v "$c" >/dev/null || die "$c is missing"
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is missing"

# The testbed library: guests, agent, cleanup. Its EXIT trap removes our
# domain and run directory; with no TAP plan set, it keeps our exit status.
# A missing testbed must fail a benchmark run, not skip it.
export VIRT_STATE_TESTBED_SKIP_STATUS=${VIRT_STATE_TESTBED_SKIP_STATUS:-1}
# shellcheck source=/dev/null
. "$TOP/tests/testbed/lib.sh"

# ------------------------------------------------------------ helpers ---
vs() { "$binary" -q -c "$TB_URI" --store "$TB_RUN/store" "$@"; }
GRAN=65536 # libvirt's default dirty bitmap granularity for these disks

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
# data_bytes IMAGE: bytes of data the image itself holds (qemu-img map:
# extents of depth 0 with data), not counting its backing chain
data_bytes() {
    qemu-img map --output=json -U -f qcow2 "$1" | jq '[.[] | select(.depth == 0 and .data) | .length] | add // 0'
}
bk_json() { vs --json backup show "$dom" "$1"; }
# bk_images ID: the backup's image paths, one a line
bk_images() {
    bk_json "$1" | jq -r --arg s "$TB_RUN/store/$dom/backups" '.chain as $c | .disks[] | "\($s)/\($c)/\(.image)"'
}
secs() { fmt "$1 / 1e9" 3; }
# fsync_ms FILE: how long an fsync of FILE takes right now, in ms: near 0
# when whoever wrote it had flushed it already
fsync_ms() {
    local t0 t1
    t0=$(now_ns)
    sync "$1"
    t1=$(now_ns)
    fmt "($t1 - $t0) / 1e6" 1
}
# job_ms DOMAIN: "Time elapsed" of the domain's last completed job (libvirt), in ms
job_ms() {
    tb_virsh domjobinfo "$1" --completed 2>/dev/null | awk -F': *' '$1 == "Time elapsed" { print $2 + 0; exit }'
}

# random_qcow2 FILE MIB SEED: a qcow2 image of MIB MiB, every byte written
# with incompressible data (AES-CTR keystream of SEED: fast and repeatable)
random_qcow2() {
    local raw=$1.raw
    # (openssl dies of SIGPIPE when head has enough: the size is the check)
    { openssl enc -aes-128-ctr -nosalt -pbkdf2 -pass "pass:$3" </dev/zero 2>/dev/null || :; } |
        head -c $(($2 * 1048576)) >"$raw"
    [[ $(stat -c %s "$raw") == $(($2 * 1048576)) ]] || return 1
    qemu-img convert -q -f raw -O qcow2 "$raw" "$1" || return 1
    rm -f "$raw"
}

# ------------------------------------------------------------- guest ---
# One guest: the testbed's disk vda (its counter), vdy with --small-mib MiB
# and vdz with --data-mib MiB of random data, both prepared offline before
# the domain starts; the guest never mounts them.
setup_guest() {
    local out st disk t
    say "preparing ${small_mib} + ${data_mib} MiB of random data offline, booting a guest"
    tb_define_guest backup --no-start >/dev/null || die "cannot define the guest"
    dom=$TB_DOMAIN
    dir=$(tb_dir "$dom")
    random_qcow2 "$dir/vdy.qcow2" "$small_mib" vdy || die "cannot prepare $dir/vdy.qcow2"
    random_qcow2 "$dir/vdz.qcow2" "$data_mib" vdz || die "cannot prepare $dir/vdz.qcow2"
    mkdir -p "$TB_RUN/store" "$TB_RUN/scratch" || die "cannot create directories in $TB_RUN"
    # qemu-img convert's source: a copy of vdz as it is before the guest starts
    cp --sparse=always "$dir/vdz.qcow2" "$TB_RUN/scratch/vdz-src.qcow2" || die "cannot copy vdz"
    src_bytes=$(data_bytes "$TB_RUN/scratch/vdz-src.qcow2") || die "cannot map vdz"
    tb_virsh dumpxml --inactive "$dom" >"$dir/inactive.xml" || die "cannot read the definition of $dom"
    disk=""
    for t in vdy vdz; do
        disk+="<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$dir/$t.qcow2'/><target dev='$t' bus='virtio'/><serial>vstbench-$t</serial></disk>"
    done
    awk -v disk="$disk" '/<\/devices>/ && !done { print "    " disk; done = 1 } { print }' \
        "$dir/inactive.xml" >"$dir/with-disks.xml" || die "cannot edit the definition"
    tb_virsh define "$dir/with-disks.xml" >/dev/null || die "cannot redefine $dom with vdy and vdz"
    tb_virsh start "$dom" >/dev/null || die "cannot start $dom"
    tb_wait_agent "$dom" || die "the guest's agent does not answer"
    # The guest names its virtio disks in probe order, not by libvirt's
    # targets: find vdz's device by its serial.
    # shellcheck disable=SC2016 # expanded by the guest's shell
    local find='for d in /sys/block/vd*; do [ "$(cat $d/serial 2>/dev/null)" = "$1" ] && echo /dev/${d##*/} $(cat $d/size); done'
    st=$(ga_exec "$dom" /bin/sh "$(jq -cn --arg s "$find" --arg z vstbench-vdz '["-c", $s, "sh", $z]')" 30) ||
        die "the guest cannot run commands through its agent (guest-exec)"
    out=$(ga_out <<<"$st")
    read -r gdev gsectors <<<"$out"
    [[ -n $gdev && $gsectors == $((data_mib * 2048)) ]] ||
        die "the guest does not see the $data_mib MiB disk with serial vstbench-vdz: '$out'"
    say "vdz is $gdev in the guest"
    can_drop=0
    if sync && (echo 3 >/proc/sys/vm/drop_caches) 2>/dev/null; then can_drop=1; fi
    ((can_drop)) || say "cannot drop the page cache: only sync before each timed command"
}

cache_note() {
    if ((can_drop)); then
        echo "\`sync; echo 3 > /proc/sys/vm/drop_caches\` before each timed command"
    else
        echo "\`sync\` before each timed command (the page cache could not be dropped)"
    fi
}

# ----------------------------------------------------------- figure 7 ---
# Full backup throughput: 'virt-state backup create DOMAIN --full --disk
# vdz' of the running guest against 'qemu-img convert -O qcow2' of a copy of
# the same image, alternating which goes first, page cache dropped before
# each; both timed as whole commands.
last_full=""
fig7() {
    local i first tool t0 t1 id out img
    local -a vs_s=() qi_s=() vs_tp=() qi_tp=() vs_bytes=() qi_bytes=() order=() vs_job=() vs_fsync=() qi_fsync=() vs_hash=() qi_dur=() qi_dtp=()
    say "figure 7: full backup throughput, $full_rounds rounds per tool, $data_mib MiB"
    # one round of TOOL, label N: sets r_ns r_bytes
    round7() {
        local tool=$1 n=$2
        drop_caches
        if [[ $tool == vs ]]; then
            t0=$(now_ns)
            id=$(vs backup create "$dom" --full --disk vdz --quiesce off) ||
                { say "virt-state backup create --full failed (round $n)"; return 1; }
            t1=$(now_ns)
            r_job=$(job_ms "$dom")
            img=$(bk_images "$id")
            [[ -f $img ]] || { say "no image for backup '$id'"; return 1; }
            last_full=$id
            # what hashing the image costs right after the job, page cache
            # warm as the recording finds it (not counted)
            local h0
            h0=$(now_ns)
            openssl dgst -sha256 "$img" >/dev/null || return 1
            r_hash=$((($(now_ns) - h0) / 1000000))
        else
            img=$TB_RUN/scratch/convert-$n.qcow2
            t0=$(now_ns)
            qemu-img convert -q -f qcow2 -O qcow2 "$TB_RUN/scratch/vdz-src.qcow2" "$img" ||
                { say "qemu-img convert failed (round $n)"; return 1; }
            t1=$(now_ns)
            r_job="" r_hash=""
        fi
        r_ns=$((t1 - t0))
        r_fsync=$(fsync_ms "$img")
        r_durable=$((r_ns + $(fmt "$r_fsync * 1e6" 0)))
        r_bytes=$(data_bytes "$img") || return 1
        # the same content: what each wrote equals the source
        qemu-img compare -q -U -f qcow2 -F qcow2 "$TB_RUN/scratch/vdz-src.qcow2" "$img" ||
            { say "$tool's image differs from vdz (round $n)"; return 1; }
        [[ $tool == qi ]] && rm -f "$img"
        return 0
    }
    say "warm-up round per tool (not counted)"
    round7 vs w || die "the virt-state warm-up round failed"
    round7 qi w || die "the qemu-img warm-up round failed"
    for ((i = 1; i <= full_rounds; i++)); do
        first=vs
        ((i % 2 == 0)) && first=qi
        order+=("$first")
        for tool in "$first" $([[ $first == vs ]] && echo qi || echo vs); do
            round7 "$tool" "$i" || die "round $i of $tool failed"
            if [[ $tool == vs ]]; then
                vs_s+=("$(secs "$r_ns")") vs_tp+=("$(fmt "$src_bytes / 1048576 / ($r_ns / 1e9)")") vs_bytes+=("$r_bytes")
                vs_job+=("${r_job:-?}") vs_fsync+=("$r_fsync") vs_hash+=("$r_hash")
            else
                qi_s+=("$(secs "$r_ns")") qi_tp+=("$(fmt "$src_bytes / 1048576 / ($r_ns / 1e9)")") qi_bytes+=("$r_bytes") qi_fsync+=("$r_fsync")
                qi_dur+=("$(secs "$r_durable")") qi_dtp+=("$(fmt "$src_bytes / 1048576 / ($r_durable / 1e9)")")
            fi
            say "round $i $tool: $(secs "$r_ns") s, $(fmt "$src_bytes / 1048576 / ($r_ns / 1e9)") MiB/s"
        done
    done
    local -a s_vs s_qi s_vst s_qit
    read -ra s_vs <<<"$(stats "${vs_tp[@]}")"
    read -ra s_qi <<<"$(stats "${qi_tp[@]}")"
    read -ra s_vst <<<"$(stats "${vs_s[@]}")"
    read -ra s_qit <<<"$(stats "${qi_s[@]}")"
    local r v rd m_qid
    r=$(ratio "${s_vs[0]}" "${s_qi[0]}")
    v=$(verdict_ge "$r" 0.9)
    m_qid=$(printf '%s\n' "${qi_dtp[@]}" | median)
    rd=$(ratio "${s_vs[0]}" "$m_qid")
    emit ""
    emit "### Figure 7: full backup throughput, \`virt-state backup create --full\` (running domain) vs \`qemu-img convert -O qcow2\` (offline)"
    emit ""
    emit "One guest (tests/testbed, 256 MiB, 1 vCPU, TCG) with a $data_mib MiB qcow2 disk vdz filled offline, before the domain starts, with incompressible data (AES-CTR keystream, every cluster allocated: $(mib "$src_bytes") of data); the guest never touches vdz. $full_rounds rounds after one warm-up round per tool, alternating which tool goes first; each timed as a whole command (wall clock): \`virt-state -q --store <tmpdir> backup create DOMAIN --full --disk vdz --quiesce off\` (push backup job into a new qcow2 image in the store, then the image fsynced and hashed for the manifest, checkpoint, journal) and \`qemu-img convert -q -f qcow2 -O qcow2 <copy of vdz> <tmpfile>\` (the copy was taken before the domain started); page cache: $(cache_note). Each image is checked afterwards with \`qemu-img compare\` against the source. Throughput = the source's data bytes / seconds, in MiB/s."
    emit ""
    emit "| tool | median MiB/s | mean MiB/s | min MiB/s | max MiB/s | median s | min s | max s |"
    emit "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    emit "| virt-state backup create --full | $(fmt "${s_vs[0]}") | $(fmt "${s_vs[1]}") | ${s_vs[2]} | ${s_vs[3]} | $(fmt "${s_vst[0]}" 3) | ${s_vst[2]} | ${s_vst[3]} |"
    emit "| qemu-img convert | $(fmt "${s_qi[0]}") | $(fmt "${s_qi[1]}") | ${s_qi[2]} | ${s_qi[3]} | $(fmt "${s_qit[0]}" 3) | ${s_qit[2]} | ${s_qit[3]} |"
    emit ""
    emit "**Ratio virt-state/qemu-img (medians of the throughput): $r; goal >= 0.9: $v**"
    emit ""
    emit "\`qemu-img convert\` returns before its image is on disk (its default cache mode for the target does not flush: an fsync of the image right after it takes the time listed below), while \`backup create\` returns with the image flushed and fsynced. Counting the fsync that makes qemu-img's copy durable as well: median $(fmt "$m_qid") MiB/s, ratio virt-state/(qemu-img convert + fsync) $rd ($(verdict_ge "$rd" 0.9) against the same goal)."
    emit ""
    local m_job m_vs_ms
    m_job=$(printf '%s\n' "${vs_job[@]}" | grep -v '?' | median)
    m_vs_ms=$(fmt "${s_vst[0]} * 1000" 0)
    emit "Where \`backup create\` spends its time (medians): the backup job itself (libvirt's \`domjobinfo --completed\` \"Time elapsed\": QEMU's copy into the image) $(fmt "$m_job" 0) ms ($(fmt "$src_bytes / 1048576 / ($m_job / 1000)") MiB/s for the copy alone), the rest of the command's $m_vs_ms ms ($(fmt "$m_vs_ms - $m_job" 0) ms) is start-up, journal, the image created with qemu-img, the job's start and end, and the recording: waiting until QEMU closed the image, its fsync, \`qemu-img map\` and the SHA-256 of the whole image for the manifest (\`openssl dgst -sha256\` of the fresh image right after the command, page cache warm as the recording finds it, takes $(fmt "$(printf '%s\n' "${vs_hash[@]}" | median)" 0) ms)."
    emit ""
    emit "Per round (first tool: ${order[*]}):"
    emit ""
    emit "- virt-state, s: ${vs_s[*]}; MiB/s: ${vs_tp[*]}; backup job (domjobinfo), ms: ${vs_job[*]}"
    emit "- qemu-img, s: ${qi_s[*]}; MiB/s: ${qi_tp[*]}; with the fsync, s: ${qi_dur[*]}; MiB/s: ${qi_dtp[*]}"
    emit "- openssl dgst of virt-state's fresh image (warm), ms: ${vs_hash[*]}"
    emit "- data bytes in the images (\`qemu-img map\`): virt-state ${vs_bytes[*]}; qemu-img ${qi_bytes[*]}"
    emit "- fsync of the image right after the command, ms (not counted; long when a tool left what it wrote unflushed): virt-state ${vs_fsync[*]}; qemu-img ${qi_fsync[*]}"
}

# ----------------------------------------------------------- figure 8 ---
# Incremental size: after a full backup of vdz, the guest writes
# --dirty-mib MiB of random data in 64 KiB blocks at scattered offsets
# aligned to the bitmap granularity (one block every STRIDE), syncs; then
# 'backup create --incremental --disk vdz'. What the incremental image holds
# against what was dirtied.
fig8() {
    local i blocks stride shift_ script st id img bytes manifest t0 t1
    local -a r8=() b8=() w8=() s8=()
    if [[ -z $last_full ]]; then
        say "figure 8: a full backup of vdz first"
        last_full=$(vs backup create "$dom" --full --disk vdz --quiesce off) || die "the full backup failed"
    fi
    blocks=$((dirty_mib * 1048576 / GRAN))
    stride=$((data_mib * 1048576 / GRAN / blocks)) # in blocks of 64 KiB
    say "figure 8: incremental size, $incr_rounds rounds, $blocks blocks of 64 KiB one every $stride"
    for ((i = 1; i <= incr_rounds; i++)); do
        # a different block of each stride every round (never one twice in a row)
        shift_=$(((i - 1) % stride))
        # shellcheck disable=SC2016 # expanded by the guest's shell
        script='i=0; while [ $i -lt $2 ]; do dd if=/dev/urandom of=$1 bs=65536 count=1 seek=$((i * $3 + $4)) conv=notrunc 2>/dev/null || exit 1; i=$((i + 1)); done; sync'
        st=$(ga_exec "$dom" /bin/sh "$(jq -cn --arg s "$script" --arg d "$gdev" --arg b "$blocks" --arg t "$stride" --arg o "$shift_" \
            '["-c", $s, "sh", $d, $b, $t, $o]')" 1200) || die "the guest could not dirty vdz (round $i)"
        [[ $(jq -r .exitcode <<<"$st") == 0 ]] || die "dd in the guest failed (round $i): $(ga_err <<<"$st")"
        t0=$(now_ns)
        id=$(vs backup create "$dom" --incremental --disk vdz --quiesce off) ||
            die "virt-state backup create --incremental failed (round $i)"
        t1=$(now_ns)
        img=$(bk_images "$id") || die "no image for backup '$id'"
        bytes=$(data_bytes "$img") || die "cannot map $img"
        manifest=$(bk_json "$id" | jq '[.disks[].bytes_written] | add') || die "cannot read backup '$id'"
        [[ $(bk_json "$id" | jq -r .kind) == incremental ]] || die "backup '$id' is not incremental"
        r8+=("$(ratio "$bytes" $((blocks * GRAN)))") b8+=("$bytes") w8+=("$manifest") s8+=("$(secs $((t1 - t0)))")
        say "round $i: dirtied $((blocks * GRAN)), image data $bytes, manifest bytes_written $manifest"
    done
    local r v
    r=$(printf '%s\n' "${r8[@]}" | median)
    v=$(verdict_le "$r" 1.1)
    emit ""
    emit "### Figure 8: incremental backup size, data in the image vs bytes the guest dirtied"
    emit ""
    emit "The same guest and disk vdz ($data_mib MiB), after a full backup of vdz (figure 7's last). $incr_rounds rounds: the guest writes $dirty_mib MiB of random data as $blocks blocks of 64 KiB (the bitmap granularity), one at offset (k * $stride + round - 1) * 64 KiB for k = 0..$((blocks - 1)) (\`dd if=/dev/urandom of=$gdev bs=65536 count=1 seek=...\` through guest-exec, then \`sync\`), then \`virt-state backup create DOMAIN --incremental --disk vdz --quiesce off\`. Measured: the data bytes of the new image itself (\`qemu-img map\`, depth 0, data) and the manifest's \`bytes_written\`, against the $((blocks * GRAN)) bytes dirtied."
    emit ""
    emit "| round | bytes dirtied | data in the image | manifest bytes_written | ratio image/dirtied | backup create, s |"
    emit "| ---: | ---: | ---: | ---: | ---: | ---: |"
    for ((i = 0; i < ${#r8[@]}; i++)); do
        emit "| $((i + 1)) | $((blocks * GRAN)) | ${b8[i]} | ${w8[i]} | ${r8[i]} | ${s8[i]} |"
    done
    emit ""
    emit "**Ratio image data/bytes dirtied (median): $r; goal <= 1.1: $v**"
}

# ----------------------------------------------------------- figure 9 ---
# verify: 'virt-state backup verify DOMAIN ID' of a full backup of vdy and
# vdz against 'openssl dgst -sha256' of the same two image files, page
# cache dropped before each (cold) and then both warm; and the peak memory
# of verify for a small and a large image.
fig9() {
    local id2 idy idz i mode first tool t0 t1 imgs total
    local -a imgv
    say "figure 9: verify, $verify_rounds rounds per tool and cache state"
    id2=$(vs backup create "$dom" --full --disk vdy --disk vdz --quiesce off) || die "the backup of vdy and vdz failed"
    idy=$(vs backup create "$dom" --full --disk vdy --quiesce off) || die "the backup of vdy failed"
    idz=$(vs backup create "$dom" --full --disk vdz --quiesce off) || die "the backup of vdz failed"
    mapfile -t imgv < <(bk_images "$id2")
    [[ ${#imgv[@]} == 2 ]] || die "backup '$id2' does not have two images"
    total=$(stat -c %s "${imgv[@]}" | awk '{ s += $1 } END { print s }')
    # the same answer: openssl's digests are the manifest's
    imgs=$(openssl dgst -sha256 -r "${imgv[@]}" | cut -d' ' -f1 | tr '\n' ' ')
    [[ $imgs == "$(bk_json "$id2" | jq -r ".disks[].sha256" | tr '\n' ' ')" ]] ||
        die "openssl dgst disagrees with the manifest of '$id2' ($imgs)"

    declare -gA t9=() c9=() p9=()
    for mode in cold warm; do
        [[ $mode == cold && $can_drop == 0 ]] && continue
        if [[ $mode == warm ]]; then # warm both, unmeasured
            vs backup verify "$dom" "$id2" >/dev/null 2>&1
            openssl dgst -sha256 "${imgv[@]}" >/dev/null
        fi
        for ((i = 1; i <= verify_rounds; i++)); do
            first=vs
            ((i % 2 == 0)) && first=os
            for tool in "$first" $([[ $first == vs ]] && echo os || echo vs); do
                [[ $mode == cold ]] && drop_caches
                # /usr/bin/time around both (the same small cost) for the CPU time
                t0=$(now_ns)
                if [[ $tool == vs ]]; then
                    /usr/bin/time -f "%U %S" -o "$TB_RUN/cpu" "$binary" -q -c "$TB_URI" --store "$TB_RUN/store" \
                        backup verify "$dom" "$id2" >/dev/null || die "backup verify of '$id2' failed ($mode, round $i)"
                else
                    /usr/bin/time -f "%U %S" -o "$TB_RUN/cpu" openssl dgst -sha256 "${imgv[@]}" >/dev/null ||
                        die "openssl dgst failed ($mode, round $i)"
                fi
                t1=$(now_ns)
                t9[$mode,$tool]+="$(secs $((t1 - t0))) "
                c9[$mode,$tool]+="$(awk '{ printf "%.2f", $1 + $2 }' "$TB_RUN/cpu") "
                eval "last_$tool=$((t1 - t0))"
                say "$mode round $i $tool: $(secs $((t1 - t0))) s"
            done
            # shellcheck disable=SC2154 # last_os, last_vs: set by the eval above
            p9[$mode]+="$(ratio "$last_os" "$last_vs") "
        done
    done

    # peak memory (max RSS, KiB) of verify for a small and a large image, 3 runs each
    local -a rss_y=() rss_z=() rss_2=()
    for ((i = 1; i <= 3; i++)); do
        rss_y+=("$(/usr/bin/time -f %M -o "$TB_RUN/rss" "$binary" -q -c "$TB_URI" --store "$TB_RUN/store" backup verify "$dom" "$idy" >/dev/null 2>&1 && cat "$TB_RUN/rss")")
        rss_z+=("$(/usr/bin/time -f %M -o "$TB_RUN/rss" "$binary" -q -c "$TB_URI" --store "$TB_RUN/store" backup verify "$dom" "$idz" >/dev/null 2>&1 && cat "$TB_RUN/rss")")
        rss_2+=("$(/usr/bin/time -f %M -o "$TB_RUN/rss" "$binary" -q -c "$TB_URI" --store "$TB_RUN/store" backup verify "$dom" "$id2" >/dev/null 2>&1 && cat "$TB_RUN/rss")")
    done
    local m_y m_z m_2 rm vm
    m_y=$(fmt "$(printf '%s\n' "${rss_y[@]}" | median)" 0)
    m_z=$(fmt "$(printf '%s\n' "${rss_z[@]}" | median)" 0)
    m_2=$(fmt "$(printf '%s\n' "${rss_2[@]}" | median)" 0)
    [[ -n ${rss_y[0]} && -n ${rss_z[0]} ]] || die "cannot measure the peak memory of verify"
    rm=$(ratio "$m_z" "$m_y")
    vm=$(verdict_le "$rm" 1.05)

    emit ""
    emit "### Figure 9: \`virt-state backup verify\` vs \`openssl dgst -sha256\`, and verify's peak memory"
    emit ""
    emit "A full backup of vdy ($small_mib MiB) and vdz ($data_mib MiB) of the same guest (\`--disk vdy --disk vdz --quiesce off\`): two images, $(mib "$total") in all. $verify_rounds rounds per tool and cache state, alternating which goes first, each timed as a whole command (wall clock): \`virt-state -q --store <tmpdir> backup verify DOMAIN ID\` (size, SHA-256 of each image against the manifest, \`qemu-img check\` of each image, parent present) and \`openssl dgst -sha256 IMAGE1 IMAGE2\` (the digests only; checked once to equal the manifest's). Cold: $(cache_note); warm: both run once unmeasured, then nothing dropped (the images stay in the page cache for both). Ratio = openssl's median time / verify's (above 1: verify is faster); the median of the per-round ratios (each round's two commands ran back to back, under about the same load) and the CPU time each used (\`/usr/bin/time\`, median) are given beside it."
    emit ""
    emit "| cache | verify median s | min s | max s | openssl dgst median s | min s | max s | ratio openssl/verify | goal >= 1.0 | median of the rounds' ratios | CPU s (user+sys), verify / openssl |"
    emit "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |"
    local -a sv so
    for mode in cold warm; do
        [[ -n ${t9[$mode,vs]:-} ]] || continue
        # shellcheck disable=SC2086 # a list of numbers
        read -ra sv <<<"$(stats ${t9[$mode,vs]})"
        # shellcheck disable=SC2086
        read -ra so <<<"$(stats ${t9[$mode,os]})"
        r=$(ratio "${so[0]}" "${sv[0]}")
        # shellcheck disable=SC2086
        emit "| $mode | $(fmt "${sv[0]}" 3) | ${sv[2]} | ${sv[3]} | $(fmt "${so[0]}" 3) | ${so[2]} | ${so[3]} | **$r** | **$(verdict_ge "$r" 1.0)** | $(printf '%s\n' ${p9[$mode]} | median) | $(printf '%s\n' ${c9[$mode,vs]} | median) / $(printf '%s\n' ${c9[$mode,os]} | median) |"
    done
    emit ""
    emit "Peak memory of verify (\`/usr/bin/time -f %M\`, max RSS in KiB, median of 3 runs): one $small_mib MiB image ${m_y} KiB, one $data_mib MiB image ${m_z} KiB, the two-image backup ${m_2} KiB. **Ratio large/small: $rm; goal <= 1.05 (flat): $vm**"
    emit ""
    emit "Per round, s:"
    emit ""
    for mode in cold warm; do
        [[ -n ${t9[$mode,vs]:-} ]] || continue
        emit "- $mode: verify ${t9[$mode,vs]}; openssl dgst ${t9[$mode,os]}; ratios ${p9[$mode]}; CPU s: verify ${c9[$mode,vs]}; openssl ${c9[$mode,os]}"
    done
    emit "- max RSS, KiB: small ${rss_y[*]}; large ${rss_z[*]}; two images ${rss_2[*]}"
}

# --------------------------------------------------------------- main ---
[[ $(id -u) == 0 ]] || die "must run as root (system libvirtd, page cache)"
tb_require # root, libvirtd, guest image; fails the run when missing
daemon=$(virsh -c "$TB_URI" version --daemon 2>/dev/null | sed -n 's/.*Running against daemon: *//p' | tail -n 1)
daemon=${daemon:+, daemon $daemon}

bench_begin
emit "- load: other TCG guests may run on this host during the run (see the load average above); rounds alternate the tools so both see the same load"
setup_guest
((run_full)) && fig7
((run_incr)) && fig8
((run_verify)) && fig9
emit ""
emit "Load average at the end of the run: $(cut -d' ' -f1-3 /proc/loadavg)."

bench_record
exit 0
