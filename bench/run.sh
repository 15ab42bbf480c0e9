#!/bin/bash
# Benchmarks of virt-state against virsh; appends a dated section to a
# results file under bench/ and prints it. See bench/README.md.
#
#   sudo bench/run.sh                       # both figures, default sizes
#   sudo bench/run.sh -f startup -s 600     # figure 2 only, 600 runs per tool
#   VIRT_STATE=/path/virt-state sudo -E bench/run.sh -n 11
#
# Figure 1 (save-restore) needs root and the real testbed (tests/testbed/):
# it defines, boots and finally removes one guest of its own. Figure 2
# (startup) needs neither. '-f backup' also runs bench/backup.sh (figures
# 7 to 9) after them, with the same binary and results file: a section of
# its own.

set -o pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$BENCH_DIR/.." && pwd)
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"

usage() {
    cat <<EOF
Usage: bench/run.sh [OPTIONS]

Options:
  -f, --figures LIST     figures to run, comma-separated: save-restore (or 1),
                         startup (or 2), all (default: all: 1 and 2), and
                         backup (figures 7 to 9: runs bench/backup.sh after them)
  -n, --rounds N         save+restore rounds per tool in figure 1 (default: 11)
  -s, --startup-runs N   runs of 'help' per tool in figure 2 (default: 300)
  -B, --batch N          figure 2 interleaves the tools in batches of N runs (default: 20)
  -b, --binary PATH      the virt-state binary (default: \$VIRT_STATE, else ../_build/virt-state
                         relative to bench/)
  -o, --results FILE     results file to append to (default: bench/results.md)
      --no-record        print the results without appending them
  -h, --help             show this help and exit

Figure 1 needs root and the testbed (tests/testbed/README.md). A missed goal
is reported as MISS and is not an error: the exit status is 0 when every
selected figure was measured, 1 when one could not be, 2 on a usage error.
EOF
}

figures="save-restore,startup"
rounds=11
startup_runs=300
batch=20
binary=${VIRT_STATE:-$BENCH_DIR/../_build/virt-state}
results=$BENCH_DIR/results.md
record=1
cmdline="bench/run.sh${*:+ $*}"

while [[ $# -gt 0 ]]; do
    case $1 in
        -f | --figures) figures=${2:?}; shift 2 ;;
        -n | --rounds) rounds=${2:?}; shift 2 ;;
        -s | --startup-runs) startup_runs=${2:?}; shift 2 ;;
        -B | --batch) batch=${2:?}; shift 2 ;;
        -b | --binary) binary=${2:?}; shift 2 ;;
        -o | --results) results=${2:?}; shift 2 ;;
        --no-record) record=0; shift ;;
        -h | --help) usage; exit 0 ;;
        *) echo "bench: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
done

run_fig1=0 run_fig2=0 run_backup=0
IFS=, read -ra _figs <<<"$figures"
for f in "${_figs[@]}"; do
    case $f in
        1 | save-restore) run_fig1=1 ;;
        2 | startup) run_fig2=1 ;;
        backup) run_backup=1 ;;
        all) run_fig1=1 run_fig2=1 ;;
        *) echo "bench: unknown figure '$f' (save-restore, startup, backup, all)" >&2; exit 2 ;;
    esac
done
for v in rounds startup_runs batch; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "bench: --${v//_/-} wants a positive integer" >&2; exit 2; }
done
bench_binary
command -v virsh >/dev/null || die "virsh is missing"

# The testbed library: guests, agent, cleanup. Its EXIT trap removes our
# domain and run directory; with no TAP plan set, it keeps our exit status.
# A missing testbed must fail a benchmark run, not skip it.
export VIRT_STATE_TESTBED_SKIP_STATUS=${VIRT_STATE_TESTBED_SKIP_STATUS:-1}
# shellcheck source=/dev/null
. "$TOP/tests/testbed/lib.sh"

# ----------------------------------------------------------- figure 2 ---
# Start-up cost: 'virt-state help' against 'virsh help', neither of which
# opens a connection. Per-run wall clock from bash's EPOCHREALTIME (no fork
# of date inside the measurement), the tools interleaved in batches.
fig2_connects() { # prints the connect() calls of one run of CMD
    strace -f -qq -e trace=connect -o "$1" "${@:2}" >/dev/null 2>&1
    grep -c 'connect(' "$1" || true
}

