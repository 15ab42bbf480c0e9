# showing a snapshot that does not exist
$ virt-state -c test:///default disk-snapshot show test nope; echo "exit $?"
--- stdout
exit 1
--- stderr
virt-state: disk-snapshot show: domain 'test' has no disk snapshot 'nope'
--- exit 0
