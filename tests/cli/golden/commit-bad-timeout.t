# --timeout 0 is a usage error
$ virt-state -c test:///default commit test --timeout 0; echo "exit $?"
--- stdout
exit 2
--- stderr
virt-state: commit: --timeout must be 1 to 604800 seconds
Try 'virt-state commit --help' for more information.
--- exit 0
