# restore needs --to
$ virt-state -c test:///default backup restore test x; echo "exit $?"
--- stdout
exit 2
--- stderr
virt-state: backup restore: --to DIR is required
Try 'virt-state backup restore --help' for more information.
--- exit 0
