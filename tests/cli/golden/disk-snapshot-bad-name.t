# a snapshot name with a slash is a usage error; nothing is asked of libvirt
$ virt-state -c test:///default disk-snapshot create test a/b; echo "exit $?"; ls $TMP
--- stdout
exit 2
bin
home
--- stderr
virt-state: disk-snapshot create: 'a/b' is not a valid name: names have no '/' and no control characters, do not start with '.', and have at most 200 bytes
Try 'virt-state disk-snapshot create --help' for more information.
--- exit 0
