# --running and --paused are for restore points: with a disk snapshot they are usage errors
$ mkdir -p $TMP/store/test/disk-snapshots/s1; : > $TMP/store/test/disk-snapshots/s1/manifest.xml; virt-state -c test:///default revert test s1 --paused; echo "exit $?"
--- stdout
exit 2
--- stderr
virt-state: revert: --running and --paused are for restore points; with a disk snapshot, --start starts the domain
Try 'virt-state revert --help' for more information.
--- exit 0
