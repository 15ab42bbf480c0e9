# completion honours --connect=URI for domain names
$ virt-state complete -- --connect=test:///default save t; virt-state complete -- -c test:///default restore x; echo "exit $?"
--- stdout
test
exit 100
--- stderr
--- exit 0
