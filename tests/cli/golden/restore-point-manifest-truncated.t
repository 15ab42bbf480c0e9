# a truncated manifest is refused wherever it was cut
$ P=$TMP/store/test/restore-points/p1; mkdir -p $P; for n in 0 39 200 700 1069; do head -c $n "$VIRT_STATE_SRCDIR/tests/cli/fixtures/restore-point.xml" > $P/manifest.xml; virt-state -c test:///nonexistent restore-point show test p1; echo "exit $?"; done; virt-state -c test:///nonexistent restore-point list test; echo "exit $?"
--- stdout
exit 1
exit 1
exit 1
exit 1
exit 1
 Name   Created   State   Consistency   Paused   Memory   Parent
------------------------------------------------------------------
exit 1
--- stderr
virt-state: restore-point show: manifest '@TMP@/store/test/restore-points/p1/manifest.xml' is not well-formed XML: line 1: Document is empty
virt-state: restore-point show: manifest '@TMP@/store/test/restore-points/p1/manifest.xml' is not well-formed XML: line 2: Start tag expected, '<' not found
virt-state: restore-point show: manifest '@TMP@/store/test/restore-points/p1/manifest.xml' is not well-formed XML: line 6: Premature end of data in tag restore-point line 2
virt-state: restore-point show: manifest '@TMP@/store/test/restore-points/p1/manifest.xml' is not well-formed XML: line 20: Premature end of data in tag restore-point line 2
virt-state: restore-point show: manifest '@TMP@/store/test/restore-points/p1/manifest.xml' is not well-formed XML: line 28: expected '>'
virt-state: restore-point list: manifest '@TMP@/store/test/restore-points/p1/manifest.xml' is not well-formed XML: line 28: expected '>'
--- exit 0
