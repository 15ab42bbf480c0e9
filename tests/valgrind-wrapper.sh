#!/bin/bash
# Runs virt-state under valgrind for the test suite: any memory error or
# definite/indirect leak makes it exit 99, which fails the test that ran it.
# Set VIRT_STATE to this script and VIRT_STATE_REAL to the binary. Keeps the
# name it was called by, so multi-call links (virt-state-save) still work.
set -u
real=${VIRT_STATE_REAL:?VIRT_STATE_REAL must name the virt-state binary}
name=$(basename "$0")
target=$real
if [ "$name" != virt-state ] && [ "$name" != valgrind-wrapper.sh ]; then
    dir=$(mktemp -d /tmp/vs-vg-XXXXXX)
    trap 'rm -rf "$dir"' EXIT
    ln -s "$real" "$dir/$name"
    target=$dir/$name
fi
valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect --track-fds=no \
    --suppressions="$(dirname "$(readlink -f "$0")")/valgrind.supp" "$target" "$@"
