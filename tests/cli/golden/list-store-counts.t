# list counts what the store holds
$ mkdir -p $TMP/store/test/restore-points/p1 $TMP/store/test/backups/c1 $TMP/store/test/restore-points/broken; touch $TMP/store/test/restore-points/p1/manifest.xml $TMP/store/test/backups/c1/c1.manifest.xml $TMP/store/test/backups/c1/c2.manifest.xml $TMP/store/test/backups/c1/c1.vda.qcow2; virt-state -c test:///default list
--- stdout
 Id   Name   State     Frozen   Managed save   Restore points   Disk snapshots   Backups   Recovery
-----------------------------------------------------------------------------------------------------
 1    test   running   -        no             1                0                2         -
--- stderr
--- exit 0
