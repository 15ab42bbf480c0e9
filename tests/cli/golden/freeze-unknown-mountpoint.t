# a mount point the guest does not have is refused before anything is frozen
$ virt-state -c test:///default freeze test --mountpoint /data; echo "exit $?"; ls -A $TMP/store/test
--- stdout
exit 1
lock
--- stderr
virt-state: freeze: '/data' is not a mount point of 'test' (its filesystems: /, /boot)
--- exit 0
