# --force replaces an existing file
$ echo old > $TMP/e.img; virt-state -q -c test:///default save test $TMP/e.img --force; echo "exit $?"; grep -qx old $TMP/e.img || echo replaced
--- stdout
exit 0
replaced
--- stderr
--- exit 0
