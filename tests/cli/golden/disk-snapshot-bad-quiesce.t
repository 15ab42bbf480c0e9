# --quiesce takes auto, required or off
$ virt-state -c test:///default disk-snapshot create test s1 --quiesce maybe; echo "exit $?"
--- stdout
exit 2
--- stderr
virt-state: disk-snapshot create: invalid value 'maybe' for '--quiesce': one of auto, required, off
Try 'virt-state disk-snapshot create --help' for more information.
--- exit 0
