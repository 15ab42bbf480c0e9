#!/bin/bash
# TAP test: the bash completion shim completion/virt-state, in a real bash.
#
# Each case runs in a fresh bash: it sources bash-completion (when installed)
# and the shim, sets COMP_WORDS, COMP_CWORD, COMP_LINE and COMP_POINT as
# readline would for a command line (COMP_WORDS split at blanks and at the
# ':' and '=' of COMP_WORDBREAKS), calls _virt_state, and compares COMPREPLY
# with what is expected. The cases run twice: with bash-completion and
# without it (the shim's fallback), except where bash-completion is missing.
#
# Environment: VIRT_STATE (the binary), VIRT_STATE_SRCDIR (the source tree).

set -u
export LC_ALL=C.UTF-8

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
srcdir=${VIRT_STATE_SRCDIR:-$here/../..}
VS=${VIRT_STATE:-$srcdir/virt-state}
SHIM=$srcdir/completion/virt-state
BASH_COMPLETION=${BASH_COMPLETION:-/usr/share/bash-completion/bash_completion}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/completion.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

# The shim runs "${words[0]}", as typed: put a virt-state on PATH. A script
# rather than a link, so that a VIRT_STATE wrapper (valgrind) still finds
# what lies beside it.
[[ $VS == /* ]] || VS=$PWD/$VS
mkdir -p "$tmp/bin"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$VS" >"$tmp/bin/virt-state"
chmod +x "$tmp/bin/virt-state"
export PATH="$tmp/bin:$PATH"
# No ambient connection or configuration: each case says what it needs.
unset LIBVIRT_DEFAULT_URI VIRT_STATE_STORE

# Files and directories to complete. 'a:b' has a colon, which readline
# treats as a word break.
d=$tmp/files
mkdir -p "$d/fsub" "$d/a:b" "$d/other dir"
: >"$d/foo.img"
: >"$d/space name.img"
: >"$d/zzz"

# A store with disk snapshot 'nightly' and restore point 'p1' of domain
# 'test'; directories without a manifest are no snapshot or point.
store=$tmp/store
mkdir -p "$store/test/disk-snapshots/nightly" "$store/test/disk-snapshots/half" \
    "$store/test/restore-points/p1" "$store/test/restore-points/p2-half"
: >"$store/test/disk-snapshots/nightly/manifest.xml"
: >"$store/test/restore-points/p1/manifest.xml"

ntest=0
failed=0

# complete_in_bash MODE LINE: COMPREPLY, sorted, one per line.
# MODE is "bash-completion" or "plain" (no bash-completion sourced).
complete_in_bash() {
    MODE=$1 LINE=$2 SHIM=$SHIM BASH_COMPLETION=$BASH_COMPLETION \
        bash --norc --noprofile -c '
        if [[ $MODE == bash-completion ]]; then
            # shellcheck disable=SC1090
            source "$BASH_COMPLETION" || exit 97
        fi
        source "$SHIM" || exit 98
        # Split LINE as readline does for COMP_WORDS: blanks separate words,
        # and runs of ":" or "=" (in COMP_WORDBREAKS) are words of their own.
        COMP_WORDS=()
        w=""
        for ((i = 0; i < ${#LINE}; i++)); do
            c=${LINE:i:1}
            if [[ $c == [[:blank:]] ]]; then
                [[ -n $w ]] && COMP_WORDS+=("$w")
                w=""
            elif [[ $c == [:=] ]]; then
                if [[ -n $w && ${w: -1} != [:=] ]]; then COMP_WORDS+=("$w"); w=""; fi
                w+=$c
            else
                if [[ -n $w && ${w: -1} == [:=] ]]; then COMP_WORDS+=("$w"); w=""; fi
                w+=$c
            fi
        done
        COMP_WORDS+=("$w")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_LINE=$LINE
        COMP_POINT=${#LINE}
        COMP_TYPE=9 COMP_KEY=9
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD - 1]}
        COMPREPLY=()
        _virt_state virt-state "$cur" "$prev"
        ((${#COMPREPLY[@]})) && printf "%s\n" "${COMPREPLY[@]}" | sort
        exit 0
    '
}

# check MODE DESCRIPTION LINE EXPECTED...: COMPREPLY is exactly EXPECTED.
check() {
    local mode=$1 what=$2 line=$3
    shift 3
    local expected got
    expected=$( (($#)) && printf '%s\n' "$@" | sort)
    got=$(complete_in_bash "$mode" "$line")
    local rc=$?
    ntest=$((ntest + 1))
    if ((rc == 0)) && [[ $got == "$expected" ]]; then
        echo "ok $ntest - $mode: $what"
    else
        failed=$((failed + 1))
        echo "not ok $ntest - $mode: $what"
        {
            echo "line:     '$line'"
            echo "expected: $(printf '[%s] ' "$@")"
            echo "got:      $([[ -n $got ]] && sed 's/.*/[&]/' <<<"$got" | tr '\n' ' ')"
            ((rc == 0)) || echo "bash exited $rc"
        } | sed 's/^/# /'
    fi
}

