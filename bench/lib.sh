# shellcheck shell=bash
# Helpers shared by the benchmark scripts (run.sh, snapshot.sh,
# restore-point.sh): messages, statistics, the results section and its
# header lines. Source it right after setting BENCH_DIR and TOP:
#
#   BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
#   TOP=$(cd "$BENCH_DIR/.." && pwd)
#   . "$BENCH_DIR/lib.sh"
#
# The caller sets, before machine_facts / bench_record: binary (the
# virt-state binary), cmdline (the command as run), results, record, and
# optionally daemon (", daemon X.Y.Z").
# shellcheck disable=SC2154 # binary, cmdline, results, record: the caller's

die() { echo "bench: $*" >&2; exit 1; }
say() { echo "bench: $*" >&2; }

# bench_binary: checks $binary (a usage error when missing) and makes it
# absolute
bench_binary() {
    [[ -x $binary ]] || { echo "bench: no virt-state binary at '$binary' (build it, or give -b / VIRT_STATE)" >&2; exit 2; }
    binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
}

# ------------------------------------------------------------ numbers ---
now_ns() { date +%s%N; }

# median of the numbers on stdin (mean of the middle two for an even count)
median() {
    sort -n | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "nan"; exit }
        if (NR % 2) printf "%.3f\n", v[(NR + 1) / 2];
        else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
mean() { awk '{ s += $1 } END { if (NR) printf "%.3f\n", s / NR; else print "nan" }'; }
minmax() { sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s %s\n", lo, hi }'; }
# ratio A B with 3 decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f\n", a / b; else print "nan" }'; }
# verdict_le RATIO GOAL: PASS when RATIO <= GOAL; verdict_ge: when RATIO >= GOAL
verdict_le() { awk -v r="$1" -v g="$2" 'BEGIN { print (r != "nan" && r <= g) ? "PASS" : "MISS" }'; }
verdict_ge() { awk -v r="$1" -v g="$2" 'BEGIN { print (r != "nan" && r >= g) ? "PASS" : "MISS" }'; }
# fmt EXPRESSION [DECIMALS=1]: an arithmetic expression of numbers, evaluated by awk
fmt() { awk "BEGIN { printf \"%.${2:-1}f\", ($1) }"; }
ms() { awk -v n="$1" 'BEGIN { printf "%.1f", n / 1e6 }'; }   # ns -> ms, 1 decimal
mib() { awk -v n="$1" 'BEGIN { printf "%.1f MiB", n / 1048576 }'; }
# stats NUMBERS...: "median mean min max" of its arguments
stats() {
    local m a mm
    m=$(printf '%s\n' "$@" | median)
    a=$(printf '%s\n' "$@" | mean)
    mm=$(printf '%s\n' "$@" | minmax)
    echo "$m $a $mm"
}

# awk functions for the timestamps libvirt prints ("2026-11-22 05:10:55.123+0000",
# UTC, as the daemon's log and 'virsh event --timestamp' write them):
# epoch_ms(DATE, TIME) is the time in ms since the epoch.
# shellcheck disable=SC2016,SC2034 # awk's own $ fields; used by the scripts
BENCH_EPOCH_AWK='
    function days(y, m, d,   era, yoe, doy) { # days since 1970-01-01 of a civil date
        y -= (m <= 2); era = int(y / 400); yoe = y - era * 400
        doy = int((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1
        return era * 146097 + yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy - 719468
    }
    function epoch_ms(date, time,   a, b) {
        split(date, a, "-"); split(time, b, ":"); sub(/\+.*/, "", b[3])
        return days(a[1] + 0, a[2] + 0, a[3] + 0) * 86400000 + ((b[1] * 60 + b[2]) * 60 + b[3]) * 1000
    }
'

# ------------------------------------------------------------ section ---
OUT=()   # the section, line by line
emit() { OUT+=("$*"); }

machine_facts() {
    local head dirty="" cpu qemu qimg lib vsver
    head=$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)
    if [[ -n $(git -C "$TOP" status --porcelain -- src cmds configure.ac Makefile.am 2>/dev/null) ]]; then
        dirty=" (with uncommitted changes in src/, cmds/ or the build files)"
    fi
    cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
    qemu=$(qemu-system-x86_64 --version 2>/dev/null | head -n 1)
    qimg=$(qemu-img --version 2>/dev/null | head -n 1)
    lib=$(virsh --version 2>/dev/null)
    vsver=$("$binary" --version 2>/dev/null | head -n 1)
    emit "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    emit "- host: $(nproc) CPUs, ${cpu:-unknown CPU}, kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
    emit "- libvirt: library $lib${daemon:-}; QEMU: ${qemu:-not found}; ${qimg:+$qimg; }guests use TCG (domain type qemu)"
    emit "- virt-state: commit $head$dirty; binary $binary ($vsver)"
    emit "- command: \`$cmdline\`"
}

# bench_begin: the section's title and the facts of the machine
bench_begin() {
    emit ""
    emit "## $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    emit ""
    machine_facts
}

# bench_record: prints the section, and appends it to $results unless
# --no-record was given
bench_record() {
    local section
    section=$(printf '%s\n' "${OUT[@]}")
    echo "$section"
    if ((record)); then
        if [[ ! -e $results ]]; then
            printf '# virt-state benchmark results\n\nAppended by the scripts in bench/ (run.sh, snapshot.sh, restore-point.sh), newest last. See bench/README.md for what each figure measures.\n' >"$results"
        fi
        printf '%s\n' "$section" >>"$results" || die "cannot append to $results"
        say "recorded in $results"
    fi
}
