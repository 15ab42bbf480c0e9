# a config file with an unknown key
$ printf "# comment\nstore = /x\nfrob = 1\n" > $TMP/c.conf; virt-state --config $TMP/c.conf -c test:///default list
--- stdout
--- stderr
virt-state: @TMP@/c.conf:3: unknown key 'frob' (known: uri, store)
--- exit 1
