#!/bin/bash
# Benchmarks of virt-state's restore points: how long the guest is paused
# by 'restore-point create' against virsh's external snapshot with memory,
# and how fast 'restore-point list' reads a store of 1,000 points. Appends a
# dated section to bench/results.md and prints it. See bench/README.md
# (figures 5 and 6).
#
#   sudo bench/restore-point.sh                  # both figures
#   sudo bench/restore-point.sh -f pause -n 21   # figure 5 only, 21 rounds per tool and mode
#   bench/restore-point.sh -f list               # figure 6 only (no root, no guest)
#   VIRT_STATE=/path/virt-state sudo -E bench/restore-point.sh
#
# Figure 5 needs root and the real testbed (tests/testbed/): it defines,
# boots and finally removes one guest of its own (vst-bench-rp-pause-*).
# Figure 6 writes a synthetic store into a temporary directory
# (bench/gen-restore-points.sh) and needs neither.

set -o pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$BENCH_DIR/.." && pwd)
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"

usage() {
    cat <<EOF
Usage: bench/restore-point.sh [OPTIONS]

Options:
  -f, --figures LIST     figures to run, comma-separated: pause (or 5),
                         list (or 6), all (default: all)
  -n, --rounds N         figure 5: rounds per tool and mode (default: 11);
                         figure 6: timed runs per command (default: 21)
  -p, --points N         figure 6: restore points in the store (default: 1000)
  -D, --domains N        figure 6: domains they belong to (default: 10; must divide --points)
  -b, --binary PATH      the virt-state binary (default: \$VIRT_STATE, else ../_build/virt-state
                         relative to bench/)
  -o, --results FILE     results file to append to (default: bench/results.md)
      --no-record        print the results without appending them
  -h, --help             show this help and exit

Figure 5 needs root and the testbed (tests/testbed/README.md); figure 6
needs neither. A missed goal is reported as MISS and is not an error: the
exit status is 0 when every selected figure was measured, 1 when one could
not be, 2 on a usage error.
EOF
}

figures=all
rounds=""
points=1000
domains=10
binary=${VIRT_STATE:-$BENCH_DIR/../_build/virt-state}
results=$BENCH_DIR/results.md
record=1
cmdline="bench/restore-point.sh${*:+ $*}"

while [[ $# -gt 0 ]]; do
    case $1 in
        -f | --figures) figures=${2:?}; shift 2 ;;
        -n | --rounds) rounds=${2:?}; shift 2 ;;
        -p | --points) points=${2:?}; shift 2 ;;
        -D | --domains) domains=${2:?}; shift 2 ;;
        -b | --binary) binary=${2:?}; shift 2 ;;
        -o | --results) results=${2:?}; shift 2 ;;
        --no-record) record=0; shift ;;
        -h | --help) usage; exit 0 ;;
        *) echo "bench: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
done

run_pause=0 run_list=0
IFS=, read -ra _figs <<<"$figures"
for f in "${_figs[@]}"; do
    case $f in
        5 | pause) run_pause=1 ;;
        6 | list) run_list=1 ;;
        all) run_pause=1 run_list=1 ;;
        *) echo "bench: unknown figure '$f' (pause, list, all)" >&2; exit 2 ;;
    esac
done
if [[ -n $rounds ]]; then
    [[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "bench: --rounds wants a positive integer" >&2; exit 2; }
    pause_rounds=$rounds list_runs=$rounds
else
    pause_rounds=11 list_runs=21
fi
[[ $points =~ ^[1-9][0-9]*$ && $domains =~ ^[1-9][0-9]*$ && $domains -le 100 && $((points % domains)) == 0 &&
    $((points / domains)) -le 1000 ]] ||
    { echo "bench: --points and --domains want positive integers, --domains at most 100 and dividing --points into at most 1000 per domain" >&2; exit 2; }
bench_binary
if ((run_pause)); then
    for c in virsh jq; do command -v "$c" >/dev/null || die "$c is missing"; done
fi
if ((run_list)); then
    command -v xmllint >/dev/null || die "xmllint is missing (it checks the generated manifests)"
fi

# The testbed library: guests, agent, cleanup. Its EXIT trap runs our exit
# hooks (the event listener stopped, temporary store removed), removes our
# domain and run directory; with no TAP plan set, it keeps our exit status.
# A missing testbed must fail a benchmark run, not skip it.
export VIRT_STATE_TESTBED_SKIP_STATUS=${VIRT_STATE_TESTBED_SKIP_STATUS:-1}
# shellcheck source=/dev/null
. "$TOP/tests/testbed/lib.sh"
# Our guest is vst-bench-<label>-<pid>-<hex>, the run directory bench.*.
# shellcheck disable=SC2034 # read by tests/testbed/lib.sh
TB_TEST=bench

vs() { "$binary" -q -c "$TB_URI" --store "$TB_RUN/store" "$@"; }
med() { printf '%s\n' "$@" | median; }

# ----------------------------------------------------------- figure 6 ---
# 'restore-point list' over a synthetic store: all domains, one domain as a
# tree, all domains as JSON; wall clock per run (bash's EPOCHREALTIME, no
# fork of date inside the measurement), the commands interleaved.
LIST_CMDS=(all tree json)

# list_cmd KIND STORE DOMAIN: the command line of one kind
list_argv() {
    case $1 in
        all) echo "restore-point list" ;;
        tree) echo "restore-point list $3 --tree" ;;
        json) echo "--json restore-point list" ;;
        alltree) echo "restore-point list --tree" ;;
    esac
}

