# freeze and thaw an unknown domain
$ virt-state -c test:///default freeze nosuch; echo "exit $?"; virt-state -c test:///default thaw nosuch; echo "exit $?"
--- stdout
exit 1
exit 1
--- stderr
virt-state: freeze: domain 'nosuch' not found
virt-state: thaw: domain 'nosuch' not found
--- exit 0
