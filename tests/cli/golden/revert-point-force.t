# --force and --start are for disk snapshots: with a restore point they are usage errors, and nothing changes
$ P=$TMP/store/test/restore-points/p1; mkdir -p $P; cp "$VIRT_STATE_SRCDIR/tests/cli/fixtures/restore-point.xml" $P/manifest.xml; virt-state -c test:///default revert test p1 --force; echo "exit $?"; virt-state -c test:///default revert test p1 --start --paused; echo "exit $?"; ls $TMP/store/test $P
--- stdout
exit 2
exit 2
@TMP@/store/test:
lock
restore-points

@TMP@/store/test/restore-points/p1:
manifest.xml
--- stderr
virt-state: revert: --force and --start are for disk snapshots; a restore point keeps the state being left and takes --running or --paused
Try 'virt-state revert --help' for more information.
virt-state: revert: --force and --start are for disk snapshots; a restore point keeps the state being left and takes --running or --paused
Try 'virt-state revert --help' for more information.
--- exit 0