# tree_check: reads a 'restore-point list --tree' table (with the Domain
# column when $1 is 1) on stdin; prints "ROWS BAD": the rows, and the rows
# not placed right under their parent (the nearest row one level up must
# be the parent named in the Parent column, of the same domain).
tree_check() {
    awk -v withdom="$1" '
        NR == 1 { col = index($0, "Name"); next }
        NR == 2 { next }
        {
            rows++
            lab = substr($0, col); match(lab, /^ */); sp = RLENGTH
            if (substr(lab, sp + 1, 3) == "\\_ ") { depth = sp / 2; name = substr(lab, sp + 4) }
            else { depth = 0; name = substr(lab, sp + 1) }
            sub(/ .*/, "", name)
            dom = withdom ? $1 : ""
            par = $NF
            if (depth == 0) { if (par != "-") bad++ }
            else if (!(depth - 1 in nm) || nm[depth - 1] != par || dm[depth - 1] != dom) bad++
            nm[depth] = name; dm[depth] = dom
        }
        END { printf "%d %d\n", rows, bad }'
}

# cg_incl FILE FUNCTION: inclusive instructions of FUNCTION in a callgrind profile
cg_incl() {
    callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null |
        awk -v f="$2" 'index($0, ":" f " [") { gsub(/,/, "", $1); print $1; found = 1; exit } END { if (!found) print 0 }'
}

