# showing a backup that does not exist
$ virt-state -c test:///default backup show test nope; echo "exit $?"
--- stdout
exit 1
--- stderr
virt-state: backup show: domain 'test' has no backup 'nope'
--- exit 0
