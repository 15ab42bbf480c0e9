# a domain without backups: an empty table, an empty JSON array
$ virt-state -c test:///default backup list test; echo "exit $?"; virt-state -c test:///default --json backup list test; echo "exit $?"
--- stdout
 Id   Kind   Chain   Parent   Begin   Seconds   Consistency   Copied   Written   Status
-----------------------------------------------------------------------------------------
exit 0
[]
exit 0
--- stderr
--- exit 0
