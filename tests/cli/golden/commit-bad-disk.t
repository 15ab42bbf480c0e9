# a --disk with a slash is a usage error
$ virt-state -c test:///default commit test --disk vda/x; echo "exit $?"
--- stdout
exit 2
--- stderr
virt-state: commit: 'vda/x' is not a disk target (like vda or sdb)
Try 'virt-state commit --help' for more information.
--- exit 0
