# a description must be one line
$ virt-state -c test:///default disk-snapshot create test s1 --description "$(printf "a\nb")"; echo "exit $?"
--- stdout
exit 2
--- stderr
virt-state: disk-snapshot create: --description must be one line of printable UTF-8 text of at most 1024 bytes
Try 'virt-state disk-snapshot create --help' for more information.
--- exit 0
