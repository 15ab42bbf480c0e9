# --tcp listens on loopback only: another host is refused
$ virt-state -c test:///default backup create test --pull --tcp 0.0.0.0:10809; echo "exit $?"
--- stdout
exit 2
--- stderr
virt-state: backup create: --tcp '0.0.0.0:10809': the export listens on 127.0.0.1 only, not on '0.0.0.0'
Try 'virt-state backup create --help' for more information.
--- exit 0
