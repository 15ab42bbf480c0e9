# the name .. is a usage error
$ virt-state -c test:///default disk-snapshot create test ..; echo "exit $?"
--- stdout
exit 2
--- stderr
virt-state: disk-snapshot create: '..' is not a valid name: names have no '/' and no control characters, do not start with '.', and have at most 200 bytes
Try 'virt-state disk-snapshot create --help' for more information.
--- exit 0
