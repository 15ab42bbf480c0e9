# a managed save on a busy domain exits 3
$ mkdir -p $TMP/store/test; flock -n $TMP/store/test/lock virt-state -c test:///default save --managed test; echo "exit $?"
--- stdout
exit 3
--- stderr
virt-state: save: domain 'test' is busy: another virt-state operation holds its lock
--- exit 0
