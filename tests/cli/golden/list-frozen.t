# list shows a recorded freeze: open-ended, or until its deadline
$ mkdir -p $TMP/store/test; printf "frozen_at=1\ndeadline=0\nguardian=0\nfilesystems=2\n" >$TMP/store/test/frozen; virt-state -c test:///default list; virt-state -c test:///default --json list; printf "frozen_at=1\ndeadline=2\nguardian=0\nfilesystems=2\n" >$TMP/store/test/frozen; virt-state -c test:///default list
--- stdout
 Id   Name   State     Frozen   Managed save   Restore points   Disk snapshots   Backups   Recovery
-----------------------------------------------------------------------------------------------------
 1    test   running   yes      no             0                0                0         -
[{"id":1,"name":"test","uuid":"6695eb01-f6a4-8304-79aa-97f2502e193f","state":"running","persistent":true,"frozen":true,"managed_save":false,"restore_points":0,"disk_snapshots":0,"backups":0,"needs_recovery":false}]
 Id   Name   State     Frozen   Managed save   Restore points   Disk snapshots   Backups   Recovery
-----------------------------------------------------------------------------------------------------
 1    test   running   -        no             0                0                0         -
--- stderr
--- exit 0