fig6() {
    local dir store per dom i k t0 t1 out
    per=$((points / domains))
    dir=$(mktemp -d /tmp/virt-state-bench-rp.XXXXXX) || die "cannot create a temporary directory"
    tb_on_exit "rm -rf '$dir'"
    store=$dir/store
    say "figure 6: restore-point list, $points points of $domains domains, $list_runs runs per command"
    "$BENCH_DIR/gen-restore-points.sh" -D "$domains" -p "$per" --check "$store" ||
        die "cannot generate the restore points"
    dom=$(printf 'vst-bench-list-%02d' $((domains / 2)))
    # shellcheck disable=SC2317 # called through "$@"
    lst() { "$binary" --store "$store" "$@"; }

    # What each prints, checked before timing.
    out=$(lst restore-point list) || die "'restore-point list' failed"
    [[ $(($(wc -l <<<"$out") - 2)) == "$points" ]] || die "'restore-point list' shows $(($(wc -l <<<"$out") - 2)) points, not $points"
    out=$(lst --json restore-point list) || die "'--json restore-point list' failed"
    [[ $(jq length <<<"$out") == "$points" ]] || die "'--json restore-point list' has $(jq length <<<"$out") points, not $points"
    local tree_rows tree_bad all_rows all_bad
    out=$(lst restore-point list "$dom" --tree) || die "'restore-point list $dom --tree' failed"
    read -r tree_rows tree_bad <<<"$(tree_check 0 <<<"$out")"
    [[ $tree_rows == "$per" ]] || die "'restore-point list $dom --tree' shows $tree_rows points, not $per"
    ((tree_bad == 0)) || say "'restore-point list $dom --tree' puts $tree_bad of $tree_rows points elsewhere than under their parent"
    out=$(lst restore-point list --tree) || die "'restore-point list --tree' failed"
    read -r all_rows all_bad <<<"$(tree_check 1 <<<"$out")"
    ((all_bad == 0)) || say "'restore-point list --tree' (every domain) puts $all_bad of $all_rows points elsewhere than under their parent (of their own domain)"

    # No libvirt connection: connect() calls per command (and a control
    # that makes one: a domain the store does not know is looked up).
    local -A conn=()
    local kind ctl="not checked (no strace)" opens="?"
    if command -v strace >/dev/null; then
        for kind in all tree json; do
            # shellcheck disable=SC2046 # the command's words
            strace -f -qq -e trace=connect -o "$dir/strace.$kind" "$binary" --store "$store" \
                $(list_argv "$kind" "$store" "$dom") >/dev/null 2>&1
            conn[$kind]=$(grep -c 'connect(' "$dir/strace.$kind")
        done
        strace -f -qq -e trace=connect -o "$dir/strace.ctl" "$binary" --store "$store" \
            restore-point list vst-bench-list-absent >/dev/null 2>&1
        ctl="$(grep -c 'connect(' "$dir/strace.ctl") ($(grep -o 'sun_path="[^"]*"' "$dir/strace.ctl" | sort -u | tr '\n' ' ' | sed 's/ $//'))"
        strace -f -qq -e trace=openat,open,access,faccessat,faccessat2 -o "$dir/strace.files" \
            "$binary" --store "$store" restore-point list >/dev/null 2>&1
        opens="$(grep -c 'open' "$dir/strace.files") opens and $(grep -c 'access' "$dir/strace.files") access checks"
    else
        conn=([all]="?" [tree]="?" [json]="?")
    fi

    # Warm-up (page cache, the binary), then N rounds of the three
    # commands, the opening command rotating.
    local -A times=()
    for kind in "${LIST_CMDS[@]}"; do
        for i in 1 2; do
            # shellcheck disable=SC2046
            "$binary" --store "$store" $(list_argv "$kind" "$store" "$dom") >/dev/null || die "list ($kind) failed"
        done
    done
    local -a argv
    for ((i = 0; i < list_runs; i++)); do
        for ((k = 0; k < ${#LIST_CMDS[@]}; k++)); do
            kind=${LIST_CMDS[(i + k) % ${#LIST_CMDS[@]}]}
            read -ra argv <<<"$(list_argv "$kind" "$store" "$dom")"
            t0=$EPOCHREALTIME
            "$binary" --store "$store" "${argv[@]}" >/dev/null
            t1=$EPOCHREALTIME
            times[$kind]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) * 1000 }') "
        done
    done

    # Where the time goes: instructions (callgrind) of the all-domains list.
    local prof=""
    if command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null; then
        if valgrind --tool=callgrind --callgrind-out-file="$dir/list.cg" "$binary" --store "$store" \
            restore-point list >/dev/null 2>"$dir/list.cg.err"; then
            local tot val cre rfree parse ld outp
            tot=$(sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$dir/list.cg.err" | head -n 1)
            [[ -n $tot ]] || tot=$(sed -n 's/.*I *refs: *\([0-9,]*\).*/\1/p' "$dir/list.cg.err" | tr -d , | head -n 1)
            val=$(cg_incl "$dir/list.cg" xmlRelaxNGValidateDoc)
            cre=$(cg_incl "$dir/list.cg" xmlRegexpCompile)
            rfree=$(cg_incl "$dir/list.cg" xmlSchemaFreeFacet)
            parse=$(cg_incl "$dir/list.cg" xmlCtxtReadMemory)
            ld=$(cg_incl "$dir/list.cg" _dl_start)
            outp=$(($(cg_incl "$dir/list.cg" add_row) + $(cg_incl "$dir/list.cg" table_print)))
            pc() { awk -v a="$1" -v b="$tot" 'BEGIN { printf "%.1f%%", 100 * a / b }'; }
            prof="$tot instructions, $(fmt "$tot / $points" 0) per point: validating each manifest against the schema (\`xmlRelaxNGValidateDoc\`) $(pc "$val"), of which compiling the schema's \`pattern\` facets again for every value checked (\`xmlRegexpCompile\`) $(pc "$cre") and freeing them (\`xmlSchemaFreeFacet\`) $(pc "$rfree"); parsing the XML (\`xmlCtxtReadMemory\`) $(pc "$parse"); the table (\`add_row\`, \`table_print\`) $(pc "$outp"); the dynamic loader at start-up (\`_dl_start\`) $(pc "$ld")."
        fi
    fi

    emit ""
    emit "### Figure 6: \`virt-state restore-point list\` over $points restore points of $domains domains"
    emit ""
    emit "A synthetic store (\`bench/gen-restore-points.sh\`: $per points per domain, each with a manifest that validates against data/restore-point.rng, its domain.xml and a 4 KiB memory.img; in each domain a tree of chains of ten, every tenth point branching off the tenth before, the same point names in every domain), in a temporary directory, page cache warm (two unmeasured runs per command first). $list_runs runs per command, the three interleaved (the opening command rotating); wall clock per run from bash's EPOCHREALTIME, in ms, output to /dev/null. \`$dom\` is the domain of the tree."
    emit ""
    emit "| command | median | mean | min | max | connect() calls | goal < 100 ms |"
    emit "| --- | ---: | ---: | ---: | ---: | ---: | --- |"
    local -a s
    local all_v=PASS
    for kind in "${LIST_CMDS[@]}"; do
        # shellcheck disable=SC2086 # the list of times
        read -ra s <<<"$(stats ${times[$kind]})"
        local v
        v=$(awk -v m="${s[0]}" 'BEGIN { print (m < 100) ? "PASS" : "MISS" }')
        [[ $v == PASS ]] || all_v=MISS
        emit "| \`virt-state --store S $(list_argv "$kind" "$store" "$dom")\` | $(fmt "${s[0]}") | $(fmt "${s[1]}") | $(fmt "${s[2]}") | $(fmt "${s[3]}") | ${conn[$kind]} | $v |"
    done
    emit ""
    emit "**Every median under 100 ms: $all_v**"
    emit ""
    emit "No libvirt connection: \`strace -f -e trace=connect\` counts the connect() calls of each command above; the control \`restore-point list vst-bench-list-absent\` (a name the store does not know, which list looks up in libvirt) makes $ctl. Files: the all-domains list makes $opens."
    emit ""
    emit "Output checked before timing: the list has $points rows, the JSON array $points elements; \`list $dom --tree\` has $tree_rows rows, $tree_bad of them not under their parent. \`list --tree\` of every domain (not timed): $all_bad of its $all_rows rows are not under their parent of their own domain$( ((all_bad)) && echo " (points of different domains share names, and the tree is built by name alone)")."
    if [[ -n $prof ]]; then
        emit ""
        emit "Where the time goes (valgrind callgrind of the all-domains list, instructions, inclusive): $prof"
    fi
    emit ""
    emit "Per run, ms:"
    emit ""
    for kind in "${LIST_CMDS[@]}"; do
        emit "- $(list_argv "$kind" "$store" "$dom"): $(for t in ${times[$kind]}; do printf '%s ' "$(fmt "$t")"; done)"
    done
}

# ----------------------------------------------------------- figure 5 ---
# Guest pause: 'virt-state restore-point create DOMAIN NAME --quiesce off'
# against 'virsh snapshot-create-as DOMAIN NAME --no-metadata --memspec ...
# --diskspec vda,... --diskspec vdb,...', first without --live, then with
# it; rounds alternate the tools. The pause is read for both the same way:
# from the lifecycle events a separate 'virsh event' client receives
# (SUSPENDED to RESUMED, its timestamps, 1 ms).
EVLOG=""
ev_pid=""

ev_stop() {
    [[ -n $ev_pid ]] || return 0
    kill "$ev_pid" 2>/dev/null
    wait "$ev_pid" 2>/dev/null
    ev_pid=""
}

# pause_window FROM: from line FROM of the event log on, the times (ms since
# the epoch) of the first SUSPENDED event and of the first RESUMED after it
# ("-" when missing), and the number of SUSPENDED events.
pause_window() {
    sed -n "$1,\$p" "$EVLOG" | awk "$BENCH_EPOCH_AWK"'
        $3 != "event" { next }
        / Suspended / { n++; if (s == "") s = epoch_ms($1, $2); next }
        / Resumed / { if (s != "" && r == "") r = epoch_ms($1, $2); next }
        END { printf "%s %s %d\n", (s == "" ? "-" : sprintf("%.0f", s)), (r == "" ? "-" : sprintf("%.0f", r)), n }'
}

fig5() {
    local dom dir store base_vda base_vdb ram mode tool i
    say "figure 5: guest pause, $pause_rounds rounds per tool and mode; booting a guest with 2 disks"
    tb_define_guest rp-pause --disks 2 >/dev/null || die "cannot define and start the guest"
    dom=$TB_DOMAIN
    dir=$(tb_dir "$dom")
    store=$TB_RUN/store
    mkdir -p "$store" || die "cannot create $store"
    tb_wait_agent "$dom" || die "the guest's agent does not answer"
    tb_wait_counter "$dom" 3 || die "the guest does not count"
    base_vda=$(tb_disk "$dom" vda) || die "no disk file vda for $dom"
    base_vdb=$(tb_disk "$dom" vdb) || die "no disk file vdb for $dom"
    ram=$(tb_virsh dominfo "$dom" | awk '/^Max memory:/ { print $3 * 1024 }')
    [[ $ram =~ ^[0-9]+$ ]] || die "cannot read the memory size of $dom"

    EVLOG=$TB_RUN/pause-events.log
    virsh -q -c "$TB_URI" event --domain "$dom" --event lifecycle --loop --timestamp >"$EVLOG" 2>&1 &
    ev_pid=$!
    tb_on_exit ev_stop
    sleep 1
    kill -0 "$ev_pid" 2>/dev/null || die "'virsh event' exited: $(cat "$EVLOG")"

    # one round of TOOL (vs|vh) in MODE (nonlive|live), label N: sets r_pause
    # (ms, events) r_own (ms, virt-state's manifest; "" for virsh) r_wall
    # (ms) r_size (bytes of the memory image) r_npause (SUSPENDED events)
    round() {
        local tool=$1 mode=$2 n=$3 name l0 t0 t1 json w before after mem left
        local -a live=() f
        [[ $mode == live ]] && live=(--live)
        tb_wait_agent "$dom" 60 || return 1
        sync    # the same start for both tools: nothing dirty in the page
        sleep 1 # cache, the agent idle, a counter tick
        before=$(tb_counter "$dom" --ram 2>/dev/null)
        l0=$(($(wc -l <"$EVLOG") + 1))
        if [[ $tool == vs ]]; then
            name=vs-$mode-$n
            t0=$(now_ns)
            json=$(vs --json restore-point create "$dom" "$name" --quiesce off "${live[@]}") ||
                { say "virt-state restore-point create failed ($mode, round $n)"; return 1; }
            t1=$(now_ns)
            r_own=$(jq -r '.paused_us // empty' <<<"$json")
            [[ $r_own =~ ^[0-9]+$ ]] || { say "no paused_us in virt-state's output: $json"; return 1; }
            r_own=$(fmt "$r_own / 1000" 3)
            r_size=$(jq -r '.memory.size // empty' <<<"$json")
            mem=$store/$dom/restore-points/$name/memory.img
            [[ $(stat -c %s "$mem" 2>/dev/null) == "$r_size" ]] ||
                { say "the manifest says $r_size bytes of memory, $mem has $(stat -c %s "$mem" 2>/dev/null)"; return 1; }
            [[ $(jq -r .live <<<"$json") == "$([[ $mode == live ]] && echo true || echo false)" &&
                $(jq -r .consistency <<<"$json") == crash-consistent ]] ||
                { say "unexpected point: $(jq -c '{live, consistency}' <<<"$json")"; return 1; }
        else
            name=vh-$mode-$n
            mem=$dir/mem.$name
            t0=$(now_ns)
            virsh -q -c "$TB_URI" snapshot-create-as "$dom" "$name" --no-metadata "${live[@]}" \
                --memspec "file=$mem,snapshot=external" \
                --diskspec "vda,file=$dir/vda.$name.qcow2,snapshot=external" \
                --diskspec "vdb,file=$dir/vdb.$name.qcow2,snapshot=external" >/dev/null ||
                { say "virsh snapshot-create-as failed ($mode, round $n)"; return 1; }
            t1=$(now_ns)
            r_own=""
            r_size=$(stat -c %s "$mem") || return 1
        fi
        r_wall=$(fmt "($t1 - $t0) / 1e6" 1)
        # the listener may see the RESUMED event a moment after the command
        for ((w = 0; w < 50; w++)); do
            read -ra f <<<"$(pause_window "$l0")"
            [[ ${f[1]} != - ]] && break
            sleep 0.1
        done
        [[ ${f[0]} != - && ${f[1]} != - ]] ||
            { say "no SUSPENDED and RESUMED events of $dom for the $tool round ($mode, $n): $(sed -n "$l0,\$p" "$EVLOG")"; return 1; }
        r_pause=$((f[1] - f[0])) r_npause=${f[2]}
        [[ $(tb_state "$dom") == running ]] || { say "$dom is not running after the $tool round"; return 1; }
        # back onto the base files: virt-state deletes its point (memory
        # image gone, overlays committed); virsh's overlays are committed
        # with virt-state commit and its files removed
        if [[ $tool == vs ]]; then
            vs restore-point delete "$dom" "$name" >/dev/null ||
                { say "virt-state restore-point delete failed ($mode, round $n)"; return 1; }
            left=$(find "$store/$dom/restore-points" "$store/$dom/journal" -mindepth 1 2>/dev/null)
            [[ -z $left ]] || { say "left in the store after the delete: $left"; return 1; }
        else
            vs commit "$dom" >/dev/null || { say "virt-state commit failed after the virsh round ($mode, $n)"; return 1; }
            rm -f "$mem" "$dir/vda.$name.qcow2" "$dir/vdb.$name.qcow2"
        fi
        [[ $(tb_virsh domblklist "$dom" | awk '$1 == "vda" { print $2 }') == "$base_vda" &&
            $(tb_virsh domblklist "$dom" | awk '$1 == "vdb" { print $2 }') == "$base_vdb" ]] ||
            { say "$dom does not run on its base files after the $tool round: $(tb_virsh domblklist "$dom" | tr -s ' \n' ' ')"; return 1; }
        left=$(find "$dir" -maxdepth 1 \( -name "*.$name" -o -name "*.$name.qcow2" \))
        [[ -z $left ]] || { say "files of the round left: $left"; return 1; }
        # still the same guest, its memory never reset
        tb_wait_agent "$dom" 60 || return 1
        after=$(tb_counter "$dom" --ram 2>/dev/null)
        if [[ -n $before && -n $after && $after -lt $before ]]; then
            say "the counter went back from $before to $after in the $tool round"
            return 1
        fi
    }

    local -A pause=() own=() wall=() size=() npause=()
    for mode in nonlive live; do
        say "$mode: warm-up round per tool"
        round vs "$mode" w || die "virt-state warm-up round ($mode) failed"
        round vh "$mode" w || die "virsh warm-up round ($mode) failed"
        for ((i = 1; i <= pause_rounds; i++)); do
            for tool in vs vh; do
                round "$tool" "$mode" "$i" || die "round $i of $tool ($mode) failed"
                pause[$mode.$tool]+="$r_pause " wall[$mode.$tool]+="$r_wall " size[$mode.$tool]+="$r_size "
                npause[$mode.$tool]+="$r_npause "
                [[ $tool == vs ]] && own[$mode]+="$r_own "
                say "round $i $tool ($mode): paused $r_pause ms (events)${r_own:+, $r_own ms (manifest)}, command $r_wall ms, memory $(mib "$r_size")"
            done
        done
    done
    ev_stop
    tb_virsh destroy "$dom" >/dev/null 2>&1 # no TCG guest left burning a CPU

    emit ""
    emit "### Figure 5: guest pause, \`virt-state restore-point create --quiesce off\` vs \`virsh snapshot-create-as --memspec ... --diskspec ...\`"
    emit ""
    emit "One guest (tests/testbed, $(mib "$ram") RAM, 1 vCPU, TCG, two 64 MiB qcow2 disks vda and vdb), booted and its agent answering; first without --live, then with it, $pause_rounds rounds per tool and mode after one warm-up round each, alternating virt-state, virsh, ...; a round waits for the agent, runs \`sync\` and waits one more second, then takes a point of the memory and both disks: virt-state \`-q --store <tmpdir> --json restore-point create DOMAIN NAME --quiesce off [--live]\` (memory image in the store), virsh \`snapshot-create-as DOMAIN NAME --no-metadata [--live] --memspec file=<dir>/mem.NAME,snapshot=external --diskspec vda,file=<dir>/vda.NAME.qcow2,snapshot=external --diskspec vdb,...\` (same filesystem). Then, outside the measurement, the domain goes back onto its base files: \`virt-state restore-point delete\` (memory image removed, overlays committed) or \`virt-state commit\` and removing virsh's files. The pause is measured the same way for both: a separate \`virsh event --domain DOMAIN --event lifecycle --loop --timestamp\` client running through the whole figure, from the SUSPENDED event to the RESUMED event that follows, in ms (the timestamps' resolution)."
    emit ""
    emit "| mode | tool | median pause | mean | min | max | median command (wall clock) | memory image (median) | image / RAM |"
    emit "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    local -a s
    local -A r=() v=()
    for mode in nonlive live; do
        for tool in vs vh; do
            # shellcheck disable=SC2086
            read -ra s <<<"$(stats ${pause[$mode.$tool]})"
            local sz
            # shellcheck disable=SC2086
            sz=$(med ${size[$mode.$tool]})
            # shellcheck disable=SC2086
            emit "| $([[ $mode == live ]] && echo live || echo non-live) | $([[ $tool == vs ]] && echo virt-state || echo virsh) | $(fmt "${s[0]}") | $(fmt "${s[1]}") | ${s[2]} | ${s[3]} | $(fmt "$(med ${wall[$mode.$tool]})") | $(mib "$sz") | $(fmt "100 * $sz / $ram")% |"
        done
        # shellcheck disable=SC2086
        r[$mode]=$(ratio "$(med ${pause[$mode.vs]})" "$(med ${pause[$mode.vh]})")
        v[$mode]=$(verdict_le "${r[$mode]}" 1.0)
    done
    emit ""
    emit "**Ratio virt-state/virsh (medians of the pause), non-live: ${r[nonlive]}; goal <= 1.0: ${v[nonlive]}**"
    emit ""
    emit "**Ratio virt-state/virsh (medians of the pause), live: ${r[live]}; goal <= 1.0: ${v[live]}**"
    emit ""
    local mode_l diffs
    for mode in nonlive live; do
        mode_l=$([[ $mode == live ]] && echo live || echo non-live)
        # per round: manifest - events
        # shellcheck disable=SC2086
        diffs=$(paste -d' ' <(printf '%s\n' ${own[$mode]}) <(printf '%s\n' ${pause[$mode.vs]}) | awk '{ printf "%.3f\n", $1 - $2 }')
        # shellcheck disable=SC2086
        emit "virt-state's own figure, $mode_l (\`paused-us\` of its manifest, from the lifecycle events its own connection receives): median $(fmt "$(med ${own[$mode]})") ms; minus the listener's window, per round: median $(fmt "$(med $diffs)" 1) ms, from $(fmt "$(printf '%s\n' $diffs | minmax | cut -d' ' -f1)" 1) to $(fmt "$(printf '%s\n' $diffs | minmax | cut -d' ' -f2)" 1) ms."
        emit ""
    done
    # shellcheck disable=SC2086 # the list of counts
    emit "SUSPENDED events per snapshot: $(for mode in nonlive live; do for tool in vs vh; do printf '%s %s: %s; ' "$mode" "$tool" "$(printf '%s\n' ${npause[$mode.$tool]} | sort -u | tr '\n' ' ' | sed 's/ $//')"; done; done | sed 's/; $//') (1: one pause per snapshot)."
    emit ""
    emit "Per round, pause in ms (events):"
    emit ""
    for mode in nonlive live; do
        mode_l=$([[ $mode == live ]] && echo live || echo non-live)
        emit "- $mode_l, virt-state: ${pause[$mode.vs]}"
        emit "- $mode_l, virsh: ${pause[$mode.vh]}"
        emit "- $mode_l, virt-state's manifest: ${own[$mode]}"
        emit "- $mode_l, command wall clock, virt-state: ${wall[$mode.vs]}; virsh: ${wall[$mode.vh]}"
    done
    emit ""
    emit "Memory image sizes in bytes: $(for mode in nonlive live; do printf '%s virt-state %s; %s virsh %s; ' "$mode" "${size[$mode.vs]}" "$mode" "${size[$mode.vh]}"; done | sed 's/ *; $//')"
}

# --------------------------------------------------------------- main ---
if ((run_pause)); then
    [[ $(id -u) == 0 ]] || die "figure 5 must run as root (system libvirtd)"
    tb_require # root, libvirtd, guest image; fails the run when missing
    daemon=$(virsh -c "$TB_URI" version --daemon 2>/dev/null | sed -n 's/.*Running against daemon: *//p' | tail -n 1)
    daemon=${daemon:+, daemon $daemon}
fi

bench_begin
# The list first, while no guest burns a CPU.
((run_list)) && fig6
((run_pause)) && fig5

bench_record
exit 0
