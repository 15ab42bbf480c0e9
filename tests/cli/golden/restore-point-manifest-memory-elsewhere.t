# a manifest cannot put the memory image or the definition outside the point's directory
$ P=$TMP/store/test/restore-points/p1; mkdir -p $P; sed "s|file=\"memory.img\"|file=\"../../../../../etc/shadow\"|" "$VIRT_STATE_SRCDIR/tests/cli/fixtures/restore-point.xml" > $P/manifest.xml; virt-state -c test:///nonexistent restore-point show test p1; echo "exit $?"; sed "s|file=\"domain.xml\"|file=\"/etc/libvirt/qemu/test.xml\"|" "$VIRT_STATE_SRCDIR/tests/cli/fixtures/restore-point.xml" > $P/manifest.xml; virt-state -c test:///nonexistent restore-point show test p1; echo "exit $?"
--- stdout
exit 1
exit 1
--- stderr
virt-state: restore-point show: manifest '@TMP@/store/test/restore-points/p1/manifest.xml' is invalid: line 19: element memory: Element memory failed to validate attributes
virt-state: restore-point show: manifest '@TMP@/store/test/restore-points/p1/manifest.xml' is invalid: line 20: element definition: Element definition failed to validate attributes
--- exit 0
