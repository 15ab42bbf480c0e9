# a manifest whose disk paths escape with .. or are relative is refused, before any libvirt call; revert refuses it too
$ P=$TMP/store/test/restore-points/p1; mkdir -p $P; sed "s|>/guest/diskimage1<|>/guest/../../etc/shadow<|" "$VIRT_STATE_SRCDIR/tests/cli/fixtures/restore-point.xml" > $P/manifest.xml; virt-state -c test:///nonexistent restore-point show test p1; echo "exit $?"; virt-state -c test:///default revert test p1; echo "exit $?"; sed "s|<overlay>/guest/|<overlay>|" "$VIRT_STATE_SRCDIR/tests/cli/fixtures/restore-point.xml" > $P/manifest.xml; virt-state -c test:///nonexistent restore-point show test p1; echo "exit $?"; sed "s|>/guest/diskimage1<|>/guest/<|" "$VIRT_STATE_SRCDIR/tests/cli/fixtures/restore-point.xml" > $P/manifest.xml; virt-state -c test:///nonexistent restore-point show test p1; echo "exit $?"
--- stdout
exit 1
exit 1
exit 1
exit 1
--- stderr
virt-state: restore-point show: manifest '@TMP@/store/test/restore-points/p1/manifest.xml' is invalid: disk vda: paths must be absolute, without '.' or '..' components or a trailing '/'
virt-state: revert: manifest '@TMP@/store/test/restore-points/p1/manifest.xml' is invalid: disk vda: paths must be absolute, without '.' or '..' components or a trailing '/'
virt-state: restore-point show: manifest '@TMP@/store/test/restore-points/p1/manifest.xml' is invalid: line 24: element overlay: Element overlay failed to validate content
virt-state: restore-point show: manifest '@TMP@/store/test/restore-points/p1/manifest.xml' is invalid: disk vda: paths must be absolute, without '.' or '..' components or a trailing '/'
--- exit 0
