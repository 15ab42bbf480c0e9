# a --disk value that is no disk target is a usage error
$ virt-state -c test:///default backup create test --disk ../vda; echo "exit $?"
--- stdout
exit 2
--- stderr
virt-state: backup create: '../vda' is not a disk target (like vda or sdb)
Try 'virt-state backup create --help' for more information.
--- exit 0
