#!/bin/bash
# README command 2, and what CI runs (.ci/run): the whole test suite on a
# clean Debian 12 machine, as root.
#
#   1. install what the tests need and start libvirtd (no network, ever);
#   2. build out of tree and run every layer: unit, command line, and the
#      integration tests on a real libvirtd + QEMU with the tiny test guest;
#   3. the same suite under AddressSanitizer + UndefinedBehaviorSanitizer;
#   4. unit and command-line tests under valgrind (no leaks, no errors);
#   5. make distcheck (unit and command-line layers inside the tarball).
#
# VIRT_STATE_TEST_STAGES limits the stages, e.g. "build" or "build asan".
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
stages=${VIRT_STATE_TEST_STAGES:-build asan valgrind distcheck}
jobs=$(nproc 2>/dev/null || echo 2)
say() { printf '\n=== %s\n' "$*" >&2; }

if [ "$(id -u)" != 0 ]; then
    echo "run-tests: run as root: the integration tests drive the system libvirtd" >&2
    exit 1
fi
say "dependencies and daemons"
scripts/install-deps.sh
scripts/start-libvirtd.sh
say "building the test guest (cached once per machine)"
tests/testbed/build-guest.sh

# Builds happen out of tree; an in-tree configuration would stop them.
if [ -f config.status ]; then
    say "cleaning the in-tree build (make distclean) for the out-of-tree builds"
    make -s distclean >/dev/null 2>&1 || true
fi
[ -x configure ] && [ configure -nt configure.ac ] && [ Makefile.in -nt Makefile.am ] || ./autogen.sh >/dev/null 2>&1

passed=0 failed=0 skipped=0
count() { # adds up the summary of one automake test-suite log
    local log=$1
    [ -f "$log" ] || return 0
    local p f s
    p=$(sed -n 's/^# PASS: *//p' "$log" | head -n1)
    f=$(( $(sed -n 's/^# FAIL: *//p' "$log" | head -n1) + $(sed -n 's/^# ERROR: *//p' "$log" | head -n1) + $(sed -n 's/^# XPASS: *//p' "$log" | head -n1) ))
    s=$(sed -n 's/^# SKIP: *//p' "$log" | head -n1)
    passed=$((passed + ${p:-0})) failed=$((failed + ${f:-0})) skipped=$((skipped + ${s:-0}))
}
status=0
run_check() { # run_check DIR CONFIGURE-ARGS [MAKE-ARGS...]
    local dir=$1 conf=$2; shift 2
    rm -rf "$dir"
    mkdir -p "$dir"
    (cd "$dir" && "$top/configure" -q $conf && make -s -j"$jobs" && make -s -j"$jobs" check VERBOSE=yes "$@") || status=1
    count "$dir/test-suite.log"
}

for stage in $stages; do
    case $stage in
    build)
        say "configure names the Debian package of a missing dependency"
        rm -rf _build-nodeps && mkdir _build-nodeps
        if (cd _build-nodeps && ! PKG_CONFIG_LIBDIR=/nonexistent "$top/configure" -q >out 2>&1) &&
            grep -q 'install the Debian package libvirt-dev' _build-nodeps/out; then
            passed=$((passed + 1)); echo "PASS: configure without libvirt's pkg-config file says what to install"
        else
            failed=$((failed + 1)); status=1; echo "FAIL: configure without libvirt"; cat _build-nodeps/out
        fi
        rm -rf _build-nodeps
        say "build and the whole suite"
        run_check _build ""
        ;;
    asan)
        say "the whole suite under AddressSanitizer and UndefinedBehaviorSanitizer"
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
            run_check _build-asan "--enable-sanitizers"
        ;;
    valgrind)
        say "unit and command-line tests under valgrind"
        # valgrind runs every command 20-50 times slower: each test gets
        # 30 minutes instead of the plain limit of 5.
        [ -x _build/virt-state ] || (mkdir -p _build && cd _build && "$top/configure" -q && make -s -j"$jobs" all)
        quick=$(make -s -C _build print-quick-tests)
        make -s -C _build -j"$jobs" $(printf '%s\n' $quick | grep '^tests/unit/')
        vgdir=$top/_build/valgrind
        mkdir -p "$vgdir"
        cp -f tests/valgrind-wrapper.sh tests/valgrind.supp "$vgdir/"
        ln -sf valgrind-wrapper.sh "$vgdir/virt-state"
        (cd _build && make -s -j"$jobs" check VERBOSE=yes TEST_SUITE_LOG=valgrind-suite.log TESTS="$quick" \
            TESTS_ENVIRONMENT="VIRT_STATE='$vgdir/virt-state' VIRT_STATE_REAL='$top/_build/virt-state' VIRT_STATE_SRCDIR='$top' VIRT_STATE_BUILDDIR='$top/_build' LIBVIRT_DEFAULT_URI= VIRT_STATE_STORE= LC_ALL=C.UTF-8 VIRT_STATE_TEST_TIMEOUT=1800") || status=1
        count _build/valgrind-suite.log
        # The unit test programs themselves, under valgrind.
        for t in $quick; do
            case $t in tests/unit/*) ;; *) continue ;; esac
            if valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
                --errors-for-leak-kinds=definite,indirect "_build/$t" >/dev/null; then
                passed=$((passed + 1)); echo "PASS: valgrind $t"
            else
                failed=$((failed + 1)); status=1; echo "FAIL: valgrind $t"
            fi
        done
        ;;
    distcheck)
        say "make install into a staging directory"
        dest=$(mktemp -d /tmp/vs-install-XXXXXX)
        compdir=$(pkg-config --variable=completionsdir bash-completion)
        if (cd _build && make -s install DESTDIR="$dest") && [ -x "$dest/usr/local/bin/virt-state" ] \
            && [ -f "$dest/usr/local/share/man/man1/virt-state.1" ] && [ -f "$dest$compdir/virt-state" ] \
            && "$dest/usr/local/bin/virt-state" --version >/dev/null; then
            passed=$((passed + 1)); echo "PASS: make install (binary, man page, completion in $compdir)"
        else
            failed=$((failed + 1)); status=1; echo "FAIL: make install"; find "$dest" -type f
        fi
        rm -rf "$dest"
        say "make distcheck"
        (cd _build && make -s -j"$jobs" distcheck TESTS="$(make -s print-quick-tests)") && passed=$((passed + 1)) \
            || { failed=$((failed + 1)); status=1; echo "FAIL: make distcheck"; }
        ;;
    *)
        echo "run-tests: unknown stage '$stage'" >&2
        exit 2
        ;;
    esac
done

echo
echo "run-tests: $passed passed, $failed failed, $skipped skipped"
exit $status
