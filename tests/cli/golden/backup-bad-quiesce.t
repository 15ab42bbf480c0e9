# --quiesce takes auto, required or off
$ virt-state -c test:///default backup create test --quiesce maybe; echo "exit $?"
--- stdout
exit 2
--- stderr
virt-state: backup create: invalid value 'maybe' for '--quiesce': one of auto, required, off
Try 'virt-state backup create --help' for more information.
--- exit 0
