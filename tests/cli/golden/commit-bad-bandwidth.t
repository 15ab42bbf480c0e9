# --bandwidth 0 and a non-number are usage errors
$ virt-state -c test:///default commit test --bandwidth 0; echo "exit $?"; virt-state -c test:///default commit test --bandwidth fast; echo "exit $?"
--- stdout
exit 2
exit 2
--- stderr
virt-state: commit: --bandwidth must be 1 to 1048576 MiB/s
Try 'virt-state commit --help' for more information.
virt-state: commit: option '--bandwidth' needs a whole number, not 'fast'
Try 'virt-state commit --help' for more information.
--- exit 0
