# a --disk that is no disk target is a usage error
$ virt-state -c test:///default disk-snapshot create test s1 --disk ../vda; echo "exit $?"
--- stdout
exit 2
--- stderr
virt-state: disk-snapshot create: '../vda' is not a disk target (like vda or sdb)
Try 'virt-state disk-snapshot create --help' for more information.
--- exit 0
