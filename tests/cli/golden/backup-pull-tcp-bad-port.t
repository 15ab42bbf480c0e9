# --tcp takes a port from 1 to 65535
$ virt-state -c test:///default backup create test --pull --tcp 65536; echo "exit $?"; virt-state -c test:///default backup create test --pull --tcp 0; echo "exit $?"; virt-state -c test:///default backup create test --pull --tcp x; echo "exit $?"
--- stdout
exit 2
exit 2
exit 2
--- stderr
virt-state: backup create: --tcp '65536' is not a port (1 to 65535)
Try 'virt-state backup create --help' for more information.
virt-state: backup create: --tcp '0' is not a port (1 to 65535)
Try 'virt-state backup create --help' for more information.
virt-state: backup create: --tcp 'x' is not a port (1 to 65535)
Try 'virt-state backup create --help' for more information.
--- exit 0
