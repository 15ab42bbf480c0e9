# verify names every file of the point that is missing, and fails
$ P=$TMP/store/test/restore-points/p1; mkdir -p $P; cp "$VIRT_STATE_SRCDIR/tests/cli/fixtures/restore-point.xml" $P/manifest.xml; virt-state -c test:///nonexistent restore-point verify test p1; echo "exit $?"; virt-state -c test:///nonexistent --json restore-point verify test p1
--- stdout
exit 1
{"domain":"test","name":"p1","ok":false,"problems":3}
--- stderr
virt-state: restore-point verify: cannot open '@TMP@/store/test/restore-points/p1/domain.xml': No such file or directory
virt-state: restore-point verify: cannot open '@TMP@/store/test/restore-points/p1/memory.img': No such file or directory
virt-state: restore-point verify: cannot read '/guest/diskimage1': No such file or directory
virt-state: restore-point verify: restore point 'p1' of 'test' does not verify: 3 problems
virt-state: restore-point verify: cannot open '@TMP@/store/test/restore-points/p1/domain.xml': No such file or directory
virt-state: restore-point verify: cannot open '@TMP@/store/test/restore-points/p1/memory.img': No such file or directory
virt-state: restore-point verify: cannot read '/guest/diskimage1': No such file or directory
virt-state: restore-point verify: restore point 'p1' of 'test' does not verify: 3 problems
--- exit 1
