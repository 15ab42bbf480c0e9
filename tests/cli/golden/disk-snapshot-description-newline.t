# a description must be one line
$ virt-state -c test:///default disk-snapshot create test s1 --description "$(printf "a\nb")"; echo "exit $?"
--- stdout
exit 2
--- stderr
virt-state: disk-snapshot create: --description must be one line of at most 1024 characters
Try 'virt-state disk-snapshot create --help' for more information.
--- exit 0
