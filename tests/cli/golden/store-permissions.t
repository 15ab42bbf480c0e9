# the store is 0700 and its files 0600 whatever the umask
$ umask 000; virt-state -q -c test:///default save test $TMP/s.img; stat -c "%a %n" $TMP/store $TMP/store/test $TMP/store/test/journal $TMP/store/test/lock $TMP/s.img | sed "s|$TMP/||"
--- stdout
700 store
700 store/test
700 store/test/journal
600 store/test/lock
600 s.img
--- stderr
--- exit 0