fig2_instructions() { # callgrind: total instructions, those in ld.so, those in the program itself
    local out=$1 prog=$2 total
    shift 2
    valgrind --tool=callgrind --callgrind-out-file="$out" "$@" >/dev/null 2>"$out.err" || return 1
    total=$(sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$out.err" | head -n 1)
    # Self cost per object from the profile itself: "ob=" sets the object of
    # the cost lines that follow, "(id) name" defines a compressed name (also
    # in "cob="), and the line after "calls=" is a call's inclusive cost.
    awk -v total="$total" -v prog="$(readlink -f "$prog")" '
        function ref(s,   id, rest) {
            if (match(s, /^\([0-9]+\)/)) {
                id = substr(s, 2, RLENGTH - 2); rest = substr(s, RLENGTH + 2)
                if (rest != "") name[id] = rest
                return name[id]
            }
            return s
        }
        /^ob=/ { cur = ref(substr($0, 4)); next }
        /^cob=/ { ref(substr($0, 5)); next }
        /^calls=/ { skip = 1; next }
        /^[0-9+*-]/ { if (skip) { skip = 0; next }
            if (cur ~ /\/ld-linux[^\/]*$/) ld += $2; else if (cur == prog) self += $2
            next }
        END { printf "%d %d %d\n", total, ld, self }' "$out"
}

fig2() {
    local dir vs_t=() vh_t=() b i t0 t1 nb
    dir=$(mktemp -d /tmp/virt-state-bench.XXXXXX) || die "cannot create a temporary directory"
    tb_on_exit "rm -rf '$dir'"
    say "figure 2: start-up, $startup_runs runs per tool in batches of $batch"

    # Both must answer without a connection; check that, and the outputs.
    "$binary" help >"$dir/vs.out" 2>"$dir/vs.err" || die "'virt-state help' failed: $(cat "$dir/vs.err")"
    virsh help >"$dir/vh.out" 2>"$dir/vh.err" || die "'virsh help' failed: $(cat "$dir/vh.err")"
    local vs_conn="not checked (no strace)" vh_conn="not checked (no strace)"
    if command -v strace >/dev/null; then
        vs_conn="$(fig2_connects "$dir/vs.strace" "$binary" help) connect() calls"
        vh_conn="$(fig2_connects "$dir/vh.strace" virsh help) connect() calls"
    fi

    # Warm the page cache, then interleave.
    for i in 1 2 3; do "$binary" help >/dev/null; virsh help >/dev/null; done
    nb=$(((startup_runs + batch - 1) / batch))
    for ((b = 0; b < nb; b++)); do
        local n=$((b == nb - 1 ? startup_runs - b * batch : batch)) first second
        # alternate which tool opens the batch
        if ((b % 2 == 0)); then first=vs second=vh; else first=vh second=vs; fi
        for tool in $first $second; do
            for ((i = 0; i < n; i++)); do
                if [[ $tool == vs ]]; then
                    t0=$EPOCHREALTIME; "$binary" help >/dev/null; t1=$EPOCHREALTIME
                    vs_t+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) * 1000 }')")
                else
                    t0=$EPOCHREALTIME; virsh help >/dev/null; t1=$EPOCHREALTIME
                    vh_t+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) * 1000 }')")
                fi
            done
        done
    done
    local vs_med vh_med vs_mean vh_mean r v vs_mm vh_mm
    vs_med=$(printf '%s\n' "${vs_t[@]}" | median)
    vh_med=$(printf '%s\n' "${vh_t[@]}" | median)
    vs_mean=$(printf '%s\n' "${vs_t[@]}" | mean)
    vh_mean=$(printf '%s\n' "${vh_t[@]}" | mean)
    vs_mm=$(printf '%s\n' "${vs_t[@]}" | minmax)
    vh_mm=$(printf '%s\n' "${vh_t[@]}" | minmax)
    r=$(ratio "$vs_med" "$vh_med")
    v=$(verdict_le "$r" 1.0)

    local vs_ir="" vh_ir="" ir_line
    if command -v valgrind >/dev/null; then
        vs_ir=$(fig2_instructions "$dir/vs.cg" "$binary" "$binary" help) || vs_ir=""
        vh_ir=$(fig2_instructions "$dir/vh.cg" "$(command -v virsh)" virsh help) || vh_ir=""
    fi
    local vs_libs vh_libs vs_rel vh_rel
    vs_libs=$(ldd "$binary" 2>/dev/null | grep -c '=>')
    vh_libs=$(ldd "$(command -v virsh)" 2>/dev/null | grep -c '=>')
    vs_rel=$(LD_DEBUG=statistics "$binary" help 2>&1 >/dev/null | sed -n 's/.*number of relocations: *//p' | head -n 1)
    vh_rel=$(LD_DEBUG=statistics virsh help 2>&1 >/dev/null | sed -n 's/.*number of relocations: *//p' | head -n 1)

    emit ""
    emit "### Figure 2: start-up, \`virt-state help\` vs \`virsh help\`"
    emit ""
    emit "$startup_runs runs per tool, interleaved in batches of $batch (the tool opening a batch alternates); wall clock per run, in ms."
    emit ""
    emit "| tool | median | mean | min | max | shared libraries | relocations | connections |"
    emit "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    emit "| virt-state help | $vs_med | $vs_mean | ${vs_mm% *} | ${vs_mm#* } | $vs_libs | ${vs_rel:-?} | $vs_conn |"
    emit "| virsh help | $vh_med | $vh_mean | ${vh_mm% *} | ${vh_mm#* } | $vh_libs | ${vh_rel:-?} | $vh_conn |"
    emit ""
    emit "**Ratio virt-state/virsh (medians): $r; goal <= 1.0: $v**"
    if [[ -n $vs_ir && -n $vh_ir ]]; then
        local -a a b
        read -ra a <<<"$vs_ir"
        read -ra b <<<"$vh_ir"
        pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f%%", 100 * a / b }'; }
        emit ""
        emit "Instructions executed (valgrind callgrind, one run each; deterministic, unlike the wall clock):"
        emit ""
        emit "| tool | instructions | in the dynamic loader (ld.so) | in the program itself | in its libraries |"
        emit "| --- | ---: | ---: | ---: | ---: |"
        emit "| virt-state help | ${a[0]} | ${a[1]} ($(pct "${a[1]}" "${a[0]}")) | ${a[2]} | $((a[0] - a[1] - a[2])) |"
        emit "| virsh help | ${b[0]} | ${b[1]} ($(pct "${b[1]}" "${b[0]}")) | ${b[2]} | $((b[0] - b[1] - b[2])) |"
        ir_line=$(ratio "${a[0]}" "${b[0]}")
        emit ""
        emit "**Ratio virt-state/virsh (instructions): $ir_line; goal <= 1.0: $(verdict_le "$ir_line" 1.0)**"
    else
        emit ""
        emit "Instructions: not measured (valgrind missing or failed)."
    fi
}

