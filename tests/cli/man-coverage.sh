#!/bin/bash
# TAP test: man/virt-state.1 documents what the command table declares.
#
# The program is the source of truth: 'virt-state help' lists the visible
# commands and the global options, 'virt-state CMD --help' gives a command's
# synopsis (first line), arguments and options, and 'virt-state complete --'
# lists the long options completion offers. The man page must have, for every
# visible command, a subsection under COMMANDS named after it, holding the
# synopsis exactly as --help prints it and one item (.TP tag) per argument and
# per option, its tag reading as the option's column in --help ("-a, --all",
# "--xml FILE"); under GLOBAL OPTIONS one item per global option; and nothing
# documented that the program does not have. groff -ww (and mandoc -Tlint
# when installed) must be silent.
#
# Environment: VIRT_STATE (the binary), VIRT_STATE_SRCDIR (the source tree),
# VIRT_STATE_MAN (the page to check; default: the source tree's).

set -u
export LC_ALL=C.UTF-8

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
srcdir=${VIRT_STATE_SRCDIR:-$here/../..}
VS=${VIRT_STATE:-$srcdir/virt-state}
MAN=${VIRT_STATE_MAN:-$srcdir/man/virt-state.1}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/man-coverage.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

# No configuration file, no environment, no connection needed.
unset LIBVIRT_DEFAULT_URI VIRT_STATE_STORE
vs() { "$VS" --config /dev/null "$@"; }

ntest=0
failed=0
ok() { ntest=$((ntest + 1)); echo "ok $ntest - $*"; }
not_ok() { ntest=$((ntest + 1)); failed=$((failed + 1)); echo "not ok $ntest - $*"; }
diag() { sed 's/^/# /'; }

