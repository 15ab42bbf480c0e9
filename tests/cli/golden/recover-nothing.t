# recover with nothing to do, twice
$ virt-state -c test:///default recover; virt-state -c test:///default recover test
--- stdout
--- stderr
virt-state: recover: nothing to recover
virt-state: recover: nothing to recover
--- exit 0