# ----------------------------------------------------------- figure 1 ---
# save + restore of one booted guest, virt-state against virsh, alternating
# round by round (virt-state, virsh, virt-state, ...). Each round: wall
# clock of 'save' and of 'restore' (date +%s%N), image size; the image is
# removed after its restore, and the guest's agent must answer again before
# the next round.
fig1() {
    local dom store imgdir i tool img t0 t1 t2 size
    local -a vs_save=() vs_rest=() vs_tot=() vs_size=() vh_save=() vh_rest=() vh_tot=() vh_size=()
    say "figure 1: save+restore, $rounds rounds per tool; booting a guest"
    tb_define_guest bench >/dev/null || die "cannot define and start the guest"
    dom=$TB_DOMAIN
    tb_wait_agent "$dom" || die "the guest's agent does not answer"
    tb_wait_counter "$dom" 3 || die "the guest does not count"
    store=$TB_RUN/store
    imgdir=$TB_RUN/images
    mkdir -p "$store" "$imgdir" || die "cannot create $store or $imgdir"
    chmod 0755 "$imgdir" || die "cannot chmod $imgdir"
    # shellcheck disable=SC2317 # called as "$tool"
    vs() { "$binary" -q -c "$TB_URI" --store "$store" "$@"; }
    # shellcheck disable=SC2317
    vh() { virsh -q -c "$TB_URI" "$@"; }

    # one round of TOOL (vs|vh), label N; sets t0 t1 t2 size
    round() {
        local tool=$1 n=$2 before after
        img=$imgdir/$tool-$n.img
        before=$(tb_counter "$dom" --ram 2>/dev/null)
        t0=$(now_ns)
        "$tool" save "$dom" "$img" >/dev/null || { say "$tool save failed (round $n)"; return 1; }
        t1=$(now_ns)
        "$tool" restore "$img" >/dev/null || { say "$tool restore failed (round $n)"; return 1; }
        t2=$(now_ns)
        size=$(stat -c %s "$img") || return 1
        rm -f "$img"
        [[ $(tb_state "$dom") == running ]] || { say "$dom is not running after the $tool restore"; return 1; }
        tb_wait_agent "$dom" 60 || return 1
        # memory really restored: the in-memory counter went on, no reboot
        after=$(tb_counter "$dom" --ram 2>/dev/null)
        if [[ -n $before && -n $after && $after -lt $before ]]; then
            say "counter went back from $before to $after after the $tool round: not a memory restore"
            return 1
        fi
        sleep 1 # let the guest settle (agent reconnect, counter tick)
    }

    # one warm-up round per tool, not counted
    say "warm-up round per tool"
    round vs w || die "virt-state warm-up round failed"
    round vh w || die "virsh warm-up round failed"
    for ((i = 1; i <= rounds; i++)); do
        for tool in vs vh; do
            round "$tool" "$i" || die "round $i of $tool failed"
            if [[ $tool == vs ]]; then
                vs_save+=($((t1 - t0))) vs_rest+=($((t2 - t1))) vs_tot+=($((t2 - t0))) vs_size+=("$size")
            else
                vh_save+=($((t1 - t0))) vh_rest+=($((t2 - t1))) vh_tot+=($((t2 - t0))) vh_size+=("$size")
            fi
            say "round $i $tool: save $(ms $((t1 - t0))) ms, restore $(ms $((t2 - t1))) ms, image $(mib "$size")"
        done
    done

    local m_vs m_vh r v
    m_vs=$(printf '%s\n' "${vs_tot[@]}" | median)
    m_vh=$(printf '%s\n' "${vh_tot[@]}" | median)
    r=$(ratio "$m_vs" "$m_vh")
    v=$(verdict_le "$r" 1.05)
    emit ""
    emit "### Figure 1: save + restore, \`virt-state\` vs \`virsh\`"
    emit ""
    emit "One guest (tests/testbed, 256 MiB, 1 vCPU, TCG), booted and its agent answering; $rounds rounds per tool after one warm-up round each, alternating virt-state, virsh, virt-state, ...; wall clock in ms of \`save DOMAIN FILE\` then \`restore FILE\` (virt-state with \`-q --store <tmpdir>\`); the image is deleted after its restore."
    emit ""
    emit "| tool | median save+restore | median save | median restore | min save+restore | max save+restore | image size (median) |"
    emit "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    emit "| virt-state | $(ms "$m_vs") | $(ms "$(printf '%s\n' "${vs_save[@]}" | median)") | $(ms "$(printf '%s\n' "${vs_rest[@]}" | median)") | $(ms "$(printf '%s\n' "${vs_tot[@]}" | minmax | cut -d' ' -f1)") | $(ms "$(printf '%s\n' "${vs_tot[@]}" | minmax | cut -d' ' -f2)") | $(mib "$(printf '%s\n' "${vs_size[@]}" | median)") |"
    emit "| virsh | $(ms "$m_vh") | $(ms "$(printf '%s\n' "${vh_save[@]}" | median)") | $(ms "$(printf '%s\n' "${vh_rest[@]}" | median)") | $(ms "$(printf '%s\n' "${vh_tot[@]}" | minmax | cut -d' ' -f1)") | $(ms "$(printf '%s\n' "${vh_tot[@]}" | minmax | cut -d' ' -f2)") | $(mib "$(printf '%s\n' "${vh_size[@]}" | median)") |"
    emit ""
    emit "**Ratio virt-state/virsh (medians of save+restore): $r; goal <= 1.05: $v**"
    emit ""
    emit "Per round, save+restore in ms:"
    emit ""
    emit "- virt-state: $(for t in "${vs_tot[@]}"; do printf '%s ' "$(ms "$t")"; done)"
    emit "- virsh: $(for t in "${vh_tot[@]}"; do printf '%s ' "$(ms "$t")"; done)"
    emit ""
    emit "Image sizes in bytes: virt-state $(printf '%s ' "${vs_size[@]}"); virsh $(printf '%s ' "${vh_size[@]}")"
}

# --------------------------------------------------------------- main ---
if ((run_fig1)); then
    tb_require # root, libvirtd, guest image; fails the run when missing
    daemon=$(virsh -c "$TB_URI" version 2>/dev/null | sed -n 's/.*Using library: libvirt //p;s/.*Running against daemon: *//p' | tail -n 1)
    daemon=${daemon:+, daemon $daemon}
fi

if ((run_fig1 || run_fig2)); then
    bench_begin
    # Start-up first, while no guest burns a CPU.
    ((run_fig2)) && fig2
    ((run_fig1)) && fig1
    bench_record
fi
if ((run_backup)); then
    # Its own script, guest and section; figure 1's guest goes first (the
    # testbed's cleanup, which our EXIT trap would run anyway) so that it
    # does not load the CPUs while figures 7 to 9 run.
    ((run_fig1)) && tb_cleanup
    bk=("$BENCH_DIR/backup.sh" -b "$binary" -o "$results")
    ((record)) || bk+=(--no-record)
    "${bk[@]}" || exit 1
fi
exit 0
