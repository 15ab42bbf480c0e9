# save on a read-only connection is refused
$ virt-state -r -c test:///default save test $TMP/x.img
--- stdout
--- stderr
virt-state: save: this command changes state and cannot run on a read-only connection (--readonly)
--- exit 2
