# an existing FILE is refused without --force, and left as it was
$ echo old > $TMP/e.img; virt-state -c test:///default save test $TMP/e.img; echo "exit $?"; cat $TMP/e.img
--- stdout
exit 1
old
--- stderr
virt-state: save: '@TMP@/e.img' exists; use --force to replace it
--- exit 0
