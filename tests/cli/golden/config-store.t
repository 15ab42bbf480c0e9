# the store from the config file, overridden by VIRT_STATE_STORE
$ printf "uri = test:///default\nstore = \"$TMP/cfgstore\"\n" > $TMP/c.conf; unset VIRT_STATE_STORE; virt-state -q --config $TMP/c.conf save test $TMP/a.img; ls $TMP/cfgstore; VIRT_STATE_STORE=$TMP/envstore virt-state -q --config $TMP/c.conf save test $TMP/b.img; ls $TMP/envstore
--- stdout
test
test
--- stderr
--- exit 0
