# a save killed at a step: next command refuses, recover rolls back, nothing left
$ { VIRT_STATE_FAULT_AT=save:save virt-state -c test:///default save test $TMP/f.img; echo "exit $?"; } 2>&1 | grep -v " Killed "; ls -A $TMP | grep -c part; virt-state -c test:///default save test $TMP/f.img; echo "exit $?"; virt-state -c test:///default list; virt-state -c test:///default recover test; echo "exit $?"; ls -A $TMP; virt-state -c test:///default recover test
--- stdout
virt-state: fault injection: killed at save:save
exit 137
1
exit 1
 Id   Name   State     Frozen   Managed save   Restore points   Disk snapshots   Backups   Recovery
-----------------------------------------------------------------------------------------------------
 1    test   running   -        no             0                0                0         needed
exit 0
bin
home
store
--- stderr
virt-state: save: domain 'test' has an interrupted save operation (save-@ID@); run 'virt-state recover test' first
virt-state: recover: rolled back the interrupted save of 'test': removed its incomplete image; '@TMP@/f.img' untouched
virt-state: recover: nothing to recover
--- exit 0
