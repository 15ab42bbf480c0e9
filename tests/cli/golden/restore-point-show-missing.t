# showing or verifying a restore point that does not exist
$ virt-state -c test:///default restore-point show test nope; echo "exit $?"; virt-state -c test:///default restore-point verify test nope; echo "exit $?"
--- stdout
exit 1
exit 1
--- stderr
virt-state: restore-point show: domain 'test' has no restore point 'nope'
virt-state: restore-point verify: domain 'test' has no restore point 'nope'
--- exit 0
