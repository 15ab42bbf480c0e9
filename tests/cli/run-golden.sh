#!/bin/bash
# Golden command-line tests on libvirt's test:///default driver.
#
# Each tests/cli/golden/*.t holds one case:
#     $ <a bash snippet; 'virt-state' runs the program under test>
#     --- stdout
#     <expected standard output>
#     --- stderr
#     <expected standard error>
#     --- exit <expected exit status>
# $TMP in the snippet is a fresh scratch directory, shown as @TMP@ in the
# expected text; operation ids are shown as @ID@.
# VIRT_STATE_GOLDEN_UPDATE=1 rewrites the files from what the program does
# now: review the diff before committing it.
set -u
. "$(dirname "$0")/lib.sh"

run_case() {
    local file=$1 snippet
    snippet=$(sed -n 's/^\$ //p' "$file" | head -n 1)
    scratch_dir
    mkdir -p "$TMP/bin"
    ln -s "$VIRT_STATE" "$TMP/bin/virt-state"
    local cap
    cap=$(mktemp -d /tmp/vs-cli-capture-XXXXXX)
    (cd "$TMP" && PATH="$TMP/bin:$PATH" TMP="$TMP" bash -c "$snippet" >"$cap/out" 2>"$cap/err" </dev/null)
    local rc=$?
    normalize() {
        sed -e "s|$TMP|@TMP@|g" \
            -e 's/\b\([a-z-]*\)-[0-9]\{8\}T[0-9]\{6\}Z-[0-9]*/\1-@ID@/g' "$1"
    }
    {
        echo "\$ $snippet"
        echo "--- stdout"
        normalize "$cap/out"
        echo "--- stderr"
        normalize "$cap/err"
        echo "--- exit $rc"
    } >"$cap/actual"
    if [ "${VIRT_STATE_GOLDEN_UPDATE:-}" = 1 ]; then
        grep '^#' "$file" >"$cap/head" || true
        cat "$cap/head" "$cap/actual" >"$file"
    fi
    if grep -v '^#' "$file" | diff -u - "$cap/actual" >"$cap/diff"; then
        ok "$(basename "$file" .t)"
    else
        not_ok "$(basename "$file" .t)"
        diag <"$cap/diff"
    fi
    rm -rf "$TMP" "$cap"
    trap - EXIT
}

for f in "$VIRT_STATE_SRCDIR"/tests/cli/golden/*.t; do
    run_case "$f"
done

# Every visible command answers --help and 'help CMD' the same way: usage on
# stdout, exit 0, nothing on stderr.
scratch_dir
for cmd in $("$VIRT_STATE" complete -- ""); do
    out=$("$VIRT_STATE" "$cmd" --help 2>"$TMP/err"); rc=$?
    via_help=$("$VIRT_STATE" help "$cmd" 2>/dev/null)
    if [ $rc -eq 0 ] && [ ! -s "$TMP/err" ] && [ "${out%%$'\n'*}" != "${out#Usage: virt-state }" ] \
        && [ "$out" = "$via_help" ]; then
        ok "'$cmd --help': usage on stdout, exit 0, empty stderr, same as 'help $cmd'"
    else
        not_ok "'$cmd --help': usage on stdout, exit 0, empty stderr, same as 'help $cmd'"
    fi
    "$VIRT_STATE" "$cmd" --no-such-option >"$TMP/out" 2>"$TMP/err"; rc=$?
    check "'$cmd --no-such-option': exit 2, message on stderr, nothing on stdout" \
        test $rc -eq 2 -a ! -s "$TMP/out" -a -s "$TMP/err"
done
tap_done
