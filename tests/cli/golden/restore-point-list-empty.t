# no restore points: the header only, or an empty JSON array; with no DOMAIN nothing asks libvirt
$ virt-state -c test:///default restore-point list test; echo "exit $?"; virt-state -c test:///default --json restore-point list test; echo "exit $?"; virt-state -c test:///nonexistent restore-point list; echo "exit $?"; virt-state -c test:///nonexistent --json restore-point list; echo "exit $?"
--- stdout
 Name   Created   State   Consistency   Paused   Memory   Parent
------------------------------------------------------------------
exit 0
[]
exit 0
 Domain   Name   Created   State   Consistency   Paused   Memory   Parent
---------------------------------------------------------------------------
exit 0
[]
exit 0
--- stderr
--- exit 0
