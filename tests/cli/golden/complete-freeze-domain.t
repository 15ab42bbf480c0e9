# freeze and thaw complete their DOMAIN from libvirt
$ virt-state complete -- -c test:///default freeze ""; virt-state complete -- -c test:///default thaw t; virt-state complete -- -c test:///default freeze --
--- stdout
test
test
--mountpoint
--timeout
--help
--json
--quiet
--- stderr
--- exit 0
