# list on the test driver
$ virt-state -c test:///default list
--- stdout
 Id   Name   State     Frozen   Managed save   Restore points   Disk snapshots   Backups   Recovery
-----------------------------------------------------------------------------------------------------
 1    test   running   -        no             0                0                0         -
--- stderr
--- exit 0
