# --pull --socket must be an absolute path: a usage error before any libvirt call
$ virt-state -c test:///default backup create test --pull --socket nbd.sock; echo "exit $?"
--- stdout
exit 2
--- stderr
virt-state: backup create: --socket 'nbd.sock' is not an absolute path
Try 'virt-state backup create --help' for more information.
--- exit 0
