# save --json reports the file and size
$ printf "save test $TMP/t.img --json --quiet\n" | virt-state -c test:///default | sed "s/\"size\":[0-9]*/\"size\":N/"
--- stdout
{"domain":"test","action":"saved","file":"@TMP@/t.img","size":N}
--- stderr
--- exit 0
