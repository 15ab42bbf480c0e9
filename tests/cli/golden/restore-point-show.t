# a restore point is shown and listed from its manifest alone: no connection (test:///nonexistent cannot be opened)
$ P=$TMP/store/test/restore-points/p1; mkdir -p $P; cp "$VIRT_STATE_SRCDIR/tests/cli/fixtures/restore-point.xml" $P/manifest.xml; export TZ=UTC; virt-state -c test:///nonexistent restore-point show test p1; echo "exit $?"; virt-state -c test:///nonexistent restore-point list test; echo "exit $?"; virt-state -c test:///nonexistent restore-point list --tree; echo "exit $?"; virt-state -c test:///nonexistent --json restore-point show test p1
--- stdout
Name:          p1
Domain:        test (6695eb01-f6a4-8304-79aa-97f2502e193f)
Description:   before the upgrade
Parent:        -
Created:       2026-09-21 14:13:20 (by a user)
Domain state:  running
Consistency:   quiesced
Guest paused:  84.2 ms
I/O frozen:    23.1 ms
Memory:        memory.img (2.0 GiB, sha256 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef)
Definition:    domain.xml (sha256 fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210)
Versions:      virt-state 0.1.0, libvirt 9.0.0, QEMU 7.2.0
Disk vda:
  frozen file: /guest/diskimage1 (qcow2, 192.3 KiB)
  overlay:     /guest/diskimage1.p1.qcow2
  size:        10.0 GiB
exit 0
 Name   Created               State     Consistency   Paused    Memory    Parent
----------------------------------------------------------------------------------
 p1     2026-09-21 14:13:20   running   quiesced      84.2 ms   2.0 GiB   -
exit 0
 Domain   Name   Created               State     Consistency   Paused    Memory    Parent
-------------------------------------------------------------------------------------------
 test     p1     2026-09-21 14:13:20   running   quiesced      84.2 ms   2.0 GiB   -
exit 0
{"name":"p1","domain":"test","uuid":"6695eb01-f6a4-8304-79aa-97f2502e193f","description":"before the upgrade","parent":null,"created":1790000000,"origin":"user","domain_state":"running","live":false,"consistency":"quiesced","paused_us":84211,"frozen_us":23145,"versions":{"tool":"0.1.0","libvirt":"9.0.0","qemu":"7.2.0"},"memory":{"file":"memory.img","size":2147483648,"sha256":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},"definition_sha256":"fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210","disks":[{"target":"vda","frozen":"/guest/diskimage1","frozen_format":"qcow2","frozen_size":196928,"overlay":"/guest/diskimage1.p1.qcow2","virtual_size":10737418240}]}
--- stderr
--- exit 0
