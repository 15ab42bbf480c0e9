# a manifest that fails the schema is reported, never used
$ mkdir -p $TMP/store/test/disk-snapshots/x; printf "<disk-snapshot version=\"1\"><name>x</name></disk-snapshot>" > $TMP/store/test/disk-snapshots/x/manifest.xml; virt-state -c test:///default disk-snapshot show test x; echo "exit $?"; virt-state -c test:///default revert test x; echo "exit $?"
--- stdout
exit 1
exit 1
--- stderr
virt-state: disk-snapshot show: manifest '@TMP@/store/test/disk-snapshots/x/manifest.xml' is invalid: line 1: element disk-snapshot: Expecting an element , got nothing
virt-state: revert: manifest '@TMP@/store/test/disk-snapshots/x/manifest.xml' is invalid: line 1: element disk-snapshot: Expecting an element , got nothing
--- exit 0
