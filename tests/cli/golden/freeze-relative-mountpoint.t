# a mount point is an absolute path in the guest, without control characters (the store records it one per line)
$ virt-state -c test:///default freeze test --mountpoint data; echo "exit $?"; virt-state -c test:///default freeze test --mountpoint /boot --mountpoint ./x; echo "exit $?"; virt-state -c test:///default freeze test --mountpoint "$(printf "/a\nguardian=1")"; echo "exit $?"; ls -A $TMP
--- stdout
exit 2
exit 2
exit 2
bin
home
--- stderr
virt-state: freeze: --mountpoint 'data' is not an absolute path
Try 'virt-state freeze --help' for more information.
virt-state: freeze: --mountpoint './x' is not an absolute path
Try 'virt-state freeze --help' for more information.
virt-state: freeze: --mountpoint must not contain control characters
Try 'virt-state freeze --help' for more information.
--- exit 0
