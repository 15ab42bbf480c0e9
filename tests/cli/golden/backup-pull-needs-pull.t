# --socket and --tcp need --pull, and exclude each other
$ virt-state -c test:///default backup create test --tcp 10809; echo "exit $?"; virt-state -c test:///default backup create test --pull --tcp 10809 --socket /tmp/x; echo "exit $?"
--- stdout
exit 2
exit 2
--- stderr
virt-state: backup create: --socket and --tcp need --pull
Try 'virt-state backup create --help' for more information.
virt-state: backup create: options '--socket' and '--tcp' exclude each other
Try 'virt-state backup create --help' for more information.
--- exit 0