# The visible commands, from the program's own help.
mapfile -t visible < <("$VS" --config /dev/null help |
    awk '/^Commands:$/ { on = 1; next } on && /^$/ { exit } on && !seen[$1]++ { print $1 }')

modes=(plain)
if [[ -r $BASH_COMPLETION ]]; then
    modes=(bash-completion plain)
fi
ncases=22
echo "1..$((1 + ${#modes[@]} * ncases))"

ntest=1
if bash -n "$SHIM" && bash --norc -c 'source "$1" && complete -p virt-state' _ "$SHIM" >/dev/null 2>&1; then
    echo "ok 1 - the shim parses and registers _virt_state for virt-state"
else
    failed=1
    echo "not ok 1 - the shim parses and registers _virt_state for virt-state"
fi

T=test:///default
for m in "${modes[@]}"; do
    # Commands.
    check "$m" "all visible commands, nothing hidden" "virt-state " "${visible[@]}"
    check "$m" "a command by its prefix (sa)" "virt-state sa" save
    check "$m" "a group's subcommands (disk-snapshot)" "virt-state disk-snapshot " create delete list show
    check "$m" "quiesce policies" "virt-state disk-snapshot create web --quiesce " auto off required
    check "$m" "a prefix several commands share (re)" "virt-state re" recover restore restore-point revert
    check "$m" "a hidden command is not offered (s)" "virt-state s" save shell
    check "$m" "a command after global options" "virt-state -q --json ver" version
    check "$m" "a command as help's argument" "virt-state help rec" recover
    # Options.
    check "$m" "a command's option (save --b)" "virt-state save --b" --bypass-cache
    check "$m" "a command's options and the common ones (list -)" "virt-state list -" \
        --all --help --json --quiet
    check "$m" "global options (--co)" "virt-state --co" --config --connect
    check "$m" "a global option (--conn)" "virt-state --conn" --connect
    # Domain names, on the connection -c names (its URI has colons).
    check "$m" "domain names on -c $T" "virt-state -c $T save t" test
    check "$m" "domain names on -c $T for recover" "virt-state -c $T recover " test
    # Names in the store (VIRT_STATE_STORE: completion does not read a
    # --store on the line).
    VIRT_STATE_STORE=$store check "$m" "revert: restore points and disk snapshots" \
        "virt-state revert test " nightly p1
    VIRT_STATE_STORE=$store check "$m" "revert: a restore point by its prefix" "virt-state revert test p" p1
    VIRT_STATE_STORE=$store check "$m" "restore-point show: restore points only" \
        "virt-state restore-point show test " p1
    # File and directory names.
    check "$m" "file names for save's FILE" "virt-state save test $d/f" "$d/foo.img" "$d/fsub"
    check "$m" "a file name with a space" "virt-state restore $d/sp" "$d/space name.img"
    check "$m" "the value of --xml=FILE" "virt-state save --xml=$d/fo" "$d/foo.img"
    check "$m" "only directories for --store" "virt-state --store $d/" \
        "$d/a:b" "$d/fsub" "$d/other dir"
    check "$m" "a directory with a colon for --store" "virt-state --store $d/a:" b
done

((failed == 0))
