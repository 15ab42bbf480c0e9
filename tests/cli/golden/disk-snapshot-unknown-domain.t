# an unknown domain is a clear error
$ virt-state -c test:///default disk-snapshot create nosuch s1; echo "exit $?"
--- stdout
exit 1
--- stderr
virt-state: disk-snapshot create: domain 'nosuch' not found
--- exit 0
