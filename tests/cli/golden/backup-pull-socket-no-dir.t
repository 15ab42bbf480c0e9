# --pull --socket in a directory that does not exist fails before any libvirt call
$ virt-state -c test:///default backup create test --pull --socket $TMP/none/nbd.sock; echo "exit $?"
--- stdout
exit 1
--- stderr
virt-state: backup create: cannot use the socket '@TMP@/none/nbd.sock': directory '@TMP@/none': No such file or directory
--- exit 0