# ---- the roff normaliser -------------------------------------------------
# Turns man(7) source into records "KIND<TAB>LINE<TAB>SECTION<TAB>SUBSECTION<TAB>TEXT"
# with KIND one of SH, SS, TAG (the tag line of a .TP or .IP item) and TEXT,
# font escapes removed, \- as -, quotes of macro arguments dropped, and the
# arguments of alternating-font macros (.BR, .IR...) joined without spaces.
normalise() {
    awk '
    function unescape(s) {
        gsub(/\\\\/, "\001", s)          # \\ (rare) and \e: a literal backslash
        gsub(/\\e/, "\001", s)
        gsub(/\\f\[[^\]]*\]/, "", s)
        gsub(/\\f\([A-Za-z][A-Za-z]/, "", s)
        gsub(/\\f[A-Za-z0-9]/, "", s)
        gsub(/\\-/, "-", s)
        gsub(/\\\(aq|\\\[aq\]/, "\047", s)
        gsub(/\\\(dq|\\\[dq\]|\\\(lq|\\\[lq\]|\\\(rq|\\\[rq\]/, "\"", s)
        gsub(/\\\(em|\\\[em\]/, "--", s)
        gsub(/\\\(en|\\\[en\]|\\\(hy|\\\[hy\]/, "-", s)
        gsub(/\\\(bu|\\\[bu\]/, "*", s)
        gsub(/\\\(ti|\\\[ti\]/, "~", s)
        gsub(/\\[~ ]/, " ", s)
        gsub(/\\[&\/,%|^:c]/, "", s)
        gsub(/\001/, "\\", s)
        return s
    }
    # Splits the arguments of a macro line like roff does.
    function split_args(s, args,    n, i, c, cur, inq, have) {
        n = 0; cur = ""; inq = 0; have = 0
        for (i = 1; i <= length(s); i++) {
            c = substr(s, i, 1)
            if (inq) {
                if (c == "\"") {
                    if (substr(s, i + 1, 1) == "\"") { cur = cur "\""; i++ }
                    else inq = 0
                } else cur = cur c
            } else if (c == " " || c == "\t") {
                if (have) { args[++n] = cur; cur = ""; have = 0 }
            } else if (c == "\"" && !have) {
                inq = 1; have = 1
            } else { cur = cur c; have = 1 }
        }
        if (have) args[++n] = cur
        return n
    }
    function squeeze(s) {
        gsub(/[ \t]+/, " ", s); sub(/^ /, "", s); sub(/ $/, "", s)
        return s
    }
    function emit(kind, text) {
        text = squeeze(unescape(text))
        if (kind == "TEXT" && want_tag) { kind = "TAG"; want_tag = 0 }
        if (kind == "TEXT" && text == "") return
        printf "%s\t%d\t%s\t%s\t%s\n", kind, NR, sh, ss, text
    }
    BEGIN { sh = ""; ss = ""; want_tag = 0 }
    /^[.\047][ \t]*\\"/ { next }                       # comment
    /^[.\047]/ {
        line = substr($0, 2)
        sub(/^[ \t]+/, "", line)
        name = line; sub(/[ \t].*/, "", name)
        rest = substr(line, length(name) + 1)
        n = split_args(rest, a)
        text = ""
        if (name ~ /^(BR|BI|IB|IR|RB|RI)$/) {
            for (i = 1; i <= n; i++) text = text a[i]
        } else {
            for (i = 1; i <= n; i++) text = text (i > 1 ? " " : "") a[i]
        }
        if (name == "SH") { sh = squeeze(unescape(text)); ss = ""; want_tag = 0; emit("SH", text); next }
        if (name == "SS") { ss = squeeze(unescape(text)); want_tag = 0; emit("SS", text); next }
        if (name == "TP") { want_tag = 1; next }
        if (name == "IP") { if (n >= 1 && a[1] != "") { want_tag = 0; emit("TAG", a[1]) } ; next }
        if (name ~ /^(B|I|SM|SB|BR|BI|IB|IR|RB|RI)$/) { emit("TEXT", text); next }
        next                                            # other requests and macros
    }
    { emit("TEXT", $0) }
    ' "$1"
}

# ---- what the program declares -------------------------------------------
# Filled once by read_program: the visible commands, and for each its
# synopsis, option columns, long options (from completion) and arguments.
declare -a COMMANDS=()
declare -A SYNOPSIS=() OPTSPECS=() LONGOPTS=() ARGS=()
GLOBAL_SPECS=""
GLOBAL_LONGS=""

# The left column of an option line of --help: "-a, --all", "--xml FILE".
option_spec() {
    local line=${1#"${1%%[![:space:]]*}"}
    local left=${line%%  *}
    if [[ $left =~ ^(-[[:alnum:]],\ )?--[a-z0-9-]+(\ [A-Z][A-Z0-9_.-]*)?$ ]]; then
        printf '%s\n' "$left"
    elif [[ $line =~ ^((-[[:alnum:]],\ )?--[a-z0-9-]+(\ [A-Z][A-Z0-9_.-]*)?)(\ |$) ]]; then
        printf '%s\n' "${BASH_REMATCH[1]}"
    fi
}

# Lines of one "Heading:" block of a help text.
help_block() {
    awk -v want="$1" '$0 == want ":" { on = 1; next } on && /^$/ { exit } on { print }'
}

read_program() {
    local overview name first help line
    overview=$(vs help) || { echo "virt-state help failed" >&2; return 1; }
    while IFS= read -r line; do
        first=$(awk '{ print $1 }' <<<"$line")
        # A command name is one word, or a group and its subcommand.
        # (help of a group lists its subcommands: "Usage: ... GROUP SUBCOMMAND").
        if vs help "$first" 2>/dev/null | head -n1 | grep -qv ' SUBCOMMAND '; then
            name=$first
        else
            name=$(awk '{ print $1 " " $2 }' <<<"$line")
        fi
        COMMANDS+=("$name")
        # shellcheck disable=SC2086 # a grouped name is two words
        help=$(vs $name --help) || { echo "virt-state $name --help failed" >&2; return 1; }
        SYNOPSIS[$name]=$(head -n1 <<<"$help" | sed 's/^Usage: //')
        OPTSPECS[$name]=$(help_block Options <<<"$help" | while IFS= read -r l; do option_spec "$l"; done)
        ARGS[$name]=$(help_block Arguments <<<"$help" | awk '{ print $1 }')
        # shellcheck disable=SC2086
        LONGOPTS[$name]=$(vs complete -- $name --)
    done < <(help_block Commands <<<"$overview")
    GLOBAL_SPECS=$(help_block "Global options" <<<"$overview" | while IFS= read -r l; do option_spec "$l"; done)
    GLOBAL_LONGS=$(vs complete -- -)
    ((${#COMMANDS[@]} > 0)) || { echo "no commands found in 'virt-state help'" >&2; return 1; }
}

# ---- the checker ---------------------------------------------------------
# check_man PAGE: prints one problem per line as "AREA: problem" and fails
# if there is any. AREA is "command NAME", "commands", "global options",
# "sections", "exit status", "environment" or "formatting".
check_man() {
    local page=$1 norm
    norm=$(mktemp "$tmp/norm.XXXXXX")
    if [[ ! -r $page ]]; then
        echo "formatting: cannot read '$page'"
        return 1
    fi
    normalise "$page" >"$norm"
    {
        local out
        if command -v groff >/dev/null; then
            out=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
            [[ -z $out ]] || sed 's/^/formatting: groff: /' <<<"$out"
        else
            echo "formatting: groff: not installed (Debian package groff-base)"
        fi
        if command -v mandoc >/dev/null; then
            out=$(mandoc -Tlint -Wwarning "$page" 2>&1)
            [[ -z $out ]] || sed 's/^/formatting: mandoc: /' <<<"$out"
        fi

        local s
        for s in NAME SYNOPSIS DESCRIPTION "GLOBAL OPTIONS" COMMANDS "EXIT STATUS" ENVIRONMENT FILES EXAMPLES "SEE ALSO"; do
            awk -F'\t' -v s="$s" '$1 == "SH" && $5 == s { f = 1 } END { exit !f }' "$norm" ||
                echo "sections: no section $s"
        done

        local c spec arg long tag
        for c in "${COMMANDS[@]}"; do
            if ! awk -F'\t' -v c="$c" '$1 == "SS" && $3 == "COMMANDS" && $5 == c { f = 1 } END { exit !f }' "$norm"; then
                echo "command $c: no subsection '$c' under COMMANDS"
                continue
            fi
            # The synopsis: the subsection's text, joined, must contain it verbatim.
            SYN=${SYNOPSIS[$c]} awk -F'\t' -v c="$c" '
                $3 == "COMMANDS" && $4 == c && ($1 == "TEXT" || $1 == "TAG") { t = t " " $5 }
                END { gsub(/ +/, " ", t); exit !index(t " ", " " ENVIRON["SYN"] " ") }' "$norm" ||
                echo "command $c: synopsis '${SYNOPSIS[$c]}' not found in its subsection"
            while IFS= read -r spec; do
                [[ -n $spec ]] || continue
                tag_in "$norm" COMMANDS "$c" "$spec" ||
                    echo "command $c: option '$spec' is not an item of its subsection"
            done <<<"${OPTSPECS[$c]}"
            while IFS= read -r arg; do
                [[ -n $arg ]] || continue
                tag_in "$norm" COMMANDS "$c" "$arg" ||
                    echo "command $c: argument '$arg' is not an item of its subsection"
            done <<<"${ARGS[$c]}"
            while IFS= read -r long; do
                [[ -n $long ]] || continue
                long_in_tags "$norm" COMMANDS "$c" "$long" ||
                    echo "command $c: option '$long' (offered by completion) is not an item of its subsection"
                awk -v o="$long" '{ n = split($0, w, /[ ,]+/); for (i = 1; i <= n; i++) if (w[i] == o) f = 1 }
                    END { exit !f }' <<<"${OPTSPECS[$c]}" ||
                    echo "command $c: completion offers '$long' but --help does not list it"
            done <<<"${LONGOPTS[$c]}"
            # Nothing documented that the command lacks.
            while IFS= read -r tag; do
                grep -qxF -e "$tag" <<<"${OPTSPECS[$c]}" ||
                    echo "command $c: item '$tag' is no option of the command"
            done < <(awk -F'\t' -v c="$c" '$1 == "TAG" && $3 == "COMMANDS" && $4 == c && $5 ~ /^-/ { print $5 }' "$norm")
        done
        local ssname
        while IFS= read -r ssname; do
            printf '%s\n' "${COMMANDS[@]}" | grep -qxF -e "$ssname" ||
                echo "commands: subsection '$ssname' names no visible command"
        done < <(awk -F'\t' '$1 == "SS" && $3 == "COMMANDS" { print $5 }' "$norm")

        while IFS= read -r spec; do
            [[ -n $spec ]] || continue
            tag_in "$norm" "GLOBAL OPTIONS" "" "$spec" ||
                echo "global options: '$spec' is not an item of GLOBAL OPTIONS"
        done <<<"$GLOBAL_SPECS"
        while IFS= read -r long; do
            [[ -n $long ]] || continue
            long_in_tags "$norm" "GLOBAL OPTIONS" "" "$long" ||
                echo "global options: '$long' (offered by completion) is not an item of GLOBAL OPTIONS"
        done <<<"$GLOBAL_LONGS"
        while IFS= read -r tag; do
            grep -qxF -e "$tag" <<<"$GLOBAL_SPECS" ||
                echo "global options: item '$tag' is no global option"
        done < <(awk -F'\t' '$1 == "TAG" && $3 == "GLOBAL OPTIONS" && $4 == "" && $5 ~ /^-/ { print $5 }' "$norm")

        local code var
        for code in 0 1 2 3; do
            tag_in "$norm" "EXIT STATUS" "" "$code" || echo "exit status: $code is not documented"
        done
        for var in LIBVIRT_DEFAULT_URI VIRT_STATE_STORE VIRT_STATE_HISTORY VIRT_STATE_FAULT_AT; do
            tag_in "$norm" ENVIRONMENT "" "$var" || echo "environment: $var is not documented"
        done
    } | tee "$norm.problems"
    [[ ! -s $norm.problems ]]
}

# tag_in NORM SECTION SUBSECTION TEXT: an item tagged exactly TEXT there.
tag_in() {
    awk -F'\t' -v s="$2" -v ss="$3" -v t="$4" \
        '$1 == "TAG" && $3 == s && $4 == ss && $5 == t { f = 1 } END { exit !f }' "$1"
}

# long_in_tags NORM SECTION SUBSECTION --LONG: --LONG is one of the words of a tag.
long_in_tags() {
    awk -F'\t' -v s="$2" -v ss="$3" -v o="$4" '
        $1 == "TAG" && $3 == s && $4 == ss {
            n = split($5, w, /[ ,=]+/)
            for (i = 1; i <= n; i++) if (w[i] == o) f = 1
        }
        END { exit !f }' "$1"
}

# ---- the tests -------------------------------------------------------------
if ! read_program 2>"$tmp/err"; then
    echo "1..1"
    echo "not ok 1 - read the command table from '$VS'"
    diag <"$tmp/err"
    exit 1
fi

areas=("formatting" "sections" "commands")
for c in "${COMMANDS[@]}"; do areas+=("command $c"); done
areas+=("global options" "exit status" "environment")
nself=5
echo "1..$((${#areas[@]} + nself))"

check_man "$MAN" >"$tmp/problems"
for a in "${areas[@]}"; do
    if grep -q "^$a: " "$tmp/problems"; then
        not_ok "$a: documented in $(basename "$MAN")"
        grep "^$a: " "$tmp/problems" | diag
    else
        ok "$a: documented in $(basename "$MAN")"
    fi
done

# ---- the checker catches what it is meant to catch -------------------------
# Each case breaks a copy of the page in one place and expects that very
# problem to be reported, so a checker that silently passes fails here.
normalise "$MAN" >"$tmp/norm"
expect_problem() {
    local what=$1 copy=$2 expected=$3 out
    if out=$(check_man "$copy"); then
        not_ok "self-check: $what is reported"
        echo "# the checker found no problem in the broken copy"
    elif grep -qF -e "$expected" <<<"$out"; then
        ok "self-check: $what is reported"
    else
        not_ok "self-check: $what is reported"
        { echo "expected a problem containing: $expected"; echo "got:"; printf '%s\n' "$out"; } | diag
    fi
}
# The source line of the first record matching KIND, SECTION, SUBSECTION and TEXT.
line_of() {
    awk -F'\t' -v k="$1" -v s="$2" -v ss="$3" -v t="$4" \
        '$1 == k && $3 == s && $4 == ss && index($5, t) == 1 { print $2; exit }' "$tmp/norm"
}
drop_line() { # drop_line N COPY
    if [[ -n $1 ]]; then sed "${1}d" "$MAN" >"$2"; else cp "$MAN" "$2"; fi
}

# A command's option: the first command that has one of its own.
victim="" vopt=""
for c in "${COMMANDS[@]}"; do
    vopt=$(grep -v -e '--help$' -e '--json$' -e '--quiet$' <<<"${OPTSPECS[$c]}" | head -n1)
    if [[ -n $vopt ]]; then victim=$c; break; fi
done
drop_line "$(line_of TAG COMMANDS "$victim" "$vopt")" "$tmp/no-option.1"
expect_problem "a missing option of '$victim' ($vopt)" "$tmp/no-option.1" "command $victim: option '$vopt'"

last=${COMMANDS[${#COMMANDS[@]} - 1]}
drop_line "$(line_of SS COMMANDS "$last" "$last")" "$tmp/no-command.1"
expect_problem "a missing command ($last)" "$tmp/no-command.1" "command $last: no subsection"

drop_line "$(line_of TEXT COMMANDS "$victim" "virt-state $victim")" "$tmp/no-synopsis.1"
expect_problem "a missing synopsis ($victim)" "$tmp/no-synopsis.1" "command $victim: synopsis"

gopt=$(grep -- '--store' <<<"$GLOBAL_SPECS" || head -n1 <<<"$GLOBAL_SPECS")
drop_line "$(line_of TAG "GLOBAL OPTIONS" "" "$gopt")" "$tmp/no-global.1"
expect_problem "a missing global option ($gopt)" "$tmp/no-global.1" "global options: '$gopt'"

{ cat "$MAN"; echo ".NOSUCHMACRO"; } >"$tmp/bad-roff.1"
expect_problem "a groff warning" "$tmp/bad-roff.1" "formatting: groff:"

((failed == 0))
