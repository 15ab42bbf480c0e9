# backup end of a domain without a backup job fails and says so
$ virt-state -c test:///default backup end test; echo "exit $?"
--- stdout
exit 1
--- stderr
virt-state: backup end: domain 'test' has no backup job
--- exit 0
