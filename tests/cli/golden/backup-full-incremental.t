# --full and --incremental exclude each other
$ virt-state -c test:///default backup create test --full --incremental; echo "exit $?"
--- stdout
exit 2
--- stderr
virt-state: backup create: options '--full' and '--incremental' exclude each other
Try 'virt-state backup create --help' for more information.
--- exit 0
