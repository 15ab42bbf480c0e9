# freeze, list and thaw in one shell session; the freeze is recorded in the store until the thaw
$ printf "freeze test --mountpoint /boot\nlist\nthaw test\nlist\nthaw test\n" | virt-state -c test:///default; echo "exit $?"; ls -A $TMP/store/test
--- stdout
 Id   Name   State     Frozen   Managed save   Restore points   Disk snapshots   Backups   Recovery
-----------------------------------------------------------------------------------------------------
 1    test   running   yes      no             0                0                0         -
 Id   Name   State     Frozen   Managed save   Restore points   Disk snapshots   Backups   Recovery
-----------------------------------------------------------------------------------------------------
 1    test   running   -        no             0                0                0         -
exit 0
lock
--- stderr
virt-state: freeze: froze 1 filesystem of 'test'; it stays frozen until 'virt-state thaw test'
virt-state: thaw: thawed 1 filesystem of 'test'
virt-state: thaw: 'test' was not frozen
--- exit 0
