# reverting to a snapshot that does not exist
$ virt-state -c test:///default revert test nope; echo "exit $?"
--- stdout
exit 1
--- stderr
virt-state: revert: domain 'test' has no restore point or disk snapshot named 'nope'
--- exit 0
