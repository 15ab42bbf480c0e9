# a revert name with a slash is a usage error
$ virt-state -c test:///default revert test ../x; echo "exit $?"
--- stdout
exit 2
--- stderr
virt-state: revert: '../x' is not a valid name: names have no '/' and no control characters, do not start with '.', and have at most 200 bytes
Try 'virt-state revert --help' for more information.
--- exit 0
