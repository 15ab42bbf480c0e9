# a domain locked by another process is busy: exit 3
$ mkdir -p $TMP/store/test; flock -n $TMP/store/test/lock virt-state -c test:///default save test $TMP/b.img; echo "exit $?"; ls $TMP
--- stdout
exit 3
bin
home
store
--- stderr
virt-state: save: domain 'test' is busy: another virt-state operation holds its lock
--- exit 0
