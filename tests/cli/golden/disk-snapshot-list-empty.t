# a domain without snapshots lists none
$ virt-state -c test:///default disk-snapshot list test; echo "exit $?"; virt-state -c test:///default --json disk-snapshot list test
--- stdout
 Name   Created   Consistency   Frozen   Disks   Status
---------------------------------------------------------
exit 0
[]
--- stderr
--- exit 0
