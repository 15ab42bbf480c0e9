# an empty LIBVIRT_DEFAULT_URI counts as unset: the config file's uri is used
$ printf "uri = test:///default\n" > $TMP/c.conf; LIBVIRT_DEFAULT_URI= virt-state --config $TMP/c.conf version | tail -n 1
--- stdout
hypervisor: TEST 0.0.2
--- stderr
--- exit 0
