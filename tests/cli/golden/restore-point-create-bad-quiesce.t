# restore-point create --quiesce takes auto, required or off
$ virt-state -c test:///nonexistent restore-point create test p1 --quiesce maybe; echo "exit $?"
--- stdout
exit 2
--- stderr
virt-state: restore-point create: invalid value 'maybe' for '--quiesce': one of auto, required, off
Try 'virt-state restore-point create --help' for more information.
--- exit 0
